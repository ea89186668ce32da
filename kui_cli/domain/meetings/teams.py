"""Teams (Sønderborg's team 1-3, Ishøj's café and leader sparring...): loaded from the profile.

A team's target group is a rule over age group, need and status (every listed part must match);
the same rule is offered as a Python check (referrals) and as SQL (listings, automatic agenda
items), so both always agree. The profile's settings of a team (fixed member roles, fixed agenda
items, rotating organisers, referral preconditions) are kept as JSON in `team.rules`, with the ids
of the meeting series the profile owns, so that `kui init` can update them on a re-run.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlmodel import Session

from kui_cli.domain import staff
from kui_cli.domain.meetings import recurrence
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages
from kui_cli.domain.reports import measures
from kui_cli.errors import KuiError
from kui_cli.models import Meeting, MeetingSeries, Referral, Staff, Team, TeamMember, Youth
from kui_cli.render.i18n import _


@dataclass(frozen=True)
class Target:
    """Who a team is for: empty lists mean "any"."""

    age_groups: tuple[int, ...] = ()
    needs: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    @classmethod
    def of(cls, team: Team) -> Target:
        raw = json.loads(team.target or "{}")
        return cls(
            tuple(raw.get("age_groups", ())),
            tuple(raw.get("needs", ())),
            tuple(raw.get("statuses", ())),
        )

    def matches(self, youth: Youth | Any, today: dt.date, upper_age: int) -> bool:
        group = ages.age_group(youth.birth_date, youth.status, today, upper_age)
        return self.takes(youth, group)

    def takes(self, youth: Youth | Any, group: int | None) -> bool:
        """`matches`, for a youth whose age group on the day is known already."""
        return (
            group is not None
            and (not self.age_groups or group in self.age_groups)
            and (not self.needs or youth.need in self.needs)
            and (not self.statuses or youth.status in self.statuses)
        )

    def condition(self, today: dt.date, upper_age: int) -> ColumnElement[bool]:
        """The same rule as `matches`, as SQL on `youth` (for lists and automatic agenda items)."""
        in_kui = Youth.birth_date > ages.latest_birth_date_for_age(upper_age, today)
        parts: list[ColumnElement[bool]] = [in_kui]
        if self.age_groups:
            groups = [measures.age_group_condition(g, today, upper_age) for g in self.age_groups]
            parts.append(or_(*groups))
        if self.needs:
            parts.append(Youth.need.in_(self.needs))
        if self.statuses:
            parts.append(Youth.status.in_(self.statuses))
        return and_(*parts)

    def describe(self) -> str:
        parts = []
        if self.age_groups:
            groups = "/".join(map(str, self.age_groups))
            parts.append(_("age group {groups}").format(groups=groups))
        if self.needs:
            parts.append(_("need {needs}").format(needs="/".join(self.needs)))
        if self.statuses:
            parts.append(_("status {statuses}").format(statuses="/".join(self.statuses)))
        return "; ".join(parts) or _("anyone in KUI")


def rules_of(team: Team) -> dict[str, Any]:
    """The profile's settings of a team: members, fixed_items, organisers, referrals."""
    return json.loads(team.rules or "{}")


def find(session: Session, slug: str) -> Team:
    team = session.execute(select(Team).where(Team.slug == (slug or "").strip().lower())).scalar()
    if team is None:
        known = ", ".join(session.execute(select(Team.slug).order_by(Team.id)).scalars())
        if known:
            raise KuiError(
                _("unknown team {slug}: choose one of {known}").format(slug=repr(slug), known=known)
            )
        raise KuiError(_("unknown team {slug}").format(slug=repr(slug)))
    return team


def all_teams(session: Session) -> list[Team]:
    return list(session.execute(select(Team).order_by(Team.id)).scalars())


def team_for(session: Session, youth: Youth, on: dt.date, upper_age: int) -> Team | None:
    """The first team (profile order) taking referrals whose target group the youth is in on `on`.

    For the 18th-birthday handover: `team_for(youth, today)` is team 2, on the birthday team 3.
    """
    return team_among(targets(referral_teams(session)), youth, on, upper_age)


