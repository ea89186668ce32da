"""Who is on a youth's case and who owns the one plan, derived on the reference date.

Nothing here is stored: the coordinator comes from `coordinator_assignment`, the other
professionals from the responsible staff of the active efforts, and the plan owner follows from
them and the youth's age (Sønderborg: under 18 the UU counsellor owns the education plan, from 18
the jobcentre adviser owns "Min Plan"; a coordinator of another role does not own the plan).

The SQL conditions keep listings to one query; the batch loaders below read the case of any
number of youths in two queries, so `youth list` never asks once per youth.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, union_all
from sqlmodel import Session

from kui_cli.domain.idlists import among
from kui_cli.domain.periods import open_during
from kui_cli.domain.register import ages
from kui_cli.models import CoordinatorAssignment, Effort, Staff, Youth
from kui_cli.render.i18n import _

UU, JOBCENTER = "uu", "jobcenter"
COORDINATOR, PENDING, EFFORT = "coordinator", "pending", "effort"
BATCH = 2000  # ids per IN (...): well below SQLite's and PostgreSQL's parameter limits

Assignment = CoordinatorAssignment
T = TypeVar("T")


def assignment_during(consent: str, start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """An assignment with this consent open on some day start..end: an accepted one from its
    start, a pending one (proposed, awaiting consent) from its proposal."""
    opened = Assignment.start_on if consent == "accepted" else Assignment.proposed_on
    return and_(Assignment.consent == consent, open_during(opened, Assignment.end_on, start, end))


def active_assignment(today: dt.date) -> ColumnElement[bool]:
    """An assignment with consent that has started and not ended on `today`."""
    return assignment_during("accepted", today, today)


def pending_assignment(today: dt.date) -> ColumnElement[bool]:
    """A proposal that awaits the youth's consent: it counts against capacity, owns nothing."""
    return assignment_during("pending", today, today)


def open_assignment_during(start: dt.date, end: dt.date) -> ColumnElement[bool]:
    """Active or pending on some day start..end: what makes a KUI youth over a period."""
    return or_(assignment_during("accepted", start, end), assignment_during("pending", start, end))


def open_assignment(today: dt.date) -> ColumnElement[bool]:
    """Active or pending: what fills a coordinator's caseload and makes a KUI youth."""
    return open_assignment_during(today, today)


def active_effort(today: dt.date) -> ColumnElement[bool]:
    """An effort that has started and not ended: `end_on` is the first day without it."""
    return and_(Effort.start_on <= today, or_(Effort.end_on.is_(None), Effort.end_on > today))


def has_coordinator(today: dt.date, staff_id: int | None = None) -> ColumnElement[bool]:
    """SQL on `youth`: an active coordinator (a given one when `staff_id` is set).

    For one staff member it is `youth.id IN (their assignments)`, so the database starts from the
    staff member's index instead of scanning every youth (`youth list --coordinator X`)."""
    if staff_id is not None:
        mine = select(Assignment.youth_id).where(
            Assignment.staff_id == staff_id, active_assignment(today)
        )
        return Youth.id.in_(mine)
    return exists().where(Assignment.youth_id == Youth.id, active_assignment(today))


def caseloads(session: Session, today: dt.date) -> dict[int, int]:
    """Active plus pending assignments per staff id, in one query."""
    query = (
        select(Assignment.staff_id, func.count())
        .where(open_assignment(today))
        .group_by(Assignment.staff_id)
    )
    return {staff_id: n for staff_id, n in session.execute(query)}


def owner_role(age: int) -> str:
    """The role that owns the plan at this age: UU under 18, the jobcentre from 18."""
    return UU if age < 18 else JOBCENTER


def has_plan_owner(today: dt.date) -> ColumnElement[bool]:
    """SQL on `youth`: an active staff member of the owning role is on the case.

    The same rule as `plan_owner`: the coordinator owns the plan when their role fits, otherwise
    a responsible of an active effort with the right role does, so an owner exists exactly when
    either of them has that role.
    """
    coordinator, responsible = _could_own(today)
    return or_(coordinator.exists(), responsible.exists())


def plan_owner_initials(today: dt.date) -> ColumnElement[str]:
    """SQL on `youth`: the initials of the plan owner on `today`, or null; `plan_owner`'s choice
    (the coordinator when their role fits, else the longest-serving fitting effort responsible),
    so the export asks the database once instead of loading everyone on every case."""
    return _owner(today, Staff.initials)


