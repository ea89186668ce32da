"""Calendar months as reporting periods: `--month YYYY-MM`, "so far" and the last 12 months.

A month that is not over yet is reported "so far": up to and including the reference date
(`--today`), and flagged as such. A month that has not begun is refused: there is nothing to
report, and a cron line with a wrong date should fail loudly rather than write an empty file.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """One calendar month as seen on the reference date `today`."""

    start: dt.date
    end: dt.date
    today: dt.date

    @property
    def month(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"  # %Y drops zeros before 1000

    @property
    def so_far(self) -> bool:
        """The month is not over on `today` (its last day counts as not over until it ends)."""
        return self.today <= self.end

    @property
    def as_of(self) -> dt.date:
        """The last day the figures cover: the month's last day, or `today` while it runs."""
        return min(self.end, self.today)


def month_of(day: dt.date, today: dt.date) -> Period:
    """The month that contains `day` (also December 9999, whose next month Python has not)."""
    start = day.replace(day=1)
    last = calendar.monthrange(start.year, start.month)[1]
    return Period(start, start.replace(day=last), today)


def parse_month(text: str | None, today: dt.date, what: str = "--month") -> Period:
    """`YYYY-MM` (default: the month of `today`); a month that has not begun is refused."""
    if text is None:
        return month_of(today, today)
    match = MONTH.match(text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise KuiError(
            _("{what} must be a month as YYYY-MM, got {text}").format(what=what, text=repr(text))
        )
    period = month_of(dt.date(int(match[1]), int(match[2]), 1), today)
    if period.start > today:
        raise KuiError(
            _("{what} {month} has not begun yet (today is {today})").format(
                what=what, month=period.month, today=today
            )
        )
    return period


def last_months(period: Period, count: int) -> list[Period]:
    """`count` months ending with `period`, oldest first."""
    months = [period]
    while len(months) < count:
        months.insert(0, month_of(months[0].start - dt.timedelta(days=1), period.today))
    return months
