"""The automatic agenda items (handover, overdue, unacknowledged) and decisions that assign a
coordinator: the agenda reuses the law's clock and the plan owner's inbox, it does not recompute."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.casework import add_effort, add_staff, assign
from tests.conftest import KuiRunner, add_youth, ok, snapshot
from tests.test_agenda import BORN_16, agenda, refer

IN_FGU = ("--status", "fgu")  # in team 2's group, with no education-obligation deadlines


def kinds(shown: dict) -> list[tuple[str, int | None]]:
    return [(item["kind"], item["youth_id"]) for item in shown["items"]]


def test_youth_turning_18_in_40_days_is_a_handover_item(ready: KuiRunner) -> None:
    turning = add_youth(ready, dt.date(2009, 1, 1), "Ida Jensen", *IN_FGU)  # 18 on 2027-01-01
    add_youth(ready, dt.date(2009, 4, 1), "Bo Lund", *IN_FGU)  # 18 after the 90-day horizon
    add_youth(ready, dt.date(2009, 1, 2), "Carl Holm", "--status", "gymnasium")  # no team
    shown = agenda(ready, "--team", "team-2", "--next")
    assert kinds(shown) == [("handover", turning)]
    assert "Fylder 18 år 1. januar 2027" in shown["items"][0]["text"]
    assert "fra team-2 til team-3" in shown["items"][0]["text"]
    markdown = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", "markdown")).stdout
    assert "Overgang fra 17 til 18 år: IJ, 17 år" in markdown
    rows = json.loads(ok(ready("transitions", "--within", "40", "-f", "json")).stdout)
    assert [(r["youth_id"], r["kind"], r["from_team"], r["to_team"]) for r in rows] == [
        (turning, "turns-18", "team-2", "team-3")
    ]


def test_overdue_education_obligation_deadline_is_an_item_until_recorded(
    ready: KuiRunner,
) -> None:
    late = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--since", "2026-11-02")
    add_youth(ready, dt.date(2010, 6, 1), "Bo Lund", "--status", "none")  # deadline not passed
    shown = agenda(ready, "--team", "team-2", "--next")
    assert kinds(shown) == [("overdue", late)]
    assert "kontakt senest 9. november 2026" in shown["items"][0]["text"]
    ok(ready("duty", "contact", str(late)))
    assert kinds(agenda(ready, "--team", "team-2", "--next")) == []
    after_offer_deadline = agenda(ready, "--team", "team-2", "--next", today="2026-12-03")
    assert kinds(after_offer_deadline)[:1] == [("overdue", late)]
    assert (
        "tilbud om ny aktivitet senest 2. december 2026" in after_offer_deadline["items"][0]["text"]
    )


@pytest.mark.own_staff
def test_unacknowledged_plan_changes_of_youths_on_the_agenda(ready: KuiRunner) -> None:
    add_staff(ready, "AB", "uu")
    add_staff(ready, "CD", "social")
    ida = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    bo = add_youth(ready, dt.date(2010, 6, 1), "Bo Lund", *IN_FGU)
    for youth in (ida, bo):
        ok(assign(ready, youth, "AB", user="AB"))
        add_effort(ready, youth, "CD", user="CD")
    refer(ready, ida, "team-2")  # Bo is not on the agenda: his changes stay in the inbox only
    shown = agenda(ready, "--team", "team-2", "--next")
    assert kinds(shown) == [("referral", ida), ("unacknowledged", ida)]
    assert "1 ændring i planen er ikke kvitteret af planansvarlig AB" in shown["items"][1]["text"]
    ok(ready("plan", "ack", "--all", user="AB"))
    assert kinds(agenda(ready, "--team", "team-2", "--next")) == [("referral", ida)]


@pytest.mark.own_staff
def test_decision_assigns_a_coordinator_pending_consent_by_default(ready: KuiRunner) -> None:
    add_staff(ready, "AB", "uu")
    ida = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    bo = add_youth(ready, dt.date(2010, 6, 1), "Bo Lund", *IN_FGU)
    first, second = refer(ready, ida, "team-2"), refer(ready, bo, "team-2")
    day = "2026-11-25"
    ok(ready("agenda", "decide", str(first), "--outcome", "Flerfaglig indsats",
             "--coordinator", "AB", today=day))  # fmt: skip
    history = json.loads(ok(ready("coordinator", "history", str(ida), "-f", "json")).stdout)
    assert [(h["staff"], h["consent"]) for h in history] == [("AB", "pending")]
    shown = json.loads(ok(ready("youth", "show", str(ida), "-f", "json", today=day)).stdout)
    assert shown["coordinator"] is None  # proposed, not active until the youth says yes
    ok(ready("agenda", "decide", str(second), "--outcome", "Koordinator", "--coordinator", "AB",
             "--consent", "accepted", today=day))  # fmt: skip
    shown = json.loads(ok(ready("youth", "show", str(bo), "-f", "json", today=day)).stdout)
    assert shown["coordinator"] == "AB"
    meeting = agenda(ready, "--team", "team-2", "--next")["meeting"]["id"]
    minutes = ok(ready("agenda", "minutes", str(meeting), "-f", "markdown", today=day)).stdout
    assert "Koordinator: AB (den unge spørges efter mødet)" in minutes
    assert "Koordinator: AB (den unge har sagt ja)" in minutes


def test_decision_with_a_bad_coordinator_changes_nothing(ready: KuiRunner, db_url: str) -> None:
    ida = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    item = refer(ready, ida, "team-2")
    before = snapshot(db_url)
    for extra in (("--coordinator", "ZZ"), ("--consent", "accepted")):
        result = ready("agenda", "decide", str(item), "--outcome", "x", *extra, today="2026-11-25")
        assert result.exit_code == 1 and result.stderr.startswith("Error: ")
    assert snapshot(db_url) == before
