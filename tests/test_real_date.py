"""The day does not widen access (issue 15, hole 1): who may see, list or write about a youth,
and who is due for deletion, are decided on the real Danish date, never on `--today`.

The real clock is frozen at noon of TODAY (tests/conftest.py, `real_clock`); each attack gives a
`--today` that differs from it. AB (UU) registers Ida; LE (leader) then makes GH her
coordinator, so AB no longer works on her case. CD (social) joined Bo's case for one day.
On PostgreSQL the service account's `kui` decides in Python as on SQLite; the staff logins'
attacks on the policies are in the second half.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from kui_cli.app import app
from kui_cli.models import AuditLog
from tests import test_row_security as rls
from tests.casework import BORN_16, add_staff, as_json
from tests.conftest import TODAY, KuiRunner, add_youth, cpr_for, leader, ok, snapshot
from tests.test_row_security import Office, add

YESTERDAY = "2026-11-21"
BO_BORN = dt.date(2009, 6, 1)
DANISH = ZoneInfo("Europe/Copenhagen")
# The PostgreSQL office of tests/test_row_security.py: logins of its own for each staff member.
pg_url, office = rls.pg_url, rls.office


def on_real_day(day: str) -> Any:
    """The real clock at noon of `day` in Denmark (as `real_clock` does for TODAY)."""
    noon = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(12), tzinfo=DANISH)
    return time_machine.travel(noon, tick=True)


def refused(result: Any, rule_text: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: access refused:"), result.stderr
    assert rule_text in lines[0], lines[0]
    assert "Traceback" not in result.output


def last_audit(db_url: str) -> AuditLog:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        row = conn.execute(select(AuditLog).order_by(AuditLog.id.desc()).limit(1)).one()
    engine.dispose()
    return row  # type: ignore[return-value]


def unchanged_but_the_log(before: dict, after: dict) -> bool:
    return {k: v for k, v in before.items() if k != "audit_log"} == {
        k: v for k, v in after.items() if k != "audit_log"
    }


@pytest.fixture
def town(kui: KuiRunner) -> KuiRunner:
    """The shipped profile. AB registered Ida (id 1) today and GH has since become her
    coordinator; CD held an effort on Bo (id 2, registered by LE) from yesterday to today."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    le = lambda *args, **kw: kui(*args, **{"user": "LE", **kw})  # noqa: E731
    for initials, role in (("AB", "uu"), ("CD", "social"), ("GH", "uu")):
        add_staff(le, initials, role)
    assert add_youth(kui, BORN_16, "Ida Jensen", "--status", "none") == 1
    assert as_json(kui, "youth", "show", "1")["name"] == "Ida Jensen"  # AB's registration
    ok(kui("coordinator", "assign", "1", "GH", "--consent", "accepted", user="LE"))
    assert add_youth(le, BO_BORN, "Bo Lund", "--status", "none") == 2
    with on_real_day(YESTERDAY):  # a one-day join: yesterday, by the exact CPR
        join = (
            "plan",
            "effort",
            "add",
            cpr_for(BO_BORN),
            "--title",
            "Samtale",
            "--department",
            "Familieafdelingen",
            "--legislation",
            "serviceloven",
            "--responsible",
            "CD",
            "--end",
            TODAY,
            "--reason",
            "Én samtale",
        )
        ok(kui(*join, user="CD", today=YESTERDAY))
        assert as_json(kui, "youth", "show", "2", user="CD", today=YESTERDAY)["id"] == 2
    return kui


@pytest.mark.parametrize("day", [YESTERDAY, "0001-01-01", "1900-01-01"])
def test_an_earlier_today_does_not_show_a_youth_handed_over(
    town: KuiRunner, db_url: str, day: str
) -> None:
    refused(town("youth", "show", "1", today=day), "AB does not work on youth 1")
    entry = last_audit(db_url)
    assert (entry.user, entry.action, entry.command) == ("AB", "refused", "kui youth show")
    assert json.loads(entry.filter) == {"rule": "need-to-know"} and entry.subject_key
    assert as_json(town, "youth", "list", today=day) == []
    assert as_json(town, "youth", "list") == []


