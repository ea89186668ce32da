"""Who acts on one SQLite file (issue 15, hole 3): staff members' operating-system logins.

LE is a leader; SB a social worker whose login is the operating-system account `jdoe`; SY the
cron job's account (role system) with the login `kuicron`. The tests run as one account, so the
account kui sees is set by patching the one function that asks the kernel (`state.os_user`).
The rule is the same on PostgreSQL when kui connects as the service account (the `kui` fixture
runs both); a PostgreSQL staff login is identified by the database, whatever the account.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from typer.testing import CliRunner, Result

from kui_cli import db, state
from kui_cli.app import app
from kui_cli.domain.initials import fold
from kui_cli.models import AuditLog, ChangeLog, Staff
from tests.casework import BORN_16, add_staff, as_json
from tests.conftest import (
    POSTGRES_URL,
    TODAY,
    KuiRunner,
    cpr_for,
    leader,
    migrate,
    ok,
    reset_postgres,
    snapshot,
)

REAL_ACCOUNT = pwd.getpwuid(os.geteuid()).pw_name


def run(db_url: str, *args: str, env: dict[str, str] | None = None) -> Result:
    """kui without `--user`: who acts is the account's (or KUI_USER's) business."""
    argv = ["--db", db_url, "--today", TODAY, *args]
    return CliRunner().invoke(app, argv, env=env)


def account(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """kui runs as the operating-system account `name`."""
    monkeypatch.setattr(state, "os_user", lambda: name)


def rows(db_url: str, model: type) -> list:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        found = list(conn.execute(select(model).order_by(model.id)))
    engine.dispose()
    return found


def refused(result: Result, text: str) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert text in lines[0], lines[0]
    assert "Traceback" not in result.output
    return lines[0]


def one_more_refusal(db_url: str, before: dict, user: str, rule: str = "own-login") -> None:
    """Nothing changed but one audit entry: a refusal by `user` under `rule`."""
    after = snapshot(db_url)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    entry = rows(db_url, AuditLog)[-1]
    assert (entry.user, entry.action) == (user, "refused")
    assert json.loads(entry.filter) == {"rule": rule}


@pytest.fixture
def office(kui: KuiRunner) -> KuiRunner:
    """The shipped profile; LE bootstraps the staff; SB's login is jdoe, SY's kuicron."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    add_staff(lambda *a, **k: kui(*a, user="LE", **k), "AB", "uu")
    add_staff(lambda *a, **k: kui(*a, user="LE", **k), "SB", "social", "--login", "jdoe")
    add_staff(lambda *a, **k: kui(*a, user="LE", **k), "SY", "system", "--login", "kuicron")
    return kui


@pytest.fixture
def ida(office: KuiRunner) -> int:
    """A youth registered by the leader: SB does not work on her."""
    result = office("youth", "add", "--cpr", cpr_for(BORN_16), "--name", "Ida", user="LE")
    return int(ok(result).stdout.strip())


