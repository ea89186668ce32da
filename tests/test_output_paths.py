"""Every path kui is told to write: a folder given where a file is meant is refused up front.

pathlib drops a trailing `/` (and a trailing `.`), so `db backup X/` once wrote a file named X.
The rule is `files.output_file`, the parser of every such option; the last test keeps every
option that names an output path on it.
"""

from __future__ import annotations

import datetime as dt
import typing
from pathlib import Path

import pytest

from kui_cli import invocation
from kui_cli.app import app
from tests.conftest import KuiRunner, add_youth, ok, snapshot

WRITERS = {
    "db backup": ("db", "backup", "{}"),
    "export monthly": ("export", "monthly", "--month", "2026-10", "--out", "{}"),
    "feed report": ("feed", "report", "--month", "2026-10", "--out", "{}"),
    "report overview": ("report", "overview", "--month", "2026-10", "--html", "{}"),
    "audit export": ("audit", "export", "--before", "2026-07-01", "--out", "{}"),
    "meeting ics": ("meeting", "ics", "team-2", "--out", "{}"),
    "plan print": ("plan", "print", "1", "--out", "{}"),
}
INPUTS = {
    ("youth import", "file"),  # paths kui reads
    ("feed apply", "file"),
    ("audit verify", "checkpoints"),  # kui's own private state, checked by protection.checkpoints
    ("audit verify", "key_file"),
}


def files_under(folder: Path) -> set[Path]:
    return {
        path for path in folder.rglob("*") if path.name != "kui.db" and "kui.db-" not in path.name
    }


@pytest.fixture
def with_youth(ready: KuiRunner) -> KuiRunner:
    add_youth(ready, dt.date(2010, 3, 15))
    return ready


def refused(kui: KuiRunner, db_url: str, folder: Path, argv: tuple[str, ...], given: str) -> str:
    """Run with `given` as the output path; assert one error, nothing written, no change."""
    before, files_before = snapshot(db_url), files_under(folder)
    result = kui(*(given if arg == "{}" else arg for arg in argv))
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert files_under(folder) == files_before
    assert snapshot(db_url) == before
    return lines[0]


@pytest.mark.parametrize("command", sorted(WRITERS))
def test_a_folder_is_never_written_as_a_file(
    with_youth: KuiRunner, db_url: str, tmp_path: Path, command: str
) -> None:
    folder, argv = tmp_path / "out", WRITERS[command]
    for ending in ("/", "/.", "//"):  # out/ once wrote a file named out
        error = refused(with_youth, db_url, tmp_path, argv, f"{folder}{ending}")
        assert error == f"Error: folder {folder} does not exist"
    folder.mkdir()
    for ending in ("", "/", "/."):
        error = refused(with_youth, db_url, tmp_path, argv, f"{folder}{ending}")
        assert error == f"Error: {folder} is a folder: give a file name"
    assert list(folder.iterdir()) == []


def test_agenda_generate_writes_into_the_folder_it_is_given(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "agendas"
    argv = ("agenda", "generate", "--out", "{}")
    error = refused(ready, db_url, tmp_path, argv, f"{folder}/")
    assert error == f"Error: folder {folder} does not exist"
    (tmp_path / "a-file").write_text("")
    error = refused(ready, db_url, tmp_path, argv, str(tmp_path / "a-file"))
    assert error == f"Error: {tmp_path / 'a-file'} is a file, not a folder"
    folder.mkdir()
    ok(ready("agenda", "generate", "--out", f"{folder}/"))
    assert not (tmp_path / "agendas.md").exists()


# The commands that write files into a folder they are given (one file per meeting, per staff
# member): `output_folder` checks it.
FOLDER_WRITERS = {"agenda generate", "digest"}


def output_parameters() -> set[tuple[str, str, object]]:
    """(command, parameter, parser) of every parameter typed as a path, anywhere in the CLI."""
    found = set()

    def walk(typer_app: typing.Any, prefix: str) -> None:
        for command in typer_app.registered_commands:
            name = f"{prefix}{command.name or command.callback.__name__}"
            hints = typing.get_type_hints(command.callback, include_extras=True)
            for parameter, hint in hints.items():
                args = typing.get_args(hint)
                if args and Path in (typing.get_args(args[0]) or (args[0],)):
                    found.add((name, parameter, args[1].parser))
        for group in typer_app.registered_groups:
            walk(group.typer_instance, f"{prefix}{group.name} ")

    walk(app, "")
    return found


def test_every_output_path_goes_through_the_rule() -> None:
    found = output_parameters()
    outputs = {(name, parameter) for name, parameter, _ in found} - INPUTS
    assert {name for name, _ in outputs} == set(WRITERS) | FOLDER_WRITERS
    for name, parameter, parser in found:
        if (name, parameter) not in INPUTS:
            expected = (
                invocation.output_folder if name in FOLDER_WRITERS else invocation.output_file
            )
            assert parser is expected, f"{name} {parameter}"


@pytest.mark.parametrize("given", ["db/", "db/.", "existing"])
def test_a_database_path_that_names_a_folder_is_refused(tmp_path: Path, given: str) -> None:
    """`--db X/` once created a SQLite file named X (pathlib drops the slash)."""
    from typer.testing import CliRunner

    (tmp_path / "existing").mkdir()
    path = f"{tmp_path}/{given}"  # as typed: pathlib would drop the slash
    result = CliRunner().invoke(app, ["--db", path, "--user", "AB", "init"])
    assert result.exit_code == 1, result.output
    assert (
        result.stderr.strip() == f"Error: --db {path} names a folder: give the database file's name"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing"]
