"""The overview's goals achieved per month by the young people with need C (issue 16)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.casework import add_staff
from tests.conftest import KuiRunner, add_youth, ok

pytestmark = pytest.mark.own_staff  # the town's own staff see all (conftest `ready`)

JANUARY = "2026-01-05"


def goal(kui: KuiRunner, youth_id: int, text: str) -> str:
    args = ("plan", "goal", "add", str(youth_id), text, "--reason", "samtale")
    return ok(kui(*args, today=JANUARY)).stdout.strip()


def achieve(kui: KuiRunner, goal_id: str, on: str) -> None:
    ok(kui("plan", "goal", "achieve", goal_id, today=on))


@pytest.fixture
def goals(ready: KuiRunner) -> KuiRunner:
    """Ida (need C) reaches two goals in March and one in October and drops one; Bo (need B)
    reaches one in March; Carl reaches one in May with need B, and one in July after his need
    became C in June; Dina (need C) reaches one in July, 30 since June: beyond KUI's ages."""
    add_staff(ready, "AB")
    ida = add_youth(ready, dt.date(2010, 3, 15), "Ida", "--need", "C", today=JANUARY)
    bo = add_youth(ready, dt.date(2009, 4, 1), "Bo", "--need", "B", today=JANUARY)
    carl = add_youth(ready, dt.date(2008, 5, 1), "Carl", "--need", "B", today=JANUARY)
    dina = add_youth(ready, dt.date(1996, 6, 1), "Dina", "--need", "C", today=JANUARY)
    ida_goals = [goal(ready, ida, f"Idas mål {n}") for n in range(4)]
    bo_goal, dina_goal = goal(ready, bo, "Bos mål"), goal(ready, dina, "Dinas mål")
    carl_goals = [goal(ready, carl, f"Carls mål {n}") for n in range(2)]
    achieve(ready, ida_goals[0], "2026-03-10")
    achieve(ready, ida_goals[1], "2026-03-31")
    achieve(ready, ida_goals[2], "2026-10-01")
    ok(ready("plan", "goal", "drop", ida_goals[3], "--reason", "opgivet", today="2026-10-02"))
    achieve(ready, bo_goal, "2026-03-15")
    achieve(ready, dina_goal, "2026-07-15")
    achieve(ready, carl_goals[0], "2026-05-20")
    ok(ready("youth", "update", str(carl), "--need", "C", "--reason", "r", today="2026-06-10"))
    achieve(ready, carl_goals[1], "2026-07-01")
    return ready


def test_goals_achieved_per_month_by_the_need_c_youths(goals: KuiRunner) -> None:
    data = json.loads(ok(goals("report", "overview", "--month", "2026-10", "-f", "json")).stdout)
    trend = data["goals_achieved_need_c"]
    assert [p["month"] for p in trend][0::11] == ["2025-11", "2026-10"]
    assert {p["month"]: p["goals"] for p in trend if p["goals"]} == {
        "2026-03": 2,
        "2026-07": 1,
        "2026-10": 1,
    }
    assert trend[-1]["as_of"] == "2026-10-31" and len(trend) == 12


def test_the_month_so_far_counts_up_to_today(goals: KuiRunner) -> None:
    ida_goal = goal(goals, 1, "Et mål mere")
    achieve(goals, ida_goal, "2026-11-20")
    achieve(goals, goal(goals, 1, "Senere"), "2026-11-30")  # after --today: not yet
    data = json.loads(ok(goals("report", "overview", "-f", "json")).stdout)
    assert [p["goals"] for p in data["goals_achieved_need_c"]][-2:] == [1, 1]


def test_the_figure_is_in_the_table_and_on_the_page(goals: KuiRunner, tmp_path: Path) -> None:
    page = tmp_path / "overblik.html"
    shown = ok(goals("report", "overview", "--month", "2026-10", "--html", str(page))).stdout
    section = shown.split("Goals achieved by need-C youths, per month")[1]
    assert "2026-03" in section and "2026-07" in section
    html = page.read_text(encoding="utf-8")
    chart = html.split("Mål nået af unge med flerfaglig indsats (behov C)")[1]
    points = [p.split("<title>")[1].split("</title>")[0] for p in chart.split('class="dot"')[1:]]
    assert [p for p in points if not p.endswith(": 0")] == ["mar 26: 2", "jul 26: 1", "okt 26: 1"]
    assert len(points) == 12
