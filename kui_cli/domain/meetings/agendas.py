"""The agenda (dagsorden) and minutes (referat) of a meeting, built from the database.

Each kind of item comes from one small provider function; `PROVIDERS` lists them in the order
the agenda prints them (CLI.md): fixed, referral, handover, overdue, at-risk, no-contact,
unacknowledged, carried-over.
A provider gets the context and the items made so far (the unacknowledged plan changes are those
of the youths already on the agenda) and returns its items, naming youths by id only. The youths
are then looked up once for all items: initials and age on the meeting day, the full name only
for the chair's own copy (`--names`), never the CPR number. Every youth shown is audited.

The team's agenda, the one circulated to its members (`agenda generate`), holds what every member
may see: the fixed items, the youths with an open referral to the team (`access.referred_to`)
and the automatic items about them. A reader who may see more youths of the team's target group
(a coordinator of their own youths, a see-all leader) also gets the automatic items about those,
marked `circulated: false`: theirs to act on, or to refer. A reader who may not see some of the
team's items is told how many are left out (`hidden`), never shown a silently shorter agenda.
Items are known by their own number, the same for every reader: the referral id, which
`agenda decide` takes, and the youth's id. An automatic item holds what it is about as data
(`facts`: dates, counts, teams); its sentence is written by the render layer (`render.agenda`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlmodel import Session

from kui_cli.domain.law import duty, transitions
from kui_cli.domain.meetings import meetings, teams
from kui_cli.domain.plan import contacts, inbox, owners
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import access, audit, row_security
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr
from kui_cli.errors import KuiError
from kui_cli.models import DutyEpisode, Meeting, Referral, Staff, Team, Youth
from kui_cli.render.i18n import _

KINDS = (
    "fixed",
    "referral",
    "handover",
    "overdue",
    "at-risk",
    "no-contact",
    "unacknowledged",
    "carried-over",
)


@dataclass
class Item:
    """One agenda item. `id` is the referral id for the items `agenda decide` takes; `text` is
    the free text of a fixed item or a referral's reason, `facts` what an automatic item is
    about."""

    kind: str
    text: str | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    youth_id: int | None = None
    referred_by: str | None = None
    referred_on: dt.date | None = None
    leader: str | None = None
    from_meeting: dt.date | None = None
    outcome: str | None = None
    decided_on: dt.date | None = None


@dataclass
class Context:
    """What a provider may use: the meeting, its team, the profile and the reference date.
    `sees` is SQL on `youth`: the youths the automatic items are looked for among (by default
    those the acting user may see)."""

    session: Session
    meeting: Meeting
    team: Team
    profile: Profile
    today: dt.date
    rules: dict[str, Any] = field(default_factory=dict)
    sees: ColumnElement[bool] | None = None

    @property
    def day(self) -> dt.date:
        return self.meeting.starts_at.date()

    def target_condition(self) -> Any:
        """SQL on `youth`: the team's target group on the meeting day (for automatic items)."""
        return teams.Target.of(self.team).condition(self.day, self.profile.upper_age)

    def automatic_condition(self) -> list[Any]:
        """SQL on `youth` for the automatic items: the team's target group, of the youths in
        `sees`. Need to know is applied in the query, not after it: a team member reads only
        their own youths and the team's, never the whole register's group (at national scale
        that is thousands of rows read to be thrown away)."""
        sees = self.sees if self.sees is not None else access.condition(self.session)
        return [self.target_condition(), sees]


Provider = Callable[[Context, list[Item]], list[Item]]


def fixed_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """The profile's fixed items, e.g. Ishøj café's "Nyt fra Centrene"."""
    return [Item(kind="fixed", text=text) for text in ctx.rules.get("fixed_items", [])]


def referral_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """Youths referred to this meeting, with reason, referrer and (Ishøj) the leader."""
    query = _referrals().where(Referral.meeting_id == ctx.meeting.id).order_by(Referral.id)
    return [_referral_item("referral", row) for row in ctx.session.execute(query).all()]


def carried_over_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """Referrals of earlier meetings that had no decision before this meeting."""
    query = (
        _referrals()
        .where(
            Referral.team_id == ctx.team.id,
            Meeting.starts_at < ctx.meeting.starts_at,
            or_(Referral.decided_on.is_(None), Referral.decided_on >= ctx.day),
        )
        .order_by(Meeting.starts_at, Referral.id)
    )
    return [_referral_item("carried-over", row) for row in ctx.session.execute(query).all()]


