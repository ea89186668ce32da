"""Reading the audit trail: the log, a young person's access request, verification, archiving.

The log itself says who looked at whom, so reading it is a use of personal data too: every
function here that returns entries appends an entry of its own. Nothing here changes or deletes
an entry; the database refuses that anyway (triggers created by the migration).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, type_coerce
from sqlmodel import Session

from kui_cli.domain import settings
from kui_cli.domain.initials import fold, folded
from kui_cli.domain.periods import start_of
from kui_cli.domain.plan import changes
from kui_cli.domain.protection import audit, checkpoints
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr, youths
from kui_cli.models import AuditLog, Youth
from kui_cli.render.i18n import _

LOG_COLUMNS = ["id", "at", "user", "action", "command", "youth_id", "subject_key", "filter", "rows"]
ACCESS_COLUMNS = ["id", "at", "user", "action", "command"]
CHANGE_COLUMNS = ["at", "by", "kind", "what", "why", "effective_on"]
BATCH = 5_000
# The action of a reading of the audit trail itself. An access request about a person kui never
# registered is logged too, so entries of only this action do not mean kui held their data.
READING = "audit"


@dataclass(frozen=True)
class Subject:
    """The young person an audit question is about: always a key, the youth while registered."""

    key: str
    youth: Youth | None


def resolve_subject(session: Session, reference: str, today: dt.date) -> Subject:
    """A youth by id or CPR. A CPR finds the entries of a youth who has since been deleted too,
    because the key is computed from the number itself."""
    ref = (reference or "").strip()
    if not cpr.looks_like_cpr(ref):
        youth = youths.find(session, ref)
        return Subject(youth.subject_key, youth)
    number = cpr.normalise(ref, today)
    youth = session.execute(select(Youth).where(Youth.cpr == number)).scalar()
    return Subject(settings.subject_key(session, number), youth)


@dataclass(frozen=True)
class AuditFilter:
    """The filters of `audit log`; each one that is set narrows the entries."""

    subject: str | None = None
    user: str | None = None
    since: dt.date | None = None
    before: dt.date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        where: list[ColumnElement[bool]] = []
        if self.subject is not None:
            where.append(AuditLog.subject_key == self.subject)
        if self.user is not None:
            where.append(folded(AuditLog.user) == fold(self.user.strip()))
        if self.since is not None:
            where.append(AuditLog.at >= start_of(self.since))
        if self.before is not None:
            where.append(AuditLog.at < start_of(self.before))
        return where

    def audit_form(self) -> dict[str, Any]:
        """The filter as it is logged; the youth is the entry's subject, not part of the filter."""
        values = {"user": self.user, "since": self.since, "before": self.before}
        return {key: value for key, value in values.items() if value is not None}


def as_record(entry: AuditLog, youth_id: int | None) -> dict[str, Any]:
    """An entry as `audit log` shows it: with the youth's id while the youth is registered."""
    return {**entry.model_dump(exclude={"prev_hash", "hash", "hash_version"}), "youth_id": youth_id}


def _entries(session: Session, flt: AuditFilter) -> Iterator[tuple[AuditLog, int | None]]:
    query = (
        select(AuditLog, Youth.id)
        .outerjoin(Youth, Youth.subject_key == AuditLog.subject_key)
        .where(*flt.conditions())
        .order_by(AuditLog.id)
        .execution_options(yield_per=BATCH)
    )
    yield from session.execute(query)


def log(session: Session, actor: Actor, flt: AuditFilter) -> list[dict[str, Any]]:
    """`audit log`: the matching entries, oldest first; the reading is logged."""
    rows = [as_record(entry, youth_id) for entry, youth_id in _entries(session, flt)]
    audit.record(
        session, actor, READING, subject=flt.subject, filters=flt.audit_form(), rows=len(rows)
    )
    return rows


def subject_report(session: Session, actor: Actor, reference: str) -> dict[str, Any]:
    """The answer to an access request (indsigt): who looked at or changed this young person's
    data, when and with which command, and every recorded change of their data."""
    subject = resolve_subject(session, reference, actor.today)
    access = [
        {column: record[column] for column in ACCESS_COLUMNS}
        for record in (as_record(e, y) for e, y in _entries(session, AuditFilter(subject.key)))
    ]
    youth = subject.youth
    history = [
        {
            "at": c.at,
            "by": c.by,
            "kind": c.kind,
            "what": changes.said(c),
            "why": changes.reason(c),
            "effective_on": c.effective_on,
        }
        for c in (changes.for_youth(session, youth.id) if youth and youth.id else [])
    ]
    audit.record(session, actor, READING, subject=subject.key, rows=len(access) + len(history))
    return {
        "youth_id": youth.id if youth else None,
        "cpr": cpr.masked(youth.cpr) if youth else None,
        "subject_key": subject.key,
        "registered": youth is not None,
        "on_record": youth is not None or any(a["action"] != READING for a in access),
        "access": access,
        "changes": history,
    }


