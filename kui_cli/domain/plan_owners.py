"""The plan owner of each youth: the one hook the monthly export and the overview read.

The rule belongs to the plan (`owners`: under 18 the UU counsellor, from 18 the jobcentre adviser,
Sønderborg's seed); this adapts it to a batch of ids on a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain.owners import cases
from kui_cli.models import Youth

PlanOwners = Callable[[Session, Sequence[int], dt.date], dict[int, str]]


def owners(session: Session, youth_ids: Sequence[int], on: dt.date) -> dict[int, str]:
    """The initials of each youth's plan owner on `on`; youths without an owner are left out.

    Called once per batch of youths (about a thousand ids): three queries per call.
    """
    youths = session.execute(select(Youth).where(Youth.id.in_(youth_ids))).scalars()
    found = cases(session, youths, on)
    return {youth_id: case.owner.staff.initials for youth_id, case in found.items() if case.owner}
