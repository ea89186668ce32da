"""Administration is for the roles in privacy.admin_roles, and every administrative change is
audited (issue 15, holes 2 and 7): the profile, staff and their status, team membership, meeting
series and meetings.

Under the shipped Sønderborg profile LE is a leader (the one admin role), CD a social worker.
Each attack is refused with one `Error:` line, changes nothing but the audit log, and is logged
as `refused`; the leader's own administration writes an `administer` entry saying what changed.
On PostgreSQL the database refuses the same to a staff login's plain SQL (migration 0006:
tests/test_row_security.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kui_cli.domain import profile
from kui_cli.domain.codes import ROLES
from kui_cli.errors import KuiError
from tests.casework import BORN_16, add_staff
from tests.conftest import KuiRunner, add_youth, leader, ok, snapshot
from tests.test_access import audit_rows, refused

EVERYONE = "[" + ", ".join(f'"{role}"' for role in ROLES) + "]"


@pytest.fixture
def municipality(kui: KuiRunner) -> KuiRunner:
    """LE bootstraps the staff table; CD is a social worker; team 2 meets (meeting 1 on)."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    add_staff(lambda *a, **k: kui(*a, user="LE", **k), "CD", "social")
    ok(kui("meeting", "generate", user="LE"))
    return kui


def evil_profile(folder: Path) -> Path:
    """Sønderborg, with every role seeing, revealing and administering everything."""
    text = (Path(profile.__file__).parents[1] / "profiles" / "soenderborg.toml").read_text("utf-8")
    for key in ("see_all_roles", "reveal_roles", "admin_roles"):
        text = text.replace(f'{key} = ["leader"]', f"{key} = {EVERYONE}")
    assert text.count(EVERYONE) == 3
    path = folder / "evil.toml"
    path.write_text(text, encoding="utf-8")
    return path


def attempt(kui: KuiRunner, db_url: str, user: str, *args: str, why: str, rule: str) -> None:
    """The attack is refused with one line (saying `why`), changes nothing, and leaves one
    `refused` entry with the access rule's name."""
    before = snapshot(db_url)
    refused(kui(*args, user=user), why)
    after = snapshot(db_url)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    entry = audit_rows(db_url)[-1]
    assert (entry.user, entry.action, json.loads(entry.filter)) == (user, "refused", {"rule": rule})


