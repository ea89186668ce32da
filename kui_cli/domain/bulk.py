"""Bulk writes: many rows of one table in one executemany statement of the driver.

`session.execute(insert(Model), rows)` goes through the ORM's bulk insert, which groups the rows
by the keys they give and on SQLite sent thousands of statements for the status feed's ten
thousand change rows; a Core insert still runs SQLAlchemy's per-value processing (a fifth of the
feed's time). As `youth import` does (`importer.insert_rows`), the rows go to the driver's
`executemany` on the session's own connection, in the session's transaction, with the values
in the form SQLAlchemy would store them (`stored`): on SQLite, only the date and timestamp
columns are converted, each distinct value once (`stored` of every value of every column cost
the feed more than the executemany itself), and the rows become tuples by `itemgetter`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from typing import Any

from sqlalchemy import Date, DateTime
from sqlmodel import Session


def insert_many(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys, as the rules make them) into `model`'s table,
    whose columns have no defaults of SQLAlchemy's to fill in (tests/test_bulk.py)."""
    if not rows:
        return
    names = list(rows[0])
    quote = session.connection().dialect.identifier_preparer.quote
    sql = (
        f"INSERT INTO {quote(model.__table__.name)} ({', '.join(quote(n) for n in names)}) "
        f"VALUES ({', '.join([mark(session)] * len(names))})"
    )
    execute_many(session, sql, plain(rows, names), dated(model, names))


def execute_many(
    session: Session, sql: str, values: list[tuple[Any, ...]], dates: list[int]
) -> None:
    """One statement of the driver's paramstyle for every tuple of `values`, by the driver's
    executemany on the session's connection; on SQLite the values at positions `dates` (dates,
    timestamps) are converted as SQLAlchemy stores them, psycopg adapts them itself."""
    if not values:
        return
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        values = converted(values, dates)
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()


def mark(session: Session) -> str:
    """The parameter mark of the session's driver: `?` (sqlite3) or `%s` (psycopg)."""
    return "?" if session.connection().dialect.paramstyle == "qmark" else "%s"


def plain(rows: list[dict[str, Any]], names: list[str]) -> list[tuple[Any, ...]]:
    """The rows' values of `names` as tuples, in that order."""
    if len(names) == 1:  # itemgetter of one key gives the value, not a tuple
        return [(row[names[0]],) for row in rows]
    return list(map(itemgetter(*names), rows))


def dated(model: Any, names: list[str]) -> list[int]:
    """The positions among `names` of `model`'s date and timestamp columns (a decorated type,
    such as UTCDateTime, by the type it decorates): the only values SQLite is not given as
    they are."""
    columns = model.__table__.columns
    found = []
    for i, name in enumerate(names):
        kind = columns[name].type
        if isinstance(getattr(kind, "impl_instance", kind), Date | DateTime):
            found.append(i)
    return found


def converted(values: list[tuple[Any, ...]], positions: list[int]) -> list[tuple[Any, ...]]:
    """`values` with the values at `positions` as SQLite stores them (`stored`), column by
    column, each distinct value converted once (a feed's dates are a few dozen days)."""
    if not positions or not values:
        return values
    columns: list[Any] = list(zip(*values, strict=True))
    for i in positions:
        distinct = {value: stored(value) for value in set(columns[i])}
        columns[i] = map(distinct.__getitem__, columns[i])
    return list(zip(*columns, strict=True))


@contextmanager
def page_cache(session: Session, mib: int) -> Iterator[None]:
    """On SQLite, a page cache of `mib` MiB on the session's connection while the block runs
    (then the one before). SQLite's default of 2 MiB holds a small part of the pages a bulk
    write touches all over a large table and its indexes, and read them from the file again
    and again (30,000 feed events against 100,000 youths: about a sixth of the feed's time).
    The cache grows only as pages are read; PostgreSQL's buffers are the server's."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    (before,) = connection.exec_driver_sql("PRAGMA cache_size").one()
    connection.exec_driver_sql(f"PRAGMA cache_size = {-1024 * mib}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size = {int(before)}")


def stored(value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types store it: a date as ISO text, a timestamp as
    `YYYY-MM-DD HH:MM:SS.ffffff` (its fields as given: kui's are UTC)."""
    if isinstance(value, dt.datetime):  # the first 26 characters: without the UTC offset
        return value.isoformat(" ", "microseconds")[:26]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
