"""`kui today`: one staff member's worklist, the place a coordinator's day starts (issue 16).

The worklist gathers, for the youths the member works on (`access.works_on`, the need-to-know
rule, run in SQL and on the real date), what the other rooms already know is due: plan changes
waiting in their inbox (`inbox`), education-obligation steps (`duty`), coordinator proposals
awaiting consent (`owners.pending_assignment`), goals and agreements with a due date, efforts
they are responsible for that end, birthdays that change group or owner (`transitions`),
youths not reached for too long (`contacts`), youths reported at risk of drop-out, and the
member's meetings with which of their youths are on each agenda (`agendas.PROVIDERS`). Each
kind of item comes from one small provider; none restates a rule of its room.

Items are ordered by urgency: by due date (an item without a date, something waiting now, counts
as due today), so what is overdue comes first; within a day by kind, then youth. Each names the
command that deals with it. A youth is named by id only; the reader's document names them by
initials and age (`labels`), as agendas do, never by CPR number or name. An item holds what it
is about as data (its `facts`: dates, counts, a goal's text); the sentence a person reads is
written from them by the render layer (`render.today`), in the reader's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlmodel import Session

from kui_cli.domain.law import duty, transitions
from kui_cli.domain.meetings import agendas, teams
from kui_cli.domain.plan import agreements, contacts, goals, inbox, owners
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.protection.refusal import Refused
from kui_cli.domain.register import ages, cpr
from kui_cli.errors import KuiError
from kui_cli.models import (
    CoordinatorAssignment,
    DutyEpisode,
    Effort,
    Meeting,
    Staff,
    Team,
    TeamMember,
    Youth,
)
from kui_cli.render.i18n import _

KINDS = (
    "unacknowledged",
    "duty",
    "consent",
    "goal",
    "agreement",
    "effort-ending",
    "transition",
    "no-contact",
    "at-risk",
    "meeting",
)
DEFAULT_DAYS = 7
MAX_DAYS = 92  # a quarter: the longest cycle of a team's meetings
OVERDUE, TODAY, UPCOMING = "overdue", "today", "upcoming"


@dataclass(frozen=True)
class Item:
    """One line of the worklist: what it is about (`facts`, name and value pairs, hashable so
    the same item of several members is merged) and the command that deals with it; `who` are
    the members it is shared by in a merged worklist."""

    kind: str
    youth_id: int | None
    due: dt.date | None
    facts: tuple[tuple[str, Any], ...]
    command: str
    who: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, kind: str, youth_id: int | None, due: dt.date | None, command: str, **facts: Any
    ) -> Item:
        return cls(kind, youth_id, due, tuple(sorted(facts.items())), command)

    @property
    def about(self) -> dict[str, Any]:
        return dict(self.facts)


@dataclass(frozen=True)
class Named:
    """A youth as agendas and worklists name them: initials and age, never a name or CPR."""

    initials: str
    age: int


@dataclass(frozen=True)
class Day:
    """Whose day, on which reference date, up to which day (the horizon), and the youths they
    work on (by the need-to-know rule on the real date)."""

    session: Session
    member: Staff
    today: dt.date
    until: dt.date
    profile: Profile
    youths: frozenset[int]
    owned: dict[int, dt.date] = field(default_factory=dict)

    def mine(self, column: Any) -> ColumnElement[bool]:
        """SQL: the row is about one of the member's youths."""
        return column.in_(sorted(self.youths))


Provider = Callable[[Day], list[Item]]


def group(item: Item, today: dt.date) -> str:
    """overdue (due before today), today (due today, or waiting now: no date), upcoming."""
    if item.due is not None and item.due < today:
        return OVERDUE
    return TODAY if item.due is None or item.due == today else UPCOMING


def urgency(today: dt.date) -> Callable[[Item], tuple[Any, ...]]:
    """The sort key: due date (none: today), kind, youth, then the command (which names the
    goal, agreement or meeting)."""
    return lambda item: (
        item.due or today,
        KINDS.index(item.kind),
        item.youth_id or 0,
        item.command,
    )


# --- the providers, one per kind ---