def referral_teams(session: Session) -> list[Team]:
    """The teams that take referrals, in profile order."""
    return [t for t in all_teams(session) if rules_of(t).get("referrals", {}).get("allowed", True)]


def targets(candidates: list[Team]) -> list[tuple[Team, Target]]:
    """The teams with their target groups, read once for all the youths matched against them."""
    return [(team, Target.of(team)) for team in candidates]


def team_among(
    candidates: list[tuple[Team, Target]], youth: Youth | Any, on: dt.date, upper_age: int
) -> Team | None:
    """The first of `candidates` (`targets`) whose target group the youth (a `Youth`, or a row
    with its birth_date, status and need) is in on `on`."""
    group = ages.age_group(youth.birth_date, youth.status, on, upper_age)
    return team_taking(candidates, youth, group)


def team_taking(
    candidates: list[tuple[Team, Target]], youth: Youth | Any, group: int | None
) -> Team | None:
    """`team_among` for a youth whose age group on the day is known: the answer depends on the
    group, the need and the status alone (`Target.takes`), so a long list may keep it by them."""
    return next((t for t, target in candidates if target.takes(youth, group)), None)


# --- loading the profile (kui init) ---


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    kept: tuple[str, ...] = ()


def load_profile(session: Session, profile: Profile, today: dt.date) -> LoadResult:
    """Create or update the profile's teams and meeting series; idempotent.

    Teams the profile no longer has are removed unless youths were referred to them (then they
    are kept and named, so nothing about a youth is lost). A changed meeting rule drops the
    future planned meetings that no longer fit it, unless a youth is on their agenda.
    """
    result = LoadResult()
    existing = {team.slug: team for team in all_teams(session)}
    for spec in profile.data["teams"]:
        team = existing.pop(spec["slug"], None)
        if team is None:
            team = Team(slug=spec["slug"], name=spec["name"])
            session.add(team)
            result.created += 1
        else:
            result.updated += 1
        _apply_spec(session, team, spec, today)
    kept = []
    for slug, team in existing.items():
        if _has_referrals(session, team):
            kept.append(slug)
            _end_series(session, team, today)
        else:
            _remove(session, team)
            result.removed += 1
    result.kept = tuple(kept)
    return result


def _apply_spec(session: Session, team: Team, spec: dict[str, Any], today: dt.date) -> None:
    team.name, team.place = spec["name"], spec["place"]
    team.target = json.dumps(spec["target"], ensure_ascii=False, sort_keys=True)
    session.flush()
    owned = rules_of(team).get("profile_series", [])
    series_ids = [
        _apply_series(session, team, owned[i] if i < len(owned) else None, meeting, today)
        for i, meeting in enumerate(spec["meetings"])
    ]
    for stale_id in owned[len(spec["meetings"]) :]:
        stale = session.get(MeetingSeries, stale_id)
        if stale is not None:
            _end(session, stale, today)
    rules = {key: spec[key] for key in ("members", "fixed_items", "organisers", "referrals")}
    team.rules = json.dumps({**rules, "profile_series": series_ids}, ensure_ascii=False)
    session.flush()


def _apply_series(
    session: Session, team: Team, series_id: int | None, spec: dict[str, Any], today: dt.date
) -> int:
    series = session.get(MeetingSeries, series_id) if series_id else None
    if series is None or series.team_id != team.id:
        series = MeetingSeries(team_id=team.id, rule="", dtstart=dt.datetime.min)
        session.add(series)
    series.rule = spec["rule"]
    start = recurrence.parse_start(spec["start"], "start")
    series.dtstart = recurrence.first(recurrence.parse(spec["rule"], start), start) or start
    series.duration_min = spec["duration"]
    series.place = spec["place"]
    session.flush()
    prune(session, series, today)
    assert series.id is not None
    return series.id


