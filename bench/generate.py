"""A realistic municipality of N youths, written straight into a kui database, and cached.

    python bench/generate.py 100000            # prints the path of the cached SQLite database
    python bench/generate.py 100000 --postgres postgresql+psycopg://kui:kui@127.0.0.1/kui_bench

The schema comes from kui's own migrations (`kui_cli.db.upgrade`), the youths from the demo's
composition (`kui_cli.domain.demo.generate`: Sønderborg's shares of statuses and needs), the
teams from the profile where kui loads them (otherwise three of our own); the rest is bulk SQL:
staff in districts of about 12,845 youths (one Sønderborg each), coordinator assignments for
need C, goals and efforts for need B and C, a year of change-log rows, duty episodes of
15-17-year-olds out of activity, readiness assessments, custody holders of minors, team meetings
a year back and three months ahead, referrals to past and next meetings, and an audit trail with
a valid hash chain.

Generated files are cached in `bench/.cache/` (or $KUI_BENCH_CACHE) under names that carry N,
`VERSION` and a digest of kui's migrations: bump the version whenever the output changes, and a
rerun rebuilds. PostgreSQL is loaded from the cached SQLite file with COPY and marked with the
same key, so a rerun skips it too.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from dateutil.rrule import rrulestr

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # this worktree's kui_cli, not an installed one

VERSION = 9
TODAY = dt.date(2026, 11, 22)
CACHE = Path(os.environ.get("KUI_BENCH_CACHE") or Path(__file__).resolve().parent / ".cache")
DISTRICT_SIZE = 12_845  # Sønderborg's youths in April 2019 (seed 002)
META_KEY = "bench_generator"
SEED = 9

# Staff of one district (a Sønderborg): about 50 professionals.
STAFF_ROLES = {"uu": 16, "jobcenter": 16, "social": 7, "ppr": 3, "health": 2, "mentor": 3}
LEADERS = 3
TEAMS = (  # slug stem, name, place, fixed members by role, rule, first meeting
    (
        "team-1",
        "Team 1: elever i grundskolen",
        "På skolerne",
        ("uu", "ppr", "health", "social"),
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU",
        dt.datetime(2025, 1, 7, 9, 0),
    ),
    (
        "team-2",
        "Team 2: under 18 uden uddannelse og job",
        "Ungecenteret",
        ("social", "uu", "ppr", "jobcenter"),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        dt.datetime(2025, 1, 9, 13, 0),
    ),
    (
        "team-3",
        "Team 3: over 18 uden uddannelse og job",
        "Ungecenteret",
        ("jobcenter", "uu", "social"),
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH",
        dt.datetime(2025, 1, 9, 9, 0),
    ),
)
GOALS = (
    "Starte på en erhvervsuddannelse",
    "Gennemføre 10. klasse",
    "Komme i gang med FGU",
    "Få et fritidsjob",
    "Bedre trivsel og fremmøde",
    "Afklare helbred og arbejdsevne",
    "Finde egen bolig",
    "Starte på gymnasiet",
)
SUB_GOALS = (
    "Møde op til samtale med vejlederen",
    "Besøge to uddannelsessteder",
    "Søge tre praktikpladser",
    "Komme op om morgenen og møde til tiden",
    "Lave CV sammen med mentor",
)
EFFORTS_C = (  # title, department, legislation, responsible role
    ("Mentor", "Jobcenter", "lab", "mentor"),
    ("Støtte-kontaktperson", "Center for Børn og Familie", "serviceloven", "social"),
    ("PPR-udredning", "PPR", "kui", "ppr"),
    ("Sundhedsforløb", "Sundhed", "other", "health"),
    ("Uddannelsesvejledning", "UU Sønderborg", "kui", "uu"),
    ("Jobafklaring", "Jobcenter", "lab", "jobcenter"),
)
CHANGE_TEXTS = {
    "status": "status: ny aktivitet",
    "need": "behov: vurderet igen",
    "goal": "delmål tilføjet",
    "effort": "indsats ændret",
    "coordinator": "koordinator: samtale holdt",
    "referral": "indstillet til team",
}
CHANGE_KINDS = tuple(CHANGE_TEXTS)
# What a youth who changed status did before: the common statuses of the register.
PAST_STATUSES = (
    "none",
    "job",
    "10th-grade",
    "gymnasium",
    "vocational",
    "fgu",
    "benefit-education-ready",
    "benefit-activity-ready",
)


def schema_version() -> str:
    """A digest of kui's migrations: a cached database is rebuilt when the schema changes, even
    while the unreleased first migration is still being edited."""
    import hashlib

    from kui_cli import migrations

    digest = hashlib.sha256()
    for path in sorted((Path(migrations.__file__).parent / "versions").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:8]


def db_path(n: int) -> Path:
    return CACHE / f"kui-{n}-v{VERSION}-{schema_version()}.db"


def csv_path(n: int) -> Path:
    return CACHE / f"youths-{n}-v{VERSION}.csv"


def cache_key(n: int) -> str:
    return f"n={n};version={VERSION};schema={schema_version()}"


@dataclass
class Town:
    """What the tables of one generated municipality are built from."""

    n: int
    rng: random.Random
    youths: list[tuple[Any, ...]]
    districts: int
    staff: list[tuple[Any, ...]] = field(default_factory=list)
    by_role: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    initials: dict[int, str] = field(default_factory=dict)
    coordinator_of: dict[int, int] = field(default_factory=dict)
    team_ids: dict[int, int] = field(default_factory=dict)
    meetings: dict[int, list[tuple[int, dt.datetime]]] = field(default_factory=dict)

    def district(self, youth_id: int) -> int:
        return youth_id % self.districts

    def pick(self, district: int, role: str) -> int:
        return self.rng.choice(self.by_role[(district, role)])


# --------------------------------------------------------------------------- youths and CSV


def youth_rows(n: int, secret: bytes) -> list[tuple[Any, ...]]:
    """The demo's composition (importer.COLUMNS order), shuffled so ids mix the groups as real
    registrations do, with registration dates spread over three years."""
    from kui_cli.domain import demo

    rows = demo.generate(TODAY, n, secret)
    rng = random.Random(SEED)
    rng.shuffle(rows)
    spread = []
    for row in rows:
        registered = max(row[3], TODAY - dt.timedelta(days=rng.randrange(1095)))
        # registered_on, and known_from: the status's start or the registration if earlier
        spread.append((*row[:11], registered, min(row[5], registered)))
    return spread


def write_csv(rows: list[tuple[Any, ...]], path: Path) -> None:
    """The file that `youth import` and the floor read: cpr,name,status,since,need,school,grade."""
    tmp = path.with_suffix(".partial")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["cpr", "name", "status", "since", "need", "school", "grade"])
        for r in rows:
            cpr = f"{r[0][:6]}-{r[0][6:]}"
            grade = "" if r[8] is None else r[8]
            writer.writerow([cpr, r[2], r[4], r[5].isoformat(), r[6], r[7] or "", grade])
    tmp.replace(path)


# --------------------------------------------------------------------------- the tables


def staff_rows(town: Town) -> Iterator[tuple[Any, ...]]:
    from kui_cli.domain import demo

    rng = town.rng
    seen: set[str] = set()
    staff_id = 0
    for district in range(town.districts):
        roles = [r for r, k in STAFF_ROLES.items() for _ in range(k)] + ["leader"] * LEADERS
        for role in roles:
            staff_id += 1
            first, last = rng.choice(demo.FIRST_NAMES), rng.choice(demo.LAST_NAMES)
            stem = (first[0] + last[0]).upper()
            initials, k = stem, 1
            while initials in seen:
                k += 1
                initials = f"{stem}{k}"
            seen.add(initials)
            town.initials[staff_id] = initials
            town.by_role.setdefault((district, role), []).append(staff_id)
            department = {"uu": "UU Sønderborg", "jobcenter": "Jobcenter"}.get(role, "Center")
            capacity = 35 if role in ("uu", "jobcenter") else None
            added = TODAY - dt.timedelta(days=rng.randrange(30, 2000))
            email = f"{initials.lower()}@kommune.dk"
            yield (
                staff_id,
                initials,
                f"{first} {last}",
                role,
                department,
                capacity,
                None,
                email,
                1,
                added.isoformat(),
            )


def _age(born: dt.date) -> int:
    from kui_cli.domain.register import ages

    return ages.age_on(born, TODAY)


def coordinator_rows(town: Town) -> Iterator[tuple[Any, ...]]:
    """Need C youths: a coordinator proposal (85 % accepted, 5 % pending, 10 % declined); those who
    turned 18 this year also have the ended assignment of their UU coordinator before it."""
    rng = town.rng
    row_id = 0
    for youth_id, y in enumerate(town.youths, start=1):
        if y[6] != "C":
            continue
        district, age = town.district(youth_id), _age(y[3])
        role = "uu" if age < 18 else "jobcenter"
        staff_id = town.pick(district, role)
        proposed = TODAY - dt.timedelta(days=rng.randrange(20, 700))
        draw = rng.random()
        consent = "accepted" if draw < 0.85 else "pending" if draw < 0.9 else "declined"
        by = "both" if age < 18 else "youth"
        leader = town.initials[town.pick(district, "leader")]
        if consent == "accepted" and age == 18:
            row_id += 1
            birthday = (
                y[3].replace(year=y[3].year + 18)
                if (y[3].month, y[3].day) != (2, 29)
                else dt.date(y[3].year + 18, 3, 1)
            )
            earlier = birthday - dt.timedelta(days=rng.randrange(200, 700))
            uu = town.pick(district, "uu")
            yield (
                row_id,
                youth_id,
                uu,
                "accepted",
                "both",
                None,
                earlier.isoformat(),
                earlier.isoformat(),
                birthday.isoformat(),
                "overdraget til jobcenter ved 18 år",
                leader,
            )
            proposed = birthday
        row_id += 1
        start = proposed + dt.timedelta(days=rng.randrange(0, 14))
        started = consent == "accepted" and start <= TODAY
        if consent == "accepted" and started:
            town.coordinator_of[youth_id] = staff_id
        yield (
            row_id,
            youth_id,
            staff_id,
            consent,
            by,
            None,
            proposed.isoformat(),
            start.isoformat() if started else None,
            None,
            None,
            leader,
        )


def plan_rows(town: Town) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Goals (with sub-goals) and efforts of every youth with need B or C."""
    rng = town.rng
    goals: list[tuple[Any, ...]] = []
    efforts: list[tuple[Any, ...]] = []
    for youth_id, y in enumerate(town.youths, start=1):
        if y[6] == "A":
            continue
        district, age, need_c = town.district(youth_id), _age(y[3]), y[6] == "C"
        by = town.initials[town.coordinator_of.get(youth_id) or town.pick(district, "uu")]
        for _ in range(1 + need_c + (rng.random() < 0.3)):
            created = TODAY - dt.timedelta(days=rng.randrange(5, 600))
            due = (created + dt.timedelta(days=rng.randrange(60, 400))).isoformat()
            goals.append(
                (len(goals) + 1, youth_id, None, rng.choice(GOALS), due, created.isoformat(), by)
            )
            parent = len(goals)
            for _ in range(rng.randrange(3)):
                goals.append(
                    (
                        len(goals) + 1,
                        youth_id,
                        parent,
                        rng.choice(SUB_GOALS),
                        None,
                        created.isoformat(),
                        by,
                    )
                )
        if need_c:
            chosen = rng.sample(EFFORTS_C, rng.randint(2, 4))
        elif age < 18:
            chosen = [("Uddannelsesvejledning", "UU Sønderborg", "kui", "uu")]
        else:
            chosen = [("Jobcenterforløb", "Jobcenter", "lab", "jobcenter")]
        for title, department, legislation, role in chosen:
            start = TODAY - dt.timedelta(days=rng.randrange(10, 600))
            end = start + dt.timedelta(days=rng.randrange(30, 400))
            ended = rng.random() < 0.25 and end < TODAY
            efforts.append(
                (
                    len(efforts) + 1,
                    youth_id,
                    title,
                    department,
                    legislation,
                    town.pick(district, role),
                    start.isoformat(),
                    end.isoformat() if ended else None,
                    "afsluttet efter plan" if ended else None,
                    by,
                )
            )
    return goals, efforts


