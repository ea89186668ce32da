"""Open intervals of dates: an assignment, an episode or a referral that is open on some day.

`opened` is the first day a thing applies; `closed` the first day it no longer does (null while
open), so on its closing day a thing no longer counts, the same rule as an effort's `end_on`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, or_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


def start_of(day: dt.date) -> dt.datetime:
    """Midnight starting `day` in Danish local time, as UTC: what a person means by a date, and
    so where a day ends for every moment kui compares with one (audit filters, the export)."""
    from zoneinfo import ZoneInfo

    from kui_cli.domain.meetings.recurrence import TIMEZONE

    return dt.datetime.combine(day, dt.time(), tzinfo=ZoneInfo(TIMEZONE)).astimezone(dt.UTC)


def real_today() -> dt.date:
    """The real date in Denmark, from the clock, never from `--today`: what decides who may see a
    youth and what may be deleted (issue 15). `--today` moves only what is computed and recorded;
    a test that needs a fixed real date freezes the clock (time-machine)."""
    from zoneinfo import ZoneInfo

    from kui_cli.domain.meetings.recurrence import TIMEZONE

    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def open_during(
    opened: ColumnElement[dt.date], closed: ColumnElement[dt.date], start: dt.date, end: dt.date
) -> ColumnElement[bool]:
    """SQL: open on some day start..end (both included)."""
    return and_(opened <= end, or_(closed.is_(None), closed > start))


def recorded_during(
    moment: ColumnElement[dt.datetime], start: dt.date, end: dt.date
) -> ColumnElement[bool]:
    """SQL: a real-clock timestamp (UTC) on a Danish day start..end (both included). A bound at
    the calendar's edge (0001-01-01, 9999-12-31) is left out: nothing lies beyond it, and
    Python has no moment before the first day's Danish midnight nor after the last."""
    bounds = []
    if start > dt.date.min:
        bounds.append(moment >= start_of(start))
    if end < dt.date.max:
        bounds.append(moment < start_of(end + dt.timedelta(days=1)))
    return and_(true(), *bounds)


class days_between(FunctionElement[int]):
    """SQL: whole days from the date `start` to the date `end` (`(end - start).days`), an
    integer on every database: PostgreSQL subtracts dates itself, SQLite through julianday."""

    type = Integer()
    name = "days_between"
    inherit_cache = True

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(start, end)


@compiles(days_between)
def _days_between_sqlite(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({end}) - julianday({start}) AS INTEGER)"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element: days_between, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(CAST({end} AS DATE) - CAST({start} AS DATE))"
