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

from sqlalchemy import or_, select
from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain import staff as staff_domain
from kui_cli.domain.plan import changes, owners, plans
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr, youths
from kui_cli.errors import KuiError
from kui_cli.models import CoordinatorAssignment, Effort, Staff, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark, n_

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
            raise KuiError(_("--consent-by records a decision: use it with accepted or declined"))
        return None
    if given is None:
        return "both" if minor else "youth"
    value = codes.checked(given.strip().lower(), codes.CONSENT_BY, "--consent-by")
    if not minor and value != "youth":
        raise KuiError(_("the youth is 18 or older and decides alone: --consent-by youth"))
    return value


def open_assignments(
    session: Session, youth_id: int, today: dt.date
) -> list[CoordinatorAssignment]:
    """The youth's active and pending assignments (at most one of each)."""
    return open_among(assignments_of(session, [youth_id]).get(youth_id, []), youth_id, today)


def assignments_of(
    session: Session, youth_ids: list[int]
) -> dict[int, list[CoordinatorAssignment]]:
    """Every assignment of these youths in id order, by youth (one query per batch of 500)."""
    found: dict[int, list[CoordinatorAssignment]] = {}
    for start in range(0, len(youth_ids), 500):
        chunk = youth_ids[start : start + 500]
        query = select(CoordinatorAssignment).where(CoordinatorAssignment.youth_id.in_(chunk))
        for row in session.execute(query.order_by(CoordinatorAssignment.id)).scalars():
            found.setdefault(row.youth_id, []).append(row)
    return found


def open_among(
    rows: list[CoordinatorAssignment], youth_id: int, today: dt.date
) -> list[CoordinatorAssignment]:
    """The active and pending ones of a youth's assignments (`assignments_of`).

    A decision dated after `today` would make the history overlap, so a back-dated change
    (`--today` before it) is refused.
    """
    dates = [d for r in rows for d in (r.proposed_on, r.start_on, r.end_on) if d is not None]
    if dates and max(dates) > today:
        raise KuiError(
            _(
                "youth {id} has a coordinator decision dated {date}: "
                "a change cannot be dated {today}, before it"
            ).format(id=youth_id, date=max(dates), today=today)
        )
    return [r for r in rows if state(r, today) in ("active", "pending")]


def _close(row: CoordinatorAssignment, today: dt.date, reason: str) -> None:
    started = row.start_on or row.proposed_on
    if today < started:
        raise KuiError(
            _("assignment {id} starts on {start}: it cannot end on {today}").format(
                id=row.id, start=started, today=today
            )
        )
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
        raise KuiError(_("staff member {initials} is not active").format(initials=member.initials))
    today = actor.today
    minor = ages.age_on(youth.birth_date, today) < 18
    decided_by = consent_by_for(consent, consent_by, minor)
    note = cpr.refuse_in_text((note or "").strip(), "--note") or None
    rows = open_assignments(session, youth.id, today)
    current = next((r for r in rows if r.consent == "accepted"), None)
    proposal = next((r for r in rows if r.consent == "pending"), None)
    if current is not None and current.staff_id == member.id and consent != "declined":
        raise KuiError(
            _("{initials} is already the coordinator of youth {id}").format(
                initials=member.initials, id=youth.id
            )
        )
    if proposal is not None and proposal.staff_id == member.id and consent == "pending":
        raise KuiError(
            _("{initials} is already proposed as coordinator of youth {id}").format(
                initials=member.initials, id=youth.id
            )
        )
    outcome = Outcome(_row_for(session, actor, youth, member, proposal), youth, member)
    row = outcome.assignment
    row.consent, row.consent_by, row.note = consent, decided_by, note or row.note
    ending = "declined" if consent == "declined" else f"replaced by {member.initials}"
    if proposal is not None and proposal is not row:
        _close(proposal, today, ending)
        proposed = _initials(session, proposal)
        outcome.ended.append(_("the proposal of {initials}").format(initials=proposed))
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


