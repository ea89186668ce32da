"""The audit trail: every read or write of personal data, in one place.

A youth is named by `subject_key`, a keyed hash (HMAC-SHA256) of the CPR with a secret kept in the
database: stable, revealing nothing without the secret, and still meaningful after the youth is
deleted. Each entry's `hash` covers its own fields and the previous entry's hash, so an edit or a
removal breaks the chain (`kui audit verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text
from sqlmodel import Session

from kui_cli.models import AuditLog

GENESIS = "0" * 64
KEY_LENGTH = 24


def subject_key(secret: bytes, cpr: str) -> str:
    """The pseudonymous key of a CPR number; also the monthly export's `export_key`."""
    return hmac.digest(secret, cpr.encode("ascii"), "sha256").hex()[:KEY_LENGTH]


def subject_keyer(secret: bytes) -> Callable[[str], str]:
    """`subject_key` for many numbers: HMAC-SHA256 (RFC 2104) with the secret's inner and outer
    hash states worked out once. OpenSSL's one-shot HMAC spends most of its time setting up, which
    made it a fifth of a million-row import; a property test holds the two together."""
    block = 64
    if len(secret) > block:
        secret = hashlib.sha256(secret).digest()
    padded = secret.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in padded))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in padded))

    def key_of(cpr: str) -> str:
        first = inner.copy()
        first.update(cpr.encode("ascii"))
        second = outer.copy()
        second.update(first.digest())
        return second.hexdigest()[:KEY_LENGTH]

    return key_of


@dataclass(frozen=True)
class Actor:
    """Who is acting and through which command: what every audit entry and change row needs."""

    user: str
    command: str
    today: dt.date


def record(
    session: Session,
    actor: Actor,
    action: str,
    *,
    subject: str | None = None,
    filters: dict[str, Any] | None = None,
    rows: int | None = None,
) -> AuditLog:
    """Append one entry. `action` is a verb such as read, list, create, update, print, export."""
    _lock_chain(session)
    entry = _chained(_last_hash(session), actor, action, subject, filters, rows)
    session.add(entry)
    session.flush()
    return entry


ADMINISTER = "administer"


def administered(session: Session, actor: Actor, **changed: Any) -> AuditLog:
    """An administrative change (the profile, staff and their status, teams, meetings;
    access.ADMINISTRATION): the entry's user made it, its filters say what changed."""
    return record(session, actor, ADMINISTER, filters=changed)


def record_many(
    session: Session,
    actor: Actor,
    action: str,
    subjects: list[str],
    filters: dict[str, Any] | None = None,
) -> None:
    """One entry per youth, chained in order and written in one flush (a purge of thousands, an
    agenda of hundreds: the write transaction stays short)."""
    _lock_chain(session)
    previous = _last_hash(session)
    entries = []
    for key in subjects:
        entries.append(_chained(previous, actor, action, key, filters, None))
        previous = entries[-1].hash
    session.add_all(entries)
    session.flush()


def _last_hash(session: Session) -> str:
    """The newest entry's hash. On PostgreSQL a staff login reads only its own entries (row-level
    security, migration 0003), so the database hands out the chain's end."""
    if session.get_bind().dialect.name == "postgresql":
        last = session.execute(text("SELECT kui_audit_last_hash()")).scalar()
    else:
        query = select(AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)
        last = session.execute(query).scalar()
    return last or GENESIS


def _chained(
    previous: str,
    actor: Actor,
    action: str,
    subject: str | None,
    filters: dict[str, Any] | None,
    rows: int | None,
) -> AuditLog:
    entry = AuditLog(
        at=dt.datetime.now(dt.UTC),
        user=actor.user,
        action=action,
        command=actor.command,
        subject_key=subject,
        filter=json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str)
        if filters
        else None,
        rows=rows,
        prev_hash=previous,
        hash="",
    )
    entry.hash = entry_hash(entry)
    return entry


def entry_hash(entry: AuditLog) -> str:
    """The chained hash of one entry; the fields are serialised canonically."""
    payload = json.dumps(
        [
            entry.prev_hash,
            entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            entry.user,
            entry.action,
            entry.command,
            entry.subject_key,
            entry.filter,
            entry.rows,
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_chain(session: Session) -> None:
    """Serialise appends so two writers never chain to the same predecessor.

    SQLite already holds the write lock (BEGIN IMMEDIATE); PostgreSQL takes a transaction-scoped
    advisory lock.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(4242)"))
