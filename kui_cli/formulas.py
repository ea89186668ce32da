"""Cells a spreadsheet would run: formula injection in the csv and xlsx files kui writes.

Excel and LibreOffice read a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula, so a youth named `=HYPERLINK("http://...","Ida")` would become a link (or worse) in
the leader's spreadsheet. The usual defence is a leading `'`: the spreadsheet shows the text as
text. It is for text only: a negative number is a number, but the text "-5 dage" is text.

`runs` is the one rule; `neutralised` is what csv cells get; `neutralised_sql` is its SQL twin for
the export, whose rows go from the database to the file untouched (tests/test_sql_twins.py holds
them together on SQLite and PostgreSQL). JSON is for scripts and keeps every value as it is.
"""

from __future__ import annotations

from typing import Any

STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"


def runs(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula."""
    return text.startswith(STARTS)


def neutralised(text: str) -> str:
    """The text as a csv cell that no spreadsheet runs: a leading `'` when it would run."""
    return QUOTE + text if runs(text) else text


def neutralised_sql(expression: Any) -> Any:
    """SQL: `neutralised` of a text expression (null stays null)."""
    from sqlalchemy import case, func, literal

    return case(
        (func.substr(expression, 1, 1).in_(STARTS), literal(QUOTE).concat(expression)),
        else_=expression,
    )
