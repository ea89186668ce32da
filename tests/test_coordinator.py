"""`kui coordinator`: consent, one active per youth, capacity, inactive staff, the 18th birthday."""

from __future__ import annotations

import datetime as dt

import pytest

from kui_cli.domain.plan import coordinators
from kui_cli.errors import KuiError
from tests.casework import BIRTHDAY_18, BORN_16, add_staff, as_json, assign, shown
from tests.conftest import KuiRunner, add_youth, ok, snapshot

ADULT = dt.date(2004, 6, 1)

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)


@pytest.fixture
def team(ready: KuiRunner) -> KuiRunner:
    for initials in ("AB", "GH", "EF"):
        add_staff(ready, initials)
    return ready


def history(kui: KuiRunner, youth_id: int, today: str = "2030-01-01") -> list[dict]:
    """The history as seen later, when every recorded date has passed."""
    return as_json(kui, "coordinator", "history", str(youth_id), today=today)


def test_accepted_makes_the_coordinator_and_records_who_consented(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    result = ok(assign(team, ida, "ab", "accepted", "--consent-by", "guardian"))
    assert "AB is now the coordinator" in result.stderr
    assert shown(team, ida)["coordinator"] == "AB"
    [row] = history(team, ida)
    assert (row["state"], row["consent_by"], row["start_on"]) == (
        "active",
        "guardian",
        "2026-11-22",
    )


def test_a_minors_consent_defaults_to_youth_and_custody_holders(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    assert history(team, ida)[0]["consent_by"] == "both"


def test_an_adult_decides_alone(team: KuiRunner, db_url: str) -> None:
    carl = add_youth(team, ADULT)
    before = snapshot(db_url)
    result = assign(team, carl, "EF", "accepted", "--consent-by", "guardian")
    assert result.exit_code == 1 and "decides alone" in result.stderr
    assert snapshot(db_url) == before
    ok(assign(team, carl, "EF"))
    assert history(team, carl)[0]["consent_by"] == "youth"


def test_pending_counts_but_is_not_coordinator_until_accepted(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB", "pending"))
    record = shown(team, ida)
    assert record["coordinator"] is None and record["plan_owner"] is None
    assert [s["caseload"] for s in as_json(team, "staff", "list") if s["initials"] == "AB"] == [1]
    assert history(team, ida)[0]["state"] == "pending"
    ok(assign(team, ida, "AB", "accepted", today="2026-12-01"))
    [row] = history(team, ida)
    assert (row["state"], row["proposed_on"], row["start_on"]) == (
        "active",
        "2026-11-22",
        "2026-12-01",
    )
    assert shown(team, ida, today="2026-12-01")["plan_owner"] == "AB"


def test_pending_consent_by_is_refused(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    result = assign(team, ida, "AB", "pending", "--consent-by", "youth")
    assert result.exit_code == 1 and "decision" in result.stderr


def test_declined_leaves_no_coordinator_and_ends_the_current_one(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    ok(assign(team, ida, "GH", "declined", "--note", "Ida ønsker ikke en koordinator"))
    assert shown(team, ida)["coordinator"] is None
    rows = history(team, ida)
    assert [(r["staff"], r["state"]) for r in rows] == [("AB", "ended"), ("GH", "declined")]
    assert rows[0]["end_reason"] == "declined"
    log = as_json(team, "plan", "log", str(ida))
    assert log[-1]["why"] == "Ida ønsker ikke en koordinator" and log[-1]["old"] == "AB"


def test_declining_a_proposal_turns_it_into_the_decision(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB", "pending"))
    ok(assign(team, ida, "AB", "declined", "--consent-by", "youth"))
    [row] = history(team, ida)
    assert (row["consent"], row["consent_by"], row["end_on"]) == ("declined", "youth", "2026-11-22")


def test_assigning_another_ends_the_old_one_in_the_same_step(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    result = ok(assign(team, ida, "GH", today="2027-01-10"))
    assert "ended: AB" in result.stderr
    rows = history(team, ida)
    assert [(r["staff"], r["end_on"], r["end_reason"]) for r in rows] == [
        ("AB", "2027-01-10", "replaced by GH"),
        ("GH", None, None),
    ]
    assert shown(team, ida, today="2027-01-10")["coordinator"] == "GH"
    assert shown(team, ida, today="2027-01-09")["coordinator"] == "AB"


def test_a_pending_proposal_keeps_the_current_coordinator_until_accepted(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    ok(assign(team, ida, "GH", "pending"))
    assert shown(team, ida)["coordinator"] == "AB"
    ok(assign(team, ida, "GH"))
    assert shown(team, ida)["coordinator"] == "GH"
    assert [r["state"] for r in history(team, ida)] == ["ended", "active"]


def test_a_new_proposal_replaces_the_old_proposal(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB", "pending"))
    ok(assign(team, ida, "GH", "pending"))
    assert [(r["staff"], r["state"]) for r in history(team, ida)] == [
        ("AB", "ended"),
        ("GH", "pending"),
    ]


def test_the_same_person_twice_is_refused(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    before = snapshot(db_url)
    for consent in ("accepted", "pending"):
        result = assign(team, ida, "AB", consent)
        assert result.exit_code == 1 and "already the coordinator" in result.stderr
    assert snapshot(db_url) == before


def test_over_capacity_is_a_warning_not_a_refusal(ready: KuiRunner) -> None:
    add_staff(ready, "AB", "uu", "--capacity", "1")
    first, second = add_youth(ready, BORN_16), add_youth(ready, dt.date(2010, 4, 1), "Bo")
    assert "Warning" not in ok(assign(ready, first, "AB")).stderr
    result = ok(assign(ready, second, "AB", "pending"))
    assert "Warning: AB is over capacity: 2 youths" in result.stderr
    [member] = as_json(ready, "staff", "list")
    assert (member["caseload"], member["capacity"], member["over_capacity"]) == (2, 1, True)


def test_an_inactive_staff_member_is_refused(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    ok(team("staff", "deactivate", "GH"))
    before = snapshot(db_url)
    for consent in ("accepted", "pending", "declined"):
        result = assign(team, ida, "GH", consent)
        assert result.exit_code == 1
        assert result.stderr.strip() == "Error: staff member GH is not active"
    assert snapshot(db_url) == before


def test_bad_input_changes_nothing(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    before = snapshot(db_url)
    for args, message in [
        ((str(ida), "AB", "--consent", "maybe"), "unknown --consent"),
        ((str(ida), "ZZ", "--consent", "accepted"), "unknown staff member"),
        (("999", "AB", "--consent", "accepted"), "no youth with id 999"),
        ((str(ida), "AB", "--consent", "accepted", "--consent-by", "dad"), "--consent-by"),
    ]:
        result = team("coordinator", "assign", *args)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
        assert result.stderr.count("Error:") == 1
    assert snapshot(db_url) == before


def test_end_and_withdraw(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    before = snapshot(db_url)
    result = team("coordinator", "end", str(ida), "--reason", "x")
    assert result.exit_code == 1 and "no coordinator" in result.stderr
    assert snapshot(db_url) == before
    ok(assign(team, ida, "AB"))
    assert team("coordinator", "end", str(ida), "--reason", " ").exit_code == 1
    ok(team("coordinator", "end", str(ida), "--reason", "Ida går på EUD nu", today="2027-02-01"))
    assert shown(team, ida, today="2027-02-01")["coordinator"] is None
    assert history(team, ida)[0]["end_reason"] == "Ida går på EUD nu"
    ok(assign(team, ida, "GH", "pending", today="2027-02-01"))
    ok(team("coordinator", "end", str(ida), "--reason", "Forslaget trækkes", today="2027-02-02"))
    assert history(team, ida)[-1]["state"] == "ended"
    assert "withdrawn" in as_json(team, "plan", "log", str(ida))[-1]["what"]


def test_a_change_cannot_be_dated_before_the_last_decision(team: KuiRunner, db_url: str) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB", today="2026-12-05"))
    before = snapshot(db_url)
    for result in (
        assign(team, ida, "GH", today="2026-12-03"),
        team("coordinator", "end", str(ida), "--reason", "x", today="2026-12-04"),
    ):
        assert result.exit_code == 1 and "dated 2026-12-05" in result.stderr
    assert snapshot(db_url) == before
    ok(team("coordinator", "end", str(ida), "--reason", "samme dag", today="2026-12-05"))


def test_the_coordinator_follows_the_youth_across_18(team: KuiRunner) -> None:
    ida = add_youth(team, BORN_16)
    ok(assign(team, ida, "AB"))
    for day in ("2028-03-14", BIRTHDAY_18, "2030-01-01"):
        assert shown(team, ida, today=day)["coordinator"] == "AB"
    assert history(team, ida)[0]["end_on"] is None


def test_an_active_or_pending_coordinator_makes_a_kui_youth(team: KuiRunner) -> None:
    in_school = ("--status", "gymnasium")  # not out of activity: no education-obligation episode
    ida = add_youth(team, BORN_16, "Ida", *in_school)
    bo = add_youth(team, dt.date(2010, 4, 1), "Bo", *in_school)
    add_youth(team, dt.date(2010, 5, 1), "Alma", *in_school)
    declined = add_youth(team, dt.date(2010, 6, 1), "Dina", *in_school)
    ok(assign(team, ida, "AB"))
    ok(assign(team, bo, "GH", "pending"))
    ok(assign(team, declined, "GH", "declined"))
    kui_ids = [r["id"] for r in as_json(team, "youth", "list", "--kui")]
    assert kui_ids == [ida, bo]


def test_consent_by_rule() -> None:
    assert coordinators.consent_by_for("accepted", None, minor=True) == "both"
    assert coordinators.consent_by_for("declined", None, minor=False) == "youth"
    assert coordinators.consent_by_for("accepted", "Guardian", minor=True) == "guardian"
    assert coordinators.consent_by_for("pending", None, minor=True) is None
    with pytest.raises(KuiError):
        coordinators.consent_by_for("accepted", "both", minor=False)