def handover_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """Youths of the team's group who turn 18 within the profile's horizon: the team 2 to team 3
    handover is planned before the birthday, so nobody is lost between two chairs."""
    horizon = dt.timedelta(days=ctx.profile.value("agenda.handover_days"))
    found = transitions.between(
        ctx.session,
        ctx.day,
        ctx.day + horizon,
        ctx.profile.upper_age,
        where=ctx.automatic_condition(),
        kinds=(transitions.TURNS_18,),
    )
    return [Item(kind="handover", facts=_handover_facts(t), youth_id=t.youth_id) for t in found]


def _handover_facts(found: transitions.Transition) -> dict[str, Any]:
    """The birthday, and the teams when the youth is handed over to another."""
    facts: dict[str, Any] = {"date": found.date}
    if found.to_team and found.to_team != found.from_team:
        facts.update(from_team=found.from_team, to_team=found.to_team)
    return facts


def overdue_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """Youths of the team's group with an education-obligation deadline that has passed (judged on
    the meeting day, or today for a meeting still to come: what is late now, not a forecast)."""
    day = min(ctx.day, ctx.today)
    query = (
        select(DutyEpisode)
        .join(Youth, Youth.id == DutyEpisode.youth_id)
        .where(*duty.open_conditions(day), duty.is_overdue(day), *ctx.automatic_condition())
        .order_by(DutyEpisode.contact_deadline, DutyEpisode.id)
    )
    return [
        Item(
            kind="overdue",
            facts={
                "out_since": episode.out_since,
                # the steps missed (`contact`, `offer`), each with its deadline
                "missed": {
                    step: getattr(episode, f"{step}_deadline")
                    for step in duty.overdue(episode, day)
                },
            },
            youth_id=episode.youth_id,
        )
        for episode in ctx.session.execute(query).scalars()
    ]


def at_risk_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """Youths of the team's group reported at risk of dropping out (the status feed's
    `at-risk`, issue 18) by the meeting day, and with no newer status since: the team can act
    before the drop-out."""
    day = min(ctx.day, ctx.today)
    query = (
        select(Youth.id, Youth.at_risk_since)
        .where(Youth.at_risk_since <= day, *ctx.automatic_condition())
        .order_by(Youth.at_risk_since, Youth.id)
    )
    return [
        Item(
            kind="at-risk",
            facts={"since": since},
            youth_id=youth_id,
        )
        for youth_id, since in ctx.session.execute(query)
    ]


def no_contact_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """Youths of the team's group not reached for the profile's `followup.no_contact_days` by
    the meeting day (or today, for a meeting to come): the outreach the team should take up.
    The longest without contact first."""
    day = min(ctx.day, ctx.today)
    days = contacts.limit(ctx.profile)
    since = contacts.counted_from(day)
    query = (
        select(Youth.id, contacts.last_reached_day(day), since)
        .where(contacts.without_contact_since(day, days), *ctx.automatic_condition())
        .order_by(since, Youth.id)
    )
    return [
        Item(kind="no-contact", facts=no_contact_facts(last, start, day), youth_id=youth_id)
        for youth_id, last, start in ctx.session.execute(query)
    ]


def no_contact_facts(last: dt.date | None, start: dt.date, day: dt.date) -> dict[str, Any]:
    """Days without contact on `day`, counted from `start`: the last day the youth was reached
    (`last_reached`), or their registration when they never were (`last_reached` None)."""
    return {"days": (day - start).days, "last_reached": last, "counted_from": start}


def unacknowledged_items(ctx: Context, so_far: list[Item]) -> list[Item]:
    """For the youths already on the agenda: plan changes their plan owner has not acknowledged
    (the owner's inbox, issue 4), so the team sees that the plan owner is behind."""
    ids = sorted({item.youth_id for item in so_far if item.youth_id is not None})
    if not ids:
        return []
    youths = ctx.session.execute(select(Youth).where(Youth.id.in_(ids))).scalars()
    owner_of = {
        youth_id: (case.owner.staff.initials, case.owner.since)
        for youth_id, case in owners.cases(ctx.session, youths, ctx.today).items()
        if case.owner is not None
    }
    items = []
    waiting = inbox.open_counts(ctx.session, owner_of, ctx.today)
    for youth_id, (count, oldest) in sorted(waiting.items()):
        facts = {"count": count, "owner": owner_of[youth_id][0], "oldest": oldest}
        items.append(Item(kind="unacknowledged", facts=facts, youth_id=youth_id))
    return items


# The agenda's items in print order (CLI.md).
PROVIDERS: list[Provider] = [
    fixed_items,
    referral_items,
    handover_items,
    overdue_items,
    at_risk_items,
    no_contact_items,
    unacknowledged_items,
    carried_over_items,
]


def _referrals() -> Any:
    return (
        select(Referral, Meeting.starts_at, Staff.initials)
        .join(Meeting, Meeting.id == Referral.meeting_id)
        .outerjoin(Staff, Staff.id == Referral.leader_id)
    )