def _stamp(moment: dt.datetime) -> str:
    """SQLAlchemy's SQLite storage of a UTC datetime."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def change_rows(town: Town) -> list[tuple[Any, ...]]:
    """The registration row of every youth and a year of changes, in the order they happened.

    KUI youths (need B, C) change several times a year; the others now and then. Status and need
    changes carry their values, chained so that the last one sets the youth's current value and
    the registration the first. Changes older than three weeks are mostly acknowledged by the plan
    owner, recent ones about half."""
    rng = town.rng
    rows: list[tuple[Any, ...]] = []
    year = 365 * 24 * 3600
    now = dt.datetime.combine(TODAY, dt.time(16))
    for youth_id, y in enumerate(town.youths, start=1):
        district = town.district(youth_id)
        registered = dt.datetime.combine(y[11], dt.time(8)) + dt.timedelta(
            seconds=rng.randrange(9 * 3600)
        )
        need = y[6]
        count = (
            rng.randint(3, 9)
            if need == "C"
            else rng.randint(1, 4)
            if need == "B"
            else (rng.random() < 0.25)
        )
        owner = town.coordinator_of.get(youth_id)
        since = max(registered, now - dt.timedelta(seconds=year))
        window = max(1, int((now - since).total_seconds()))
        moments = sorted(since + dt.timedelta(seconds=rng.randrange(window)) for _ in range(count))
        kinds = ["status" if need == "A" else rng.choice(CHANGE_KINDS) for _ in moments]
        values = _chained(rng, kinds, {"status": y[4], "need": need})
        uu = town.initials[town.pick(district, "uu")]
        first = values["registered"][1]
        what = f"registered with status {first}, need {values['need'][0] or need}"
        day = y[11].isoformat()
        rows.append((youth_id, _stamp(registered), uu, "registered", what, None, first, None, day))
        rows[-1] += (None, None)
        for index, (at, kind) in enumerate(zip(moments, kinds, strict=True)):
            old, new = values.get(index, (None, None))
            by = town.initials[town.pick(district, rng.choice(("uu", "jobcenter", "social")))]
            ack_at = ack_by = None
            if owner is not None:
                aged = (now - at).days > 21
                if rng.random() < (0.95 if aged else 0.5):
                    ack_at = _stamp(at + dt.timedelta(hours=rng.randrange(2, 120)))
                    ack_by = town.initials[owner]
            what = f"{kind}: {new}" if new else CHANGE_TEXTS[kind]
            why = "opdateret efter samtale"
            rows.append(
                (youth_id, _stamp(at), by, kind, what, old, new, why, at.date().isoformat())
            )
            rows[-1] += (ack_at, ack_by)
    rows.sort(key=lambda r: r[1])
    return rows


def _chained(rng: random.Random, kinds: list[str], current: dict[str, str]) -> dict[Any, Any]:
    """Old and new values of the status and need changes (by index), walking back from the
    current values; "registered" holds (None, the status registered with) and "need" (the need
    registered with, None)."""
    values: dict[Any, Any] = {}
    now = dict(current)
    for index in reversed(range(len(kinds))):
        kind = kinds[index]
        if kind in now:
            choices = PAST_STATUSES if kind == "status" else ("A", "B", "C")
            before = rng.choice([value for value in choices if value != now[kind]])
            values[index] = (before, now[kind])
            now[kind] = before
    values["registered"] = (None, now["status"])
    values["need"] = (now["need"], None)
    return values


def _add_working_days(start: dt.date, days: int) -> dt.date:
    day = start
    while days:
        day += dt.timedelta(days=1)
        days -= day.weekday() < 5
    return day


def duty_rows(town: Town) -> Iterator[tuple[Any, ...]]:
    """An open episode for every 15-17-year-old out of activity; closed ones from the past year."""
    rng = town.rng
    for youth_id, y in enumerate(town.youths, start=1):
        age = _age(y[3])
        if not 15 <= age <= 17 or y[4] == "primary-school":
            continue
        if y[4] == "none":
            out = y[5]
            contacted = out + dt.timedelta(days=rng.randrange(0, 9))
            contacted = contacted if rng.random() < 0.85 and contacted <= TODAY else None
            offered = contacted + dt.timedelta(days=rng.randrange(3, 40)) if contacted else None
            offered = offered if offered and offered <= TODAY and rng.random() < 0.6 else None
            yield (
                youth_id,
                out.isoformat(),
                _add_working_days(out, 5).isoformat(),
                (out + dt.timedelta(days=30)).isoformat(),
                contacted.isoformat() if contacted else None,
                offered.isoformat() if offered else None,
                "FGU" if offered else None,
                None,
                None,
                None,
                None,
                None,
            )
        elif rng.random() < 0.04:
            back = y[5]
            out = back - dt.timedelta(days=rng.randrange(20, 120))
            yield (
                youth_id,
                out.isoformat(),
                _add_working_days(out, 5).isoformat(),
                (out + dt.timedelta(days=30)).isoformat(),
                (out + dt.timedelta(days=3)).isoformat(),
                back.isoformat(),
                y[4],
                None,
                None,
                None,
                back.isoformat(),
                "activity",
            )


def assessment_rows(town: Town) -> Iterator[tuple[Any, ...]]:
    """Readiness assessments of 8th graders (and of 9th graders, last year's 8th grade too)."""
    for youth_id, y in enumerate(town.youths, start=1):
        grade = y[8]
        if grade not in (8, 9):
            continue
        result = "ready" if y[6] == "A" else "not-ready"
        uu = town.initials[town.pick(town.district(youth_id), "uu")]
        yield (youth_id, 8, result, None, "2025-12-10" if grade == 8 else "2024-12-10", uu)
        if grade == 9:
            yield (youth_id, 9, result, None, "2026-01-28", uu)


def guardian_rows(town: Town) -> Iterator[tuple[Any, ...]]:
    """One or two custody holders of every minor."""
    from kui_cli.domain import demo

    rng = town.rng
    for youth_id, y in enumerate(town.youths, start=1):
        if _age(y[3]) >= 18:
            continue
        last = y[2].split()[-1]
        for _ in range(1 + (rng.random() < 0.6)):
            phone = f"2{rng.randrange(10_000_000):07d}"
            yield (youth_id, f"{rng.choice(demo.FIRST_NAMES)} {last}", phone, None)


def team_rows(town: Town, conn: sqlite3.Connection) -> tuple[list[tuple[Any, ...]], ...]:
    """The profile's teams and meeting series when kui loaded them at `init` (their targets and
    rules as kui knows them), otherwise three Sønderborg teams of our own; fixed members from
    the first district's staff; meetings from a year back to three months ahead (2 % of the past
    ones cancelled). Returns the new rows of team, team_member, meeting_series and meeting."""
    rng = town.rng
    teams: list[tuple[Any, ...]] = []
    series: list[tuple[Any, ...]] = []
    loaded = conn.execute("SELECT id, slug FROM team ORDER BY id").fetchall()
    if loaded:
        query = "SELECT id, team_id, rule, dtstart, duration_min, place FROM meeting_series"
        plans = [
            (i, t, rule, dt.datetime.fromisoformat(start), minutes, place)
            for i, t, rule, start, minutes, place in conn.execute(query)
        ]
    else:
        for number, (stem, name, place, _roles, rule, start) in enumerate(TEAMS, start=1):
            teams.append((number, stem, name, place, "{}", "{}"))
            series.append((number, number, rule, _stamp(start), 90, place))
        loaded = [(t[0], t[1]) for t in teams]
        plans = [
            (i, t, rule, dt.datetime.fromisoformat(start), minutes, place)
            for i, t, rule, start, minutes, place in series
        ]
    roles = {stem: team_roles for stem, _n, _p, team_roles, _r, _s in TEAMS}
    members = []
    for team_id, slug in loaded:
        if slug in roles:
            town.team_ids[int(slug.rsplit("-", 1)[1])] = team_id
            chosen = {town.pick(0, role) for role in roles[slug]}
            members += [(team_id, staff_id, 0) for staff_id in sorted(chosen)]
    meetings: list[tuple[Any, ...]] = []
    first = dt.datetime.combine(TODAY - dt.timedelta(days=365), dt.time())
    last = dt.datetime.combine(TODAY + dt.timedelta(days=92), dt.time())
    for series_id, team_id, rule, start, minutes, place in plans:
        held = town.meetings.setdefault(team_id, [])
        for moment in rrulestr(rule, dtstart=start).between(first, last, inc=True):
            cancelled = moment.date() < TODAY and rng.random() < 0.02
            ends = moment + dt.timedelta(minutes=minutes)
            status = "cancelled" if cancelled else "planned"
            meetings.append(
                (
                    len(meetings) + 1,
                    team_id,
                    series_id,
                    _stamp(moment),
                    _stamp(moment),
                    _stamp(ends),
                    place,
                    status,
                    None,
                )
            )
            if not cancelled:
                held.append((len(meetings), moment))
    return teams, members, series, meetings


def referral_rows(town: Town) -> Iterator[tuple[Any, ...]]:
    """Most need C youths were referred to their team once (decided); every team's next meeting
    has a handful of open referrals."""
    rng = town.rng
    upcoming: dict[int, int] = {}
    row_id = 0
    for youth_id, y in enumerate(town.youths, start=1):
        if y[6] == "A":
            continue
        district = town.district(youth_id)
        group = 1 if y[4] == "primary-school" else 2 if _age(y[3]) < 18 else 3
        team_id = town.team_ids[group]
        held = town.meetings.get(team_id, [])
        past = [m for m in held[:: max(1, len(held) // 8)] if m[1].date() < TODAY]
        next_meeting = next((m for m in held if m[1].date() >= TODAY), None)
        by = town.initials[town.pick(district, "uu")]
        if y[6] == "C" and past and rng.random() < 0.7:
            meeting_id, moment = rng.choice(past)
            leader = town.initials[town.pick(district, "leader")]
            row_id += 1
            yield (
                row_id,
                youth_id,
                team_id,
                meeting_id,
                "Behov for flerfaglig indsats",
                by,
                (moment.date() - dt.timedelta(days=7)).isoformat(),
                None,
                0,
                "Koordinator tildelt; flerfaglig indsats",
                moment.date().isoformat(),
                leader,
            )
        elif next_meeting and upcoming.get(team_id, 0) < 6 and rng.random() < 0.05:
            upcoming[team_id] = upcoming.get(team_id, 0) + 1
            row_id += 1
            yield (
                row_id,
                youth_id,
                team_id,
                next_meeting[0],
                "Ønsker sparring om plan",
                by,
                (TODAY - dt.timedelta(days=rng.randrange(1, 10))).isoformat(),
                None,
                0,
                None,
                None,
                None,
            )


def audit_rows(town: Town, last: tuple[int, str]) -> Iterator[tuple[Any, ...]]:
    """Half a year of look-ups (one per 20 youths) that continue the chain after `last` (the id and
    hash of the entry kui wrote when the profile was loaded), hashed as `audit verify` checks."""
    from kui_cli.domain.protection import audit

    rng = town.rng
    count = max(10, town.n // 20)
    start = dt.datetime.combine(TODAY, dt.time(8), tzinfo=dt.UTC) - dt.timedelta(days=182)
    step = dt.timedelta(days=182) / count
    last_id, previous = last
    for index in range(count):
        youth_id = rng.randrange(1, town.n + 1)
        staff_id = rng.randrange(1, len(town.initials) + 1)
        entry = SimpleNamespace(
            id=last_id + 1 + index,
            hash_version=audit.CHAIN_VERSION,
            prev_hash=previous,
            at=start + step * index,
            user=town.initials[staff_id],
            action="read",
            command="kui youth show",
            subject_key=town.youths[youth_id - 1][1],
            filter=None,
            rows=None,
        )
        entry_hash = audit.entry_hash(entry)  # type: ignore[arg-type]
        yield (
            entry.id,
            entry.hash_version,
            entry.at.strftime("%Y-%m-%d %H:%M:%S.%f"),
            entry.user,
            entry.action,
            entry.command,
            entry.subject_key,
            None,
            None,
            previous,
            entry_hash,
        )
        previous = entry_hash


def extend_audit(path: Path, total: int) -> int:
    """Continue the audit chain of the database at `path` with look-ups until it has `total`
    entries (the `audit verify` bench: a national register's log of a year or more), hashed as
    `audit verify` checks; every tenth a search with a filter in Danish. Returns the entries."""
    from kui_cli.domain.protection import audit

    with sqlite3.connect(path) as conn:
        last_id, previous = conn.execute(
            "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
        ).fetchone()
        users = [row[0] for row in conn.execute("SELECT initials FROM staff ORDER BY id")]
        keys = [row[0] for row in conn.execute("SELECT subject_key FROM youth LIMIT 10000")]
        rng = random.Random(SEED)
        start = dt.datetime.combine(TODAY, dt.time(8), tzinfo=dt.UTC) - dt.timedelta(days=365)
        rows = []
        for entry_id in range(last_id + 1, total + 1):
            search = entry_id % 10 == 0
            entry = SimpleNamespace(
                id=entry_id,
                hash_version=audit.CHAIN_VERSION,
                prev_hash=previous,
                at=start + dt.timedelta(seconds=entry_id * 17.3),
                user=rng.choice(users),
                action="list" if search else "read",
                command="kui youth list" if search else "kui youth show",
                subject_key=None if search else rng.choice(keys),
                filter='{"search": "Jørgensen"}' if search else None,
                rows=3 if search else None,
            )
            previous = audit.entry_hash(entry)  # type: ignore[arg-type]
            rows.append(
                (entry.id, entry.hash_version, entry.at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                 entry.user, entry.action, entry.command, entry.subject_key, entry.filter,
                 entry.rows, entry.prev_hash, previous)
            )  # fmt: skip
        columns = "id, hash_version, at, user, action, command, subject_key, filter, rows, "
        _insert(conn, "audit_log", columns + "prev_hash, hash", rows)
        return conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]


# --------------------------------------------------------------------------- writing


def _insert(conn: sqlite3.Connection, table: str, columns: str, rows: Iterable[tuple]) -> None:
    marks = ", ".join("?" * len(columns.split(",")))
    conn.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)


def build(n: int, path: Path, log: Any = print, csv_target: Path | None = None) -> dict[str, Any]:
    """Create the database at `path` (kui's migrations) and fill it, and write the youths as the
    CSV file of `youth import` when `csv_target` is given; returns the meta data."""
    from kui_cli import db
    from kui_cli.domain import profile, settings
    from kui_cli.domain.protection.audit import Actor
    from kui_cli.domain.register import history

    url = f"sqlite:///{path}"
    db.upgrade(url)
    builder = Actor(user="bench", command="bench generate", today=TODAY)
    with db.session_scope(url) as session:
        settings.ensure_subject_secret(session)
        loaded = profile.read_profile(profile.DEFAULT_PROFILE)
        profile.save(session, builder, loaded)
        _load_profile_teams(session, loaded)
        secret = settings.subject_secret(session)
    db.dispose_engines()

    started = time.perf_counter()
    town = Town(n, random.Random(SEED), youth_rows(n, secret), max(1, round(n / DISTRICT_SIZE)))
    if csv_target:
        write_csv(town.youths, csv_target)
    log(f"  youths generated in {time.perf_counter() - started:.1f} s")
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA cache_size = -524288")
    conn.execute("BEGIN")
    youth_cols = (
        "cpr, subject_key, name, birth_date, status, status_since, need, school, "
        "grade, phone, email, registered_on, known_from"
    )
    _insert(
        conn,
        "youth",
        youth_cols,
        (
            (
                r[0],
                r[1],
                r[2],
                r[3].isoformat(),
                r[4],
                r[5].isoformat(),
                *r[6:11],
                r[11].isoformat(),
                r[12].isoformat(),
            )
            for r in town.youths
        ),
    )
    _insert(
        conn,
        "staff",
        "id, initials, name, role, department, capacity, phone, email, active, added_on",
        staff_rows(town),
    )
    _insert(
        conn,
        "coordinator_assignment",
        "id, youth_id, staff_id, consent, consent_by, note, "
        "proposed_on, start_on, end_on, end_reason, recorded_by",
        coordinator_rows(town),
    )
    goals, efforts = plan_rows(town)
    _insert(conn, "goal", "id, youth_id, parent_id, text, due, created_on, created_by", goals)
    _insert(
        conn,
        "effort",
        "id, youth_id, title, department, legislation, staff_id, start_on, "
        "end_on, end_reason, created_by",
        efforts,
    )
    _insert(
        conn,
        "change_log",
        "youth_id, at, by, kind, what, old_value, new_value, why, "
        "effective_on, acknowledged_at, acknowledged_by",
        change_rows(town),
    )
    _insert(
        conn,
        "duty_episode",
        "youth_id, out_since, contact_deadline, offer_deadline, "
        "contacted_on, offered_on, activity, fgu_result, fgu_on, exempt_reason, closed_on, "
        "close_reason",
        duty_rows(town),
    )
    _insert(
        conn,
        "assessment",
        "youth_id, grade, result, note, assessed_on, assessed_by",
        assessment_rows(town),
    )
    _insert(conn, "guardian", "youth_id, name, phone, email", guardian_rows(town))
    teams, members, series, meetings = team_rows(town, conn)
    _insert(conn, "team", "id, slug, name, place, target, rules", teams)
    _insert(conn, "team_member", "team_id, staff_id, ad_hoc", members)
    _insert(conn, "meeting_series", "id, team_id, rule, dtstart, duration_min, place", series)
    _insert(
        conn,
        "meeting",
        "id, team_id, series_id, occurrence, starts_at, ends_at, place, status, note",
        meetings,
    )
    _insert(
        conn,
        "referral",
        "id, youth_id, team_id, meeting_id, reason, referred_by, "
        "referred_on, leader_id, consulted, outcome, decided_on, decided_by",
        referral_rows(town),
    )
    _insert(
        conn,
        "audit_log",
        "id, hash_version, at, user, action, command, subject_key, filter, rows, prev_hash, hash",
        audit_rows(
            town, conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC").fetchone()
        ),
    )
    meta = _meta(conn, town)
    conn.execute("INSERT INTO setting (key, value) VALUES (?, ?)", (META_KEY, json.dumps(meta)))
    conn.execute("COMMIT")
    conn.execute("PRAGMA journal_mode = WAL")
    conn.close()
    with db.get_engine(url).begin() as connection:
        periods = history.rebuild(connection)  # the change log was written in bulk, not by kui
        # The planner's statistics, as kui leaves them after a bulk `youth import` and as `PRAGMA
        # optimize` keeps them (kui_cli.db): a real installation has them.
        connection.exec_driver_sql("ANALYZE")
    db.dispose_engines()
    log(
        f"  database written in {time.perf_counter() - started:.1f} s ({periods:,} history periods)"
    )
    return meta


def _load_profile_teams(session: Any, loaded: Any) -> None:
    """Teams as `kui init` makes them, where this kui loads teams from the profile."""
    try:
        from kui_cli.domain.meetings import teams
    except ImportError:
        return
    load = getattr(teams, "load_profile", None)
    if load is not None:
        load(session, loaded, TODAY)


def _meta(conn: sqlite3.Connection, town: Town) -> dict[str, Any]:
    """What the runner queries: the busiest coordinator, a youth with history, the sizes."""
    (coordinator,) = conn.execute(
        "SELECT s.initials FROM coordinator_assignment a JOIN staff s ON s.id = a.staff_id "
        "WHERE a.consent = 'accepted' AND a.end_on IS NULL GROUP BY s.id "
        "ORDER BY count(*) DESC, s.id LIMIT 1"
    ).fetchone()
    # The youth `youth show` opens: one of the coordinator's own (need-to-know access), the one
    # with the longest history.
    (youth,) = conn.execute(
        "SELECT c.youth_id FROM change_log c "
        "JOIN coordinator_assignment a ON a.youth_id = c.youth_id "
        "JOIN staff s ON s.id = a.staff_id WHERE s.initials = ? AND a.consent = 'accepted' "
        "AND a.start_on <= ? AND a.end_on IS NULL "
        "GROUP BY c.youth_id ORDER BY count(*) DESC, c.youth_id LIMIT 1",
        (coordinator, TODAY.isoformat()),
    ).fetchone()
    (leader,) = conn.execute(
        "SELECT initials FROM staff WHERE role = 'leader' ORDER BY id LIMIT 1"
    ).fetchone()
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    tables = [r[0] for r in conn.execute(query)]
    rows = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in sorted(tables)}
    return {
        "key": cache_key(town.n),
        "n": town.n,
        "today": TODAY.isoformat(),
        "coordinator": coordinator,
        "leader": leader,
        "youth": youth,
        "team": "team-2",
        "districts": town.districts,
        "rows": rows,
    }


def ensure(n: int, log: Any = print) -> tuple[Path, Path, dict[str, Any]]:
    """The cached database and CSV of N youths, generated when missing; and the meta data."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path, source = db_path(n), csv_path(n)
    if not path.exists():
        log(f"generating a municipality of {n:,} youths into {path} ...")
        partial = path.with_name(f"{path.stem}.partial.db")
        for leftover in CACHE.glob(f"{partial.name}*"):
            leftover.unlink()
        build(n, partial, log, csv_target=source)
        partial.replace(path)
    meta = read_meta(path)
    if not source.exists():
        from kui_cli.domain import settings

        conn = sqlite3.connect(path)
        try:
            (secret,) = conn.execute(
                "SELECT value FROM setting WHERE key = ?", (settings.SECRET_KEY,)
            ).fetchone()
        finally:
            conn.close()
        write_csv(youth_rows(n, bytes.fromhex(secret)), source)
    return path, source, meta


def read_meta(path: Path) -> dict[str, Any]:
    conn = sqlite3.connect(path)
    try:
        (value,) = conn.execute("SELECT value FROM setting WHERE key = ?", (META_KEY,)).fetchone()
    finally:
        conn.close()
    return json.loads(value)


# --------------------------------------------------------------------------- PostgreSQL


def load_postgres(path: Path, url: str, log: Any = print) -> None:
    """Copy the cached SQLite database into the (benchmark-only) PostgreSQL database at `url`.

    The public schema is dropped and rebuilt with kui's migrations unless it already holds this
    N and generator version."""
    from sqlalchemy import create_engine, text

    from kui_cli import db
    from kui_cli.models import metadata

    meta = read_meta(path)
    engine = create_engine(url)
    with engine.connect() as conn:
        try:
            stored = conn.execute(
                text("SELECT value FROM setting WHERE key = :k"), {"k": META_KEY}
            ).scalar()
        except Exception:
            stored = None
    if stored and json.loads(stored).get("key") == meta["key"]:
        engine.dispose()
        return
    log(f"loading {path.name} into PostgreSQL {db.redact(url)} ...")
    started = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.upgrade(url)
    db.dispose_engines()
    source = sqlite3.connect(path)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET TIME ZONE 'UTC'")
        # Migration 0013 raises the data version at the commit of a change (a deferred trigger
        # on `data_change`): raised at once instead, so that no trigger event is pending on
        # `data_change` when its row-level security is lifted and forced again below.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        # The rows the migrations wrote come from the SQLite file instead.
        cursor.execute("DELETE FROM setting")
        cursor.execute("DELETE FROM data_version")
        # COPY refuses tables under forced row-level security (schema 0003): lift it for the load
        # and force it again in the same transaction.
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relforcerowsecurity "
            "AND relnamespace = 'public'::regnamespace"
        )
        forced = [name for (name,) in cursor.fetchall()]
        for name in forced:
            cursor.execute(f'ALTER TABLE "{name}" NO FORCE ROW LEVEL SECURITY')
        for table in metadata.sorted_tables:
            columns = [c.name for c in table.columns]
            names = ", ".join(f'"{c}"' for c in columns)
            rows = source.execute(f'SELECT {names} FROM "{table.name}"')
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            if "id" in columns:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'coalesce(max(id), 0) + 1, false) FROM "{table.name}"'
                )
        for name in forced:
            cursor.execute(f'ALTER TABLE "{name}" FORCE ROW LEVEL SECURITY')
        raw.commit()
        cursor.execute("ANALYZE")
        raw.commit()
    finally:
        raw.close()
        source.close()
        engine.dispose()
    log(f"  loaded in {time.perf_counter() - started:.1f} s")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of youths")
    parser.add_argument("--postgres", help="also load it into this PostgreSQL URL")
    args = parser.parse_args(argv)
    path, source, meta = ensure(args.n, log=lambda m: print(m, file=sys.stderr))
    if args.postgres or os.environ.get("KUI_BENCH_POSTGRES_URL"):
        load_postgres(path, args.postgres or os.environ["KUI_BENCH_POSTGRES_URL"])
    print(path)
    print(source)
    print(json.dumps(meta["rows"], indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
