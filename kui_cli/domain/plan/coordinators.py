"""The coordinator (uddannelseskoordinator / ungeguide / tovholder): one contact person at a time.

The arrangement is voluntary (Sønderborg, Rebild): the youth, and the custody holders of a minor,
take part in the decision and may decline it, but cannot choose the person. A proposal awaiting
consent (`pending`) counts against the staff member's capacity but does not make them the
coordinator or the plan owner. The assignment does not end at the 18th birthday: the coordinator
may follow the youth into the adult system so they do not start over.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain import staff as staff_domain
from kui_cli.domain.plan import changes, owners
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr, youths
from kui_cli.errors import KuiError
from kui_cli.models import CoordinatorAssignment, Staff, Youth

HISTORY_COLUMNS = [
    "id",
    "staff",
    "name",
    "role",
    "state",
    "consent",
    "consent_by",
    "proposed_on",
    "start_on",
    "end_on",
    "end_reason",
    "recorded_by",
    "note",
]


@dataclass
class Outcome:
    """What `assign` did, for the confirmation, and any warnings (capacity) to show."""

    assignment: CoordinatorAssignment
    youth: Youth
    staff: Staff
    ended: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def consent_by_for(consent: str, given: str | None, minor: bool) -> str | None:
    """Who took the decision. An adult decides alone; for a minor the custody holders take part,
    so `both` is recorded unless told otherwise. A pending proposal has no decision yet."""
    if consent == "pending":
        if given:
            raise KuiError("--consent-by records a decision: use it with accepted or declined")
        return None
    if given is None:
        return "both" if minor else "youth"
    value = codes.checked(given.strip().lower(), codes.CONSENT_BY, "--consent-by")
    if not minor and value != "youth":
        raise KuiError("the youth is 18 or older and decides alone: --consent-by youth")
    return value


def open_assignments(
    session: Session, youth_id: int, today: dt.date
) -> list[CoordinatorAssignment]:
    """The youth's active and pending assignments (at most one of each).

    A decision dated after `today` would make the history overlap, so a back-dated change
    (`--today` before it) is refused.
    """
    query = select(CoordinatorAssignment).where(CoordinatorAssignment.youth_id == youth_id)
    rows = list(session.execute(query.order_by(CoordinatorAssignment.id)).scalars())
    dates = [d for r in rows for d in (r.proposed_on, r.start_on, r.end_on) if d is not None]
    if dates and max(dates) > today:
        raise KuiError(
            f"youth {youth_id} has a coordinator decision dated {max(dates)}: "
            f"a change cannot be dated {today}, before it"
        )
    return [r for r in rows if state(r, today) in ("active", "pending")]


def _close(row: CoordinatorAssignment, today: dt.date, reason: str) -> None:
    started = row.start_on or row.proposed_on
    if today < started:
        raise KuiError(f"assignment {row.id} starts on {started}: it cannot end on {today}")
    row.end_on, row.end_reason = today, reason


def assign(
    session: Session,
    actor: Actor,
    youth_ref: str,
    staff_ref: str,
    consent: str,
    consent_by: str | None = None,
    note: str | None = None,
) -> Outcome:
    """Record a coordinator decision: accepted (the coordinator from today), pending (proposed),
    or declined (the youth has no coordinator; the decision stays in the history).

    An active coordinator is ended in the same transaction when another is accepted, and any
    coordinator or proposal ends when the youth declines the arrangement.
    """
    consent = codes.checked((consent or "").strip().lower(), codes.CONSENTS, "--consent")
    youth = youths.find(session, youth_ref)
    member = staff_domain.find(session, staff_ref)
    if not member.active:
        raise KuiError(f"staff member {member.initials} is not active")
    today = actor.today
    minor = ages.age_on(youth.birth_date, today) < 18
    decided_by = consent_by_for(consent, consent_by, minor)
    note = cpr.refuse_in_text((note or "").strip(), "--note") or None
    rows = open_assignments(session, youth.id, today)
    current = next((r for r in rows if r.consent == "accepted"), None)
    proposal = next((r for r in rows if r.consent == "pending"), None)
    if current is not None and current.staff_id == member.id and consent != "declined":
        raise KuiError(f"{member.initials} is already the coordinator of youth {youth.id}")
    if proposal is not None and proposal.staff_id == member.id and consent == "pending":
        raise KuiError(f"{member.initials} is already proposed as coordinator of youth {youth.id}")
    outcome = Outcome(_row_for(session, actor, youth, member, proposal), youth, member)
    row = outcome.assignment
    row.consent, row.consent_by, row.note = consent, decided_by, note or row.note
    ending = "declined" if consent == "declined" else f"replaced by {member.initials}"
    if proposal is not None and proposal is not row:
        _close(proposal, today, ending)
        outcome.ended.append(f"the proposal of {_initials(session, proposal)}")
    if consent == "accepted":
        row.start_on = today
    if consent == "declined":
        _close(row, today, ending)
    if current is not None and consent != "pending":
        _close(current, today, ending)
        outcome.ended.append(_initials(session, current))
    session.flush()
    _log(session, actor, outcome, current)
    if consent != "declined":
        outcome.warnings.extend(capacity_warnings(session, member, today))
    audit.record(session, actor, "update", subject=youth.subject_key)
    return outcome


def _row_for(
    session: Session,
    actor: Actor,
    youth: Youth,
    member: Staff,
    proposal: CoordinatorAssignment | None,
) -> CoordinatorAssignment:
    """The proposal of the same person becomes the decision; otherwise a new row."""
    if proposal is not None and proposal.staff_id == member.id:
        return proposal
    row = CoordinatorAssignment(
        youth_id=youth.id,
        staff_id=member.id,
        consent="pending",
        proposed_on=actor.today,
        recorded_by=actor.user,
    )
    session.add(row)
    return row


def _initials(session: Session, row: CoordinatorAssignment) -> str:
    member = session.get(Staff, row.staff_id)
    return member.initials if member else str(row.staff_id)


def _log(
    session: Session, actor: Actor, outcome: Outcome, current: CoordinatorAssignment | None
) -> None:
    row, member = outcome.assignment, outcome.staff
    who = f"{member.initials} ({member.name}, {member.role})"
    by = f" by {codes.CONSENT_BY[row.consent_by]}" if row.consent_by else ""
    what = {
        "accepted": f"coordinator: {who}, consent given{by}",
        "pending": f"coordinator proposed: {who}, awaiting consent",
        "declined": f"coordinator declined{by}: {who} was proposed; no coordinator",
    }[row.consent]
    old = _initials(session, current) if current is not None else None
    new = member.initials if row.consent == "accepted" else None
    why = row.note or f"consent {row.consent}"
    changes.record(session, actor, outcome.youth.id, "coordinator", what, old=old, new=new, why=why)


def capacity_warnings(session: Session, member: Staff, today: dt.date) -> list[str]:
    """A warning, not a refusal: coordinator capacity is limited (Rebild), but a youth may need
    this person anyway."""
    if member.capacity is None:
        return []
    load = owners.caseloads(session, today).get(member.id or 0, 0)
    if load <= member.capacity:
        return []
    return [
        f"{member.initials} is over capacity: {load} youths as coordinator "
        f"(active and pending), capacity {member.capacity}"
    ]


def end(session: Session, actor: Actor, youth_ref: str, reason: str) -> tuple[Youth, str]:
    """End the youth's coordinator, or withdraw the proposal when there is no coordinator."""
    reason = changes.required_reason(reason, "the coordinator ends")
    youth = youths.find(session, youth_ref)
    rows = open_assignments(session, youth.id, actor.today)
    row = next((r for r in rows if r.consent == "accepted"), rows[0] if rows else None)
    if row is None:
        raise KuiError(f"youth {youth.id} has no coordinator and no proposal to end")
    _close(row, actor.today, reason)
    initials = _initials(session, row)
    what = (
        f"coordinator ended: {initials}"
        if row.consent == "accepted"
        else f"coordinator proposal withdrawn: {initials}"
    )
    changes.record(session, actor, youth.id, "coordinator", what, old=initials, why=reason)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return youth, what


