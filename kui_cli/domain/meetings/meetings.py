"""Meetings: series (RFC 5545 rules), generation up to a horizon, cancel/move, and the .ics export.

Generation is idempotent by construction: a meeting is one slot (`series_id`, `occurrence`) of its
series, unique in the database, and rows are inserted with "on conflict do nothing". Two cron jobs
at once, or the same one twice, therefore create each meeting once. A cancelled or moved meeting
keeps its slot, so generating again never brings it back. Times are naive local wall-clock time
in Europe/Copenhagen (see `recurrence`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from kui_cli.domain.meetings import recurrence, teams
from kui_cli.errors import KuiError
from kui_cli.models import Meeting, MeetingSeries, Team

DEFAULT_HORIZON_DAYS = 90
STATUSES = ("planned", "cancelled", "moved")
_CHUNK = 500


def schedule(
    session: Session,
    slug: str,
    rule: str,
    start: dt.datetime,
    duration: int = 90,
    place: str | None = None,
) -> MeetingSeries:
    """Add a meeting series to a team; the start is moved to the rule's first occurrence."""
    team = teams.find(session, slug)
    if not 5 <= duration <= 24 * 60:
        raise KuiError("--duration must be 5-1440 minutes")
    parsed = recurrence.parse(rule, start)
    first = recurrence.first(parsed, start)
    assert first is not None  # parse refuses a rule without occurrences
    series = MeetingSeries(
        team_id=team.id,
        rule=recurrence.normalised(rule),
        dtstart=first,
        duration_min=duration,
        place=(place or "").strip() or None,
    )
    session.add(series)
    session.flush()
    return series


def generate(
    session: Session, until: dt.date, today: dt.date, team_ids: list[int] | None = None
) -> int:
    """Create the meetings of every series (or of some teams) from `today` to `until`.

    Returns how many were new. Safe to run again and from two processes at once.
    """
    if until < today:
        raise KuiError(f"--until {until} is before today ({today})")
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
    return sum(_insert_absent(session, rows[i : i + _CHUNK]) for i in range(0, len(rows), _CHUNK))


def _insert_absent(session: Session, rows: list[dict[str, Any]]) -> int:
    """INSERT ... ON CONFLICT (series_id, occurrence) DO NOTHING, on SQLite and PostgreSQL."""
    if not rows:
        return 0
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
        .returning(table.c.id)
    )
    return len(session.execute(statement).all())


def _insert_missing(session: Session, rows: list[dict[str, Any]]) -> int:  # pragma: no cover
    wanted = {(r["series_id"], r["occurrence"]) for r in rows}
    present = set(
        session.execute(
            select(Meeting.series_id, Meeting.occurrence).where(
                Meeting.series_id.in_({r["series_id"] for r in rows})
            )
        ).all()
    )
    missing = [r for r in rows if (r["series_id"], r["occurrence"]) in wanted - present]
    if missing:
        session.execute(insert(Meeting), missing)
    return len(missing)


def find(session: Session, meeting_id: int | str) -> Meeting:
    meeting = session.get(Meeting, int(meeting_id)) if str(meeting_id).isdigit() else None
    if meeting is None:
        raise KuiError(f"no meeting with id {meeting_id}")
    return meeting


