"""Tables for people: the rich table on a terminal, tabulate's plain table when piped, and
markdown. Which columns a table shows and how wide each is are decided here; the values' text
(`cell`) and the choice of plain output are the package's (`kui_cli.render`)."""

from __future__ import annotations

from typing import Any, TextIO

from kui_cli.render import cell, plain_output


def markdown(rows: list[dict[str, Any]], cols: list[str], title: str | None) -> str:
    from tabulate import tabulate

    body = tabulate([[cell(r.get(c)) for c in cols] for r in rows], headers=cols, tablefmt="github")
    heading = f"## {title}\n\n" if title else ""
    return f"{heading}{body}\n"


def table(rows: list[dict[str, Any]], cols: list[str], title: str | None, out: TextIO) -> None:
    if plain_output(out):
        if title:
            out.write(f"{title}\n")
        out.write(plain_table(rows, cols) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, header_style="bold")
    for col in cols:
        table.add_column(col)
    for row in rows:
        table.add_row(*(cell(row.get(c)) for c in cols))
    Console(file=out).print(table)


def plain_table(rows: list[dict[str, Any]], cols: list[str]) -> str:
    """tabulate's plain table, without its guess at each cell's type where the column's type
    is known: tabulate would try every cell of a 33,000-row listing as a number (two thirds of
    the time). A column of text is text from its first cell that no number parser reads; a
    column of integers (and blanks) is right-aligned as tabulate aligns numbers; only a column
    of text that reads as numbers (phone numbers) is left to tabulate's own detection, so the
    table is the one tabulate makes of the cells."""
    from tabulate import tabulate

    cells = [[cell(r.get(c)) for c in cols] for r in rows]
    if not cells:
        return tabulate(cells, headers=cols)
    kinds = [_column_kind([r.get(c) for r in rows], [line[i] for line in cells])
             for i, c in enumerate(cols)]  # fmt: skip
    known = [i for i, kind in enumerate(kinds) if kind is not None]
    aligns = [kind or "global" for kind in kinds]  # "global": tabulate's own choice
    return tabulate(cells, headers=cols, disable_numparse=known, colalign=aligns)


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
