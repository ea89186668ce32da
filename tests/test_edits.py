"""The edits a user expects (issue 16, part 5): `staff update` of a member's details and role,
`team member remove`, `youth guardian update|remove`, `agenda withdraw` and `plan effort
update`. Each is recorded and audited like its siblings, and each comes with its attacks: a
refusal, an unchanged database and a `refused` audit entry (`attempt`).

Under the shipped Sønderborg profile LE is the leader (the one admin and see-all role), AB a UU
counsellor and CD a social worker who works on none of the youths.
"""

from __future__ import annotations

import pytest
from click.testing import Result

from tests.casework import BORN_16, add_effort, add_staff, as_json, assign, shown
from tests.conftest import KuiRunner, add_youth, leader, ok, snapshot
from tests.test_access import audit_rows
from tests.test_administration import ADMIN_ONLY, administered, attempt

NEED_TO_KNOW = {"why": "does not work on youth", "rule": "need-to-know"}
MEETING_DAY = "2026-11-25"  # team 2's next meeting (meeting 5), from TODAY 2026-11-22


@pytest.fixture
def office(kui: KuiRunner) -> KuiRunner:
    """LE bootstraps; AB (uu) and CD (social) are staff; team 2 meets on 2026-11-25."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    for initials in ("AB", "CD"):
        add_staff(lambda *a, **k: kui(*a, user="LE", **k), initials)
    ok(kui("meeting", "generate", user="LE"))
    return kui


def le(kui: KuiRunner, *args: str, **kwargs: str) -> Result:
    return kui(*args, user="LE", **kwargs)


def failed(result: Result, text: str) -> None:
    """One `Error:` line naming the problem, and a non-zero exit."""
    assert result.exit_code != 0, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert text in lines[0], lines[0]


def unchanged(kui: KuiRunner, db_url: str, *args: str, text: str, user: str = "LE") -> None:
    """Bad input: refused with one line, and the database exactly as it was."""
    before = snapshot(db_url)
    failed(kui(*args, user=user), text)
    assert snapshot(db_url) == before


def staff_row(kui: KuiRunner, initials: str) -> dict:
    rows = as_json(kui, "staff", "list", user="LE")
    return next(row for row in rows if row["initials"] == initials)


def ida_on_ab(kui: KuiRunner) -> int:
    """Ida, 16, out of activity, with AB as her accepted coordinator (and plan owner)."""
    ida = add_youth(lambda *a, **k: le(kui, *a, **k), BORN_16, "Ida Jensen", "--status", "none")
    ok(assign(kui, ida, "AB", user="LE"))
    return ida


def log_of(kui: KuiRunner, youth: int) -> list[dict]:
    return as_json(kui, "plan", "log", str(youth), user="LE")


# --- staff update ---


def test_the_leader_updates_a_members_details_and_each_change_is_audited(
    office: KuiRunner, db_url: str
) -> None:
    args = ("--name", "Anne Berg", "--department", "UU Syd", "--capacity", "25")
    result = ok(le(office, "staff", "update", "AB", *args, "--phone", "74123456",
                   "--email", "ab@sonderborg.dk"))  # fmt: skip
    assert "AB: capacity is now 25." in result.output
    row = staff_row(office, "AB")
    assert (row["name"], row["department"], row["capacity"]) == ("Anne Berg", "UU Syd", 25)
    assert (row["phone"], row["email"]) == ("74123456", "ab@sonderborg.dk")
    user, command, filters = administered(db_url)[-1]
    assert (user, command) == ("LE", "kui staff update")
    contact = {"phone": "74123456", "email": "ab@sonderborg.dk"}
    assert filters == {"staff": "AB", "name": "Anne Berg", "department": "UU Syd",
                       "capacity": 25, **contact}  # fmt: skip
    ok(le(office, "staff", "update", "AB", "--phone", ""))  # an empty phone clears it
    assert staff_row(office, "AB")["phone"] is None
    ok(le(office, "staff", "update", "AB", "--capacity", "0"))  # takes no youths: allowed
    assert staff_row(office, "AB")["capacity"] == 0


def test_the_leader_changes_a_role_and_the_new_role_decides_access(
    office: KuiRunner, db_url: str
) -> None:
    ida = ida_on_ab(office)
    failed(office("youth", "show", str(ida), user="CD"), "does not work on youth")
    ok(le(office, "staff", "update", "CD", "--role", "LEADER"))  # any case, stored as a code
    assert staff_row(office, "CD")["role"] == "leader"
    assert administered(db_url)[-1][2] == {"staff": "CD", "role": "leader"}
    assert shown(office, ida, user="CD")["id"] == ida  # a leader sees everyone


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--role", "boss"), "unknown role 'boss'"),
        (("--email", "74123456"), "--email is not an e-mail address"),
        (("--email", "ab@dk"), "--email is not an e-mail address"),
        (("--capacity", "-1"), "--capacity is a caseload: 0 to 1000"),
        (("--name", " "), "--name cannot be empty"),
        (("--department", "UU 150310-4321"), "--department contains what looks like a CPR"),
        (("--role", "uu"), "nothing to change: AB has these details already"),
        ((), "nothing to change: give either --login NAME or --no-login, or a detail"),
        (("--login", "ab", "--no-login"), "not both"),
    ],
)
def test_bad_or_empty_staff_updates_change_nothing(
    office: KuiRunner, db_url: str, args: tuple[str, ...], text: str
) -> None:
    unchanged(office, db_url, "staff", "update", "AB", *args, text=text)


def test_the_last_administrator_keeps_the_admin_role(office: KuiRunner, db_url: str) -> None:
    unchanged(office, db_url, "staff", "update", "LE", "--role", "uu",
              text="no active staff member would hold an admin role")  # fmt: skip
    ok(le(office, "staff", "update", "CD", "--role", "leader"))
    ok(le(office, "staff", "update", "LE", "--role", "uu"))  # CD is left to administer
    assert staff_row(office, "LE")["role"] == "uu"


@pytest.mark.parametrize(
    "args",
    [
        ("staff", "update", "AB", "--role", "leader"),  # makes a colleague an administrator
        ("staff", "update", "CD", "--role", "leader"),  # makes themselves one
        ("staff", "update", "AB", "--phone", "11111111"),  # someone else's phone
        ("staff", "update", "CD", "--phone", "22222222"),  # their own: an administrator's too
    ],
)
def test_a_social_worker_cannot_update_staff(
    office: KuiRunner, db_url: str, args: tuple[str, ...]
) -> None:
    """Staff data is administration: on PostgreSQL only the admin roles' logins write `staff`
    (migration 0006), so kui gives no member a way around it, not even for their own phone."""
    attempt(office, db_url, "CD", *args, **ADMIN_ONLY)


# --- team member remove ---


def roles_of(kui: KuiRunner, team: str) -> dict[str, list[str]]:
    record = as_json(kui, "team", "show", team, user="LE")
    return {role["role"]: role["covered_by"] for role in record["roles"]}


def test_the_leader_removes_a_member_who_then_no_longer_sees_the_teams_youths(
    office: KuiRunner, db_url: str
) -> None:
    ok(le(office, "team", "member", "add", "team-2", "CD"))
    ida = add_youth(lambda *a, **k: le(office, *a, **k), BORN_16, "Ida Jensen", "--status", "none")
    ok(le(office, "agenda", "add", str(ida), "--team", "team-2", "--reason", "Ingen aktivitet"))
    assert shown(office, ida, user="CD")["id"] == ida  # by the team
    assert roles_of(office, "team-2")["social"] == ["CD"]
    result = ok(le(office, "team", "member", "remove", "team-2", "CD"))
    assert "team-2's fixed role social (Ungerådgiver) has no fixed member now" in result.stderr
    assert roles_of(office, "team-2")["social"] == []
    assert administered(db_url)[-1][1:] == (
        "kui team member remove",
        {"team": "team-2", "member": "CD", "removed": True},
    )
    failed(office("youth", "show", str(ida), user="CD"), "does not work on youth")


def test_removing_an_ad_hoc_member_or_one_of_two_leaves_no_warning(office: KuiRunner) -> None:
    add_staff(lambda *a, **k: le(office, *a, **k), "EF", "social")
    for member in ("CD", "EF"):
        ok(le(office, "team", "member", "add", "team-2", member))
    ok(le(office, "team", "member", "add", "team-2", "AB", "--ad-hoc"))
    assert "Warning" not in ok(le(office, "team", "member", "remove", "team-2", "CD")).stderr
    assert roles_of(office, "team-2")["social"] == ["EF"]
    assert "Warning" not in ok(le(office, "team", "member", "remove", "team-2", "AB")).stderr


def test_removing_someone_who_is_no_member_changes_nothing(office: KuiRunner, db_url: str) -> None:
    unchanged(office, db_url, "team", "member", "remove", "team-2", "CD",
              text="CD is not a member of team-2")  # fmt: skip
    unchanged(office, db_url, "team", "member", "remove", "team-9", "CD", text="team-9")


def test_a_social_worker_cannot_remove_a_team_member(office: KuiRunner, db_url: str) -> None:
    ok(le(office, "team", "member", "add", "team-2", "AB"))
    attempt(office, db_url, "CD", "team", "member", "remove", "team-2", "AB", **ADMIN_ONLY)
    attempt(office, db_url, "AB", "team", "member", "remove", "team-2", "AB", **ADMIN_ONLY)


# --- youth guardian update | remove ---


def guardian_of(kui: KuiRunner, youth: int) -> int:
    result = ok(le(kui, "youth", "guardian", "add", str(youth), "--name", "Mette Jensen",
                   "--phone", "12345678"))  # fmt: skip
    assert "(id 1)" in result.output
    return shown(kui, youth, user="LE")["guardians"][0]["id"]


def test_a_guardian_is_corrected_with_old_and_new_in_the_history_and_the_owners_inbox(
    office: KuiRunner, db_url: str
) -> None:
    ida = ida_on_ab(office)
    guardian = guardian_of(office, ida)
    args = ("--phone", "87654321", "--email", "mette@example.dk", "--name", "Mette Holm")
    result = ok(le(office, "youth", "guardian", "update", str(guardian), *args))
    assert "changed name, phone, email" in result.output
    entry = audit_rows(db_url)[-1]
    assert (entry.user, entry.command) == ("LE", "kui youth guardian update")
    assert entry.action == "update"
    assert entry.subject_key is not None
    assert shown(office, ida, user="LE")["guardians"] == [
        {"id": guardian, "name": "Mette Holm", "phone": "87654321", "email": "mette@example.dk"}
    ]
    rows = [r for r in log_of(office, ida) if r["what"].startswith(f"custody holder {guardian}:")]
    assert [(r["what"], r["old"], r["new"], r["by"]) for r in rows] == [
        (f"custody holder {guardian}: name changed", "Mette Jensen", "Mette Holm", "LE"),
        (f"custody holder {guardian}: phone changed", "12345678", "87654321", "LE"),
        (f"custody holder {guardian}: email changed", None, "mette@example.dk", "LE"),
    ]
    inbox = as_json(office, "plan", "inbox", user="AB")  # AB owns the plan
    # The guardian's addition and its three changes wait for AB.
    assert sum(row["what"].startswith("custody holder") for row in inbox) == 4


def test_a_guardian_is_removed_with_the_reason_kept(office: KuiRunner, db_url: str) -> None:
    ida = ida_on_ab(office)
    guardian = guardian_of(office, ida)
    why = "Forældremyndigheden er overgået til faderen"
    ok(le(office, "youth", "guardian", "remove", str(guardian), "--reason", why))
    assert audit_rows(db_url)[-1].command == "kui youth guardian remove"
    assert shown(office, ida, user="LE")["guardians"] == []
    last = log_of(office, ida)[-1]
    assert (last["kind"], last["what"], last["old"], last["why"]) == (
        "guardian", "custody holder Mette Jensen removed", "Mette Jensen", why,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("update", "1", "--phone", "12345678"), "nothing to change: custody holder 1"),
        (("update", "1"), "nothing to change"),
        (("update", "1", "--email", "mette"), "--email is not an e-mail address"),
        (("update", "1", "--name", ""), "--name cannot be empty"),
        (("update", "1", "--name", "Mette 150310-4321"), "looks like a CPR number"),
        (("update", "9", "--phone", "1"), "no custody holder with id 9"),
        (("remove", "1", "--reason", " "), "--reason is required"),
        (("remove", "9", "--reason", "x"), "no custody holder with id 9"),
    ],
)
def test_bad_guardian_edits_change_nothing(
    office: KuiRunner, db_url: str, args: tuple[str, ...], text: str
) -> None:
    guardian_of(office, ida_on_ab(office))
    unchanged(office, db_url, "youth", "guardian", *args, text=text)


@pytest.mark.parametrize(
    "args", [("update", "1", "--phone", "99999999"), ("remove", "1", "--reason", "x")]
)
def test_a_staff_member_who_does_not_work_on_the_youth_cannot_edit_a_guardian(
    office: KuiRunner, db_url: str, args: tuple[str, ...]
) -> None:
    guardian_of(office, ida_on_ab(office))
    attempt(office, db_url, "CD", "youth", "guardian", *args, **NEED_TO_KNOW)
    ok(office("youth", "guardian", "update", "1", "--phone", "99999999", user="AB"))


# --- agenda withdraw ---


def referred(kui: KuiRunner) -> tuple[int, int]:
    """Ida referred to team 2's meeting of 2026-11-25 by AB, her coordinator: (youth, item)."""
    ida = ida_on_ab(kui)
    ok(kui("agenda", "add", str(ida), "--team", "team-2", "--reason", "Ingen aktivitet", user="AB"))
    items = as_json(kui, "agenda", "show", "--team", "team-2", "--next", user="LE")["items"]
    return ida, next(item["id"] for item in items if item["youth_id"] == ida)


