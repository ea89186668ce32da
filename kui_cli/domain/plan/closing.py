"""Closing a goal or an agreement: open until it is reached, done or dropped, never reopened.

Goals and agreements share the rule, so they close alike: only an open one changes, the day it
closes is the reference date (`--today`, an effective date the overview counts by), and the
closing goes into the change log (old and new state, why) and the audit log.
"""

from __future__ import annotations

from typing import Protocol

from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain.plan import changes
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.models import Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark, p_


class Closable(Protocol):
    """A goal or an agreement."""

    id: int | None
    text: str
    status: str
    closed_on: object


# The closed states as a person reads them in the refusal (in English the code itself), marked
# with their context for extraction and translated with `p_("state", ...)`.
CLOSED_STATES = (mark("state", "achieved"), mark("state", "done"), mark("state", "dropped"))


# The history's sentence of a goal or an agreement closed, by its kind and closed state.
CLOSED = {
    ("goal", "achieved"): mark("history", "goal {id} achieved: {text}"),
    ("goal", "dropped"): mark("history", "goal {id} dropped: {text}"),
    ("agreement", "done"): mark("history", "agreement {id} done: {text}"),
    ("agreement", "dropped"): mark("history", "agreement {id} dropped: {text}"),
}


def require_open(kind: str, item: Closable) -> None:
    """Refuse changing a closed goal or agreement (achieved, done or dropped: no way back)."""
    if item.status != codes.OPEN:
        label = _("goal {id}") if kind == "goal" else _("agreement {id}")
        raise KuiError(
            _("{label} is {state} since {date}: only an open one changes").format(
                label=label.format(id=item.id), state=p_("state", item.status), date=item.closed_on
            )
        )


def optional_reason(reason: str | None) -> str | None:
    """A `--reason` that may be left out (reaching a goal, doing what was agreed), never a CPR."""
    return cpr.refuse_in_text((reason or "").strip(), "--reason") or None


def close(
    session: Session,
    actor: Actor,
    youth: Youth,
    item: Closable,
    *,
    kind: str,
    status: str,
    why: str | None,
) -> None:
    """Close an open item on the reference date, with its change row and audit entry."""
    require_open(kind, item)
    old = item.status
    item.status, item.closed_on = status, actor.today
    assert youth.id is not None
    what = Phrase(CLOSED[kind, status], {"id": item.id, "text": item.text})
    changes.record(session, actor, youth.id, kind, what, old=old, new=status, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
