"""Output: one renderer for every listing and every `show`.

`table` is a rich table on a terminal and plain text (tabulate) when piped or with NO_COLOR;
`json` is the stable interface for scripts; `csv` has a header, and text in it that a spreadsheet
would run as a formula starts with ' (`formulas`); `markdown` pastes into documents. Tables and
markdown are for people: a moment in them is Danish local time to the minute
(`danish.local_time`); JSON and csv are for scripts and keep it in ISO 8601 with its offset.
"""

from __future__ import annotations

import csv
import datetime as dt
import enum
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from kui_cli import danish, formulas
from kui_cli.render import labels
from kui_cli.render.i18n import _


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


def plain_output(stream: TextIO | None = None) -> bool:
    """No colour and no box drawing: when piped, or when the user asked with NO_COLOR."""
    stream = stream or sys.stdout
    return bool(os.environ.get("NO_COLOR")) or not stream.isatty()


def json_default(value: Any) -> Any:
    """Dates as YYYY-MM-DD and datetimes as ISO 8601, as the contract says."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    raise TypeError(f"cannot serialise {type(value).__name__}")


def to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, default=json_default)


def cell(value: Any) -> str:
    """A value as text in a table or markdown cell, for a person."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, dt.datetime):
        return danish.local_time(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    return str(value)


def csv_cell(value: Any) -> str:
    """A value as a csv cell, for a script: a moment in ISO 8601 with its offset, to the second;
    anything else as its `cell` text, neutralised when it is text a spreadsheet would run (a
    name, a reason); a number stays a number, whatever its sign."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    text = cell(value)
    return formulas.neutralised(text) if isinstance(value, str | list | tuple) else text


def listing(
    rows: Iterable[dict[str, Any]],
    fmt: Format | str = Format.table,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    out: TextIO | None = None,
) -> None:
    """Print rows (dicts) in the chosen format. `columns` picks and orders the table/CSV columns."""
    out = out or sys.stdout
    fmt = Format(fmt)
    if fmt is Format.json:
        _json_list(rows, out)
        return
    if fmt is Format.csv:
        _csv(iter(rows), columns, out)
        return
    materialised = rows if isinstance(rows, list) else list(rows)
    cols = list(columns or (materialised[0].keys() if materialised else []))
    if fmt is Format.markdown:
        out.write(_markdown(materialised, cols, title))
    else:
        _table(materialised, cols, title, out)


def _csv(rows: Iterator[dict[str, Any]], columns: Sequence[str] | None, out: TextIO) -> None:
    """Streamed: each row is written as it comes (the header from the first row when no
    columns are given)."""
    first = next(rows, None)
    cols = list(columns or (first.keys() if first else []))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cols)
    if first is not None:
        writer.writerow([csv_cell(first.get(c)) for c in cols])
    writer.writerows([csv_cell(r.get(c)) for c in cols] for r in rows)


def json_lines(rows: Iterable[dict[str, Any]], out: TextIO | None = None) -> int:
    """One JSON object per line (archives, streams); returns the number of lines written."""
    out = out or sys.stdout
    count = 0
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, default=json_default) + "\n")
        count += 1
    return count


def _json_list(rows: Iterable[dict[str, Any]], out: TextIO) -> None:
    """Streamed, so a long listing never has to be held as one string."""
    # One encoder for every row: `json.dumps` with options builds a new one per call.
    encode = json.JSONEncoder(ensure_ascii=False, default=json_default).encode
    separator = "[\n  "
    for row in rows:
        out.write(separator)
        out.write(encode(row))
        separator = ",\n  "
    out.write("[]\n" if separator.startswith("[") else "\n]\n")


def _markdown(rows: list[dict[str, Any]], cols: list[str], title: str | None) -> str:
    from tabulate import tabulate

    header = [labels.label(c) for c in cols]
    cells = [[cell(r.get(c)) for c in cols] for r in rows]
    body = tabulate(cells, headers=header, tablefmt="github")
    heading = f"## {title}\n\n" if title else ""
    return f"{heading}{body}\n"


def _table(rows: list[dict[str, Any]], cols: list[str], title: str | None, out: TextIO) -> None:
    if plain_output(out):
        if title:
            out.write(f"{title}\n")
        out.write(_plain_table(rows, cols) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold")
    for col in cols:
        table.add_column(labels.label(col))
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in cols))
    Console(file=out).print(table)


def _plain_table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    """tabulate's plain table, without its guess at each cell's type where the column's type
    is known: tabulate would try every cell of a 33,000-row listing as a number (two thirds of
    the time). A column of text is text from its first cell that no number parser reads; a
    column of integers (and blanks) is right-aligned as tabulate aligns numbers; only a column
    of text that reads as numbers (phone numbers) is left to tabulate's own detection, so the
    table is the one tabulate makes of the cells."""
    from tabulate import tabulate

    cells = [[cell(r.get(c)) for c in cols] for r in rows]
    header = [labels.label(c) for c in cols]
    if not cells:
        return tabulate(cells, headers=header)
    kinds = [_column_kind([r.get(c) for r in rows], [line[i] for line in cells])
             for i, c in enumerate(cols)]  # fmt: skip
    known = [i for i, kind in enumerate(kinds) if kind is not None]
    aligns = [kind or "global" for kind in kinds]  # "global": tabulate's own choice
    return tabulate(cells, headers=header, disable_numparse=known, colalign=aligns)


def _column_kind(values: list[Any], texts: list[str]) -> str | None:
    """How tabulate would align the column: "left" (text, or blank throughout), "decimal"
    (integers), or None when its cells must be read as tabulate reads them."""
    numbers = False
    for value, text in zip(values, texts, strict=True):
        if value is None or text == "":
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            numbers = True
        elif not _may_read_as_number(text):
            return "left"
        else:
            return None
    return "decimal" if numbers else "left"


def _may_read_as_number(text: str) -> bool:
    """Whether tabulate could take the text for a number or a boolean (a superset of its test:
    anything float() reads, thousands separators, True/False, and text with escape codes)."""
    if "\x1b" in text or text in ("True", "False") or "," in text:
        return True
    try:
        float(text)
    except ValueError:
        return False
    return True


def record(
    value: dict[str, Any], fmt: Format | str = Format.table, *, title: str | None = None
) -> None:
    """Print one object (`show`): JSON as one object, otherwise field/value rows.

    Nested lists (history, guardians) are printed as their own tables below the fields.
    """
    fmt = Format(fmt)
    if fmt is Format.json:
        sys.stdout.write(to_json(value) + "\n")
        return
    scalars = [{"field": k, "value": v} for k, v in value.items() if not _is_table(v)]
    listing(scalars, fmt, columns=["field", "value"], title=title)
    for key, nested in value.items():
        if _is_table(nested) and nested:
            sys.stdout.write("\n")
            listing(nested, fmt, title=key)


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and (not value or isinstance(value[0], dict))


def message(text: str) -> None:
    """A confirmation for a person; goes to stderr so stdout stays clean for scripts."""
    print(text, file=sys.stderr)


def warning(text: str) -> None:
    print(_("Warning: {message}").format(message=text), file=sys.stderr)


@contextmanager
def progress(description: str) -> Iterator[Callable[[int], None] | None]:
    """A progress counter on stderr for long work, when stderr is a terminal; None otherwise.

    The callback takes how many rows were done since the last call: call it every few thousand
    rows, not per row."""
    if plain_output(sys.stderr):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.description} {task.completed:,} rows"))
    with Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True)) as bar:
        task = bar.add_task(description, total=None)
        yield lambda done=1: bar.advance(task, done)
