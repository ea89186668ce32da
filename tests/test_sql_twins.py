"""The export and the agenda ask the database instead of Python: each SQL expression must give what
the Python rule gives, on SQLite and PostgreSQL, around birthdays, leap days, the profile's upper
age, deadline days, text a spreadsheet would run and the changes that wait for the plan owner."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import (
    Date,
    Engine,
    Float,
    String,
    Text,
    cast,
    create_engine,
    delete,
    insert,
    literal,
    select,
)
from sqlalchemy.orm import Session

from kui_cli import formulas
from kui_cli.domain import codes, initials
from kui_cli.domain.law import duty, transitions
from kui_cli.domain.plan import changes, contacts, inbox
from kui_cli.domain.protection import access
from kui_cli.domain.register import ages, youths
from kui_cli.domain.reports import measures
from kui_cli.models import (
    ChangeLog,
    Contact,
    CoordinatorAssignment,
    DutyEpisode,
    Effort,
    Referral,
    Staff,
    Team,
    TeamMember,
    Youth,
)

BORN = st.dates(dt.date(1990, 1, 1), dt.date(2026, 12, 31))
DAYS = st.dates(dt.date(2020, 1, 1), dt.date(2032, 12, 31))
UPPER = st.integers(18, 30)
STATUS = st.sampled_from(list(codes.STATUSES))
EVERY_TIME = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


def evaluate(engine: Engine, expression: object) -> object:
    with engine.connect() as connection:
        return connection.execute(select(expression)).scalar()


@EVERY_TIME
@given(born=BORN, status=STATUS, on=DAYS, upper=UPPER)
@example(born=dt.date(2008, 2, 29), status="none", on=dt.date(2026, 2, 28), upper=30)
@example(born=dt.date(2008, 2, 29), status="none", on=dt.date(2026, 3, 1), upper=30)
@example(born=dt.date(2001, 10, 31), status="none", on=dt.date(2026, 10, 31), upper=25)
def test_age_group_in_sql_is_the_rule(
    engine: Engine, born: dt.date, status: str, on: dt.date, upper: int
) -> None:
    expression = measures.age_group(literal(born, Date), literal(status), on, upper)
    assert evaluate(engine, expression) == ages.age_group(born, status, on, upper)


HOURS = st.none() | st.floats(0, 80, allow_nan=False)
THRESHOLD = st.floats(0, 80, allow_nan=False)


@EVERY_TIME
@given(status=STATUS, hours=HOURS, threshold=THRESHOLD)
@example(status="job", hours=20.0, threshold=20.0)  # at the threshold: an activity
@example(status="job", hours=None, threshold=20.0)  # no recorded hours: an activity
@example(status="none", hours=None, threshold=20.0)
def test_out_of_activity_in_sql_is_the_rule(
    engine: Engine, status: str, hours: float | None, threshold: float
) -> None:
    """`out_of_activity` (the bulk opening of duty episodes) and `short_job` (the NEET count)
    give what their Python rules give, never null."""
    column, worked = literal(status), cast(literal(hours, Float), Float)  # PostgreSQL: a typed null
    out = evaluate(engine, duty.out_of_activity(column, worked, threshold))
    short = evaluate(engine, duty.short_job(column, worked, threshold))
    assert out is not None and bool(out) == duty.is_out_of_activity(status, hours, threshold)
    assert short is not None and bool(short) == duty.is_short_job(status, hours, threshold)


def months() -> st.SearchStrategy[tuple[dt.date, dt.date]]:
    """A month, or the part of it up to a day in it (a month that is not over)."""
    firsts = st.builds(dt.date, st.integers(2020, 2032), st.integers(1, 12), st.just(1))
    return firsts.flatmap(
        lambda first: st.integers(0, 30).map(
            lambda days: (first, min(first + dt.timedelta(days=days), last_day(first)))
        )
    )


def last_day(first: dt.date) -> dt.date:
    following = first.replace(year=first.year + first.month // 12, month=first.month % 12 + 1)
    return following - dt.timedelta(days=1)


def rule(born: dt.date, start: dt.date, end: dt.date, upper: int) -> str | None:
    """`transitions.between` on one youth: the first milestone whose birthday falls start..end."""
    found = [
        kind
        for age, kind in transitions.milestones(upper)
        if start <= ages.birthday(born, age) <= end
    ]
    return found[0] if found else None


@EVERY_TIME
@given(born=BORN, month=months(), upper=UPPER)
@example(born=dt.date(2008, 2, 29), month=(dt.date(2026, 3, 1), dt.date(2026, 3, 31)), upper=30)
@example(born=dt.date(2008, 2, 29), month=(dt.date(2026, 2, 1), dt.date(2026, 2, 28)), upper=30)
@example(born=dt.date(2001, 10, 31), month=(dt.date(2026, 10, 1), dt.date(2026, 10, 31)), upper=25)
def test_transition_in_sql_is_the_rule(
    engine: Engine, born: dt.date, month: tuple[dt.date, dt.date], upper: int
) -> None:
    start, end = month
    expression = transitions.kind_between(literal(born, Date), start, end, upper)
    assert evaluate(engine, expression) == rule(born, start, end, upper)


@pytest.mark.parametrize(
    ("born", "upper", "kind"),
    [
        (dt.date(2008, 10, 15), 30, "turns-18"),
        (dt.date(2001, 10, 31), 30, "turns-25"),
        (dt.date(2001, 10, 31), 25, "leaves-kui"),
        (dt.date(1996, 10, 1), 30, "leaves-kui"),
        (dt.date(2008, 11, 1), 30, None),
    ],
)
def test_transition_kinds_in_october(
    engine: Engine, born: dt.date, upper: int, kind: str | None
) -> None:
    october = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert evaluate(engine, transitions.kind_between(literal(born, Date), *october, upper)) == kind


NEAR = st.dates(dt.date(2026, 10, 1), dt.date(2026, 12, 31))
STEPS = st.fixed_dictionaries(
    {
        "contact_deadline": NEAR,
        "offer_deadline": NEAR,
        "contacted_on": st.none() | NEAR,
        "offered_on": st.none() | NEAR,
    }
)


@pytest.fixture
def episodes(engine: Engine) -> Engine:
    """The youth, duty_episode and change_log tables, with one youth for the rows to belong to."""
    tables = [Youth.__table__, DutyEpisode.__table__, ChangeLog.__table__]
    Youth.metadata.create_all(engine, tables=tables)
    day = dt.date(2010, 1, 1)
    row = {"cpr": "0101104321", "subject_key": "k", "name": "Ida", "birth_date": day}
    row |= {"status": "none", "status_since": day, "need": "C", "registered_on": day}
    with engine.begin() as connection:
        connection.execute(insert(Youth).values(id=1, **row))
    return engine


@EVERY_TIME
@given(steps=st.lists(STEPS, min_size=1, max_size=6), today=NEAR)
# Both deadlines are today and nothing is recorded: still in time.
@example(
    steps=[
        {
            "contact_deadline": dt.date(2026, 11, 22),
            "offer_deadline": dt.date(2026, 11, 22),
            "contacted_on": None,
            "offered_on": None,
        }
    ],
    today=dt.date(2026, 11, 22),
)
def test_overdue_in_sql_is_the_rule(
    episodes: Engine, steps: list[dict[str, dt.date | None]], today: dt.date
) -> None:
    rows = [{"id": n, "youth_id": 1, "out_since": today, **s} for n, s in enumerate(steps, 1)]
    with episodes.begin() as connection:
        connection.execute(delete(DutyEpisode))
        connection.execute(insert(DutyEpisode), rows)
        late = connection.execute(select(DutyEpisode.id).where(duty.is_overdue(today))).scalars()
        found = set(late)
    rule = {row["id"] for row in rows if duty.overdue(SimpleNamespace(**row), today)}
    assert found == rule


# Text as a database holds it (PostgreSQL refuses NUL), led often by what a spreadsheet runs.
CELL_TEXT = st.text(st.characters(exclude_characters="\x00", exclude_categories=("Cs",)))
LED_TEXT = st.builds(str.__add__, st.sampled_from([*formulas.STARTS, "'", "a", "5", ""]), CELL_TEXT)


@EVERY_TIME
@given(text=CELL_TEXT | LED_TEXT)
@example(text='=HYPERLINK("http://x","Ida")')
@example(text="-5 dage")
@example(text="")
@example(text="\r=1")
def test_neutralised_in_sql_is_the_rule(engine: Engine, text: str) -> None:
    assert evaluate(engine, formulas.neutralised_sql(literal(text, Text))) == formulas.neutralised(
        text
    )


@given(text=CELL_TEXT | LED_TEXT)
def test_a_neutralised_cell_never_runs_and_keeps_its_text(text: str) -> None:
    cell = formulas.neutralised(text)
    assert not formulas.runs(cell)
    assert cell == text or cell == formulas.QUOTE + text
    assert (cell != text) == text.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_null_stays_null_in_sql(engine: Engine) -> None:
    assert evaluate(engine, formulas.neutralised_sql(literal(None, Text))) is None


@EVERY_TIME
@given(born=BORN, age=st.integers(0, 30))
@example(born=dt.date(2008, 2, 29), age=18)  # 1 March 2026
@example(born=dt.date(2008, 2, 29), age=16)  # 29 February 2024
@example(born=dt.date(2001, 3, 1), age=3)  # 1 March 2004, a leap year: not 29 February
def test_birthday_in_sql_is_the_rule(engine: Engine, born: dt.date, age: int) -> None:
    assert evaluate(engine, ages.birthday_of(literal(born, Date), age)) == ages.birthday(born, age)


MOMENTS = st.none() | st.datetimes(
    dt.datetime(2026, 10, 1), dt.datetime(2026, 12, 31), timezones=st.just(dt.UTC)
)
CHANGES = st.fixed_dictionaries(
    {
        "kind": st.sampled_from([*sorted(changes.PLAN_CHANGES | changes.NOT_PLAN_CHANGES), "new"]),
        "by": st.sampled_from(["AB", "ab", "Ab", "CD", "øå", "ØÅ"]),
        "effective_on": NEAR,
        "acknowledged_at": MOMENTS,
    }
)


@EVERY_TIME
@given(
    rows=st.lists(CHANGES, min_size=1, max_size=8),
    owner=st.sampled_from(["AB", "ØÅ"]),
    as_column=st.booleans(),
    since=NEAR,
    on=NEAR,
    until=MOMENTS,
)
# A phone edit by another on the owner's first day waits for nobody; a goal does.
@example(
    rows=[
        {"kind": k, "by": "CD", "effective_on": dt.date(2026, 11, 5), "acknowledged_at": None}
        for k in ("phone", "goal")
    ],
    owner="AB",
    as_column=False,
    since=dt.date(2026, 11, 5),
    on=dt.date(2026, 11, 5),
    until=None,
)
def test_what_waits_for_the_plan_owner_in_sql_is_the_rule(
    episodes: Engine,
    rows: list[dict],
    owner: str,
    as_column: bool,
    since: dt.date,
    on: dt.date,
    until: dt.datetime | None,
) -> None:
    """`inbox.is_open_for_owner` is `inbox.open_for_owner`: the inbox passes the owner's initials,
    the export their column (`as_column`); `until` is the export's end of the month."""
    at = dt.datetime(2026, 10, 1, tzinfo=dt.UTC)
    rows = [{"id": n, "youth_id": 1, "at": at, "what": "x", **row} for n, row in enumerate(rows, 1)]
    who = literal(owner, String) if as_column else owner
    with episodes.begin() as connection:
        connection.execute(delete(ChangeLog))
        connection.execute(insert(ChangeLog), rows)
        query = select(ChangeLog.id).where(inbox.is_open_for_owner(who, since, on, until))
        found = set(connection.execute(query).scalars())
    rule = {
        row["id"]
        for row in rows
        if inbox.open_for_owner(SimpleNamespace(**row), owner, since, on, until)
    }
    assert found == rule