def plan_owner_since(today: dt.date) -> ColumnElement[dt.date]:
    """SQL on `youth`: the day the plan owner on `today` became responsible (`Owner.since`), or
    null: their earliest active task on the case, not before the plan fits their role (from
    the 18th birthday for a jobcentre adviser). The later of the two is taken per task, which
    gives the same day as the later of the earliest task and that birthday."""
    owner = _owner(today, Staff.id)
    a = Assignment
    tasks = union_all(
        select(a.start_on.label("since"))
        .where(a.youth_id == Youth.id, active_assignment(today), a.staff_id == owner)
        .correlate(Youth),
        select(Effort.start_on)
        .where(Effort.youth_id == Youth.id, active_effort(today), Effort.staff_id == owner)
        .correlate(Youth),
    ).subquery()
    fits_from = case(
        (owning_role(today) == JOBCENTER, ages.birthday_of(Youth.birth_date, 18)),
        else_=Youth.birth_date,
    )
    since = case((tasks.c.since < fits_from, fits_from), else_=tasks.c.since)
    return select(func.min(since)).correlate(Youth).scalar_subquery()


def _owner(today: dt.date, column: ColumnElement[T]) -> ColumnElement[T]:
    """SQL on `youth`: this column of the staff member who owns the plan on `today`."""
    coordinator, responsible = _could_own(today)
    first_coordinator = coordinator.with_only_columns(column).order_by(Assignment.id)
    longest_serving = responsible.with_only_columns(column).order_by(Effort.start_on, Effort.id)
    return func.coalesce(*(_first(query) for query in (first_coordinator, longest_serving)))


def _first(query: Select[tuple[T]]) -> ColumnElement[T]:
    """The first value, correlated to the outer `youth` even inside another subquery."""
    return query.limit(1).correlate(Youth).scalar_subquery()


def owning_role(today: dt.date) -> ColumnElement[str]:
    """SQL on `youth`: the role that owns the plan on `today` (`owner_role` of the age)."""
    return case((Youth.birth_date > ages.latest_birth_date_for_age(18, today), UU), else_=JOBCENTER)


def _could_own(today: dt.date) -> tuple[Select[tuple[str]], Select[tuple[str]]]:
    """The initials of the youth's active coordinator and of its active efforts' responsibles
    who are active staff members of the owning role: whom `plan_owner` chooses among."""
    role = owning_role(today)
    fits = (Staff.active.is_(True), Staff.role == role)
    coordinator = select(Staff.initials).where(
        Assignment.youth_id == Youth.id, active_assignment(today), Staff.id == Assignment.staff_id
    )
    responsible = select(Staff.initials).where(
        Effort.youth_id == Youth.id, active_effort(today), Staff.id == Effort.staff_id
    )
    return coordinator.where(*fits), responsible.where(*fits)


@dataclass(frozen=True)
class OnCase:
    """One professional's task on a youth's case: coordinator, proposed coordinator, or effort."""

    staff: Staff
    kind: str
    task: str
    since: dt.date
    until: dt.date | None = None
    ref: int | None = None


@dataclass(frozen=True)
class Owner:
    """The plan owner and the day they became responsible (for the inbox)."""

    staff: Staff
    since: dt.date


@dataclass(frozen=True)
class Case:
    """A youth's case on the reference date: the people on it and the derived owner."""

    people: tuple[OnCase, ...]
    owner: Owner | None

    @property
    def coordinator(self) -> Staff | None:
        return next((p.staff for p in self.people if p.kind == COORDINATOR), None)

    @property
    def pending(self) -> Staff | None:
        return next((p.staff for p in self.people if p.kind == PENDING), None)


NOBODY = Case((), None)  # the case of most youths in a long listing: nobody on it yet


def plan_owner(born: dt.date, today: dt.date, people: Sequence[OnCase]) -> Owner | None:
    """The coordinator when their role fits the age, else the longest-serving active staff
    member of that role responsible for an active effort; None when nobody fits.

    `since` is when they have been on the case with that role while it fitted the age (a
    jobcentre adviser owns the plan from the 18th birthday at the earliest).
    """
    role = owner_role(ages.age_on(born, today))
    fitting = [p for p in people if p.kind != PENDING and p.staff.active and p.staff.role == role]
    if not fitting:
        return None
    coordinator = [p for p in fitting if p.kind == COORDINATOR]
    chosen = (coordinator or sorted(fitting, key=lambda p: (p.since, p.ref or 0)))[0].staff
    started = min(p.since for p in fitting if p.staff.id == chosen.id)
    fits_from = ages.birthday(born, 18) if role == JOBCENTER else born
    return Owner(chosen, max(started, fits_from))


