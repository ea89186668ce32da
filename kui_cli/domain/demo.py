"""A synthetic municipality for trying kui: Sønderborg's published figures of April 2019.

The composition follows seed 002 ("Målgrupper"); `--youths N` scales every count by the same
factor. The database is marked as demo data, and a database that is not a demo is never touched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update
from sqlmodel import Session

from kui_cli.domain import settings
from kui_cli.domain.law import assessments, duty
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, importer
from kui_cli.errors import KuiError
from kui_cli.models import DutyEpisode, SQLModel, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

SEED = 2019


@dataclass(frozen=True)
class Bucket:
    """A number of youths of one age group and status, with the need the status implies."""

    group: int
    status: str
    count: int
    need: str = "A"
    seed_figure: int | None = None
    grade: int | None = None
    not_ready: int = 0


# Seed 002, April 2019. `seed_figure` is the number the seed prints, where it prints one.
SOENDERBORG_2019 = [
    Bucket(1, "primary-school", 1314, grade=8, not_ready=460),
    Bucket(1, "primary-school", 591, grade=9, not_ready=130),
    Bucket(2, "10th-grade", 264, seed_figure=264),
    Bucket(2, "gymnasium", 735, seed_figure=735),
    Bucket(2, "vocational", 156, seed_figure=156),
    Bucket(2, "fgu", 60, need="C"),
    Bucket(2, "stu", 30, need="C"),
    Bucket(2, "exempted", 10, need="C", seed_figure=10),
    Bucket(2, "job", 120),
    Bucket(2, "none", 76, need="B"),
    Bucket(3, "benefit-education-ready", 274, need="B", seed_figure=274),
    Bucket(3, "benefit-activity-ready", 153, need="C", seed_figure=153),
    Bucket(3, "resource-programme", 51, need="C", seed_figure=51),
    Bucket(3, "job-clarification", 10, need="C", seed_figure=10),
    Bucket(3, "gymnasium", 900),
    Bucket(3, "vocational", 1100),
    Bucket(3, "higher-education", 1500),
    Bucket(3, "job", 1500),
    Bucket(3, "completed", 200),
    Bucket(3, "none", 107, need="B"),
    Bucket(4, "benefit-education-ready", 98, need="B", seed_figure=98),
    Bucket(4, "benefit-activity-ready", 81, need="C", seed_figure=81),
    Bucket(4, "resource-programme", 106, need="C", seed_figure=106),
    Bucket(4, "job-clarification", 28, need="C", seed_figure=28),
    Bucket(4, "higher-education", 900),
    Bucket(4, "job", 2200),
    Bucket(4, "completed", 200),
    Bucket(4, "vocational", 81),
]
SEED_GROUP_TOTALS = {1: 1905, 2: 1451, 3: 5795, 4: 3694}
SPECIAL_OFFER_PUPILS = 89
NEED_C_SHARE = 0.08

AGE_RANGE = {1: (14, 16), 2: (15, 17), 3: (18, 24), 4: (25, 29)}
FIRST_NAMES = [
    "Freja",
    "Ida",
    "Clara",
    "Alma",
    "Ella",
    "Sofia",
    "Karla",
    "Emma",
    "Agnes",
    "Laura",
    "Josefine",
    "Maja",
    "Lærke",
    "Asta",
    "Olivia",
    "William",
    "Noah",
    "Oscar",
    "Lucas",
    "Carl",
    "Victor",
    "Malthe",
    "Alfred",
    "Emil",
    "Magnus",
    "Frederik",
    "Aksel",
    "Villads",
    "Anton",
    "Mikkel",
    "Sebastian",
    "Mads",
    "Jonas",
    "Søren",
    "Ahmad",
    "Mohammed",
    "Ali",
    "Sara",
    "Yasmin",
    "Amira",
    "Nikolaj",
    "Rasmus",
]
LAST_NAMES = [
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Jakobsen",
    "Lauridsen",
    "Iversen",
    "Hussein",
    "Ibrahim",
    "Schmidt",
    "Frandsen",
    "Lund",
    "Holm",
]


def scaled(buckets: list[Bucket], youths: int | None) -> list[Bucket]:
    """The same shares for another total; rounding is settled on the largest bucket."""
    total = sum(b.count for b in buckets)
    if youths is None or youths == total:
        return buckets
    if youths < 1:
        raise KuiError(_("--youths must be at least 1"))
    factor = youths / total
    result = [_scale(b, factor) for b in buckets]
    largest = max(range(len(result)), key=lambda i: result[i].count)
    fix = youths - sum(b.count for b in result)
    result[largest] = _replace_count(result[largest], result[largest].count + fix)
    return [b for b in result if b.count > 0]


def _scale(bucket: Bucket, factor: float) -> Bucket:
    return Bucket(
        bucket.group,
        bucket.status,
        round(bucket.count * factor),
        bucket.need,
        None,
        bucket.grade,
        round(bucket.not_ready * factor),
    )


def _replace_count(bucket: Bucket, count: int) -> Bucket:
    return Bucket(
        bucket.group,
        bucket.status,
        max(count, 0),
        bucket.need,
        bucket.seed_figure,
        bucket.grade,
        min(bucket.not_ready, max(count, 0)),
    )


class CprFactory:
    """Unique, valid CPR numbers for synthetic youths born on a given day."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, born: dt.date) -> str:
        digits = "0123" if born.year < 2000 else "456789"
        if born.year >= 2037:
            digits = "5678"
        while True:
            serial = f"{self.rng.choice(digits)}{self.rng.randrange(1000):03d}"
            number = born.strftime("%d%m%y") + serial
            if number not in self.used:
                self.used.add(number)
                return number