def prune(session: Session, series: MeetingSeries, today: dt.date) -> None:
    """Fit the future planned meetings to a changed series: drop what no longer recurs (unless a
    youth is on its agenda), update times and place of the rest. Moved/cancelled stay as they are.
    """
    recurrence_ = recurrence.load(series.rule, series.dtstart)
    future = list(
        session.execute(
            select(Meeting).where(
                Meeting.series_id == series.id,
                Meeting.status == "planned",
                Meeting.starts_at >= dt.datetime.combine(today, dt.time.min),
            )
        ).scalars()
    )
    if not future:
        return
    team_place = session.execute(select(Team.place).where(Team.id == series.team_id)).scalar()
    last = max(m.occurrence or m.starts_at for m in future).date()
    valid = set(recurrence.between(recurrence_, today, last))
    referred = set(
        session.execute(
            select(Referral.meeting_id).where(Referral.meeting_id.in_([m.id for m in future]))
        ).scalars()
    )
    for meeting in future:
        if meeting.occurrence in valid:
            meeting.starts_at = meeting.occurrence
            meeting.ends_at = meeting.occurrence + dt.timedelta(minutes=series.duration_min)
            meeting.place = series.place or team_place
        elif meeting.id not in referred:
            session.delete(meeting)
    session.flush()


def _end_series(session: Session, team: Team, today: dt.date) -> None:
    """A team kept only for its history meets no more."""
    query = select(MeetingSeries).where(MeetingSeries.team_id == team.id)
    for series in list(session.execute(query).scalars()):
        _end(session, series, today)


def _end(session: Session, series: MeetingSeries, today: dt.date) -> None:
    """End a series yesterday (UNTIL) and drop its future meetings that no youth is on."""
    series.rule = recurrence.ended(series.rule, today - dt.timedelta(days=1))
    prune(session, series, today)


def _has_referrals(session: Session, team: Team) -> bool:
    return bool(session.execute(select(exists().where(Referral.team_id == team.id))).scalar())


def _remove(session: Session, team: Team) -> None:
    """Delete a team and its members, series and meetings (children first, for SQLite)."""
    session.execute(delete(Meeting).where(Meeting.team_id == team.id))
    session.execute(delete(MeetingSeries).where(MeetingSeries.team_id == team.id))
    session.execute(delete(TeamMember).where(TeamMember.team_id == team.id))
    session.delete(team)
    session.flush()


# --- members ---


def add_member(
    session: Session, actor: Actor, slug: str, reference: str, ad_hoc: bool
) -> TeamMember:
    """A fixed member must have one of the team's fixed roles; an ad hoc member may be anyone.
    Audited: a member sees every youth referred to the team."""
    team = find(session, slug)
    member = staff.find(session, reference)
    roles = [m["role"] for m in rules_of(team).get("members", [])]
    if not ad_hoc and roles and member.role not in roles:
        wanted = ", ".join(dict.fromkeys(roles))
        raise KuiError(
            _(
                "{initials} has role {role}; {team}'s fixed roles are {wanted}: "
                "add them with --ad-hoc"
            ).format(initials=member.initials, role=member.role, team=team.slug, wanted=wanted)
        )
    query = select(TeamMember).where(
        TeamMember.team_id == team.id, TeamMember.staff_id == member.id
    )
    if session.execute(query).first():
        raise KuiError(
            _("{initials} is already a member of {team}").format(
                initials=member.initials, team=team.slug
            )
        )
    row = TeamMember(team_id=team.id, staff_id=member.id, ad_hoc=ad_hoc)
    session.add(row)
    session.flush()
    audit.administered(session, actor, team=team.slug, member=member.initials, ad_hoc=ad_hoc)
    return row


