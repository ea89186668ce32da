"""Integrity checks and backups of the database file."""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from kui_cli import db
from kui_cli.errors import KuiError


def integrity_problems(session: Session) -> list[str]:
    """What is wrong with the database; an empty list when it is sound."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text("SELECT count(*) FROM youth")).scalar()
        return []
    problems = [
        row[0] for row in session.execute(text("PRAGMA integrity_check")).all() if row[0] != "ok"
    ]
    problems += [
        f"foreign key broken: {row[0]} row {row[1]} -> {row[2]}"
        for row in session.execute(text("PRAGMA foreign_key_check")).all()
    ]
    return problems


def backup(url: str, target: Path) -> None:
    """A consistent copy through SQLite's online backup API, private to the owner (0600)."""
    source = db.sqlite_path(url)
    if source is None:
        raise KuiError("db backup copies SQLite files; for PostgreSQL use pg_dump (see README)")
    if not source.exists():
        raise KuiError(f"no database at {source}")
    if target.exists():
        raise KuiError(f"{target} exists already: choose a new file name")
    if not target.parent.is_dir():
        raise KuiError(f"folder {target.parent} does not exist")
    partial = target.with_name(f".{target.name}.partial")
    os.close(os.open(partial, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600))
    try:
        with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(partial)) as dst:
            src.backup(dst)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