def unacknowledged_items(day: Day) -> list[Item]:
    """Plan changes by others in the plans the member owns, not yet acknowledged (the inbox),
    one item per youth naming the changes that `plan ack` takes."""
    waiting: dict[int, list[int]] = {}
    oldest: dict[int, dt.date] = {}
    for row in inbox.open_changes(day.session, day.member, day.owned, day.today):
        assert row.id is not None
        waiting.setdefault(row.youth_id, []).append(row.id)
        oldest[row.youth_id] = min(row.effective_on, oldest.get(row.youth_id, dt.date.max))
    return [
        Item.of(
            "unacknowledged",
            youth_id,
            None,
            "kui plan ack " + " ".join(str(i) for i in ids),
            count=len(ids),
            oldest=oldest[youth_id],
        )
        for youth_id, ids in sorted(waiting.items())
    ]


def duty_items(day: Day) -> list[Item]:
    """Education-obligation steps not yet taken, overdue or due within the horizon (the steps
    `duty.overdue` would call late the day after the horizon)."""
    query = (
        select(DutyEpisode)
        .join(Youth, Youth.id == DutyEpisode.youth_id)
        .where(*duty.open_conditions(day.today), day.mine(DutyEpisode.youth_id))
    )
    found = []
    after = day.until + dt.timedelta(days=1)
    for episode in day.session.execute(query).scalars():
        for step in duty.overdue(episode, after):
            found.append(_duty_item(episode, step))
    return found


def _duty_item(episode: DutyEpisode, step: str) -> Item:
    """`step` is `contact` or `offer`."""
    out = episode.out_since
    if step == "contact":
        command = f"kui duty contact {episode.youth_id}"
        due = episode.contact_deadline
    else:
        command = f"kui duty offer {episode.youth_id} --activity TEXT"
        due = episode.offer_deadline
    return Item.of("duty", episode.youth_id, due, command, step=step, out_since=out)


def consent_items(day: Day) -> list[Item]:
    """Proposals of the member as coordinator that await the youth's consent."""
    query = (
        select(CoordinatorAssignment.youth_id, CoordinatorAssignment.proposed_on)
        .where(
            CoordinatorAssignment.staff_id == day.member.id,
            owners.pending_assignment(day.today),
            day.mine(CoordinatorAssignment.youth_id),
        )
        .order_by(CoordinatorAssignment.youth_id)
    )
    me = day.member.initials
    return [
        Item.of(
            "consent",
            youth_id,
            None,
            f"kui coordinator assign {youth_id} {me} --consent accepted|declined",
            proposed_on=proposed,
        )
        for youth_id, proposed in day.session.execute(query)
    ]


def goal_items(day: Day) -> list[Item]:
    """Open goals of the plans the member owns, past or within the horizon of their due date."""
    return [
        Item.of(
            "goal",
            goal["youth_id"],
            goal["due"],
            f"kui plan goal achieve {goal['id']} --reason TEXT",
            text=cpr.blanked(goal["text"]),
        )
        for goal in goals.goals_due(day.session, sorted(day.owned), day.until)
    ]


def agreement_items(day: Day) -> list[Item]:
    """The member's open agreements about their youths, overdue or due within the horizon."""
    assert day.member.id is not None
    return [
        Item.of(
            "agreement",
            found["youth_id"],
            found["due"],
            f"kui plan agreement done {found['id']}",
            text=cpr.blanked(found["text"]),
        )
        for found in agreements.open_for(day.session, day.member.id, day.until)
        if found["youth_id"] in day.youths
    ]


def effort_items(day: Day) -> list[Item]:
    """Active efforts the member is responsible for that end within the horizon (`end_on` is
    the first day without the effort)."""
    query = select(Effort.id, Effort.youth_id, Effort.end_on, Effort.title).where(
        Effort.staff_id == day.member.id,
        owners.active_effort(day.today),
        Effort.end_on <= day.until,
        day.mine(Effort.youth_id),
    )
    return [
        Item.of(
            "effort-ending",
            youth_id,
            end_on,
            f"kui plan effort update {effort_id} --end DATE --reason TEXT",
            title=cpr.blanked(title),
            end_on=end_on,
        )
        for effort_id, youth_id, end_on, title in day.session.execute(query)
    ]


def transition_items(day: Day) -> list[Item]:
    """The member's youths who turn 18, 25 or the upper age within the horizon."""
    found = transitions.between(
        day.session,
        day.today,
        day.until,
        day.profile.upper_age,
        where=[day.mine(Youth.id)],
    )
    return [_transition_item(t) for t in found]


