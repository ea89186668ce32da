"""The one plan: the young person's goals and sub-goals, every department's efforts, and the
agreements of who does what by when (`agreements`).

Goals are the young person's own wishes, in their words (Lejre's dialogplan); efforts (indsatser)
belong to one department under one legislation with one responsible staff member, so the plan
gathers what used to live in several systems. Every change goes into the change log with its
reason, which feeds the plan owner's inbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain import codes, periods
from kui_cli.domain import staff as staff_domain
from kui_cli.domain.plan import agreements, changes, inbox, owners
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr, youths
from kui_cli.errors import KuiError
from kui_cli.models import Effort, Goal, Staff, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

LOG_COLUMNS = [
    "id",
    "at",
    "effective_on",
    "by",
    "kind",
    "what",
    "old",
    "new",
    "why",
    "acknowledged_at",
    "acknowledged_by",
]


def add_goal(
    session: Session,
    actor: Actor,
    youth_ref: str,
    text: str,
    *,
    reason: str,
    parent: int | None = None,
    due: dt.date | None = None,
) -> Goal:
    """Add a goal, or a sub-goal under `parent`, in the young person's own words."""
    why = changes.required_reason(reason, _("the plan changes"))
    words = cpr.refuse_in_text((text or "").strip(), _("the goal's text"))
    if not words:
        raise KuiError(_("the goal's text is required, in the young person's own words"))
    youth = youths.find(session, youth_ref)
    if parent is not None:
        above = session.get(Goal, parent)
        if above is None or above.youth_id != youth.id:
            raise KuiError(_("youth {id} has no goal {goal}").format(id=youth.id, goal=parent))
    goal = Goal(
        youth_id=youth.id,
        parent_id=parent,
        text=words,
        due=due,
        created_on=actor.today,
        created_by=actor.user,
    )
    session.add(goal)
    session.flush()
    args = {"id": goal.id, "parent": parent, "text": words, "due": due}
    what = Phrase(GOAL_ADDED[parent is not None, due is not None], args)
    changes.record(session, actor, youth.id, "goal", what, new=words, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return goal


@dataclass
class NewEffort:
    """An effort as `plan effort add` gives it; validated by `add_effort`."""

    title: str
    department: str
    legislation: str
    responsible: str
    reason: str
    start: dt.date | None = None
    end: dt.date | None = None


def add_effort(session: Session, actor: Actor, youth_ref: str, new: NewEffort) -> Effort:
    """Add an effort with its responsible staff member, who is then on the youth's case."""
    why = changes.required_reason(new.reason, _("the plan changes"))
    title, department = new.title.strip(), new.department.strip()
    if not title or not department:
        raise KuiError(_("--title and --department are required"))
    cpr.refuse_in_text(title, "--title")
    cpr.refuse_in_text(department, "--department")
    legislation = _legislation(new.legislation)
    member = _responsible(session, new.responsible)
    start = new.start or actor.today
    if new.end is not None and new.end <= start:
        raise KuiError(
            _("--end {end} must be after the start {start}").format(end=new.end, start=start)
        )
    # Checked before the youth is looked up: a join's lookup is not undone by bad input.
    joining = access.may_join(session, youth_ref, member.id)
    if joining:
        youth = youths.join_target(session, actor, youth_ref)
        joined = not access.may_see(session, youth)
    else:
        youth, joined = youths.find(session, youth_ref), False
    effort = Effort(
        youth_id=youth.id,
        title=title,
        department=department,
        legislation=legislation,
        staff_id=member.id,
        start_on=start,
        end_on=new.end,
        created_by=actor.user,
    )
    session.add(effort)
    session.flush()
    args = {
        "id": effort.id,
        "title": title,
        "legislation": legislation,
        "department": department,
        "initials": member.initials,
        "start": start,
        "end": new.end,
    }
    what = Phrase(EFFORT_ADDED[new.end is not None, joined], args)  # fmt: skip
    # A join reaches the plan owner's inbox on the real day it happens, whatever `--today`.
    on = periods.real_today() if joined else None
    changes.record(session, actor, youth.id, "effort", what, new=title, why=why, effective_on=on)
    # Joining a case by its CPR is logged as such: the DPO sees who came in on their own.
    audit.record(session, actor, "join" if joined else "update", subject=youth.subject_key)
    return effort


def _legislation(value: str) -> str:
    return codes.checked(value.strip().lower(), codes.LEGISLATIONS, "legislation")


def _responsible(session: Session, reference: str) -> Staff:
    """An effort's responsible: an active staff member (they join the youth's case)."""
    member = staff_domain.find(session, reference)
    if not member.active:
        raise KuiError(_("staff member {initials} is not active").format(initials=member.initials))
    return member


@dataclass
class EffortUpdate:
    """The changes of `plan effort update`; None means unchanged. A reason is always required."""

    reason: str
    title: str | None = None
    department: str | None = None
    legislation: str | None = None
    responsible: str | None = None
    end: dt.date | None = None


def _effort_wanted(session: Session, upd: EffortUpdate) -> dict[str, Any]:
    """The columns `upd` gives, validated and as they would be stored."""
    wanted: dict[str, Any] = cpr.changed_texts({"title": upd.title, "department": upd.department})
    if upd.legislation is not None:
        wanted["legislation"] = _legislation(upd.legislation)
    if upd.responsible is not None:
        wanted["staff_id"] = _responsible(session, upd.responsible).id
    if upd.end is not None:
        wanted["end_on"] = upd.end
    return wanted


def _shown(session: Session, column: str, value: Any) -> Any:
    """A column's value as the history says it: the responsible by initials, not their id."""
    if column != "staff_id" or value is None:
        return value
    member = session.get(Staff, value)
    return member.initials if member else value


# The history's sentences of the plan, by what varies in them.
GOAL_ADDED = {
    (False, False): mark("history", "goal {id} added: {text}"),
    (False, True): mark("history", "goal {id} added: {text} (due {due})"),
    (True, False): mark("history", "sub-goal {id} of goal {parent} added: {text}"),
    (True, True): mark("history", "sub-goal {id} of goal {parent} added: {text} (due {due})"),
}
EFFORT_ADDED = {  # (a planned end, joined the case by CPR)
    (False, False): mark("history", "effort {id} added: {title} ({legislation}, {department}; "
                         "responsible {initials}; from {start})"),
    (True, False): mark("history", "effort {id} added: {title} ({legislation}, {department}; "
                        "responsible {initials}; from {start}, ends {end})"),
    (False, True): mark("history", "effort {id} added: {title} ({legislation}, {department}; "
                        "responsible {initials}; from {start}); joined the case by CPR"),
    (True, True): mark("history", "effort {id} added: {title} ({legislation}, {department}; "
                       "responsible {initials}; from {start}, ends {end}); joined the case by CPR"),
}  # fmt: skip
EFFORT_CHANGED = {
    "title": mark("history", "effort {id} title: {old} -> {new} ({title})"),
    "department": mark("history", "effort {id} department: {old} -> {new} ({title})"),
    "legislation": mark("history", "effort {id} legislation: {old} -> {new} ({title})"),
    "staff_id": mark("history", "effort {id} responsible: {old} -> {new} ({title})"),
    "end_on": mark("history", "effort {id} planned end: {old} -> {new} ({title})"),
}
EFFORT_FIELDS = {
    "title": "title",
    "department": "department",
    "legislation": "legislation",
    "staff_id": "responsible",
    "end_on": "planned end",
}


def update_effort(session: Session, actor: Actor, effort_id: int, upd: EffortUpdate) -> list[str]:
    """Change an effort that has not ended: one change-log row per field with old and new and
    the reason (an effort change reaches the plan owner), audited. A new responsible must be
    active; a planned end must fall after the start and after today (ending it today is
    `plan effort end`). Returns the fields changed; a change to nothing new is refused."""
    why = changes.required_reason(upd.reason, _("the plan changes"))
    effort = session.get(Effort, effort_id)
    if effort is None:
        raise KuiError(_("no effort with id {id}").format(id=effort_id))
    youth = access.require_youth(session, session.get(Youth, effort.youth_id))
    if effort_state(effort, actor.today) == "ended":
        raise KuiError(
            _("effort {id} ended on {date}: it cannot be changed").format(
                id=effort_id, date=effort.end_on
            )
        )
    wanted = _effort_wanted(session, upd)
    end = wanted.get("end_on")
    if end is not None and (end <= effort.start_on or end <= actor.today):
        raise KuiError(
            _(
                "--end {end} must be after the start {start} and after today "
                "{today} (`kui plan effort end` ends it today)"
            ).format(end=end, start=effort.start_on, today=actor.today)
        )
    changed = {key: value for key, value in wanted.items() if getattr(effort, key) != value}
    if not changed:
        raise KuiError(
            _("nothing to change: effort {id} has these details already").format(id=effort_id)
        )
    for column, value in changed.items():
        old, new = _shown(session, column, getattr(effort, column)), _shown(session, column, value)
        setattr(effort, column, value)
        args = {"id": effort.id, "old": old, "new": new, "title": effort.title}
        what = Phrase(EFFORT_CHANGED[column], args)
        changes.record(session, actor, youth.id, "effort", what, old=old, new=new, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return [EFFORT_FIELDS[column] for column in changed]


def end_effort(session: Session, actor: Actor, effort_id: int, reason: str) -> Effort:
    """End an effort today; its responsible leaves the case unless they hold another task."""
    why = changes.required_reason(reason, _("the effort ends"))
    effort = session.get(Effort, effort_id)
    if effort is None:
        raise KuiError(_("no effort with id {id}").format(id=effort_id))
    youth = access.require_youth(session, session.get(Youth, effort.youth_id))
    changes.add(session, effort_ending(actor, effort, why))
    audit.record(session, actor, "update", subject=youth.subject_key)
    return effort


def effort_ending(actor: Actor, effort: Effort, why: str | Phrase) -> dict[str, Any]:
    """The rule of `end_effort` on an effort found (the status feed ends many with it, `why`
    its event's reason, which the effort's `end_reason` keeps in English): it ends today,
    unless it has ended or not begun; the change-log row that records it."""
    today = actor.today
    if effort.end_on is not None and effort.end_on <= today:
        raise KuiError(_("effort {id} ended on {date}").format(id=effort.id, date=effort.end_on))
    if today < effort.start_on:
        raise KuiError(
            _("effort {id} starts on {date}: it cannot end before").format(
                id=effort.id, date=effort.start_on
            )
        )
    old = effort.end_on
    effort.end_on, effort.end_reason = today, str(why)
    args = {"id": effort.id, "title": effort.title}
    what = Phrase(mark("history", "effort {id} ended: {title}"), args)
    return changes.row(actor, effort.youth_id, "effort", what, old=old, new=today, why=why)


def goals_of(session: Session, youth_id: int) -> list[dict[str, Any]]:
    """The goals, each followed by its sub-goals (depth first), with their level and state
    (open, achieved or dropped since `closed_on`)."""
    rows = list(
        session.execute(select(Goal).where(Goal.youth_id == youth_id).order_by(Goal.id)).scalars()
    )
    children: dict[int | None, list[Goal]] = {}
    for goal in rows:
        children.setdefault(goal.parent_id, []).append(goal)
    ordered: list[dict[str, Any]] = []

    def walk(parent: int | None, level: int) -> None:
        for goal in children.get(parent, []):
            ordered.append(
                {
                    "id": goal.id,
                    "parent": goal.parent_id,
                    "level": level,
                    "text": goal.text,
                    "due": goal.due,
                    "status": goal.status,
                    "closed_on": goal.closed_on,
                    "created_on": goal.created_on,
                    "created_by": goal.created_by,
                }
            )
            walk(goal.id, level + 1)

    walk(None, 0)
    return ordered


def effort_state(effort: Effort, today: dt.date) -> str:
    if effort.end_on is not None and effort.end_on <= today:
        return "ended"
    return "active" if effort.start_on <= today else "planned"


def efforts_of(session: Session, youth_id: int, today: dt.date) -> list[dict[str, Any]]:
    """Every effort of the plan, active and planned first, with its responsible staff member."""
    query = (
        select(Effort, Staff)
        .join(Staff, Staff.id == Effort.staff_id)
        .where(Effort.youth_id == youth_id)
        .order_by(Effort.start_on, Effort.id)
    )
    rows = [
        {
            "id": effort.id,
            "title": effort.title,
            "department": effort.department,
            "legislation": effort.legislation,
            "responsible": member.initials,
            "responsible_name": member.name,
            "responsible_role": member.role,
            "state": effort_state(effort, today),
            "start_on": effort.start_on,
            "end_on": effort.end_on,
            "end_reason": effort.end_reason,
        }
        for effort, member in session.execute(query)
    ]
    return sorted(rows, key=lambda r: r["state"] == "ended")


def overview(session: Session, youth: Youth, today: dt.date, profile: Profile) -> dict[str, Any]:
    """The whole plan of one youth as data: what `plan show` and `plan print` present."""
    assert youth.id is not None
    case = owners.case_of(session, youth, today)
    owner = case.owner
    age = ages.age_on(youth.birth_date, today)
    open_rows = (
        inbox.open_changes(session, owner.staff, {youth.id: owner.since}, today) if owner else []
    )
    coordinator = next((p for p in case.people if p.kind == owners.COORDINATOR), None)
    return {
        "youth_id": youth.id,
        "name": youth.name,
        "age": age,
        "age_group": ages.age_group(youth.birth_date, youth.status, today, profile.upper_age),
        "status": youth.status,
        "need": youth.need,
        "coordinator": coordinator.staff.initials if coordinator else None,
        "coordinator_since": coordinator.since if coordinator else None,
        "pending_coordinator": case.pending.initials if case.pending else None,
        "plan_owner": owner.staff.initials if owner else None,
        "plan_owner_name": owner.staff.name if owner else None,
        "plan_owner_since": owner.since if owner else None,
        "plan_owner_note": None if owner else owners.no_owner_reason(age),
        "goals": goals_of(session, youth.id),
        "efforts": efforts_of(session, youth.id, today),
        "agreements": agreements.of_youth(session, youth.id),
        "professionals": owners.professionals(case),
        "open_changes": [inbox.as_record(row) for row in open_rows],
    }


def coordinator_title(profile: Profile) -> str:
    """The municipality's word for the coordinator (uddannelseskoordinator, ungeguide...)."""
    return str(profile.data.get("coordinator_title") or owners.COORDINATOR)


def show(session: Session, actor: Actor, profile: Profile, youth_ref: str) -> dict[str, Any]:
    """`plan show`: the plan, the coordinator, the owner and the owner's open changes (audited)."""
    youth = youths.find(session, youth_ref)
    plan = overview(session, youth, actor.today, profile)
    audit.record(session, actor, "read", subject=youth.subject_key)
    return plan


def log(session: Session, actor: Actor, youth_ref: str) -> list[dict[str, Any]]:
    """Every change of the youth, oldest first: when, who, what (old and new), why (audited)."""
    youth = youths.find(session, youth_ref)
    rows = [
        {
            "id": row.id,
            "at": row.at,
            "effective_on": row.effective_on,
            "by": row.by,
            "kind": row.kind,
            "what": changes.said(row),
            "old": row.old_value,
            "new": row.new_value,
            "why": changes.reason(row),
            "acknowledged_at": row.acknowledged_at,
            "acknowledged_by": row.acknowledged_by,
        }
        for row in changes.for_youth(session, youth.id)
    ]
    audit.record(session, actor, "read", subject=youth.subject_key)
    return rows
