"""Referrals (indstillinger) of youths to a team's meeting, and the team's decisions.

A referral lands on the team's next meeting that is not past on `--today` (or on a chosen one).
The team's target group and the profile's preconditions (Ishøj's leader sparring: only a leader
puts a case on, after the worker has consulted colleagues and their own leader) are checked here.
A referral stays open until the team decides; an open referral makes the youth a KUI youth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain import codes, staff
from kui_cli.domain.meetings import meetings, teams
from kui_cli.domain.plan import changes, coordinators
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr, youths
from kui_cli.errors import KuiError
from kui_cli.models import Meeting, Referral, Team, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark


@dataclass
class NewReferral:
    youth: str
    team: str
    reason: str
    meeting_id: int | None = None
    leader: str | None = None
    consulted: bool = False


def add(session: Session, actor: Actor, profile: Profile, new: NewReferral) -> Referral:
    """Put a youth on a team's agenda, with the reason and who referred them."""
    youth = youths.find(session, new.youth)
    team = teams.find(session, new.team)
    reason = cpr.refuse_in_text((new.reason or "").strip(), "--reason")
    if not reason:
        raise KuiError(_("--reason is required: say why the team should discuss the youth"))
    rules = teams.rules_of(team).get("referrals", {})
    if not rules.get("allowed", True):
        raise KuiError(
            _("{team} ({name}) takes no referrals of youths").format(team=team.slug, name=team.name)
        )
    target = teams.Target.of(team)
    if not target.matches(youth, actor.today, profile.upper_age):
        raise KuiError(_outside(youth, team, target, actor.today, profile.upper_age))
    leader_id = _preconditions(session, team, rules, new)
    _refuse_duplicate(session, youth, team)
    meeting = _meeting_for(session, actor, team, new.meeting_id)
    referral = Referral(
        youth_id=youth.id,
        team_id=team.id,
        meeting_id=meeting.id,
        reason=reason,
        referred_by=actor.user,
        referred_on=actor.today,
        leader_id=leader_id,
        consulted=new.consulted,
    )
    session.add(referral)
    session.flush()
    assert youth.id is not None
    what = Phrase(
        mark("history", "referred to {team} (meeting {meeting} on {on})"),
        {"team": team.name, "meeting": meeting.id, "on": f"{meeting.starts_at:%Y-%m-%d %H:%M}"},
    )
    changes.record(session, actor, youth.id, "referral", what, new=team.slug, why=reason)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return referral


def _outside(youth: Youth, team: Team, target: teams.Target, today: dt.date, upper: int) -> str:
    group = ages.age_group(youth.birth_date, youth.status, today, upper)
    return _(
        "youth {id} is outside {team}'s target group ({target}): "
        "age group {group}, need {need}, status {status}"
    ).format(
        id=youth.id,
        team=team.slug,
        target=target.describe(),
        group=group if group is not None else _("none (outside KUI)"),
        need=youth.need,
        status=youth.status,
    )


def _preconditions(session: Session, team: Team, rules: dict, new: NewReferral) -> int | None:
    """Ishøj's leader sparring: `--leader` (a staff member with role leader) and `--consulted`."""
    missing = []
    if rules.get("leader") and not new.leader:
        missing.append(_("--leader STAFF (the leader who puts the case on)"))
    if rules.get("consulted") and not new.consulted:
        missing.append(_("--consulted (discussed with colleagues and with your own leader)"))
    if missing:
        raise KuiError(
            _("{team} takes a case only with {missing}").format(
                team=team.slug, missing=_(" and ").join(missing)
            )
        )
    if not new.leader:
        return None
    leader = staff.find(session, new.leader)
    if leader.role != "leader":
        raise KuiError(
            _("--leader {initials} has role {role}, not leader").format(
                initials=leader.initials, role=leader.role
            )
        )
    return leader.id


def _refuse_duplicate(session: Session, youth: Youth, team: Team) -> None:
    query = select(Referral.id, Referral.meeting_id).where(
        Referral.youth_id == youth.id, Referral.team_id == team.id, Referral.decided_on.is_(None)
    )
    found = session.execute(query).first()
    if found:
        raise KuiError(
            _(
                "youth {id} is already referred to {team} "
                "(item {item}, meeting {meeting}) and awaits a decision"
            ).format(id=youth.id, team=team.slug, item=found.id, meeting=found.meeting_id)
        )


def _meeting_for(session: Session, actor: Actor, team: Team, meeting_id: int | None) -> Meeting:
    if meeting_id is None:
        return meetings.next_meeting(session, actor, team)
    meeting = meetings.find(session, meeting_id)
    if meeting.team_id != team.id:
        raise KuiError(
            _("meeting {id} is not a meeting of {team}").format(id=meeting.id, team=team.slug)
        )
    if meeting.status == "cancelled":
        raise KuiError(_("meeting {id} is cancelled").format(id=meeting.id))
    if meeting.starts_at.date() < actor.today:
        raise KuiError(
            _("meeting {id} was on {date}: it is past").format(
                id=meeting.id, date=f"{meeting.starts_at:%Y-%m-%d}"
            )
        )
    return meeting


def find(session: Session, item_id: int | str) -> Referral:
    referral = session.get(Referral, int(item_id)) if str(item_id).isdigit() else None
    if referral is None:
        raise KuiError(
            _("no agenda item {id} (give the id of a referral or carried-over item)").format(
                id=item_id
            )
        )
    return referral


# --- decisions ---


@dataclass
class Decision:
    """What the team decided on an item; a coordinator's consent defaults to pending (the young
    person is asked after the meeting: the arrangement is voluntary)."""

    outcome: str
    need: str | None = None
    coordinator: str | None = None
    consent: str = "pending"


