"""Figures kept for the data they were counted from: a month of a million youths is counted once.

A report's figures depend only on the data, the period and the profile. `kept` stores them (JSON
of counts and medians: a caller keeps nothing that names a youth or a staff member) under a key
of the period and the profile, with the data's fingerprint, and uses them again only while the
fingerprint is unchanged. The fingerprint is migration 0013's `data_version.n`, which its
triggers raise with every update and delete (SQLite) or every committed change (PostgreSQL) of
a counted table, and on SQLite the highest row id of each counted table (its inserts: the one
change it would miss is a row inserted by hand under an id below the table's highest, which kui
never writes, the database handing out its ids). It is read before the figures are counted: a
change committed while they are counted makes them newer than their fingerprint, never older,
so the next read counts again rather than use stale ones.

On PostgreSQL only the service account keeps figures: a staff member's own login counts under
row-level security, only the youths it may see, and counts afresh every time.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, insert, select, text
from sqlmodel import Session

from kui_cli import __version__
from kui_cli.models import KeptFigures

# Raise when the way a kept report is counted changes between releases: figures kept by an older
# kui are then counted again (so are they by any other release).
RULES_VERSION = 1


def kept(session: Session, report: str, key: dict[str, Any], count: Callable[[], Any]) -> Any:
    """The figures `count()` returns, as JSON values (dates become ISO strings): kept ones when
    the data has not changed since they were counted for the same `key`, else counted now."""
    fingerprint = data_fingerprint(session)
    if fingerprint is None:
        return _as_json(count())
    name = hashlib.sha256(
        json.dumps([report, __version__, RULES_VERSION, key], sort_keys=True, default=str).encode()
    ).hexdigest()
    found = session.execute(
        select(KeptFigures.figures).where(
            KeptFigures.key == name, KeptFigures.fingerprint == fingerprint
        )
    ).scalar()
    if found is not None:
        return json.loads(found)
    figures = json.dumps(count(), default=str, separators=(",", ":"))
    # Figures of older data are of no use any more: the table holds only the current ones.
    session.execute(
        delete(KeptFigures).where(
            (KeptFigures.fingerprint != fingerprint) | (KeptFigures.key == name)
        )
    )
    session.execute(insert(KeptFigures).values(key=name, fingerprint=fingerprint, figures=figures))
    return json.loads(figures)


def _as_json(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def data_fingerprint(session: Session) -> str | None:
    """What changes whenever a counted table does; None where figures are not kept (a login
    under row-level security)."""
    conn = session.connection()
    if conn.dialect.name == "sqlite":
        tables = conn.exec_driver_sql(
            "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' "
            "AND name LIKE '%\\_counted\\_update' ESCAPE '\\' ORDER BY tbl_name"
        ).scalars()
        highest = "".join(f", (SELECT max(rowid) FROM {table})" for table in tables)
        row = conn.exec_driver_sql(f"SELECT n{highest} FROM data_version WHERE id = 1").one()
        return ",".join("" if value is None else str(value) for value in row)
    if not conn.execute(text("SELECT kui_is_service()")).scalar():
        return None
    return str(conn.execute(text("SELECT n FROM data_version WHERE id = 1")).scalar())
