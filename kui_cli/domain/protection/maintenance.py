"""Integrity checks and backups of the database file."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import func, select, text
from sqlmodel import Session

from kui_cli import db
from kui_cli.domain import files
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.errors import KuiError
from kui_cli.models import Youth
from kui_cli.render.i18n import _


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
    path = db.sqlite_path(str(session.get_bind().url))
    problems += [
        f"the database file {file} is open to others (mode {mode:o}): "
        "`kui db upgrade` makes it private (0600)"
        for file, mode in (db.exposed_files(path) if path else [])
    ]
    return problems


def backup(url: str, target: Path, actor: Actor) -> None:
    """A consistent copy through SQLite's online backup API, private to the owner (0600).

    The copy holds every youth's personal data, so it is audited: the entry is committed after
    the copy is complete and before it gets its name, so a failed backup leaves neither a file
    nor an entry, and a database that cannot log is not copied. The copy is a full set of
    personal data: `files.private_target` keeps it private and locked while it is written and
    removes it on any failure, Ctrl-C or SIGTERM (or, after a SIGKILL, on the next run).
    """
    source = db.sqlite_path(url)
    if source is None:
        raise KuiError(_("db backup copies SQLite files; for PostgreSQL use pg_dump (see README)"))
    if not source.exists():
        raise KuiError(_("no database at {path}").format(path=source))
    with files.private_target(target) as partial:
        with (
            closing(sqlite3.connect(source, timeout=db.BUSY_TIMEOUT_MS / 1000)) as src,
            closing(sqlite3.connect(partial)) as dst,
        ):
            src.backup(dst)
        files.sync_file(partial)  # a full disk fails here, before the backup is logged
        with db.session_scope(url) as session:
            youths = session.execute(select(func.count()).select_from(Youth)).scalar()
            audit.record(session, actor, "backup", filters={"file": target.name}, rows=youths)
