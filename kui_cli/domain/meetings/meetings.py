"""Meetings: series (RFC 5545 rules), generation up to a horizon, cancel/move, holidays.

Generation is idempotent by construction: a meeting is one slot (`series_id`, `occurrence`) of its
series, unique in the database, and rows are inserted with "on conflict do nothing". Two cron jobs
at once, or the same one twice, therefore create each meeting once. A cancelled or moved meeting
keeps its slot, so generating again never brings it back. Times are naive local wall-clock time
in Europe/Copenhagen (see `recurrence`).

A meeting on a public holiday or one of the profile's closing days (the law's working-day
calendar) is still created, as the rule says, but flagged: `meeting generate` warns of each new
one and `meeting list` names the holiday.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

from dateutil.relativedelta import relativedelta
from sqlalchemy import insert, select
from sqlmodel import Session

from kui_cli.domain import profile
from kui_cli.domain.law import calendar
from kui_cli.domain.meetings import recurrence, teams
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.models import Meeting, MeetingSeries, Team
from kui_cli.render.i18n import _

DEFAULT_HORIZON_DAYS = 90
# Meetings are generated at most this far ahead of --today: a team plans its year (the
# twice-yearly youth conference and steering group included) and the next; beyond that a rule's
# meetings are rows nobody will use (`--until 9999-12-31` once inserted 568,195 of them).
HORIZON_YEARS = 2
STATUSES = ("planned", "cancelled", "moved")
_CHUNK = 500


class Generated(NamedTuple):
    """A meeting that `generate` created."""

    id: int
    team_id: int
    starts_at: dt.datetime


def schedule(
    session: Session,
    actor: Actor,
    slug: str,
    rule: str,
    start: dt.datetime,
    duration: int = 90,
    place: str | None = None,
) -> MeetingSeries:
    """Add a meeting series to a team (audited); the start is moved to the rule's first
    occurrence."""
    team = teams.find(session, slug)
    if not 5 <= duration <= 24 * 60:
        raise KuiError(_("--duration must be 5-1440 minutes"))
    parsed = recurrence.parse(rule, start)
    first = recurrence.first(parsed, start)
    assert first is not None  # parse refuses a rule without occurrences
    series = MeetingSeries(
        team_id=team.id,
        rule=recurrence.normalised(rule),
        dtstart=first,
        duration_min=duration,
        place=cpr.refuse_in_text((place or "").strip(), "--place") or None,
    )
    session.add(series)
    session.flush()
    audit.administered(
        session, actor, team=team.slug, series=series.id, rule=series.rule, start=first
    )
    return series


def generate(
    session: Session, actor: Actor, until: dt.date, team_ids: list[int] | None = None
) -> list[Generated]:
    """Create the meetings of every series (or of some teams) from the acting day to `until`.

    Returns the new ones (audited when there are any). Safe to run again and from two
    processes at once.
    """
    today = actor.today
    if until < today:
        raise KuiError(
            _("--until {until} is before today ({today})").format(until=until, today=today)
        )
    if until > latest_horizon(today):
        raise KuiError(
            _(
                "--until {until} is more than {years} years ahead: meetings are generated "
                "at most {years} years ahead of today, up to {latest}"
            ).format(until=until, years=HORIZON_YEARS, latest=latest_horizon(today))
        )
    query = select(MeetingSeries, Team.place).join(Team, Team.id == MeetingSeries.team_id)
    if team_ids is not None:
        query = query.where(MeetingSeries.team_id.in_(team_ids))
    rows: list[dict[str, Any]] = []
    for series, team_place in session.execute(query.order_by(MeetingSeries.id)).all():
        parsed = recurrence.load(series.rule, series.dtstart)
        start = max(today, series.dtstart.date())
        length = dt.timedelta(minutes=series.duration_min)
        rows += [
            {
                "team_id": series.team_id,
                "series_id": series.id,
                "occurrence": slot,
                "starts_at": slot,
                "ends_at": slot + length,
                "place": series.place or team_place,
                "status": "planned",
                "note": None,
            }
            for slot in recurrence.between(parsed, start, until)
        ]
    chunks = (rows[i : i + _CHUNK] for i in range(0, len(rows), _CHUNK))
    made = [made for chunk in chunks for made in _insert_absent(session, chunk)]
    if made:
        audit.administered(session, actor, until=until, meetings=len(made))
    return made


def latest_horizon(today: dt.date) -> dt.date:
    """The furthest day `generate` creates meetings up to, from `today` (29 February: the 28th)."""
    return today + relativedelta(years=HORIZON_YEARS)


def _insert_absent(session: Session, rows: list[dict[str, Any]]) -> list[Generated]:
    """INSERT ... ON CONFLICT (series_id, occurrence) DO NOTHING, on SQLite and PostgreSQL."""
    if not rows:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    else:  # pragma: no cover - other databases: check first (serialised by the transaction)
        return _insert_missing(session, rows)
    table = Meeting.__table__  # type: ignore[attr-defined]
    statement = (
        dialect_insert(table)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["series_id", "occurrence"])
        .returning(table.c.id, table.c.team_id, table.c.starts_at)
    )
    return [Generated(*row) for row in session.execute(statement).all()]


def _insert_missing(  # pragma: no cover
    session: Session, rows: list[dict[str, Any]]
) -> list[Generated]:
    wanted = {(r["series_id"], r["occurrence"]) for r in rows}
    present = set(
        session.execute(
            select(Meeting.series_id, Meeting.occurrence).where(
                Meeting.series_id.in_({r["series_id"] for r in rows})
            )
        ).all()
    )
    missing = [r for r in rows if (r["series_id"], r["occurrence"]) in wanted - present]
    if not missing:
        return []
    statement = insert(Meeting).returning(Meeting.id, Meeting.team_id, Meeting.starts_at)
    return [Generated(*row) for row in session.execute(statement, missing).all()]


def holidays_on(session: Session, days: Iterable[dt.date]) -> dict[dt.date, str]:
    """The days that are a public holiday or one of the profile's closing days, with its name.

    The calendar (the `holidays` package, slow to load) is only built when there are days to ask.
    """
    wanted = set(days)
    if not wanted:
        return {}
    closing = tuple(profile.current(session).value("calendar.extra_closing_days"))
    days_off = calendar.working_days(closing)
    return {day: name for day in wanted if (name := days_off.holiday_name(day))}


def on_holidays(session: Session, made: list[Generated]) -> list[dict[str, Any]]:
    """The new meetings on a holiday or closing day (`meeting generate` warns of each)."""
    names = holidays_on(session, (m.starts_at.date() for m in made))
    if not names:
        return []
    slug_of = {team.id: team.slug for team in teams.all_teams(session)}
    return [
        {"id": m.id, "team": slug_of[m.team_id], "starts_at": m.starts_at, "holiday": name}
        for m in sorted(made, key=lambda m: (m.starts_at, m.id))
        if (name := names.get(m.starts_at.date()))
    ]


def find(session: Session, meeting_id: int | str) -> Meeting:
    meeting = session.get(Meeting, int(meeting_id)) if str(meeting_id).isdigit() else None
    if meeting is None:
        raise KuiError(_("no meeting with id {id}").format(id=meeting_id))
    return meeting


def next_meeting(session: Session, actor: Actor, team: Team) -> Meeting:
    """The team's first meeting that is not cancelled and not past on the acting day.

    When none is generated yet, the team's series are generated a year ahead first (on demand),
    where the session may write meetings (`access.may_write_meetings`).
    """
    from kui_cli.domain.protection import access

    today = actor.today
    for horizon in (None, 366):
        if horizon and access.may_write_meetings(session):
            generate(session, actor, today + dt.timedelta(days=horizon), [team.id])  # type: ignore[list-item]
        query = (
            select(Meeting)
            .where(
                Meeting.team_id == team.id,
                Meeting.status != "cancelled",
                Meeting.starts_at >= dt.datetime.combine(today, dt.time.min),
            )
            .order_by(Meeting.starts_at, Meeting.id)
            .limit(1)
        )
        meeting = session.execute(query).scalar()
        if meeting is not None:
            return meeting
    if not access.may_write_meetings(session):
        raise KuiError(
            _(
                "{team} has no meeting generated from {today} on: the scheduled "
                "`kui meeting generate` (or an administrator) creates them"
            ).format(team=team.slug, today=today)
        )
    raise KuiError(
        _("{team} has no meeting from {today} on: schedule one with `kui meeting schedule`").format(
            team=team.slug, today=today
        )
    )


def following_meeting(session: Session, meeting: Meeting) -> Meeting | None:
    """The team's next meeting after this one that takes place (not cancelled)."""
    query = (
        select(Meeting)
        .where(
            Meeting.team_id == meeting.team_id,
            Meeting.status != "cancelled",
            Meeting.starts_at > meeting.starts_at,
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(1)
    )
    return session.execute(query).scalar()


def cancel(session: Session, actor: Actor, meeting_id: int, reason: str) -> Meeting:
    """Cancel one meeting (audited); its slot stays taken, so regeneration never brings it
    back."""
    meeting = _changeable(session, meeting_id, actor.today)
    if not (reason or "").strip():
        raise KuiError(_("--reason is required: say why the meeting is cancelled"))
    note = cpr.refuse_in_text(reason.strip(), "--reason")
    meeting.status, meeting.note = "cancelled", note
    session.flush()
    audit.administered(session, actor, meeting=meeting.id, cancelled=meeting.note)
    return meeting


def move(session: Session, actor: Actor, meeting_id: int, to: dt.datetime) -> Meeting:
    """Move one meeting (same length, audited); the series goes on unchanged."""
    meeting = _changeable(session, meeting_id, actor.today)
    if to.date() < actor.today:
        raise KuiError(_("--to {to} is in the past").format(to=f"{to:%Y-%m-%d %H:%M}"))
    length = meeting.ends_at - meeting.starts_at
    was = meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.status = to, to + length, "moved"
    session.flush()
    audit.administered(session, actor, meeting=meeting.id, moved_from=was, moved_to=to)
    return meeting


def _changeable(session: Session, meeting_id: int, today: dt.date) -> Meeting:
    meeting = find(session, meeting_id)
    if meeting.status == "cancelled":
        raise KuiError(_("meeting {id} is cancelled already").format(id=meeting.id))
    if meeting.starts_at.date() < today:
        raise KuiError(
            _("meeting {id} was on {date}: it is past").format(
                id=meeting.id, date=f"{meeting.starts_at:%Y-%m-%d}"
            )
        )
    return meeting


def listing(
    session: Session,
    slug: str | None,
    start: dt.date | None,
    end: dt.date | None,
) -> list[dict[str, Any]]:
    """Meetings in time order, as CLI.md's `meeting list` fields, with the day's `holiday`."""
    query = select(Meeting).order_by(Meeting.starts_at, Meeting.id)
    if slug:
        query = query.where(Meeting.team_id == teams.find(session, slug).id)
    if start:
        query = query.where(Meeting.starts_at >= dt.datetime.combine(start, dt.time.min))
    if end:
        query = query.where(Meeting.starts_at <= dt.datetime.combine(end, dt.time.max))
    if start and end and end < start:
        raise KuiError(_("--to is before --from"))
    found = list(session.execute(query).scalars())
    names = holidays_on(session, (m.starts_at.date() for m in found))
    rows = records(session, found)
    for row, meeting in zip(rows, found, strict=True):
        row["holiday"] = names.get(meeting.starts_at.date())
    return rows


def records(session: Session, meetings: list[Meeting]) -> list[dict[str, Any]]:
    """Meetings as records: slugs and rotating organisers looked up once for all."""
    team_of = {t.id: t for t in teams.all_teams(session)}
    organisers = organisers_of(session, meetings, team_of)
    return [
        {
            "id": m.id,
            "team": team_of[m.team_id].slug,
            "starts_at": m.starts_at,
            "ends_at": m.ends_at,
            "place": m.place,
            "status": m.status,
            "organiser": organisers.get(m.id),
            "note": m.note,
        }
        for m in meetings
    ]


def organisers_of(
    session: Session, meetings: list[Meeting], team_of: dict[int | None, Team]
) -> dict[int | None, str]:
    """Ishøj's café: the centres take turns, by the meeting's number in its series."""
    found: dict[int | None, str] = {}
    series_cache: dict[int, tuple[Any, dt.datetime]] = {}
    for meeting in meetings:
        rotation = teams.rules_of(team_of[meeting.team_id]).get("organisers") or []
        if not rotation or meeting.series_id is None or meeting.occurrence is None:
            continue
        if meeting.series_id not in series_cache:
            series = session.get(MeetingSeries, meeting.series_id)
            assert series is not None
            series_cache[meeting.series_id] = (
                recurrence.load(series.rule, series.dtstart),
                series.dtstart,
            )
        parsed, start = series_cache[meeting.series_id]
        found[meeting.id] = rotation[
            recurrence.index_of(parsed, start, meeting.occurrence) % len(rotation)
        ]
    return found
