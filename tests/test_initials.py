"""Initials folded alike in Python and in SQL: the owner's own changes are the same changes in
the inbox (Python) and the export (the database)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, literal, select

from kui_cli.domain import initials
from kui_cli.domain.staff import INITIALS

LETTERS = initials.LOWER + initials.UPPER + "0123456789"
# Characters that some upper() turns into letters of initials, or into several letters.
TRICKY = "ıİßﬀéüÆæ-ǅ"
AUTHORS = st.text(alphabet=LETTERS + TRICKY, max_size=6)


@given(st.text(alphabet=LETTERS, max_size=12))
def test_fold_is_upper_case_on_the_letters_of_initials(text: str) -> None:
    assert initials.fold(text) == text.upper()


@given(st.text(max_size=8))
def test_fold_leaves_every_other_character(text: str) -> None:
    folded = initials.fold(text)
    assert len(folded) == len(text)
    assert all(f == c or c in initials.LOWER for c, f in zip(text, folded, strict=True))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(author=AUTHORS, owner=st.from_regex(INITIALS, fullmatch=True))
@example(author="ıb", owner="IB")  # PostgreSQL's upper() makes this IB
@example(author="æøå", owner="ÆØÅ")  # SQLite's upper() leaves it as it is
def test_sql_folds_exactly_as_python(db_url: str, author: str, owner: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            query = select(initials.folded(literal(author)), initials.folded(literal(owner)))
            folded_author, folded_owner = connection.execute(query).one()
    finally:
        engine.dispose()
    assert (folded_author, folded_owner) == (initials.fold(author), owner)


@pytest.mark.parametrize(
    ("author", "owner"), [("ab", "AB"), ("Ab", "AB"), ("øå", "ØÅ"), ("Øå", "ØÅ"), ("æ2", "Æ2")]
)
def test_the_owners_initials_in_any_case_are_the_owner(
    db_url: str, author: str, owner: str
) -> None:
    engine = create_engine(db_url)
    with engine.connect() as connection:
        same = connection.execute(select(initials.folded(literal(author)) == owner)).scalar()
    engine.dispose()
    assert same and initials.fold(author) == owner