def _transition_item(found: transitions.Transition) -> Item:
    """The transition's kind and age, and the teams when the youth is handed over."""
    handed_over = bool(found.to_team and found.to_team != found.from_team)
    if handed_over:
        command = f"kui agenda add {found.youth_id} --team {found.to_team} --reason TEXT"
    elif found.kind == transitions.LEAVES_KUI:
        command = f"kui coordinator end {found.youth_id} --reason TEXT"
    else:
        command = f"kui plan show {found.youth_id}"
    teams_of = {"from_team": found.from_team, "to_team": found.to_team} if handed_over else {}
    return Item.of(
        "transition",
        found.youth_id,
        found.date,
        command,
        transition=found.kind,
        age=found.age,
        **teams_of,
    )


def no_contact_items(day: Day) -> list[Item]:
    """The member's youths not reached for the profile's `followup.no_contact_days` (the rule
    of `contacts`); due the day the limit was reached, the longest without contact first."""
    days = contacts.limit(day.profile)
    since = contacts.counted_from(day.today)
    query = select(Youth.id, contacts.last_reached_day(day.today), since).where(
        contacts.without_contact_since(day.today, days), day.mine(Youth.id)
    )
    return [
        Item.of(
            "no-contact",
            youth_id,
            start + dt.timedelta(days=days),
            f"kui contact add {youth_id} --channel phone --reached yes|no",
            **agendas.no_contact_facts(last, start, day.today),  # the agenda's facts
        )
        for youth_id, last, start in day.session.execute(query)
    ]


def at_risk_items(day: Day) -> list[Item]:
    """The member's youths reported at risk of dropping out by today, with no newer status
    (the status feed's `at-risk`, as the agenda's `at-risk` item)."""
    query = select(Youth.id, Youth.at_risk_since).where(
        Youth.at_risk_since <= day.today, day.mine(Youth.id)
    )
    return [
        Item.of(
            "at-risk",
            youth_id,
            None,
            f"kui contact add {youth_id} --channel phone --reached yes|no",
            since=since,
        )
        for youth_id, since in day.session.execute(query)
    ]


