"""A youth's record on a past date, rebuilt from the change log.

Rule: a change of a kind sets its value from its `effective_on` onwards, and a change recorded
later overrides one recorded earlier. So the value on a date is the `new_value` of the last
recorded change with `effective_on` on or before that date. A back-dated correction (`youth update
--status ... --since` an earlier day) therefore wins from its day on, and on or after the last
effective date the rebuilt value is always the record's current value.

Before the first such change the register knows only what the youth was registered with: the
registration row's status, or the value a first change replaced (its `old_value`); a youth with no
rows at all has its current value.

Who is in the register on a date (`known_on`): a youth from the day the register has a status for
them, that is from their registration or from the earlier start of the status they were registered
with (an import of an existing register brings the statuses' start dates), or from the day of a
back-dated change. So a youth registered later does not appear in an earlier month, and a freshly
imported register can still be measured on a day before the import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlmodel import Session

from kui_cli.models import ChangeLog, Youth

STATUS_KINDS = ("registered", "status")
NEED_KINDS = ("need",)


def value_at(
    kinds: tuple[str, ...], current: ColumnElement[str], on: dt.date
) -> ColumnElement[str]:
    """An SQL expression on `youth`: the value the changes of `kinds` give on `on`.

    Only a youth with a change (not the registration) taking effect after `on` can have had
    another value then: the others have their current value, found without a lookup per youth
    (the set of changed youths is computed once per query), which keeps reports over the whole
    register fast.
    """
    rows = (ChangeLog.youth_id == Youth.id, ChangeLog.kind.in_(kinds))
    latest = (
        select(ChangeLog.new_value)
        .where(*rows, ChangeLog.effective_on <= on)
        .order_by(ChangeLog.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    before_any = (
        select(func.coalesce(ChangeLog.old_value, ChangeLog.new_value))
        .where(*rows)
        .order_by(ChangeLog.id)
        .limit(1)
        .scalar_subquery()
    )
    changes = tuple(kind for kind in kinds if kind != "registered")
    changed_since = select(ChangeLog.youth_id).where(
        ChangeLog.kind.in_(changes), ChangeLog.effective_on > on
    )
    rebuilt = func.coalesce(latest, before_any, current)
    return case((Youth.id.in_(changed_since), rebuilt), else_=current)


def status_at(on: dt.date) -> ColumnElement[str]:
    """The status on `on`, as an SQL expression on `youth` (for queries that group or filter)."""
    return value_at(STATUS_KINDS, Youth.status, on)


def need_at(on: dt.date) -> ColumnElement[str]:
    """The need level on `on`, as an SQL expression on `youth`."""
    return value_at(NEED_KINDS, Youth.need, on)


def status_on(session: Session, youths: Iterable[int] | Select, on: dt.date) -> dict[int, str]:
    """The status of each youth on `on`: youths by id, or a query that selects youth ids."""
    chosen = youths if isinstance(youths, Select) else list(youths)
    query = select(Youth.id, status_at(on)).where(Youth.id.in_(chosen))
    return {youth_id: status for youth_id, status in session.execute(query)}


def known_on(on: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth`: the register has a status for the youth on `on`."""
    status_by_then = select(ChangeLog.youth_id).where(
        ChangeLog.kind.in_(STATUS_KINDS), ChangeLog.effective_on <= on
    )
    return or_(Youth.registered_on <= on, Youth.status_since <= on, Youth.id.in_(status_by_then))
