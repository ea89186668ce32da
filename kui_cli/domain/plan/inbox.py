"""The plan owner's inbox: every plan change that others made to the plans they own.

Rebild's evaluation found that changes never reached the person responsible for the plan. Here a
change stays in the owner's inbox until they acknowledge it; the time from change to
acknowledgement is kept (`acknowledged_at - at`) for a later report. A change counts from the day
the owner became responsible (its effective date, `--today`), so a new owner does not inherit
their predecessor's backlog; the whole history stays in `plan log`.

What waits for the owner is one rule, `open_for_owner`, with its SQL twin `is_open_for_owner`
beside it (tests/test_sql_twins.py holds them together): the inbox, the agenda's unacknowledged
item and the export's `unacknowledged` column all count by it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, and_, case, or_, select, union
from sqlmodel import Session

from kui_cli.domain import initials
from kui_cli.domain import staff as staff_domain
from kui_cli.domain.plan import changes, owners
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.errors import KuiError
from kui_cli.models import ChangeLog, CoordinatorAssignment, Effort, Staff, Youth
from kui_cli.render.i18n import _

COLUMNS = ["id", "youth_id", "at", "by", "what", "why"]


def owned_plans(session: Session, member: Staff, today: dt.date) -> dict[int, dt.date]:
    """The youths whose plan `member` owns on `today`, with the day they became responsible.

    Only youths where the member is on the case (coordinator or effort) can be theirs; the owner
    rule then decides among the people on each of those cases.
    """
    by_coordinator = select(CoordinatorAssignment.youth_id).where(
        CoordinatorAssignment.staff_id == member.id, owners.active_assignment(today)
    )
    by_effort = select(Effort.youth_id).where(
        Effort.staff_id == member.id, owners.active_effort(today)
    )
    # One IN over a UNION, not an OR of two: PostgreSQL, with row-level security on `youth`,
    # would scan every youth to test the OR.
    candidates = select(Youth).where(
        Youth.id.in_(union(by_coordinator, by_effort)), access.condition(session)
    )
    found = owners.cases(session, session.execute(candidates).scalars(), today)
    return {
        youth_id: case.owner.since
        for youth_id, case in found.items()
        if case.owner is not None and case.owner.staff.id == member.id
    }


def open_for_owner(
    change: Any, owner: str, since: dt.date, on: dt.date, until: dt.datetime | None = None
) -> bool:
    """Whether a change-log row waits for the plan owner `owner`, responsible since `since`,
    on the day `on`: a plan change (`changes.PLAN_CHANGES`) that took effect from `since` up to
    `on`, made by someone else, and not acknowledged. `until` asks of a past moment (the
    export's month: acknowledged only by the end of it); without it, acknowledged at all."""
    acknowledged = change.acknowledged_at
    return (
        changes.is_plan_change(change.kind)
        and since <= change.effective_on <= on
        and initials.fold(change.by) != initials.fold(owner)
        and (acknowledged is None or (until is not None and changes.aware(acknowledged) >= until))
    )


def is_open_for_owner(
    owner: str | ColumnElement[str],
    since: dt.date | ColumnElement[dt.date],
    on: dt.date,
    until: dt.datetime | None = None,
) -> ColumnElement[bool]:
    """SQL on `change_log`: `open_for_owner`. The owner and their since-day may be columns (the
    export's, per youth); a null owner or day waits for nobody."""
    by_owner = initials.fold(owner) if isinstance(owner, str) else initials.folded(owner)
    not_acknowledged = ChangeLog.acknowledged_at.is_(None)
    if until is not None:
        not_acknowledged = or_(not_acknowledged, ChangeLog.acknowledged_at >= until)
    return and_(
        changes.plan_change(),
        ChangeLog.effective_on >= since,
        ChangeLog.effective_on <= on,
        initials.folded(ChangeLog.by) != by_owner,
        not_acknowledged,
    )


def open_changes(
    session: Session, member: Staff, since: dict[int, dt.date], on: dt.date
) -> list[ChangeLog]:
    """The changes that wait for `member` on `on` in the plans of these youths, each owned since
    the given day (`open_for_owner`).

    Grouped by youth, the youth with the oldest open change first; oldest first within a youth.
    """
    if not since:
        return []
    by_day: dict[dt.date, list[int]] = defaultdict(list)
    for youth_id, day in since.items():
        by_day[day].append(youth_id)
    since_of = case(*((ChangeLog.youth_id.in_(ids), day) for day, ids in by_day.items()))
    waiting = is_open_for_owner(member.initials, since_of, on)
    query = (
        select(ChangeLog)
        .where(ChangeLog.youth_id.in_(list(since)), waiting)
        .order_by(ChangeLog.at, ChangeLog.id)
    )
    groups: dict[int, list[ChangeLog]] = {}
    for row in session.execute(query).scalars():
        groups.setdefault(row.youth_id, []).append(row)
    return [row for rows in groups.values() for row in rows]


def open_counts(
    session: Session, owner_of: dict[int, tuple[str, dt.date]], on: dt.date
) -> dict[int, tuple[int, dt.date]]:
    """For many youths at once (an agenda): how many changes wait for their plan owner on `on`
    (`open_for_owner`), and the oldest one's date. `owner_of` maps a youth id to the owner's
    initials and since-day. One query for the youths' changes; the rule picks among them."""
    if not owner_of:
        return {}
    query = (
        select(
            ChangeLog.youth_id,
            ChangeLog.kind,
            ChangeLog.by,
            ChangeLog.effective_on,
            ChangeLog.acknowledged_at,
        )
        .where(ChangeLog.youth_id.in_(list(owner_of)))
        .order_by(ChangeLog.at, ChangeLog.id)
    )
    found: dict[int, tuple[int, dt.date]] = {}
    for row in session.execute(query):
        owner, since = owner_of[row.youth_id]
        if open_for_owner(row, owner, since, on):
            count, oldest = found.get(row.youth_id, (0, row.effective_on))
            found[row.youth_id] = (count + 1, oldest)
    return found


def as_record(row: ChangeLog) -> dict[str, Any]:
    return {
        "id": row.id,
        "youth_id": row.youth_id,
        "at": row.at,
        "by": row.by,
        "what": changes.said(row),
        "why": changes.reason(row),
    }


def owner_for(session: Session, actor: Actor, reference: str | None) -> Staff:
    """The owner whose inbox is meant: `--owner`, or the acting user as a staff member."""
    if reference:
        return staff_domain.find(session, reference)
    try:
        return staff_domain.find(session, actor.user)
    except KuiError:
        raise KuiError(
            _("the acting user {user} is not a staff member: give --owner STAFF").format(
                user=repr(actor.user)
            )
        ) from None


def inbox(
    session: Session, actor: Actor, owner_ref: str | None = None
) -> tuple[Staff, list[ChangeLog]]:
    """The owner's open changes; the listing is audited with its row count."""
    member = owner_for(session, actor, owner_ref)
    owned = owned_plans(session, member, actor.today)
    rows = open_changes(session, member, owned, actor.today)
    audit.record(session, actor, "list", filters={"inbox": member.initials}, rows=len(rows))
    return member, rows


def youth_names(session: Session, rows: list[ChangeLog]) -> dict[int, str]:
    """The names of the youths of the listed changes, for headings (one query)."""
    ids = {row.youth_id for row in rows}
    if not ids:
        return {}
    return dict(session.execute(select(Youth.id, Youth.name).where(Youth.id.in_(ids))).all())


def acknowledge(
    session: Session, actor: Actor, change_ids: list[int], everything: bool
) -> list[ChangeLog]:
    """Mark changes in the acting user's inbox as seen, with the time; only the plan owner may,
    or the change would leave their inbox unseen."""
    if everything == bool(change_ids):
        raise KuiError(_("give the CHANGE ids to acknowledge, or --all (not both)"))
    member = owner_for(session, actor, None)
    owned = owned_plans(session, member, actor.today)
    open_rows = open_changes(session, member, owned, actor.today)
    if everything:
        chosen = open_rows
    else:
        waiting = {row.id: row for row in open_rows}
        chosen = [
            waiting.get(change_id) or _refusal(session, change_id) for change_id in change_ids
        ]
    now = dt.datetime.now(dt.UTC)
    for row in chosen:
        row.acknowledged_at, row.acknowledged_by = now, member.initials
    session.flush()
    subjects = session.execute(
        select(Youth.subject_key).where(Youth.id.in_({row.youth_id for row in chosen}))
    ).scalars()
    for key in sorted(subjects):
        audit.record(session, actor, "acknowledge", subject=key)
    return chosen


def _refusal(session: Session, change_id: int) -> ChangeLog:
    row = session.get(ChangeLog, change_id)
    if row is None:
        raise KuiError(_("no change with id {id}").format(id=change_id))
    if row.acknowledged_at is not None:
        raise KuiError(
            _("change {id} was acknowledged already by {by}").format(
                id=change_id, by=row.acknowledged_by
            )
        )
    raise KuiError(
        _(
            "change {id} is not in your inbox: only the owner of youth {youth}'s plan "
            "acknowledges changes that others made"
        ).format(id=change_id, youth=row.youth_id)
    )
