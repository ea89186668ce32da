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
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session

from kui_cli.domain import ages, history, measures, owners
from kui_cli.domain.kui import kui_youth_during
from kui_cli.domain.months import Period
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


def monthly_rows(session: Session, period: Period, profile: Profile) -> Iterator[dict[str, Any]]:
    """The export's rows, in youth order, as the database yields them: every youth in KUI on
    some day of the month (the one rule, `kui_youth_during`) who is in the register by its end.

    Need, status, age group, coordinator, team and plan owner are as of the month's last day (or
    `today` while the month runs); counts are over the month; `transitions` is the birthday in the
    month that moves the youth on (`turns-18`, `turns-25`, `leaves-kui`), if any.

    At a million youths this runs for every one of 170,000 rows, so it is one query and the
    per-row work is kept to a dictionary: the database computes every figure (the plan owner and
    the changes they have not seen included); age group and transition depend only on birth date
    and status, of which there are a few thousand distinct values, so each is worked out once
    (`functools.cache`) by the same functions as everywhere else.
    """
    as_of = period.as_of
    measures.without_jit(session)
    met, missed = measures.deadlines(period.start, period.end, period.today)
    plan_owner = owners.plan_owner_initials(as_of)
    query = (
        select(
            Youth.subject_key,
            Youth.birth_date,
            history.need_at(session, as_of),
            history.status_at(session, as_of),
            measures.coordinator_initials(as_of),
            measures.team_slug(as_of),
            plan_owner,
            measures.plan_changes(period.start, as_of),
            measures.unacknowledged(as_of, plan_owner),
            _per_youth(met),
            _per_youth(missed),
        )
        .where(kui_youth_during(period.start, as_of), history.known_on(as_of))
        .order_by(Youth.id)
        .execution_options(yield_per=BATCH)
    )
    upper = profile.upper_age
    age_group = cache(lambda born, status: ages.age_group(born, status, as_of, upper))
    transition_of = cache(lambda born: transition(born, period.start, as_of, upper))
    so_far = period.so_far
    # Core rows on the session's connection (in its transaction): the ORM's loading step would
    # cost more per row than everything this function does with it.
    for (
        key,
        born,
        need,
        status,
        coordinator,
        team,
        owner,
        changes,
        unseen,
        n_met,
        n_missed,
    ) in session.connection().execute(query):
        yield {
            "export_key": key,
            "birth_year": born.year,
            "age_group": age_group(born, status),
            "need": need,
            "status": status,
            "coordinator": coordinator,
            "team": team,
            "plan_owner": owner,
            "plan_changes": changes,
            "unacknowledged": unseen,
            "deadlines_met": int(n_met),
            "deadlines_missed": int(n_missed),
            "transitions": transition_of(born),
            "as_of": as_of,
            "so_far": so_far,
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
