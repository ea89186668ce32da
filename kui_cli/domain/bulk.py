"""Bulk writes: many rows of one table in one executemany statement of the driver.

`session.execute(insert(Model), rows)` goes through the ORM's bulk insert, which groups the rows
by the keys they give and on SQLite sent thousands of statements for the status feed's ten
thousand change rows; a Core insert still runs SQLAlchemy's per-value processing (a fifth of the
feed's time). As `youth import` does (`importer.insert_rows`), the rows go to the driver's
`executemany` on the session's own connection, in the session's transaction, with the values
in the form SQLAlchemy would store them (`stored`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session


def insert_many(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, as the rules make them) into `model`'s table,
    whose columns have no defaults of SQLAlchemy's to fill in (tests/test_bulk.py)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = (
        f"INSERT INTO {quote(model.__table__.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark] * len(names))})"
    )
    if dialect.name == "sqlite":
        values = [tuple(stored(row[name]) for name in names) for row in rows]
    else:  # psycopg adapts dates and timestamps itself
        values = [tuple(row[name] for name in names) for row in rows]
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()


def stored(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it: a date as ISO text, a timestamp as
    `YYYY-MM-DD HH:MM:SS.ffffff` (its fields as given: kui's are UTC)."""
    if isinstance(value, dt.datetime):
        return (
            f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:"
            f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}"
        )
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
