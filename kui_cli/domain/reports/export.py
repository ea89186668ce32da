"""Management's monthly export: one pseudonymised row per youth in KUI during the month.

A youth is named only by `export_key`, the foundation's keyed hash of the CPR (`subject_key`): the
same every month, meaningless without the database's secret, and different in another database.
No CPR, name, birth date or contact detail leaves. The export is one query (`monthly_query`);
`kui_cli.render.files` writes its rows as the database streams them, so memory stays flat however
many youths the municipality has.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Date, Integer, Select, cast, extract, func, literal, select
from sqlmodel import Session

from kui_cli.domain.law import transitions
from kui_cli.domain.plan import contacts, owners
from kui_cli.domain.profile import Profile
from kui_cli.domain.register import history
from kui_cli.domain.register.kui import kui_youth_during
from kui_cli.domain.reports import measures
from kui_cli.domain.reports.months import Period
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
    # issue 16, after the older columns so that a spreadsheet reading by position still works
    "contacts",
    "days_without_contact",
]


def monthly_query(session: Session, period: Period, profile: Profile) -> Select[Any]:
    """The export as one query, its columns named and ordered as `COLUMNS`, in youth order:
    every youth in KUI on some day of the month (the one rule, `kui_youth_during`) who is in the
    register by its end.

    Need, status, age group, coordinator, team and plan owner are as of the month's last day (or
    `today` while the month runs); counts are over the month; `transitions` is the birthday in the
    month that moves the youth on (`turns-18`, `turns-25`, `leaves-kui`), if any; `contacts` counts
    the contacts (reached or not) in the month, `days_without_contact` is `contacts.days_without`
    on the month's last day (no note text leaves).

    The database computes every cell, the plan owner and the changes they have not seen
    included, so a million-youth register's 170,000 rows go to the file as the database yields
    them, with no Python work per row; each cell's SQL is the twin of a Python rule, and tests
    hold them to it (`owners.plan_owner`, `ages.age_group`, `transitions.between`).
    """
    as_of = period.as_of
    met, missed = measures.deadlines(period.start, period.end, period.today)
    plan_owner = owners.plan_owner_initials(as_of)
    status = history.status_at(session, as_of)
    born = Youth.birth_date
    cells = {
        "export_key": Youth.subject_key,
        "birth_year": cast(extract("year", born), Integer),
        "age_group": measures.age_group(born, status, as_of, profile.upper_age),
        "need": history.need_at(session, as_of),
        "status": status,
        "coordinator": measures.coordinator_initials(as_of),
        "team": measures.team_slug(as_of),
        "plan_owner": plan_owner,
        "plan_changes": measures.plan_changes(period.start, as_of),
        "unacknowledged": measures.unacknowledged(as_of),
        "deadlines_met": _per_youth(met),
        "deadlines_missed": _per_youth(missed),
        "transitions": transitions.kind_between(born, period.start, as_of, profile.upper_age),
        "contacts": contacts.made_during(period.start, as_of),
        "days_without_contact": contacts.days_without_sql(as_of),
        "as_of": literal(as_of, Date),
        "so_far": literal(period.so_far, Boolean),
    }
    return (
        select(*(cells[name].label(name) for name in COLUMNS))
        .where(kui_youth_during(period.start, as_of), history.known_on(as_of))
        .order_by(Youth.id)
    )


def _per_youth(per_episode: Any) -> Any:
    """The sum over the youth's duty episodes, an integer in every database."""
    return (
        select(cast(func.coalesce(func.sum(per_episode), 0), Integer))
        .where(DutyEpisode.youth_id == Youth.id)
        .scalar_subquery()
    )
