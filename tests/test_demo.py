"""`kui demo`: Sønderborg's published figures, scaling, and refusal to touch real data."""

import json

import pytest

from tests.conftest import KuiRunner, leader, ok

SEED_GROUPS = {1: 1905, 2: 1451, 3: 5795, 4: 3694}


def test_demo_reproduces_the_seed_figures(kui: KuiRunner) -> None:
    rows = json.loads(ok(kui("demo", "-f", "json")).stdout)
    totals = {r["age_group"]: r["youths"] for r in rows if r["status"] == "(all)"}
    assert totals == SEED_GROUPS
    for row in rows:
        if row["seed_2019"] is not None:
            assert row["youths"] == row["seed_2019"], row
    youths = json.loads(ok(kui("youth", "list", "-f", "json")).stdout)
    needs = [y["need"] for y in youths]
    assert 0.83 <= needs.count("A") / len(needs) <= 0.87
    assert round(needs.count("C") / len(needs), 3) == 0.08


def test_demo_scales_and_refreshes(kui: KuiRunner) -> None:
    ok(kui("demo", "--youths", "200"))
    ok(kui("demo", "--youths", "100"))
    assert len(json.loads(ok(kui("youth", "list", "-f", "json")).stdout)) == 100


def test_the_total_row_is_worded_in_danish_and_kept_as_a_code_for_scripts(
    kui: KuiRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUI_LANG", "da")
    markdown = ok(kui("demo", "--youths", "100", "-f", "markdown")).stdout
    assert "| (alle) " in markdown and "(all)" not in markdown
    rows = json.loads(ok(kui("demo", "--youths", "100", "-f", "json")).stdout)
    assert "(all)" in {row["status"] for row in rows}


def test_demo_refuses_a_real_database(kui: KuiRunner) -> None:
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    ok(kui("youth", "add", "--cpr", "150310-4321", "--name", "Ida"))
    result = kui("demo", "--youths", "10")
    assert result.exit_code == 1 and "not a demo database" in result.stderr
    assert len(json.loads(ok(kui("youth", "list", "-f", "json")).stdout)) == 1
