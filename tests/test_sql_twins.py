"""The export and the agenda ask the database instead of Python: each SQL expression must give what
the Python rule gives, on SQLite and PostgreSQL, around birthdays, leap days, the profile's upper
age and deadline days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Date, Engine, create_engine, delete, insert, literal, select
from sqlalchemy.orm import Session

from kui_cli.domain.law import duty, transitions
from kui_cli.domain.register import ages, youths
from kui_cli.domain.reports import measures
from kui_cli.models import DutyEpisode, Referral, Team, Youth

BORN = st.dates(dt.date(1990, 1, 1), dt.date(2026, 12, 31))
DAYS = st.dates(dt.date(2020, 1, 1), dt.date(2032, 12, 31))
UPPER = st.integers(18, 30)
STATUS = st.sampled_from([ages.PRIMARY_SCHOOL, "none", "job"])
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
    """The youth and duty_episode tables, with one youth for the episodes to belong to."""
    Youth.metadata.create_all(engine, tables=[Youth.__table__, DutyEpisode.__table__])
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