def _birth_date(rng: random.Random, group: int, grade: int | None, today: dt.date) -> dt.date:
    low, high = AGE_RANGE[group]
    if grade is not None:
        low = high = 14 if grade == 8 else 15
    oldest, days = _born_window(rng.randint(low, high), today)
    return oldest + dt.timedelta(days=rng.randrange(days))


@lru_cache(maxsize=256)
def _born_window(age: int, today: dt.date) -> tuple[dt.date, int]:
    """The first birth date of `age` on `today` and how many days the window has; cached, as
    relativedelta per youth made a large demo spend most of its time on date arithmetic."""
    youngest = ages.latest_birth_date_for_age(age, today)
    oldest = ages.latest_birth_date_for_age(age + 1, today) + dt.timedelta(days=1)
    return oldest, (youngest - oldest).days + 1


def generate(today: dt.date, youths: int | None, secret: bytes) -> list[tuple[Any, ...]]:
    """The insert parameters (importer.COLUMNS order) of a whole synthetic municipality."""
    rng = random.Random(SEED)
    cprs = CprFactory(rng)
    key_of = audit.subject_keyer(secret)
    rows: list[tuple[Any, ...]] = []
    special = SPECIAL_OFFER_PUPILS if youths is None else 0
    for bucket in scaled(SOENDERBORG_2019, youths):
        for index in range(bucket.count):
            need = bucket.need
            school = None
            if bucket.grade is not None:
                school = f"{bucket.grade}. klasse, Sønderborg"
                if index < bucket.not_ready:
                    need = "B"
                    if special:
                        need, school, special = "C", "specialtilbud", special - 1
            born = _birth_date(rng, bucket.group, bucket.grade, today)
            number = cprs.make(born)
            since = max(born, today - dt.timedelta(days=rng.randrange(30, 700)))
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            key = key_of(number)
            status = bucket.status
            rows.append((number, key, name, born, status, since, need, school, bucket.grade))
            rows[-1] += (None, None, today, since)
    return _top_up_need_c(rows, rng)