ADMIN_ONLY = {"why": "privacy.admin_roles", "rule": "admin-only"}
NOT_STAFF = {"why": "not a staff member", "rule": "staff-only"}
ATTACKS = {
    "staff add": (
        "staff",
        "add",
        "--initials",
        "XY",
        "--name",
        "X Y",
        "--role",
        "leader",
        "--department",
        "Ingen",
    ),
    "staff deactivate": ("staff", "deactivate", "LE"),
    "team member add": ("team", "member", "add", "team-2", "CD", "--ad-hoc"),
    "meeting schedule": (
        "meeting",
        "schedule",
        "team-2",
        "--rule",
        "FREQ=DAILY",
        "--start",
        "2026-12-01T09:00",
    ),
    "meeting generate": ("meeting", "generate", "--until", "2027-12-31"),
    "meeting cancel": ("meeting", "cancel", "1", "--reason", "Aflyst"),
    "meeting move": ("meeting", "move", "1", "--to", "2026-12-30T09:00"),
    "init lejre": ("init", "--profile", "lejre"),  # another municipality: deletes meetings
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_social_worker_cannot_administer(
    municipality: KuiRunner, db_url: str, attack: str
) -> None:
    attempt(municipality, db_url, "CD", *ATTACKS[attack], **ADMIN_ONLY)


@pytest.mark.parametrize("user", ["NOBODY", "CD"])
def test_nobody_and_a_social_worker_cannot_load_a_profile(
    municipality: KuiRunner, db_url: str, tmp_path: Path, user: str
) -> None:
    """`init` loads a profile only on an empty staff table (the bootstrap) or by an admin role."""
    evil = str(evil_profile(tmp_path))
    why = NOT_STAFF if user == "NOBODY" else ADMIN_ONLY
    attempt(municipality, db_url, user, "init", "--profile", evil, **why)
    refused(municipality("youth", "list", "--reveal", user="CD"), "reveal_roles")


def test_nobody_cannot_register_staff_once_there_is_staff(
    municipality: KuiRunner, db_url: str
) -> None:
    attempt(municipality, db_url, "NOBODY", *ATTACKS["staff add"], **NOT_STAFF)


def test_a_team_member_by_ad_hoc_sees_no_new_youths(municipality: KuiRunner, db_url: str) -> None:
    """The attack of the issue: CD adds themselves to team 2 and would see its youths."""
    le = lambda *a, **k: municipality(*a, user="LE", **k)  # noqa: E731
    ida = add_youth(le, BORN_16, "Ida Jensen", "--status", "none")
    ok(municipality("agenda", "add", str(ida), "--team", "team-2", "--reason", "x", user="LE"))
    attempt(municipality, db_url, "CD", *ATTACKS["team member add"], **ADMIN_ONLY)
    refused(municipality("youth", "show", str(ida), user="CD"), "does not work on youth")


def administered(db_url: str) -> list[tuple[str, str, dict]]:
    return [
        (r.user, r.command, json.loads(r.filter or "{}"))
        for r in audit_rows(db_url)
        if r.action == "administer"
    ]


def test_the_leader_administers_and_every_change_is_audited(
    municipality: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    le = lambda *a: municipality(*a, user="LE")  # noqa: E731
    start = len(administered(db_url))
    for attack in ("staff add", "staff deactivate", "team member add", "meeting schedule"):
        args = ATTACKS[attack]
        if attack == "staff deactivate":
            args = ("staff", "deactivate", "XY")  # not oneself
        ok(le(*args))
    ok(le("staff", "activate", "XY"))
    ok(le("meeting", "cancel", "1", "--reason", "Juleferie"))
    ok(le("meeting", "move", "2", "--to", "2026-12-30T13:00"))
    ok(le("meeting", "generate", "--until", "2027-06-30"))
    ok(le("init", "--profile", str(evil_profile(tmp_path))))
    entries = administered(db_url)[start:]
    by_command: dict[str, dict] = {}  # the first entry of each command
    for _, command, filters in entries:
        by_command.setdefault(command, filters)
    assert {user for user, _, _ in entries} == {"LE"}
    assert by_command["kui staff add"] == {"staff": "XY", "role": "leader", "active": True}
    assert by_command["kui staff deactivate"] == {"staff": "XY", "role": "leader", "active": False}
    assert by_command["kui staff activate"]["active"] is True
    assert by_command["kui team member add"] == {"team": "team-2", "member": "CD", "ad_hoc": True}
    assert by_command["kui meeting schedule"]["rule"] == "FREQ=DAILY"
    assert by_command["kui meeting cancel"] == {"meeting": 1, "cancelled": "Juleferie"}
    assert by_command["kui meeting move"]["moved_to"] == "2026-12-30 13:00:00"
    assert by_command["kui meeting generate"]["meetings"] > 0
    loaded = by_command["kui init"]
    assert loaded["slug"] == "soenderborg" and loaded["admin_roles"] == json.loads(EVERYONE)
    assert len(loaded["sha256"]) == 64
    # The new profile makes the social worker an administrator: now CD may, and is audited.
    ok(municipality("meeting", "cancel", "3", "--reason", "Kursus", user="CD"))
    assert administered(db_url)[-1][:2] == ("CD", "kui meeting cancel")


def test_the_first_profile_and_staff_member_are_the_only_bootstrap(
    kui: KuiRunner, db_url: str
) -> None:
    ok(kui("init", user="NOBODY"))  # an empty database: anyone loads the first profile
    ok(kui("init", "--profile", "lejre", user="NOBODY"))  # still no staff
    ok(kui("staff", "add", *leader("LE"), user="NOBODY"))  # the first staff member
    refused(kui("init", user="NOBODY"), "not a staff member")
    refused(kui("staff", "add", *leader("ZZ"), user="NOBODY"), "not a staff member")
    assert [user for user, _, _ in administered(db_url)] == ["NOBODY"] * 3


def test_the_scheduled_job_generates_meetings_and_administers_nothing_else(
    municipality: KuiRunner, db_url: str
) -> None:
    add_staff(lambda *a, **k: municipality(*a, user="LE", **k), "CRON", "system")
    ok(municipality("meeting", "generate", "--until", "2027-03-31", user="CRON"))
    refusal = {"why": "scheduled job", "rule": "system-scheduled-only"}
    attempt(municipality, db_url, "CRON", *ATTACKS["meeting cancel"], **refusal)


@pytest.mark.parametrize(
    ("value", "message"),
    [("[]", "must name at least one role"), ('["boss"]', "must list one of")],
)
def test_a_profile_names_real_admin_roles(tmp_path: Path, value: str, message: str) -> None:
    text = (Path(profile.__file__).parents[1] / "profiles" / "lejre.toml").read_text("utf-8")
    path = tmp_path / "x.toml"
    path.write_text(text.replace('admin_roles = ["leader"]', f"admin_roles = {value}"), "utf-8")
    with pytest.raises(KuiError, match=message):
        profile.read_profile(str(path))


def test_the_shipped_profiles_name_the_leader_as_admin() -> None:
    for name in profile.shipped_profiles():
        assert profile.read_profile(name).value("privacy.admin_roles") == ["leader"], name
    assert profile.default("privacy.admin_roles") == ["leader"]


def test_the_last_administrator_is_never_locked_out(
    municipality: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """Deactivating the last active admin, or loading a profile whose admin roles no active
    staff member holds, would leave nobody to register staff or load a profile again."""
    text = (Path(profile.__file__).parents[1] / "profiles" / "soenderborg.toml").read_text("utf-8")
    uu_only = tmp_path / "uu-administers.toml"
    uu_only.write_text(text.replace('admin_roles = ["leader"]', 'admin_roles = ["uu"]'), "utf-8")
    before = snapshot(db_url)
    for args in (("staff", "deactivate", "LE"), ("init", "--profile", str(uu_only))):
        result = municipality(*args, user="LE")
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "nobody could register staff" in lines[0], lines
    assert snapshot(db_url) == before
    add_staff(lambda *a, **k: municipality(*a, user="LE", **k), "AB", "uu")
    ok(municipality("init", "--profile", str(uu_only), user="LE"))  # AB administers now
    ok(municipality("staff", "deactivate", "LE", user="AB"))
