"""Bulk import of youths from CSV: all rows or none.

Every row is validated before anything is written, and every bad row is reported with its line
number. The insert goes through the driver's `executemany` on the session's own connection (no
ORM objects: at a million rows the ORM costs minutes), and the registration history is written
with one INSERT ... SELECT, all in the command's single transaction.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from kui_cli.domain import codes, encodings, profile, settings
from kui_cli.domain.law import duty
from kui_cli.domain.plan import changes
from kui_cli.domain.progress import CHECKING, SILENT, WRITING, Progress, count_lines
from kui_cli.domain.protection import access, audit, lookups
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.protection.refusal import Refused
from kui_cli.domain.register import cpr
from kui_cli.domain.register.registration import MAX_GRADE, AgeWindow, NewYouth, validated
from kui_cli.errors import KuiError
from kui_cli.models import Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark, n_

REQUIRED = ("cpr", "name")
OPTIONAL = ("status", "since", "need", "school", "grade", "phone", "email")
FIELDS = REQUIRED + OPTIONAL
COLUMNS = (
    "cpr",
    "subject_key",
    "name",
    "birth_date",
    "status",
    "status_since",
    "need",
    "school",
    "grade",
    "phone",
    "email",
    "registered_on",
    "known_from",
)
BATCH = 50_000
PROGRESS_STEP = 10_000


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: str


class ImportRejected(KuiError):
    """The file has bad rows; `bad` holds every one of them, the message a summary."""

    def __init__(self, bad: list[BadRow]) -> None:
        self.bad = bad
        KuiError.__init__(self, self.summary(bad))

    @staticmethod
    def summary(bad: list[BadRow]) -> str:
        shown = first_bad_lines(bad)
        if len(bad) > SHOWN_BAD:
            summary = _("{n} bad rows, nothing imported: {lines} (and {more} more)")
        else:
            summary = n_(
                "{n} bad row, nothing imported: {lines}",
                "{n} bad rows, nothing imported: {lines}",
                len(bad),
            )
        return summary.format(n=len(bad), lines=shown, more=len(bad) - SHOWN_BAD)


SHOWN_BAD = 3  # the bad lines a refusal names; the rest are counted


def first_bad_lines(bad: Sequence[Any]) -> str:
    """The first bad lines of a refused file (an import's rows, a feed's lines), as its one
    error line names them: "line 3: ...; line 7: ..." (each bad one has `line` and `reason`)."""
    return "; ".join(
        _("line {line}: {reason}").format(line=b.line, reason=b.reason) for b in bad[:SHOWN_BAD]
    )


class AlreadyRegistered(ImportRejected, Refused):
    """Lines whose numbers are registered already: each is a lookup by CPR, recorded and
    audited by its key after the rollback (`lookups.py`; more than the user has left today and
    the import is refused without naming any, `lookups.require_bulk_allowance`)."""

    def __init__(self, bad: list[BadRow], numbers: list[str]) -> None:
        Refused.__init__(
            self,
            self.summary(bad),
            lookups.DUPLICATE_RULE,
            looked_up=tuple(numbers),
            purpose=lookups.REGISTER,
            plain=True,
        )
        self.bad = bad


def read_rows(handle: TextIO, path: Path) -> Iterator[tuple[int, tuple[str, ...] | None]]:
    """(line number, values) pairs, the values in FIELDS order with "" for an absent column, or
    None for a row with more fields than the header; `;` as separator is accepted, as Danish
    Excel writes it. `handle` is the file as `encodings.open_text` reads it."""
    first = handle.readline()
    delimiter = ";" if first.count(";") > first.count(",") else ","
    header = [h.strip().lower() for h in next(csv.reader([first], delimiter=delimiter), [])]
    _check_header(header, path)
    width = len(header)
    # Absent columns read the "" appended after the last field.
    pick = itemgetter(*(header.index(c) if c in header else width for c in FIELDS))
    reader = csv.reader(handle, delimiter=delimiter)
    try:
        for fields in reader:
            if not (fields and fields[0].strip()) and not any(f.strip() for f in fields):
                continue  # a blank line, or one of separators only
            count = len(fields)
            if count == width:
                fields.append("")
            elif count > width:
                yield reader.line_num + 1, None
                continue
            else:
                fields += [""] * (width + 1 - count)
            yield reader.line_num + 1, pick(fields)
    except csv.Error as exc:
        raise KuiError(
            _("{path} line {line}: unreadable CSV ({error})").format(
                path=path, line=reader.line_num + 1, error=exc
            )
        ) from None


def _check_header(header: list[str], path: Path) -> None:
    if not header or header == [""]:
        raise KuiError(
            _("{path} is empty: the first line must be a header with cpr,name").format(path=path)
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise KuiError(
            _("{path}: the header lacks column {column} (cpr and name are required)").format(
                path=path, column=repr(missing[0])
            )
        )
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if unknown:
        raise KuiError(
            _("{path}: unknown column {column}; known: {known}").format(
                path=path, column=repr(unknown[0]), known=", ".join(REQUIRED + OPTIONAL)
            )
        )
    if len(set(header)) != len(header):
        raise KuiError(_("{path}: a column appears twice in the header").format(path=path))


def validate_row(
    values: tuple[str, ...] | None, window: AgeWindow, key_of: Callable[[str], str]
) -> tuple[Any, ...]:
    """One row (FIELDS order) as insert parameters in COLUMNS order, or KuiError with the reason.

    The row's text cells become a `NewYouth` (a blank cell is the option's default) and go
    through the one validator of `youth add` too (`registration.validated`). Dates go to the
    driver as ISO text: SQLite stores them so, PostgreSQL casts them, and a million rows do not
    pay for a date adapter."""
    if values is None:
        raise KuiError(_("more fields than the header has columns"))
    text, name, status, since_text, need, school, grade_text, phone, email = values
    since = _date(since_text, "since") if since_text else None
    grade = _grade(grade_text.strip()) if grade_text.strip() else None
    # NewYouth's fields are FIELDS, in the same order (positional: a million rows).
    new = NewYouth(text, name, status or "none", since, need or "A", school, grade, phone, email)
    return registration_row(new, window, key_of)


def registration_row(
    new: NewYouth, window: AgeWindow, key_of: Callable[[str], str]
) -> tuple[Any, ...]:
    """A new youth validated by the one validator of `youth add` (`registration.validated`), as
    insert parameters in COLUMNS order: the import's rows and the status feed's new youths."""
    row = validated(new, window)
    return (
        row.cpr,
        key_of(row.cpr),
        row.name,
        _iso(row.birth_date),
        row.status,
        _iso(row.status_since),
        row.need,
        row.school,
        row.grade,
        row.phone,
        row.email,
        _iso(window.today),
        _iso(row.status_since),  # known from: the status's start, never after today
    )


@lru_cache(maxsize=1 << 16)
def _iso(day: dt.date) -> str:
    return day.isoformat()


@lru_cache(maxsize=4096)
def _date(text: str, what: str) -> dt.date | None:
    """A date given as YYYY-MM-DD; a blank field is the caller's default."""
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise KuiError(
            _("{field} {value} is not a date YYYY-MM-DD").format(field=what, value=repr(text))
        ) from None