def _top_up_need_c(rows: list[tuple[Any, ...]], rng: random.Random) -> list[tuple[Any, ...]]:
    """About 8 % need a multi-discipline effort (seed 002); raise need A youths out of activity
    or on benefit first, then others, until the share is reached."""
    need_at = importer.COLUMNS.index("need")
    status_at = importer.COLUMNS.index("status")
    wanted = round(len(rows) * NEED_C_SHARE) - sum(r[need_at] == "C" for r in rows)
    candidates = [i for i, r in enumerate(rows) if r[need_at] == "A"]
    rng.shuffle(candidates)
    candidates.sort(key=lambda i: rows[i][status_at] not in ("none", "job", "10th-grade"))
    for i in candidates[: max(wanted, 0)]:
        row = list(rows[i])
        row[need_at] = "C"
        rows[i] = tuple(row)
    return rows


def ensure_demo_database(session: Session) -> None:
    """Refuse a database that holds anything but demo data."""
    if settings.is_demo(session):
        return
    if session.execute(select(func.count()).select_from(Youth)).scalar():
        raise KuiError(_("this database is not a demo database: kui demo refuses to touch it"))


def clear(session: Session) -> None:
    """Remove the previous demo's youths and everything hanging on them (audit entries and
    the chain's head stay, and the data version, which kept figures are checked against)."""
    keep = {"setting", "audit_log", "audit_head", "alembic_version", "data_version"}
    for table in reversed(SQLModel.metadata.sorted_tables):
        if table.name not in keep:
            session.execute(delete(table))


def build(session: Session, actor: Actor, youths: int | None) -> int:
    """Fill a demo database; returns the number of youths."""
    ensure_demo_database(session)
    clear(session)
    settings.put(session, settings.DEMO_KEY, actor.today.isoformat())
    rows = generate(actor.today, youths, settings.subject_secret(session))
    importer.insert_rows(session, rows)
    importer.record_registrations(
        session, actor, 0, Phrase(mark("history", "registered by kui demo (synthetic)"), {})
    )
    law_clock(session, actor)
    audit.record(session, actor, "import", filters={"demo": True}, rows=len(rows))
    return len(rows)


def summary(session: Session, today: dt.date, upper_age: int) -> list[dict[str, Any]]:
    """Youths by age group and status, beside the seed's figure where the seed prints one."""
    counts: dict[tuple[int | None, str], int] = {}
    query = select(Youth.birth_date, Youth.status)
    for born, status in session.execute(query):
        key = (ages.age_group(born, status, today, upper_age), status)
        counts[key] = counts.get(key, 0) + 1
    as_published = sum(counts.values()) == sum(b.count for b in SOENDERBORG_2019)
    seed = {(b.group, b.status): b.seed_figure for b in SOENDERBORG_2019 if as_published}
    rows = [
        {"age_group": group, "status": status, "youths": n, "seed_2019": seed.get((group, status))}
        for (group, status), n in sorted(counts.items(), key=lambda kv: (kv[0][0] or 9, kv[0][1]))
    ]
    for group, total in SEED_GROUP_TOTALS.items():
        n = sum(r["youths"] for r in rows if r["age_group"] == group)
        published = total if as_published else None
        rows.append({"age_group": group, "status": "(all)", "youths": n, "seed_2019": published})
    return rows


# --- the law's clock (issue 5) ---
DEMO_ACTIVITY = "FGU, basisforløb"


def law_clock(session: Session, actor: Actor) -> None:
    """Education-obligation episodes for the demo's 15-17-year-olds out of activity, most of them
    handled in time (contact after 2 days, an offer after 21) and every fifth not at all; and the
    readiness assessments of the 8th and 9th graders."""
    duty.open_for_new_youths(session, actor, 0)
    query = select(DutyEpisode.id, DutyEpisode.out_since).where(DutyEpisode.closed_on.is_(None))
    steps = []
    for index, (episode_id, out) in enumerate(session.execute(query.order_by(DutyEpisode.id))):
        if index % 5 == 0:
            continue
        offered = out + dt.timedelta(days=21)
        done = offered <= actor.today
        steps.append(
            {
                "episode": episode_id,
                "contacted_on": min(out + dt.timedelta(days=2), actor.today),
                "offered_on": offered if done else None,
                "activity": DEMO_ACTIVITY if done else None,
            }
        )
    if steps:
        table = DutyEpisode.__table__
        statement = update(table).where(table.c.id == bindparam("episode"))
        session.connection().execute(statement, steps)
    assessments.assess_demo_pupils(session, actor)