REFERRAL_DAYS = st.dates(dt.date(2026, 11, 1), dt.date(2026, 11, 10))
REFERRALS = st.lists(
    st.tuples(st.sampled_from(["t1", "t2", "t3"]), REFERRAL_DAYS, st.none() | REFERRAL_DAYS),
    max_size=6,
)


@pytest.fixture
def referrals(engine: Engine) -> Engine:
    """The whole schema, with three teams and one youth for the referrals to belong to."""
    Youth.metadata.create_all(engine)
    day = dt.date(2010, 1, 1)
    row = {"cpr": "0101104321", "subject_key": "k", "name": "Ida", "birth_date": day}
    row |= {"status": "none", "status_since": day, "need": "C", "registered_on": day}
    with engine.begin() as connection:
        connection.execute(insert(Youth).values(id=1, **row))
        teams = [{"id": n, "slug": f"t{n}", "name": f"T{n}", "target": "{}", "rules": "{}"}
                 for n in (1, 2, 3)]  # fmt: skip
        connection.execute(insert(Team), teams)
    return engine


@EVERY_TIME
@given(found=REFERRALS, on=REFERRAL_DAYS)
# Both open: the later referral wins over the one entered later.
@example(
    found=[("t1", dt.date(2026, 11, 5), None), ("t2", dt.date(2026, 11, 3), None)],
    on=dt.date(2026, 11, 6),
)
# Decided on the day: no longer open, so the last decision's team.
@example(
    found=[("t1", dt.date(2026, 11, 2), dt.date(2026, 11, 6)), ("t2", dt.date(2026, 11, 1), None)],
    on=dt.date(2026, 11, 6),
)
# Referred after the day: not yet the youth's team.
@example(found=[("t1", dt.date(2026, 11, 8), None)], on=dt.date(2026, 11, 6))
def test_the_youths_team_in_sql_is_the_rule(
    referrals: Engine, found: list[tuple[str, dt.date, dt.date | None]], on: dt.date
) -> None:
    rows = [
        {"id": n, "youth_id": 1, "team_id": int(team[1]), "reason": "x", "referred_by": "AB",
         "referred_on": referred, "decided_on": decided}
        for n, (team, referred, decided) in enumerate(found, 1)
    ]  # fmt: skip
    with referrals.begin() as connection:
        connection.execute(delete(Referral))
        if rows:
            connection.execute(insert(Referral), rows)
        in_sql = connection.execute(select(measures.team_slug(on)).where(Youth.id == 1)).scalar()
    facts = [
        measures.TeamReferral(r["id"], f"t{r['team_id']}", r["referred_on"], r["decided_on"])
        for r in rows
    ]
    rule = measures.team_on(facts, on)
    assert in_sql == rule
    with Session(referrals) as session:
        assert youths.team_slugs(session, [1], on) == ({1: rule} if rule else {})


