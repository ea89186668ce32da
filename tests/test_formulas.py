"""No csv or xlsx file that kui writes has a cell a spreadsheet would run as a formula; JSON keeps
every value as it is. The rule itself (and its SQL twin) is tested in tests/test_sql_twins.py."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from kui_cli import render
from tests import municipality
from tests.conftest import KuiRunner, add_youth, ok

LINK = '=HYPERLINK("https://example.org/x","Ida")'
BORN_16 = dt.date(2010, 3, 15)


def csv_rows(kui: KuiRunner, *args: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(ok(kui(*args, "-f", "csv")).stdout)))


def json_rows(kui: KuiRunner, *args: str) -> list[dict]:
    return json.loads(ok(kui(*args, "-f", "json")).stdout)


def test_csv_quotes_text_that_would_run_and_leaves_numbers_alone() -> None:
    rows = [{"n": -5, "hours": -1.5, "text": "-5 dage", "plain": "Ida", "tab": "\tx"}]
    out = io.StringIO()
    render.listing(rows, render.Format.csv, out=out)
    assert next(csv.DictReader(io.StringIO(out.getvalue()))) == {
        "n": "-5",
        "hours": "-1.5",
        "text": "'-5 dage",
        "plain": "Ida",
        "tab": "'\tx",
    }


def test_youth_list_and_show(ready: KuiRunner) -> None:
    youth_id = add_youth(ready, BORN_16, LINK)
    assert csv_rows(ready, "youth", "list")[0]["name"] == "'" + LINK
    assert json_rows(ready, "youth", "list")[0]["name"] == LINK
    fields = {r["field"]: r["value"] for r in csv_rows(ready, "youth", "show", str(youth_id))}
    assert fields["name"] == "'" + LINK


def test_plan_log(ready: KuiRunner) -> None:
    youth_id = str(add_youth(ready, BORN_16))
    ok(ready("plan", "goal", "add", youth_id, "+45 kroner om ugen", "--reason", "@SUM(A1)"))
    logged = csv_rows(ready, "plan", "log", youth_id)[-1]
    assert logged["new"] == "'+45 kroner om ugen" and logged["why"] == "'@SUM(A1)"
    assert json_rows(ready, "plan", "log", youth_id)[-1]["why"] == "@SUM(A1)"


def test_staff_list(ready: KuiRunner) -> None:
    ok(ready("staff", "add", "--initials", "CD", "--name", LINK, "--role", "uu",
             "--department", "-Nord"))  # fmt: skip
    listed = {r["initials"]: r for r in csv_rows(ready, "staff", "list")}
    assert listed["CD"]["name"] == "'" + LINK and listed["CD"]["department"] == "'-Nord"
    assert listed["AB"]["name"] == "Leder AB"


def test_meeting_list(ready: KuiRunner) -> None:
    ok(ready("meeting", "schedule", "team-2", "--rule", "FREQ=WEEKLY;COUNT=1",
             "--start", "2026-12-02T09:00", "--place", "=1+1"))  # fmt: skip
    placed = [r for r in csv_rows(ready, "meeting", "list") if r["place"].endswith("=1+1")]
    assert [r["place"] for r in placed] == ["'=1+1"]


@pytest.fixture
def linked_team(ready: KuiRunner, db_url: str) -> str:
    """The town of tests/test_export.py, its team-2 renamed in the database to a formula: text a
    validated command cannot store, but a database written by other means may hold."""
    municipality.build(ready, db_url)
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE team SET slug = :slug WHERE slug = 'team-2'"), {"slug": LINK})
    engine.dispose()
    return LINK


@pytest.mark.own_staff
def test_export_csv(ready: KuiRunner, linked_team: str) -> None:
    teams = {r["team"] for r in csv_rows(ready, "export", "monthly", "--month", "2026-10")}
    assert teams == {"", "'" + linked_team, "team-3"}
    exported = json_rows(ready, "export", "monthly", "--month", "2026-10")
    assert {r["team"] for r in exported} == {None, linked_team, "team-3"}


@pytest.mark.own_staff
def test_export_xlsx(ready: KuiRunner, linked_team: str, tmp_path: Path) -> None:
    target = tmp_path / "kui-2026-10.xlsx"
    ok(ready("export", "monthly", "--month", "2026-10", "-f", "xlsx", "--out", str(target)))
    sheet = load_workbook(target).active
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    linked = [c for c in cells if c.value == linked_team]
    assert linked and all(c.data_type == "s" and c.quotePrefix for c in linked)
    assert not any(c.quotePrefix for c in cells if c.value == "team-3")
