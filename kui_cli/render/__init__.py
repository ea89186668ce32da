"""Output: one renderer for every listing and every `show` (tables for people in `tables`).

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
import itertools
import json
import os
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from kui_cli import danish, formulas
from kui_cli.errors import KuiError
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _

if TYPE_CHECKING:
    from kui_cli.render.tables import Layout


class Format(enum.StrEnum):
    table = "table"
    csv = "csv"
    json = "json"
    markdown = "markdown"


def plain_output(stream: TextIO | None = None) -> bool:
    """No colour and no box drawing: when piped, or when the user asked with NO_COLOR (and
    FORCE_COLOR asks for the terminal's tables when piped, as rich reads it)."""
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return True
    return not (os.environ.get("FORCE_COLOR") or stream.isatty())


def json_default(value: Any) -> Any:
    """Dates as YYYY-MM-DD and datetimes as ISO 8601, as the contract says; a history sentence
    in English (`Phrase`), as scripts have always read it."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Phrase):
        return str(value)
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
    if isinstance(value, Phrase):
        from kui_cli.render import history

        return history.text(value)
    return str(value)


def cells(rows: Sequence[dict[str, Any]], column: str) -> list[str]:
    """A column's cells in a table or markdown, for a person: a code by its label in the
    reader's language (`labels.coder`), any other value as `cell` writes it."""
    from kui_cli.render import labels

    label = labels.coder(column)
    if label is None:
        return [cell(row.get(column)) for row in rows]
    return [cell(label(row.get(column))) for row in rows]


def csv_cell(value: Any) -> str:
    """A value as a csv cell, for a script: a moment in ISO 8601 with its offset, to the second;
    anything else as its `cell` text, neutralised when it is text a spreadsheet would run (a
    name, a reason); a number stays a number, whatever its sign."""
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, Phrase):  # English, as JSON has it
        return formulas.neutralised(str(value))
    text = cell(value)
    return formulas.neutralised(text) if isinstance(value, str | list | tuple) else text


@dataclass(frozen=True)
class View:
    """What the person asked of a listing (`--wide`, `--columns`, `--fields`): the command
    passes it on untouched and the layer applies it to whatever the listing holds."""

    wide: bool = False
    columns: tuple[str, ...] | None = None
    fields: tuple[str, ...] | None = None

    @classmethod
    def of(cls, wide: bool = False, columns: str | None = None, fields: str | None = None) -> View:
        """From the options as typed: names separated by commas."""
        return cls(wide, _names(columns), _names(fields))


def _names(text: str | None) -> tuple[str, ...] | None:
    if text is None:
        return None
    return tuple(name.strip() for name in text.split(",") if name.strip())


def empty(noun: str | None = None) -> str:
    """The line an empty listing prints instead of a bare header (`noun`: what it lists, in
    English, translated as `labels.noun`): "Ingen unge matcher."."""
    if noun is None:
        return _("No rows match.")
    from kui_cli.render import labels

    return _("No {noun} match.").format(noun=labels.noun(noun))


def left_out(names: Sequence[str], width: int) -> str:
    """The line saying which columns a table too wide for the terminal left out (by the names
    `--columns` takes)."""
    return _("Left out at {width} columns: {names} (see them with --wide or --columns).").format(
        width=width, names=", ".join(names)
    )


def pick_names(asked: Sequence[str], valid: Sequence[str], option: str) -> list[str]:
    """The names asked for, in their order, when each is one the listing has."""
    if not valid:  # an empty listing without declared columns: nothing to choose from
        return list(asked)
    unknown = [name for name in asked if name not in valid]
    if unknown or not asked:
        shown = ", ".join(unknown) or _("(none)")
        unknown_names = _("Unknown {option} {names}: choose from {valid}.")
        raise KuiError(unknown_names.format(option=option, names=shown, valid=", ".join(valid)))
    return list(dict.fromkeys(asked))


def no_columns(view: View) -> None:
    """`--columns` picks the columns of a table, markdown or csv: JSON refuses it."""
    if view.columns is not None:
        raise KuiError(
            _("--columns is for tables, markdown and csv: with --format json use --fields.")
        )


def no_fields(view: View) -> None:
    """`--fields` picks the fields of JSON: a table or markdown refuses it."""
    if view.fields is not None:
        raise KuiError(_("--fields is for --format json: for a table use --columns."))


