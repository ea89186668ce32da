"""Key/value settings kept in the database (the `setting` table).

The secret behind the pseudonymous keys is a row here. On SQLite it is as readable as the rest
of the file (one file for one operating-system account). On PostgreSQL only the service account
reads it (migration 0008): a staff login gets a key from the database (`kui_subject_key`, a
lookup that counts, `protection/lookups.py`) and a new youth's key is set by the database's
trigger, so `subject_key` and `keyer` ask the database instead of the secret there.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import text
from sqlmodel import Session

from kui_cli.errors import KuiError
from kui_cli.models import Setting
from kui_cli.render.i18n import _

SECRET_KEY = "subject_secret"
# What a PostgreSQL staff login inserts as a new youth's key: the trigger replaces it.
PENDING_KEY = "set-by-the-database"
DEMO_KEY = "demo"


def get(session: Session, key: str) -> str | None:
    row = session.get(Setting, key)
    return row.value if row else None


def put(session: Session, key: str, value: str) -> None:
    row = session.get(Setting, key)
    if row is None:
        session.add(Setting(key=key, value=value))
    else:
        row.value = value
    session.flush()


def ensure_subject_secret(session: Session) -> None:
    """Create the secret behind the pseudonymous keys once; it must never change afterwards."""
    if get(session, SECRET_KEY) is None:
        put(session, SECRET_KEY, secrets.token_hex(32))


def subject_secret(session: Session) -> bytes:
    """The secret itself, for the service account (and SQLite) only."""
    value = get(session, SECRET_KEY)
    if value is None:
        if keyed_by_database(session):
            raise KuiError(_("the pseudonymisation secret is for the service account only"))
        raise RuntimeError("the database has no subject secret: `kui init` creates it")
    return bytes.fromhex(value)


def keyed_by_database(session: Session) -> bool:
    """A PostgreSQL staff login: it cannot read the secret, the database computes its keys."""
    from kui_cli.domain.protection import row_security

    if row_security.staff_login(session):
        return True
    own = row_security.login(session)  # a session of its own (a refusal's) is asked
    return own is not None and not own[1]


def subject_key(session: Session, number: str) -> str:
    """The pseudonymous key of a CPR number (`audit.subject_key`); on a PostgreSQL staff login
    computed by the database, where asking counts as a lookup of the day's limit."""
    from kui_cli.domain.protection import audit

    if not keyed_by_database(session):
        return audit.subject_key(subject_secret(session), number)
    key = session.execute(text("SELECT kui_subject_key(:cpr)"), {"cpr": number}).scalar()
    if key is None:  # the database refused: the limit is used up (lookups.py says so first)
        raise KuiError(_("the database refused the key: the CPR lookups of today are used up"))
    return str(key)


def new_youth_keyer(session: Session) -> Callable[[str], str]:
    """The keys new youth rows are inserted with. On a PostgreSQL staff login a stand-in that
    the database's trigger replaces by the real key (migration 0008); read it back after the
    insert."""
    from kui_cli.domain.protection import audit

    if keyed_by_database(session):
        return lambda number: PENDING_KEY
    return audit.subject_keyer(subject_secret(session))


def is_demo(session: Session) -> bool:
    return get(session, DEMO_KEY) is not None
