"""Files that kui writes for people and scripts: private, atomic, never overwritten unasked.

A file appears whole or not at all (written to a temporary file beside it, then renamed), with
mode 0600 because an export is personal data even when pseudonymised. The export's three formats
are written batch by batch as the database streams the rows, so a large municipality needs no
more memory than a small one.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import Select, TypeDecorator, case, func, not_, select
from sqlmodel import Session

from kui_cli import formulas, render
from kui_cli.domain.progress import SILENT, WRITING, Progress
from kui_cli.errors import KuiError
from kui_cli.render.i18n import _


@contextmanager
def destination(path: Path | None, *, force: bool = False) -> Iterator[Path | None]:
    """A private temporary file that becomes `path` when the block succeeds (refusing to
    overwrite without --force), or None for standard output when no path is given."""
    from kui_cli.domain.files import private_target

    if path is None:
        yield None
        return
    with private_target(path, overwrite=force, hint="use --force to overwrite it") as temporary:
        yield temporary


BATCH = 1000  # rows per fetch from the database (a server-side cursor on PostgreSQL)


def write_query(
    session: Session,
    query: Select[Any],
    fmt: str,
    target: Path | None,
    sheet: str = "kui",
    progress: Progress = SILENT,
) -> int:
    """The query's rows as csv, json or xlsx, to `target` or (csv, json) standard output, as the
    database streams them; the columns are the query's labels. Returns how many rows were
    written (the audit log records it). The file is on disk when it returns, so a full disk
    fails before the export is logged. `progress` is told the `WRITING` phase batch by batch,
    its total counted first when the bar is shown."""
    from kui_cli.domain.files import sync, sync_file

    if fmt == "xlsx" and target is None:
        raise KuiError(_("xlsx needs a file: give --out FILE"))
    columns = [column.name for column in query.selected_columns]
    if fmt == "csv":
        query = csv_cells(query)
    # Core rows on the session's connection (in its transaction), a batch at a time.
    result = session.connection().execute(query.execution_options(yield_per=BATCH))
    progress.phase(WRITING, _count(session, query) if progress.shown else None)
    batches = _told(result.partitions(), progress)
    if fmt == "xlsx":
        assert target is not None
        written = write_xlsx(batches, columns, target, sheet)
        sync_file(target)
        return written
    with (
        target.open("w", encoding="utf-8", newline="") if target else nullcontext(sys.stdout) as out
    ):
        written = (write_csv if fmt == "csv" else write_json)(batches, columns, out)
        sync(out)
        return written


def _count(session: Session, query: Select[Any]) -> int:
    """How many rows the query gives: the bar's total (one more query, only on a terminal)."""
    total = select(func.count()).select_from(query.order_by(None).subquery())
    return int(session.connection().execute(total).scalar() or 0)


def _told(batches: Batches, progress: Progress) -> Iterator[Sequence[Any]]:
    """The batches as they come, each told to `progress` once it has been handed on."""
    for batch in batches:
        yield batch
        progress.advance(len(batch))


def csv_cells(query: Select[Any]) -> Select[Any]:
    """The query with every column as the csv module must receive it to write what
    `render.csv_cell` writes, so rows go from the database to the file untouched: a boolean as
    yes/no and text that a spreadsheet would run with a leading ' (`formulas.neutralised_sql`),
    both in SQL; integers and dates (whose text is their ISO form) as they are.

    The cells are computed over the query as a subquery that the database must not merge into
    the outer select (`OFFSET 0` keeps SQLite and PostgreSQL from it): each cell names its column
    twice, and merged, a correlated subquery (the export's coordinator, team, plan owner) would
    run twice per row. The subquery's rows come in its order: neither database reorders them.
    """
    rows = query.offset(0).subquery()
    return select(*(_csv_cell(column).label(column.name) for column in rows.c))


def _csv_cell(column: Any) -> Any:
    sql_type = column.type
    if isinstance(sql_type, TypeDecorator):  # SQLModel's text columns
        sql_type = sql_type.impl_instance
    kind = sql_type.python_type
    if kind is bool:
        return case((column, "yes"), (not_(column), "no"))
    if kind is str:
        return formulas.neutralised_sql(column)
    if kind in (int, dt.date):
        return column
    raise TypeError(f"no csv cell for {column.name}, of type {column.type}")


Batches = Iterable[Sequence[Sequence[Any]]]


def write_csv(batches: Batches, columns: Sequence[str], out: TextIO) -> int:
    """A header, then the rows batch by batch as they come (`csv_cells` made them ready)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    written = 0
    for batch in batches:
        writer.writerows(batch)
        written += len(batch)
    return written


def write_json(batches: Batches, columns: Sequence[str], out: TextIO) -> int:
    """A JSON list of objects, streamed (the renderer's JSON listing writes one row at a time)."""
    written = 0

    def objects() -> Iterator[dict[str, Any]]:
        nonlocal written
        for batch in batches:
            written += len(batch)
            yield from (dict(zip(columns, row, strict=True)) for row in batch)

    render.listing(objects(), render.Format.json, out=out)
    return written


def write_xlsx(batches: Batches, columns: Sequence[str], path: Path, sheet: str) -> int:
    """An Excel sheet: a bold, frozen header row; numbers, booleans and dates as typed cells, and
    text always as text, never a formula; text that a spreadsheet would run (`formulas.runs`) is
    marked quote-prefixed as well, so editing the cell does not turn it into one.

    xlsxwriter's constant-memory mode flushes each row to disk as it is written; its scratch
    files (up to the export's size) go into a private folder beside the target that
    `private_target` removes with the temporary file, whatever happens. A failure to write the
    zip (a full disk) is raised as the OSError it is, which the CLI reports in one line.
    """
    import xlsxwriter
    from xlsxwriter.exceptions import FileCreateError

    from kui_cli.domain.files import scratch_folder

    options = {
        "constant_memory": True,
        "tmpdir": str(scratch_folder(path)),
        "default_date_format": "yyyy-mm-dd",
        "strings_to_formulas": False,
    }
    workbook = xlsxwriter.Workbook(str(path), options)
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    worksheet = workbook.add_worksheet(sheet)
    worksheet.freeze_panes(1, 0)
    worksheet.set_column(0, 0, 26)
    worksheet.set_column(1, len(columns) - 1, 13)
    worksheet.write_row(0, 0, list(columns), bold)
    written = 0
    for row in (row for batch in batches for row in batch):
        written += 1
        for col, value in enumerate(row):
            _write_cell(worksheet, written, col, value, quoted)
    worksheet.autofilter(0, 0, written, len(columns) - 1)
    try:
        workbook.close()
    except FileCreateError as exc:
        cause = exc.args[0] if exc.args else exc
        raise (cause if isinstance(cause, OSError) else exc) from None
    return written


def _write_cell(worksheet: Any, row: int, col: int, value: Any, quoted: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, value)
    else:
        text = str(value)
        worksheet.write_string(row, col, text, quoted if formulas.runs(text) else None)