def test_a_one_day_join_stays_closed_with_an_earlier_today(town: KuiRunner, db_url: str) -> None:
    day = YESTERDAY  # the day CD worked on Bo
    refused(town("youth", "show", "2", user="CD", today=day), "CD does not work on youth 2")
    assert last_audit(db_url).action == "refused"
    assert as_json(town, "youth", "list", user="CD", today=day) == []
    assert as_json(town, "plan", "inbox", user="CD", today=day) == []


def test_an_earlier_today_does_not_let_one_write_about_the_youth(
    town: KuiRunner, db_url: str
) -> None:
    before = snapshot(db_url)
    attempts = [
        ("plan", "goal", "add", "1", "Mit mål", "--reason", "x"),
        (
            "plan",
            "effort",
            "add",
            "1",
            "--title",
            "T",
            "--department",
            "D",
            "--legislation",
            "serviceloven",
            "--responsible",
            "AB",
            "--reason",
            "x",
        ),
        ("youth", "update", "1", "--name", "Ida J", "--reason", "x"),
        ("coordinator", "assign", "1", "AB", "--consent", "pending"),
    ]
    for attempt in attempts:
        refused(town(*attempt, today=YESTERDAY), "AB does not work on youth 1")
        assert last_audit(db_url).action == "refused"
    refused(
        town("plan", "goal", "add", "2", "Mål", "--reason", "x", user="CD", today=YESTERDAY),
        "CD does not work on youth 2",
    )
    after = snapshot(db_url)
    assert unchanged_but_the_log(before, after)
    assert len(after["audit_log"]) == len(before["audit_log"]) + len(attempts) + 1


def test_a_later_today_does_not_reopen_nor_close_access(town: KuiRunner) -> None:
    """`--today` still moves what is computed (Ida's age), never what is seen: GH sees her
    with any day, AB with none."""
    assert as_json(town, "youth", "show", "1", user="GH", today="2030-01-01")["age"] == 19
    assert as_json(town, "youth", "show", "1", user="GH", today="2000-01-01")["id"] == 1
    refused(town("youth", "show", "1", today="2030-01-01"), "AB does not work on youth 1")


def test_access_follows_the_real_date_when_the_clock_moves(town: KuiRunner) -> None:
    """The same command, the same `--today`: on the real yesterday CD still worked on Bo."""
    with on_real_day(YESTERDAY):
        assert as_json(town, "youth", "show", "2", user="CD", today=TODAY)["id"] == 2
    refused(town("youth", "show", "2", user="CD", today=YESTERDAY), "CD does not work")


# --- Retention -----------------------------------------------------------------------------

TURNS_30_TODAY = dt.date(1996, 11, 22)
TURNS_30_TOMORROW = dt.date(1996, 11, 23)
REGISTERED_YOUNG = "2019-08-01"


