"""The audit trail: append-only in the database, hash-chained, readable, and read under audit."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from kui_cli.domain import periods
from kui_cli.domain.protection import audit, audit_trail
from kui_cli.models import AuditLog
from tests.conftest import KuiRunner, add_youth, cpr_for, leader, ok, snapshot

IDA_BORN = dt.date(2010, 3, 15)
BO_BORN = dt.date(2008, 1, 1)


def sql(db_url: str, *statements: str) -> list[list[tuple]]:
    """Run statements directly on the database, as a script or a person with access could."""
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            results = [conn.execute(text(statement)) for statement in statements]
            return [list(r.all()) if r.returns_rows else [] for r in results]
    finally:
        engine.dispose()


def behind_the_back(db_url: str, statement: str) -> None:
    """Change the log the way only someone bypassing kui can: switch the guard off first."""
    if db_url.startswith("sqlite"):
        sql(
            db_url,
            "DROP TRIGGER audit_log_no_update",
            "DROP TRIGGER audit_log_no_delete",
            statement,
        )
    else:
        sql(
            db_url,
            "ALTER TABLE audit_log DISABLE TRIGGER USER",
            statement,
            "ALTER TABLE audit_log ENABLE TRIGGER USER",
        )


def entries(db_url: str) -> list[tuple]:
    query = 'SELECT id, "user", action, command, subject_key FROM audit_log ORDER BY id'
    return sql(db_url, query)[0]


@pytest.fixture
def used(ready: KuiRunner) -> KuiRunner:
    """Two youths, looked at and changed by two users."""
    ok(ready("staff", "add", *leader("CD")))
    add_youth(ready, IDA_BORN, "Ida Jensen")
    add_youth(ready, BO_BORN, "Bo Lund")
    ok(ready("youth", "show", "1", user="CD"))
    ok(ready("youth", "update", "1", "--need", "B", "--reason", "Skolefravær", user="CD"))
    ok(ready("youth", "list", "--need", "B"))
    return ready


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET \"user\" = 'ZZ' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 1",
        "DELETE FROM audit_log",
    ],
)
def test_the_database_refuses_changes_to_the_log(
    used: KuiRunner, db_url: str, statement: str
) -> None:
    before = entries(db_url)
    with pytest.raises(DBAPIError, match="append-only"):
        sql(db_url, statement)
    assert entries(db_url) == before


def test_postgresql_refuses_truncate(used: KuiRunner, db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no TRUNCATE")
    with pytest.raises(DBAPIError, match="append-only"):
        sql(db_url, "TRUNCATE audit_log")


def test_demo_keeps_the_audit_log(kui: KuiRunner, db_url: str) -> None:
    ok(kui("demo", "--youths", "20"))
    ok(kui("youth", "show", "3"))
    kept = entries(db_url)
    ok(kui("demo", "--youths", "10"))
    assert entries(db_url)[: len(kept)] == kept
    ok(kui("audit", "verify"))


def test_verify_passes_on_an_untouched_log_and_is_audited(used: KuiRunner, db_url: str) -> None:
    result = ok(used("audit", "verify", "-f", "json"))
    report = json.loads(result.stdout)
    assert report["intact"] is True and report["first_broken"] is None
    assert report["entries"] == len(entries(db_url)) - 1
    assert report["last_hash"] == sql(db_url, "SELECT hash FROM audit_log ORDER BY id")[0][-2][0]
    assert entries(db_url)[-1][2:4] == ("verify", "kui audit verify")
    assert "intact" in result.stderr


@pytest.mark.parametrize(
    ("statement", "broken", "problem"),
    [
        ("UPDATE audit_log SET \"user\" = 'ZZ' WHERE id = 3", 3, "was edited"),
        ("UPDATE audit_log SET rows = 99 WHERE id = 5", 5, "was edited"),
        ("UPDATE audit_log SET subject_key = NULL WHERE id = 4", 4, "was edited"),
        ("DELETE FROM audit_log WHERE id = 2", 3, "the entries between were removed"),
        ("DELETE FROM audit_log WHERE id = 1", 2, "does not start at entry 1"),
    ],
)
def test_verify_finds_the_first_entry_changed_behind_the_tools_back(
    used: KuiRunner, db_url: str, statement: str, broken: int, problem: str
) -> None:
    behind_the_back(db_url, statement)
    result = used("audit", "verify", "-f", "json")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: the audit log is broken at entry {broken}: {json.loads(result.stdout)['problem']}"
    ]
    assert problem in result.stderr
    assert json.loads(result.stdout)["first_broken"] == broken
    assert entries(db_url)[-1][2] == "verify", "a failed verification is still logged"


def test_verify_finds_a_rewritten_and_rehashed_entry(used: KuiRunner, db_url: str) -> None:
    """Someone who edits an entry and recomputes its hash still breaks the next link."""
    engine = create_engine(db_url)
    with Session(engine) as session:
        forged = session.get(AuditLog, 2)
        assert forged is not None
        forged.user = "ZZ"
        forged_hash = audit.entry_hash(forged)
    engine.dispose()
    behind_the_back(
        db_url,
        f"UPDATE audit_log SET \"user\" = 'ZZ', hash = '{forged_hash}' WHERE id = 2",
    )
    result = used("audit", "verify")
    assert result.exit_code == 1 and "broken at entry 3" in result.stderr


def test_log_lists_every_entry_in_every_format(used: KuiRunner, db_url: str) -> None:
    rows = json.loads(ok(used("audit", "log", "-f", "json")).stdout)
    assert [r["id"] for r in rows] == [e[0] for e in entries(db_url)][:-1]
    assert set(rows[0]) == set(audit_trail.LOG_COLUMNS)
    assert [r["action"] for r in rows[:3]] == ["administer"] * 3  # the profile, AB and CD
    assert next(r for r in rows if r["command"] == "kui youth add")["youth_id"] == 1
    listing = next(r for r in rows if r["action"] == "list")
    assert json.loads(listing["filter"]) == {"need": "B"} and listing["rows"] == 1
    assert listing["youth_id"] is None and listing["subject_key"] is None
    csv_lines = ok(used("audit", "log", "-f", "csv")).stdout.splitlines()
    assert csv_lines[0] == ",".join(audit_trail.LOG_COLUMNS)
    assert "| subject_key" in ok(used("audit", "log", "-f", "markdown")).stdout
    assert "kui youth show" in ok(used("audit", "log")).stdout
    assert "150310" not in ok(used("audit", "log")).stdout, "never a CPR in the log"


def test_log_filters_by_youth_user_and_date(used: KuiRunner) -> None:
    def ids(*args: str) -> list[int]:
        return [r["id"] for r in json.loads(ok(used("audit", "log", *args, "-f", "json")).stdout)]

    every = json.loads(ok(used("audit", "log", "-f", "json")).stdout)
    ida = [r["id"] for r in every if r["youth_id"] == 1]
    assert ids("--youth", "1") == ida
    assert ids("--youth", cpr_for(IDA_BORN))[: len(ida)] == ida, "by CPR the same entries"
    assert ids("--user", "cd") == [r["id"] for r in every if r["user"] == "CD"] != []
    assert ids("--since", "2000-01-01")[: len(every)] == [r["id"] for r in every]
    assert ids("--since", "2999-01-01") == []
    assert ids("--youth", "2", "--user", "CD") == []


def test_reading_the_log_is_audited(used: KuiRunner, db_url: str) -> None:
    ok(used("audit", "log", "--youth", "1", "--user", "CD", "--since", "2026-01-01"))
    last = sql(db_url, "SELECT action, command, subject_key, filter, rows FROM audit_log")[0][-1]
    assert last[:2] == ("audit", "kui audit log")
    assert last[2] is not None, "a look at one youth's trail is logged against that youth"
    assert json.loads(last[3]) == {"user": "CD", "since": "2026-01-01"}


def test_subject_answers_the_access_request(used: KuiRunner, db_url: str) -> None:
    ok(used("staff", "add", *leader("EF")))
    ok(used("youth", "show", "2", user="EF"))
    report = json.loads(ok(used("audit", "subject", cpr_for(IDA_BORN), "-f", "json")).stdout)
    assert report["youth_id"] == 1 and report["registered"] is True
    assert report["cpr"] == "150310-xxxx"
    assert [(a["user"], a["action"], a["command"]) for a in report["access"]] == [
        ("AB", "create", "kui youth add"),
        ("CD", "read", "kui youth show"),
        ("CD", "update", "kui youth update"),
    ]
    # Registered at 16 with no activity: the education obligation's episode opens at once.
    assert [c["kind"] for c in report["changes"]] == ["registered", "duty", "need"]
    assert report["changes"][2]["why"] == "Skolefravær" and report["changes"][2]["by"] == "CD"
    last = entries(db_url)[-1]
    assert last[2:] == ("audit", "kui audit subject", report["subject_key"])
    again = json.loads(ok(used("audit", "subject", "1", "-f", "json")).stdout)
    assert [a["command"] for a in again["access"]][-1] == "kui audit subject"


@pytest.mark.parametrize("fmt", ["table", "csv", "markdown"])
def test_subject_in_every_format(used: KuiRunner, fmt: str) -> None:
    out = ok(used("audit", "subject", "1", "-f", fmt)).stdout
    assert "kui youth update" in out and "Skolefravær" in out and "150310-4321" not in out


def test_subject_of_an_unregistered_cpr_is_empty_not_an_error(used: KuiRunner) -> None:
    report = json.loads(ok(used("audit", "subject", "0101901234", "-f", "json")).stdout)
    assert report["registered"] is False and report["access"] == report["changes"] == []
    assert report["on_record"] is False


def test_subject_of_a_never_registered_cpr_says_there_is_no_record(
    used: KuiRunner, db_url: str
) -> None:
    for _ in range(2):  # the first request's own log entry is no record of the person
        out = ok(used("audit", "subject", "0101901234")).stdout
        assert "no record" in out and "deleted" not in out
        last = entries(db_url)[-1]
        assert last[2:4] == ("audit", "kui audit subject"), "the request is logged all the same"
    again = json.loads(ok(used("audit", "subject", "0101901234", "-f", "json")).stdout)
    assert [a["action"] for a in again["access"]] == ["audit", "audit"]
    assert again["on_record"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("log", "--since", "yesterday"), "--since must be a date"),
        (("log", "--youth", "99"), "no youth with id 99"),
        (("log", "--youth", "320110-4321"), "invalid CPR"),
        (("subject", "Ida"), "unknown youth"),
        (("export", "--before", "2026-13-01"), "--before must be a date"),
    ],
)
def test_bad_input_is_one_error_and_changes_nothing(
    used: KuiRunner, db_url: str, args: tuple[str, ...], message: str
) -> None:
    before = snapshot(db_url)
    result = used("audit", *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [result.stderr.splitlines()[0]]
    assert result.stderr.startswith("Error: ") and message in result.stderr
    assert snapshot(db_url) == before


def test_export_archives_older_entries_privately_and_deletes_nothing(
    used: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    kept = entries(db_url)
    out = tmp_path / "audit-archive.jsonl"
    result = ok(used("audit", "export", "--before", "2999-01-01", "--out", str(out)))
    assert "Exported" in result.stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["id"] for line in lines] == [e[0] for e in kept]
    assert entries(db_url)[: len(kept)] == kept, "the export copies, it never deletes"
    assert entries(db_url)[-1][2] == "export"
    previous = audit.GENESIS
    for line in lines:
        entry = AuditLog(**{**line, "at": dt.datetime.fromisoformat(line["at"])})
        assert entry.prev_hash == previous and audit.entry_hash(entry) == entry.hash
        previous = entry.hash
    assert not list(tmp_path.glob(".*partial"))


def test_export_before_a_date_takes_only_older_entries(used: KuiRunner) -> None:
    assert ok(used("audit", "export", "--before", "2000-01-01")).stdout == ""
    lines = ok(used("audit", "export", "--before", "2999-01-01")).stdout.splitlines()
    assert json.loads(lines[0])["id"] == 1


def test_export_refuses_to_overwrite_and_leaves_no_partial_file(
    used: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "archive.jsonl"
    out.write_text("keep me", encoding="utf-8")
    before = snapshot(db_url)
    result = used("audit", "export", "--before", "2999-01-01", "--out", str(out))
    assert result.exit_code == 1 and "exists already" in result.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    assert snapshot(db_url) == before


def test_a_failed_export_leaves_neither_file_nor_entry(
    used: KuiRunner, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_archive(session: object, before: dt.date):  # type: ignore[no-untyped-def]
        yield {"id": 1}
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(audit_trail, "archive", broken_archive)
    before = snapshot(db_url)
    result = used("audit", "export", "--before", "2999-01-01", "--out", str(tmp_path / "a.jsonl"))
    assert result.exit_code == 1
    assert result.stderr == "Error: the disk is full (no space left on device)\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith((".a.jsonl", "a.jsonl"))]
    assert snapshot(db_url) == before


def test_start_of_a_day_is_danish_midnight() -> None:
    assert periods.start_of(dt.date(2026, 7, 1)) == dt.datetime(2026, 6, 30, 22, tzinfo=dt.UTC)
    assert periods.start_of(dt.date(2026, 1, 1)) == dt.datetime(2025, 12, 31, 23, tzinfo=dt.UTC)
