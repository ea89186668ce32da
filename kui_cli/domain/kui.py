"""Who is a "KUI youth": the one rule every command uses.

Rebild's evaluation found no common definition; this is it, in one place: a youth with need B or
C, or with a coordinator (active or proposed), an open education-obligation episode or an open
referral to a team. `kui_youth_during` applies the rule over a period (a youth counts when any of
it holds on some day of the period, as the monthly export needs); `kui_youth_condition` is the
same rule on one day.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, or_, select

from kui_cli.domain import duty, owners
from kui_cli.domain.periods import open_during
from kui_cli.models import CoordinatorAssignment, DutyEpisode, Referral, Youth


def kui_youth_condition(today: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth` that is true for the KUI youths on `today`."""
    return kui_youth_during(today, today)


def kui_youth_during(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth` that is true for the youths in KUI on some day start..end.

    The youths with a coordinator, an episode or a referral are sets the database computes once
    per query (and can look youths up by), not a lookup per youth of the whole register.
    """
    coordinated = select(CoordinatorAssignment.youth_id).where(
        owners.open_assignment_during(start, end)
    )
    obliged = select(DutyEpisode.youth_id).where(
        open_during(DutyEpisode.out_since, DutyEpisode.closed_on, start, end)
    )
    referred = select(Referral.youth_id).where(
        open_during(Referral.referred_on, Referral.decided_on, start, end)
    )
    return or_(
        Youth.need.in_(("B", "C")),
        Youth.id.in_(coordinated),
        and_(duty.under_18(start), Youth.id.in_(obliged)),  # the obligation ends at 18
        Youth.id.in_(referred),
    )