@dataclass(frozen=True)
class Verification:
    """The outcome of checking the chain; `problem` is None when it is whole. `first_broken` is
    the first entry that does not fit (None when the problem is a forged checkpoint)."""

    entries: int
    last_id: int | None
    last_hash: str | None
    first_broken: int | None = None
    problem: str | None = None
    checkpoints: int = 0
    checkpoint_written: bool = False
    checked: int = 0  # entries hashed by this verification
    from_checkpoint: checkpoints.Checkpoint | None = None  # where it started, if not at entry 1

    def as_record(self) -> dict[str, Any]:
        return {
            "intact": self.problem is None,
            "entries": self.entries,
            "last_id": self.last_id,
            "last_hash": self.last_hash,
            "first_broken": self.first_broken,
            "problem": self.problem,
            "checkpoints": self.checkpoints,
            "checkpoint_written": self.checkpoint_written,
            "checked": self.checked,
            "from_checkpoint": self.from_checkpoint.last_id if self.from_checkpoint else None,
        }


def check_chain(
    session: Session,
    marks: list[checkpoints.Checkpoint] | None = None,
    after: checkpoints.Checkpoint | None = None,
) -> Verification:
    """Recompute every entry's hash in id order and stop at the first that does not fit.

    An edited entry no longer matches its own hash; a removed (or rewritten and re-hashed) entry
    breaks the link of the entry after it; the log starts at id 1, and entries of the current
    payload (`audit.CHAIN_VERSION`) follow each other without a gap. A chain recomputed from the
    start passes all of that: `marks`, the checkpoints of earlier verifications (written outside
    the database), still catch it, since the entry each one names must have its hash and as many
    entries before it.

    `after`, a checkpoint that `trusted_start` found to hold, starts the walk behind its entry,
    chained to its hash. The entries are read as plain rows a batch at a time (a server-side
    cursor on PostgreSQL) and hashed by `audit.stored_hash`: memory stays flat and a million
    entries take seconds.
    """
    marks = marks or []
    start = after.last_id if after else 0
    due = {mark.last_id: mark for mark in marks if mark.last_id > start}
    previous, previous_id, count = audit.GENESIS, None, 0
    if after:
        previous, previous_id, count = after.hash, after.last_id, after.entries
    found = partial(Verification, checkpoints=len(marks), from_checkpoint=after)
    checked, hashed = 0, audit.stored_hash
    for batch in _chain_batches(session, start):
        for id_, version, prev_hash, at, user, action, command, key, what, rows, stored in batch:
            computed = hashed(id_, version, prev_hash, at, user, action, command, key, what, rows)
            computed = computed or _entry_hash(session, id_)
            if (
                previous_id is None
                or prev_hash != previous
                or computed != stored
                or id_ in due
                or (version == audit.CHAIN_VERSION and id_ != previous_id + 1)
            ):
                link = Link(id_, version, prev_hash, stored, computed)
                problem = _misfit(link, previous, previous_id, count + 1, due.pop(id_, None))
                if problem is not None:
                    return found(count, previous_id, previous, id_, problem, checked=checked)
            previous, previous_id, count, checked = stored, id_, count + 1, checked + 1
    if due:
        mark = min(due.values(), key=lambda m: m.last_id)
        problem = _(
            "the checkpoint of {at} names entry {id}, which is gone: the log was cut or renumbered"
        ).format(at=mark.at, id=mark.last_id)
        return found(count, previous_id, previous, mark.last_id, problem, checked=checked)
    return found(count, previous_id, None if previous_id is None else previous, checked=checked)


