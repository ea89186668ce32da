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


class Closable(Protocol):
    """A goal or an agreement."""

    id: int | None
    text: str
    status: str
    closed_on: object


def require_open(label: str, item: Closable) -> None:
    """Refuse changing a closed goal or agreement (achieved, done or dropped: no way back)."""
    if item.status != codes.OPEN:
        raise KuiError(f"{label} is {item.status} since {item.closed_on}: only an open one changes")


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
    label: str,
    status: str,
    why: str | None,
) -> None:
    """Close an open item on the reference date, with its change row and audit entry."""
    require_open(label, item)
    old = item.status
    item.status, item.closed_on = status, actor.today
    assert youth.id is not None
    what = f"{label} {status}: {item.text}"
    changes.record(session, actor, youth.id, kind, what, old=old, new=status, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