def meeting_items(day: Day) -> list[Item]:
    """The member's teams' meetings from today to the horizon (not cancelled), each with the
    member's youths on its agenda (the agenda's own providers, among the member's youths)."""
    start = dt.datetime.combine(day.today, dt.time.min)
    end = dt.datetime.combine(day.until, dt.time.max)
    query = (
        select(Meeting, Team)
        .join(Team, Team.id == Meeting.team_id)
        .join(TeamMember, TeamMember.team_id == Meeting.team_id)
        .where(
            TeamMember.staff_id == day.member.id,
            Meeting.starts_at >= start,
            Meeting.starts_at <= end,
            Meeting.status != "cancelled",
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return [
        Item.of(
            "meeting",
            None,
            meeting.starts_at.date(),
            f"kui agenda show --meeting {meeting.id}",
            team=cpr.blanked(team.name),
            starts_at=meeting.starts_at,
            ends_at=meeting.ends_at,
            youths=tuple(_on_agenda(day, meeting, team)),
        )
        for meeting, team in day.session.execute(query).all()
    ]


def _on_agenda(day: Day, meeting: Meeting, team: Team) -> list[int]:
    """The member's youths among the items of the meeting's agenda, in the agenda's order."""
    if not day.youths:
        return []
    sees = day.mine(Youth.id)
    ctx = agendas.Context(
        day.session, meeting, team, day.profile, day.today, teams.rules_of(team), sees
    )
    items: list[agendas.Item] = []
    for provider in agendas.PROVIDERS:
        items += provider(ctx, items)
    ids = (item.youth_id for item in items if item.youth_id in day.youths)
    return list(dict.fromkeys(ids))


PROVIDERS: list[Provider] = [
    unacknowledged_items,
    duty_items,
    consent_items,
    goal_items,
    agreement_items,
    effort_items,
    transition_items,
    no_contact_items,
    at_risk_items,
    meeting_items,
]


# --- one member's day, and whose days are asked for ---


def items_of(
    session: Session, member: Staff, today: dt.date, days: int, profile: Profile
) -> list[Item]:
    """The member's worklist on `today` with a horizon of `days`, in order of urgency. The
    youths are those the member works on, by the access rule on the real date."""
    assert member.id is not None
    real_day = access.established(session).real_day
    youths = frozenset(
        session.execute(access.works_on(member.id, member.initials, real_day)).scalars()
    )
    owned = inbox.owned_plans(session, member, today) if youths else {}
    until = today + dt.timedelta(days=days)
    day = Day(session, member, today, until, profile, youths, owned)
    found = [item for provider in PROVIDERS for item in provider(day)]
    return sorted(found, key=urgency(today))


def check_days(days: int) -> int:
    if not 0 <= days <= MAX_DAYS:
        raise KuiError(_("--days must be 0-{max}, got {days}").format(max=MAX_DAYS, days=days))
    return days


@dataclass
class Worklist:
    """What `kui today` shows: the items, whose they are, and the youths they name."""

    today: dt.date
    days: int
    items: list[Item]
    labels: dict[int, Named]
    whose: str  # a member's initials, a team's slug, or "" for everyone
    scope: str = "member"  # "member", "team" or "all": the render layer words it


def worklist(
    session: Session,
    actor: Actor,
    profile: Profile,
    days: int,
    team: str | None = None,
    everyone: bool = False,
) -> Worklist:
    """The acting user's worklist, or (a see-all role only) the worklists of a team's members
    or of every active staff member, merged: an item shared by several members (a meeting of
    their team, a youth on both their cases) is listed once, with their initials. Audited as
    one listing with its filter."""
    check_days(days)
    if team and everyone:
        raise KuiError(_("give --team TEAM or --all, not both"))
    members, scope, whose = _members(session, actor, team, everyone)
    if team or everyone:
        found = _merged(session, members, actor.today, days, profile)
    else:
        found = items_of(session, members[0], actor.today, days, profile)
    asked = {"member": whose, "team": f"team {whose}", "all": "all"}[scope]
    audit.record(session, actor, "list", filters={"today": asked, "days": days}, rows=len(found))
    named_youths = labels(session, named(found), actor.today)
    return Worklist(actor.today, days, found, named_youths, whose, scope)


def _members(
    session: Session, actor: Actor, team: str | None, everyone: bool
) -> tuple[list[Staff], str, str]:
    """The members whose days are asked for, the scope ("member", "team", "all") and the
    member's initials or the team's slug."""
    granted = access.established(session)
    if (team or everyone) and not granted.see_all:
        raise Refused(
            _(
                "`kui today --team/--all` shows other staff members' youths: only the roles in "
                "privacy.see_all_roles may ask for it ({initials} may not)"
            ).format(initials=granted.initials),
            "see-all-only",
        )
    if team:
        found = teams.find(session, team)
        assert found.id is not None
        members = [m for m, _ad_hoc in teams.members_of(session, [found.id])[found.id] if m.active]
        return members, "team", found.slug
    if everyone:
        return active_staff(session), "all", ""
    me = session.get(Staff, granted.staff_id)
    if me is None:
        raise KuiError(
            _("the acting user {user} is not a staff member").format(user=repr(actor.user))
        )
    return [me], "member", me.initials


def active_staff(session: Session) -> list[Staff]:
    """Every active staff member with a caseload to have (not a scheduled job's account)."""
    from kui_cli.domain import codes

    query = (
        select(Staff)
        .where(Staff.active.is_(True), Staff.role != codes.SYSTEM_ROLE)
        .order_by(Staff.initials)
    )
    return list(session.execute(query).scalars())


def _merged(
    session: Session, members: list[Staff], today: dt.date, days: int, profile: Profile
) -> list[Item]:
    whose: dict[Item, list[str]] = {}
    for member in members:
        for item in items_of(session, member, today, days, profile):
            whose.setdefault(item, []).append(member.initials)
    merged = [replace(item, who=tuple(who)) for item, who in whose.items()]
    return sorted(merged, key=urgency(today))


def named(items: list[Item]) -> set[int]:
    """The youths the items name: their own, and those on a meeting's agenda."""
    ids = {item.youth_id for item in items if item.youth_id is not None}
    for item in items:
        ids.update(item.about.get("youths", ()))
    return ids


def labels(session: Session, ids: set[int], today: dt.date) -> dict[int, Named]:
    """Each youth as agendas name them: initials and age on `today` (and the id, the key)."""
    if not ids:
        return {}
    query = select(Youth.id, Youth.name, Youth.birth_date).where(Youth.id.in_(sorted(ids)))
    return {
        youth_id: Named(agendas.initials(name), ages.age_on(born, today))
        for youth_id, name, born in session.execute(query)
    }
