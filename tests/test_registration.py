"""What the register takes: one validator for `youth add` and `youth import`, and the ages KUI
covers (the profile's `register.min_age` up to its `upper_age`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
import typer

from kui_cli.app import app
from kui_cli.domain import profile
from kui_cli.errors import KuiError
from tests.conftest import KuiRunner, cpr_for, ok, open_profile, snapshot

BORN_16 = dt.date(2010, 3, 15)

# A bad row as `youth add` options and as the same row of an import (cpr,name,status,since,grade).
BAD_ROWS = {
    "future since": (cpr_for(BORN_16), "Ida", "none", "2026-12-01", ""),
    "since before birth": (cpr_for(BORN_16), "Ida", "none", "2010-01-01", ""),
    "six years old": (cpr_for(dt.date(2020, 5, 1)), "Ida", "primary-school", "", ""),
    "eleven the day before the 12th birthday": (cpr_for(dt.date(2014, 11, 23)), "Ida", "", "", ""),
    "thirty": (cpr_for(dt.date(1996, 11, 22)), "Ida", "none", "", ""),
    "118 years old": ("010108-1234", "Ida", "primary-school", "", "9"),
    "grade 11": (cpr_for(BORN_16), "Ida", "primary-school", "", "11"),
    "empty name": (cpr_for(BORN_16), " ", "", "", ""),
    "unknown status": (cpr_for(BORN_16), "Ida", "dancing", "", ""),
}


def add_options(cpr: str, name: str, status: str, since: str, grade: str) -> list[str]:
    options = ["youth", "add", "--cpr", cpr, "--name", name]
    for option, value in (("--status", status), ("--since", since), ("--grade", grade)):
        options += [option, value] if value else []
    return options


@pytest.mark.parametrize("row", BAD_ROWS.values(), ids=list(BAD_ROWS))
def test_the_same_bad_row_is_refused_by_add_and_import_with_the_same_reason(
    ready: KuiRunner, db_url: str, tmp_path: Path, row: tuple[str, ...]
) -> None:
    before = snapshot(db_url)
    added = ready(*add_options(*row))
    assert added.exit_code == 1, added.output
    reason = added.stderr.strip().removeprefix("Error: ")
    path = tmp_path / "youths.csv"
    path.write_text("cpr,name,status,since,grade\n" + ",".join(row) + "\n", encoding="utf-8")
    imported = ready("youth", "import", str(path))
    assert imported.exit_code == 1
    assert f"{path}: line 2: {reason}" in imported.stderr.splitlines()
    assert snapshot(db_url) == before


def test_the_age_error_names_the_age_and_the_window(ready: KuiRunner) -> None:
    result = ready(*add_options(*BAD_ROWS["six years old"]))
    assert result.stderr.strip() == (
        "Error: age 6 on 2026-11-22 is outside the ages KUI registers, 12-29 "
        "(profile keys register.min_age and upper_age)"
    )


@pytest.mark.parametrize(
    ("born", "age"),
    [(dt.date(2014, 11, 22), 12), (dt.date(1996, 11, 23), 29), (dt.date(2008, 2, 29), 18)],
)
def test_the_window_takes_its_first_and_last_day(ready: KuiRunner, born: dt.date, age: int) -> None:
    youth = ok(ready("youth", "add", "--cpr", cpr_for(born), "--name", "Edge")).stdout.strip()
    assert json.loads(ok(ready("youth", "show", youth, "-f", "json")).stdout)["age"] == age


def test_the_profile_sets_the_youngest_age(ready: KuiRunner, tmp_path: Path) -> None:
    path = open_profile(tmp_path)
    text = path.read_text(encoding="utf-8").replace("min_age = 12", "min_age = 15")
    path.write_text(text, encoding="utf-8")
    ok(ready("init", "--profile", str(path)))
    refused = ready("youth", "add", "--cpr", cpr_for(dt.date(2012, 1, 1)), "--name", "Ida")
    assert refused.exit_code == 1 and "outside the ages KUI registers, 15-29" in refused.stderr
    ok(ready("youth", "add", "--cpr", cpr_for(dt.date(2011, 1, 1)), "--name", "Ida"))


@pytest.mark.parametrize(
    ("register", "message"),
    [
        ({"min_age": 9}, "key 'register.min_age' must be between 10 and 18"),
        ({"min_age": 19}, "key 'register.min_age' must be between 10 and 18"),
        ({"min_age": "12"}, "key 'register.min_age' must be int"),
        ({"max_age": 30}, "unknown key 'register.max_age'"),
    ],
)
def test_register_min_age_is_checked_and_named(register: dict, message: str) -> None:
    with pytest.raises(KuiError, match=re.escape(message)):
        profile.validate({"name": "X", "register": register}, "x")


def test_every_shipped_profile_registers_from_12() -> None:
    for name in profile.shipped_profiles():
        assert profile.read_profile(name).min_age == 12


def test_the_help_example_registers_a_pupil_in_primary_school(ready: KuiRunner) -> None:
    command = typer.main.get_command(app).commands["youth"].commands["add"]  # type: ignore[attr-defined]
    example = next(line for line in command.help.splitlines() if "kui youth add" in line)
    cpr = re.search(r"--cpr (\S+)", example).group(1)  # type: ignore[union-attr]
    youth = ok(ready("youth", "add", "--cpr", cpr, "--name", "Ida Jensen",
                     "--status", "primary-school", "--grade", "9")).stdout.strip()  # fmt: skip
    shown = json.loads(ok(ready("youth", "show", youth, "-f", "json")).stdout)
    assert (shown["age_group"], 14 <= shown["age"] <= 16) == (1, True)
