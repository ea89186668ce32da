"""The audit trail: every read or write of personal data, in one place.

A youth is named by `subject_key`, a keyed hash (HMAC-SHA256) of the CPR with a secret kept in the
database: stable, revealing nothing without the secret, and still meaningful after the youth is
deleted. Each entry's `hash` covers its own fields, its id and the previous entry's hash, so an
edit, a removal or a renumbering breaks the chain (`kui audit verify`); ids are contiguous.

Who chains: on PostgreSQL the database (migration 0009: a trigger sets id, prev_hash and hash
whatever the inserting login supplies, serialised by a lock no staff login can take); on SQLite
kui, while it holds the write lock.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from kui_cli.models import AuditLog

GENESIS = "0" * 64
# The payload of new entries' hashes (`entry_hash`); entries without a version predate it.
CHAIN_VERSION = 2
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
    entry = _entry(actor, action, subject, filters, rows)
    if _by_database(session):
        chained = session.execute(
            insert(AuditLog).values(_columns(entry, by_database=True)).returning(*_CHAIN_COLUMNS)
        ).one()
        for name, value in chained._mapping.items():
            setattr(entry, name, value)
        return entry
    _chain(entry, _last(session))
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
    """One entry per youth, chained in order and written in one statement (a purge of thousands,
    an agenda of hundreds: the write transaction stays short)."""
    entries = [_entry(actor, action, key, filters, None) for key in subjects]
    if not entries:
        return
    by_database = _by_database(session)
    if not by_database:
        last = _last(session)
        for entry in entries:
            last = _chain(entry, last)
    session.execute(insert(AuditLog), [_columns(e, by_database=by_database) for e in entries])


# Set by the database on PostgreSQL (migration 0009), by `_chain` on SQLite.
_CHAIN_COLUMNS = (AuditLog.id, AuditLog.prev_hash, AuditLog.hash, AuditLog.hash_version)


def _by_database(session: Session) -> bool:
    """PostgreSQL chains the entries itself (a trigger that no login can bypass or block)."""
    return session.get_bind().dialect.name == "postgresql"


def _columns(entry: AuditLog, *, by_database: bool) -> dict[str, Any]:
    """The values kui inserts; on PostgreSQL the chain columns are left to the database."""
    values = entry.model_dump()
    if by_database:
        for column in _CHAIN_COLUMNS:
            del values[column.key]
    return values


def _last(session: Session) -> tuple[int, str]:
    """The newest entry's id and hash (SQLite: kui holds the write lock, BEGIN IMMEDIATE)."""
    query = select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)
    last = session.execute(query).first()
    return (last.id, last.hash) if last else (0, GENESIS)


def _entry(
    actor: Actor,
    action: str,
    subject: str | None,
    filters: dict[str, Any] | None,
    rows: int | None,
) -> AuditLog:
    return AuditLog(
        at=dt.datetime.now(dt.UTC),
        user=actor.user,
        action=action,
        command=actor.command,
        subject_key=subject,
        filter=json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str)
        if filters
        else None,
        rows=rows,
        prev_hash="",
        hash="",
    )


def _chain(entry: AuditLog, last: tuple[int, str]) -> tuple[int, str]:
    """Give the entry the next id and chain it to the last one, as the PostgreSQL trigger does."""
    entry.id, entry.prev_hash, entry.hash_version = last[0] + 1, last[1], CHAIN_VERSION
    entry.hash = entry_hash(entry)
    return entry.id, entry.hash


def entry_hash(entry: AuditLog) -> str:
    """The chained hash of one entry; the fields are serialised canonically (JSON).

    Version 2 (`CHAIN_VERSION`, since migration 0009) covers the id too, so renumbering breaks
    the chain; its SQL twin is `kui_audit_hash` (PostgreSQL computes it in a trigger). Entries
    without a version were hashed before and keep their payload.
    """
    fields = [
        entry.prev_hash,
        entry.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        entry.user,
        entry.action,
        entry.command,
        entry.subject_key,
        entry.filter,
        entry.rows,
    ]
    if getattr(entry, "hash_version", None) == CHAIN_VERSION:
        fields = [CHAIN_VERSION, entry.id, *fields]
    payload = json.dumps(fields, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()
