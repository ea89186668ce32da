"""Goals that finish (issue 16): update while open, achieve or drop once, with history."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine
from sqlmodel import Session

from kui_cli.domain.plan import goals
from kui_cli.domain.protection import access
from kui_cli.domain.protection.audit import Actor
from kui_cli.models import Goal
from tests.casework import (
    BORN_16,
    add_staff,
    as_json,
    assign,
    refused_and_logged,
    shipped_office,
)
from tests.conftest import KuiRunner, add_youth, cpr_for, ok, snapshot

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)


@pytest.fixture
def case(ready: KuiRunner) -> tuple[KuiRunner, int]:
    for initials in ("AB", "CD"):
        add_staff(ready, initials)
    ida = add_youth(ready, BORN_16)
    ok(assign(ready, ida, "AB"))
    return ready, ida


def goal(kui: KuiRunner, youth_id: int, text: str, *extra: str, **kwargs: object) -> int:
    args = ("plan", "goal", "add", str(youth_id), text, "--reason", "samtale", *extra)
    result = kui(*args, **kwargs)
    return int(ok(result).stdout.strip())


def goals_shown(kui: KuiRunner, youth_id: int) -> dict[int, dict]:
    return {g["id"]: g for g in as_json(kui, "plan", "show", str(youth_id))["goals"]}


def test_update_records_old_and_new_per_value(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    carpenter = goal(kui, ida, "Jeg vil være tømrer", "--due", "2027-08-01")
    ok(kui("plan", "goal", "update", str(carpenter), "--text", "Jeg vil være snedker",
           "--due", "2027-09-01", "--reason", "Ida har skiftet mening", user="CD"))  # fmt: skip
    shown = goals_shown(kui, ida)[carpenter]
    assert (shown["text"], shown["due"], shown["status"]) == (
        "Jeg vil være snedker",
        "2027-09-01",
        "open",
    )
    log = as_json(kui, "plan", "log", str(ida))[-2:]
    assert [(r["kind"], r["what"], r["old"], r["new"], r["why"], r["by"]) for r in log] == [
        ("goal", f"goal {carpenter} text changed: Jeg vil være snedker", "Jeg vil være tømrer",
         "Jeg vil være snedker", "Ida har skiftet mening", "CD"),
        ("goal", f"goal {carpenter} due changed: 2027-09-01", "2027-08-01", "2027-09-01",
         "Ida har skiftet mening", "CD"),
    ]  # fmt: skip
    inbox = as_json(kui, "plan", "inbox")  # CD changed AB's plan
    assert [r["what"] for r in inbox] == [r["what"] for r in log]
    ok(kui("plan", "goal", "update", str(carpenter), "--due", "2027-10-01", "--reason", "r"))
    assert as_json(kui, "plan", "log", str(ida))[-1]["what"] == (
        f"goal {carpenter} due changed: 2027-10-01"
    )


def test_achieve_and_drop_close_on_the_reference_day(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    exam, school = goal(kui, ida, "Bestå 9. klasse"), goal(kui, ida, "Gå i skole")
    ok(kui("plan", "goal", "achieve", str(exam), today="2027-06-20"))
    ok(kui("plan", "goal", "drop", str(school), "--reason", "Går på FGU nu", today="2027-06-21"))
    shown = goals_shown(kui, ida)
    assert (shown[exam]["status"], shown[exam]["closed_on"]) == ("achieved", "2027-06-20")
    assert (shown[school]["status"], shown[school]["closed_on"]) == ("dropped", "2027-06-21")
    log = as_json(kui, "plan", "log", str(ida))[-2:]
    assert [(r["what"], r["old"], r["new"], r["why"], r["effective_on"]) for r in log] == [
        (f"goal {exam} achieved: Bestå 9. klasse", "open", "achieved", None, "2027-06-20"),
        (f"goal {school} dropped: Gå i skole", "open", "dropped", "Går på FGU nu", "2027-06-21"),
    ]


def test_a_closed_goal_does_not_change(case: tuple[KuiRunner, int], db_url: str) -> None:
    kui, ida = case
    exam, school = goal(kui, ida, "Bestå 9. klasse"), goal(kui, ida, "Gå i skole")
    ok(kui("plan", "goal", "achieve", str(exam), "--reason", "Bestod"))
    ok(kui("plan", "goal", "drop", str(school), "--reason", "FGU"))
    before = snapshot(db_url)
    achieved = f"Error: goal {exam} is achieved since 2026-11-22: only an open one changes"
    dropped = f"Error: goal {school} is dropped since 2026-11-22: only an open one changes"
    for args, line in [
        (("achieve", str(exam)), achieved),
        (("drop", str(exam), "--reason", "r"), achieved),
        (("update", str(exam), "--text", "x", "--reason", "r"), achieved),
        (("achieve", str(school)), dropped),
        (("update", str(school), "--due", "2027-01-01", "--reason", "r"), dropped),
    ]:
        result = kui("plan", "goal", *args)
        assert result.exit_code == 1 and result.stderr.strip().splitlines() == [line]
    assert snapshot(db_url) == before


def test_refusals_change_nothing(case: tuple[KuiRunner, int], db_url: str) -> None:
    kui, ida = case
    carpenter = goal(kui, ida, "Jeg vil være tømrer", "--due", "2027-08-01")
    goal(kui, ida, "Bestå 9. klasse", "--parent", str(carpenter))
    before = snapshot(db_url)
    for args, message in [
        ((str(carpenter), "--reason", "r"), "give --text or --due"),
        ((str(carpenter), "--text", "x", "--reason", " "), "--reason is required"),
        ((str(carpenter), "--text", " ", "--reason", "r"), "--text may not be empty"),
        ((str(carpenter), "--text", f"CPR {cpr_for(BORN_16)}", "--reason", "r"), "CPR number"),
        ((str(carpenter), "--due", "2027-08-01", "--reason", "r"), "already says that"),
        ((str(carpenter), "--due", "1/8", "--reason", "r"), "--due must be a date"),
        (("999", "--text", "x", "--reason", "r"), "no goal with id 999"),
    ]:
        result = kui("plan", "goal", "update", *args)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    for args, message in [
        (("drop", str(carpenter), "--reason", "r"), "has open sub-goals (2): achieve or drop"),
        (("drop", str(carpenter), "--reason", ""), "--reason is required"),
        (("achieve", str(carpenter), "--reason", cpr_for(BORN_16)), "CPR number"),
        (("achieve", "999"), "no goal with id 999"),
    ]:
        result = kui("plan", "goal", *args)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert snapshot(db_url) == before


def test_a_goal_with_its_sub_goals_closed_may_be_dropped(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    carpenter = goal(kui, ida, "Jeg vil være tømrer")
    exam = goal(kui, ida, "Bestå 9. klasse", "--parent", str(carpenter))
    ok(kui("plan", "goal", "achieve", str(exam)))
    ok(kui("plan", "goal", "drop", str(carpenter), "--reason", "Vil være frisør"))
    assert goals_shown(kui, ida)[carpenter]["status"] == "dropped"


def test_goals_due_are_the_open_goals_due_by_a_day(
    case: tuple[KuiRunner, int], db_url: str
) -> None:
    kui, ida = case
    bo = add_youth(kui, dt.date(2009, 9, 9), "Bo Lund")
    past = goal(kui, ida, "Forbi", "--due", "2026-11-01")
    soon = goal(kui, bo, "Snart", "--due", "2026-12-01")
    goal(kui, ida, "Senere", "--due", "2027-01-01")
    goal(kui, ida, "Uden dato")
    reached = goal(kui, ida, "Nået", "--due", "2026-11-10")
    ok(kui("plan", "goal", "achieve", str(reached)))
    engine = create_engine(db_url)
    with Session(engine) as session:
        actor = Actor("AB", "kui today", dt.date(2026, 11, 22))
        access.establish(session, access.identify(session, actor))
        until = dt.date(2026, 12, 1)
        every = goals.goals_due(session, access.youth_ids(session), until)
        of_ida = goals.goals_due(session, [ida], until)
        as_condition = goals.goals_due(session, Goal.youth_id == bo, until)
    engine.dispose()
    assert [(g["id"], g["youth_id"], g["due"]) for g in every] == [
        (past, ida, dt.date(2026, 11, 1)),
        (soon, bo, dt.date(2026, 12, 1)),
    ]
    assert [g["id"] for g in of_ida] == [past] and [g["id"] for g in as_condition] == [soon]
    assert every[0]["text"] == "Forbi"


def test_a_stranger_may_not_update_achieve_or_drop_a_goal(kui: KuiRunner, db_url: str) -> None:
    """The attack, under the shipped profile: GH works on another case and tries Ida's goal."""
    ida = shipped_office(kui)
    mine = goal(kui, ida, "Jeg vil være tømrer")  # AB, her coordinator
    for args in [
        ("plan", "goal", "update", str(mine), "--text", "Noget andet", "--reason", "x"),
        ("plan", "goal", "achieve", str(mine)),
        ("plan", "goal", "drop", str(mine), "--reason", "x"),
    ]:
        refused_and_logged(kui, db_url, args, "GH")
    [shown] = as_json(kui, "plan", "show", str(ida))["goals"]
    assert (shown["text"], shown["status"]) == ("Jeg vil være tømrer", "open")
    ok(kui("plan", "goal", "achieve", str(mine), user="CD"))  # CD holds an effort: on the case
