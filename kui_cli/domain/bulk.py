"""Bulk writes: many rows of one table in one executemany statement, without the ORM.

`session.execute(insert(Model), rows)` goes through the ORM's bulk insert, which groups the rows
by the keys they give and on SQLite ended up sending thousands of statements for the status
feed's ten thousand change rows (half of the feed's time). The Core statement on the session's
connection hands the driver one `executemany`, in the session's transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert
from sqlmodel import Session


def insert_many(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, as the rules make them) into `model`'s table."""
    if rows:
        session.connection().execute(insert(model.__table__), rows)
