"""Who is a "KUI youth": the one rule every command uses.

Rebild's evaluation found no common definition; this is it, in one place: a youth with need B or
C, or with a coordinator (active or proposed), an open education-obligation episode or an open
referral to a team. `kui_youth_during` applies the rule over a period (a youth counts when any of
it holds on some day of the period, as the monthly export needs); `kui_youth_condition` is the
same rule on one day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, exists, or_

from kui_cli.domain import duty, owners
from kui_cli.domain.periods import open_during
from kui_cli.models import CoordinatorAssignment, DutyEpisode, Referral, Youth


def kui_youth_condition(today: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth` that is true for the KUI youths on `today`."""
    return kui_youth_during(today, today)


def kui_youth_during(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth` that is true for the youths in KUI on some day start..end."""
    return or_(
        Youth.need.in_(("B", "C")),
        exists().where(
            CoordinatorAssignment.youth_id == Youth.id, owners.open_assignment_during(start, end)
        ),
        and_(
            duty.under_18(start),  # the obligation ends on the 18th birthday
            exists().where(
                DutyEpisode.youth_id == Youth.id,
                open_during(DutyEpisode.out_since, DutyEpisode.closed_on, start, end),
            ),
        ),
        exists().where(
            Referral.youth_id == Youth.id,
            open_during(Referral.referred_on, Referral.decided_on, start, end),
        ),
    )
