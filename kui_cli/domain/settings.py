"""Key/value settings kept in the database (the `setting` table)."""

from __future__ import annotations

import secrets

from sqlmodel import Session

from kui_cli.models import Setting

SECRET_KEY = "subject_secret"
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
    value = get(session, SECRET_KEY)
    if value is None:
        raise RuntimeError("the database has no subject secret: `kui init` creates it")
    return bytes.fromhex(value)


def is_demo(session: Session) -> bool:
    return get(session, DEMO_KEY) is not None
