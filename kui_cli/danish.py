"""Danish dates and numbers for what is printed in Danish (agendas, minutes and the youth's own
plan, and every message of the Danish catalog), and Danish local time for every moment a person
reads in a table."""

from __future__ import annotations

import datetime as dt

WEEKDAYS = ("mandag", "tirsdag", "onsdag", "torsdag", "fredag", "lørdag", "søndag")
MONTHS = (
    "januar",
    "februar",
    "marts",
    "april",
    "maj",
    "juni",
    "juli",
    "august",
    "september",
    "oktober",
    "november",
    "december",
)


def date(day: dt.date, weekday: bool = False) -> str:
    """ "3. december 2026", or with the weekday "torsdag 3. december 2026"."""
    text = f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def long_date(day: dt.date) -> str:
    """The date as a Danish letter or notice writes it: "torsdag den 3. december 2026"."""
    return f"{WEEKDAYS[day.weekday()]} den {date(day)}"


def number(value: float, decimals: int = 0) -> str:
    """A number the Danish way: "1.905", "12,5" (a point between thousands, a decimal comma)."""
    return f"{value:,.{decimals}f}".translate(_DANISH_SEPARATORS)


_DANISH_SEPARATORS = str.maketrans(",.", ".,")


def counted(count: int, one: str, many: str) -> str:
    """A count with its noun in the right number: "1 ændring", "2 ændringer" (never the
    "ændring(er)" of a form that did not count)."""
    return f"{number(count)} {one if count == 1 else many}"


def when(starts: dt.datetime, ends: dt.datetime) -> str:
    """Date, ISO week and time: "torsdag 3. december 2026, uge 49, kl. 10.00-11.00"."""
    week = starts.isocalendar().week
    return f"{date(starts.date(), weekday=True)}, uge {week}, kl. {starts:%H.%M}-{ends:%H.%M}"


def local_time(moment: dt.datetime) -> str:
    """A moment as a person in Denmark reads it, to the minute: "2026-07-01 14:05".

    A recorded timestamp (the change log, the audit log) is stored as UTC and comes back with
    its zone: it is shown in Europe/Copenhagen time, summer or winter. A naive one is a meeting's
    wall-clock time, local already. Scripts get the stored moment itself (JSON, csv)."""
    if moment.tzinfo is not None:
        from zoneinfo import ZoneInfo

        from kui_cli.domain.meetings.recurrence import TIMEZONE

        moment = moment.astimezone(ZoneInfo(TIMEZONE))
    return f"{moment:%Y-%m-%d %H:%M}"
