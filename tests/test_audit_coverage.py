"""Walk every registered command: each one that touches a youth's personal data writes an audit
entry, and no command escapes classification.

To add a command: put its path in COMMANDS, either as `None` (it touches no youth data: say why
in a comment when it is not obvious) or as `Uses(args)`, the arguments that make it touch a
youth's data on the prepared database. Placeholders: {youth} (a registered youth's id), {cpr}
(that youth's CPR), {new_cpr} (an unregistered CPR), {csv} (a valid import file), {file} (a new
file path), {staff} (a staff member's initials).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from kui_cli.models import AuditLog
from tests.conftest import KuiRunner, add_youth, cpr_for, ok
from tests.test_help import all_commands

IDA_BORN = dt.date(2010, 3, 15)


@dataclass(frozen=True)
class Uses:
    """A command that touches youth data, and how to make it do so."""

    args: tuple[str, ...] = ()
    fresh: bool = False  # runs on an empty database instead of the prepared one
    sqlite_only: str | None = None  # the reason it cannot run on PostgreSQL


COMMANDS: dict[str, Uses | None] = {
    "init": None,  # schema and profile only
    "demo": Uses(("--youths", "5"), fresh=True),  # synthetic youths, still logged
    "youth add": Uses(("--cpr", "{new_cpr}", "--name", "Ny Ung")),
    "youth import": Uses(("{csv}",)),
    "youth list": Uses(),
    "youth show": Uses(("{youth}",)),
    "youth update": Uses(("{youth}", "--need", "C", "--reason", "Test")),
    "youth guardian add": Uses(("{youth}", "--name", "Mette Jensen")),
    "staff add": None,  # staff data, not a youth's
    "staff list": None,
    "db upgrade": None,
    "db check": None,  # integrity only, shows no row
    "db backup": Uses(("{file}",), sqlite_only="PostgreSQL is backed up with pg_dump"),
    "audit log": Uses(),
    "audit subject": Uses(("{youth}",)),
    "audit verify": Uses(),
    "audit export": Uses(("--before", "2999-01-01")),
    "retention purge": Uses(),
}


def registered() -> list[str]:
    return [path for path, _command in all_commands()]


def test_every_registered_command_is_classified() -> None:
    missing = sorted(set(registered()) - set(COMMANDS))
    assert not missing, f"classify these commands in COMMANDS (touch youth data or not): {missing}"
    stale = sorted(set(COMMANDS) - set(registered()))
    assert not stale, f"COMMANDS names commands that no longer exist: {stale}"


def audit_entries(db_url: str, command: str) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        query = select(func.count()).select_from(AuditLog).where(AuditLog.command == command)
        count = conn.execute(query).scalar() or 0
    engine.dispose()
    return count


def fill(args: tuple[str, ...], values: dict[str, str]) -> list[str]:
    return [arg.format(**values) for arg in args]


@pytest.mark.parametrize("path", [p for p, uses in COMMANDS.items() if uses is not None])
def test_a_command_that_touches_youth_data_writes_an_audit_entry(
    path: str, kui: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    uses = COMMANDS[path]
    assert uses is not None
    if uses.sqlite_only and not db_url.startswith("sqlite"):
        pytest.skip(uses.sqlite_only)
    values = {"youth": "1", "cpr": cpr_for(IDA_BORN), "new_cpr": cpr_for(dt.date(2009, 5, 1))}
    csv = tmp_path / "import.csv"
    csv.write_text(f"cpr,name\n{cpr_for(dt.date(2008, 2, 2))},Importeret Ung\n", encoding="utf-8")
    values |= {"csv": str(csv), "file": str(tmp_path / "copy.db"), "staff": "AB"}
    if not uses.fresh:
        ok(kui("init"))
        add_youth(kui, IDA_BORN)
    command = f"kui {path}"
    before = audit_entries(db_url, command) if not uses.fresh else 0
    ok(kui(*path.split(), *fill(uses.args, values)))
    assert audit_entries(db_url, command) > before, f"`{command}` wrote no audit entry"
