"""Management's figures: the monthly overview, the application shares and the 2030 targets.

Everything is counted in the database (GROUP BY, sums of conditions); only the few values behind a
median are read out. Statuses and needs on a past date are rebuilt from the change log
(`history`), ages and age groups use the same rule as everywhere else (`ages`).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, exists, func, or_, select
from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain.law import duty
from kui_cli.domain.periods import open_during
from kui_cli.domain.plan import changes, owners
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, history
from kui_cli.domain.register.kui import kui_youth_during
from kui_cli.domain.reports import kept, measures, months
from kui_cli.domain.reports.months import Period
from kui_cli.errors import KuiError
from kui_cli.models import (
    ChangeLog,
    CoordinatorAssignment,
    DutyEpisode,
    Goal,
    Referral,
    Staff,
    Team,
    Youth,
)
from kui_cli.render.i18n import _

GROUPS = (1, 2, 3, 4)
TREND_MONTHS = 12
# The national targets, measured on 1 October: (milestone 2025, target 2030), in percent.
COMPLETED_TARGETS = (85.0, 90.0)
NEET_TARGETS = (5.0, 3.5)
VOCATIONAL_MINIMUM = 10.0


def job_hours_threshold(profile: Profile) -> float:
    """Weekly hours below which a job is not an activity (the profile's, 18 or 20)."""
    return duty.DutyRules.of(profile).job_hours_threshold


def neet(value: ColumnElement[str], hours_threshold: float) -> ColumnElement[bool]:
    """A status `value` not in education or job (NEET): a NEET status (`codes.STATUS_TABLE`), or a
    short job (`duty.short_job`); the hours are known only for the current status (a youth whose
    status is the same then and today)."""
    short_job = duty.short_job(Youth.status, Youth.hours, hours_threshold)
    return or_(value.in_(codes.NEET), and_(value == Youth.status, short_job))


def neet_on(session: Session, on: dt.date, hours_threshold: float) -> ColumnElement[bool]:
    """Not in education or job on `on`."""
    return neet(history.status_at(session, on), hours_threshold)


def percent(part: int, whole: int, digits: int = 1) -> float | None:
    return round(100 * part / whole, digits) if whole else None


def median(values: Sequence[float], digits: int = 1) -> float | None:
    return round(statistics.median(values), digits) if values else None


# ---------------------------------------------------------------------------------------------
# The overview


def overview(
    session: Session,
    actor: Actor,
    profile: Profile,
    period: Period,
) -> dict[str, Any]:
    """Every figure of the monthly overview, as the JSON contract of `report overview`.

    The counts are kept (`kept`): they change only when the data does. The caseloads, which
    name coordinators, are counted every time (a few hundred staff rows)."""
    as_of = period.as_of
    key = {"start": period.start, "today": period.today, "profile": profile.data}
    counted = kept.kept(
        session, "overview", key, lambda: _overview_counts(session, profile, period)
    )
    for trend in ("out_of_activity_trend", "goals_achieved_need_c"):
        for month in counted[trend]:
            month["as_of"] = dt.date.fromisoformat(month["as_of"])
    before, after = OVERVIEW_COUNTS[:6], OVERVIEW_COUNTS[6:]  # the caseloads come between
    result: dict[str, Any] = {
        "month": period.month,
        "from": period.start,
        "to": as_of,
        "so_far": period.so_far,
        "municipality": profile.data.get("name"),
        "upper_age": profile.upper_age,
        **{name: counted[name] for name in before},
        "caseloads": caseloads(session, as_of),
        **{name: counted[name] for name in after},
    }
    audit.record(session, actor, "report", filters={"report": "overview", "month": period.month})
    return result


OVERVIEW_COUNTS = (
    "age_groups",
    "needs",
    "statuses",
    "kui_youths",
    "need_c_without_coordinator",
    "without_plan_owner",
    "deadlines",
    "plan_changes",
    "referrals",
    "out_of_activity_trend",
    "goals_achieved_need_c",
)


def _overview_counts(session: Session, profile: Profile, period: Period) -> dict[str, Any]:
    """The overview's kept figures (`OVERVIEW_COUNTS`): counts and medians, no one named."""
    kui_youths, without_owner = _kui_youths(session, period)
    return {
        **register_counts(session, period.as_of, profile.upper_age),
        "kui_youths": kui_youths,
        "need_c_without_coordinator": _need_c_without_coordinator(session, period.as_of, profile),
        "without_plan_owner": without_owner,
        "deadlines": deadline_figures(session, period),
        "plan_changes": plan_change_figures(session, period),
        "referrals": referrals_per_team(session, period),
        "out_of_activity_trend": neet_trend(session, period, profile),
        "goals_achieved_need_c": goals_achieved_trend(session, period, profile),
    }


def register_counts(session: Session, on: dt.date, upper_age: int) -> dict[str, Any]:
    """Youths in KUI ages on `on` by age group, and by need and by status within the groups.

    Grouped by status and need in the database, with the age bands as sums (a group by birth
    date would hand Python thousands of groups, a group by a computed age group makes the
    database sort the whole register); the groups are then `ages.age_group`'s: primary school
    pupils are group 1 at any age, the others by age band. The ages are in the sums, not in the
    WHERE clause: most of the register is in KUI ages, and a birth-date range would send the
    database through the birth-date index to the table, where the index of the register's counts
    (status, need, birth date, ...) answers alone, already grouped."""
    born, status, need = (
        Youth.birth_date,
        history.status_at(session, on),
        history.need_at(session, on),
    )
    youngest = born <= ages.latest_birth_date_for_age(0, on)
    born_18, born_25 = (ages.latest_birth_date_for_age(age, on) for age in (18, 25))
    band = {
        2: and_(youngest, born > born_18),
        3: and_(born <= born_18, born > born_25),
        4: and_(born <= born_25, born > ages.latest_birth_date_for_age(upper_age, on)),
    }
    sums = [func.sum(case((condition, 1), else_=0)) for condition in band.values()]
    query = select(status, need, *sums).where(history.known_on(on)).group_by(status, need)
    by_need: Counter[tuple[str, int]] = Counter()
    by_status: Counter[tuple[str, int]] = Counter()
    for code, level, *counts in session.execute(query):
        for group, n in zip(band, counts, strict=True):
            group_of = 1 if code in codes.PRIMARY_SCHOOL else group
            by_need[level, group_of] += n or 0
            by_status[code, group_of] += n or 0
    return {
        "age_groups": [
            {
                "age_group": g,
                "youths": sum(n for (_need, group), n in by_need.items() if group == g),
            }
            for g in GROUPS
        ],
        "needs": [_across_groups("need", code, by_need) for code in codes.NEEDS],
        "statuses": [_across_groups("status", code, by_status) for code in codes.STATUSES],
    }


def _across_groups(key: str, code: str, counts: Counter[tuple[str, int]]) -> dict[str, Any]:
    row: dict[str, Any] = {key: code}
    row.update({f"group_{g}": counts[code, g] for g in GROUPS})
    row["total"] = sum(counts[code, g] for g in GROUPS)
    return row


def _kui_youths(session: Session, period: Period) -> tuple[int, int]:
    """KUI youths during the month, and how many of them have no plan owner at its end."""
    without = case((owners.has_plan_owner(period.as_of), 0), else_=1)
    query = select(func.count(), func.coalesce(func.sum(without), 0)).where(
        kui_youth_during(period.start, period.as_of), history.known_on(period.as_of)
    )
    total, without_owner = session.execute(query).one()
    return int(total), int(without_owner)


def _need_c_without_coordinator(session: Session, on: dt.date, profile: Profile) -> int:
    has_coordinator = exists().where(
        CoordinatorAssignment.youth_id == Youth.id, owners.active_assignment(on)
    )
    query = select(func.count()).where(
        measures.in_kui_ages(on, profile.upper_age),
        history.need_at(session, on) == "C",
        ~has_coordinator,
    )
    return session.execute(query).scalar() or 0


def caseloads(session: Session, on: dt.date) -> list[dict[str, Any]]:
    """Each coordinator's youths on `on` (active, and pending that count against capacity)."""
    active = func.sum(case((owners.active_assignment(on), 1), else_=0))
    pending = func.sum(case((owners.pending_assignment(on), 1), else_=0))
    query = (
        select(Staff.initials, Staff.role, Staff.capacity, active, pending)
        .outerjoin(CoordinatorAssignment, CoordinatorAssignment.staff_id == Staff.id)
        .group_by(Staff.id, Staff.initials, Staff.role, Staff.capacity)
        .order_by(Staff.initials)
    )
    rows = []
    for initials, role, capacity, n_active, n_pending in session.execute(query):
        load = (n_active or 0) + (n_pending or 0)
        if capacity is None and not load:
            continue
        rows.append(
            {
                "coordinator": initials,
                "role": role,
                "active": n_active or 0,
                "pending": n_pending or 0,
                "capacity": capacity,
                "load_percent": percent(load, capacity, 0) if capacity else None,
                "over_capacity": capacity is not None and load > capacity,
            }
        )
    return rows


def deadline_figures(session: Session, period: Period) -> dict[str, Any]:
    """Education-obligation deadlines falling in the month, met or missed, and the median
    calendar days from dropping out to the contact, for contacts made in the month."""
    met, missed = measures.deadlines(period.start, period.end, period.today)
    n_met, n_missed = session.execute(
        select(func.coalesce(func.sum(met), 0), func.coalesce(func.sum(missed), 0))
    ).one()
    contacted = DutyEpisode.contacted_on
    query = select(DutyEpisode.out_since, contacted).where(
        contacted >= period.start, contacted <= period.as_of
    )
    days = [(done - out).days for out, done in session.execute(query)]
    return {
        "met": int(n_met),
        "missed": int(n_missed),
        "met_percent": percent(int(n_met), int(n_met) + int(n_missed)),
        "contacts": len(days),
        "median_days_to_contact": median(days),
    }


def plan_change_figures(session: Session, period: Period) -> dict[str, Any]:
    """Plan changes that took effect in the month; of these, how many the owner acknowledged,
    and the median days from the change to the acknowledgement (the database subtracts the
    timestamps: a month of a national register has tens of thousands of changes)."""
    query = select(_days_between(session, ChangeLog.at, ChangeLog.acknowledged_at)).where(
        changes.plan_change(),
        ChangeLog.effective_on >= period.start,
        ChangeLog.effective_on <= period.as_of,
    )
    days = session.connection().execute(query).scalars().all()  # plain rows: no ORM per row
    waits = [float(d) for d in days if d is not None]
    return {
        "changes": len(days),
        "acknowledged": len(waits),
        "median_days_to_acknowledge": median(waits),
    }


def _days_between(session: Session, start: Any, end: Any) -> ColumnElement[float]:
    """Days (with fractions) from one UTC timestamp to another, null if either is."""
    if session.get_bind().dialect.name == "sqlite":
        return func.julianday(end) - func.julianday(start)
    return func.extract("epoch", end - start) / 86400


def referrals_per_team(session: Session, period: Period) -> list[dict[str, Any]]:
    """Per team: referrals received and handled (decided) in the month, and open at its end."""

    def within(column: Any) -> Any:
        return func.sum(case((and_(column >= period.start, column <= period.as_of), 1), else_=0))

    still_open = open_during(Referral.referred_on, Referral.decided_on, period.as_of, period.as_of)
    query = (
        select(
            Team.slug,
            within(Referral.referred_on),
            within(Referral.decided_on),
            func.sum(case((still_open, 1), else_=0)),
        )
        .outerjoin(Referral, Referral.team_id == Team.id)
        .group_by(Team.id, Team.slug)
        .order_by(Team.slug)
    )
    return [
        {"team": slug, "received": received or 0, "handled": handled or 0, "open": opened or 0}
        for slug, received, handled, opened in session.execute(query)
    ]


def neet_trend(session: Session, period: Period, profile: Profile) -> list[dict[str, Any]]:
    """Youths in KUI ages outside education and job at the end of each of the last 12 months."""
    threshold = job_hours_threshold(profile)
    trend = months.last_months(period, TREND_MONTHS)
    counts = history.counts_on(
        session,
        [month.as_of for month in trend],
        "status",
        lambda on: measures.in_kui_ages(on, profile.upper_age),
        lambda status: neet(status, threshold),
    )
    return [
        {"month": month.month, "as_of": month.as_of, "youths": youths}
        for month, youths in zip(trend, counts, strict=True)
    ]


def goals_achieved_trend(
    session: Session, period: Period, profile: Profile
) -> list[dict[str, Any]]:
    """Goals achieved in each of the last 12 months by the young people with need C (flerfaglig
    indsats) in KUI ages at that month's end, their need as it was then (`history`): one query
    over the goals achieved in the year, a sum per month."""
    trend = months.last_months(period, TREND_MONTHS)

    def achieved_in(month: Period) -> ColumnElement[bool]:
        return and_(
            measures.goal_achieved(month.start, month.as_of),
            measures.in_kui_ages(month.as_of, profile.upper_age),
            history.need_at(session, month.as_of) == "C",
        )

    sums = [func.coalesce(func.sum(case((achieved_in(m), 1), else_=0)), 0) for m in trend]
    query = (
        select(*sums)
        .select_from(Goal)
        .join(Youth, Youth.id == Goal.youth_id)
        .where(measures.goal_achieved(trend[0].start, trend[-1].as_of))
    )
    counts = session.execute(query).one()
    return [
        {"month": month.month, "as_of": month.as_of, "goals": int(goals)}
        for month, goals in zip(trend, counts, strict=True)
    ]


# ---------------------------------------------------------------------------------------------
# Application shares (søgetal)


APPLICATION_LABELS = {
    "vocational": "Erhvervsuddannelser",
    "gymnasium": "Gymnasiale uddannelser",
    "other": "øvrige (herunder elever til den forberedende grunduddannelse)",
}


def applications(session: Session, actor: Actor, year: int) -> dict[str, Any]:
    """The shares of the applications recorded in `year` (`youth update --applied`), in whole
    percent that add up to 100, as the municipality publishes them at the end of May; below 10 %
    to vocational education the municipality must make an action plan."""
    if year > actor.today.year:
        raise KuiError(
            _("--year {year} has not begun yet (today is {today})").format(
                year=year, today=actor.today
            )
        )
    query = (
        select(Youth.applied, func.count())
        .where(Youth.applied_on >= dt.date(year, 1, 1), Youth.applied_on <= dt.date(year, 12, 31))
        .where(Youth.applied.is_not(None))
        .group_by(Youth.applied)
    )
    counts = dict.fromkeys(codes.APPLIED, 0) | dict(session.execute(query).all())
    total = sum(counts.values())
    shares = whole_percents(list(counts.values())) if total else [None] * len(counts)
    vocational = 100 * counts["vocational"] / total if total else None
    audit.record(session, actor, "report", filters={"report": "applications", "year": year})
    return {
        "year": year,
        "applicants": total,
        "shares": [
            {"education": code, "label": APPLICATION_LABELS[code], "applicants": n, "percent": p}
            for (code, n), p in zip(counts.items(), shares, strict=True)
        ],
        "action_plan_required": vocational is not None and vocational < VOCATIONAL_MINIMUM,
    }


def whole_percents(counts: Sequence[int]) -> list[int]:
    """Whole percents that add up to 100 (largest remainder; ties go to the first)."""
    total = sum(counts)
    exact = [100 * n / total for n in counts]
    result = [int(x) for x in exact]
    by_remainder = sorted(range(len(counts)), key=lambda i: result[i] - exact[i])
    for i in by_remainder[: 100 - sum(result)]:
        result[i] += 1
    return result


# ---------------------------------------------------------------------------------------------
# The 2030 targets


def measurement_day(year: int | None, today: dt.date) -> dt.date:
    """1 October of `year` (default: the last 1 October up to today); a future one is refused."""
    if year is None:
        year = today.year if today >= dt.date(today.year, 10, 1) else today.year - 1
    day = dt.date(year, 10, 1)
    if day > today:
        raise KuiError(
            _("1 October {year} has not come yet (today is {today})").format(year=year, today=today)
        )
    return day


def targets(session: Session, actor: Actor, profile: Profile, year: int | None) -> dict[str, Any]:
    """The two national 2030 targets measured on the register as of 1 October."""
    on = measurement_day(year, actor.today)
    completed = or_(Youth.completed_on <= on, history.status_at(session, on).in_(codes.COMPLETED))
    neet = neet_on(session, on, job_hours_threshold(profile))
    rows = [
        _target(session, "completed", measures.aged(25, 25, on), completed, COMPLETED_TARGETS),
        _target(session, "neet", measures.aged(15, 24, on), neet, NEET_TARGETS, lower=True),
    ]
    audit.record(session, actor, "report", filters={"report": "targets", "date": on})
    return {"date": on, "targets": rows}


TARGET_TEXTS = {
    "completed": "25-årige med en gennemført ungdomsuddannelse",
    "neet": "15-24-årige uden for uddannelse og job",
}


def _target(
    session: Session,
    name: str,
    population: ColumnElement[bool],
    counted: ColumnElement[bool],
    goals: tuple[float, float],
    lower: bool = False,
) -> dict[str, Any]:
    query = select(func.count(), func.coalesce(func.sum(case((counted, 1), else_=0)), 0))
    youths, count = session.execute(query.where(population)).one()
    share = percent(int(count), youths)

    def met(goal: float) -> bool | None:
        if share is None:
            return None
        return share <= goal if lower else share >= goal

    return {
        "target": name,
        "description": TARGET_TEXTS[name],
        "youths": youths,
        "count": int(count),
        "percent": share,
        "milestone_2025": goals[0],
        "met_2025": met(goals[0]),
        "target_2030": goals[1],
        "met_2030": met(goals[1]),
    }
