"""The status and need history: periods derived from the change log, kept on every change, rebuilt
by the migration, and read by reports (`counts_on`) exactly as the rule says."""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text
from sqlmodel import Session

from kui_cli import db
from kui_cli.domain.register import history
from kui_cli.domain.register.history import Change, Period
from kui_cli.migrations import HEAD_REVISION
from kui_cli.models import HistoryPeriod, Youth
from tests.conftest import KuiRunner, add_youth, migrate, ok

D = dt.date
DAYS = st.dates(min_value=D(2026, 1, 1), max_value=D(2026, 3, 31))
VALUES = st.sampled_from(["none", "job", "fgu"])


def by_the_rule(changes: list[Change], day: dt.date) -> str | None:
    """The rule written out plainly: the last recorded change in effect, else the value the first
    change replaced (or set)."""
    in_effect = [c.new for c in changes if c.effective_on <= day]
    first = changes[0]
    return in_effect[-1] if in_effect else (first.old if first.old is not None else first.new)


def by_the_periods(found: list[Period], current: str | None, day: dt.date) -> str | None:
    for p in found:
        if (p.valid_from is None or p.valid_from <= day) and day < p.valid_to:
            return p.value
    return current


@st.composite
def change_logs(draw: st.DrawFn) -> list[Change]:
    size = draw(st.integers(min_value=1, max_value=8))
    first_old = draw(st.none() | VALUES)
    return [
        Change(i + 1, draw(DAYS), first_old if i == 0 else draw(VALUES), draw(VALUES))
        for i in range(size)
    ]


@given(change_logs(), DAYS)
def test_periods_give_the_value_the_rule_gives_on_every_day(
    changes: list[Change], day: dt.date
) -> None:
    found = history.periods(changes)
    assert by_the_periods(found, changes[-1].new, day) == by_the_rule(changes, day)


@given(change_logs())
def test_periods_are_closed_contiguous_and_never_repeat_a_value(changes: list[Change]) -> None:
    found = history.periods(changes)
    for before, after in pairwise(found):
        assert before.valid_to == after.valid_from and before.value != after.value
    assert all(p.valid_from is None or p.valid_from < p.valid_to for p in found)
    if found:
        assert found[0].valid_from is None and found[-1].value != changes[-1].new


def test_a_back_dated_correction_wins_from_its_own_day() -> None:
    changes = [
        Change(1, D(2026, 11, 1), None, "none"),  # registered
        Change(2, D(2026, 11, 20), "none", "job"),
        Change(3, D(2026, 11, 19), "job", "fgu"),  # recorded later, effective earlier
    ]
    assert history.periods(changes) == [Period("none", None, D(2026, 11, 19))]


def history_rows(url: str) -> tuple[list[tuple], list[tuple]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        columns = (HistoryPeriod.youth_id, HistoryPeriod.kind, HistoryPeriod.value)
        dates = (HistoryPeriod.valid_from, HistoryPeriod.valid_to)
        periods = conn.execute(select(*columns, *dates).order_by(*columns, *dates)).all()
        known = conn.execute(select(Youth.id, Youth.known_from).order_by(Youth.id)).all()
    engine.dispose()
    return [tuple(r) for r in periods], [tuple(r) for r in known]


def a_changing_register(kui: KuiRunner) -> list[int]:
    """Three youths whose statuses and needs change: a correction recorded later for the same
    day (a status never starts before the current one), a need, a status known from before the
    others' (registered with its start, 1 May, where the others came with 1 June)."""
    sinces = ("2026-06-01", "2026-06-01", "2026-05-01")
    ids = [
        add_youth(kui, D(2009, 3, 1 + i), f"Ung {i}", "--since", since)
        for i, since in enumerate(sinces)
    ]
    updates = [
        (ids[0], "--status", "job", "--since", "2026-08-15"),
        (ids[0], "--status", "fgu", "--since", "2026-08-15"),  # a correction, recorded later
        (ids[1], "--status", "vocational", "--since", "2026-10-01"),
        (ids[1], "--need", "C"),
    ]
    for youth, *options in updates:
        ok(kui("youth", "update", str(youth), *options, "--reason", "historik"))
    return ids


def test_periods_are_kept_on_every_change_as_a_rebuild_derives_them(
    ready: KuiRunner, db_url: str
) -> None:
    a_changing_register(ready)
    kept = history_rows(db_url)
    ids = [known[0] for known in kept[1]]
    assert kept[0] == [
        (ids[0], "status", "none", None, D(2026, 8, 15)),  # then fgu: the correction wins
        (ids[1], "need", "A", None, D(2026, 11, 22)),
        (ids[1], "status", "none", None, D(2026, 10, 1)),
    ]
    assert [known[1] for known in kept[1]] == [D(2026, 6, 1), D(2026, 6, 1), D(2026, 5, 1)]
    engine = create_engine(db_url)
    with engine.begin() as conn:
        history.rebuild(conn)
    engine.dispose()
    assert history_rows(db_url) == kept


def test_the_migration_derives_the_history_of_a_database_that_has_none(
    ready: KuiRunner, db_url: str
) -> None:
    a_changing_register(ready)
    kept = history_rows(db_url)
    migrate(db_url, "0001", down=True)
    engine = db.get_engine(db_url)
    with engine.connect() as conn:
        assert "known_from" not in str(conn.execute(text("SELECT * FROM youth")).keys())
    db.dispose_engines()
    assert db.upgrade(db_url) == ("0001", HEAD_REVISION)
    periods, known = history_rows(db_url)
    assert periods == kept[0]
    # The old schema lost the start of the status a youth was registered with (1 June) when it
    # changed; the earliest day the record and log still tell is the first change's start.
    assert [k[1] for k in known] == [D(2026, 8, 15), D(2026, 10, 1), D(2026, 5, 1)]
    ok(ready("db", "check"))


def test_counts_on_agree_with_the_status_of_each_youth_on_each_day(
    ready: KuiRunner, db_url: str
) -> None:
    a_changing_register(ready)
    days = [D(2026, m, 28) for m in range(4, 12)]
    engine = create_engine(db_url)
    with Session(engine) as session:
        counted = history.counts_on(
            session, days, "status", history.known_on, lambda value: value.in_(("job", "fgu"))
        )
        for day, count in zip(days, counted, strict=True):
            known = select(Youth.id).where(history.known_on(day))
            statuses = history.status_on(session, known, day)
            assert count == sum(s in ("job", "fgu") for s in statuses.values()), day
        assert counted == [0, 0, 0, 0, 1, 1, 1, 1]  # fgu from 15 August, none before
        # a youth is in no count before the day the register knows them
        anything = [D(2026, 4, 30), D(2026, 5, 28), D(2026, 6, 1)]
        everyone = history.counts_on(
            session, anything, "status", history.known_on, lambda value: value.is_not(None)
        )
        assert everyone == [0, 1, 3]
    engine.dispose()
