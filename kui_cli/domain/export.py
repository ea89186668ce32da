"""Management's monthly export: one pseudonymised row per youth in KUI during the month.

A youth is named only by `export_key`, the foundation's keyed hash of the CPR (`subject_key`): the
same every month, meaningless without the database's secret, and different in another database.
No CPR, name, birth date or contact detail leaves. Rows are produced while the database streams
them (a server-side cursor on PostgreSQL, batches of `BATCH` youths), so memory stays flat however
many youths the municipality has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from kui_cli.domain import ages, history, measures, plan_owners
from kui_cli.domain.kui import kui_youth_during
from kui_cli.domain.months import Period
from kui_cli.domain.plan_owners import PlanOwners
from kui_cli.domain.profile import Profile
from kui_cli.models import DutyEpisode, Youth

COLUMNS = [
    "export_key",
    "birth_year",
    "age_group",
    "need",
    "status",
    "coordinator",
    "team",
    "plan_owner",
    "plan_changes",
    "unacknowledged",
    "deadlines_met",
    "deadlines_missed",
    "transitions",
    "as_of",
    "so_far",
]
BATCH = 1000


def monthly_rows(
    session: Session,
    period: Period,
    profile: Profile,
    owners_of: PlanOwners = plan_owners.owners,
) -> Iterator[dict[str, Any]]:
    """The export's rows, in youth order, as the database yields them: every youth in KUI on
    some day of the month (the one rule, `kui_youth_during`) who is in the register by its end.

    Need, status, age group, coordinator and team are as of the month's last day (or `today` while
    the month runs); counts are over the month; `transitions` is the birthday in the month that
    moves the youth on (`turns-18`, `turns-25`, `leaves-kui`), if any.
    """
    as_of = period.as_of
    measures.without_jit(session)
    met, missed = measures.deadlines(period.start, period.end, period.today)
    query = (
        select(
            Youth.id,
            Youth.subject_key,
            Youth.birth_date,
            history.need_at(session, as_of).label("need"),
            history.status_at(session, as_of).label("status"),
            measures.coordinator_initials(as_of).label("coordinator"),
            measures.team_slug(as_of).label("team"),
            measures.plan_changes(period.start, as_of).label("plan_changes"),
            _per_youth(met).label("met"),
            _per_youth(missed).label("missed"),
        )
        .where(kui_youth_during(period.start, as_of), history.known_on(as_of))
        .order_by(Youth.id)
        .execution_options(yield_per=BATCH)
    )
    for batch in session.execute(query).partitions():
        ids = [row.id for row in batch]
        owners = owners_of(session, ids, as_of)
        unacknowledged = measures.unacknowledged(session, ids, as_of, owners)
        for row in batch:
            yield {
                "export_key": row.subject_key,
                "birth_year": row.birth_date.year,
                "age_group": ages.age_group(row.birth_date, row.status, as_of, profile.upper_age),
                "need": row.need,
                "status": row.status,
                "coordinator": row.coordinator,
                "team": row.team,
                "plan_owner": owners.get(row.id),
                "plan_changes": row.plan_changes,
                "unacknowledged": unacknowledged[row.id],
                "deadlines_met": int(row.met),
                "deadlines_missed": int(row.missed),
                "transitions": transition(row.birth_date, period.start, as_of, profile.upper_age),
                "as_of": as_of,
                "so_far": period.so_far,
            }


def _per_youth(per_episode: Any) -> Any:
    """The sum over the youth's duty episodes."""
    return (
        select(func.coalesce(func.sum(per_episode), 0))
        .where(DutyEpisode.youth_id == Youth.id)
        .scalar_subquery()
    )


def transition(born: dt.date, start: dt.date, end: dt.date, upper_age: int) -> str | None:
    """The birthday start..end that moves a youth on: 18 (obligation and parents' part end, plan
    owner and team change), 25 (the education plan ends) or the upper age (leaves KUI; where
    that is 25, only `leaves-kui`)."""
    kinds = {18: "turns-18", 25: "turns-25", upper_age: "leaves-kui"}
    for age, kind in kinds.items():
        if start <= ages.birthday(born, age) <= end:
            return kind
    return None
