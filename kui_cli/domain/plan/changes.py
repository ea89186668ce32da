"""The change log: one row per change to a youth's record or plan (who, when, what, why).

`what` is kui's sentence, kept as its template and values (`kui_cli.phrase`). `why` is the
reason: the user's `--reason` as typed (a str, `why_args` null), or a reason kui writes itself
(a status feed's event, an assessment's consequence: a Phrase, its values in `why_args`), so
both are read in the reader's language (`said`, `reason`).

For status changes `old_value`/`new_value` are status codes and `effective_on` is the day the new
status applies (`--since`), so the status on any past date can be rebuilt.

Everything that changes a youth goes through `record`, so the plan owner's inbox, the plan log and
the youth's history are one list, not several. A row is made in `row` only: `record` adds one,
and the bulk paths (an import, the demo) write many of them with `record_many` (rows made by
`row`) or `record_selected` (one `row` for every youth a query selects).

Which of these changes are plan changes, the ones that reach the plan owner (their inbox, the
agenda's unacknowledged item, the export's `plan_changes` and `unacknowledged`, the overview), is
said once, here: every kind kui writes is either in `PLAN_CHANGES` or in `NOT_PLAN_CHANGES`, and
`row` refuses a kind in neither, so a new kind is classified instead of silently becoming one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, insert, literal, select
from sqlmodel import Session

from kui_cli.domain import bulk
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr, history
from kui_cli.errors import KuiError
from kui_cli.models import ChangeLog
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _

# What the plan is built on: the youth's status and need, the application and completed education,
# the custody holders it is revised with (until 18), the coordinator, goals, efforts and
# agreements, the team's referrals and decisions, the education obligation and assessments.
PLAN_CHANGES = frozenset(
    {
        "status",
        "need",
        "applied",
        "completed_on",
        "guardian",
        "coordinator",
        "goal",
        "effort",
        "agreement",  # who does what by when (issue 16)
        "referral",
        "decision",
        "duty",
        "assessment",
        "at-risk",  # reported at risk of dropping out (the status feed, issue 18)
        "moved",  # moved away from or into the municipality (the status feed)
    }
)
# The registration itself, contact details, and school and grade (which a yearly import moves
# for every pupil; the status says what the youth does): in the log and the history, not the
# plan's.
# A contact with the youth (`contact add`, issue 16) is casework, not a plan change: a coordinator
# who phones weekly would otherwise fill the plan owner's inbox (domain/plan/contacts.py).
NOT_PLAN_CHANGES = frozenset({"registered", "name", "phone", "email", "school", "grade", "contact"})


def is_plan_change(kind: str) -> bool:
    """A change of this kind reaches the plan owner."""
    return kind in PLAN_CHANGES


def plan_change() -> ColumnElement[bool]:
    """SQL on `change_log`: `is_plan_change` of the row's kind."""
    return ChangeLog.kind.in_(sorted(PLAN_CHANGES))


def required_reason(reason: str | None, what: str) -> str:
    """The `--reason` of a change, which is never optional: the plan owner must learn why.
    `what` is the translated clause the refusal ends with ("the plan changes")."""
    why = cpr.refuse_in_text((reason or "").strip(), "--reason")
    if not why:
        raise KuiError(_("--reason is required: say why {what}").format(what=what))
    return why


def row(
    actor: Actor,
    youth_id: int | None,
    kind: str,
    what: Phrase,
    *,
    old: object = None,
    new: object = None,
    why: str | Phrase | None = None,
    effective_on: dt.date | None = None,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """The columns of one change-log row; `what`, and `why` when kui words it (a Phrase), are
    kept as template and values, so they are read in the reader's language (`kui_cli.phrase`);
    a str `why` is the user's reason, kept as typed. The timestamp is the real clock
    (evidence) unless a bulk write gives all its rows one; the effective date is the reference
    date unless the change takes effect on another day (a status `--since`). A kind that is
    neither a plan change nor listed as none is a programming error, not bad input."""
    if kind not in PLAN_CHANGES | NOT_PLAN_CHANGES:
        raise ValueError(f"change kind {kind!r} is unclassified: PLAN_CHANGES or NOT_PLAN_CHANGES?")
    return {
        "youth_id": youth_id,
        "at": at or dt.datetime.now(dt.UTC),
        "by": actor.user,
        "kind": kind,
        "what": what.template,
        "what_args": what.stored_args(),
        "old_value": None if old is None else str(old),
        "new_value": None if new is None else str(new),
        "why": why.template if isinstance(why, Phrase) else why,
        "why_args": why.stored_args() if isinstance(why, Phrase) else None,
        "effective_on": effective_on or actor.today,
    }


def record(
    session: Session,
    actor: Actor,
    youth_id: int,
    kind: str,
    what: Phrase,
    *,
    old: object = None,
    new: object = None,
    why: str | Phrase | None = None,
    effective_on: dt.date | None = None,
) -> ChangeLog:
    """Append one change (`row`); a status or need change re-derives the youth's past values
    (`history`)."""
    return add(
        session,
        row(actor, youth_id, kind, what, old=old, new=new, why=why, effective_on=effective_on),
    )


def add(session: Session, values: dict[str, Any]) -> ChangeLog:
    """Append one change made by `row` (`record`, or a rule that returns its rows)."""
    change = ChangeLog(**values)
    session.add(change)
    session.flush()
    history.refresh(session, change.youth_id, change.kind, change.effective_on)
    return change


def record_many(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk: rows made by `row`, in one executemany insert (no ORM objects). Only for changes
    that close no past value, which `history.refresh` would have to re-derive (a registration,
    the education obligation), or followed by `history.refresh_many` (the status feed)."""
    if rows:
        bulk.insert_many(session, ChangeLog, rows)


def record_selected(
    session: Session, actor: Actor, kind: str, what: Phrase, youths: Select
) -> None:
    """Bulk: the same change (`row`) for every youth `youths` selects as (id, new value), written
    by the database in one INSERT ... SELECT; as `record_many`, for changes that close no past
    value."""
    values = {k: v for k, v in row(actor, None, kind, what).items() if v is not None}
    table = ChangeLog.__table__
    source = youths.add_columns(*(literal(v, table.c[k].type) for k, v in values.items()))
    session.execute(insert(ChangeLog).from_select(["youth_id", "new_value", *values], source))


def for_youth(session: Session, youth_id: int) -> list[ChangeLog]:
    """Every change of one youth, oldest first."""
    query = (
        select(ChangeLog).where(ChangeLog.youth_id == youth_id).order_by(ChangeLog.at, ChangeLog.id)
    )
    return list(session.execute(query).scalars())


def said(row: ChangeLog) -> Phrase:
    """What a change-log row says, for the reader's language (`render.history.text`)."""
    return Phrase.stored(row.what, row.what_args)


def reason(row: ChangeLog) -> Phrase | None:
    """Why a change-log row's change was made, for the reader's language: the user's reason
    as typed (a Phrase without values, shown as stored) or kui's own sentence; None when the
    change has no reason."""
    return None if row.why is None else Phrase.stored(row.why, row.why_args)


def acknowledgement_delay(row: ChangeLog) -> dt.timedelta | None:
    """How long the plan owner took to acknowledge a change (None while it is open)."""
    if row.acknowledged_at is None:
        return None
    return aware(row.acknowledged_at) - aware(row.at)


def aware(value: dt.datetime) -> dt.datetime:
    """Timestamps are stored as UTC; SQLite may hand them back without the zone."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