def _grade(text: str) -> int:
    """A grade cell as a number; its range is the validator's rule."""
    if not (text.isascii() and text.isdigit()):
        raise KuiError(
            _("grade {value} is not a number 0-{most}").format(value=repr(text), most=MAX_GRADE)
        )
    return int(text)


@dataclass
class Validated:
    """The insert parameters of every row, the line each CPR came from, the file's encoding and,
    for an update, which of the cells with a default each row gave (`given`)."""

    rows: list[tuple[Any, ...]]
    line_of: dict[str, int]
    encoding: str = encodings.UTF8
    given: list[int] = field(default_factory=list)


# The cells whose blank means a default for a new youth but "unchanged" for a registered one.
STATUS_GIVEN, SINCE_GIVEN, NEED_GIVEN = 1, 2, 4


def given_cells(values: tuple[str, ...]) -> int:
    """Which of status, since and need a row gives (FIELDS order), as STATUS_GIVEN | ..."""
    return (
        (values[2].strip() != "") | (values[3].strip() != "") << 1 | (values[4].strip() != "") << 2
    )


def validate_file(
    path: Path,
    window: AgeWindow,
    key_of: Callable[[str], str],
    progress: Progress = SILENT,
    *,
    encoding: str | None = None,
    update: bool = False,
) -> Validated:
    """Every row validated; raises ImportRejected listing every bad row and in-file duplicate.

    The file is read by `encodings.open_text` (detected, or `encoding`): a byte it cannot read
    stops the validation with an error naming its line, before anything is written.
    `progress` is told the `CHECKING` phase (its total the file's line count, when the bar is
    shown) every PROGRESS_STEP rows: a call per row would cost more than the row.
    """
    good: list[tuple[Any, ...]] = []
    given: list[int] = []
    bad: list[BadRow] = []
    first_line: dict[str, int] = {}
    count = 0
    lines = count_lines(path, progress)
    progress.phase(CHECKING, None if lines is None else max(lines - 1, 0))
    with encodings.open_text(path, encoding) as handle:
        for count, (line, row) in enumerate(read_rows(handle, path), start=1):
            if not count % PROGRESS_STEP:
                progress.advance(PROGRESS_STEP)
            try:
                params = validate_row(row, window, key_of)
            except KuiError as exc:
                bad.append(BadRow(line, str(exc)))
                continue
            seen = first_line.setdefault(params[0], line)
            if seen != line:
                repeats = _("CPR {cpr} repeats line {line}")
                bad.append(BadRow(line, repeats.format(cpr=cpr.masked(params[0]), line=seen)))
                continue
            good.append(params)
            if update:
                given.append(given_cells(row))  # type: ignore[arg-type]
        found = encodings.encoding_of(handle)
    progress.advance(count % PROGRESS_STEP)
    if bad:
        raise ImportRejected(bad)
    if not good:
        raise KuiError(_("{path} has no rows to import").format(path=path))
    return Validated(good, first_line, found, given)


