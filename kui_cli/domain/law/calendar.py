"""Working days: the clock of the law's deadlines (contact within 5 working days).

A working day is a weekday that is not a Danish public holiday (from the `holidays` package, so
the calendar follows the law: Store Bededag is a holiday up to 2023 and not from 2024) and not one
of the profile's extra closing days (`calendar.extra_closing_days`: "MM-DD" for every year, e.g.
"12-24", or a full date "2026-12-28" for one year only).

`holidays` is slow to import and only the commands that compute a deadline need it, so it is
imported here and only inside the function that builds the calendar; no other module imports it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

CLOSING_DAY_NAME = "Lukkedag"
WEEKEND = frozenset({5, 6})


@dataclass(frozen=True)
class ClosingDays:
    """The profile's extra closing days, parsed: yearly month-days and single dates."""

    yearly: frozenset[tuple[int, int]] = frozenset()
    once: frozenset[dt.date] = frozenset()

    def dates_in(self, year: int) -> list[dt.date]:
        """The closing days of one year (29 February only in leap years)."""
        found = [d for d in self.once if d.year == year]
        for month, day in self.yearly:
            try:
                found.append(dt.date(year, month, day))
            except ValueError:
                continue
        return found

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and (
            day in self.once or (day.month, day.day) in self.yearly
        )


def parse_closing_day(text: str) -> tuple[int, int] | dt.date:
    """ "MM-DD" as (month, day), or "YYYY-MM-DD" as a date; ValueError otherwise."""
    if not isinstance(text, str):
        raise ValueError(f"a closing day is a string, got {text!r}")
    value = text.strip()
    if len(value) == 10:
        return dt.date.fromisoformat(value)
    parts = value.split("-")
    if len(value) != 5 or len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise ValueError(f"a closing day is MM-DD or YYYY-MM-DD, got {text!r}")
    month, day = int(parts[0]), int(parts[1])
    dt.date(2000, month, day)  # a leap year: accepts 02-29, rejects 02-30 and 13-01
    return month, day


def closing_days(values: Iterable[str]) -> ClosingDays:
    """Parse a profile's list; KuiError naming the first bad entry."""
    yearly: set[tuple[int, int]] = set()
    once: set[dt.date] = set()
    for value in values:
        try:
            parsed = parse_closing_day(value)
        except ValueError:
            raise KuiError(
                _("extra closing day {value} must be MM-DD (every year) or YYYY-MM-DD").format(
                    value=repr(value)
                )
            ) from None
        if isinstance(parsed, dt.date):
            once.add(parsed)
        else:
            yearly.add(parsed)
    return ClosingDays(frozenset(yearly), frozenset(once))


class WorkingDays:
    """Danish public holidays, weekends and the extra closing days, as one calendar."""

    def __init__(self, extra: ClosingDays | None = None) -> None:
        self.extra = extra or ClosingDays()
        self._holidays = _danish_holidays(self.extra)

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self._holidays.is_working_day(day))

    def nth_working_day_after(self, day: dt.date, n: int) -> dt.date:
        """The Nth working day after `day` (n >= 1); `day` itself never counts."""
        if n < 1:
            raise ValueError(f"n must be at least 1, got {n}")
        return self._holidays.get_nth_working_day(day, n)  # type: ignore[no-any-return]

    def holiday_name(self, day: dt.date) -> str | None:
        """The Danish name of a holiday or closing day, None on an ordinary day."""
        return self._holidays.get(day)  # type: ignore[no-any-return]


@lru_cache(maxsize=8)
def working_days(extra_closing_days: tuple[str, ...] = ()) -> WorkingDays:
    """The calendar for a profile's `calendar.extra_closing_days` (cached per list)."""
    return WorkingDays(closing_days(extra_closing_days))


def nth_working_day_after(day: dt.date, n: int, extra_closing_days: Iterable[str] = ()) -> dt.date:
    """The Nth working day after `day`: the one question the law's deadlines ask. Cached: a bulk
    import asks it for the same few hundred drop-out dates again and again."""
    return _nth_working_day_after(day, n, tuple(extra_closing_days))


@lru_cache(maxsize=4096)
def _nth_working_day_after(day: dt.date, n: int, extra_closing_days: tuple[str, ...]) -> dt.date:
    return working_days(extra_closing_days).nth_working_day_after(day, n)


def _danish_holidays(extra: ClosingDays) -> Any:
    """The `holidays` calendar of Denmark (Danish names) with the extra closing days added.

    Subclassing and extending `_populate(year)` is the package's documented way to add holidays;
    it is called for every year the calendar expands to, so yearly closing days always apply.
    """
    from holidays.countries import Denmark

    class DenmarkWithClosingDays(Denmark):  # type: ignore[misc, valid-type]
        def _populate(self, year: int) -> None:
            super()._populate(year)
            for day in extra.dates_in(year):
                self[day] = CLOSING_DAY_NAME

    calendar = DenmarkWithClosingDays(language="da")
    assert calendar.weekend == WEEKEND, "Danish weekends are Saturday and Sunday"
    return calendar
