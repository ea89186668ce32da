"""The plan owner of each youth: the one hook the monthly export and the overview read.

The rule belongs to the plan (under 18 the UU counsellor, from 18 the jobcentre adviser:
Sønderborg's seed). Until that rule is wired in here, no youth has a known plan owner: the
export's `plan_owner` column is empty and the overview counts every KUI youth as without one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlmodel import Session

PlanOwners = Callable[[Session, Sequence[int], dt.date], dict[int, str]]


def owners(session: Session, youth_ids: Sequence[int], on: dt.date) -> dict[int, str]:
    """The initials of each youth's plan owner on `on`; youths without an owner are left out.

    Called once per batch of youths (about a thousand ids), so it may run one query per call.
    """
    return {}