def test_a_staff_login_cannot_act_as_the_leader_with_user(
    office: KuiRunner, ida: int, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    account(monkeypatch, "jdoe")
    before = snapshot(db_url)
    line = refused(office("youth", "show", str(ida), user="LE"), "--user LE names someone else")
    assert "jdoe" in line and "SB" in line
    one_more_refusal(db_url, before, "SB")
    before = snapshot(db_url)
    attack = ("staff", "add", *leader("ZZ"))  # make oneself a leader, acting as the leader
    refused(office(*attack, user="le"), "names someone else")
    one_more_refusal(db_url, before, "SB")


def test_kui_user_in_the_environment_is_refused_alike(
    office: KuiRunner, ida: int, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    account(monkeypatch, "jdoe")
    before = snapshot(db_url)
    refused(run(db_url, "youth", "list", env={"KUI_USER": "LE"}), "--user LE names someone else")
    one_more_refusal(db_url, before, "SB")


def test_without_user_a_staff_login_acts_as_its_member(
    office: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    account(monkeypatch, "jdoe")
    added = ok(run(db_url, "youth", "add", "--cpr", cpr_for(BORN_16), "--name", "Bo"))
    youth = added.stdout.strip()
    assert as_json(lambda *a: run(db_url, *a), "youth", "show", youth)["name"] == "Bo"
    ok(office("youth", "list", user="sb"))  # naming oneself is fine
    changes = [(c.kind, c.by) for c in rows(db_url, ChangeLog) if c.youth_id == int(youth)]
    assert changes and {by for _, by in changes} == {"SB"}
    mine = [e for e in rows(db_url, AuditLog) if e.command in ("kui youth add", "kui youth show")]
    assert [e.user for e in mine][-2:] == ["SB", "SB"]


def test_a_deactivated_members_login_still_names_them(
    office: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(office("staff", "deactivate", "SB", user="LE"))
    account(monkeypatch, "jdoe")
    before = snapshot(db_url)
    refused(office("youth", "list", user="LE"), "names someone else")
    one_more_refusal(db_url, before, "SB")


def with_act_for_others(tmp_path: Path, accounts: str) -> Path:
    from importlib import resources

    text = (resources.files("kui_cli") / "profiles" / "soenderborg.toml").read_text("utf-8")
    path = tmp_path / "cron.toml"
    path.write_text(f"{text}\n[access]\nact_for_others = {accounts}\n", encoding="utf-8")
    return path


def test_an_account_the_profile_names_may_act_for_others(
    office: KuiRunner, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    account(monkeypatch, "kuicron")
    refused(office("youth", "list", user="LE"), "names someone else")  # not named yet
    # Loading the profile is administration: the leader, from an account that is nobody's login
    # (from cron's account, LE is refused: that account is SY's login until the profile says so).
    refused(
        office("init", "--profile", str(with_act_for_others(tmp_path, '["kuicron"]')), user="LE"),
        "names someone else",
    )
    account(monkeypatch, "kui-admin")
    ok(office("init", "--profile", str(with_act_for_others(tmp_path, '["kuicron"]')), user="LE"))
    account(monkeypatch, "kuicron")
    ok(office("youth", "list", user="LE"))  # cron's account acts for the leader
    assert rows(db_url, AuditLog)[-1].user == "LE"
    ok(run(db_url, "meeting", "generate", "--until", "2026-12-31"))  # itself: SY, the cron job
    refused(run(db_url, "youth", "list"), "SY is a scheduled job's account")  # SY by its login
    account(monkeypatch, "jdoe")  # naming cron's account changes nothing for others' logins
    refused(office("youth", "list", user="LE"), "names someone else")


def test_an_account_that_is_nobodys_login_names_its_user_as_before(
    office: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    account(monkeypatch, "kui-service")
    ok(office("youth", "list", user="LE"))
    ok(office("youth", "list", user="AB"))
    assert [e.user for e in rows(db_url, AuditLog) if e.command == "kui youth list"] == [
        "LE",
        "AB",
    ]
    refused(run(db_url, "youth", "list"), "'KUI-SERVICE' is not a staff member")


def test_user_and_logname_do_not_change_the_account(
    office: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real account running the tests is SB's login; USER and LOGNAME claim the leader."""
    monkeypatch.setenv("USER", "le")
    monkeypatch.setenv("LOGNAME", "le")
    assert state.os_user() == REAL_ACCOUNT
    ok(office("staff", "update", "SB", "--login", REAL_ACCOUNT, user="LE"))
    before = snapshot(db_url)
    refused(office("youth", "list", user="LE"), f"account {REAL_ACCOUNT} is the staff login of SB")
    one_more_refusal(db_url, before, "SB")
    ok(run(db_url, "youth", "add", "--cpr", cpr_for(BORN_16), "--name", "Bo"))
    assert {c.by for c in rows(db_url, ChangeLog)} == {"SB"}  # not LE, whom USER names


def test_user_in_the_environment_no_longer_names_the_leader(
    office: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --user the acting user was getpass.getuser(), which reads LOGNAME and USER."""
    if fold(REAL_ACCOUNT) == "LE":
        pytest.skip("the account running the tests is named like the leader")
    monkeypatch.setenv("LOGNAME", "LE")
    monkeypatch.setenv("USER", "LE")
    before = snapshot(db_url)
    refused(run(db_url, "youth", "list"), "is not a staff member")
    one_more_refusal(db_url, before, fold(REAL_ACCOUNT), rule="staff-only")


@pytest.mark.parametrize(
    "login", ["J Doe", "Jdoe", "-x", "1abc", "a" * 33, "", "jdoe;", "æble", "a$b"]
)
def test_a_login_must_be_an_operating_system_user_name(
    office: KuiRunner, db_url: str, login: str
) -> None:
    before = snapshot(db_url)
    refused(
        office("staff", "add", *leader("ZZ"), "--login", login, user="LE"),
        "--login must be an operating-system user name",
    )
    refused(
        office("staff", "update", "AB", "--login", login, user="LE"),
        "--login must be an operating-system user name",
    )
    assert snapshot(db_url) == before


def test_a_login_belongs_to_one_member(office: KuiRunner, db_url: str) -> None:
    before = snapshot(db_url)
    refused(office("staff", "add", *leader("ZZ"), "--login", "jdoe", user="LE"), "SB's already")
    refused(office("staff", "update", "AB", "--login", " jdoe ", user="LE"), "SB's already")
    refused(office("staff", "update", "AB", user="LE"), "give either --login NAME or --no-login")
    refused(office("staff", "update", "AB", "--login", "x", "--no-login", user="LE"), "either")
    assert snapshot(db_url) == before
    ok(office("staff", "update", "SB", "--login", "jdoe", user="LE"))  # its own: unchanged
    ok(office("staff", "update", "sb", "--login", "jdoe2", user="LE"))
    ok(office("staff", "update", "AB", "--login", "jdoe", user="LE"))  # free again
    listed = {m["initials"]: m["login"] for m in as_json(office, "staff", "list", user="LE")}
    assert listed == {"LE": None, "AB": "jdoe", "SB": "jdoe2", "SY": "kuicron"}
    ok(office("staff", "add", *leader("ZZ"), "--login", "_svc-1$", user="LE"))
    assert "ZZ has no login." in ok(office("staff", "update", "ZZ", "--no-login", user="LE")).output
    assert [m.os_login for m in rows(db_url, Staff) if m.initials == "ZZ"] == [None]


def test_only_the_admin_roles_change_logins(
    office: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SB cannot take their own login away and then act as the leader."""
    account(monkeypatch, "jdoe")
    before = snapshot(db_url)
    refused(run(db_url, "staff", "update", "SB", "--no-login"), "privacy.admin_roles")
    one_more_refusal(db_url, before, "SB", rule="admin-only")


def test_the_profile_names_accounts_not_anything(kui: KuiRunner, tmp_path: Path) -> None:
    result = kui("init", "--profile", str(with_act_for_others(tmp_path, '["Cron Job"]')))
    refused(result, "key 'access.act_for_others' must list operating-system user names")


@pytest.mark.postgres
def test_a_postgresql_staff_login_is_itself_whatever_the_account(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The account is the leader's staff login, but kui connects as AB's own database login:
    the database decides, as before (the account's rule is for the service account)."""
    from tests.test_row_security import PASSWORD, Office, admin

    if not POSTGRES_URL:
        pytest.skip("KUI_TEST_POSTGRES_URL is not set")
    reset_postgres(POSTGRES_URL)
    place = Office(POSTGRES_URL, "o" + secrets.token_hex(3))
    ok(place.service("init"))
    for who, role in (("LE", "leader"), ("AB", "uu")):
        login = f"os{who.lower()}"
        ok(place.service("staff", "add", "--initials", place.initials(who), "--name", who,
                         "--role", role, "--department", "KUI", "--login", login))  # fmt: skip
    name = place.login("AB")
    admin(POSTGRES_URL, f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'")
    try:
        ok(place.service("db", "grant", name))
        account(monkeypatch, "osle")
        ok(place.as_login("AB", "youth", "list"))
        line = refused(place.as_login("AB", "youth", "list", user=place.initials("LE")), "--user")
        assert f"your own database login {name}" in line
        users = place.sql("AB", 'SELECT "user" FROM audit_log ORDER BY id DESC LIMIT 2')
        assert [user for (user,) in users] == [place.initials("AB")] * 2
    finally:
        db.dispose_engines()
        admin(
            POSTGRES_URL,
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}",
            f"REVOKE ALL ON SCHEMA public FROM {name}",
            f"DROP ROLE {name}",
        )


def test_migration_0007_adds_the_login_and_its_downgrade_drops_it(
    office: KuiRunner, ida: int, db_url: str
) -> None:
    """Staff rows that other tables refer to survive SQLite's rebuild of the table, both ways."""
    from sqlalchemy import inspect

    ok(office("coordinator", "assign", str(ida), "AB", "--consent", "accepted", user="LE"))
    migrate(db_url, "0004", down=True)
    engine = db.get_engine(db_url)
    assert "os_login" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    db.dispose_engines()
    assert db.upgrade(db_url)[0] == "0004"
    staff = {m.initials: m.os_login for m in rows(db_url, Staff)}
    assert staff == {"LE": None, "AB": None, "SB": None, "SY": None}
    ok(office("staff", "update", "SB", "--login", "jdoe", user="LE"))
    refused(office("staff", "update", "AB", "--login", "jdoe", user="LE"), "SB's already")