# The history's sentences of a coordinator's assignment, by its consent and whether who gave
# or refused it is known (`consent_by`); of a handover, by whether consent was given.
ASSIGNED = {
    ("accepted", False): mark("history", "coordinator: {initials} ({name}, {role}), consent "
                              "given"),
    ("accepted", True): mark("history", "coordinator: {initials} ({name}, {role}), consent given "
                             "by {consenting}"),
    ("pending", False): mark("history", "coordinator proposed: {initials} ({name}, {role}), "
                             "awaiting consent"),
    ("declined", False): mark("history", "coordinator declined: {initials} ({name}, {role}) was "
                              "proposed; no coordinator"),
    ("declined", True): mark("history", "coordinator declined by {consenting}: {initials} "
                             "({name}, {role}) was proposed; no coordinator"),
}  # fmt: skip
ASSIGNED["pending", True] = ASSIGNED["pending", False]
HANDED_OVER = {
    (True, False): mark("history", "coordinator handed over from {giver}: {initials} ({name}, "
                        "{role}), consent kept (given)"),
    (True, True): mark("history", "coordinator handed over from {giver}: {initials} ({name}, "
                       "{role}), consent kept (given by {consenting})"),
    (False, False): mark("history", "coordinator proposal handed over from {giver}: {initials} "
                         "({name}, {role}), awaiting consent"),
}  # fmt: skip
HANDED_OVER[False, True] = HANDED_OVER[False, False]


def _who(member: Staff, row: CoordinatorAssignment) -> dict[str, str]:
    """The history's values of a coordinator and who consented (when it is known)."""
    who = {"initials": member.initials, "name": member.name, "role": member.role}
    if row.consent_by:
        who["consenting"] = codes.CONSENT_BY[row.consent_by]
    return who


def _initials(session: Session, row: CoordinatorAssignment) -> str:
    member = session.get(Staff, row.staff_id)
    return member.initials if member else str(row.staff_id)


def _log(
    session: Session, actor: Actor, outcome: Outcome, current: CoordinatorAssignment | None
) -> None:
    row, member = outcome.assignment, outcome.staff
    args = _who(member, row)
    what = Phrase(ASSIGNED[row.consent, "consenting" in args], args)
    old = _initials(session, current) if current is not None else None
    new = member.initials if row.consent == "accepted" else None
    why = row.note or Phrase(mark("history", "consent {consent}"), {"consent": row.consent})
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
        n_(
            "{initials} is over capacity: {n} youth as coordinator "
            "(active and pending), capacity {capacity}",
            "{initials} is over capacity: {n} youths as coordinator "
            "(active and pending), capacity {capacity}",
            load,
        ).format(initials=member.initials, n=load, capacity=member.capacity)
    ]


def end(session: Session, actor: Actor, youth_ref: str, reason: str) -> tuple[Youth, Phrase]:
    """End the youth's coordinator, or withdraw the proposal when there is no coordinator."""
    reason = changes.required_reason(reason, _("the coordinator ends"))
    youth = youths.find(session, youth_ref)
    rows = open_assignments(session, youth.id, actor.today)
    if not rows:
        raise KuiError(
            _("youth {id} has no coordinator and no proposal to end").format(id=youth.id)
        )
    change = ending(session, actor, youth.id, rows, reason)
    changes.add(session, change)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return youth, Phrase.stored(change["what"], change["what_args"])


