"""Who is a "KUI youth": the one rule every command uses.

Rebild's evaluation found no common definition; this is it, in one place: a youth with need B or
C, or with a coordinator (active or proposed), an open education-obligation episode or an open
referral to a team. `kui_youth_during` applies the rule over a period (a youth counts when any of
it holds on some day of the period, as the monthly export needs); `kui_youth_condition` is the
same rule on one day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, CompoundSelect, select, union

from kui_cli.domain.law import duty
from kui_cli.domain.periods import open_during
from kui_cli.domain.plan import owners
from kui_cli.models import CoordinatorAssignment, DutyEpisode, Referral, Youth


def kui_youth_condition(today: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth` that is true for the KUI youths on `today`."""
    return kui_youth_during(today, today)


def kui_youth_during(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth` that is true for the youths in KUI on some day start..end."""
    return Youth.id.in_(kui_youth_ids(start, end))


def kui_youth_ids(start: dt.date, end: dt.date) -> CompoundSelect:
    """The ids of the youths in KUI on some day start..end, as one set the database computes
    once per query: a national register's KUI youths are found from the indexes of the needs,
    the assignments, the episodes and the referrals, and then looked up in id order, instead of
    each of a million youths being tested against the rule."""
    needs = select(Youth.id).where(Youth.need.in_(("B", "C")))
    coordinated = select(CoordinatorAssignment.youth_id).where(
        owners.open_assignment_during(start, end)
    )
    obliged = (
        select(DutyEpisode.youth_id)
        .join(Youth, Youth.id == DutyEpisode.youth_id)
        .where(
            open_during(DutyEpisode.out_since, DutyEpisode.closed_on, start, end),
            duty.under_18(start),  # the obligation ends at 18
        )
    )
    referred = select(Referral.youth_id).where(
        open_during(Referral.referred_on, Referral.decided_on, start, end)
    )
    return union(needs, coordinated, obliged, referred)
