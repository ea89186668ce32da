"""`kui export monthly`: pseudonymised rows, hand-computed columns, formats, files and refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import TextIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from kui_cli.app import app
from kui_cli.domain.reports import export
from kui_cli.render import files
from tests import municipality
from tests.conftest import KuiRunner, cpr_for, leader, ok, snapshot

NONE = None
# Hand-computed October 2026 rows (as of 2026-10-31), by youth:
# age_group, need, status, coordinator, team, plan_changes, unacknowledged, met, missed, transitions
# Only Bo has a plan owner (`municipality.PLAN_OWNERS`): a plan without one waits for nobody, so
# the others' `unacknowledged` is 0 (the owner's inbox, `inbox.open_for_owner`).
OCTOBER = {
    "Anna": (1, "B", "primary-school", NONE, NONE, 0, 0, 0, 0, NONE),
    "Bo": (2, "C", "none", "AB", "team-2", 5, 0, 1, 0, NONE),  # his open changes: AB's own
    "Carl": (2, "B", "none", NONE, "team-2", 0, 0, 0, 1, NONE),
    "Dina": (2, "A", "vocational", NONE, NONE, 4, 0, 0, 0, NONE),
    "Emil": (3, "B", "job", NONE, NONE, 0, 0, 0, 0, "turns-18"),
    "Ida": (NONE, "C", "benefit-activity-ready", "AB", NONE, 1, 0, 0, 0, "leaves-kui"),
    "Jens": (3, "C", "benefit-education-ready", NONE, NONE, 2, 0, 0, 0, NONE),
    "Karen": (3, "A", "gymnasium", NONE, "team-3", 0, 0, 0, 0, NONE),
}
FIELDS = [
    "age_group",
    "need",
    "status",
    "coordinator",
    "team",
    "plan_changes",
    "unacknowledged",
    "deadlines_met",
    "deadlines_missed",
    "transitions",
]


@pytest.fixture
def town(ready: KuiRunner, db_url: str) -> dict[str, int]:
    return municipality.build(ready, db_url)


def keys_by_name(db_url: str) -> dict[str, str]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT name, subject_key FROM youth")).all()
    engine.dispose()
    return {name.split()[0]: key for name, key in rows}


def export_json(kui: KuiRunner, month: str) -> list[dict]:
    return json.loads(ok(kui("export", "monthly", "--month", month, "-f", "json")).stdout)


@pytest.mark.own_staff
def test_october_rows_have_the_hand_computed_columns(
    ready: KuiRunner, town: dict[str, int], db_url: str
) -> None:
    rows = export_json(ready, "2026-10")
    name_of = {key: name for name, key in keys_by_name(db_url).items()}
    by_name = {name_of[r["export_key"]]: r for r in rows}
    assert set(by_name) == set(OCTOBER)
    for name, expected in OCTOBER.items():
        row = by_name[name]
        assert tuple(row[f] for f in FIELDS) == expected, name
        assert row["birth_year"] == municipality.YOUTHS[name][0].year
        owner = municipality.PLAN_OWNERS.get(name)
        assert (row["plan_owner"], row["as_of"], row["so_far"]) == (owner, "2026-10-31", False)
        assert list(row) == export.COLUMNS
    overview = json.loads(
        ok(ready("report", "overview", "--month", "2026-10", "-f", "json")).stdout
    )
    assert overview["kui_youths"] == len(rows)
    assert overview["plan_changes"]["changes"] == sum(r["plan_changes"] for r in rows)
    assert overview["deadlines"]["met"] == sum(r["deadlines_met"] for r in rows)


@pytest.mark.own_staff
def test_a_month_not_over_is_exported_so_far_and_flagged(
    ready: KuiRunner, town: dict[str, int], db_url: str
) -> None:
    result = ok(ready("export", "monthly", "--month", "2026-11", "-f", "json"))
    assert "2026-11 is not over: exported so far, up to 2026-11-22" in result.stderr
    rows = json.loads(result.stdout)
    assert {(r["as_of"], r["so_far"]) for r in rows} == {("2026-11-22", True)}
    name_of = {key: name for name, key in keys_by_name(db_url).items()}
    by_name = {name_of[r["export_key"]]: r for r in rows}
    assert set(by_name) == set(OCTOBER) - {"Dina"} | {"Lars"}
    assert by_name["Jens"]["status"] == "job"
    assert (by_name["Bo"]["deadlines_met"], by_name["Bo"]["deadlines_missed"]) == (0, 1)
    assert (by_name["Lars"]["deadlines_met"], by_name["Lars"]["deadlines_missed"]) == (1, 0)
    assert by_name["Karen"]["team"] == "team-3"
    october = ok(ready("export", "monthly", "--month", "2026-10"))
    assert "so far" not in october.stderr


@pytest.mark.own_staff
def test_the_key_is_stable_across_months_and_reveals_no_cpr_or_name(
    ready: KuiRunner, town: dict[str, int], db_url: str, tmp_path: Path
) -> None:
    october = {r["export_key"] for r in export_json(ready, "2026-10")}
    november = {r["export_key"] for r in export_json(ready, "2026-11")}
    assert len(october & november) == 7
    assert october | november <= set(keys_by_name(db_url).values())
    outputs = [
        ok(ready("export", "monthly", "--month", "2026-10", "-f", f)).stdout
        for f in ("csv", "json")
    ]
    ok(
        ready(
            "export",
            "monthly",
            "--month",
            "2026-10",
            "-f",
            "xlsx",
            "--out",
            str(tmp_path / "x.xlsx"),
        )
    )
    sheet = load_workbook(tmp_path / "x.xlsx").active
    outputs.append(repr([[c.value for c in row] for row in sheet.iter_rows()]))
    for output in outputs:
        for name, (born, *_rest) in municipality.YOUTHS.items():
            number = cpr_for(born)
            assert number not in output and number.replace("-", "") not in output
            assert name not in output and "Testesen" not in output
            assert born.isoformat() not in output


def test_another_database_gives_other_keys(tmp_path: Path) -> None:
    keys = []
    for name in ("one", "two"):
        runner = CliRunner()
        base = ["--db", str(tmp_path / f"{name}.db"), "--user", "AB", "--today", "2026-11-22"]
        ok(runner.invoke(app, [*base, "init"]))
        ok(runner.invoke(app, [*base, "staff", "add", *leader("AB")]))
        ok(
            runner.invoke(
                app, [*base, "youth", "add", "--cpr", "150310-4321", "--name", "Ida", "--need", "C"]
            )
        )
        rows = json.loads(
            ok(
                runner.invoke(app, [*base, "export", "monthly", "--month", "2026-11", "-f", "json"])
            ).stdout
        )
        keys.append(rows[0]["export_key"])
    assert keys[0] != keys[1]


@pytest.mark.own_staff
def test_csv_has_a_header_and_the_contract_columns(ready: KuiRunner, town: dict[str, int]) -> None:
    out = ok(ready("export", "monthly", "--month", "2026-10")).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == export.COLUMNS and len(rows) == 8
    assert {r["so_far"] for r in rows} == {"no"} and {r["as_of"] for r in rows} == {"2026-10-31"}


@pytest.mark.own_staff
def test_xlsx_opens_with_typed_cells_and_a_frozen_header(
    ready: KuiRunner, town: dict[str, int], tmp_path: Path
) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "kui-2026-10.xlsx"
    result = ok(
        ready("export", "monthly", "--month", "2026-10", "-f", "xlsx", "--out", str(target))
    )
    assert "Exported 8 youths" in result.stderr
    assert target.stat().st_mode & 0o777 == 0o600
    book = load_workbook(target)
    sheet = book.active
    assert sheet.title == "2026-10" and sheet.freeze_panes == "A2"
    header = [c.value for c in sheet[1]]
    assert header == export.COLUMNS and all(c.font.bold for c in sheet[1])
    rows = [
        dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)
    ]
    assert len(rows) == 8
    first = rows[0]
    assert isinstance(first["birth_year"], int) and isinstance(first["plan_changes"], int)
    assert first["as_of"] == dt.datetime(2026, 10, 31) and sheet.cell(2, 14).is_date
    assert first["so_far"] is False
    assert isinstance(first["export_key"], str) and first["coordinator"] is None
    assert {r["team"] for r in rows} == {None, "team-2", "team-3"}
    assert sorted(r["plan_changes"] for r in rows) == [0, 0, 0, 0, 1, 2, 4, 5]
    assert [p.name for p in target.parent.iterdir()] == [target.name]  # no scratch files left


@pytest.mark.own_staff
def test_so_far_xlsx_names_its_sheet(
    ready: KuiRunner, town: dict[str, int], tmp_path: Path
) -> None:
    target = tmp_path / "now.xlsx"
    ok(ready("export", "monthly", "--month", "2026-11", "-f", "xlsx", "--out", str(target)))
    sheet = load_workbook(target).active
    assert sheet.title == "2026-11 so far" and sheet.cell(2, 15).value is True


@pytest.mark.own_staff
def test_the_file_is_not_overwritten_without_force(
    ready: KuiRunner, town: dict[str, int], tmp_path: Path, db_url: str
) -> None:
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "export.csv"
    target.write_text("keep me\n", encoding="utf-8")
    target.chmod(0o644)
    before = snapshot(db_url)
    result = ready("export", "monthly", "--month", "2026-10", "--out", str(target))
    assert result.exit_code == 1 and "exists already: use --force" in result.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert snapshot(db_url) == before
    ok(ready("export", "monthly", "--month", "2026-10", "--out", str(target), "--force"))
    assert target.read_text(encoding="utf-8").startswith("export_key,")
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["export.csv"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--month", "2026-12"), "--month 2026-12 has not begun yet"),
        (("--month", "2026-1"), "YYYY-MM"),
        (("--month", "2026-11", "-f", "xlsx"), "xlsx needs a file"),
        (("--month", "2026-10", "--out", "/nonexistent/x.csv"), "does not exist"),
    ],
)
def test_bad_input_changes_nothing(
    ready: KuiRunner, db_url: str, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    before = snapshot(db_url)
    result = ready("export", "monthly", *args)
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [
        line for line in result.stderr.splitlines() if line.startswith("Error:")
    ]
    assert message in result.stderr and len(result.stderr.splitlines()) == 1
    assert snapshot(db_url) == before


@pytest.mark.own_staff
def test_export_is_audited_with_month_and_rows(
    ready: KuiRunner, town: dict[str, int], db_url: str
) -> None:
    ok(ready("export", "monthly", "--month", "2026-10", "-f", "json"))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        entry = conn.execute(
            text(
                "SELECT action, command, filter, rows, subject_key FROM audit_log ORDER BY id DESC"
            )
        ).first()
    engine.dispose()
    assert entry is not None
    assert (entry.action, entry.command, entry.rows, entry.subject_key) == (
        "export",
        "kui export monthly",
        8,
        None,
    )
    assert json.loads(entry.filter) == {"month": "2026-10"}


@pytest.mark.own_staff
def test_the_owners_own_changes_do_not_count_whatever_the_case_of_their_initials(
    ready: KuiRunner, town: dict[str, int], db_url: str
) -> None:
    """The database tells the owner's changes apart (`initials.folded`): `ab` is AB, and `øå`
    is ØÅ, which SQLite's upper() alone would miss; a change by anyone else counts."""
    ok(ready("staff", "add", "--initials", "ØÅ", "--name", "Øjvind Åby", "--role", "uu",
             "--department", "UU"))  # fmt: skip
    number = cpr_for(dt.date(2012, 3, 3), "4000")
    youth = ok(ready("youth", "add", "--cpr", number, "--name", "Åse Ø", today="2026-10-01"))
    yid = youth.stdout.strip()
    ok(ready("coordinator", "assign", yid, "ØÅ", "--consent", "accepted", today="2026-10-02"))
    for who, whose in (("øå", yid), ("CD", yid), ("ab", str(town["Bo"]))):
        ok(
            ready(
                "plan", "goal", "add", whose, "Mål", "--reason", who, user=who, today="2026-10-09"
            )
        )
    rows = {r["export_key"]: r for r in export_json(ready, "2026-10")}
    keys = keys_by_name(db_url)
    åse = rows[keys["Åse"]]  # counted: AB's assignment of her coordinator and CD's goal
    assert (åse["plan_owner"], åse["plan_changes"], åse["unacknowledged"]) == ("ØÅ", 3, 2)
    bo = rows[keys["Bo"]]
    assert (bo["plan_owner"], bo["plan_changes"], bo["unacknowledged"]) == ("AB", 6, 0)


@pytest.mark.own_staff
def test_a_failure_midway_leaves_no_file_and_no_audit(
    ready: KuiRunner,
    town: dict[str, int],
    tmp_path: Path,
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from kui_cli.errors import KuiError

    def broken(batches: object, columns: list[str], out: TextIO) -> int:
        out.write(",".join(columns) + "\n")
        raise KuiError("the database went away")

    monkeypatch.setattr(files, "write_csv", broken)
    (tmp_path / "out").mkdir()
    before = snapshot(db_url)
    result = ready(
        "export", "monthly", "--month", "2026-10", "--out", str(tmp_path / "out" / "x.csv")
    )
    assert result.exit_code == 1 and "the database went away" in result.stderr
    assert list((tmp_path / "out").iterdir()) == []
    assert snapshot(db_url) == before