def ending(
    session: Session,
    actor: Actor,
    youth_id: int,
    rows: list[CoordinatorAssignment],
    reason: str | Phrase,
) -> dict[str, Any]:
    """The rule of `end` on a youth's open assignments (`open_among`, not empty): the
    coordinator ends, or else the proposal is withdrawn; the change-log row (`changes.row`)
    that records it. The status feed ends many youths' coordinators with it (`reason` its
    event's, which the assignment's `end_reason` keeps in English)."""
    row = next((r for r in rows if r.consent == "accepted"), rows[0])
    _close(row, actor.today, str(reason))
    initials = _initials(session, row)
    what = Phrase(
        mark("history", "coordinator ended: {initials}")
        if row.consent == "accepted"
        else mark("history", "coordinator proposal withdrawn: {initials}"),
        {"initials": initials},
    )
    return changes.row(actor, youth_id, "coordinator", what, old=initials, why=reason)


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


# --- handover ---

HANDOVER_COLUMNS = ["youth_id", "coordinator", "consent", "efforts"]


@dataclass
class Handover:
    """What `handover` moved, per youth, and any warnings (capacity) to show."""

    giver: Staff
    taker: Staff
    youths: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def handover(
    session: Session,
    actor: Actor,
    giver_ref: str,
    taker_ref: str,
    reason: str,
    *,
    youth_refs: list[str] | None = None,
    efforts: bool = False,
) -> Handover:
    """Move a staff member's open coordinator assignments (and with `efforts` their active
    efforts) to another, in the command's one transaction: any refusal leaves everything as it
    was. `youth_refs` limits it to those youths.

    The consent is kept as it was. The youth and the custody holders consent to the arrangement,
    a coordinator, not to a person (they may decline it but cannot choose who: DOMAIN.md), so an
    accepted assignment stays accepted under the new coordinator, with who consented; a pending
    proposal stays pending, now of the new person, and the youth is still asked. The old row
    ends today (`end_reason` says to whom it went), a new row starts today, and each move is a
    plan change in the youth's history, so it waits in the plan owner's inbox (the new
    coordinator's, when the assignment is accepted and the move is by someone else).
    """
    why = changes.required_reason(reason, _("the caseload is handed over"))
    giver = staff_domain.find(session, giver_ref)
    taker = staff_domain.find(session, taker_ref)
    if giver.id == taker.id:
        raise KuiError(
            _("{initials} cannot hand over to themselves").format(initials=giver.initials)
        )
    if not taker.active:
        raise KuiError(_("staff member {initials} is not active").format(initials=taker.initials))
    today = actor.today
    chosen = _chosen_youths(session, youth_refs)
    rows = _held(session, giver, today, chosen)
    moved_efforts = _held_efforts(session, giver, today, chosen) if efforts else []
    touched = sorted({r.youth_id for r in rows} | {e.youth_id for e in moved_efforts})
    if not touched:
        raise KuiError(_nothing_to_hand_over(giver, chosen))
    missing = sorted((chosen or set()) - set(touched))
    if missing:
        raise KuiError(
            _(
                "{initials} is neither coordinator, proposed nor (with --efforts) "
                "responsible for an effort of youth {ids}"
            ).format(initials=giver.initials, ids=", ".join(map(str, missing)))
        )
    done = Handover(giver, taker)
    for youth_id in touched:
        row = next((r for r in rows if r.youth_id == youth_id), None)
        ids = [e.id for e in moved_efforts if e.youth_id == youth_id and e.id is not None]
        done.youths.append(_hand_over_youth(session, actor, youth_id, row, ids, taker, why))
    session.flush()
    audit.administered(
        session,
        actor,
        handover=giver.initials,
        to=taker.initials,
        assignments=len(rows),
        efforts=len(moved_efforts),
    )
    done.warnings.extend(capacity_warnings(session, taker, today))
    return done


def _hand_over_youth(
    session: Session,
    actor: Actor,
    youth_id: int,
    row: CoordinatorAssignment | None,
    effort_ids: list[int],
    taker: Staff,
    why: str,
) -> dict[str, Any]:
    """One youth's part of a handover (need-to-know as always), and the line that says it."""
    youth = access.require_youth(session, session.get(Youth, youth_id))
    moved = _move_assignment(session, actor, youth, row, taker, why) if row else None
    for effort_id in effort_ids:
        upd = plans.EffortUpdate(reason=why, responsible=str(taker.id))
        plans.update_effort(session, actor, effort_id, upd)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return {
        "youth_id": youth_id,
        "coordinator": moved is not None,
        "consent": moved.consent if moved else None,
        "efforts": effort_ids,
    }


