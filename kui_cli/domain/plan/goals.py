"""Goals that finish (issue 16): a goal is changed while open, then achieved or dropped.

A goal is added in the young person's own words (`plans.add_goal`); here it is reworded or
given another due date, reached, or given up, each with its old and new value in the change log
(the plan owner's inbox) and audited. A closed goal stays as it was (`closing`): the plan shows
what was reached, and the overview counts goals achieved per month. `goals_due` is what
`kui today` lists: open goals due by a day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, select
from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain.plan import changes, closing
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.models import Goal, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

KIND = "goal"


# The history's sentence of a goal's field changed, its new value named as the field.
GOAL_CHANGED = {
    "text": mark("history", "goal {id} text changed: {text}"),
    "due": mark("history", "goal {id} due changed: {due}"),
}


def _find(session: Session, goal_id: int) -> tuple[Goal, Youth]:
    """The goal and its youth, if the acting user works on the youth's case."""
    goal = session.get(Goal, goal_id)
    if goal is None:
        raise KuiError(_("no goal with id {id}").format(id=goal_id))
    youth = access.require_youth(session, session.get(Youth, goal.youth_id))
    return goal, youth


# The history's sentence of a goal's field changed, its new value named as the field.
GOAL_CHANGED = {
    "text": mark("history", "goal {id} text changed: {text}"),
    "due": mark("history", "goal {id} due changed: {due}"),
}


def update(
    session: Session,
    actor: Actor,
    goal_id: int,
    *,
    reason: str,
    text: str | None = None,
    due: dt.date | None = None,
) -> Goal:
    """Reword an open goal or move its due date: one change row per value, old and new."""
    why = changes.required_reason(reason, _("the goal changes"))
    if text is None and due is None:
        raise KuiError(_("give --text or --due (or both): what changes"))
    words = None if text is None else cpr.refuse_in_text(text.strip(), "--text")
    if words == "":
        raise KuiError(_("--text may not be empty: the goal in the young person's own words"))
    goal, youth = _find(session, goal_id)
    closing.require_open(KIND, goal)
    assert youth.id is not None
    moves = [
        (field, getattr(goal, field), new)
        for field, new in (("text", words), ("due", due))
        if new is not None and new != getattr(goal, field)
    ]
    if not moves:
        raise KuiError(_("goal {id} already says that: nothing changes").format(id=goal.id))
    for field, old, new in moves:
        setattr(goal, field, new)
        what = Phrase(GOAL_CHANGED[field], {"id": goal.id, field: new})
        changes.record(session, actor, youth.id, KIND, what, old=old, new=new, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return goal


# The history's sentence of a goal's field changed, its new value named as the field.
GOAL_CHANGED = {
    "text": mark("history", "goal {id} text changed: {text}"),
    "due": mark("history", "goal {id} due changed: {due}"),
}


def achieve(session: Session, actor: Actor, goal_id: int, reason: str | None = None) -> Goal:
    """The young person reached the goal (on `--today`)."""
    why = closing.optional_reason(reason)
    goal, youth = _find(session, goal_id)
    return _close(session, actor, goal, youth, "achieved", why)


# The history's sentence of a goal's field changed, its new value named as the field.
GOAL_CHANGED = {
    "text": mark("history", "goal {id} text changed: {text}"),
    "due": mark("history", "goal {id} due changed: {due}"),
}


def drop(session: Session, actor: Actor, goal_id: int, reason: str) -> Goal:
    """The goal is given up; not while a sub-goal under it is open (it would hang in the air)."""
    why = changes.required_reason(reason, _("the goal is dropped"))
    goal, youth = _find(session, goal_id)
    closing.require_open(KIND, goal)
    below = select(Goal.id).where(Goal.parent_id == goal.id, Goal.status == codes.OPEN)
    still_open = list(session.execute(below.order_by(Goal.id)).scalars())
    if still_open:
        ids = ", ".join(str(i) for i in still_open)
        raise KuiError(
            _("goal {id} has open sub-goals ({ids}): achieve or drop them first").format(
                id=goal.id, ids=ids
            )
        )
    return _close(session, actor, goal, youth, "dropped", why)


# The history's sentence of a goal's field changed, its new value named as the field.
GOAL_CHANGED = {
    "text": mark("history", "goal {id} text changed: {text}"),
    "due": mark("history", "goal {id} due changed: {due}"),
}


def _close(
    session: Session, actor: Actor, goal: Goal, youth: Youth, status: str, why: str | None
) -> Goal:
    closing.close(session, actor, youth, goal, kind=KIND, status=status, why=why)
    return goal


# The history's sentence of a goal's field changed, its new value named as the field.
GOAL_CHANGED = {
    "text": mark("history", "goal {id} text changed: {text}"),
    "due": mark("history", "goal {id} due changed: {due}"),
}


def goals_due(
    session: Session,
    youths: Select[Any] | ColumnElement[bool] | Iterable[int],
    until: dt.date,
) -> list[dict[str, Any]]:
    """Open goals with a due date on or before `until` (past due too), oldest due first, of the
    youths given as a query of ids, a condition on `goal`, or ids (the caller's caseload)."""
    if isinstance(youths, ColumnElement):
        chosen = youths
    else:
        chosen = Goal.youth_id.in_(youths if isinstance(youths, Select) else list(youths))
    query = (
        select(Goal.id, Goal.youth_id, Goal.text, Goal.due)
        .where(chosen, Goal.status == codes.OPEN, Goal.due.is_not(None), Goal.due <= until)
        .order_by(Goal.due, Goal.id)
    )
    return [
        {"id": row.id, "youth_id": row.youth_id, "text": row.text, "due": row.due}
        for row in session.execute(query)
    ]
