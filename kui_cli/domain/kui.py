"""Who is a "KUI youth": the one rule every command uses.

Rebild's evaluation found no common definition; this is it, in one place: a youth with need B or
C, with an active or pending coordinator, with an open education-obligation episode (a
15-17-year-old out of activity), or referred to a team and awaiting its decision.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, exists, or_

from kui_cli.domain import duty, owners
from kui_cli.models import Referral, Youth


def kui_youth_condition(today: dt.date) -> ColumnElement[bool]:
    """An SQL condition on `youth` that is true for the KUI youths on `today`."""
    open_referral = exists().where(Referral.youth_id == Youth.id, Referral.decided_on.is_(None))
    return or_(
        Youth.need.in_(("B", "C")),
        owners.has_open_coordinator(today),
        duty.open_episode_exists(today),
        open_referral,
    )
