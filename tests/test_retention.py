"""`retention purge`: youths past the retention age leave with everything that hangs on them."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from sqlmodel import Session

from kui_cli.domain.protection import retention
from kui_cli.models import (
    Agreement,
    Assessment,
    Contact,
    CoordinatorAssignment,
    DutyEpisode,
    Effort,
    FeedEvent,
    Goal,
    Guardian,
    HistoryPeriod,
    Referral,
    Staff,
    Team,
    Youth,
    metadata,
)
from tests.conftest import KuiRunner, add_youth, cpr_for, leader, ok, snapshot

TODAY = dt.date(2026, 11, 22)
TURNS_30_TODAY = dt.date(1996, 11, 22)
TURNS_30_TOMORROW = dt.date(1996, 11, 23)
OLD = dt.date(1990, 5, 5)
REGISTERED_YOUNG = "2019-08-01"  # the register takes no one of 30 or more: they came in younger
YOUNG = dt.date(2010, 3, 15)

# Every table that refers to a youth, with a row for it: a table added later that refers to
# youth must be added here, so the purge is shown to take it along.
DEPENDANTS = {
    "guardian",
    "change_log",
    "coordinator_assignment",
    "goal",
    "effort",
    "duty_episode",
    "assessment",
    "referral",
    "history_period",
    "feed_event",
    "agreement",
    "contact",
}


def attach_everything(db_url: str, youth_id: int, *, episode_open: bool = False) -> None:
    """One row in every table that refers to a youth (most have no command on this branch)."""
    engine = create_engine(db_url)
    with Session(engine) as session:
        staff = Staff(
            initials=f"S{youth_id}",
            name="Sagsbehandler",
            role="social",
            department="CBF",
            added_on=TODAY,
        )
        team = Team(slug=f"team-{youth_id}x", name="Team")
        session.add_all([staff, team])
        session.flush()
        goal = Goal(youth_id=youth_id, text="Mål", created_on=TODAY, created_by="AB")
        session.add(goal)
        session.flush()
        closed = None if episode_open else TODAY
        session.add_all(
            [
                Guardian(youth_id=youth_id, name="Forælder"),
                Goal(
                    youth_id=youth_id,
                    parent_id=goal.id,
                    text="Delmål",
                    created_on=TODAY,
                    created_by="AB",
                ),
                Effort(
                    youth_id=youth_id,
                    title="Mentor",
                    department="Jobcenter",
                    legislation="lab",
                    staff_id=staff.id,
                    start_on=TODAY,
                    created_by="AB",
                ),
                CoordinatorAssignment(
                    youth_id=youth_id,
                    staff_id=staff.id,
                    consent="accepted",
                    proposed_on=TODAY,
                    recorded_by="AB",
                ),
                DutyEpisode(
                    youth_id=youth_id,
                    out_since=TODAY,
                    contact_deadline=TODAY,
                    offer_deadline=TODAY,
                    closed_on=closed,
                ),
                Assessment(
                    youth_id=youth_id, grade=9, result="ready", assessed_on=TODAY, assessed_by="AB"
                ),
                Referral(
                    youth_id=youth_id,
                    team_id=team.id,
                    reason="Fravær",
                    referred_by="AB",
                    referred_on=TODAY,
                ),
                HistoryPeriod(youth_id=youth_id, kind="status", value="none", valid_to=TODAY),
                FeedEvent(
                    source="ungedata",
                    event_key=f"UD-{youth_id}",
                    content="0" * 32,
                    youth_id=youth_id,
                    kind="at-risk",
                    event_date=TODAY,
                    outcome="applied",
                    applied_at=dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC),
                ),
                Agreement(
                    youth_id=youth_id,
                    text="Ringer til skolen",
                    staff_id=staff.id,
                    due=TODAY,
                    created_on=TODAY,
                    created_by="AB",
                ),
                Contact(
                    youth_id=youth_id,
                    channel="phone",
                    reached=True,
                    contacted_on=TODAY,
                    by="AB",
                    at=dt.datetime(2026, 11, 22, 12, tzinfo=dt.UTC),
                ),
            ]
        )
        session.commit()
    engine.dispose()


def rows_of(db_url: str, youth_id: int) -> dict[str, int]:
    """How many rows each dependant table holds for a youth."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        counts = {
            table.name: conn.execute(
                select(func.count()).select_from(table).where(column == youth_id)
            ).scalar()
            for table, column in retention.youth_references()
        }
    engine.dispose()
    return counts