SPELLED = st.text(alphabet=initials.LOWER + initials.UPPER + "0123456789ß", max_size=5)


@given(text=SPELLED, other=SPELLED)
@example(text="øb", other="ØB")
@example(text="a", other="A")
def test_the_spellings_of_initials_are_what_folds_to_them(text: str, other: str) -> None:
    """`by IN spellings(x)` (served by an index) is `folded(by) = x`."""
    found = initials.spellings(initials.fold(text))
    assert text in found and all(initials.fold(s) == initials.fold(text) for s in found)
    assert (other in found) == (initials.fold(other) == initials.fold(text))
    assert len(found) == len(set(found)) == 2 ** sum(ch in initials.UPPER for ch in found[0])


CASE_DAYS = st.dates(dt.date(2026, 11, 18), dt.date(2026, 11, 26))
STAFF_INITIALS = {1: "AB", 2: "CD", 3: "ØÅ"}
ASSIGNMENTS = st.lists(
    st.fixed_dictionaries(
        {
            "youth_id": st.integers(1, 3),
            "staff_id": st.integers(1, 3),
            "consent": st.sampled_from(["accepted", "pending", "declined"]),
            "proposed_on": CASE_DAYS,
            "start_on": st.none() | CASE_DAYS,
            "end_on": st.none() | CASE_DAYS,
        }
    ),
    max_size=4,
)
EFFORTS = st.lists(
    st.fixed_dictionaries(
        {
            "youth_id": st.integers(1, 3),
            "staff_id": st.integers(1, 3),
            "start_on": CASE_DAYS,
            "end_on": st.none() | CASE_DAYS,
        }
    ),
    max_size=4,
)
TEAM_REFERRALS = st.lists(
    st.tuples(st.integers(1, 3), st.integers(1, 2), st.none() | CASE_DAYS), max_size=3
)
MEMBERS = st.sets(st.tuples(st.integers(1, 2), st.integers(1, 3)), max_size=3)
AUTHORS = st.lists(st.sampled_from(["AB", "ab", "aB", "CD", "øå", "ØÅ", "Øå", "XY"]), min_size=3,
                   max_size=3)  # fmt: skip


