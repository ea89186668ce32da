"""What a new youth must be: the one validator of `youth add` and of every row of `youth import`.

The two paths once checked a row each in their own words, and a future `--since` got in by one
door while the other refused it. Now both build a `NewYouth` and call `validated`, so the same
row is refused by both with the same reason; the import only turns its text cells into dates and
numbers first (that parsing is the CSV's, not a rule of the register).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from kui_cli.domain import codes
from kui_cli.domain.profile import Profile
from kui_cli.domain.register import ages, cpr
from kui_cli.errors import KuiError
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

MAX_GRADE = 10


@dataclass
class NewYouth:
    """What a coordinator gives when registering a youth (or a row of an import brings)."""

    cpr: str
    name: str
    status: str = "none"
    since: dt.date | None = None
    need: str = "A"
    school: str | None = None
    grade: int | None = None
    phone: str | None = None
    email: str | None = None


class Registration(NamedTuple):
    """A validated new youth: the column values both paths write."""

    cpr: str
    name: str
    birth_date: dt.date
    status: str
    status_since: dt.date
    need: str
    school: str | None
    grade: int | None
    phone: str | None
    email: str | None


@dataclass(frozen=True)
class AgeWindow:
    """The ages the register takes on `today`: from the profile's `register.min_age` up to, not
    including, its `upper_age` (where `ages.age_group` has no group any more).

    The bounds are birth dates worked out once (`ages.latest_birth_date_for_age`, the form the
    SQL age filters use), so an import of a million rows compares two dates per row."""

    youngest: int
    upper: int
    today: dt.date
    born_after: dt.date
    born_by: dt.date

    @classmethod
    def of(cls, profile: Profile, today: dt.date) -> AgeWindow:
        return cls.between(profile.min_age, profile.upper_age, today)

    @classmethod
    def between(cls, youngest: int, upper: int, today: dt.date) -> AgeWindow:
        after = ages.latest_birth_date_for_age(upper, today)
        by = ages.latest_birth_date_for_age(youngest, today)
        return cls(youngest, upper, today, after, by)

    def admits(self, born: dt.date) -> bool:
        return self.born_after < born <= self.born_by

    def refusal(self, born: dt.date) -> KuiError:
        """The error for a youth born `born` outside the window: their age and the window."""
        return KuiError(
            _(
                "age {age} on {today} is outside the ages KUI registers, {youngest}-{oldest} "
                "(profile keys register.min_age and upper_age)"
            ).format(
                age=ages.age_on(born, self.today),
                today=self.today,
                youngest=self.youngest,
                oldest=self.upper - 1,
            )
        )


def validated(new: NewYouth, window: AgeWindow) -> Registration:
    """The column values of a new youth registered on `window.today`, or a KuiError naming the
    first bad field. The usual codes are looked up directly; anything else goes through `codes`
    for its case folding and its error message."""
    today = window.today
    number, born = cpr.parse(new.cpr, today)
    name = (new.name or "").strip()
    if not name:
        raise KuiError(_("name is empty"))
    status = new.status if new.status in codes.STATUSES else codes.status(new.status)
    need = new.need if new.need in codes.NEEDS else codes.need(new.need)
    if not window.admits(born):
        raise window.refusal(born)
    since = new.since or today
    if not born <= since <= today:
        raise KuiError(
            _("since {since} is not between the birth date {born} and {today}").format(
                since=since, born=born, today=today
            )
        )
    if new.grade is not None:
        checked_grade(new.grade)
    cpr.refuse_in_text(name, "name")  # printed with --names, in JSON and on the plan
    if new.school:
        cpr.refuse_in_text(new.school, "school")  # shown by `youth show`
    return Registration(
        number,
        name,
        born,
        status,
        since,
        need,
        _blank_to_none(new.school),
        new.grade,
        _blank_to_none(new.phone),
        _blank_to_none(new.email),
    )


def registered_text(status: str, need: str) -> Phrase:
    """The history's first row of a youth registered one at a time (`youth add`, the feed)."""
    template = mark("history", "registered with status {status}, need {need}")
    return Phrase(template, {"status": status, "need": need})


def checked_grade(grade: int) -> int:
    """A grade (klassetrin) the register takes."""
    if not 0 <= grade <= MAX_GRADE:
        raise KuiError(_("grade must be 0-{most}, got {grade}").format(most=MAX_GRADE, grade=grade))
    return grade


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value else None