def remove_member(session: Session, actor: Actor, slug: str, reference: str) -> list[str]:
    """Take a staff member off a team: administration, audited. From then on they no longer see
    the youths referred to the team (the team term of the access rule). Returns a warning for
    each of the team's fixed roles that the removal leaves without a fixed member (`team show`'s
    `covered_by`), so the leader knows whom to add; it is not refused, since a member who leaves
    must be able to go before a successor is found."""
    team = find(session, slug)
    member = staff.find(session, reference)
    row = session.execute(
        select(TeamMember).where(TeamMember.team_id == team.id, TeamMember.staff_id == member.id)
    ).scalar()
    if row is None:
        raise KuiError(
            _("{initials} is not a member of {team}").format(
                initials=member.initials, team=team.slug
            )
        )
    session.delete(row)
    session.flush()
    audit.administered(session, actor, team=team.slug, member=member.initials, removed=True)
    return [
        _(
            "{team}'s fixed role {role} ({title}) has no fixed member now: "
            "add one with `kui team member add {team} STAFF`"
        ).format(team=team.slug, role=role["role"], title=role["title"])
        for role in details(session, team.slug)["roles"]
        if role["role"] == member.role and not row.ad_hoc and not role["covered_by"]
    ]


def members_of(session: Session, team_ids: list[int]) -> dict[int, list[tuple[Staff, bool]]]:
    """Every team's members (staff, ad hoc?) in one query."""
    query = (
        select(TeamMember.team_id, Staff, TeamMember.ad_hoc)
        .join(Staff, Staff.id == TeamMember.staff_id)
        .where(TeamMember.team_id.in_(team_ids))
        .order_by(TeamMember.ad_hoc, Staff.initials)
    )
    found: dict[int, list[tuple[Staff, bool]]] = {team_id: [] for team_id in team_ids}
    for team_id, member, ad_hoc in session.execute(query):
        found[team_id].append((member, ad_hoc))
    return found


# --- listing and showing ---


def listing(session: Session, today: dt.date) -> list[dict[str, Any]]:
    teams = all_teams(session)
    ids = [t.id for t in teams if t.id is not None]
    members = members_of(session, ids)
    series = _series_of(session, ids)
    upcoming = dict(
        session.execute(
            select(Meeting.team_id, func.min(Meeting.starts_at))
            .where(
                Meeting.team_id.in_(ids),
                Meeting.status != "cancelled",
                Meeting.starts_at >= dt.datetime.combine(today, dt.time.min),
            )
            .group_by(Meeting.team_id)
        ).all()
    )
    return [
        {
            "slug": team.slug,
            "name": team.name,
            "place": team.place,
            "target": Target.of(team).describe(),
            "schedule": [s.rule for s in series.get(team.id, [])],
            "members": [m.initials for m, _ad_hoc in members.get(team.id, [])],
            "next_meeting": upcoming.get(team.id),
        }
        for team in teams
    ]


def _series_of(session: Session, team_ids: list[int]) -> dict[int, list[MeetingSeries]]:
    query = select(MeetingSeries).where(MeetingSeries.team_id.in_(team_ids))
    found: dict[int, list[MeetingSeries]] = {}
    for series in session.execute(query.order_by(MeetingSeries.id)).scalars():
        found.setdefault(series.team_id, []).append(series)
    return found


def details(session: Session, slug: str) -> dict[str, Any]:
    team = find(session, slug)
    assert team.id is not None
    rules = rules_of(team)
    members = members_of(session, [team.id])[team.id]
    referrals = rules.get("referrals", {})
    return {
        "slug": team.slug,
        "name": team.name,
        "place": team.place,
        "target": Target.of(team).describe(),
        "takes_referrals": referrals.get("allowed", True),
        "referral_needs_leader": referrals.get("leader", False),
        "referral_needs_consulted": referrals.get("consulted", False),
        "fixed_items": rules.get("fixed_items", []),
        "organisers": rules.get("organisers", []),
        "roles": [
            {
                "role": role["role"],
                "title": role["title"],
                "covered_by": [
                    m.initials for m, ad in members if m.role == role["role"] and not ad
                ],
            }
            for role in rules.get("members", [])
        ],
        "members": [
            {"initials": m.initials, "name": m.name, "role": m.role, "ad_hoc": ad}
            for m, ad in members
        ],
        "series": [
            {
                "id": s.id,
                "rule": s.rule,
                "start": s.dtstart,
                "duration_min": s.duration_min,
                "place": s.place or team.place,
            }
            for s in _series_of(session, [team.id]).get(team.id, [])
        ],
    }