def test_a_referral_withdrawn_before_the_meeting_leaves_the_agenda_and_stays_in_the_history(
    office: KuiRunner, db_url: str
) -> None:
    ida, item = referred(office)
    why = "Er startet på EUD"
    ok(office("agenda", "withdraw", str(item), "--reason", why, user="AB"))
    assert audit_rows(db_url)[-1].command == "kui agenda withdraw"
    items = as_json(office, "agenda", "show", "--team", "team-2", "--next", user="LE")["items"]
    assert all(row["youth_id"] != ida for row in items)
    kinds = [(r["kind"], r["what"], r["why"]) for r in log_of(office, ida)][-2:]
    assert kinds == [
        ("referral", "referred to Team 2 (meeting 5 on 2026-11-25 09:00)", "Ingen aktivitet"),
        ("referral", f"referral to Team 2 withdrawn (item {item}, meeting 5 on 2026-11-25)", why),
    ]
    # No decision was taken: the month's figures count none, and the youth has no team.
    overview = as_json(office, "report", "overview", "--month", "2026-11", user="LE",
                       today="2026-11-30")  # fmt: skip
    team_2 = next(row for row in overview["referrals"] if row["team"] == "team-2")
    assert (team_2["handled"], team_2["open"]) == (0, 0)
    assert shown(office, ida, user="LE")["team"] is None
    # Withdrawn, the youth may be referred again.
    ok(office("agenda", "add", str(ida), "--team", "team-2", "--reason", "Igen", user="AB"))


