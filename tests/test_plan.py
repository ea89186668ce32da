"""`kui plan`: goals, efforts, show, log, the owner's inbox and acknowledgements."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from kui_cli import db
from kui_cli.domain.plan import changes
from kui_cli.models import ChangeLog
from tests.casework import BORN_16, add_effort, add_staff, as_json, assign, shown
from tests.conftest import KuiRunner, add_youth, ok, snapshot

ADULT = dt.date(2004, 6, 1)

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)


@pytest.fixture
def team(ready: KuiRunner) -> KuiRunner:
    for initials in ("AB", "CD", "EF", "GH", "MM"):
        add_staff(ready, initials)
    return ready


def goal(kui: KuiRunner, youth_id: int, text: str, *extra: str, **kwargs: object) -> int:
    result = kui(
        "plan", "goal", "add", str(youth_id), text, "--reason", "samtale", *extra, **kwargs
    )
    return int(ok(result).stdout.strip())


def inbox(kui: KuiRunner, user: str = "AB", *extra: str, **kwargs: object) -> list[dict]:
    return as_json(kui, "plan", "inbox", *extra, user=user, **kwargs)


# goals and efforts


def test_goals_and_sub_goals_in_order(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    carpenter = goal(team, ida, "Jeg vil være tømrer", "--due", "2027-08-01")
    school = goal(team, ida, "Gå i skole hver dag")
    exam = goal(team, ida, "Bestå 9. klasse", "--parent", str(carpenter))
    plan = as_json(team, "plan", "show", str(ida))
    assert [(g["id"], g["level"], g["parent"]) for g in plan["goals"]] == [
        (carpenter, 0, None),
        (exam, 1, carpenter),
        (school, 0, None),
    ]
    assert plan["goals"][0]["due"] == "2027-08-01"
    log = as_json(team, "plan", "log", str(ida))
    assert log[-1]["what"] == f"sub-goal {exam} of goal {carpenter} added: Bestå 9. klasse"
    assert log[-1]["why"] == "samtale" and log[-1]["by"] == "AB"


def test_goal_refusals_change_nothing(team: KuiRunner, db_url: str) -> None:
    ida, bo = add_youth(team, BORN_16), add_youth(team, ADULT, "Bo")
    other = goal(team, bo, "Bos mål")
    before = snapshot(db_url)
    for args, message in [
        ((str(ida), "x", "--reason", " "), "--reason is required"),
        ((str(ida), " ", "--reason", "r"), "text is required"),
        ((str(ida), "x", "--reason", "r", "--parent", str(other)), f"has no goal {other}"),
        ((str(ida), "x", "--reason", "r", "--due", "1/8"), "--due must be a date"),
    ]:
        result = team("plan", "goal", "add", *args)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert snapshot(db_url) == before


def test_effort_add_and_end(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    effort = add_effort(team, ida, "CD", "--end", "2027-06-30")
    [row] = as_json(team, "plan", "show", str(ida))["efforts"]
    assert (row["responsible"], row["legislation"], row["state"]) == (
        "CD",
        "serviceloven",
        "active",
    )
    assert (row["start_on"], row["end_on"]) == ("2026-11-22", "2027-06-30")
    ok(team("plan", "effort", "end", str(effort), "--reason", "Målet er nået", today="2027-01-15"))
    [row] = as_json(team, "plan", "show", str(ida), today="2027-01-15")["efforts"]
    assert (row["state"], row["end_on"], row["end_reason"]) == (
        "ended",
        "2027-01-15",
        "Målet er nået",
    )
    log = as_json(team, "plan", "log", str(ida))[-1]
    assert (log["old"], log["new"], log["why"]) == ("2027-06-30", "2027-01-15", "Målet er nået")
    again = team("plan", "effort", "end", str(effort), "--reason", "x", today="2027-01-16")
    assert again.exit_code == 1 and "ended on 2027-01-15" in again.stderr


def test_effort_refusals_change_nothing(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    ok(team("staff", "deactivate", "GH"))
    future = add_effort(team, ida, "CD", "--start", "2027-01-01")
    before = snapshot(db_url)
    base = ["--title", "T", "--department", "D", "--legislation", "kui", "--responsible", "CD"]
    for extra, message in [
        (["--reason", ""], "--reason is required"),
        (["--reason", "r", "--legislation", "lov"], "unknown legislation"),
        (["--reason", "r", "--responsible", "GH"], "GH is not active"),
        (["--reason", "r", "--responsible", "QQ"], "unknown staff member"),
        (["--reason", "r", "--end", "2026-11-22"], "must be after the start"),
        (["--reason", "r", "--title", " "], "--title and --department are required"),
    ]:
        result = team("plan", "effort", "add", str(ida), *base, *extra)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    for args, message in [
        (("999", "--reason", "r"), "no effort with id 999"),
        ((str(future), "--reason", "r"), "starts on 2027-01-01"),
        ((str(future), "--reason", ""), "--reason is required"),
    ]:
        result = team("plan", "effort", "end", *args)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert snapshot(db_url) == before


# the plan owner


def test_owner_is_the_fitting_coordinator_else_a_fitting_effort_responsible(
    team: KuiRunner,
) -> None:
    ida = add_youth(team, BORN_16)
    plan = as_json(team, "plan", "show", str(ida))
    assert plan["plan_owner"] is None
    assert plan["plan_owner_note"].startswith("no plan owner: under 18")
    ok(assign(team, ida, "CD"))  # a social worker as coordinator does not own the plan
    assert shown(team, ida)["plan_owner"] is None
    add_effort(team, ida, "EF", legislation="lab")  # wrong role under 18
    assert shown(team, ida)["plan_owner"] is None
    add_effort(team, ida, "GH", legislation="kui")
    assert (shown(team, ida)["coordinator"], shown(team, ida)["plan_owner"]) == ("CD", "GH")
    ok(assign(team, ida, "AB"))  # a UU coordinator takes precedence
    assert shown(team, ida)["plan_owner"] == "AB"


def test_an_inactive_staff_member_owns_no_plan(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    result = ok(team("staff", "deactivate", "AB"))
    assert "still coordinator (active or proposed) for 1 youths" in result.stderr
    record = shown(team, ida, user="CD")  # AB is inactive: CD acts
    assert (record["coordinator"], record["plan_owner"]) == ("AB", None)
    no_owner = as_json(team, "youth", "list", "--no-plan-owner", user="CD")
    assert [y["id"] for y in no_owner] == [ida]
    ok(team("staff", "activate", "AB", user="CD"))
    assert shown(team, ida)["plan_owner"] == "AB"
    assert team("staff", "activate", "AB").exit_code == 1


def test_an_adult_without_a_jobcentre_adviser_has_no_owner(team: KuiRunner) -> None:
    carl = add_youth(team, ADULT, "Carl")
    ok(assign(team, carl, "AB"))
    plan = as_json(team, "plan", "show", str(carl))
    assert plan["coordinator"] == "AB" and plan["plan_owner"] is None
    assert "from 18" in plan["plan_owner_note"]


def test_plan_show_lists_the_team_around_the_youth(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    add_effort(team, ida, "CD", "--start", "2026-10-01", title="Støtte-kontaktperson")
    add_effort(team, ida, "MM", title="Mentor", legislation="lab")
    ok(assign(team, ida, "GH", "pending"))
    people = as_json(team, "plan", "show", str(ida))["professionals"]
    assert [(p["initials"], p["task"], p["plan_owner"]) for p in people] == [
        ("AB", "coordinator", True),
        ("GH", "proposed coordinator (awaiting consent)", False),
        ("CD", "Støtte-kontaktperson", False),
        ("MM", "Mentor", False),
    ]
    cd = people[2]
    assert (cd["role"], cd["department"], cd["since"]) == (
        "social",
        "Afdeling social",
        "2026-10-01",
    )
    assert shown(team, ida)["professionals"] == people


# the inbox and acknowledgements


def test_inbox_holds_only_changes_by_others_since_the_owner_became_responsible(
    team: KuiRunner,
) -> None:
    ida = add_youth(team, BORN_16, "Ida Jensen", "--status", "vocational")
    ok(team("youth", "update", str(ida), "--need", "C", "--reason", "før AB", user="CD"))
    ok(assign(team, ida, "AB", today="2026-11-23"))
    goal(team, ida, "AB's own change", today="2026-11-23")
    ok(
        team(
            "youth",
            "update",
            str(ida),
            "--status",
            "fgu",
            "--reason",
            "EUD stoppet",
            user="CD",
            today="2026-11-24",
        )
    )
    rows = inbox(team, today="2026-11-24")
    assert [(r["by"], r["why"]) for r in rows] == [("CD", "EUD stoppet")]
    assert inbox(team, "CD", "--owner", "AB", today="2026-11-24") == rows
    assert inbox(team, "CD", today="2026-11-24") == []  # CD owns no plan


def test_inbox_is_grouped_by_youth_oldest_first(team: KuiRunner) -> None:
    ida, bo = add_youth(team, BORN_16, "Ida"), add_youth(team, dt.date(2010, 4, 1), "Bo")
    ok(assign(team, ida, "AB"))
    ok(assign(team, bo, "AB"))
    first_bo = goal(team, bo, "Bo 1", user="CD")
    goal(team, ida, "Ida 1", user="CD")
    goal(team, bo, "Bo 2", user="EF")
    goal(team, ida, "Ida 2", user="EF")
    rows = inbox(team)
    assert [r["youth_id"] for r in rows] == [bo, bo, ida, ida]
    assert [r["what"].split(": ")[1] for r in rows] == ["Bo 1", "Bo 2", "Ida 1", "Ida 2"]
    assert rows[0]["id"] > 0 and first_bo
    table = ok(team("plan", "inbox", user="AB")).stdout
    assert (
        table.index("Bo") < table.index("Ida")
        and "Open changes for AB: 4" in ok(team("plan", "inbox", user="AB")).stderr
    )


def test_ack_by_id_and_all(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    for text in ("a", "b", "c"):
        goal(team, ida, text, user="CD")
    first, second, third = (r["id"] for r in inbox(team))
    ok(team("plan", "ack", str(second), user="AB"))
    assert [r["id"] for r in inbox(team)] == [first, third]
    before = snapshot(db_url)
    for args, user, message in [
        ((str(second),), "AB", "acknowledged already by AB"),
        (("9999",), "AB", "no change with id 9999"),
        ((str(first),), "CD", "not in your inbox"),
        ((str(first), "--all"), "AB", "not both"),
        ((), "AB", "give the CHANGE ids"),
    ]:
        result = team("plan", "ack", *args, user=user)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert snapshot(db_url) == before
    # A refusal by the access rule changes nothing either, but is itself logged.
    result = team("plan", "ack", "--all", user="ZZ")
    assert result.exit_code == 1 and "not a staff member" in result.stderr, result.stderr
    ok(team("plan", "ack", "--all", user="ab"))
    assert inbox(team) == []
    log = {r["id"]: r for r in as_json(team, "plan", "log", str(ida))}
    assert log[first]["acknowledged_by"] == "AB" and log[first]["acknowledged_at"]
    assert "Acknowledged: 0" in ok(team("plan", "ack", "--all", user="AB")).stderr


def test_the_time_to_acknowledge_is_kept(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    goal(team, ida, "x", user="CD")
    with db.session_scope(db_url) as session:
        last = session.execute(select(ChangeLog).order_by(ChangeLog.id.desc())).scalars().first()
        assert last is not None and changes.acknowledgement_delay(last) is None
    ok(team("plan", "ack", "--all"))
    with db.session_scope(db_url) as session:
        row = session.execute(select(ChangeLog).where(ChangeLog.by == "CD")).scalar_one()
        delay = changes.acknowledgement_delay(row)
    assert delay is not None and dt.timedelta(0) <= delay < dt.timedelta(minutes=5)


def test_plan_show_lists_the_owners_open_changes(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    add_effort(team, ida, "CD")
    plan = as_json(team, "plan", "show", str(ida))
    assert [c["by"] for c in plan["open_changes"]] == ["CD"]
    ok(team("plan", "ack", "--all"))
    assert as_json(team, "plan", "show", str(ida))["open_changes"] == []


def test_new_owner_at_18_does_not_inherit_the_backlog(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    add_effort(team, ida, "EF", legislation="lab")
    assert len(inbox(team)) == 1
    assert inbox(team, "EF", today="2028-03-15") == []
    goal(team, ida, "Job som tømrerlærling", user="AB", today="2028-03-16")
    assert [r["by"] for r in inbox(team, "EF", today="2028-03-16")] == ["AB"]
    assert inbox(team, "AB", today="2028-03-16") == []  # AB is coordinator, no longer owner


def test_inbox_and_ack_are_audited(team: KuiRunner, db_url: str) -> None:
    from sqlalchemy import create_engine, text

    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    goal(team, ida, "x", user="CD")
    inbox(team)
    ok(team("plan", "ack", "--all"))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT action, command, rows FROM audit_log ORDER BY id")).all()
    engine.dispose()
    assert ("list", "kui plan inbox", 1) in [tuple(r) for r in rows]
    assert rows[-1][:2] == ("acknowledge", "kui plan ack")
