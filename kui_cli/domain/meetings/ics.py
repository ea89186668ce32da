"""A team's meetings as an iCalendar file (RFC 5545): what kui holds for the past, the rule ahead.

The file shows exactly the meetings `meeting list` knows for the past, and the series' rule for
the future (the meetings `meeting generate` will create). A series is one recurring event: its
current rule from the first meeting of the run of meetings kui holds under that rule up to today
(or from the first meeting on or after today when none is held yet). So the past dates the rule
gives but that never took place (before kui generated the series, or under a rule the profile
has changed since) are not in it. In that event a cancelled meeting is an EXDATE, and a moved one
(or one whose time or place differs from the rule's) an override (RECURRENCE-ID). Every other
meeting kui holds (before the run, or kept off the current rule) is an event of its own.

Times are local wall-clock time with TZID Europe/Copenhagen, defined by a rule-based VTIMEZONE
(the EU's summer time rule), valid for every year from 1996 on without a last year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain.meetings import recurrence, teams
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.models import Meeting, MeetingSeries, Team
from kui_cli.render.i18n import _

if TYPE_CHECKING:
    from dateutil.rrule import rrule
    from icalendar import Calendar, Event, Timezone, vRecur

EU_RULE_SINCE = 1996  # summer time from the last Sunday of March to the last Sunday of October
CHANGE_AT_UTC = dt.time(1)  # both changes happen at 01:00 UTC
WINTER, SUMMER = dt.timedelta(hours=1), dt.timedelta(hours=2)


def export(session: Session, slug: str, today: dt.date) -> bytes:
    """The team's calendar; a team without any series or meeting is refused (nothing to show).

    A team whose series have all ended gets a calendar without events, so a calendar that
    subscribes to the file drops the meetings that no longer take place.
    """
    from icalendar import Calendar

    team = teams.find(session, slug)
    held = list(
        session.execute(
            select(Meeting).where(Meeting.team_id == team.id).order_by(Meeting.starts_at)
        ).scalars()
    )
    query = select(MeetingSeries).where(MeetingSeries.team_id == team.id)
    all_series = list(session.execute(query.order_by(MeetingSeries.id)).scalars())
    if not all_series and not held:
        raise KuiError(
            _("{team} has no meeting series: schedule one with `kui meeting schedule`").format(
                team=team.slug
            )
        )
    calendar = Calendar()
    calendar.add("prodid", "-//kui//Den kommunale ungeindsats//DA")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", cpr.blanked(team.name))
    calendar.add_component(vtimezone())
    events = _Events(team)
    loose = [m for m in held if m.series_id is None]
    for series in all_series:
        own = [m for m in held if m.series_id == series.id]
        loose += _add_series(calendar, events, series, own, today)
    for meeting in sorted(loose, key=lambda m: (m.starts_at, m.id)):
        if meeting.status != "cancelled":
            uid = f"kui-meeting-{meeting.id}-{team.slug}"
            single = events.of(uid, meeting.starts_at, meeting.ends_at, meeting.place)
            calendar.add_component(single)
    return calendar.to_ical()


class _Events:
    """The VEVENTs of one team's file: the same summary and time stamp in all."""

    def __init__(self, team: Team) -> None:
        self.team = team
        self.zone = ZoneInfo(recurrence.TIMEZONE)
        self.stamp = dt.datetime.now(dt.UTC).replace(microsecond=0)

    def of(self, uid: str, starts: dt.datetime, ends: dt.datetime, place: str | None) -> Event:
        from icalendar import Event

        item = Event()
        item.add("uid", uid)
        item.add("dtstamp", self.stamp)
        item.add("summary", cpr.blanked(self.team.name))
        item.add("dtstart", self.local(starts))
        item.add("dtend", self.local(ends))
        if place:
            item.add("location", cpr.blanked(place))
        return item

    def local(self, naive: dt.datetime) -> dt.datetime:
        """A stored wall-clock time with the TZID (a repeated hour is its first occurrence)."""
        return naive.replace(tzinfo=self.zone)