@pytest.fixture
def cases(referrals: Engine) -> Engine:
    """The whole schema with three youths, three staff members and three teams."""
    day = dt.date(2010, 1, 1)
    with referrals.begin() as connection:
        for n in (2, 3):
            row = {"cpr": f"010110432{n}", "subject_key": f"k{n}", "name": "Ida", "birth_date": day}
            row |= {"status": "none", "status_since": day, "need": "C", "registered_on": day}
            connection.execute(insert(Youth).values(id=n, **row))
        connection.execute(
            insert(Staff),
            [{"id": n, "initials": i, "name": i, "role": "uu", "department": "UU", "added_on": day}
             for n, i in STAFF_INITIALS.items()],
        )  # fmt: skip
    return referrals


def works_on_rule(facts: dict[str, Any], staff_id: int, day: dt.date) -> set[int]:
    """The need-to-know rule of `access.py`'s docstring, in Python, on one day."""

    def assignment_open(a: dict[str, Any]) -> bool:
        opened = {"accepted": a["start_on"], "pending": a["proposed_on"]}.get(a["consent"])
        return opened is not None and opened <= day and (a["end_on"] is None or a["end_on"] > day)

    def effort_active(e: dict[str, Any]) -> bool:
        return e["start_on"] <= day and (e["end_on"] is None or e["end_on"] > day)

    open_ = [a for a in facts["assignments"] if assignment_open(a)]
    active = [e for e in facts["efforts"] if effort_active(e)]
    teams = {team for team, member in facts["members"] if member == staff_id}
    mine = initials.fold(STAFF_INITIALS[staff_id])
    on_a_case = {a["youth_id"] for a in open_} | {e["youth_id"] for e in active}
    return (
        {a["youth_id"] for a in open_ if a["staff_id"] == staff_id}
        | {e["youth_id"] for e in active if e["staff_id"] == staff_id}
        | {youth for youth, team, decided in facts["referrals"] if team in teams and not decided}
        | {
            youth
            for youth, author in enumerate(facts["authors"], 1)
            if initials.fold(author) == mine and youth not in on_a_case
        }
    )