def cases(
    session: Session,
    youths: Iterable[Youth],
    today: dt.date,
    members: dict[int, Staff] | None = None,
) -> dict[int, Case]:
    """The case of every given youth, in two queries per batch of ids. `members`: the staff
    members loaded so far, kept by a caller that asks batch after batch (a streamed listing
    names the same advisers in every batch)."""
    born = {y.id: y.birth_date for y in youths if y.id is not None}
    people = people_on_cases(session, list(born), today, members)
    return {
        yid: Case(tuple(people[yid]), plan_owner(birth, today, people[yid]))
        if yid in people
        else NOBODY
        for yid, birth in born.items()
    }


def people_on_cases(
    session: Session,
    youth_ids: Sequence[int],
    today: dt.date,
    members: dict[int, Staff] | None = None,
) -> dict[int, list[OnCase]]:
    """Coordinator (active or proposed) and effort responsibles per youth, oldest task first.

    Columns, not entities: a listing of thousands of youths must not build thousands of ORM
    objects. The few staff members are entities, loaded once by id, so a batch that names the
    same adviser a hundred times asks for them once."""
    members = {} if members is None else members
    found: dict[int, list[OnCase]] = defaultdict(list)
    a = Assignment
    for start in range(0, len(youth_ids), BATCH):
        ids = youth_ids[start : start + BATCH]
        assignments = select(
            a.id, a.youth_id, a.consent, a.start_on, a.proposed_on, a.end_on, a.staff_id
        ).where(among(session, a.youth_id, ids), open_assignment(today))
        efforts = select(
            Effort.id,
            Effort.youth_id,
            Effort.title,
            Effort.start_on,
            Effort.end_on,
            Effort.staff_id,
        ).where(among(session, Effort.youth_id, ids), active_effort(today))
        connection = session.connection()  # Core rows: no ORM loading step per row
        assignments_found = connection.execute(assignments.order_by(a.id)).all()
        efforts_found = connection.execute(efforts.order_by(Effort.start_on, Effort.id)).all()
        _load_staff(session, members, {row[-1] for row in assignments_found + efforts_found})
        for ref, youth_id, consent, start_on, proposed_on, end_on, staff_id in assignments_found:
            kind = COORDINATOR if consent == "accepted" else PENDING
            since = start_on if kind == COORDINATOR and start_on else proposed_on
            found[youth_id].append(OnCase(members[staff_id], kind, kind, since, end_on, ref))
        for ref, youth_id, title, start_on, end_on, staff_id in efforts_found:
            found[youth_id].append(OnCase(members[staff_id], EFFORT, title, start_on, end_on, ref))
    return found


def _load_staff(session: Session, members: dict[int, Staff], wanted: set[int]) -> None:
    """Add the staff members of these ids that `members` lacks, in one query per batch."""
    missing = sorted(wanted - members.keys())
    for start in range(0, len(missing), BATCH):
        query = select(Staff).where(Staff.id.in_(missing[start : start + BATCH]))
        members.update((m.id, m) for m in session.execute(query).scalars() if m.id is not None)


def case_of(session: Session, youth: Youth, today: dt.date) -> Case:
    """The case of one youth."""
    assert youth.id is not None
    return cases(session, [youth], today)[youth.id]


def professionals(case_: Case) -> list[dict[str, object]]:
    """The team around the youth (Lejre's dialogteam): everyone on the case with their task."""
    owner_id = case_.owner.staff.id if case_.owner else None
    task_names = {COORDINATOR: "coordinator", PENDING: "proposed coordinator (awaiting consent)"}
    return [
        {
            "initials": p.staff.initials,
            "name": p.staff.name,
            "role": p.staff.role,
            "department": p.staff.department,
            "phone": p.staff.phone,
            "email": p.staff.email,
            "task": task_names.get(p.kind, p.task),
            "since": p.since,
            "until": p.until,
            "plan_owner": p.staff.id == owner_id and p.kind != PENDING,
        }
        for p in case_.people
    ]


def no_owner_reason(age: int) -> str:
    """Why a plan has no owner, and what would give it one."""
    if owner_role(age) == UU:
        return _(
            "no plan owner: under 18 the plan belongs to a UU counsellor (role uu) who is the "
            "coordinator or responsible for an active effort"
        )
    return _(
        "no plan owner: from 18 the plan belongs to a jobcentre adviser (role jobcenter) who is "
        "the coordinator or responsible for an active effort"
    )
