"""A youth's status and need on a past date, from the change log, kept as periods.

Rule: a change of a kind sets its value from its `effective_on` onwards, and a change recorded
later overrides one recorded earlier. So the value on a date is the `new_value` of the last
recorded change with `effective_on` on or before that date. A back-dated correction therefore wins
from its day on, and on or after the last effective date the value is the record's current value.
(`youth update` refuses a status that starts before the current one, so a status change recorded
now starts on or after the one before it; the rule still reads older logs that went back further.)

Before the first such change the register knows only what the youth was registered with: the
registration row's status, or the value a first change replaced (its `old_value`); a youth with no
rows at all has its current value.

Replaying the log per youth and date made a national report replay millions of rows per month, so
the rule is applied once, when a change is recorded (`refresh`): the values a youth had before the
current one are stored as closed periods (`history_period`), the current value stays on the youth.
A youth's value on a day is then the period that covers the day, if any, else the current value;
and a count over the register on a day is the count by current values corrected by the few periods
that cover the day (`counts_on`).

Who is in the register on a date (`known_on`): a youth from the day the register has a status for
them (`youth.known_from`), that is from their registration or from the earlier start of the status
they were registered with (an import of an existing register brings the statuses' start dates), or
from the day of a back-dated change. So a youth registered later does not appear in an earlier
month, and a freshly imported register can still be measured on a day before the import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter

from sqlalchemy import (
    ColumnElement,
    Connection,
    Select,
    and_,
    bindparam,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlmodel import Session

from kui_cli.domain import bulk
from kui_cli.models import ChangeLog, HistoryPeriod, Youth

# The change kinds that set each kept attribute of a youth.
KINDS = {"status": ("registered", "status"), "need": ("need",)}
STATUS_KINDS = KINDS["status"]
REBUILD_BATCH = 20_000
REFRESH_BATCH = 2_000


@dataclass(frozen=True)
class Change:
    """One change-log row of an attribute, as the rule needs it."""

    id: int
    effective_on: dt.date
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Period:
    value: str
    valid_from: dt.date | None
    valid_to: dt.date


def periods(changes: Sequence[Change]) -> list[Period]:
    """The closed periods of one attribute: every value before the one the last change set.

    `changes` in the order they were recorded. The value changes only on an effective date; on
    each, it is the value of the last recorded change in effect by then.
    """
    if not changes:
        return []
    first = changes[0]
    value = first.old if first.old is not None else first.new
    since: dt.date | None = None
    closed: list[Period] = []
    latest: Change | None = None
    by_day = sorted(changes, key=lambda c: c.effective_on)
    for day, in_effect in groupby(by_day, key=lambda c: c.effective_on):
        latest = max([*in_effect, *([latest] if latest else [])], key=lambda c: c.id)
        if latest.new is None or latest.new == value:
            continue
        if value is not None:
            closed.append(Period(value, since, day))
        value, since = latest.new, day
    return closed


def _current(attribute: str) -> ColumnElement[str]:
    return Youth.status if attribute == "status" else Youth.need


def attribute_of(kind: str) -> str | None:
    """The kept attribute a change of `kind` sets, if any."""
    return next((name for name, kinds in KINDS.items() if kind in kinds), None)


# ---------------------------------------------------------------------------------------------
# Keeping the periods


def refresh(session: Session, youth_id: int, kind: str, effective_on: dt.date) -> None:
    """Re-derive a youth's periods of the attribute a change of `kind` sets (a handful of rows);
    a status change also makes the youth known from its effective date if that is earlier."""
    attribute = attribute_of(kind)
    if attribute is None or kind == "registered":  # a registration alone closes no period
        return
    rows = session.execute(
        select(ChangeLog.id, ChangeLog.effective_on, ChangeLog.old_value, ChangeLog.new_value)
        .where(ChangeLog.youth_id == youth_id, ChangeLog.kind.in_(KINDS[attribute]))
        .order_by(ChangeLog.id)
    )
    found = periods([Change(*row) for row in rows])
    where = (HistoryPeriod.youth_id == youth_id, HistoryPeriod.kind == attribute)
    session.execute(delete(HistoryPeriod).where(*where))
    if found:
        session.execute(insert(HistoryPeriod), _rows(youth_id, attribute, found))
    if attribute == "status":
        # On the loaded youth (an UPDATE statement would be checked against every youth the
        # session holds: the status feed holds thousands).
        youth = session.get(Youth, youth_id)
        if youth is not None and (youth.known_from is None or youth.known_from > effective_on):
            youth.known_from = effective_on


def refresh_many(session: Session, earliest: dict[int, dt.date]) -> None:
    """`refresh` of the status periods of many youths at once, after their status changes were
    written in bulk (the status feed): one read of their log, one delete and one insert per
    batch; and each youth known from the earliest day of the changes (`earliest`) if earlier.
    Core statements on the session's connection and the driver's executemany of plain tuples
    (the feed changes thousands: no ORM rows, no per-value processing)."""
    connection = session.connection()
    ids = sorted(earliest)
    # One statement each, its id list a parameter expanded per batch: compiled once (building
    # and compiling a 500-value IN per batch was a third of the refresh).
    wanted = bindparam("ids", expanding=True)
    query = (
        select(
            ChangeLog.youth_id,
            ChangeLog.id,
            ChangeLog.effective_on,
            ChangeLog.old_value,
            ChangeLog.new_value,
        )
        .where(ChangeLog.youth_id.in_(wanted), ChangeLog.kind.in_(STATUS_KINDS))
        .order_by(ChangeLog.youth_id, ChangeLog.id)
    )
    stale = delete(HistoryPeriod).where(
        HistoryPeriod.youth_id.in_(wanted), HistoryPeriod.kind == "status"
    )
    for start in range(0, len(ids), REFRESH_BATCH):
        chunk = {"ids": ids[start : start + REFRESH_BATCH]}
        batch: list[dict[str, object]] = []
        for youth_id, group in groupby(connection.execute(query, chunk).all(), key=itemgetter(0)):
            batch += _rows(youth_id, "status", periods([Change(*r[1:]) for r in group]))
        connection.execute(stale, chunk)
        bulk.insert_many(session, HistoryPeriod, batch)
    mark = bulk.mark(session)
    known = (
        f"UPDATE youth SET known_from = {mark} WHERE id = {mark} "
        f"AND (known_from IS NULL OR known_from > {mark})"
    )
    bulk.execute_many(session, known, [(earliest[i], i, earliest[i]) for i in ids], [0, 2])


def _rows(youth_id: int, attribute: str, found: Iterable[Period]) -> list[dict[str, object]]:
    return [
        {
            "youth_id": youth_id,
            "kind": attribute,
            "value": p.value,
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
        }
        for p in found
    ]


def rebuild(connection: Connection) -> int:
    """Derive every youth's periods from the change log in one pass over it, and `known_from`
    where it is missing. Returns the periods written.

    For a database that has a change log but no periods: the migration that added them, and
    the benchmark's generator, which writes the log in bulk. A missing `known_from` is the
    earliest day the record and the log tell: the registration, the current status's start, or a
    status change. (The start of the status a youth was registered with was not kept before this
    column, once their status changed; from then on it is.)
    """
    connection.execute(delete(HistoryPeriod))
    first_status = (
        select(func.min(ChangeLog.effective_on))
        .where(ChangeLog.youth_id == Youth.id, ChangeLog.kind.in_(STATUS_KINDS))
        .scalar_subquery()
    )
    least = func.min if connection.dialect.name == "sqlite" else func.least
    known = least(
        Youth.registered_on, Youth.status_since, func.coalesce(first_status, Youth.registered_on)
    )
    connection.execute(update(Youth).where(Youth.known_from.is_(None)).values(known_from=known))
    written = 0
    batch: list[dict[str, object]] = []
    for youth_id, attribute, found in _all_periods(connection):
        batch.extend(_rows(youth_id, attribute, found))
        if len(batch) >= REBUILD_BATCH:
            written += _flush(connection, batch)
    return written + _flush(connection, batch)


def _flush(connection: Connection, batch: list[dict[str, object]]) -> int:
    if batch:
        connection.execute(insert(HistoryPeriod), batch)
    written = len(batch)
    batch.clear()
    return written


def _all_periods(connection: Connection) -> Iterator[tuple[int, str, list[Period]]]:
    """Every youth's closed periods, streaming the change log of the kept kinds once."""
    attribute = case(
        *((ChangeLog.kind.in_(kinds), name) for name, kinds in KINDS.items()), else_=None
    )
    query = (
        select(
            ChangeLog.youth_id,
            attribute.label("attribute"),
            ChangeLog.id,
            ChangeLog.effective_on,
            ChangeLog.old_value,
            ChangeLog.new_value,
        )
        .where(ChangeLog.kind.in_([kind for kinds in KINDS.values() for kind in kinds]))
        .order_by(ChangeLog.youth_id, "attribute", ChangeLog.id)
        .execution_options(yield_per=REBUILD_BATCH, stream_results=True)
    )
    rows = connection.execute(query)
    for (youth_id, name), group in groupby(rows, key=lambda r: (r.youth_id, r.attribute)):
        found = periods([Change(r.id, r.effective_on, r.old_value, r.new_value) for r in group])
        if found:
            yield youth_id, name, found