def youth_ids(db_url: str) -> list[int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        ids = list(conn.execute(select(Youth.id).order_by(Youth.id)).scalars())
    engine.dispose()
    return ids


@pytest.fixture
def town(ready: KuiRunner, db_url: str) -> KuiRunner:
    """1 turns 30 today, 2 tomorrow, 3 is 36 with an open duty episode, 4 is 36 with a closed
    one and everything else, 5 is 16."""
    ok(ready("staff", "add", *leader("CD")))
    add_youth(ready, TURNS_30_TODAY, "Ane Ager", today=REGISTERED_YOUNG)
    add_youth(ready, TURNS_30_TOMORROW, "Bent Bæk")
    for serial, name in (("1111", "Carl Dal"), ("2222", "Dorte Eng")):
        add = ("youth", "add", "--cpr", cpr_for(OLD, serial), "--name", name)
        ok(ready(*add, today=REGISTERED_YOUNG))
    add_youth(ready, YOUNG, "Eva Fjord")
    attach_everything(db_url, 3, episode_open=True)
    attach_everything(db_url, 4)
    attach_everything(db_url, 5)
    ok(ready("youth", "show", "4", user="CD"))
    return ready


def test_every_table_that_refers_to_a_youth_is_known_here() -> None:
    found = {table.name for table, _column in retention.youth_references()}
    assert found == DEPENDANTS, "add the new table to attach_everything and DEPENDANTS"


def test_everything_that_hangs_on_a_youth_cascades() -> None:
    """A row left behind by a deleted youth would outlive the retention rule."""
    depends = {"youth"}
    for table in metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name in depends and key.column.table is not table:
                assert key.ondelete == "CASCADE", f"{table.name}.{key.parent.name}"
                depends.add(table.name)


def test_dry_run_lists_what_would_go_and_changes_nothing_but_the_log(
    town: KuiRunner, db_url: str
) -> None:
    before = snapshot(db_url)
    result = ok(town("retention", "purge", "--dry-run", "-f", "json"))
    rows = json.loads(result.stdout)
    assert rows == [
        {"id": 1, "age": 30, "registered_on": REGISTERED_YOUNG, "action": "delete"},
        {"id": 4, "age": 36, "registered_on": REGISTERED_YOUNG, "action": "delete"},
    ]
    assert "2 youths would be deleted" in result.stderr
    after = snapshot(db_url)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    purge = after["audit_log"][-1]
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    assert purge[3:5] == ("purge", "kui retention purge")
    table = ok(town("retention", "purge", "--dry-run")).stdout
    assert "Ane" not in table and "221196" not in table and "registered_on" in table


def test_purge_deletes_the_due_youths_with_everything_and_keeps_the_chain(
    town: KuiRunner, db_url: str
) -> None:
    kept_entries = snapshot(db_url)["audit_log"]
    kept = {youth: rows_of(db_url, youth) for youth in (3, 5)}
    assert all(sum(counts.values()) for counts in kept.values())
    ok(town("retention", "purge", "--yes"))
    assert youth_ids(db_url) == [2, 3, 5]
    assert set(rows_of(db_url, 4).values()) == {0}
    assert set(rows_of(db_url, 1).values()) == {0}
    assert rows_of(db_url, 3) == kept[3], "the open episode keeps youth 3"
    assert rows_of(db_url, 5) == kept[5]
    entries = snapshot(db_url)["audit_log"]
    assert entries[: len(kept_entries)] == kept_entries
    new = entries[len(kept_entries) :]
    assert [(e[3], e[4]) for e in new] == [("delete", "kui retention purge")] * 2 + [
        ("purge", "kui retention purge")
    ]
    decided = {"mode": "delete", "on": TODAY.isoformat(), "retention_age": 30}
    assert json.loads(new[-1][6]) == decided
    assert new[-1][7] == 2
    ok(town("audit", "verify"))
    ok(town("db", "check"))


def test_a_deleted_youths_access_request_is_still_answered_by_cpr(
    town: KuiRunner, db_url: str
) -> None:
    ok(town("retention", "purge", "--yes"))
    report = json.loads(ok(town("audit", "subject", cpr_for(OLD, "2222"), "-f", "json")).stdout)
    assert report["registered"] is False and report["changes"] == []
    assert report["on_record"] is True
    assert (
        "Access request: youth (deleted)"
        in ok(town("audit", "subject", cpr_for(OLD, "2222"))).stdout
    )
    assert [(a["user"], a["command"]) for a in report["access"]] == [
        ("AB", "kui youth add"),
        ("CD", "kui youth show"),
        ("AB", "kui retention purge"),
    ]


def test_purge_without_yes_refuses_when_nobody_can_answer(town: KuiRunner, db_url: str) -> None:
    before = snapshot(db_url)
    result = town("retention", "purge")  # standard input is not a terminal: cron, a script
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: retention purge deletes youths for good: give --yes to confirm "
        "(or --dry-run to see who is due)"
    ]
    assert snapshot(db_url) == before


