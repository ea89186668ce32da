"""Danish dates for what is printed in Danish: agendas, minutes and the youth's own plan."""

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


def when(starts: dt.datetime, ends: dt.datetime) -> str:
    """Date, ISO week and time: "torsdag 3. december 2026, uge 49, kl. 10.00-11.00"."""
    week = starts.isocalendar().week
    return f"{date(starts.date(), weekday=True)}, uge {week}, kl. {starts:%H.%M}-{ends:%H.%M}"
