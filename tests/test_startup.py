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

from typer.testing import CliRunner

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
