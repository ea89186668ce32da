"""Dates, times and counts inside a sentence, in the reader's language: Danish as a Danish
letter writes them ("3. december 2026", "torsdag 3. december 2026, uge 49, kl. 10.00-11.00",
"1.905"), English as an English one does ("3 December 2026", "Thursday 3 December 2026, week
49, 10:00-11:00", "1,905"). A table cell keeps ISO dates (`render.cell`): these are for prose."""

from __future__ import annotations

import datetime as dt

from kui_cli import danish
from kui_cli.render.i18n import _, language

# English names, not the C library's locale's (which a Danish LC_TIME would translate).
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip


def date(day: dt.date, weekday: bool = False) -> str:
    """ "3. december 2026" (with the weekday "torsdag 3. december 2026")."""
    if language() == "da":
        return danish.date(day, weekday)
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def clock(moment: dt.datetime) -> str:
    """A wall-clock time: "10.00" in Danish, "10:00" in English."""
    return f"{moment:%H.%M}" if language() == "da" else f"{moment:%H:%M}"


def when(starts: dt.datetime, ends: dt.datetime) -> str:
    """A meeting's date, ISO week and time: "torsdag 3. december 2026, uge 49, kl. 10.00-11.00"."""
    return _("{date}, week {week}, {start}-{end}").format(
        date=date(starts.date(), weekday=True),
        week=starts.isocalendar().week,
        start=clock(starts),
        end=clock(ends),
    )


def number(value: float, decimals: int = 0) -> str:
    """A count or a share: "1.905" and "85,3" in Danish, "1,905" and "85.3" in English."""
    return danish.number(value, decimals) if language() == "da" else f"{value:,.{decimals}f}"


def month(year_month: str, short: bool = False) -> str:
    """`2026-11` as "november 2026" ("nov 26" short) in Danish, "November 2026" ("Nov 26")
    in English."""
    year, index = year_month.split("-")
    name = (danish.MONTHS if language() == "da" else MONTHS)[int(index) - 1]
    return f"{name[:3]} {year[2:]}" if short else f"{name} {year}"


def youth(initials: str, age: int, youth_id: int) -> str:
    """A youth as agendas and worklists name them: initials, age and id, never a name."""
    return _("{initials} ({age} years, no. {id})").format(initials=initials, age=age, id=youth_id)
