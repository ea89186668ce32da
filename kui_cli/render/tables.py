"""Tables for people: the rich table on a terminal, tabulate's plain table when piped, and
markdown. Which columns a table shows and how wide each is are decided here; the values' text
(`cell`) and the choice of plain output are the package's (`kui_cli.render`)."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

from kui_cli.render import cells, plain_output


class Kind(enum.StrEnum):
    """What a column holds, which decides whether it may wrap: everything but free text is
    read as a whole (a deadline cut to `2026-1…` is lost), so only `text` folds."""

    id = "id"
    date = "date"
    code = "code"
    number = "number"
    text = "text"


# Text without a space up to this length is a code (a status, initials, a masked CPR number, a
# team slug, a time): kept whole. Longer unbroken text (a hash, a path) folds like prose.
CODE_LENGTH = 24
# The narrowest a column of free text is counted as when deciding what fits: a name or a reason
# folds into lines of this width rather than into a sliver of letters.
TEXT_WIDTH = 12


@dataclass(frozen=True)
class Layout:
    """How a listing's columns are weighed, when the values' types are not enough: `priority`
    names the most important columns first (the others follow in their own order), `kinds`
    names a column's kind where the guess from its values would be wrong."""

    priority: Sequence[str] = ()
    kinds: Mapping[str, Kind] = field(default_factory=dict)

    def ranked(self, cols: Sequence[str]) -> list[str]:
        """The columns from most to least important."""
        first = [c for c in self.priority if c in cols]
        return first + [c for c in cols if c not in first]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    longest: int  # its longest cell or header
    width: int  # what it needs: all of it when whole; text folds down to TEXT_WIDTH or its header

    @property
    def whole(self) -> bool:
        return self.kind is not Kind.text


def header(name: str) -> str:
    """A column's heading for a person: its label in the user's language (`labels`)."""
    from kui_cli.render import labels

    return labels.label(name)


def kind_of(name: str, values: Sequence[Any], texts: Sequence[str]) -> Kind:
    """A column's kind from its values: dates, moments and numbers are whole; text without a
    space and not longer than a code is a code; anything else is text."""
    present = [(v, t) for v, t in zip(values, texts, strict=True) if t != ""]
    if all(isinstance(v, dt.date) for v, _ in present):
        return Kind.date
    if all(isinstance(v, int | float) for v, _ in present):
        return Kind.id if name == "id" or name.endswith("_id") else Kind.number
    if all(isinstance(v, str) and len(t) <= CODE_LENGTH and not any(c.isspace() for c in t)
           for v, t in present):  # fmt: skip
        return Kind.code
    return Kind.text


def columns_of(
    rows: Sequence[dict[str, Any]], cols: Sequence[str], texts: dict[str, list[str]], layout: Layout
) -> list[Column]:
    """Each column with its kind and the width it needs."""
    found = []
    for name in cols:
        kind = layout.kinds.get(name) or kind_of(name, [r.get(name) for r in rows], texts[name])
        heading = header(name)
        longest = max(len(t) for t in [heading, *texts[name]])
        folded = min(longest, max(TEXT_WIDTH, len(heading)))
        found.append(Column(name, kind, longest, folded if kind is Kind.text else longest))
    return found


def table_width(widths: Sequence[int]) -> int:
    """The width of rich's default table: a border and a space either side of every cell."""
    return sum(w + 3 for w in widths) + 1


def fitting(cols: list[Column], ranked: Sequence[str], width: int) -> list[Column]:
    """The columns that fit in `width`, leaving out the least important first; the most
    important one is always kept."""
    kept = list(cols)
    for name in reversed(ranked[1:]):
        if table_width([c.width for c in kept]) <= width:
            break
        kept = [c for c in kept if c.name != name]
    return kept


def drawn(texts: dict[str, list[str]], cols: Sequence[str]) -> list[str]:
    """The columns with at least one value: an empty column takes room and says nothing."""
    return [c for c in cols if any(texts[c])]


def markdown(rows: list[dict[str, Any]], cols: list[str], title: str | None) -> str:
    from tabulate import tabulate

    body = tabulate(_rows_of(rows, cols), headers=[header(c) for c in cols], tablefmt="github")
    heading = f"## {title}\n\n" if title else ""
    return f"{heading}{body}\n"


def table(
    rows: list[dict[str, Any]],
    cols: list[str],
    title: str | None,
    out: TextIO,
    *,
    layout: Layout = Layout(),
    wide: bool = False,
) -> tuple[list[str], int]:
    """Print the table; returns the columns it left out because the terminal is too narrow, and
    the terminal's width.

    Piped, it is tabulate's plain text, every column whole on lines as long as they need. On a
    terminal, a rich table as wide as the terminal: whole columns never wrap nor shrink below
    their longest cell, text folds; what does not fit is left out, least important first, unless
    `wide` asks for every column (the lines are then as long as they need)."""
    if plain_output(out):
        if title:
            out.write(f"{title}\n")
        out.write(plain_table(rows, cols) + "\n")
        return [], 0
    from rich.console import Console
    from rich.table import Table

    texts = {c: cells(rows, c) for c in cols}
    every = columns_of(rows, cols, texts, layout)
    console = Console(file=out)
    shown = every if wide else fitting(every, layout.ranked(cols), console.width)
    if wide:
        console.width = max(console.width, table_width([c.longest for c in every]))
    grid = Table(title=title, header_style="bold")
    for col in shown:
        if col.whole:
            grid.add_column(
                header(col.name), no_wrap=True, min_width=col.width, justify=_justify(col)
            )
        else:
            grid.add_column(header(col.name), overflow="fold", min_width=col.width)
    for i in range(len(rows)):
        grid.add_row(*(texts[c.name][i] for c in shown))
    console.print(grid)
    return [c.name for c in every if c not in shown], console.width


def _justify(col: Column) -> Literal["left", "right"]:
    return "right" if col.kind is Kind.number else "left"


def plain_table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    """tabulate's plain table, without its guess at each cell's type where the column's type
    is known: tabulate would try every cell of a 33,000-row listing as a number (two thirds of
    the time). A column of text is text from its first cell that no number parser reads; a
    column of integers (and blanks) is right-aligned as tabulate aligns numbers; only a column
    of text that reads as numbers (phone numbers) is left to tabulate's own detection, so the
    table is the one tabulate makes of the cells."""
    from tabulate import tabulate

    texts = _rows_of(rows, cols)
    headers = [header(c) for c in cols]
    if not texts:
        return tabulate(texts, headers=headers)
    kinds = [_column_kind([r.get(c) for r in rows], [line[i] for line in texts])
             for i, c in enumerate(cols)]  # fmt: skip
    known = [i for i, kind in enumerate(kinds) if kind is not None]
    aligns = [kind or "global" for kind in kinds]  # "global": tabulate's own choice
    return tabulate(texts, headers=headers, disable_numparse=known, colalign=aligns)


def _rows_of(rows: list[dict[str, Any]], cols: list[str]) -> list[list[str]]:
    """The cells for a person, row by row."""
    columns = [cells(rows, c) for c in cols]
    return [list(line) for line in zip(*columns, strict=True)] if cols else [[] for _ in rows]


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
