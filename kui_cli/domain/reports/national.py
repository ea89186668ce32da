"""The municipality's own reporting to the national youth database (`kui feed report`).

Ungedatabasen hands kui the facts that schools and jobcentres report (`kui feed apply`); the
municipality in turn reports, every month, what it did about the education obligation
(uddannelsespligt) and the statuses it decided. One row per reported fact, as a national upload
takes it (ISO dates, CPR as 10 digits, the recipient needs it):

- `duty-contact` and `duty-offer` for every education-obligation episode active on some day of
  the month: the step's date, its deadline and whether it was in time;
- `status`: every status change made in kui during the month (recorded then, on the real
  clock, in Danish time, so a back-dated decision is reported once, in the month it was made,
  with its own date), not those that came from a feed, which the national system already has.

The report shows the month as it stood at its end (or on `--today` while it runs): a contact
recorded later is reported in the month it was made, when the episode is active then too, so a
month's report reads the same whenever it is made. Every cell is computed by the database in one
query, streamed to the file as the export's are; the rules of the steps are the education
obligation's own (`duty.step_met`, `duty.step_missed`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Date,
    Select,
    String,
    case,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlmodel import Session

from kui_cli.domain.law import duty
from kui_cli.domain.periods import recorded_during
from kui_cli.domain.protection import access, audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import feed_lines
from kui_cli.domain.reports.months import Period
from kui_cli.errors import KuiError
from kui_cli.models import ChangeLog, DutyEpisode, Youth
from kui_cli.render.i18n import _

CONTACT, OFFER, STATUS = "duty-contact", "duty-offer", "status"
COLUMNS = [
    "month",
    "cpr",
    "event",
    "date",
    "deadline",
    "in_time",
    "out_since",
    "status",
    "old_status",
    "activity",
]
# No free text leaves the municipality: why a status was changed is a case worker's note (it may
# name health, family or third parties) and stays in kui's history.
# Not written: the youth (for the audit entries) and the order within a youth.
_YOUTH, _FIRST, _THEN = "youth_id", "sort_on", "sort_id"
TO = "national youth database"
# The law (Lov om kommunal indsats for unge under 25 år) took effect on 1 August 2019: there is
# nothing to report before, and a month such as 0001-01 is a typing error, not a report.
FIRST_MONTH = dt.date(2019, 8, 1)


def decided_in_kui() -> ColumnElement[bool]:
    """SQL on `change_log`: the change was made in kui, not taken in from a feed. A feed's
    changes are by `feed:SOURCE` (`feed_lines.author`), a name no staff member can have: they
    came from the national side, which is not sent its own facts back."""
    return ~ChangeLog.by.startswith(feed_lines.AUTHOR, autoescape=True)


def _typed_null(kind: Any) -> ColumnElement[Any]:
    return cast(null(), kind)


def _step_rows(period: Period, event: str) -> Select[Any]:
    """One row per episode active in the month: the step's date (as recorded by the end of the
    month), its deadline and `in_time`: yes when done by the deadline, no when the deadline day
    is over and the step came late or not at all (`duty.step_missed`), empty while it is not
    yet due or when the episode closed before it was."""
    due, done = (
        (DutyEpisode.contact_deadline, DutyEpisode.contacted_on)
        if event == CONTACT
        else (DutyEpisode.offer_deadline, DutyEpisode.offered_on)
    )
    seen = case((done <= period.as_of, done), else_=None)
    over = due <= period.end if not period.so_far else due < period.today
    in_time = case(
        (duty.step_met(due, seen), literal(True, Boolean)),
        (duty.step_missed(due, seen, DutyEpisode.closed_on, over), literal(False, Boolean)),
        else_=_typed_null(Boolean),
    )
    activity = DutyEpisode.activity if event == OFFER else _typed_null(String)
    return (
        select(
            *_fixed(period, event),
            seen.label("date"),
            due.label("deadline"),
            in_time.label("in_time"),
            DutyEpisode.out_since.label("out_since"),
            _typed_null(String).label("status"),
            _typed_null(String).label("old_status"),
            case((seen.is_not(None), activity), else_=None).label("activity"),
            Youth.id.label(_YOUTH),
            DutyEpisode.out_since.label(_FIRST),
            DutyEpisode.id.label(_THEN),
        )
        .join(Youth, Youth.id == DutyEpisode.youth_id)
        .where(*duty.active_during(period.start, period.as_of))
    )


def _status_rows(period: Period) -> Select[Any]:
    """One row per status change made in kui during the month (`decided_in_kui`)."""
    return (
        select(
            *_fixed(period, STATUS),
            ChangeLog.effective_on.label("date"),
            _typed_null(Date).label("deadline"),
            _typed_null(Boolean).label("in_time"),
            _typed_null(Date).label("out_since"),
            ChangeLog.new_value.label("status"),
            ChangeLog.old_value.label("old_status"),
            _typed_null(String).label("activity"),
            Youth.id.label(_YOUTH),
            ChangeLog.effective_on.label(_FIRST),
            ChangeLog.id.label(_THEN),
        )
        .join(Youth, Youth.id == ChangeLog.youth_id)
        .where(
            ChangeLog.kind == "status",
            recorded_during(ChangeLog.at, period.start, period.end),
            decided_in_kui(),
        )
    )


def _fixed(period: Period, event: str) -> list[ColumnElement[Any]]:
    return [
        cast(literal(period.month), String).label("month"),
        Youth.cpr.label("cpr"),
        cast(literal(event), String).label("event"),
    ]


def _facts(session: Session, period: Period) -> Any:
    """Every reported fact with its youth and order, as a subquery; only the youths the acting
    user sees (every youth: the report is for see-all roles, and the rule fails closed)."""
    seen = access.condition(session)
    parts = [_step_rows(period, CONTACT), _step_rows(period, OFFER), _status_rows(period)]
    return union_all(*(part.where(seen) for part in parts)).subquery("fact")


def report_query(session: Session, period: Period) -> Select[Any]:
    """The report as one query, its columns named and ordered as `COLUMNS`: by CPR number, then
    by kind of fact, then by date."""
    facts = _facts(session, period)
    return select(*(facts.c[name] for name in COLUMNS)).order_by(
        facts.c.cpr, facts.c.event, facts.c[_FIRST], facts.c[_THEN]
    )


def record_reported(session: Session, actor: Actor, period: Period, rows: int) -> int:
    """The audit entries of a written report: one `export` entry per youth reported (an access
    request shows that their CPR number went to the national youth database) and one for the
    report as a whole; returns how many youths were reported."""
    facts = _facts(session, period)
    keys = select(Youth.subject_key).where(Youth.id.in_(select(facts.c[_YOUTH]))).order_by(Youth.id)
    subjects = list(session.execute(keys).scalars())
    filters = {"month": period.month, "to": TO}
    audit.record_many(session, actor, "export", subjects, filters=filters)
    audit.record(session, actor, "export", filters={**filters, "youths": len(subjects)}, rows=rows)
    return len(subjects)


def reportable(period: Period) -> Period:
    """The month, if the law had begun by then."""
    if period.start < FIRST_MONTH:
        raise KuiError(
            _(
                "--month {month} is before the law on the municipal youth effort took "
                "effect (1 August 2019): the first month to report is {first}"
            ).format(month=period.month, first=f"{FIRST_MONTH:%Y-%m}")
        )
    return period


def required_file(out: object) -> None:
    """The report goes to a private file only (`--out`), never to standard output: a terminal
    is read over a shoulder and kept in a scroll-back, and a pipe or a redirection lands where
    the shell's umask says (a cron job mails its output); only kui's writer makes the file
    private (0600) before the first number is written."""
    if out is None:
        raise KuiError(
            _(
                "--out FILE is required: the report holds CPR numbers, which kui writes only to a "
                "private file (mode 0600), never to a terminal or a pipe"
            )
        )
