"""Agreements (aftaler): who does what by when, across departments (issue 16).

An agreement names one responsible staff member who already works on the young person's case
(the need-to-know rule, `access.member_works_on`): someone outside it would be asked to do
something for a youth they may not see, so they join the case with an effort first. It is open
until done or dropped (`closing`), each change in the change log with its reason, so a change by
anyone but the plan owner reaches the owner's inbox, and its responsible person finds their open
agreements due by a day (`open_for`, for `kui today`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain import staff as staff_domain
from kui_cli.domain.plan import changes, closing
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr, youths
from kui_cli.errors import KuiError
from kui_cli.models import Agreement, Staff, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

KIND = "agreement"  # its rows in the change log (a plan change)


def add(
    session: Session,
    actor: Actor,
    youth_ref: str,
    text: str,
    responsible: str,
    due: dt.date,
    reason: str,
) -> Agreement:
    """Agree that `responsible` does `text` by `due` (audited, in the change log)."""
    why = changes.required_reason(reason, _("the plan changes"))
    words = cpr.refuse_in_text((text or "").strip(), _("the agreement's text"))
    if not words:
        raise KuiError(_("the agreement's text is required: say what is to be done"))
    if due < actor.today:
        raise KuiError(
            _("--due {due} is before today ({today})").format(due=due, today=actor.today)
        )
    youth = youths.find(session, youth_ref)
    assert youth.id is not None
    member = responsible_member(session, responsible, youth.id)
    agreement = Agreement(
        youth_id=youth.id,
        text=words,
        staff_id=member.id,
        due=due,
        created_on=actor.today,
        created_by=actor.user,
    )
    session.add(agreement)
    session.flush()
    what = Phrase(
        mark("history", "agreement {id} added: {text} (responsible {initials}, due {due})"),
        {"id": agreement.id, "text": words, "initials": member.initials, "due": due},
    )
    changes.record(session, actor, youth.id, KIND, what, new=words, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return agreement


def responsible_member(session: Session, reference: str, youth_id: int) -> Staff:
    """The responsible person: an active staff member on the youth's case."""
    member = staff_domain.find(session, reference)
    if not member.active:
        raise KuiError(_("staff member {initials} is not active").format(initials=member.initials))
    if not access.member_works_on(session, member, youth_id):
        raise KuiError(
            _(
                "{initials} does not work on youth {id}: add an effort for them first "
                "(`kui plan effort add {id} --responsible {initials} ...`)"
            ).format(initials=member.initials, id=youth_id)
        )
    return member


def done(session: Session, actor: Actor, agreement_id: int, reason: str | None = None) -> Agreement:
    """The agreement is done (on `--today`); a reason may say how."""
    return _close(session, actor, agreement_id, "done", closing.optional_reason(reason))


def drop(session: Session, actor: Actor, agreement_id: int, reason: str) -> Agreement:
    """The agreement is dropped; the reason is required (the plan owner must learn why)."""
    why = changes.required_reason(reason, _("the agreement is dropped"))
    return _close(session, actor, agreement_id, "dropped", why)


def _close(
    session: Session, actor: Actor, agreement_id: int, status: str, why: str | None
) -> Agreement:
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise KuiError(_("no agreement with id {id}").format(id=agreement_id))
    youth = access.require_youth(session, session.get(Youth, agreement.youth_id))
    closing.close(session, actor, youth, agreement, kind=KIND, status=status, why=why)
    agreement.closed_by = actor.user
    session.flush()
    return agreement


def of_youth(session: Session, youth_id: int) -> list[dict[str, Any]]:
    """The youth's agreements for the plan: open ones first by due date, then the closed ones
    (latest closed first), each with its responsible person."""
    query = (
        select(Agreement, Staff)
        .join(Staff, Staff.id == Agreement.staff_id)
        .where(Agreement.youth_id == youth_id)
        .order_by(Agreement.due, Agreement.id)
    )
    rows = [
        {
            "id": agreement.id,
            "text": agreement.text,
            "responsible": member.initials,
            "responsible_name": member.name,
            "responsible_role": member.role,
            "responsible_department": member.department,
            "due": agreement.due,
            "status": agreement.status,
            "created_on": agreement.created_on,
            "created_by": agreement.created_by,
            "closed_on": agreement.closed_on,
            "closed_by": agreement.closed_by,
        }
        for agreement, member in session.execute(query)
    ]
    still_open = [r for r in rows if r["status"] == codes.OPEN]
    closed = sorted(
        (r for r in rows if r["status"] != codes.OPEN),
        key=lambda r: (r["closed_on"], r["id"]),
        reverse=True,
    )
    return still_open + closed


def open_for(session: Session, staff_id: int, until: dt.date) -> list[dict[str, Any]]:
    """The open agreements of a responsible person due on or before `until` (the overdue ones
    too), oldest due first, of the youths the acting user may see (`access.condition`). By the
    index on (staff_id, status, due), each found row joined to its youth: a caseload's few rows,
    whatever the register's size (for a see-all reader too, whose condition is no filter)."""
    query = (
        select(Agreement.id, Agreement.youth_id, Agreement.text, Agreement.due)
        .join(Youth, Youth.id == Agreement.youth_id)
        .where(
            Agreement.staff_id == staff_id,
            Agreement.status == codes.OPEN,
            Agreement.due <= until,
            access.condition(session),
        )
        .order_by(Agreement.due, Agreement.id)
    )
    return [
        {"id": row.id, "youth_id": row.youth_id, "text": row.text, "due": row.due}
        for row in session.execute(query)
    ]