def listing(
    rows: Iterable[dict[str, Any]],
    fmt: Format | str = Format.table,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
    out: TextIO | None = None,
    view: View = View(),
    layout: Layout | None = None,
    noun: str | None = None,
) -> None:
    """Print rows (dicts) in the chosen format. `columns` picks and orders the table/CSV columns
    (else the first row's keys); the person's `view` picks among the rows' keys; `layout` weighs
    the columns when a table does not fit (`tables.Layout`); `noun` names what an empty listing
    lacks."""
    out = out or sys.stdout
    fmt = Format(fmt)
    if fmt is Format.json:
        no_columns(view)
    if fmt is not Format.json:
        no_fields(view)
    first, rest = _peek(iter(rows))
    keys = list(dict.fromkeys([*(columns or []), *(first or {})]))
    if fmt is Format.json:
        fields = pick_names(view.fields, keys, "field") if view.fields is not None else None
        _json_list(_chain(first, rest, fields), out)
        return
    cols = pick_names(view.columns, keys, "column") if view.columns is not None else columns or keys
    if fmt is Format.csv:
        _csv(_chain(first, rest), cols, out)
        return
    left, width = _for_people(list(_chain(first, rest)), cols, fmt, title, out, view, layout, noun)
    if left:
        message(left_out(left, width))


def grouped(
    groups: Iterable[tuple[str | None, list[dict[str, Any]]]],
    fmt: Format | str = Format.table,
    *,
    columns: Sequence[str],
    view: View = View(),
    layout: Layout | None = None,
) -> None:
    """Titled tables (or markdown) of one listing for people (`plan inbox`, by youth): one line
    at the end says which columns any of them left out. Scripts get the rows as one listing."""
    fmt = Format(fmt)
    no_fields(view)
    left: dict[str, None] = {}
    width = 0
    for title, rows in groups:
        keys = list(dict.fromkeys([*columns, *(rows[0] if rows else {})]))
        cols = pick_names(view.columns, keys, "column") if view.columns is not None else columns
        names, width = _for_people(rows, list(cols), fmt, title, sys.stdout, view, layout, None)
        left.update(dict.fromkeys(names))
    if left:
        message(left_out(list(left), width))


def _for_people(
    rows: list[dict[str, Any]],
    cols: list[str],
    fmt: Format,
    title: str | None,
    out: TextIO,
    view: View,
    layout: Layout | None,
    noun: str | None,
) -> tuple[list[str], int]:
    """A table or markdown: the empty line for no rows, no empty columns unless asked for; the
    columns a table left out, and the terminal width."""
    from kui_cli.render import tables

    if not rows:
        out.write(f"{title}\n" if title else "")
        out.write(empty(noun) + "\n")
        return [], 0
    if view.columns is None:
        cols = tables.drawn({c: cells(rows, c) for c in cols}, cols)
    if fmt is Format.markdown:
        out.write(tables.markdown(rows, cols, title))
        return [], 0
    return tables.table(rows, cols, title, out, layout=layout or tables.Layout(), wide=view.wide)


def _peek(rows: Iterator[dict[str, Any]]) -> tuple[dict[str, Any] | None, Iterator[dict[str, Any]]]:
    """The first row (for the names a listing has) and the rest, still streamed."""
    return next(rows, None), rows


def _chain(
    first: dict[str, Any] | None,
    rest: Iterator[dict[str, Any]],
    fields: Sequence[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """The rows again, from the peeked first one; only `fields` of each when given."""
    if first is None:
        return
    for row in itertools.chain([first], rest):
        yield row if fields is None else {f: row.get(f) for f in fields}


def _csv(rows: Iterator[dict[str, Any]], cols: Sequence[str], out: TextIO) -> None:
    """Streamed: each row is written as it comes."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(cols)
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


def record(
    value: dict[str, Any], fmt: Format | str = Format.table, *, title: str | None = None
) -> None:
    """Print one object (`show`): JSON as one object, otherwise field/value rows: for a person
    (table, markdown) each field by its label and a code by its label, as a column would be;
    csv keeps the keys and codes.

    Nested lists (history, guardians) are printed as their own tables below the fields.
    """
    from kui_cli.render import labels

    fmt = Format(fmt)
    if fmt is Format.json:
        sys.stdout.write(to_json(value) + "\n")
        return
    scalars = [{"field": k, "value": v} for k, v in value.items() if not _is_table(v)]
    if fmt is not Format.csv:
        scalars = [
            {"field": labels.label(r["field"]), "value": labels.value(r["field"], r["value"])}
            for r in scalars
        ]
    listing(scalars, fmt, columns=["field", "value"], title=title)
    for key, nested in value.items():
        if _is_table(nested) and nested:
            sys.stdout.write("\n")
            listing(nested, fmt, title=key if fmt is Format.csv else labels.label(key))


def _is_table(value: Any) -> bool:
    return isinstance(value, list) and (not value or isinstance(value[0], dict))


def message(text: str) -> None:
    """A confirmation for a person; goes to stderr so stdout stays clean for scripts."""
    print(text, file=sys.stderr)


def warning(text: str) -> None:
    print(_("Warning: {message}").format(message=text), file=sys.stderr)