def next_meeting(session: Session, team: Team, today: dt.date) -> Meeting:
    """The team's first meeting that is not cancelled and not past on `today`.

    When none is generated yet, the team's series are generated a year ahead first (on demand).
    """
    for horizon in (None, 366):
        if horizon:
            generate(session, today + dt.timedelta(days=horizon), today, [team.id])  # type: ignore[list-item]
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
    raise KuiError(
        f"{team.slug} has no meeting from {today} on: schedule one with `kui meeting schedule`"
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


def cancel(session: Session, meeting_id: int, reason: str, today: dt.date) -> Meeting:
    """Cancel one meeting; its slot stays taken, so regeneration never brings it back."""
    meeting = _changeable(session, meeting_id, today)
    if not (reason or "").strip():
        raise KuiError("--reason is required: say why the meeting is cancelled")
    meeting.status, meeting.note = "cancelled", reason.strip()
    session.flush()
    return meeting


def move(session: Session, meeting_id: int, to: dt.datetime, today: dt.date) -> Meeting:
    """Move one meeting (same length); the series goes on unchanged."""
    meeting = _changeable(session, meeting_id, today)
    if to.date() < today:
        raise KuiError(f"--to {to:%Y-%m-%d %H:%M} is in the past")
    length = meeting.ends_at - meeting.starts_at
    meeting.starts_at, meeting.ends_at, meeting.status = to, to + length, "moved"
    session.flush()
    return meeting


def _changeable(session: Session, meeting_id: int, today: dt.date) -> Meeting:
    meeting = find(session, meeting_id)
    if meeting.status == "cancelled":
        raise KuiError(f"meeting {meeting.id} is cancelled already")
    if meeting.starts_at.date() < today:
        raise KuiError(f"meeting {meeting.id} was on {meeting.starts_at:%Y-%m-%d}: it is past")
    return meeting


def listing(
    session: Session,
    slug: str | None,
    start: dt.date | None,
    end: dt.date | None,
) -> list[dict[str, Any]]:
    """Meetings in time order, as CLI.md's `meeting list` fields."""
    query = select(Meeting).order_by(Meeting.starts_at, Meeting.id)
    if slug:
        query = query.where(Meeting.team_id == teams.find(session, slug).id)
    if start:
        query = query.where(Meeting.starts_at >= dt.datetime.combine(start, dt.time.min))
    if end:
        query = query.where(Meeting.starts_at <= dt.datetime.combine(end, dt.time.max))
    if start and end and end < start:
        raise KuiError("--to is before --from")
    return records(session, list(session.execute(query).scalars()))


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


def ics(session: Session, slug: str) -> bytes:
    """The team's meetings as an iCalendar file: one recurring event per series (RRULE, EXDATE
    for cancelled meetings, an override per moved meeting), times in TZID Europe/Copenhagen.
    """
    from zoneinfo import ZoneInfo

    from icalendar import Calendar, Event, vRecur

    team = teams.find(session, slug)
    tz = ZoneInfo(recurrence.TIMEZONE)
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)
    calendar = Calendar()
    calendar.add("prodid", "-//kui//Den kommunale ungeindsats//DA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", team.name)

    def event(uid: str, starts: dt.datetime, ends: dt.datetime, place: str | None) -> Event:
        item = Event()
        item.add("uid", uid)
        item.add("dtstamp", stamp)
        item.add("summary", team.name)
        item.add("dtstart", starts.replace(tzinfo=tz))
        item.add("dtend", ends.replace(tzinfo=tz))
        if place:
            item.add("location", place)
        return item

    meetings = list(
        session.execute(
            select(Meeting).where(Meeting.team_id == team.id).order_by(Meeting.starts_at)
        ).scalars()
    )
    series_query = select(MeetingSeries).where(MeetingSeries.team_id == team.id)
    for series in session.execute(series_query.order_by(MeetingSeries.id)).scalars():
        uid = f"kui-series-{series.id}-{team.slug}"
        length = dt.timedelta(minutes=series.duration_min)
        place = series.place or team.place
        main = event(uid, series.dtstart, series.dtstart + length, place)
        main.add("rrule", vRecur.from_ical(series.rule))
        own = [m for m in meetings if m.series_id == series.id]
        cancelled = [
            m.occurrence.replace(tzinfo=tz) for m in own if m.status == "cancelled" and m.occurrence
        ]
        if cancelled:
            main.add("exdate", cancelled)
        calendar.add_component(main)
        for moved in (m for m in own if m.status == "moved" and m.occurrence):
            override = event(uid, moved.starts_at, moved.ends_at, moved.place)
            override.add("recurrence-id", moved.occurrence.replace(tzinfo=tz))
            calendar.add_component(override)
    for single in (m for m in meetings if m.series_id is None and m.status != "cancelled"):
        calendar.add_component(
            event(
                f"kui-meeting-{single.id}-{team.slug}",
                single.starts_at,
                single.ends_at,
                single.place,
            )
        )
    calendar.add_missing_timezones()
    return calendar.to_ical()