def _nothing_to_hand_over(giver: Staff, chosen: set[int] | None) -> str:
    """The refusal of an empty handover, naming the youths `--youth` limited it to."""
    if not chosen:
        return _("{initials} holds nothing to hand over").format(initials=giver.initials)
    return _("{initials} holds nothing to hand over for youth {ids}").format(
        initials=giver.initials, ids=", ".join(map(str, sorted(chosen)))
    )


def _chosen_youths(session: Session, refs: list[str] | None) -> set[int] | None:
    """The youths `--youth` names (each found as anywhere: by id or CPR, need-to-know)."""
    if not refs:
        return None
    found = [youths.find(session, ref) for ref in refs]
    return {youth.id for youth in found if youth.id is not None}


def _held(
    session: Session, giver: Staff, today: dt.date, chosen: set[int] | None
) -> list[CoordinatorAssignment]:
    """The giver's open (accepted or pending) assignments, of the chosen youths if any; each
    youth's open rows are read through `open_assignments`, which refuses a back-dated change,
    and one whose new coordinator already holds it is refused (settle it first)."""
    query = select(CoordinatorAssignment.youth_id).where(
        CoordinatorAssignment.staff_id == giver.id, owners.open_assignment(today)
    )
    if chosen is not None:
        query = query.where(CoordinatorAssignment.youth_id.in_(sorted(chosen)))
    held: list[CoordinatorAssignment] = []
    for youth_id in sorted(set(session.execute(query).scalars())):
        open_rows = open_assignments(session, youth_id, today)
        held.extend(r for r in open_rows if r.staff_id == giver.id)
    return held


def _held_efforts(
    session: Session, giver: Staff, today: dt.date, chosen: set[int] | None
) -> list[Effort]:
    """The giver's efforts that have not ended (active, or planned to start later)."""
    query = select(Effort).where(
        Effort.staff_id == giver.id, or_(Effort.end_on.is_(None), Effort.end_on > today)
    )
    if chosen is not None:
        query = query.where(Effort.youth_id.in_(sorted(chosen)))
    return list(session.execute(query.order_by(Effort.youth_id, Effort.id)).scalars())


def _move_assignment(
    session: Session,
    actor: Actor,
    youth: Youth,
    row: CoordinatorAssignment,
    taker: Staff,
    why: str,
) -> CoordinatorAssignment:
    """End the giver's row today and start the taker's with the same consent."""
    today = actor.today
    others = [r for r in open_assignments(session, youth.id, today) if r is not row]
    if any(r.staff_id == taker.id for r in others):
        raise KuiError(
            _(
                "{initials} is already coordinator or proposed for youth {id}: settle "
                "it first (`kui coordinator assign` or `end`), or leave the youth out with --youth"
            ).format(initials=taker.initials, id=youth.id)
        )
    giver = _initials(session, row)
    _close(row, today, f"handed over to {taker.initials}: {why}")
    moved = CoordinatorAssignment(
        youth_id=youth.id,
        staff_id=taker.id,
        consent=row.consent,
        consent_by=row.consent_by,
        proposed_on=today,
        start_on=today if row.consent == "accepted" else None,
        recorded_by=actor.user,
        note=f"handed over from {giver}",
    )
    session.add(moved)
    session.flush()
    args = {"giver": giver, **_who(taker, row)}
    what = Phrase(HANDED_OVER[row.consent == "accepted", "consenting" in args], args)
    old, new = (giver, taker.initials) if row.consent == "accepted" else (None, None)
    changes.record(session, actor, youth.id, "coordinator", what, old=old, new=new, why=why)
    return moved