@pytest.fixture
def ageing(kui: KuiRunner) -> KuiRunner:
    """Ane turns 30 today (due), Bent tomorrow, Eva is 16."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    add_youth(kui, TURNS_30_TODAY, "Ane Ager", today=REGISTERED_YOUNG)
    add_youth(kui, TURNS_30_TOMORROW, "Bent Bæk", today=REGISTERED_YOUNG)
    add_youth(kui, BORN_16, "Eva Fjord")
    return kui


def remaining(db_url: str) -> list[int]:
    return [row[0] for row in snapshot(db_url)["youth"]]


@pytest.mark.parametrize("day", ["2099-01-01", "2026-11-23"])
def test_a_later_today_does_not_purge_who_is_not_really_due(
    ageing: KuiRunner, db_url: str, day: str
) -> None:
    rows = as_json(ageing, "retention", "purge", "--yes", today=day)
    assert [(r["id"], r["age"]) for r in rows] == [(1, 30)]
    assert remaining(db_url) == [2, 3]
    entry = last_audit(db_url)
    assert entry.action == "purge" and json.loads(entry.filter)["on"] == TODAY


def test_an_earlier_today_does_not_spare_who_is_due(ageing: KuiRunner, db_url: str) -> None:
    ok(ageing("retention", "purge", "--yes", today="2020-01-01"))
    assert remaining(db_url) == [2, 3]


def test_the_dry_run_may_look_ahead_and_deletes_nothing(ageing: KuiRunner, db_url: str) -> None:
    before = snapshot(db_url)
    ahead = as_json(ageing, "retention", "purge", "--dry-run", today="2099-01-01")
    assert [r["id"] for r in ahead] == [1, 2]  # Eva's open duty episode keeps her
    assert [r["id"] for r in as_json(ageing, "retention", "purge", "--dry-run")] == [1]
    assert unchanged_but_the_log(before, snapshot(db_url))


# --- PostgreSQL: a staff login's own session ---------------------------------------------


def server_day(url: str) -> dt.date:
    engine = create_engine(url)
    with engine.connect() as conn:
        day = conn.execute(text("SELECT (now() AT TIME ZONE 'Europe/Copenhagen')::date")).scalar()
    engine.dispose()
    return day


@pytest.fixture
def handed_over(office: Office) -> Iterator[dict[str, Any]]:
    """As `town`, on the server's real date D (its clock is not frozen) with the Python clock
    moved to it: AB registered Ida, CD is now her coordinator; EF held an effort on Bo from D-1
    to D."""
    day = server_day(office.url)
    before = day - dt.timedelta(days=1)
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=DANISH), tick=True):
        ida = add(office, BORN_16, "Ida Jensen", user="AB")
        ok(
            office.service(
                "coordinator",
                "assign",
                str(ida),
                office.initials("CD"),
                "--consent",
                "accepted",
                today=day.isoformat(),
            )
        )
        bo = add(office, BO_BORN, "Bo Lund")
        ok(
            office.service(
                "plan",
                "effort",
                "add",
                str(bo),
                "--title",
                "Samtale",
                "--department",
                "F",
                "--legislation",
                "serviceloven",
                "--responsible",
                office.initials("EF"),
                "--start",
                before.isoformat(),
                "--end",
                day.isoformat(),
                "--reason",
                "Én samtale",
                today=before.isoformat(),
            )
        )
        yield {"ida": ida, "bo": bo, "day": day, "before": before}


TRICKS = [
    "SET kui.today = '1900-01-01'",
    "SET kui.today = '{before}'",
    "SET TIME ZONE 'Etc/GMT+12'",
    "SET TIME ZONE 'Etc/GMT-14'",
    "SET timezone_abbreviations = 'India'",
]


def as_login(place: Office, who: str, tricks: list[str], statement: str, **params: Any) -> Any:
    """Plain SQL in a login's own session after the tricks (session-wide and local SETs)."""
    engine = create_engine(place.login_url(who))
    try:
        with engine.begin() as conn:
            for trick in tricks:
                conn.execute(text(trick))
                conn.execute(text(trick.replace("SET ", "SET LOCAL ", 1)))
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else result.rowcount
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_kui_today_is_the_real_danish_date_whatever_the_session_sets(
    office: Office,
) -> None:
    day = server_day(office.url)
    days = {
        trick: as_login(office, "AB", [trick.format(before="1900-01-01")], "SELECT kui_today()")
        for trick in TRICKS
    }
    assert all(found == [(day,)] for found in days.values()), days
    # `current_date` follows the session's time zone: UTC-12 and UTC+14 are 26 hours apart,
    # so one of them is another day than Denmark's (the trick 0003's fallback allowed).
    shifted = {as_login(office, "AB", [zone], "SELECT current_date")[0][0] for zone in TRICKS[2:4]}
    assert shifted != {day}