def test_a_decided_referral_or_one_whose_meeting_has_come_is_not_withdrawn(
    office: KuiRunner, db_url: str
) -> None:
    _, item = referred(office)
    args = ("agenda", "withdraw", str(item), "--reason", "x")
    before = snapshot(db_url)
    failed(office(*args, user="AB", today=MEETING_DAY), "which has come: the team decides it")
    assert snapshot(db_url) == before
    ok(office("agenda", "decide", str(item), "--outcome", "Mentor", user="LE", today=MEETING_DAY))
    unchanged(office, db_url, *args, text=f"item {item} was decided on {MEETING_DAY}")
    unchanged(office, db_url, "agenda", "withdraw", "99", "--reason", "x", text="no agenda item 99")


def test_a_referral_needs_a_reason_to_be_withdrawn(office: KuiRunner, db_url: str) -> None:
    _, item = referred(office)
    unchanged(office, db_url, "agenda", "withdraw", str(item), "--reason", "",
              text="--reason is required")  # fmt: skip


def test_a_staff_member_who_does_not_work_on_the_youth_cannot_withdraw_a_referral(
    office: KuiRunner, db_url: str
) -> None:
    _, item = referred(office)
    attempt(office, db_url, "CD", "agenda", "withdraw", str(item), "--reason", "x", **NEED_TO_KNOW)


