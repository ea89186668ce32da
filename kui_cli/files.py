"""Files that kui writes for people and scripts: private, atomic, never overwritten unasked.

A file appears whole or not at all (written to a temporary file beside it, then renamed), with
mode 0600 because an export is personal data even when pseudonymised. The export's three formats
are written row by row as the rows come, so a large municipality needs no more memory than a
small one.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TextIO

from kui_cli import render
from kui_cli.errors import KuiError


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


def write_rows(
    rows: Iterable[dict[str, Any]],
    fmt: str,
    columns: Sequence[str],
    target: Path | None,
    sheet: str = "kui",
) -> None:
    """Rows as csv, json or xlsx, to `target` or (csv, json) standard output."""
    if fmt == "xlsx":
        if target is None:
            raise KuiError("xlsx needs a file: give --out FILE")
        write_xlsx(rows, columns, target, sheet)
        return
    with (
        target.open("w", encoding="utf-8", newline="") if target else nullcontext(sys.stdout) as out
    ):
        if fmt == "csv":
            write_csv(rows, columns, out)
        else:
            write_json(rows, out)


class Counted:
    """Passes rows through and counts them (the audit log records how many left)."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        self.rows = rows
        self.count = 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for row in self.rows:
            self.count += 1
            yield row


# Values that the csv module writes exactly as `render.cell` does: None as an empty cell, text
# and integers as themselves, a date in ISO form. Booleans, floats, datetimes and lists differ.
AS_IS = frozenset({str, int, type(None), dt.date})


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[str], out: TextIO) -> None:
    """A header, then one line per row as it comes; cells as `render.cell` writes them.

    The export writes a million cells: only the values the csv module would write differently
    go through `render.cell`, the rest are handed to the writer as they are."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    cell = render.cell
    for row in rows:
        values = list(map(row.get, columns))
        if not AS_IS.issuperset(map(type, values)):
            values = [v if type(v) in AS_IS else cell(v) for v in values]
        writer.writerow(values)


def write_json(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    """A JSON list, streamed (the renderer's JSON listing writes one row at a time)."""
    render.listing(rows, render.Format.json, out=out)


def write_xlsx(
    rows: Iterable[dict[str, Any]], columns: Sequence[str], path: Path, sheet: str
) -> None:
    """An Excel sheet: a bold, frozen header row; numbers, booleans and dates as typed cells.

    xlsxwriter's constant-memory mode flushes each row to disk as it is written; its scratch
    files go beside the target, not into a shared temporary folder.
    """
    import xlsxwriter

    options = {
        "constant_memory": True,
        "tmpdir": str(path.parent),
        "default_date_format": "yyyy-mm-dd",
    }
    workbook = xlsxwriter.Workbook(str(path), options)
    try:
        bold = workbook.add_format({"bold": True})
        worksheet = workbook.add_worksheet(sheet)
        worksheet.freeze_panes(1, 0)
        worksheet.set_column(0, 0, 26)
        worksheet.set_column(1, len(columns) - 1, 13)
        worksheet.write_row(0, 0, list(columns), bold)
        last = 0
        for last, row in enumerate(rows, start=1):
            for col, name in enumerate(columns):
                _write_cell(worksheet, last, col, row.get(name))
        worksheet.autofilter(0, 0, last, len(columns) - 1)
    finally:
        workbook.close()


def _write_cell(worksheet: Any, row: int, col: int, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, dt.date):
        worksheet.write_datetime(row, col, value)
    else:
        worksheet.write_string(row, col, str(value))
