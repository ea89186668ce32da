"""Meeting schedules as RFC 5545 recurrence rules (dateutil.rrule), on local wall-clock time.

A rule is kept as its text (`FREQ=WEEKLY;INTERVAL=2;BYDAY=WE`) beside a naive start in
Europe/Copenhagen local time: the times people plan ("10:00 every other Thursday") stay 10:00
across daylight saving time. "The Thursday of every odd ISO week" is
`FREQ=YEARLY;BYWEEKNO=1,3,...,53;BYDAY=TH;WKST=MO`: a Thursday always lies in its own ISO year, and
a year without week 53 simply has no such Thursday, so 2026 (53 weeks) gives 31 December and
7 January 2027 in consecutive weeks.

Local times are read as RFC 5545 reads a time with a TZID: a time that occurs twice (the hour
repeated when summer time ends, 02:00-03:00 on the last Sunday of October) is its first
occurrence, in summer time. A time that does not occur (the hour skipped when summer time
begins, 02:00-03:00 on the last Sunday of March) is refused where a person gives it.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil.rrule import DAILY, rrule, rrulestr

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

TIMEZONE = "Europe/Copenhagen"
ODD_ISO_WEEKS = ",".join(str(week) for week in range(1, 54, 2))


def normalised(text: str) -> str:
    """The rule text as stored: upper case, no `RRULE:` prefix, no spaces."""
    rule = re.sub(r"\s+", "", text or "").upper().removeprefix("RRULE:")
    return rule


def parse(text: str, start: dt.datetime) -> rrule:
    """The recurrence of `text` from `start`, or a KuiError saying what is wrong with it."""
    rule = normalised(text)
    if not rule:
        raise KuiError(_("a meeting rule is required, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"))
    shown = repr(rule)
    if "DTSTART" in rule:
        raise KuiError(
            _("rule {rule}: give the start with --start, not DTSTART in the rule").format(
                rule=shown
            )
        )
    if re.search(r"UNTIL=[0-9T]+Z", rule):
        raise KuiError(
            _("rule {rule}: UNTIL is local time here, write it without the Z").format(rule=shown)
        )
    try:
        parsed = rrulestr(rule, dtstart=start.replace(tzinfo=None), forceset=False)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise KuiError(
            _("invalid meeting rule {rule}: {error}").format(rule=shown, error=exc)
        ) from None
    if not isinstance(parsed, rrule):
        raise KuiError(_("invalid meeting rule {rule}: give one RRULE").format(rule=shown))
    if parsed._freq > DAILY:  # HOURLY, MINUTELY, SECONDLY: not a meeting schedule
        raise KuiError(_("rule {rule}: meetings recur at most daily").format(rule=shown))
    begins = first(parsed, start)
    if begins is None:
        raise KuiError(
            _("rule {rule} gives no meeting from {start}").format(
                rule=shown, start=f"{start:%Y-%m-%d %H:%M}"
            )
        )
    existing(begins, _("rule {rule}: the first meeting").format(rule=shown))
    return parsed


def load(text: str, start: dt.datetime) -> rrule:
    """A stored rule, checked when it was given: an ended series may have no meetings left."""
    return rrulestr(normalised(text), dtstart=start.replace(tzinfo=None), forceset=False)


def first(recurrence: rrule, start: dt.datetime) -> dt.datetime | None:
    """The first meeting of a series (RFC 5545's DTSTART need not match the rule; ours do)."""
    return recurrence.after(start.replace(tzinfo=None), inc=True)


def between(recurrence: rrule, start: dt.date, end: dt.date) -> list[dt.datetime]:
    """Every occurrence on the days from `start` to `end`, both included."""
    low = dt.datetime.combine(start, dt.time.min)
    high = dt.datetime.combine(end, dt.time.max)
    return list(recurrence.between(low, high, inc=True))


def index_of(recurrence: rrule, start: dt.datetime, occurrence: dt.datetime) -> int:
    """The 0-based number of an occurrence in its series (for rotating organisers)."""
    return len(recurrence.between(start.replace(tzinfo=None), occurrence, inc=True)) - 1


def last(recurrence: rrule) -> dt.datetime | None:
    """The last meeting of a series that ends (COUNT or UNTIL), None for one that goes on."""
    if recurrence._count is None and recurrence._until is None:
        return None
    return recurrence.before(dt.datetime.max, inc=True)


def ended(text: str, last_day: dt.date) -> str:
    """The same rule ending on `last_day` (UNTIL replaces any COUNT or earlier UNTIL)."""
    parts = [p for p in normalised(text).split(";") if not p.startswith(("UNTIL=", "COUNT="))]
    return ";".join([*parts, f"UNTIL={last_day:%Y%m%d}T235959"])


def parse_start(text: str, what: str = "--start") -> dt.datetime:
    """A local date-time as `YYYY-MM-DDTHH:MM` (or with a space); an aware one is converted.

    A local time that does not exist (summer time begins) is refused; see the module's docstring.
    """
    try:
        if len((text or "").strip()) <= len("YYYY-MM-DD"):
            raise ValueError("no time")
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise KuiError(
            _("{what} must be a date and time as YYYY-MM-DDTHH:MM, got {text}").format(
                what=what, text=repr(text)
            )
        ) from None
    if value.tzinfo is not None:
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo(TIMEZONE)).replace(tzinfo=None)
    return existing(value.replace(second=0, microsecond=0), what)


def exists(local: dt.datetime) -> bool:
    """Whether a naive local time occurs in Europe/Copenhagen (not in the spring-forward gap)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(TIMEZONE)
    there_and_back = local.replace(tzinfo=zone).astimezone(dt.UTC).astimezone(zone)
    return there_and_back.replace(tzinfo=None) == local.replace(tzinfo=None)


def existing(local: dt.datetime, what: str) -> dt.datetime:
    """`local` itself, or a KuiError when the clock skips it."""
    if not exists(local):
        raise KuiError(
            _(
                "{what} {time} does not exist in {zone}: the clock skips "
                "that hour when summer time begins; choose another time"
            ).format(what=what, time=f"{local:%Y-%m-%d %H:%M}", zone=TIMEZONE)
        )
    return local
