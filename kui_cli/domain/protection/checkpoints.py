"""Checkpoints of the audit chain, kept outside the database and keyed with a secret outside it.

The hash chain shows an entry edited or removed behind kui's back, unless whoever did it also
recomputes the chain: it is unkeyed, and an insider with the database file (or a PostgreSQL
superuser) can. `kui audit verify` therefore writes a checkpoint after each check (the last id,
its hash, how many entries there were, when) to a file outside the database, each line with an
HMAC-SHA256 by a key in another file outside it. A later verification compares the chain with
every checkpoint: a rewrite of any entry up to the last checkpoint changes that entry's hash (or
the count before it) and is reported even when the whole chain was recomputed, and a forged
checkpoint line needs the key.

What it cannot see: entries changed after the last checkpoint, and an insider who can also write
the key and checkpoint files (keep them in the data protection officer's own account, or point
`--checkpoints` and KUI_AUDIT_KEY_FILE at storage the operators of the database cannot write).
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import os
import secrets
import stat
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

KEY_ENV = "KUI_AUDIT_KEY_FILE"
KEY_BYTES = 32
PRIVATE = 0o600


def default_folder() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("kui", appauthor=False))


def default_checkpoints() -> Path:
    return default_folder() / "audit-checkpoints.jsonl"


def key_path() -> Path:
    """The key file: KUI_AUDIT_KEY_FILE, else `audit.key` in the user's data folder."""
    given = os.environ.get(KEY_ENV)
    return Path(given) if given else default_folder() / "audit.key"


def database_name(url: URL) -> str:
    """Which database a checkpoint belongs to: the SQLite file's absolute path, or the server
    and database without the login (staff logins and the service account share checkpoints)."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite:{Path(url.database or '').resolve()}"
    return f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database}"


@dataclass(frozen=True)
class Checkpoint:
    """The chain's end as one verification found it."""

    database: str
    last_id: int
    hash: str
    entries: int
    at: str

    def mac(self, key: bytes) -> str:
        message = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False).encode("utf-8")
        return hmac.digest(key, message, "sha256").hex()


def load_key(path: Path) -> bytes:
    """The key, created (random, mode 0600) on first use; a key others may read is refused."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE)
    except FileExistsError:
        pass
    except OSError as exc:
        raise KuiError(
            _("cannot create the audit key {path}: {error}").format(path=path, error=exc.strerror)
        ) from None
    else:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(secrets.token_hex(KEY_BYTES) + "\n")
    _refuse_open(path, _("the audit key"))
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError, UnicodeDecodeError):
        raise KuiError(
            _("the audit key {path} is not a key written by kui").format(path=path)
        ) from None


def _refuse_open(path: Path, what: str) -> None:
    """`what` is the file's translated name ("the audit key")."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KuiError(
            _("{what} {path} is open to others (mode {mode}): chmod 600 it").format(
                what=what, path=path, mode=f"{mode:o}"
            )
        )


@dataclass(frozen=True)
class Store:
    """A checkpoint file and its key."""

    path: Path
    key_file: Path

    def read(self, database: str) -> list[Checkpoint]:
        """This database's checkpoints, oldest first; a line whose HMAC does not fit is refused
        as forged (a checkpoint that cannot be trusted must not pass as one that can)."""
        if not self.path.exists():
            return []
        _refuse_open(self.path, _("the checkpoint file"))
        key = load_key(self.key_file)
        found = []
        with self.path.open(encoding="utf-8") as file:
            for number, line in enumerate(file, 1):
                checkpoint = _parse(line, key)
                if checkpoint is None:
                    raise Forged(
                        _(
                            "checkpoint line {number} of {path} is not signed by the audit key "
                            "{key}: it was forged or damaged"
                        ).format(number=number, path=self.path, key=self.key_file)
                    )
                if checkpoint.database == database:
                    found.append(checkpoint)
        return found

    def append(self, checkpoint: Checkpoint) -> None:
        key = load_key(self.key_file)
        line = json.dumps({**asdict(checkpoint), "mac": checkpoint.mac(key)}, ensure_ascii=False)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, PRIVATE)
        except OSError as exc:
            raise KuiError(
                _("cannot write the checkpoint {path}: {error}").format(
                    path=self.path, error=exc.strerror
                )
            ) from None
        with os.fdopen(descriptor, "a", encoding="utf-8") as file:
            file.write(line + "\n")


class Forged(KuiError):
    """A checkpoint line that the key did not sign."""


def _parse(line: str, key: bytes) -> Checkpoint | None:
    try:
        fields = json.loads(line)
        mac = fields.pop("mac")
        checkpoint = Checkpoint(**fields)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return checkpoint if hmac.compare_digest(mac, checkpoint.mac(key)) else None


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
