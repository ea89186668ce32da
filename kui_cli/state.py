"""The global options, parsed once by the root callback and handed to every command."""

from __future__ import annotations

import datetime as dt
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _


@dataclass(frozen=True)
class State:
    """What every command needs to know about the invocation."""

    db_url: str
    user: str
    today: dt.date
    user_given: bool = False  # --user or KUI_USER, not the OS login: checked on PostgreSQL


def default_db_path() -> Path:
    """The per-user data directory, so a coordinator's database survives a reinstall."""
    from platformdirs import user_data_dir

    return Path(user_data_dir("kui", appauthor=False)) / "kui.db"


def normalise_db_url(value: str | None) -> str:
    """Accept a plain file path as well as an SQLAlchemy URL. A path that names a folder (`X/`,
    `X/.`, an existing folder) is refused: SQLite would otherwise create a file named X."""
    if not value:
        value = str(default_db_path())
    if "://" in value:
        return value
    from kui_cli.domain import files

    path = Path(value).expanduser()
    if files.names_folder(value) or path.is_dir():
        raise KuiError(
            _("--db {value} names a folder: give the database file's name").format(value=value)
        )
    return f"sqlite:///{path.absolute()}"


def parse_date(value: str, what: str) -> dt.date:
    """Dates on the command line are ISO `YYYY-MM-DD`; anything else is a clear error."""
    try:
        return dt.date.fromisoformat(value.strip())
    except (ValueError, AttributeError):
        wrong = _("{what} must be a date as YYYY-MM-DD, got {value}")
        raise KuiError(wrong.format(what=what, value=repr(value))) from None


def optional_date(value: str | None, what: str) -> dt.date | None:
    """An optional date option: absent is None, but an empty or bad value is an error."""
    return None if value is None else parse_date(value, what)


def os_user() -> str:
    """The operating-system account running kui, from the kernel's effective user id: the one
    place kui asks. Not `getpass.getuser()`, which reads USER and LOGNAME first, and those are
    the caller's to set. An id without an account entry is given as the number, which no staff
    login can be (a login starts with a letter or _)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)