@pytest.mark.parametrize(("answer", "removed"), [("n\n", False), ("y\n", True)])
def test_purge_on_a_terminal_asks_first(
    town: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch, answer: str, removed: bool
) -> None:
    from kui_cli import invocation

    monkeypatch.setattr(invocation, "interactive", lambda: True)
    before = snapshot(db_url)
    result = town("retention", "purge", input=answer)
    assert "Delete 2 youths past the retention age? This cannot be undone." in result.stderr
    if removed:
        assert result.exit_code == 0 and "2 youths were deleted" in result.stderr
    else:
        assert result.exit_code == 1, result.output
        assert "Error: purge cancelled: no youth was removed" in result.stderr
        assert snapshot(db_url) == before


def test_purge_is_idempotent(town: KuiRunner, db_url: str) -> None:
    ok(town("retention", "purge", "--yes"))
    result = ok(town("retention", "purge", "--yes", "-f", "json"))
    assert json.loads(result.stdout) == [] and "0 youths were removed" in result.stderr


def profile_file(tmp_path: Path, **privacy: object) -> str:
    lines = ['name = "Testkommune"', "upper_age = 25", "[privacy]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in privacy.items()]
    path = tmp_path / "testkommune.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_the_profile_sets_the_retention_age(town: KuiRunner, db_url: str, tmp_path: Path) -> None:
    ok(town("init", "--profile", profile_file(tmp_path, retention_age=25)))
    rows = json.loads(ok(town("retention", "purge", "--dry-run", "-f", "json")).stdout)
    assert [r["id"] for r in rows] == [1, 2, 4]


def test_a_retention_age_below_25_is_refused(town: KuiRunner, db_url: str, tmp_path: Path) -> None:
    ok(town("init", "--profile", profile_file(tmp_path, retention_age=24)))
    before = snapshot(db_url)
    result = town("retention", "purge", "--yes")
    assert result.exit_code == 1 and "must be at least 25" in result.stderr
    assert snapshot(db_url) == before


def test_anonymise_keeps_a_row_for_statistics_with_nothing_that_identifies(
    town: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    ok(town("init", "--profile", profile_file(tmp_path, retention_mode="anonymise")))
    old_key = snapshot(db_url)["youth"][3][2]
    result = ok(town("retention", "purge", "--yes", "-f", "json"))
    assert [r["action"] for r in json.loads(result.stdout)] == ["anonymise"] * 2
    assert "anonymised" in result.stderr
    engine = create_engine(db_url)
    with Session(engine) as session:
        youth = session.get(Youth, 4)
        assert youth is not None
        assert youth.name == retention.ANONYMOUS_NAME
        assert youth.cpr == "X000000004" and youth.subject_key != old_key
        assert youth.birth_date == dt.date(1990, 1, 1)
        assert (youth.phone, youth.email, youth.school) == (None, None, None)
    engine.dispose()
    assert set(rows_of(db_url, 4).values()) == {0}
    assert youth_ids(db_url) == [1, 2, 3, 4, 5]
    shown = json.loads(ok(town("youth", "show", "4", "-f", "json")).stdout)
    assert shown["history"] == [] and "Dorte" not in json.dumps(shown)
    assert json.loads(ok(town("retention", "purge", "--dry-run", "-f", "json")).stdout) == []
    report = json.loads(ok(town("audit", "subject", cpr_for(OLD, "2222"), "-f", "json")).stdout)
    assert report["registered"] is False and report["subject_key"] == old_key
    assert report["access"][-1]["action"] == "anonymise"
    ok(town("audit", "verify"))


def test_due_is_decided_in_sql_on_the_reference_date(town: KuiRunner, db_url: str) -> None:
    engine = create_engine(db_url)
    with Session(engine) as session:
        assert [d.id for d in retention.due(session, TODAY, 30)] == [1, 4]
        tomorrow = TODAY + dt.timedelta(days=1)
        assert [d.id for d in retention.due(session, tomorrow, 30)] == [1, 2, 4]
        assert [d.id for d in retention.due(session, TODAY, 35)] == [4]
    engine.dispose()
