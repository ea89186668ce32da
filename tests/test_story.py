"""The "Done when" story of issue 4, step by step through the CLI."""

from __future__ import annotations

import json

import pytest

from tests.casework import BIRTHDAY_18, BORN_16, add_effort, add_staff, as_json, shown
from tests.conftest import KuiRunner, add_youth, ok

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)


def test_one_contact_person_and_one_plan(ready: KuiRunner) -> None:
    add_staff(ready, "AB", "uu")
    add_staff(ready, "CD", "social")
    add_staff(ready, "EF", "jobcenter")

    # UU counsellor AB registers a 16-year-old and is assigned as coordinator with consent.
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational")
    assert shown(ready, ida)["age"] == 16
    ok(ready("coordinator", "assign", str(ida), "AB", "--consent", "accepted", user="AB"))
    assert shown(ready, ida)["coordinator"] == "AB"
    assert shown(ready, ida)["plan_owner"] == "AB"

    # A social worker CD adds an effort under serviceloven with a reason.
    ok(
        ready(
            "plan",
            "effort",
            "add",
            str(ida),
            "--title",
            "Støtte-kontaktperson",
            "--department",
            "Familieafdelingen",
            "--legislation",
            "serviceloven",
            "--responsible",
            "CD",
            "--reason",
            "Ida har brug for støtte i hverdagen",
            user="CD",
        )
    )

    # AB's inbox lists exactly that change, by CD.
    inbox = json.loads(ok(ready("plan", "inbox", "--format", "json", user="AB")).stdout)
    assert len(inbox) == 1
    assert inbox[0]["by"] == "CD"
    assert inbox[0]["youth_id"] == ida
    assert "Støtte-kontaktperson" in inbox[0]["what"]
    assert inbox[0]["why"] == "Ida har brug for støtte i hverdagen"
    assert set(inbox[0]) == {"id", "youth_id", "at", "by", "what", "why"}

    # `plan ack --all` empties it.
    ok(ready("plan", "ack", "--all", user="AB"))
    assert as_json(ready, "plan", "inbox", user="AB") == []

    # `plan log` shows every step with who and why.
    log = as_json(ready, "plan", "log", str(ida))
    steps = [(row["kind"], row["by"]) for row in log]
    assert steps == [("registered", "AB"), ("coordinator", "AB"), ("effort", "CD")]
    assert log[1]["why"] and log[2]["why"] == "Ida har brug for støtte i hverdagen"
    assert log[2]["acknowledged_by"] == "AB" and log[2]["acknowledged_at"]

    # A declined assignment leaves no coordinator but a recorded decision.
    bo = add_youth(ready, BORN_16.replace(day=16), "Bo Lund")
    ok(ready("coordinator", "assign", str(bo), "AB", "--consent", "declined"))
    assert shown(ready, bo)["coordinator"] is None
    history = as_json(ready, "coordinator", "history", str(bo))
    assert [(h["staff"], h["consent"], h["state"]) for h in history] == [
        ("AB", "declined", "declined")
    ]
    assert as_json(ready, "plan", "log", str(bo))[-1]["what"].startswith("coordinator declined")

    # On the 18th birthday the plan owner becomes the jobcentre adviser on the case, and the
    # coordinator stays.
    add_effort(ready, ida, "EF", title="Afklaring af job og uddannelse", legislation="lab")
    day_before = shown(ready, ida, today="2028-03-14")
    assert (day_before["coordinator"], day_before["plan_owner"]) == ("AB", "AB")
    birthday = shown(ready, ida, today=BIRTHDAY_18)
    assert birthday["age"] == 18
    assert (birthday["coordinator"], birthday["plan_owner"]) == ("AB", "EF")
    plan = as_json(ready, "plan", "show", str(ida), today=BIRTHDAY_18)
    assert plan["plan_owner"] == "EF" and plan["coordinator"] == "AB"
    assert plan["plan_owner_since"] == BIRTHDAY_18
