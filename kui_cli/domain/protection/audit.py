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
import re
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import Session

from kui_cli.domain import bulk
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
    values = _values(actor, action, subject, filters, rows)
    if _by_database(session):
        chained = session.execute(
            insert(AuditLog).values(_unchained(values)).returning(*_CHAIN_COLUMNS)
        ).one()
        return AuditLog(**{**values, **chained._mapping})
    _chain(values, _last(session))
    entry = AuditLog(**values)
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
    """One entry per youth, chained in order and written in one executemany statement of plain
    rows (a purge of thousands, a feed of tens of thousands: no ORM object per entry, and the
    write transaction stays short). All entries carry one timestamp."""
    if not subjects:
        return
    common = _values(actor, action, None, filters, None)
    rows = [{**common, "subject_key": key} for key in subjects]
    if _by_database(session):
        rows = [_unchained(row) for row in rows]
    else:
        last = _last(session)
        for row in rows:
            last = _chain(row, last)
    bulk.insert_many(session, AuditLog, rows)


# Set by the database on PostgreSQL (migration 0009), by `_chain` on SQLite.
_CHAIN_COLUMNS = (AuditLog.id, AuditLog.prev_hash, AuditLog.hash, AuditLog.hash_version)
_CHAIN_KEYS = frozenset(column.key for column in _CHAIN_COLUMNS)


def _by_database(session: Session) -> bool:
    """PostgreSQL chains the entries itself (a trigger that no login can bypass or block)."""
    return session.get_bind().dialect.name == "postgresql"


def _unchained(values: dict[str, Any]) -> dict[str, Any]:
    """The values kui inserts on PostgreSQL: the chain columns are left to the database."""
    return {k: v for k, v in values.items() if k not in _CHAIN_KEYS}


def _last(session: Session) -> tuple[int, str]:
    """The newest entry's id and hash (SQLite: kui holds the write lock, BEGIN IMMEDIATE)."""
    query = select(AuditLog.id, AuditLog.hash).order_by(AuditLog.id.desc()).limit(1)
    last = session.execute(query).first()
    return (last.id, last.hash) if last else (0, GENESIS)


def _values(
    actor: Actor,
    action: str,
    subject: str | None,
    filters: dict[str, Any] | None,
    rows: int | None,
) -> dict[str, Any]:
    """The columns of one entry before it is chained (`_chain`, or the database's trigger)."""
    return {
        "id": None,
        "at": dt.datetime.now(dt.UTC),
        "user": actor.user,
        "action": action,
        "command": actor.command,
        "subject_key": subject,
        "filter": json.dumps(filters, ensure_ascii=False, sort_keys=True, default=str)
        if filters
        else None,
        "rows": rows,
        "prev_hash": "",
        "hash": "",
        "hash_version": None,
    }


def _chain(values: dict[str, Any], last: tuple[int, str]) -> tuple[int, str]:
    """Give the entry the next id and chain it to the last one, as the PostgreSQL trigger does."""
    values.update(id=last[0] + 1, prev_hash=last[1], hash_version=CHAIN_VERSION)
    # `stored_hash` is `entry_hash` without an object (a feed chains ten thousand entries).
    fields = ("id", "hash_version", "prev_hash", "at", "user", "action", "command")
    values["hash"] = stored_hash(
        *(values[name] for name in fields), values["subject_key"], values["filter"], values["rows"]
    ) or entry_hash(SimpleNamespace(**values))
    return values["id"], values["hash"]


def entry_hash(entry: AuditLog | SimpleNamespace) -> str:
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


# `json.dumps(text, ensure_ascii=False)` of one string: the same C function the encoder calls.
_JSON_TEXT = json.encoder.encode_basestring
# How SQLite holds `at`, written by SQLAlchemy: UTC without an offset, always with microseconds.
_SQLITE_AT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{6}").fullmatch


def stored_hash(
    id_: Any,
    version: Any,
    prev_hash: Any,
    at: Any,
    user: Any,
    action: Any,
    command: Any,
    subject: Any,
    filter_: Any,
    rows: Any,
) -> str | None:
    """`entry_hash` of an entry as the database returns its columns (`at` as SQLite's text or
    PostgreSQL's datetime), without making an object of it: `audit verify` hashes a million
    entries, and the object, the timestamp's parsing and the encoder's set-up per entry were
    most of its time. The payload is written as `entry_hash`'s `json.dumps` writes it (", "
    between elements, the encoder's own escaping of each string); None for a value of another
    form than kui stores (the caller then asks `entry_hash`). tests/test_audit_chain.py holds
    the two together for arbitrary entries."""
    stamp = _utc_text(at)
    if stamp is None or not (rows is None or type(rows) is int):
        return None
    if version == CHAIN_VERSION:
        if type(id_) is not int:
            return None
        head = f"[{CHAIN_VERSION}, {id_}, "
    else:
        head = "["
    try:  # the encoder refuses what is not text (a number in SQLite's untyped column)
        payload = (
            f'{head}{_JSON_TEXT(prev_hash)}, "{stamp}", {_JSON_TEXT(user)}, '
            f"{_JSON_TEXT(action)}, {_JSON_TEXT(command)}, "
            f"{'null' if subject is None else _JSON_TEXT(subject)}, "
            f"{'null' if filter_ is None else _JSON_TEXT(filter_)}, "
            f"{'null' if rows is None else rows}]"
        )
    except TypeError:
        return None
    return _sha256(payload.encode("utf-8")).hexdigest()


_sha256 = hashlib.sha256


def _utc_text(at: Any) -> str | None:
    """`at` as `entry_hash` writes it (ISO 8601 in UTC with microseconds), or None."""
    if type(at) is str:
        if _SQLITE_AT(at) is None:
            return None
        return f"{at[:10]}T{at[11:]}+00:00"
    if isinstance(at, dt.datetime) and at.utcoffset() is not None:
        return at.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return None