@EVERY_TIME
@given(
    assignments=ASSIGNMENTS,
    efforts=EFFORTS,
    found=TEAM_REFERRALS,
    members=MEMBERS,
    authors=AUTHORS,
    day=CASE_DAYS,
)
# Registered by "ab": AB sees the youth until a coordinator is proposed.
@example(
    assignments=[
        {
            "youth_id": 1,
            "staff_id": 2,
            "consent": "pending",
            "proposed_on": dt.date(2026, 11, 20),
            "start_on": None,
            "end_on": None,
        }
    ],
    efforts=[],
    found=[],
    members=set(),
    authors=["ab", "CD", "XY"],
    day=dt.date(2026, 11, 20),
)
def test_who_works_on_a_case_in_sql_is_the_rule(
    cases: Engine,
    assignments: list[dict[str, Any]],
    efforts: list[dict[str, Any]],
    found: list[tuple[int, int, dt.date | None]],
    members: set[tuple[int, int]],
    authors: list[str],
    day: dt.date,
) -> None:
    """`access.sees` (the youths a staff member works on, from their own rows) gives what the
    rule says, for each staff member."""
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    facts = {"assignments": assignments, "efforts": efforts, "referrals": found}
    facts |= {"members": members, "authors": authors}
    with cases.begin() as connection:
        for table in (CoordinatorAssignment, Effort, Referral, TeamMember, ChangeLog):
            connection.execute(delete(table))
        for n, a in enumerate(assignments, 1):
            connection.execute(insert(CoordinatorAssignment).values(id=n, recorded_by="X", **a))
        for n, e in enumerate(efforts, 1):
            values = {"title": "t", "department": "d", "legislation": "kui", "created_by": "X"}
            connection.execute(insert(Effort).values(id=n, **values, **e))
        for n, (youth, team, decided) in enumerate(found, 1):
            values = {"reason": "x", "referred_by": "X", "referred_on": dt.date(2026, 11, 1)}
            connection.execute(
                insert(Referral).values(id=n, youth_id=youth, team_id=team, decided_on=decided,
                                        **values)
            )  # fmt: skip
        for n, (team, member) in enumerate(sorted(members), 1):
            connection.execute(insert(TeamMember).values(id=n, team_id=team, staff_id=member))
        for youth, author in enumerate(authors, 1):
            connection.execute(
                insert(ChangeLog).values(youth_id=youth, at=at, by=author, kind="registered",
                                         what="registered", effective_on=day)
            )  # fmt: skip
        for staff_id, who in STAFF_INITIALS.items():
            query = select(Youth.id).where(access.sees(staff_id, who, day))
            assert set(connection.execute(query).scalars()) == works_on_rule(facts, staff_id, day)