# --- Teams, meetings and referrals (issue 6): the Sønderborg teams at work. ---

DEMO_STAFF = [
    ("AH", "Anne Holm", "uu", "Ungdommens Uddannelsesvejledning"),
    ("BK", "Bent Kristensen", "jobcenter", "Jobcentret, Ungeafdelingen"),
    ("CM", "Camilla Madsen", "social", "Ungerådgivningen"),
    ("DP", "Dorte Poulsen", "ppr", "PPR"),
    ("EL", "Eva Lund", "health", "Sundhedsplejen"),
    ("FS", "Frank Schmidt", "social", "Handicap og Psykiatri, myndighed"),
    ("GN", "Gitte Nielsen", "leader", "Ungecenteret"),
]
DEMO_MEMBERS = {
    "team-1": ["CM", "AH", "DP", "EL"],
    "team-2": ["CM", "AH", "DP", "BK"],
    "team-3": ["BK", "AH", "FS"],
}
DEMO_REASONS = {
    "team-1": [
        "Højt skolefravær; bekymring for overgangen efter 9. klasse",
        "Ikke uddannelsesparat; familien beder om sparring",
    ],
    "team-2": [
        "Stoppet på erhvervsuddannelsen; ingen aktivitet",
        "Ingen aktivitet; behov for indsats fra flere enheder",
        "Plan for overgangen til 18 år",
    ],
    "team-3": [
        "Aktivitetsparat; sag i både jobcenter og Handicap og Psykiatri",
        "Ingen aktivitet; hvem koordinerer indsatsen?",
    ],
}
REFERRALS_PER_TEAM = 4


def build_teams(session: Session, actor: Actor, profile: Profile) -> int:
    """Load the profile's teams with synthetic members, generate the meetings of the next
    quarter, and refer a few need-C youths of each team's target group; returns the referrals."""
    from kui_cli.domain import staff
    from kui_cli.domain.meetings import meetings, referrals, teams

    teams.load_profile(session, profile, actor.today)
    for initials, name, role, department in DEMO_STAFF:
        staff.add(session, actor, staff.NewStaff(initials, name, role, department))
    # Whoever builds the demo explores it as a leader
    # (the access rule: domain/protection/access.py).
    if staff.by_initials(session, actor.user) is None:
        with contextlib.suppress(KuiError):  # an OS login that is no valid initials
            staff.add(session, actor, staff.NewStaff(actor.user, "Demo", "leader", "Ungecenteret"))
    for slug, members in DEMO_MEMBERS.items():
        for initials in members:
            teams.add_member(session, actor, slug, initials, ad_hoc=False)
    meetings.generate(session, actor, actor.today + dt.timedelta(days=90))
    rng = random.Random(SEED)
    made = 0
    for slug in DEMO_MEMBERS:
        team = teams.find(session, slug)
        condition = teams.Target.of(team).condition(actor.today, profile.upper_age)
        query = select(Youth.id).where(condition, Youth.need == "C").order_by(Youth.id)
        candidates = list(session.execute(query).scalars())
        for youth_id in rng.sample(candidates, min(REFERRALS_PER_TEAM, len(candidates))):
            reason = rng.choice(DEMO_REASONS[slug])
            referrals.add(
                session, actor, profile, referrals.NewReferral(str(youth_id), slug, reason)
            )
            made += 1
    return made
