"""The per-youth measures that the monthly export and the overview share, as SQL on `youth`.

Who is coordinator on a day, which team a youth belongs to, and which education-obligation
deadlines were met or missed: each is defined once here, so the export's rows add up to the
overview's totals. What a plan change is (`changes.plan_change`) and which of them wait for the
plan owner (`inbox.is_open_for_owner`) are the plan's own rules, read here as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import ColumnElement, and_, case, func, select

from kui_cli.domain import codes
from kui_cli.domain.law import duty
from kui_cli.domain.periods import open_during, start_of
from kui_cli.domain.plan import changes, inbox, owners
from kui_cli.domain.register import ages, history
from kui_cli.errors import KuiError
from kui_cli.models import (
    ChangeLog,
    CoordinatorAssignment,
    DutyEpisode,
    Goal,
    Referral,
    Staff,
    Team,
    Youth,
)
from kui_cli.render.i18n import _

assignment = CoordinatorAssignment


def in_kui_ages(on: dt.date, upper_age: int) -> ColumnElement[bool]:
    """In the register on `on` and younger than the profile's upper age then."""
    return aged(0, upper_age - 1, on)


def aged(youngest: int, oldest: int, on: dt.date) -> ColumnElement[bool]:
    """In the register on `on` and aged `youngest` to `oldest` years (both included) then."""
    return and_(
        Youth.birth_date <= ages.latest_birth_date_for_age(youngest, on),
        Youth.birth_date > ages.latest_birth_date_for_age(oldest + 1, on),
        history.known_on(on),
    )


def age_group_condition(
    group: int,
    today: dt.date,
    upper_age: int,
    born: ColumnElement[dt.date] = Youth.birth_date,
    status: ColumnElement[str] = Youth.status,
) -> ColumnElement[bool]:
    """SQL for `age_group == group` on `today`, the same rule as `ages.age_group`: by default
    the youth's current status, or the status it had on a day (`history.status_at`)."""
    born_18 = ages.latest_birth_date_for_age(18, today)
    born_25 = ages.latest_birth_date_for_age(25, today)
    born_upper = ages.latest_birth_date_for_age(upper_age, today)
    in_kui = born > born_upper
    primary = status.in_(codes.PRIMARY_SCHOOL)
    by_group = {
        1: primary,
        2: and_(~primary, born > born_18),
        3: and_(~primary, born <= born_18, born > born_25),
        4: and_(~primary, born <= born_25),
    }
    if group not in by_group:
        raise KuiError(_("age group must be 1, 2, 3 or 4, got {group}").format(group=group))
    return and_(in_kui, by_group[group])


def age_group(
    born: ColumnElement[dt.date], status: ColumnElement[str], on: dt.date, upper_age: int
) -> ColumnElement[int]:
    """SQL: `ages.age_group` as a column (null from the upper age), so the export's rows leave
    the database finished; the groups' conditions are `age_group_condition`'s."""
    groups = ((age_group_condition(g, on, upper_age, born, status), g) for g in (1, 2, 3, 4))
    return case(*groups, else_=None)


def coordinator_initials(on: dt.date) -> ColumnElement[str]:
    """The initials of the youth's active coordinator on `on` (the latest started), or null."""
    return (
        select(Staff.initials)
        .join(assignment, assignment.staff_id == Staff.id)
        .where(assignment.youth_id == Youth.id, owners.active_assignment(on))
        .order_by(assignment.start_on.desc(), assignment.id.desc())
        .limit(1)
        .scalar_subquery()
    )


class TeamReferral(NamedTuple):
    """A referral as the team rule needs it."""

    id: int
    team: str
    referred_on: dt.date
    decided_on: dt.date | None


def team_on(referrals: Iterable[TeamReferral], on: dt.date) -> str | None:
    """The youth's team on `on`: the team of the referral open that day (referred by then and
    not yet decided: a referral decided on `on` is no longer open), the latest referred of them,
    of those referred the same day the last recorded (highest id); else the team of the last
    decision by `on` (latest decided, then highest id); else none. `team_slug` is its SQL."""
    found = list(referrals)
    open_then = [r for r in found if r.referred_on <= on and not _decided_by(r.decided_on, on)]
    if open_then:
        return max(open_then, key=lambda r: (r.referred_on, r.id)).team
    decided = [r for r in found if _decided_by(r.decided_on, on)]
    if decided:
        return max(decided, key=lambda r: (r.decided_on, r.id)).team
    return None


def _decided_by(decided_on: dt.date | None, on: dt.date) -> bool:
    return decided_on is not None and decided_on <= on


def team_slug(on: dt.date) -> ColumnElement[str]:
    """SQL on `youth`: `team_on`, the youth's team on `on` (tests/test_sql_twins.py holds the
    two together)."""
    teams = select(Team.slug).join(Referral, Referral.team_id == Team.id)
    open_referral = (
        teams.where(
            Referral.youth_id == Youth.id,
            open_during(Referral.referred_on, Referral.decided_on, on, on),
        )
        .order_by(Referral.referred_on.desc(), Referral.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    last_decision = (
        teams.where(Referral.youth_id == Youth.id, Referral.decided_on <= on)
        .order_by(Referral.decided_on.desc(), Referral.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(open_referral, last_decision)


def plan_changes(start: dt.date, end: dt.date) -> ColumnElement[int]:
    """How many plan changes of the youth took effect start..end."""
    return (
        select(func.count())
        .where(ChangeLog.youth_id == Youth.id, changes.plan_change())
        .where(ChangeLog.effective_on >= start, ChangeLog.effective_on <= end)
        .scalar_subquery()
    )


def goal_achieved(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """SQL on `goal`: achieved start..end (its `closed_on`, the day it was marked achieved)."""
    return and_(Goal.status == "achieved", Goal.closed_on >= start, Goal.closed_on <= end)


def unacknowledged(on: dt.date) -> ColumnElement[int]:
    """How many of the youth's changes waited for the plan owner of `on` at the end of that day:
    the owner's inbox as it stood then (`inbox.is_open_for_owner`), nothing without an owner."""
    end_of_day = start_of(on + dt.timedelta(days=1))
    waiting = inbox.is_open_for_owner(
        owners.plan_owner_initials(on), owners.plan_owner_since(on), on, end_of_day
    )
    return select(func.count()).where(ChangeLog.youth_id == Youth.id, waiting).scalar_subquery()


def deadlines(
    start: dt.date, end: dt.date, today: dt.date
) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """Per duty episode: how many of its deadlines (contact, offer) falling start..end were met,
    and how many missed. Met: done on or before the deadline. Missed: the deadline day is over
    (before `today`) and the step came late or not at all, unless the episode closed first
    (the youth went back to an activity, turned 18 or was exempted)."""
    met: list[ColumnElement[int]] = []
    missed: list[ColumnElement[int]] = []
    episode = DutyEpisode
    steps = (
        (episode.contact_deadline, episode.contacted_on),
        (episode.offer_deadline, episode.offered_on),
    )
    for due, done in steps:
        falls = and_(due >= start, due <= end)
        late = duty.step_missed(due, done, episode.closed_on, due < today)
        met.append(case((and_(falls, duty.step_met(due, done)), 1), else_=0))
        missed.append(case((and_(falls, late), 1), else_=0))
    return met[0] + met[1], missed[0] + missed[1]
