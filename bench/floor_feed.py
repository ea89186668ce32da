"""The floor that `kui feed apply` is measured against: the same work in plain Python.

    python bench/floor_feed.py feed.csv kui.db YYYY-MM-DD SECRET-HEX

What a careful one-off script would do with a month of Ungedatabasen's events against kui's own
database: the csv module; every line checked as kui checks it (source and event id patterns,
python-stdnum's CPR validation and birth date, ISO dates between the birth and today, the kinds,
the educations of a table); the events already taken in looked up by (source, event id), the
youths by CPR and their open education-obligation episodes by id, in batches; the events applied
in date order with the rows kui writes for them, with the same columns: the youth's status (and
completion, at-risk mark), a change-log row per change, the closed history period, the episode
opened on a drop-out of a 15-17-year-old (deadlines from the Danish working-day calendar) or
closed on an activity, a move away ending the coordinator and the efforts, an unknown youth
registered, one `feed_event` row per event, and one chained audit entry per youth changed. One
sqlite3 transaction, `executemany` for every insert. No ORM, no SQLAlchemy, no access rule.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import json
import re
import sqlite3
import sys
from typing import Any

import holidays
from stdnum.dk import cpr

SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
KINDS = {
    "started",
    "dropped-out",
    "completed",
    "at-risk",
    "moved-away",
    "moved-in",
    "job",
    "benefit",
}
EDUCATIONS = {
    "EUD": "vocational",
    "EUX": "vocational",
    "STX": "gymnasium",
    "HHX": "gymnasium",
    "HTX": "gymnasium",
    "HF": "gymnasium",
    "FGU": "fgu",
    "STU": "stu",
}
FIXED = {
    "dropped-out": "none",
    "completed": "completed",
    "job": "job",
    "benefit": "benefit-education-ready",
}
NO_ACTIVITY = {"none"}
BATCH = 500


class Floor:
    def __init__(self, conn: sqlite3.Connection, today: dt.date, secret: bytes) -> None:
        self.conn, self.today, self.secret = conn, today, secret
        self.now = dt.datetime.now(dt.UTC).isoformat(sep=" ")
        self.calendar = holidays.country_holidays("DK", years=range(today.year - 1, today.year + 2))
        self.changes: list[tuple[Any, ...]] = []
        self.periods: list[tuple[Any, ...]] = []
        self.changed: set[int] = set()

    def check(self, line: int, f: dict[str, str]) -> tuple[Any, ...]:
        source, event_id = f["source"].strip(), f["event_id"].strip()
        if not SOURCE.match(source) or (event_id and not EVENT_ID.match(event_id)):
            raise ValueError(f"line {line}: source or event id")
        number = cpr.validate(f["cpr"])
        born = cpr.get_birth_date(number)
        day = dt.date.fromisoformat(f["event_date"].strip())
        if not born <= day <= self.today:
            raise ValueError(f"line {line}: event date")
        kind = f["kind"].strip().lower()
        if kind not in KINDS:
            raise ValueError(f"line {line}: kind")
        education = f["education"].strip().upper()
        if education and education not in EDUCATIONS:
            raise ValueError(f"line {line}: education")
        status = FIXED.get(kind) or (EDUCATIONS.get(education) if kind != "at-risk" else None)
        why = f"{source} event {event_id}: {kind}"
        why += f", education {education}" if education else ""
        return (day, line, source, event_id, number, born, kind, status, why, f["name"].strip())

    def change(
        self, youth_id: int, kind: str, what: str, old: Any, new: Any, why: str, on: dt.date
    ) -> None:
        self.changes.append((youth_id, self.now, source_of(why), kind, what, old, new, why, on))
        self.changed.add(youth_id)

    def deadline(self, day: dt.date) -> dt.date:
        found = 0
        while found < 5:
            day += dt.timedelta(days=1)
            if day.weekday() < 5 and day not in self.calendar:
                found += 1
        return day


def source_of(why: str) -> str:
    return why.split(" ", 1)[0]


def main(path: str, target: str, today_text: str, secret_hex: str) -> int:
    conn = sqlite3.connect(target, isolation_level=None)
    floor = Floor(conn, dt.date.fromisoformat(today_text), bytes.fromhex(secret_hex))
    with open(path, encoding="utf-8", newline="") as handle:
        events = [floor.check(i, f) for i, f in enumerate(csv.DictReader(handle), start=2)]
    conn.execute("BEGIN IMMEDIATE")
    known = _in_batches(
        conn,
        "SELECT event_key FROM feed_event WHERE source = 'ungedata' AND event_key IN ({})",
        [e[3] for e in events],
    )
    fresh = sorted(e for e in events if e[3] not in known)
    youths = {
        row[1]: list(row)
        for row in _in_batches(
            conn,
            "SELECT id, cpr, status, status_since, birth_date, at_risk_since, completed_on "
            "FROM youth WHERE cpr IN ({})",
            [e[4] for e in fresh],
            rows=True,
        )
    }
    episodes = {
        row[1]: row[0]
        for row in _in_batches(
            conn,
            "SELECT id, youth_id FROM duty_episode WHERE closed_on IS NULL AND youth_id IN ({})",
            [y[0] for y in youths.values()],
            rows=True,
        )
    }
    outcomes = []
    for event in fresh:
        outcomes.append((event, _apply(floor, conn, youths, episodes, event)))
    conn.executemany(
        "INSERT INTO change_log (youth_id, at, by, kind, what, old_value, new_value, why, "
        "effective_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        floor.changes,
    )
    conn.executemany(
        "INSERT INTO history_period (youth_id, kind, value, valid_from, valid_to) "
        "VALUES (?, ?, ?, ?, ?)",
        floor.periods,
    )
    conn.executemany(
        "INSERT INTO feed_event (source, event_key, content, youth_id, kind, event_date, "
        "outcome, applied_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                e[2],
                e[3],
                hashlib.sha256(repr(e[4:8]).encode()).hexdigest()[:32],
                youths[e[4]][0] if e[4] in youths else None,
                e[6],
                e[0],
                outcome,
                floor.now,
            )
            for e, outcome in outcomes
        ],
    )
    _audit(conn, floor, len(events))
    conn.execute("COMMIT")
    conn.close()
    return len(events)


def _in_batches(conn: sqlite3.Connection, sql: str, values: list[Any], rows: bool = False) -> Any:
    found: Any = [] if rows else set()
    unique = sorted(set(values))
    for start in range(0, len(unique), BATCH):
        part = unique[start : start + BATCH]
        result = conn.execute(sql.format(",".join("?" * len(part))), part)
        if rows:
            found.extend(result)
        else:
            found.update(r[0] for r in result)
    return found


def _apply(floor: Floor, conn: sqlite3.Connection, youths: dict, episodes: dict, e: tuple) -> str:
    day, _line, _source, _id, number, born, kind, status, why, name = e
    youth = youths.get(number)
    if youth is None:
        if kind == "moved-away" or not name:
            return "skipped"
        youth = _register(floor, conn, number, born, name, status or "none", day, why)
        youths[number] = youth
        return "applied"
    if day < dt.date.fromisoformat(youth[3]):
        return "superseded"
    if kind == "at-risk":
        conn.execute("UPDATE youth SET at_risk_since = ? WHERE id = ?", (day, youth[0]))
        floor.change(
            youth[0], "at-risk", f"at risk of dropping out since {day}", None, day, why, day
        )
        return "applied"
    if kind == "moved-away":
        for table in ("coordinator_assignment", "effort"):
            ended = conn.execute(
                f"UPDATE {table} SET end_on = ?, end_reason = ? WHERE youth_id = ? "
                "AND end_on IS NULL",
                (floor.today, why, youth[0]),
            ).rowcount
            if ended:
                floor.change(
                    youth[0],
                    "coordinator" if table[0] == "c" else "effort",
                    f"{table} ended",
                    None,
                    "ended",
                    why,
                    floor.today,
                )
        _close(floor, conn, episodes, youth[0], day, why)
        floor.change(youth[0], "moved", f"moved away on {day}", None, "moved-away", why, day)
        return "applied"
    if kind == "moved-in":
        floor.change(youth[0], "moved", f"moved in on {day}", None, "moved-in", why, day)
    if status is None or status == youth[2]:
        return "applied" if kind == "moved-in" else "already-known"
    _set_status(floor, conn, episodes, youth, status, day, why)
    if status == "completed":
        conn.execute("UPDATE youth SET completed_on = ? WHERE id = ?", (day, youth[0]))
        floor.change(youth[0], "completed_on", "completed_on", youth[6], day, why, day)
    return "applied"


def _set_status(
    floor: Floor,
    conn: sqlite3.Connection,
    episodes: dict,
    youth: list,
    status: str,
    day: dt.date,
    why: str,
) -> None:
    old, since = youth[2], youth[3]
    conn.execute(
        "UPDATE youth SET status = ?, status_since = ?, hours = NULL, at_risk_since = CASE WHEN "
        "at_risk_since <= ? THEN NULL ELSE at_risk_since END WHERE id = ?",
        (status, day, day, youth[0]),
    )
    floor.change(
        youth[0], "status", f"status: {status} since {day} (was {old})", old, status, why, day
    )
    floor.periods.append((youth[0], "status", old, since, day))
    youth[2], youth[3] = status, day.isoformat()
    born = dt.date.fromisoformat(youth[4])
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if status in NO_ACTIVITY and 15 <= age < 18 and youth[0] not in episodes:
        contact = floor.deadline(day)
        episodes[youth[0]] = conn.execute(
            "INSERT INTO duty_episode (youth_id, out_since, contact_deadline, offer_deadline) "
            "VALUES (?, ?, ?, ?)",
            (youth[0], day, contact, day + dt.timedelta(days=30)),
        ).lastrowid
        floor.change(
            youth[0],
            "duty",
            f"education obligation: out of activity since {day}",
            None,
            status,
            why,
            day,
        )
    elif status not in NO_ACTIVITY:
        _close(floor, conn, episodes, youth[0], day, why)


def _close(
    floor: Floor, conn: sqlite3.Connection, episodes: dict, youth_id: int, day: dt.date, why: str
) -> None:
    episode = episodes.pop(youth_id, None)
    if episode is not None:
        conn.execute(
            "UPDATE duty_episode SET closed_on = ?, close_reason = 'activity' WHERE id = ?",
            (day, episode),
        )
        floor.change(
            youth_id, "duty", "education obligation: episode closed", None, "activity", why, day
        )


def _register(
    floor: Floor,
    conn: sqlite3.Connection,
    number: str,
    born: dt.date,
    name: str,
    status: str,
    day: dt.date,
    why: str,
) -> list:
    key = hmac.digest(floor.secret, number.encode("ascii"), "sha256").hex()[:24]
    youth_id = conn.execute(
        "INSERT INTO youth (cpr, subject_key, name, birth_date, status, status_since, need, "
        "registered_on, known_from) VALUES (?, ?, ?, ?, ?, ?, 'A', ?, ?)",
        (number, key, name, born, status, day, floor.today, day),
    ).lastrowid
    floor.change(
        youth_id,
        "registered",
        f"registered with status {status}, need A",
        None,
        status,
        why,
        floor.today,
    )
    return [youth_id, number, status, day.isoformat(), born.isoformat(), None, None]


def _audit(conn: sqlite3.Connection, floor: Floor, events: int) -> None:
    """One `update` entry per youth changed and one for the feed, chained as kui chains them."""
    last_id, last_hash = conn.execute(
        "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1"
    ).fetchone() or (0, "0" * 64)
    keys = dict(
        _in_batches(
            conn,
            "SELECT id, subject_key FROM youth WHERE id IN ({})",
            list(floor.changed),
            rows=True,
        )
    )
    entries = [(keys[y], "update", None, None) for y in sorted(floor.changed)]
    entries.append((None, "import", json.dumps({"feed": "feed.csv"}), events))
    rows = []
    for subject, action, filters, count in entries:
        last_id += 1
        fields = [
            2,
            last_id,
            last_hash,
            floor.now,
            "BENCH",
            action,
            "kui feed apply",
            subject,
            filters,
            count,
        ]
        digest = hashlib.sha256(json.dumps(fields).encode()).hexdigest()
        rows.append(
            (
                last_id,
                floor.now,
                "BENCH",
                action,
                "kui feed apply",
                subject,
                filters,
                count,
                last_hash,
                digest,
                2,
            )
        )
        last_hash = digest
    conn.executemany(
        'INSERT INTO audit_log (id, at, "user", action, command, subject_key, filter, rows, '
        "prev_hash, hash, hash_version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


if __name__ == "__main__":
    main(*sys.argv[1:5])
