"""The plain table of a long listing skips tabulate's guess at each cell's type (issue 19): the
table must be the one tabulate makes when it guesses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st
from tabulate import tabulate

from kui_cli import render
from kui_cli.render import tables

VALUES = (
    st.none()
    | st.integers(-(10**6), 10**12)
    | st.booleans()
    | st.floats(-1e6, 1e6, allow_nan=False)
    | st.dates(dt.date(1990, 1, 1), dt.date(2030, 12, 31))
    | st.text(max_size=8)
    | st.from_regex(r"\A[0-9]{8}\Z")  # phone numbers
    | st.sampled_from(["Ida Jensen", "1,000", "True", "1e5", "inf", " 12 ", "", "0x1f", "1_000"])
)
COLUMNS = ["a", "b", "c"]
# Columns of one kind of value each, as a listing has, and columns that mix them.
TYPED = st.sampled_from([st.integers(0, 10**6) | st.none(), st.from_regex(r"\A[0-9]{8}\Z"), VALUES])


@given(
    kinds=st.lists(TYPED, min_size=3, max_size=3).flatmap(
        lambda kinds: st.lists(st.tuples(*kinds), max_size=12)
    )
)
@example(kinds=[(1, "Ida", None), (22, "Bo", 3)])
@example(kinds=[(None, "12345678", 1.5), (None, "87654321", 2.25)])
def test_the_plain_table_is_tabulates(kinds: list[tuple[Any, ...]]) -> None:
    rows = [dict(zip(COLUMNS, values, strict=True)) for values in kinds]
    guessed = tabulate([[render.cell(r[c]) for c in COLUMNS] for r in rows], headers=COLUMNS)
    assert tables.plain_table(rows, COLUMNS) == guessed