def _referral_item(kind: str, row: Any) -> Item:
    referral, meeting_start, leader = row
    return Item(
        kind=kind,
        text=referral.reason,
        id=referral.id,
        youth_id=referral.youth_id,
        referred_by=referral.referred_by,
        referred_on=referral.referred_on,
        leader=leader,
        from_meeting=meeting_start.date() if kind == "carried-over" else None,
        outcome=referral.outcome,
        decided_on=referral.decided_on,
    )


# --- the document ---


@dataclass(frozen=True)
class Options:
    """How a document is made: minutes add the decisions; names only for the chair's copy;
    `circulated` is the team's agenda as it goes to every member, whoever makes it."""

    names: bool = False
    minutes: bool = False
    action: str = "read"
    circulated: bool = False


@dataclass(frozen=True)
class Composed:
    """A document as built, before it is audited: the keys of the youths it shows, whose
    entries `record` writes (`agenda generate` builds in a read and records afterwards)."""

    doc: dict[str, Any]
    meeting_id: int
    options: Options
    subjects: list[str]


def build(
    session: Session, actor: Actor, profile: Profile, meeting: Meeting, options: Options
) -> dict[str, Any]:
    """`{"meeting": {...}, "items": [...], "hidden": N}`: the agenda (or minutes) of one meeting,
    audited. `hidden` counts the team's items about youths this reader may not see (None when
    the database hides them from kui too: a staff login on PostgreSQL)."""
    composed = compose(session, actor, profile, meeting, options)
    record(session, actor, composed)
    return composed.doc


# Audit entries per write transaction when `agenda generate` logs an agenda: each holds the
# write lock for a fraction of a second, and other commands get in between.
ENTRIES_PER_TRANSACTION = 500


def batches(composed: Composed) -> list[Composed]:
    """The document's audit entries in parts of at most ENTRIES_PER_TRANSACTION, each to be
    recorded (`record`) and committed on its own; none for a document without youths."""
    size, subjects = ENTRIES_PER_TRANSACTION, composed.subjects
    starts = range(0, len(subjects), size)
    return [replace(composed, subjects=subjects[i : i + size]) for i in starts]


def record(session: Session, actor: Actor, composed: Composed) -> None:
    """The audit entries of a document: one per youth it shows, written in one flush."""
    filters = {"meeting": composed.meeting_id, "names": composed.options.names}
    audit.record_many(session, actor, composed.options.action, composed.subjects, filters)


def compose(
    session: Session, actor: Actor, profile: Profile, meeting: Meeting, options: Options
) -> Composed:
    """The document of `build`, not yet audited: it reads and writes nothing."""
    if options.names:
        access.require_reveal(session, _("--names (full names on an agenda)"))
    team = session.get(Team, meeting.team_id)
    assert team is not None and team.id is not None
    team_sees = access.referred_to(team.id)
    reader = team_sees if options.circulated else access.condition(session)
    sees = reader if options.circulated else access.condition_or_referred(session, team.id)
    ctx = Context(session, meeting, team, profile, actor.today, teams.rules_of(team), sees)
    items: list[Item] = []
    for provider in PROVIDERS:
        items += provider(ctx, items)
    decided_until = _decisions_until(session, meeting) if options.minutes else None
    youth_of = _youths(session, {i.youth_id for i in items if i.youth_id is not None}, reader)
    circulated = _ids(session, set(youth_of), team_sees)
    # Need to know: an item about a youth the reader may not see is left out, and counted.
    shown = [i for i in items if i.youth_id is None or i.youth_id in youth_of]
    hidden = len(items) - len(shown) if _countable(session, team) else None
    rows = [_row(item, youth_of, circulated, ctx.day, options, decided_until) for item in shown]
    doc = {"meeting": _meeting_record(session, meeting, team), "items": rows, "hidden": hidden}
    assert meeting.id is not None
    return Composed(doc, meeting.id, options, [y.subject_key for y in youth_of.values()])


def _countable(session: Session, team: Team) -> bool:
    """Whether kui can count the team's items the reader may not see. A staff login on
    PostgreSQL is shown only its own youths by the database itself, so kui cannot count the
    rest, unless the login sees every youth or is a member of the team (every referred youth)."""
    found = access.current(session)
    if not row_security.staff_login(session) or found is None or found.see_all:
        return True
    assert team.id is not None
    members = teams.members_of(session, [team.id])[team.id]
    return any(member.id == found.staff_id for member, _ad_hoc in members)


def _decisions_until(session: Session, meeting: Meeting) -> dt.date | None:
    """Decisions recorded from this meeting's day until the team's next meeting belong to it."""
    following = meetings.following_meeting(session, meeting)
    return following.starts_at.date() if following else None


