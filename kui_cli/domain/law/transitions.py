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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import SimpleNamespace
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


# A transition found, before its teams: (date, youth id, age, name, kind, birth date, status,
# need), in the order the transitions are listed.
Found = tuple[dt.date, int, int, str, str, dt.date, str, str]


def team_change(session: Session, found: list[Found], upper_age: int) -> list[tuple[Any, ...]]:
    """The rows of `found` with `from_team` and `to_team`: the team whose target group the youth
    is in the day before the birthday and on it (team 2 to team 3 at 18); null where no team
    takes the youth. Every youth turning the same age has the same age on both days, so the
    teams depend on the age, the need and the status alone (all that `ages.age_group` and
    `teams.team_taking` read): they are matched once for each of these, on the first youth that
    has them, by the rule itself (a month of a million youths has tens of thousands of
    transitions and a few dozen of these)."""
    # teams -> youths -> transitions: imported here, where it is needed, to break the cycle.
    from kui_cli.domain.meetings import teams

    candidates = teams.targets(teams.referral_teams(session))
    chosen: dict[tuple[int, str, str], tuple[str | None, str | None]] = {}

    def slug(born: dt.date, status: str, need: str, day: dt.date) -> str | None:
        group = ages.age_group(born, status, day, upper_age)
        team = teams.team_taking(candidates, SimpleNamespace(status=status, need=need), group)
        return team.slug if team else None

    rows = []
    for day, youth_id, age, name, kind, born, status, need in found:
        key = (age, need, status)
        if key not in chosen:
            before = day - dt.timedelta(days=1)
            chosen[key] = (slug(born, status, need, before), slug(born, status, need, day))
        rows.append((youth_id, name, day, age, kind, *chosen[key]))
    return rows


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
    and after."""
    found = rows_between(session, start, end, upper_age, where=where, kinds=kinds)
    return [Transition(*row) for row in found]


def rows_between(
    session: Session,
    start: dt.date,
    end: dt.date,
    upper_age: int,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    kinds: Collection[str] | None = None,
) -> list[tuple[Any, ...]]:
    """`between` as plain tuples of `COLUMNS` (a listing of tens of thousands makes no objects).
    One query on the indexed birth date, its rows also what the teams are matched on."""
    wanted = [(age, kind) for age, kind in milestones(upper_age) if kinds is None or kind in kinds]
    if end < start or not wanted:
        return []
    windows = [(birth_range(age, start, end), age, kind) for age, kind in wanted]
    ranges = [
        and_(Youth.birth_date > after, Youth.birth_date <= upto) for (after, upto), *_ in windows
    ]
    fields = (Youth.id, Youth.name, Youth.birth_date, Youth.status, Youth.need)
    query = select(*fields).where(or_(*ranges), *where)
    # A youth born in an age's window (`birth_range`) has that birthday start..end: the windows
    # pick the transitions, so only the birthdays found are computed.
    found: list[Found] = [
        (ages.birthday(born, age), youth_id, age, name, kind, born, status, need)
        for youth_id, name, born, status, need in session.connection().execute(query)
        for (after, upto), age, kind in windows
        if after < born <= upto
    ]
    found.sort(key=itemgetter(0, 1, 2))
    return team_change(session, found, upper_age)


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
    where = [access.condition(session)]
    found = rows_between(session, actor.today, end, prof.upper_age, where=where)
    audit.record(session, actor, "list", filters={"within": days}, rows=len(found))
    return [dict(zip(COLUMNS, row, strict=True)) for row in found]


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