# ---------------------------------------------------------------------------------------------
# Reading them


def value_at(session: Session, attribute: str, on: dt.date) -> ColumnElement[str]:
    """An SQL expression on `youth`: the value of `attribute` on `on`.

    Only a youth with a period ending after `on` had another value then (the set is computed once
    per query). On a day after every period's end, today in particular, that is no one, and the
    expression is the plain column, which the database can look up in its indexes.
    """
    if not changed_after(session, attribute, on):
        return _current(attribute)
    changed_since = select(HistoryPeriod.youth_id).where(*_ending_after(attribute, on))
    then = (
        select(HistoryPeriod.value)
        .where(HistoryPeriod.youth_id == Youth.id, *_ending_after(attribute, on))
        .order_by(HistoryPeriod.valid_to)
        .limit(1)
        .scalar_subquery()
    )
    return case((Youth.id.in_(changed_since), then), else_=_current(attribute))


def changed_after(session: Session, attribute: str, on: dt.date) -> bool:
    """Whether any youth's `attribute` had another value on `on` than it has now."""
    query = select(HistoryPeriod.id).where(*_ending_after(attribute, on))
    return session.execute(query.limit(1)).first() is not None


def _ending_after(attribute: str, on: dt.date) -> tuple[ColumnElement[bool], ...]:
    """The periods of `attribute` that end after `on`: its youths had another value then."""
    return HistoryPeriod.kind == attribute, HistoryPeriod.valid_to > on