CONTACT_DAYS = st.dates(dt.date(2026, 9, 1), dt.date(2026, 12, 31))
CONTACTS = st.lists(st.tuples(st.integers(1, 3), CONTACT_DAYS, st.booleans()), max_size=8)


@pytest.fixture
def contacted(engine: Engine) -> Engine:
    """The youth and contact tables (rows are added by each example)."""
    Youth.metadata.create_all(engine, tables=[Youth.__table__, Contact.__table__])
    return engine


@EVERY_TIME
@given(
    registered=st.lists(CONTACT_DAYS, min_size=3, max_size=3),
    found=CONTACTS,
    today=CONTACT_DAYS,
    days=st.integers(1, 60),
)
# Exactly N days since the last reached contact: over the limit; an attempt after it is no contact.
@example(
    registered=[dt.date(2026, 9, 1)] * 3,
    found=[(1, dt.date(2026, 10, 23), True), (1, dt.date(2026, 11, 20), False)],
    today=dt.date(2026, 11, 22),
    days=30,
)
# Never reached: counted from the registration; a contact after `today` does not count yet.
@example(
    registered=[dt.date(2026, 10, 23)] * 3,
    found=[(2, dt.date(2026, 11, 23), True)],
    today=dt.date(2026, 11, 22),
    days=30,
)
def test_no_contact_in_sql_is_the_rule(
    contacted: Engine,
    registered: list[dt.date],
    found: list[tuple[int, dt.date, bool]],
    today: dt.date,
    days: int,
) -> None:
    """`contacts.without_contact_since`, `days_without_sql`, `last_reached` and `made_during`
    give what `contacts.days_without` and `is_without_contact` say of each youth."""
    youths_rows = [
        {"id": n, "cpr": f"010110432{n}", "subject_key": f"k{n}", "name": "Ida",
         "birth_date": dt.date(2010, 1, 1), "status": "none", "status_since": day, "need": "C",
         "registered_on": day}
        for n, day in enumerate(registered, 1)
    ]  # fmt: skip
    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    rows = [
        {"id": n, "youth_id": youth, "channel": "phone", "reached": reached, "contacted_on": day,
         "by": "AB", "at": at}
        for n, (youth, day, reached) in enumerate(found, 1)
    ]  # fmt: skip
    with Session(contacted) as session, session.begin():
        session.execute(delete(Contact))
        session.execute(delete(Youth))
        session.execute(insert(Youth), youths_rows)
        if rows:
            session.execute(insert(Contact), rows)
        over = set(session.execute(select(Youth.id).where(
            contacts.without_contact_since(today, days))).scalars())  # fmt: skip
        counted = dict(session.execute(select(Youth.id, contacts.days_without_sql(today))).all())
        during = dict(session.execute(select(Youth.id, contacts.made_during(
            today - dt.timedelta(days=days), today))).all())  # fmt: skip
        last = contacts.last_reached(session, [1, 2, 3], today)
    for youth, registered_on in enumerate(registered, 1):
        reached = [d for y, d, r in found if y == youth and r and d <= today]
        rule_last = max(reached, default=None)
        assert last.get(youth) == rule_last
        assert counted[youth] == contacts.days_without(rule_last, registered_on, today)
        rule_over = contacts.is_without_contact(rule_last, registered_on, today, days)
        assert (youth in over) == rule_over
        start = today - dt.timedelta(days=days)
        assert during[youth] == sum(1 for y, d, _ in found if y == youth and start <= d <= today)


