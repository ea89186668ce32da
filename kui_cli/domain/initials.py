"""Initials compared whatever their case, by one rule: the acting user against the staff, who
wrote a change against who owns the plan or who is asking, whose audit entries these are.

Staff initials are stored folded and consist of A-Z, Æ, Ø, Å and digits
(`staff.normalise_initials`). The acting user is matched to a staff member once per command
(`access.identify`), whose own initials are then recorded (`change_log.by`, `audit_log.user`);
rows written before that hold `--user` as it was typed (`øb`), so every comparison folds both
sides. It must mean the same in Python (the inbox, the agenda), in SQL (the access rule's
"registered by me", the audit filter, the export) and in PostgreSQL's row-level security
(migration 0004's `kui_fold`, made from `folded` below), so case is folded by one explicit table,
the letters that initials may hold, and not by `upper()`: Python's and PostgreSQL's upper() know
all of Unicode (PostgreSQL turns the Turkish dotless "ı" into "I"), SQLite's only ASCII.
"""

from __future__ import annotations

import string
from typing import Any

from sqlalchemy import String, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

DANISH_LOWER, DANISH_UPPER = "æøå", "ÆØÅ"
LOWER = string.ascii_lowercase + DANISH_LOWER
UPPER = string.ascii_uppercase + DANISH_UPPER
_TO_UPPER = str.maketrans(LOWER, UPPER)
_PAIRS = tuple(zip(LOWER, UPPER, strict=True))


def fold(text: str) -> str:
    """The text with the letters of initials in upper case, every other character as it is."""
    return text.translate(_TO_UPPER)


def spellings(folded_text: str) -> list[str]:
    """Every text that `fold` turns into `folded_text` (each letter of initials in either case):
    `column IN spellings(x)` is `folded(column) = x` in a form an index on the column serves.
    Initials are at most 10 characters (`staff.normalise_initials`): at most 1,024 spellings."""
    found = [""]
    for char in folded_text:
        itself = [] if char in LOWER else [char]  # a lower-case letter never survives `fold`
        cases = [*itself, *(lower for lower, upper in _PAIRS if upper == char)]
        found = [text + case for text in found for case in cases]
    return found


class folded(FunctionElement[str]):
    """SQL: `fold` of a text column."""

    type = String()
    name = "folded"
    inherit_cache = True


@compiles(folded)
def _folded_sqlite(element: folded, compiler: Any, **kw: Any) -> str:
    """SQLite's upper() folds ASCII only (it is built without ICU); the Danish letters follow."""
    expression = func.upper(*element.clauses)
    for lower, upper in zip(DANISH_LOWER, DANISH_UPPER, strict=True):
        expression = func.replace(expression, lower, upper)
    return str(compiler.process(expression, **kw))


@compiles(folded, "postgresql")
def _folded_postgresql(element: folded, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(func.translate(*element.clauses, LOWER, UPPER), **kw))
