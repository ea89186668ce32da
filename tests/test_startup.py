"""Start-up stays cheap: what `kui --help` and `kui youth show` import (the bench times them).

`kui --help` must load nothing but Typer and kui's own small modules; `kui youth show` loads the
database layer, but no Alembic (the schema version is read with plain SQL), no Rich when its
output is piped, and none of the libraries that only other commands need.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from kui_cli import app as kui_app
from kui_cli.app import app
from tests.conftest import TODAY, leader

ROOT = Path(__file__).resolve().parents[1]
NOT_FOR_HELP = {"sqlalchemy", "sqlmodel", "pydantic", "alembic", "rich", "tabulate", "stdnum"}
NOT_FOR_SHOW = {"alembic", "rich", "holidays", "xlsxwriter", "openpyxl", "icalendar"}
PROGRAM = """
import json, sys
from kui_cli.app import app
try:
    app(sys.argv[1:], standalone_mode=False)
except SystemExit:
    pass
sys.stderr.write(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


def imported_by(*args: str) -> set[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUI_")}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return set(json.loads(result.stderr.strip().splitlines()[-1]))


def test_help_imports_nothing_heavy() -> None:
    assert not imported_by("--help") & NOT_FOR_HELP


def test_youth_show_imports_only_what_it_uses(tmp_path: Path) -> None:
    database = str(tmp_path / "kui.db")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", database, "init"]).exit_code == 0
    as_ab = ["--db", database, "--user", "AB", "--today", TODAY]
    assert runner.invoke(app, [*as_ab, "staff", "add", *leader("AB")]).exit_code == 0
    add = ["youth", "add", "--cpr", "150310-4321", "--name", "Ida Jensen"]
    assert runner.invoke(app, [*as_ab, *add]).exit_code == 0
    modules = imported_by(*as_ab, "youth", "show", "1")
    assert "sqlalchemy" in modules
    assert not modules & NOT_FOR_SHOW


MAIN = """
import json, sys
from kui_cli import app
try:
    app.main()
except SystemExit:
    pass
from pydantic.plugin import _loader
from kui_cli import models
json.dump(
    {
        "plugins_looked_for": _loader._plugins is not None,
        "youth_schema_built": models.Youth.__pydantic_complete__,
    },
    sys.stderr,
)
"""


def test_a_command_builds_no_schema_and_looks_for_no_plugin(tmp_path: Path) -> None:
    """`youth show` through the console script: pydantic built no table's validator (kui never
    validates a table row) and read no distribution's entry points looking for plugins."""
    database = str(tmp_path / "kui.db")
    runner = CliRunner()
    assert runner.invoke(app, ["--db", database, "init"]).exit_code == 0
    as_ab = ["--db", database, "--user", "AB", "--today", TODAY]
    assert runner.invoke(app, [*as_ab, "staff", "add", *leader("AB")]).exit_code == 0
    add = ["youth", "add", "--cpr", "150310-4321", "--name", "Ida Jensen"]
    assert runner.invoke(app, [*as_ab, *add]).exit_code == 0
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUI_", "PYDANTIC_"))}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", MAIN, *as_ab, "youth", "show", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Ida Jensen" in result.stdout
    found = json.loads(result.stderr.strip().splitlines()[-1])
    assert found == {"plugins_looked_for": False, "youth_schema_built": False}


def test_the_audit_entry_is_serialised_as_before() -> None:
    """A deferred build still serialises: `model_dump` builds the audit entry's serializer."""
    import datetime as dt

    from kui_cli.models import AuditLog

    at = dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC)
    entry = AuditLog(at=at, user="AB", action="show", command="kui youth show", rows=1)
    assert entry.model_dump() == {
        "id": None,
        "hash_version": None,
        "at": at,
        "user": "AB",
        "action": "show",
        "command": "kui youth show",
        "subject_key": None,
        "filter": None,
        "rows": 1,
    }


@pytest.mark.parametrize(
    ("argv", "path"),
    [
        (["youth", "show", "1"], ("youth", "show")),
        (["--db", "x.db", "--user", "AB", "--today", TODAY, "duty", "check"], ("duty", "check")),
        (["--db=x.db", "--user", "youth", "plan", "inbox"], ("plan", "inbox")),
        (["--today", "agenda", "transitions", "--team", "x"], ("transitions",)),
        (["plan", "goal", "add", "1"], ("plan", "goal", "add")),
        (["youth", "show", "plan"], ("youth", "show")),
        (["youth", "--help"], ("youth",)),
        (["youth", "sohw"], ("youth",)),
        (["youth"], ("youth",)),
        (["-h"], ()),
        (["--help", "youth"], ()),
        (["--version"], ()),
        ([], ()),
        (["--db", "x.db"], ()),
        (["yuoth", "show"], ()),
    ],
)
def test_the_command_that_runs_is_found_past_the_root_options(
    argv: list[str], path: tuple[str, ...]
) -> None:
    assert kui_app.invoked(argv) == path


def test_the_root_options_that_take_a_value_are_known() -> None:
    """`invoked` skips the value of every root option that takes one, and only of those."""
    import typer.main

    root = typer.main.get_command(app)
    taking = {o for p in root.params if not getattr(p, "is_flag", True) for o in p.opts}
    assert taking == kui_app.ROOT_VALUE_OPTIONS


def _paths(group: typer.Typer, above: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every group and command of kui, as the names that run it."""
    found = []
    for name, sub in kui_app.children(group).items():
        found.append((*above, name))
        if sub is not None:
            found += _paths(sub, (*above, name))
    return found


@pytest.mark.parametrize("path", _paths(app), ids=" ".join)
def test_a_lean_root_runs_every_command_as_the_whole_app(path: tuple[str, ...]) -> None:
    """The root built with only the command that runs: same help, same usage errors, and
    nothing else at any level."""
    runner = CliRunner()
    lean = kui_app.lean(path)
    for args in ([*path, "--help"], [*path, "--no-such-option"]):
        whole, alone = runner.invoke(app, args), runner.invoke(lean, args)
        assert (alone.exit_code, alone.output) == (whole.exit_code, whole.output)
    level: typer.Typer | None = lean
    for name in path:
        assert level is not None
        assert list(kui_app.children(level)) == [name]
        level = kui_app.children(level)[name]


def test_the_root_help_and_completion_get_the_whole_app(monkeypatch: pytest.MonkeyPatch) -> None:
    assert kui_app.lean(()) is app
    monkeypatch.setenv("_KUI_COMPLETE", "complete_bash")
    assert kui_app.lean(("youth", "show")) is app