@pytest.fixture
def numbered(engine: Engine) -> Iterator[tuple[Engine, Any]]:
    """A table of the ids 1..60, for `idlists.among`."""
    from sqlalchemy import BigInteger, Column, MetaData, Table

    table = Table("numbered", MetaData(), Column("id", BigInteger, primary_key=True))
    table.drop(engine, checkfirst=True)
    table.create(engine)
    with engine.begin() as connection:
        connection.execute(insert(table), [{"id": n} for n in range(1, 61)])
    yield engine, table
    table.drop(engine)


@EVERY_TIME
@given(ids=st.lists(st.integers(-5, 70), max_size=40), other=st.lists(st.integers(0, 65)))
@example(ids=[], other=[])
def test_among_is_in(numbered: tuple[Engine, Any], ids: list[int], other: list[int]) -> None:
    """`among` (one bound list) finds what `IN` finds, also twice in one statement, and its
    statement's text does not depend on the list: the driver prepares it once."""
    from kui_cli.domain.idlists import among

    engine, table = numbered
    with Session(engine) as session:
        query = select(table.c.id).where(among(session, table.c.id, ids))
        assert set(session.execute(query).scalars()) == {n for n in ids if 1 <= n <= 60}
        both = query.where(among(session, table.c.id, other))
        wanted = {n for n in ids if n in other and 1 <= n <= 60}
        assert set(session.execute(both).scalars()) == wanted
        dialect = session.get_bind().dialect
        texts = {str(select(table.c.id).where(among(session, table.c.id, x)).compile(
            dialect=dialect)) for x in (ids, [*ids, 1, 2, 3])}  # fmt: skip
        assert len(texts) == 1
