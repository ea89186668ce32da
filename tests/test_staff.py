"""`kui staff`: initials unique whatever their case, roles checked."""

import datetime as dt
import json

import pytest

from tests.casework import as_json, assign
from tests.conftest import KuiRunner, add_youth, leader, ok

AB = (
    "staff",
    "add",
    "--initials",
    "ab",
    "--name",
    "Anne Berg",
    "--role",
    "uu",
    "--department",
    "UU Sønderborg",
)

pytestmark = pytest.mark.own_staff  # registers AB itself (conftest `ready`)


def test_add_and_list(ready: KuiRunner) -> None:
    ok(ready(*AB, "--capacity", "25"))
    rows = json.loads(ok(ready("staff", "list", "-f", "json")).stdout)
    assert rows[0]["initials"] == "AB" and rows[0]["capacity"] == 25


def test_initials_are_unique_case_insensitively(ready: KuiRunner) -> None:
    ok(ready(*AB))
    result = ready(*[("AB" if a == "ab" else a) for a in AB])
    assert result.exit_code == 1 and "exists already" in result.stderr


def test_unknown_role_lists_the_codes(ready: KuiRunner) -> None:
    result = ready(*[("wizard" if a == "uu" else a) for a in AB])
    assert result.exit_code == 1 and "uu, jobcenter" in result.stderr


def test_caseload_counts_active_and_pending_assignments(ready: KuiRunner) -> None:
    ok(ready(*AB, "--capacity", "2"))
    first = add_youth(ready, dt.date(2010, 3, 15), "Ida")
    second = add_youth(ready, dt.date(2010, 4, 15), "Bo")
    third = add_youth(ready, dt.date(2010, 5, 15), "Alma")
    ok(assign(ready, first, "AB"))
    ok(assign(ready, second, "AB", "pending"))
    ok(assign(ready, third, "AB", "declined"))
    [row] = json.loads(ok(ready("staff", "list", "-f", "json")).stdout)
    assert (row["caseload"], row["capacity"], row["over_capacity"]) == (2, 2, False)
    ok(ready("coordinator", "end", str(first), "--reason", "Færdig", today="2027-01-01"))
    [row] = json.loads(ok(ready("staff", "list", "-f", "json", today="2027-01-01")).stdout)
    assert row["caseload"] == 1


def test_deactivate_and_activate(ready: KuiRunner) -> None:
    ok(ready(*AB))
    ok(ready("staff", "add", *leader("LE")))  # LE acts once AB is inactive
    assert "no longer active" in ok(ready("staff", "deactivate", "ab")).stderr
    [row] = [r for r in as_json(ready, "staff", "list", user="LE") if r["initials"] == "AB"]
    assert row["active"] is False
    again = ready("staff", "deactivate", "AB", user="LE")
    assert again.exit_code == 1 and "inactive already" in again.stderr
    ok(ready("staff", "activate", "AB", user="LE"))
    assert json.loads(ok(ready("staff", "list", "-f", "json")).stdout)[0]["active"] is True
    unknown = ready("staff", "deactivate", "QQ")
    assert unknown.exit_code == 1 and "unknown staff member" in unknown.stderr