def status_at(session: Session, on: dt.date) -> ColumnElement[str]:
    """The status on `on`, as an SQL expression on `youth` (for queries that group or filter)."""
    return value_at(session, "status", on)


def need_at(session: Session, on: dt.date) -> ColumnElement[str]:
    """The need level on `on`, as an SQL expression on `youth`."""
    return value_at(session, "need", on)


def status_on(session: Session, youths: Iterable[int] | Select, on: dt.date) -> dict[int, str]:
    """The status of each youth on `on`: youths by id, or a query that selects youth ids."""
    chosen = youths if isinstance(youths, Select) else list(youths)
    query = select(Youth.id, status_at(session, on)).where(Youth.id.in_(chosen))
    return {youth_id: status for youth_id, status in session.execute(query)}


def known_on(on: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth`: the register has a status for the youth on `on`."""
    return Youth.known_from <= on


Condition = Callable[[dt.date], ColumnElement[bool]]
Counted = Callable[[ColumnElement[str]], ColumnElement[bool]]


def counts_on(
    session: Session, days: Sequence[dt.date], attribute: str, who: Condition, counted: Counted
) -> list[int]:
    """For each day, how many youths `who(day)` selects have a value of `attribute` that
    `counted(value)` accepts on that day (both may also look at the youth's current columns).

    Two passes whatever the number of days: the youths counted by their current value, then the
    periods that cover a day, each replacing its youth's current value by the one it had then.
    """
    if not days:
        return []

    def count(condition: ColumnElement[bool], then: ColumnElement[int] | int = 1) -> ColumnElement:
        return func.coalesce(func.sum(case((condition, then), else_=0)), 0)

    now = select(*(count(who(day)) for day in days)).where(counted(_current(attribute)))
    period = HistoryPeriod

    def covers(day: dt.date) -> ColumnElement[bool]:
        started = or_(period.valid_from.is_(None), period.valid_from <= day)
        return and_(period.valid_to > day, started, who(day))

    then_counted, now_counted = counted(period.value), counted(_current(attribute))
    instead = case((then_counted, 1), else_=0) - case((now_counted, 1), else_=0)
    then = (
        select(*(count(covers(day), instead) for day in days))
        .join(Youth, Youth.id == period.youth_id)
        .where(period.kind == attribute, period.valid_to > min(days))
        .where(instead != 0)  # a period counted alike then and now changes nothing
    )
    by_current, corrections = session.execute(now).one(), session.execute(then).one()
    return [int(a) + int(b) for a, b in zip(by_current, corrections, strict=True)]
