"""Leaked internals become sentences: what Typer's pydantic, Click and the database driver say
reaches a person as one plain line, with a non-zero exit, no traceback and nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from kui_cli.app import app
from kui_cli.errors import ECHO_LIMIT, capped, shown
from tests.conftest import KuiRunner, snapshot, without_trail

HUGE = "x" * 100_000
INTERNALS = ("Value error", "Input should be", "sqlite3", "Traceback", "Usage:", "Try '")


def one_line(result: object) -> str:
    """The failure's only line (stdout empty, stderr one `Error:` line, no internals)."""
    assert result.exit_code != 0  # type: ignore[attr-defined]
    assert result.stdout == ""  # type: ignore[attr-defined]
    lines = result.stderr.splitlines()  # type: ignore[attr-defined]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr  # type: ignore[attr-defined]
    assert not any(word in lines[0] for word in INTERNALS), lines[0]
    return lines[0]


def test_a_format_the_command_does_not_offer(ready: KuiRunner, db_url: str) -> None:
    before = snapshot(db_url)
    line = one_line(ready("agenda", "show", "--format", "csv"))
    assert "'csv' is not one of table, markdown, html or json" in line
    assert snapshot(db_url) == before


def test_a_number_that_is_not_one(ready: KuiRunner, db_url: str) -> None:
    before = snapshot(db_url)
    result = ready("youth", "list", "--group", "x")
    assert result.exit_code == 2
    assert "'x' is not a whole number" in one_line(result)
    assert snapshot(db_url) == before


def test_choices_are_listed_readably(ready: KuiRunner) -> None:
    line = one_line(ready("youth", "list", "--format", "xml"))
    assert "'xml' is not one of table, csv, json or markdown" in line


def test_a_usage_error_is_one_line_that_points_at_the_help(ready: KuiRunner) -> None:
    line = one_line(ready("staff", "add", "--initials", "QQ"))
    assert "Missing option" in line and "--help`" in line


def test_a_text_file_as_database(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("not a database\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", str(text), "--user", "AB", "youth", "list"])
    assert "is not a database (not an SQLite file)" in one_line(result)
    assert text.read_text(encoding="utf-8") == "not a database\n"


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "url"])
def test_a_folder_as_kui_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, as_url: bool) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    monkeypatch.setenv("KUI_DB", f"sqlite:///{folder}" if as_url else str(folder))
    line = one_line(CliRunner().invoke(app, ["--user", "AB", "youth", "list"]))
    assert "unable to open database file" not in line
    assert "folder" in line
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["youth", "list", "--status", HUGE],
        ["youth", "list", "--format", HUGE],
        ["youth", HUGE],
        ["youth", "show", HUGE],
        ["youth", "list", "--group", HUGE],
    ],
    ids=["rule", "choice", "command", "argument", "number"],
)
def test_a_huge_argument_is_not_echoed_in_full(
    ready: KuiRunner, db_url: str, args: list[str]
) -> None:
    before = snapshot(db_url)
    line = one_line(ready(*args))
    assert len(line) < 300 and "x" * (ECHO_LIMIT + 1) not in line
    assert "…" in line or "x" not in line
    assert without_trail(snapshot(db_url)) == without_trail(before)


def test_a_root_option_error_is_one_line_too() -> None:
    line = one_line(CliRunner().invoke(app, ["--today", "2026-13-45", "youth", "list"]))
    assert "2026-13-45" in line
    line = one_line(CliRunner().invoke(app, ["--no-such-option"]))
    assert "--no-such-option" in line


def test_shown_and_capped() -> None:
    assert shown("abc") == "'abc'"
    assert shown("y" * 100) == "'" + "y" * (ECHO_LIMIT - 1) + "…'"
    assert capped(f"unknown status {'z' * 500!r}: use one of a, b") == (
        f"unknown status '{'z' * (ECHO_LIMIT - 1)}…': use one of a, b"
    )
    assert capped("short 'value' stays") == "short 'value' stays"
    assert len(capped("w" * 10_000)) == 400


def test_the_cap_is_where_every_error_is_printed(ready: KuiRunner) -> None:
    """A rule's own message (`unknown status ...`) is capped by the one error path too."""
    line = one_line(ready("youth", "add", "--cpr", "150310-4321", "--name", "I", "--status", HUGE))
    assert "unknown status 'xxx" in line and len(line) < 300