def _chain_batches(session: Session, start: int) -> Iterator[list[tuple[Any, ...]]]:
    """The chain's columns after entry `start` in id order, a batch at a time, straight from the
    driver's cursor (a named, server-side one on PostgreSQL, so memory stays flat): SQLAlchemy's
    row objects cost more per entry than the hash itself, and no column needs its processing
    (`at` is read as the driver gives it, see `CHAIN_COLUMNS`). The statement is SQLAlchemy's,
    compiled with `start` (an id, a number) written in."""
    connection = session.connection()
    query = select(*CHAIN_COLUMNS).where(AuditLog.id > start).order_by(AuditLog.id)
    sql = str(query.compile(connection, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.driver_connection
    named = {"name": "kui_audit_chain"} if connection.dialect.name == "postgresql" else {}
    with closing(driver.cursor(**named)) as cursor:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            yield batch


# What the chain covers, as the database returns it: `at` untouched (SQLite's text), so that
# `audit.stored_hash` needs no object and no parsing.
CHAIN_COLUMNS = (
    AuditLog.id,
    AuditLog.hash_version,
    AuditLog.prev_hash,
    type_coerce(AuditLog.at, String).label("at"),
    AuditLog.user,
    AuditLog.action,
    AuditLog.command,
    AuditLog.subject_key,
    AuditLog.filter,
    AuditLog.rows,
    AuditLog.hash,
)


def _entry_hash(session: Session, entry_id: int) -> str:
    """`audit.entry_hash` of an entry stored in another form than kui writes (a timestamp
    written by another program), read as an object as kui reads it everywhere else."""
    entry = session.get(AuditLog, entry_id)
    assert entry is not None
    return audit.entry_hash(entry)


@dataclass(frozen=True)
class Link:
    """One entry of the chain as the check needs it: its id, payload version, the hash it says
    comes before it, its stored hash and the hash its content has."""

    id: int
    version: int | None
    prev_hash: str
    stored: str
    computed: str


def _misfit(
    link: Link,
    previous: str,
    previous_id: int | None,
    position: int,
    mark: checkpoints.Checkpoint | None,
) -> str | None:
    """What is wrong with one entry in its place, or None."""
    if previous_id is None:
        if link.id != 1:
            return _("the log does not start at entry 1: entries were removed or renumbered")
        if link.prev_hash != previous:
            return _("it does not chain to the start of the log: an entry was removed or rewritten")
    elif link.version == audit.CHAIN_VERSION and link.id != previous_id + 1:
        return _("it follows entry {id}: the entries between were removed").format(id=previous_id)
    elif link.prev_hash != previous:
        return _("it does not chain to entry {id}: an entry was removed or rewritten").format(
            id=previous_id
        )
    if link.computed != link.stored:
        return _("its content does not match its hash: it was edited")
    if mark is not None and (mark.hash != link.stored or mark.entries != position):
        return _(
            "it is not the entry the checkpoint of {at} recorded: the log up to it was rewritten"
        ).format(at=mark.at)
    return None


def trusted_start(
    session: Session, marks: list[checkpoints.Checkpoint]
) -> checkpoints.Checkpoint | None:
    """The latest checkpoint if the log still agrees with it where that can be seen without
    walking the chain: the log starts at entry 1, the checkpoint's entry has the checkpoint's
    hash and its own content's, and as many entries lead up to it. Else None (a full walk then
    names what is wrong).

    Entries up to it were verified when it was written, and the database refuses to change or
    delete them; what this cannot see is an entry before it edited behind kui's back without
    recomputing the chain: `audit verify --full` walks from the start."""
    if not marks:
        return None
    mark = max(marks, key=lambda m: m.last_id)
    first, before = session.execute(
        select(func.min(AuditLog.id), func.count()).where(AuditLog.id <= mark.last_id)
    ).one()
    row = (
        session.connection()
        .execute(select(*CHAIN_COLUMNS).where(AuditLog.id == mark.last_id))
        .first()
    )
    if first != 1 or before != mark.entries or row is None or row[-1] != mark.hash:
        return None
    computed = audit.stored_hash(*row[:-1]) or _entry_hash(session, mark.last_id)
    return mark if computed == mark.hash else None


def verify(
    session: Session,
    actor: Actor,
    store: checkpoints.Store | None = None,
    *,
    full: bool = False,
) -> Verification:
    """`audit verify`: the chain checked against the checkpoints of `store`, from the latest
    one that holds (`trusted_start`) unless `full`, a new checkpoint written when it is intact
    and has grown, and the check itself logged."""
    database = checkpoints.database_name(session.get_bind().url)
    try:
        marks = store.read(database) if store else []
    except checkpoints.Forged as forged:
        result = Verification(0, None, None, problem=str(forged))
    else:
        after = None if full else trusted_start(session, marks)
        result = check_chain(session, marks, after)
        if store is not None and _grown(result, marks):
            assert result.last_id is not None and result.last_hash is not None
            mark = checkpoints.Checkpoint(
                database, result.last_id, result.last_hash, result.entries, checkpoints.now()
            )
            store.append(mark)
            result = replace(result, checkpoint_written=True)
    filters: dict[str, Any] | None = None
    if store:
        filters = {"checkpoints": result.checkpoints}
        if result.from_checkpoint is not None:
            filters["from_checkpoint"] = result.from_checkpoint.last_id
    audit.record(session, actor, "verify", rows=result.entries, filters=filters)
    return result


def _grown(result: Verification, marks: list[checkpoints.Checkpoint]) -> bool:
    """Whether an intact chain ends after the last checkpoint (a checkpoint is then due)."""
    if result.problem is not None or result.last_id is None:
        return False
    return not marks or marks[-1].last_id != result.last_id


def archive_record(entry: AuditLog) -> dict[str, Any]:
    """An entry with everything needed to re-verify it outside kui (hashes included)."""
    return entry.model_dump()


def archive(session: Session, before: dt.date) -> Iterator[dict[str, Any]]:
    """The entries older than `before` (local midnight), oldest first, for `audit export`."""
    query = (
        select(AuditLog)
        .where(*AuditFilter(before=before).conditions())
        .order_by(AuditLog.id)
        .execution_options(yield_per=BATCH)
    )
    for entry in session.execute(query).scalars():
        yield archive_record(entry)


def record_export(session: Session, actor: Actor, before: dt.date, target: str, rows: int) -> None:
    """The export is a use of the log like any other: logged with its cut-off and file."""
    audit.record(session, actor, "export", filters={"before": before, "file": target}, rows=rows)