def _add_series(
    calendar: Calendar, events: _Events, series: MeetingSeries, own: list[Meeting], today: dt.date
) -> list[Meeting]:
    """Add the series' recurring event; returns its meetings that are not in it."""
    parsed = recurrence.load(series.rule, series.dtstart)
    length = dt.timedelta(minutes=series.duration_min)
    place = series.place or events.team.place

    by_slot = {m.occurrence: m for m in own if m.occurrence is not None}

    def as_ruled(meeting: Meeting) -> bool:
        """Held at the slot's time, length and place: the recurring event shows it as it is."""
        slot = meeting.occurrence
        return slot is not None and (meeting.starts_at, meeting.ends_at, meeting.place) == (
            slot,
            slot + length,
            place,
        )

    start = _run_start(parsed, series.dtstart, today, by_slot, as_ruled)
    if start is None:  # the rule gives no meeting from today on and kui held none under it
        return own
    later = [s for s in by_slot if s >= start]
    ruled = set(parsed.between(start, max(later), inc=True)) if later else set()
    inside = {slot: by_slot[slot] for slot in sorted(ruled & set(later))}
    uid = f"kui-series-{series.id}-{events.team.slug}"
    main = events.of(uid, start, start + length, place)
    main.add("rrule", exported_rule(series.rule, parsed))
    cancelled = [events.local(s) for s, m in inside.items() if m.status == "cancelled"]
    if cancelled:
        main.add("exdate", cancelled)
    calendar.add_component(main)
    for slot, meeting in inside.items():
        if meeting.status == "moved" or (meeting.status == "planned" and not as_ruled(meeting)):
            override = events.of(uid, meeting.starts_at, meeting.ends_at, meeting.place)
            override.add("recurrence-id", events.local(slot))
            calendar.add_component(override)
    return [m for m in own if m.occurrence not in inside]


def _run_start(
    parsed: rrule,
    dtstart: dt.datetime,
    today: dt.date,
    by_slot: dict[dt.datetime, Meeting],
    as_ruled: Callable[[Meeting], bool],
) -> dt.datetime | None:
    """Where the recurring event starts: back from today over the rule's dates that kui holds
    (a planned one as the rule makes it, a cancelled or a moved one), else today's first date."""
    midnight = dt.datetime.combine(today, dt.time.min)
    start: dt.datetime | None = parsed.after(midnight, inc=True)
    past = [o for o in parsed.between(dtstart, midnight, inc=True) if o < midnight]
    for occurrence in reversed(past):
        meeting = by_slot.get(occurrence)
        if meeting is None or (meeting.status == "planned" and not as_ruled(meeting)):
            break
        start = occurrence
    return start


def exported_rule(text: str, parsed: rrule) -> vRecur:
    """The rule as RRULE for an event that may start later than the series: COUNT becomes the
    last meeting, and an end is written as UNTIL in UTC (RFC 5545 for a start with a TZID)."""
    from icalendar import vRecur

    rule = vRecur.from_ical(recurrence.normalised(text))
    rule.pop("COUNT", None)
    rule.pop("UNTIL", None)
    last = recurrence.last(parsed)
    if last is not None:
        rule["UNTIL"] = [last.replace(tzinfo=ZoneInfo(recurrence.TIMEZONE)).astimezone(dt.UTC)]
    return rule


def vtimezone() -> Timezone:
    """Europe/Copenhagen as RFC 5545 rules: each change's DTSTART is local time in the offset
    before it (01:00 UTC is 02:00 in March, 03:00 in October), yearly on the last Sunday."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

    zone = Timezone()
    zone.add("tzid", recurrence.TIMEZONE)
    for part, name, month, before, after in (
        (TimezoneDaylight(), "CEST", 3, WINTER, SUMMER),
        (TimezoneStandard(), "CET", 10, SUMMER, WINTER),
    ):
        change = dt.datetime.combine(_last_sunday(EU_RULE_SINCE, month), CHANGE_AT_UTC)
        part.add("tzname", name)
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("dtstart", change + before)
        part.add("rrule", {"freq": "yearly", "bymonth": month, "byday": "-1su"})
        zone.add_component(part)
    return zone


def _last_sunday(year: int, month: int) -> dt.date:
    last_day = (dt.date(year, month, 28) + dt.timedelta(days=4)).replace(day=1)
    last_day -= dt.timedelta(days=1)
    return last_day - dt.timedelta(days=(last_day.weekday() + 1) % 7)