def insert_rows(session: Session, rows: list[tuple[Any, ...]], progress: Progress = SILENT) -> None:
    """The driver's executemany on the session's connection, in the session's transaction,
    BATCH rows at a time (each batch told to `progress`).

    On SQLite a load bigger than the table already is builds the table's indexes after the rows
    are in."""
    connection = session.connection()
    style = connection.dialect.paramstyle
    marks = ", ".join(["?"] * len(COLUMNS) if style == "qmark" else ["%s"] * len(COLUMNS))
    sql = f"INSERT INTO youth ({', '.join(COLUMNS)}) VALUES ({marks})"
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    sqlite = connection.dialect.name == "sqlite"
    try:
        existing = 0
        if sqlite:
            existing = cursor.execute("SELECT coalesce(max(id), 0) FROM youth").fetchone()[0]
        deferred = indexes_deferred(cursor, "youth") if sqlite and len(rows) > existing else None
        with collector_paused(), deferred or nullcontext():
            for start in range(0, len(rows), BATCH):
                batch = rows[start : start + BATCH]
                cursor.executemany(sql, batch)
                progress.advance(len(batch))
    finally:
        cursor.close()


@contextmanager
def indexes_deferred(cursor: Any, table: str) -> Iterator[None]:
    """SQLite: drop the table's indexes, let the caller fill the table, create them again.

    Sorting a million keys once is several times cheaper than inserting them one by one into
    B-trees in random order (CPR numbers and subject keys arrive in no order). A duplicate makes
    CREATE UNIQUE INDEX fail with the IntegrityError the insert would have raised. It all happens
    in the caller's transaction: a failure rolls the drop back too, and other connections never
    see the table without its indexes."""
    query = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
    definitions = [(n, sql) for n, sql in cursor.execute(query, (table,)).fetchall() if sql]
    for name, _sql in definitions:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _name, sql in definitions:
        cursor.execute(sql)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Bulk work without the cyclic garbage collector: a million rows are tuples of strings with
    no cycles, which the collector would walk again and again as they pile up (a tenth of the
    import's time) to find nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def duplicates_in_database(session: Session, rows: list[tuple[Any, ...]]) -> list[str]:
    """The CPRs of the file that are already registered (asked only when the insert fails)."""
    found: list[str] = []
    numbers = [r[0] for r in rows]
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        found += session.execute(select(Youth.cpr).where(Youth.cpr.in_(chunk))).scalars().all()
    return found


@dataclass(frozen=True)
class Summary:
    """What an import did: youths registered, updated, unchanged (an update import's
    registered rows that already say what the register does), refused rows, the encoding."""

    new: int
    updated: int = 0
    unchanged: int = 0
    refused: int = 0
    encoding: str = encodings.UTF8


def summary_record(path: Path, done: Summary) -> dict[str, Any]:
    """The summary as `--format` prints it (JSON field names are these)."""
    return {
        "file": str(path),
        "encoding": done.encoding,
        "new": done.new,
        "updated": done.updated,
        "unchanged": done.unchanged,
        "refused": done.refused,
    }


def refused_summary(path: Path, bad: list[BadRow]) -> dict[str, Any]:
    """The summary of a refused file: nothing done, every refused line with its reason."""
    record = summary_record(path, Summary(0, refused=len(bad), encoding=""))
    record.pop("encoding")
    record["lines"] = [{"line": b.line, "reason": b.reason} for b in bad]
    return record


def import_csv(
    session: Session,
    actor: Actor,
    path: Path,
    progress: Progress = SILENT,
    encoding: str | None = None,
) -> Summary:
    """Validate the whole file, then insert it in the session's transaction (all or nothing)."""
    if access.role_of(session) == codes.SYSTEM_ROLE:
        raise Refused(
            _("a scheduled job's account imports with --update only (a re-runnable import)"),
            "system-scheduled-only",
        )
    checked = validated_file(session, actor, path, progress, encoding=encoding)
    progress.phase(WRITING, len(checked.rows))
    register_rows(session, actor, path, checked, checked.rows, progress=progress)
    audit.record(session, actor, "import", filters={"file": path.name}, rows=len(checked.rows))
    return Summary(new=len(checked.rows), encoding=checked.encoding)


def validated_file(
    session: Session,
    actor: Actor,
    path: Path,
    progress: Progress = SILENT,
    *,
    encoding: str | None = None,
    update: bool = False,
) -> Validated:
    """The file's rows validated for registration on `actor.today`, once the user may still
    look up CPR numbers today (a registration's success would answer "not registered")."""
    lookups.require_allowance(session, actor, None, lookups.REGISTER)
    key_of = settings.new_youth_keyer(session)
    window = AgeWindow.of(profile.current(session), actor.today)
    with collector_paused():
        return validate_file(path, window, key_of, progress, encoding=encoding, update=update)


def register_rows(
    session: Session,
    actor: Actor,
    path: Path,
    checked: Validated,
    rows: list[tuple[Any, ...]],
    *,
    what: Phrase | None = None,
    progress: Progress = SILENT,
) -> None:
    """Insert the new youths' rows (validated), with their history (`what`, by default the
    import's) and education-obligation episodes. A number registered meanwhile is a duplicate:
    a lookup by CPR (`lookups.py`)."""
    before = session.execute(select(func.coalesce(func.max(Youth.id), 0))).scalar() or 0
    driver_integrity_error = session.connection().dialect.loaded_dbapi.IntegrityError
    try:
        with session.begin_nested():
            insert_rows(session, rows, progress)
    except (IntegrityError, driver_integrity_error):
        taken = duplicates_in_database(session, rows)
        if not taken:
            raise
        lookups.require_bulk_allowance(session, actor, taken)
        line_of = checked.line_of
        taken_text = _("CPR {cpr} is already registered")
        bad = [BadRow(line_of[n], taken_text.format(cpr=cpr.masked(n))) for n in taken]
        raise AlreadyRegistered(sorted(bad, key=lambda b: b.line), taken) from None
    imported = Phrase(mark("history", "registered by import of {file}"), {"file": path.name})
    record_registrations(session, actor, before, what or imported)
    duty.open_for_new_youths(session, actor, before)  # education obligation (issue 5)
    if len(rows) > before:
        refresh_statistics(session)


def refresh_statistics(session: Session) -> None:
    """SQLite, after a load that at least doubles the register: gather the query planner's
    table statistics again (ANALYZE, in the import's transaction). Statistics of a table a
    fraction of its new size mislead the planner, and `PRAGMA optimize` at close only acts on
    tenfold growth. About 0.4 s at a million youths; PostgreSQL's autovacuum does the same."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("ANALYZE"))


def record_registrations(session: Session, actor: Actor, after_id: int, what: Phrase) -> None:
    """One history row per imported youth, written by the database in one statement."""
    youths = select(Youth.id, Youth.status).where(Youth.id > after_id)
    changes.record_selected(session, actor, "registered", what, youths)
