"""`kui staff`: initials unique whatever their case, roles checked."""

import json

from tests.conftest import KuiRunner, ok

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
