"""The plan owner of each youth: the hook the monthly export reads (the overview counts the
youths without one in SQL, `owners.has_plan_owner`).

The rule belongs to the plan (`owners.plan_owner`: under 18 the UU counsellor, from 18 the
jobcentre adviser, Sønderborg's seed); this adapts it to a batch of ids on a date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain import owners as case_owners
from kui_cli.models import Staff, Youth

PlanOwners = Callable[[Session, Sequence[int], dt.date], dict[int, str]]


def owners(session: Session, youth_ids: Sequence[int], on: dt.date) -> dict[int, str]:
    """The initials of each youth's plan owner on `on`; youths without an owner are left out.

    Called once per batch of youths (about a thousand ids): four queries per call.
    """
    query = select(Youth.id, Youth.birth_date).where(Youth.id.in_(youth_ids))
    born = {youth_id: birth for youth_id, birth in session.execute(query)}
    return Batches().initials(session, born, on)


class Batches:
    """Plan owners batch after batch over the whole register (the export): the staff members
    are loaded once for all batches, not once per batch."""

    def __init__(self) -> None:
        self.staff: dict[int, Staff] = {}

    def initials(
        self, session: Session, born: Mapping[int, dt.date], on: dt.date
    ) -> dict[int, str]:
        """The initials of the plan owner of each youth (id -> birth date) that has one."""
        found = case_owners.plan_owners(session, born, on, self.staff)
        return {youth_id: owner.staff.initials for youth_id, owner in found.items()}