@pytest.mark.postgres
def test_a_login_setting_the_day_sees_and_writes_nothing_more(
    office: Office,
    handed_over: dict[str, Any],
) -> None:
    ida, bo = handed_over["ida"], handed_over["bo"]
    tricks = [t.format(before=handed_over["before"]) for t in TRICKS]
    before = snapshot(office.url)
    for trick in [[t] for t in tricks] + [tricks]:
        assert as_login(office, "AB", trick, "SELECT id, cpr FROM youth") == []
        assert as_login(office, "EF", trick, "SELECT id, cpr FROM youth") == []
        assert as_login(office, "AB", trick, "SELECT youth_id FROM change_log") == []
        assert (
            as_login(office, "AB", trick, "UPDATE youth SET name = 'X' WHERE id = :i", i=ida) == 0
        )
        assert (
            as_login(office, "EF", trick, "UPDATE youth SET phone = '1' WHERE id = :i", i=bo) == 0
        )
        assert as_login(office, "EF", trick, "DELETE FROM effort WHERE youth_id = :i", i=bo) == 0
        for who, youth in (("AB", ida), ("EF", bo)):
            with pytest.raises(DBAPIError, match="row-level security"):
                as_login(
                    office,
                    who,
                    trick,
                    "INSERT INTO goal (youth_id, text, created_on, "
                    "created_by) VALUES (:i, 'Mål', '2026-11-22', 'X')",
                    i=youth,
                )
    assert as_login(office, "CD", tricks, "SELECT id FROM youth") == [(ida,)]  # her coordinator
    assert snapshot(office.url) == before


@pytest.mark.postgres
def test_kui_as_a_login_with_an_earlier_today_is_refused(
    office: Office,
    handed_over: dict[str, Any],
) -> None:
    day = handed_over["day"]
    with time_machine.travel(dt.datetime.combine(day, dt.time(12), tzinfo=DANISH), tick=True):
        for who, youth in (("AB", handed_over["ida"]), ("EF", handed_over["bo"])):
            for earlier in (handed_over["before"].isoformat(), "1900-01-01"):
                argv = ["--db", office.login_url(who), "--today", earlier]
                shown = office.runner.invoke(app, [*argv, "youth", "show", str(youth)])
                # The database hides the row: to the login the youth does not exist.
                assert shown.exit_code == 1 and "Traceback" not in shown.output
                assert shown.stderr.strip() == f"Error: no youth with id {youth}"
                listed = office.runner.invoke(app, [*argv, "youth", "list", "-f", "json"])
                assert json.loads(ok(listed).stdout) == []


@pytest.mark.postgres
def test_migration_0005_replaces_only_kui_today_and_its_downgrade_restores_0004(
    pg_url: str,
) -> None:
    rls.migrate(pg_url, "0004")
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        at_0004 = dict(conn.execute(text(rls.DEFINITIONS)).all())
    rls.migrate(pg_url, "0005")
    with engine.connect() as conn:
        at_0005 = dict(conn.execute(text(rls.DEFINITIONS)).all())
        conn.execute(text("SET kui.today = '1900-01-01'"))
        assert conn.execute(text("SELECT kui_today()")).scalar() == server_day(pg_url)
    changed = {name for name in at_0004 if at_0004[name] != at_0005.get(name)}
    assert changed == {"kui_today"} and at_0005.keys() == at_0004.keys()
    assert "current_setting" not in at_0005["kui_today"]
    # What a login could still set: only the join's CPR (issue 15, hole 5), no day.
    settable = {name for name, source in at_0005.items() if "current_setting" in source}
    assert settable <= {"kui_join_youth"}
    rls.migrate(pg_url, "0004", down=True)
    with engine.connect() as conn:
        assert dict(conn.execute(text(rls.DEFINITIONS)).all()) == at_0004
    engine.dispose()