def state(row: CoordinatorAssignment, today: dt.date) -> str:
    """active, pending, declined or ended, on the reference date."""
    if row.consent == "declined":
        return "declined"
    if row.end_on is not None and row.end_on <= today:
        return "ended"
    if row.consent == "pending":
        return "pending"
    return "active" if row.start_on and row.start_on <= today else "planned"


def history(session: Session, actor: Actor, youth_ref: str) -> list[dict[str, Any]]:
    """Every proposal, decision and assignment of the youth, oldest first (audited)."""
    youth = youths.find(session, youth_ref)
    query = (
        select(CoordinatorAssignment, Staff)
        .join(Staff, Staff.id == CoordinatorAssignment.staff_id)
        .where(CoordinatorAssignment.youth_id == youth.id)
        .order_by(CoordinatorAssignment.proposed_on, CoordinatorAssignment.id)
    )
    rows = [
        {
            "id": row.id,
            "staff": member.initials,
            "name": member.name,
            "role": member.role,
            "state": state(row, actor.today),
            "consent": row.consent,
            "consent_by": row.consent_by,
            "proposed_on": row.proposed_on,
            "start_on": row.start_on,
            "end_on": row.end_on,
            "end_reason": row.end_reason,
            "recorded_by": row.recorded_by,
            "note": row.note,
        }
        for row, member in session.execute(query)
    ]
    audit.record(session, actor, "read", subject=youth.subject_key)
    return rows