# One small function per consequence of a decision; each applies it through the rules that own
# it and returns a line for the minutes (or None).
DecisionEffect = Callable[[Session, Actor, Referral, Youth, Decision], str | None]


def _need_effect(
    session: Session, actor: Actor, referral: Referral, youth: Youth, decision: Decision
) -> str | None:
    """A need set by the team goes through `youths.update`: change log and audit as always."""
    if decision.need is None:
        return None
    need = codes.need(decision.need)
    if need == youth.need:
        return f"Behov fastholdt: {need} ({codes.NEEDS[need]})"
    old = youth.need
    why = f"teamets beslutning (punkt {referral.id})"
    youths.update(session, actor, str(youth.id), youths.YouthUpdate(reason=why, need=need))
    return f"Behov ændret fra {old} til {need} ({codes.NEEDS[need]})"


CONSENT_TEXT = {
    "accepted": "den unge har sagt ja",
    "pending": "den unge spørges efter mødet",
    "declined": "den unge har takket nej; ingen koordinator",
}


def _coordinator_effect(
    session: Session, actor: Actor, referral: Referral, youth: Youth, decision: Decision
) -> str | None:
    """A coordinator chosen by the team goes through the coordinator rules (consent, capacity,
    one at a time) and their change log."""
    if decision.coordinator is None:
        return None
    note = f"teamets beslutning (punkt {referral.id})"
    done = coordinators.assign(
        session, actor, str(youth.id), decision.coordinator, decision.consent, note=note
    )
    consent = done.assignment.consent
    return f"Koordinator: {done.staff.initials} ({CONSENT_TEXT[consent]})"


DECISION_EFFECTS: list[DecisionEffect] = [_need_effect, _coordinator_effect]


def decide(session: Session, actor: Actor, item_id: int | str, decision: Decision) -> Referral:
    """Record the team's decision on a referral (or a carried-over one) at or after its meeting."""
    referral = find(session, item_id)
    access.require_youth(session, session.get(Youth, referral.youth_id))
    if referral.decided_on is not None:
        raise KuiError(
            _("item {id} was decided on {date} already").format(
                id=referral.id, date=referral.decided_on
            )
        )
    meeting = session.get(Meeting, referral.meeting_id) if referral.meeting_id else None
    if meeting is not None and meeting.starts_at.date() > actor.today:
        raise KuiError(
            _("item {id} is on the meeting of {date}: decide it at or after the meeting").format(
                id=referral.id, date=f"{meeting.starts_at:%Y-%m-%d}"
            )
        )
    outcome = cpr.refuse_in_text((decision.outcome or "").strip(), "--outcome")
    if not outcome:
        raise KuiError(_("--outcome is required: write what the team decided"))
    youth = session.get(Youth, referral.youth_id)
    team = session.get(Team, referral.team_id)
    assert youth is not None and youth.id is not None and team is not None
    notes = [effect(session, actor, referral, youth, decision) for effect in DECISION_EFFECTS]
    referral.outcome = "\n".join([outcome, *(note for note in notes if note)])
    referral.decided_on, referral.decided_by = actor.today, actor.user
    what = Phrase(
        mark("history", "{team} decided on item {id}: {outcome}"),
        {"team": team.name, "id": referral.id, "outcome": outcome},
    )
    changes.record(session, actor, youth.id, "decision", what, new=team.slug, why=referral.reason)
    audit.record(session, actor, "update", subject=youth.subject_key)
    session.flush()
    return referral


# --- withdrawal ---


def withdraw(session: Session, actor: Actor, item_id: int | str, reason: str) -> Referral:
    """Take a referral off before its meeting: the referral row goes, and the youth's history
    keeps both the referral and its withdrawal with the reason (kind `referral`, a plan change,
    so the plan owner learns of it). The row is not kept with a "withdrawn" outcome: `decided_on`
    is what the reports count as a team's decision (`referrals_per_team`'s handled, the youth's
    team by their last decision) and what the minutes show, and no team decided anything.

    The meeting's day is the line, as for `decide` (at or after it): before it the item may be
    withdrawn, from it on it is the team's to decide, and a carried-over item too."""
    why = changes.required_reason(reason, _("the referral is withdrawn"))
    referral = find(session, item_id)
    youth = access.require_youth(session, session.get(Youth, referral.youth_id))
    if referral.decided_on is not None:
        raise KuiError(
            _("item {id} was decided on {date}: it stays").format(
                id=referral.id, date=referral.decided_on
            )
        )
    meeting = session.get(Meeting, referral.meeting_id) if referral.meeting_id else None
    held = meeting is not None and meeting.status != "cancelled"
    if meeting is not None and held and meeting.starts_at.date() <= actor.today:
        raise KuiError(
            _(
                "item {id} is on the meeting of {date}, which has come: "
                "the team decides it (`kui agenda decide`)"
            ).format(id=referral.id, date=f"{meeting.starts_at:%Y-%m-%d}")
        )
    team = session.get(Team, referral.team_id)
    assert youth.id is not None and team is not None
    session.delete(referral)
    session.flush()
    args: dict[str, object] = {"team": team.name, "id": referral.id}
    if meeting is None:
        what = Phrase(mark("history", "referral to {team} withdrawn (item {id})"), args)
    else:
        args.update(meeting=meeting.id, on=f"{meeting.starts_at:%Y-%m-%d}")
        what = Phrase(
            mark("history", "referral to {team} withdrawn (item {id}, meeting {meeting} on {on})"),
            args,
        )
    changes.record(session, actor, youth.id, "referral", what, old=team.slug, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return referral
