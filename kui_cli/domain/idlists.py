"""A list of ids in SQL as one bound value, for the batch loaders of long listings.

`column.in_(ids)` expands into one parameter per id on every execution: SQLAlchemy renders the
list again each time, and the driver prepares a statement of a new length. A streamed listing of
33,000 youths asks about 200 such batches, and the expanding alone cost it a quarter of a
second at a million youths (bench/run.py, listings). `among` keeps the statement's text fixed:
on SQLite the ids travel as one JSON array read by `json_each`, on PostgreSQL as one array
compared by `= ANY`; both use the column's index as the `IN` list did. Other databases get the
plain `IN` list.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, any_, bindparam, column, func, select
from sqlalchemy.types import ARRAY
from sqlmodel import Session


def among(session: Session, col: Any, ids: Sequence[int]) -> ColumnElement[bool]:
    """SQL: `col` is one of `ids`, with the list bound as a single value."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        values = func.json_each(bindparam(None, json.dumps(list(ids))))
        return col.in_(select(column("value")).select_from(values))
    if dialect == "postgresql":
        return col == any_(bindparam(None, list(ids), type_=ARRAY(BigInteger)))
    return col.in_(list(ids))