# --- plan effort update ---


def test_an_effort_is_updated_with_old_and_new_and_the_reason(
    office: KuiRunner, db_url: str
) -> None:
    ida = ida_on_ab(office)
    effort = add_effort(office, ida, "AB", user="AB", title="Mentor")
    add_staff(lambda *a, **k: le(office, *a, **k), "EF", "jobcenter")
    why = "EF overtager forløbet"
    args = ("--title", "Mentorforløb", "--responsible", "ef", "--end", "2027-06-30",
            "--legislation", "LAB", "--department", "Jobcentret")  # fmt: skip
    result = ok(office("plan", "effort", "update", str(effort), *args, "--reason", why, user="AB"))
    assert "changed title, department, legislation, responsible, planned end" in result.output
    entry = audit_rows(db_url)[-1]
    assert (entry.command, entry.action, entry.user) == ("kui plan effort update", "update", "AB")
    (shown_effort,) = as_json(office, "plan", "show", str(ida), user="LE")["efforts"]
    assert (shown_effort["title"], shown_effort["responsible"], shown_effort["end_on"]) == (
        "Mentorforløb", "EF", "2027-06-30",
    )  # fmt: skip
    assert (shown_effort["legislation"], shown_effort["department"]) == ("lab", "Jobcentret")
    rows = [(r["old"], r["new"], r["why"]) for r in log_of(office, ida) if r["kind"] == "effort"]
    assert rows[1:] == [
        ("Mentor", "Mentorforløb", why),
        ("Familieafdelingen", "Jobcentret", why),
        ("serviceloven", "lab", why),
        ("AB", "EF", why),
        (None, "2027-06-30", why),
    ]
    assert shown(office, ida, user="EF")["id"] == ida  # the new responsible is on the case


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("--responsible", "GH"), "staff member GH is not active"),
        (("--responsible", "ZZ"), "unknown staff member 'ZZ'"),
        (("--end", "2026-11-22"), "must be after the start 2026-11-22 and after today"),
        (("--legislation", "lov"), "unknown legislation 'lov'"),
        (("--title", "Støtte"), "nothing to change: effort 1"),
        ((), "nothing to change"),
        (("--title", " "), "--title cannot be empty"),
    ],
)
def test_bad_effort_updates_change_nothing(
    office: KuiRunner, db_url: str, args: tuple[str, ...], text: str
) -> None:
    add_staff(lambda *a, **k: le(office, *a, **k), "GH", "uu")
    ok(le(office, "staff", "deactivate", "GH"))
    add_effort(office, ida_on_ab(office), "AB", user="AB")
    unchanged(office, db_url, "plan", "effort", "update", "1", *args, "--reason", "x", text=text)


def test_an_ended_effort_is_not_updated(office: KuiRunner, db_url: str) -> None:
    effort = add_effort(office, ida_on_ab(office), "AB", user="AB")
    ok(office("plan", "effort", "end", str(effort), "--reason", "Slut", user="AB"))
    unchanged(office, db_url, "plan", "effort", "update", str(effort), "--title", "Ny",
              "--reason", "x", text="ended on 2026-11-22: it cannot be changed")  # fmt: skip
    unchanged(office, db_url, "plan", "effort", "update", "9", "--title", "Ny", "--reason", "x",
              text="no effort with id 9")  # fmt: skip


def test_a_staff_member_who_does_not_work_on_the_youth_cannot_update_an_effort(
    office: KuiRunner, db_url: str
) -> None:
    effort = add_effort(office, ida_on_ab(office), "AB", user="AB")
    args = ("plan", "effort", "update", str(effort), "--responsible", "CD", "--reason", "Mig")
    attempt(office, db_url, "CD", *args, **NEED_TO_KNOW)