def _youths(session: Session, ids: set[int], sees: ColumnElement[bool]) -> dict[int, Youth]:
    if not ids:
        return {}
    query = select(Youth).where(Youth.id.in_(ids), sees)
    found = session.execute(query).scalars()
    return {youth.id: youth for youth in found if youth.id is not None}


def _ids(session: Session, ids: set[int], sees: ColumnElement[bool]) -> set[int]:
    if not ids:
        return set()
    return set(session.execute(select(Youth.id).where(Youth.id.in_(ids), sees)).scalars())


def initials(name: str) -> str:
    """Initials, "Ida Marie Jensen-Holm" -> "IMJH": enough for the team, not a name to circulate."""
    return "".join(part[0].upper() for part in re.split(r"[\s\-]+", name.strip()) if part)


def _row(
    item: Item,
    youth_of: dict[int, Youth],
    circulated: set[int],
    day: dt.date,
    options: Options,
    decided_until: dt.date | None,
) -> dict[str, Any]:
    youth = youth_of.get(item.youth_id) if item.youth_id is not None else None
    row: dict[str, Any] = {
        "id": item.id,
        "kind": item.kind,
        "text": cpr.blanked(item.text) if item.text is not None else None,
        "facts": item.facts,
        "youth_id": item.youth_id,
        "initials": initials(youth.name) if youth else None,
        "age": ages.age_on(youth.birth_date, day) if youth else None,
        # The team's own items: the fixed ones, the referrals, and those about referred youths.
        "circulated": item.youth_id is None or item.id is not None or item.youth_id in circulated,
    }
    if options.names:
        row["name"] = cpr.blanked(youth.name) if youth else None
    row.update(
        referred_by=item.referred_by,
        referred_on=item.referred_on,
        leader=item.leader,
        from_meeting=item.from_meeting,
    )
    if options.minutes and item.id is not None:
        decided_here = item.decided_on is not None and item.decided_on >= day
        if decided_here and decided_until is not None:
            decided_here = item.decided_on < decided_until  # type: ignore[operator]
        row["outcome"] = cpr.blanked(item.outcome) if decided_here else None
        row["decided_on"] = item.decided_on if decided_here else None
    return row


def _meeting_record(session: Session, meeting: Meeting, team: Team) -> dict[str, Any]:
    record = meetings.records(session, [meeting])[0]
    assert team.id is not None
    members = teams.members_of(session, [team.id])[team.id]
    roles = teams.rules_of(team).get("members", [])
    record.update(
        team_name=team.name,
        participants=[f"{m.name} ({m.initials})" for m, ad_hoc in members if not ad_hoc]
        or [role["title"] for role in roles],
    )
    for key in ("place", "note", "organiser", "team_name"):
        record[key] = cpr.blanked(record[key])
    record["participants"] = [cpr.blanked(who) for who in record["participants"]]
    return record


def for_team(
    session: Session, actor: Actor, profile: Profile, slug: str, options: Options
) -> dict[str, Any]:
    """The agenda of the team's next meeting (generated on demand)."""
    meeting = meetings.next_meeting(session, actor, teams.find(session, slug))
    return build(session, actor, profile, meeting, options)


# Agenda days a cron run may cover: the cron runs daily, so it needs only the notice a team gets
# before a meeting; a quarter covers even a quarterly team's whole cycle (Ishøj's KUI café).
MAX_DAYS = 92


def due(session: Session, actor: Actor, days: int) -> list[int]:
    """The cron job's first, short write: generate the meetings, and name those of the next N
    days (their agendas are then built in a read, `circulated`)."""
    if not 0 <= days <= MAX_DAYS:
        raise KuiError(
            _(
                "--days must be 0-{max}: the agendas of at most a quarter ahead (the cron "
                "runs daily and writes each agenda again until the meeting)"
            ).format(max=MAX_DAYS)
        )
    horizon = actor.today + dt.timedelta(days=max(days, meetings.DEFAULT_HORIZON_DAYS))
    meetings.generate(session, actor, horizon)
    until = dt.datetime.combine(actor.today + dt.timedelta(days=days), dt.time.max)
    query = (
        select(Meeting.id)
        .where(
            Meeting.starts_at >= dt.datetime.combine(actor.today, dt.time.min),
            Meeting.starts_at <= until,
        )
        .order_by(Meeting.starts_at, Meeting.id)
    )
    return list(session.execute(query).scalars())


def circulated(
    session: Session, actor: Actor, profile: Profile, meeting_ids: list[int]
) -> list[Composed]:
    """The circulated agenda of each meeting, composed (not yet audited: `record` each)."""
    options = Options(action="print", circulated=True)
    return [
        compose(session, actor, profile, meetings.find(session, meeting_id), options)
        for meeting_id in meeting_ids
    ]
