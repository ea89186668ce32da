"""Transitions: the birthdays where young people are lost "between two chairs".

- 18 (`turns-18`): the education obligation and the parents' part end, the plan owner moves from
  UU to the jobcentre, team 2 hands over to team 3;
- 25 (`turns-25`): the education plan ends;
- the profile's upper age (`leaves-kui`): the youth leaves KUI. Where the upper age is 25 that
  birthday is one row, `leaves-kui`; below 25 there is no `turns-25`.

`between` is the one computation: the `transitions` report and the agenda's handover items call
it, for any set of youths (SQL conditions) and any date window. The monthly export needs the kind
as a column of its query: `kind_between` is the same windows (`birth_range`) as SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select
from sqlmodel import Session

from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages
from kui_cli.errors import KuiError
from kui_cli.models import Youth
from kui_cli.render.i18n import _

TURNS_18, TURNS_25, LEAVES_KUI = "turns-18", "turns-25", "leaves-kui"
COLUMNS = ["youth_id", "name", "date", "age", "kind", "from_team", "to_team"]
MAX_WINDOW_DAYS = 3660


@dataclass(frozen=True)
class Transition:
    """One birthday that changes group, plan owner or team; JSON as CLI.md's `transitions`."""

    youth_id: int
    name: str
    date: dt.date
    age: int
    kind: str
    from_team: str | None = None
    to_team: str | None = None

    def as_record(self) -> dict[str, Any]:
        return dict(self.__dict__)  # the fields in order (`asdict` copies deeply: 4x slower)


def milestones(upper_age: int) -> list[tuple[int, str]]:
    """(age, kind) of the birthdays that matter under a profile's upper age, youngest first."""
    found = [(age, kind) for age, kind in ((18, TURNS_18), (25, TURNS_25)) if age < upper_age]
    return [*found, (upper_age, LEAVES_KUI)]


def birth_range(age: int, start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """(after, upto): youths born after `after` and on or before `upto` turn `age` in the window
    start..end (both included), by the same rule as `ages.age_on`."""
    after = ages.latest_birth_date_for_age(age, start - dt.timedelta(days=1))
    return after, ages.latest_birth_date_for_age(age, end)


def kind_between(
    born: ColumnElement[dt.date], start: dt.date, end: dt.date, upper_age: int
) -> ColumnElement[str]:
    """SQL: the kind of the youth's transition start..end (a month: at most one), or null; the
    rule of `between`, for a query that needs it as a column (the monthly export)."""
    windows = ((birth_range(age, start, end), kind) for age, kind in milestones(upper_age))
    return case(
        *((and_(born > after, born <= upto), kind) for (after, upto), kind in windows),
        else_=None,
    )


def team_change(
    session: Session, found: list[Transition], youth_of: Mapping[int, Any], upper_age: int
) -> list[Transition]:
    """Fill `from_team` and `to_team`: the team whose target group the youth is in the day before
    the birthday and on it (team 2 to team 3 at 18); null where no team takes the youth.
    `youth_of` holds each youth's birth_date, status and need (rows of `between`'s query)."""
    # teams -> youths -> transitions: imported here, where it is needed, to break the cycle.
    from kui_cli.domain.meetings import teams

    candidates = teams.targets(teams.referral_teams(session))
    if not found or not candidates:
        return found
    chosen: dict[tuple[int | None, str, str], str | None] = {}

    def slug(youth: Any, day: dt.date) -> str | None:
        group = ages.age_group(youth.birth_date, youth.status, day, upper_age)
        key = (group, youth.need, youth.status)  # all that `teams.team_taking` reads
        if key not in chosen:
            team = teams.team_taking(candidates, youth, group)
            chosen[key] = team.slug if team else None
        return chosen[key]

    return [
        Transition(
            t.youth_id,
            t.name,
            t.date,
            t.age,
            t.kind,
            slug(youth_of[t.youth_id], t.date - dt.timedelta(days=1)),
            slug(youth_of[t.youth_id], t.date),
        )
        for t in found
    ]


def between(
    session: Session,
    start: dt.date,
    end: dt.date,
    upper_age: int,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    kinds: Collection[str] | None = None,
) -> list[Transition]:
    """Every transition from `start` to `end` (both included) of the youths matching `where`
    (only those of `kinds` when given), ordered by date, then youth id, with the teams before
    and after. One query on the indexed birth date, its rows (not ORM objects) also what the
    teams are matched on."""
    wanted = [(age, kind) for age, kind in milestones(upper_age) if kinds is None or kind in kinds]
    if end < start or not wanted:
        return []
    windows = [(birth_range(age, start, end), age, kind) for age, kind in wanted]
    ranges = [
        and_(Youth.birth_date > after, Youth.birth_date <= upto) for (after, upto), *_ in windows
    ]
    fields = (Youth.id, Youth.name, Youth.birth_date, Youth.status, Youth.need)
    rows = session.connection().execute(select(*fields).where(or_(*ranges), *where)).all()
    # A youth born in an age's window (`birth_range`) has that birthday start..end: the windows
    # pick the transitions, so only the birthdays found are computed.
    found = [
        Transition(row.id, row.name, ages.birthday(row.birth_date, age), age, kind)
        for row in rows
        for (after, upto), age, kind in windows
        if after < row.birth_date <= upto
    ]
    found.sort(key=lambda t: (t.date, t.youth_id, t.age))
    return team_change(session, found, {row.id: row for row in rows}, upper_age)


def listing(
    session: Session, actor: Actor, prof: Profile, within: int | None = None
) -> list[dict[str, Any]]:
    """`transitions [--within DAYS]`: from `--today` to DAYS later (default: the profile's
    `agenda.handover_days`); audited as a listing."""
    days = prof.value("agenda.handover_days") if within is None else within
    if not 0 <= days <= MAX_WINDOW_DAYS:
        raise KuiError(
            _("--within must be 0-{max} days, got {days}").format(max=MAX_WINDOW_DAYS, days=days)
        )
    end = actor.today + dt.timedelta(days=days)
    found = between(session, actor.today, end, prof.upper_age, where=[access.condition(session)])
    audit.record(session, actor, "list", filters={"within": days}, rows=len(found))
    return [t.as_record() for t in found]


def next_for(born: dt.date, today: dt.date, upper_age: int) -> tuple[dt.date, str] | None:
    """The youth's next transition on or after `today`, or None past the upper age."""
    upcoming = [
        (day, kind)
        for age, kind in milestones(upper_age)
        if (day := ages.birthday(born, age)) >= today
    ]
    return min(upcoming, default=None)


def show_fields(youth: Youth, today: dt.date, upper_age: int) -> dict[str, Any]:
    """For `youth show`: the next transition and its date."""
    upcoming = next_for(youth.birth_date, today, upper_age)
    kind, day = (upcoming[1], upcoming[0]) if upcoming else (None, None)
    return {"next_transition": kind, "next_transition_on": day}
