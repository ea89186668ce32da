"""Locks said as they are, and short write transactions (issue 15, hole 9).

A command that waited out SQLite's busy timeout says that the database is busy, never that it is
not initialised (the schema check reads without a lock and reads only a missing table as "no
schema"); `agenda generate` builds its documents in a read that holds no lock and writes each
agenda's audit entries in a short transaction of its own.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from kui_cli import db
from kui_cli.commands import agenda as agenda_command
from kui_cli.domain.meetings import agendas
from tests.conftest import KuiRunner, add_youth, cpr_for, ok, snapshot

ROOT = Path(__file__).resolve().parents[1]
SHORT_MS = 200
BUSY = (
    "Error: the database is busy: another command has held its write lock for more than "
    "0.2 s; try again\n"
)
NOT_INITIALISED = "Error: the database is not initialised: run `kui init`\n"
BORN_16 = dt.date(2010, 3, 15)  # team 2: under 18, outside education
BORN_20 = dt.date(2006, 3, 15)  # team 3: 18 and over, outside education
BORN_PUPIL = dt.date(2012, 5, 1)  # team 1: a pupil


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """A busy timeout of 0.2 s for the commands run in this test (new connections)."""
    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", SHORT_MS)
    db.dispose_engines()


def sqlite_file(db_url: str) -> Path:
    path = db.sqlite_path(db_url)
    if path is None:
        pytest.skip("SQLite's file locks")
    return path


@contextmanager
def holding(path: Path) -> Iterator[None]:
    """Another process's transaction on the file that holds the write lock (BEGIN IMMEDIATE)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("SELECT count(*) FROM youth").fetchone()
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def test_a_held_write_lock_is_reported_as_busy_not_as_uninitialised(
    ready: KuiRunner, db_url: str, short_wait: None
) -> None:
    before = snapshot(db_url)
    with holding(sqlite_file(db_url)):
        result = ready("youth", "add", "--cpr", cpr_for(BORN_16), "--name", "Ida Jensen")
    assert result.exit_code == 1
    assert result.stderr == BUSY
    assert snapshot(db_url) == before


def test_a_failed_read_in_the_schema_check_is_not_read_as_no_schema(
    ready: KuiRunner, db_url: str, short_wait: None
) -> None:
    """The schema check's own read fails as it does when another program holds an exclusive
    lock (`PRAGMA locking_mode = EXCLUSIVE`: nobody may even read): a busy database, not a
    missing schema. The failure is injected where the driver runs the statement."""
    sqlite_file(db_url)
    engine = db.get_engine(db_url)

    def locked(cursor, statement, parameters, context):  # type: ignore[no-untyped-def]
        if "alembic_version" in statement:
            raise sqlite3.OperationalError("database is locked")

    event.listen(engine, "do_execute", locked)
    before = snapshot(db_url)
    with pytest.raises(DBAPIError, match="database is locked"):
        db.current_revision(engine)
    result = ready("youth", "list")
    assert result.exit_code == 1
    assert result.stderr == BUSY
    assert snapshot(db_url) == before


def test_a_database_without_kui_tables_is_not_initialised(kui: KuiRunner, db_url: str) -> None:
    """Only a missing alembic_version table is "not initialised" (SQLite's "no such table",
    PostgreSQL's undefined_table)."""
    path = db.sqlite_path(db_url)
    if path is not None:
        path.touch()
    result = kui("youth", "list")
    assert result.exit_code == 1
    assert result.stderr == NOT_INITIALISED


@pytest.mark.slow
def test_concurrent_writers_that_time_out_are_told_the_database_is_busy(
    ready: KuiRunner, db_url: str
) -> None:
    """Six writer processes with a busy timeout of 1 ms: many commands fail, and every failure
    is the busy line (with 16 writers and the 30 s timeout 24 of 26 failures once said "not
    initialised"). What failed changed nothing: the youths are those that were added."""
    sqlite_file(db_url)
    writers, each = 6, 8
    for worker in range(writers):
        ok(ready("staff", "add", "--initials", f"W{worker}", "--name", f"Leder W{worker}",
                 "--role", "leader", "--department", "KUI"))  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "KUI_TEST_BUSY_TIMEOUT_MS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.workers", "write", db_url, str(w), str(each)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(writers)
    ]
    summaries = [json.loads(proc.communicate(timeout=300)[0]) for proc in procs]
    failures = [failure for summary in summaries for failure in summary["failures"]]
    assert failures, "no command waited out the busy timeout: the test proves nothing"
    for failure in failures:
        assert failure["exit"] == 1
        assert failure["output"] == BUSY.replace("0.2 s", "0.001 s"), failure
    listed = json.loads(ok(ready("youth", "list", "-f", "json")).stdout)
    refused_adds = [f for f in failures if f["args"][0:2] == ["youth", "add"]]
    assert 0 < len(listed) == writers * each - len(refused_adds)


def test_a_read_transaction_takes_no_lock_and_refuses_writes(
    ready: KuiRunner, db_url: str, short_wait: None
) -> None:
    """`db.begin_read`: on SQLite a deferred BEGIN (it reads while another holds the write
    lock) with `query_only`; on PostgreSQL READ ONLY. A write in it fails instead of taking
    the lock."""
    engine = db.get_engine(db_url)
    path = db.sqlite_path(db_url)
    with Session(engine) as session:
        db.begin_read(session)
        if path is not None:
            with holding(path):
                assert session.execute(text("SELECT count(*) FROM staff")).scalar() == 1
        with pytest.raises(DBAPIError, match=r"(?i)read-?only"):
            session.execute(text("DELETE FROM staff"))
        session.rollback()
        # The next transaction writes as usual (on SQLite: BEGIN IMMEDIATE, query_only off).
        session.execute(text("UPDATE staff SET name = name"))
        session.rollback()


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """The agendas' folder (the SQLite database is in tmp_path)."""
    folder = tmp_path / "agendas"
    folder.mkdir()
    return folder


def referred(ready: KuiRunner) -> dict[str, int]:
    """One youth referred to each of the three meetings of the next 14 days, by team."""
    ids = {}
    pupil = ("--status", "primary-school")
    for team, born, extra in (
        ("team-2", BORN_16, ()),
        ("team-3", BORN_20, ()),
        ("team-1", BORN_PUPIL, pupil),
    ):
        youth = add_youth(ready, born, f"Ung {team}", *extra)
        ok(ready("agenda", "add", str(youth), "--team", team, "--reason", "Ingen aktivitet"))
        ids[team] = youth
    return ids


def printed(db_url: str) -> list[tuple[str, int]]:
    """(subject key, meeting) of every `print` entry, in order."""
    from sqlalchemy import create_engine

    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT subject_key, filter FROM audit_log WHERE action = 'print' ORDER BY id")
        ).all()
    engine.dispose()
    return [(key, json.loads(filters)["meeting"]) for key, filters in rows]


def test_agenda_generate_builds_its_documents_without_the_write_lock(
    ready: KuiRunner, db_url: str, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While each agenda is built, another connection can take the write lock at once (the
    cron used to hold it for the whole run: 41 s at 100,000 youths)."""
    path = sqlite_file(db_url)
    referred(ready)
    real_compose, free = agendas.compose, []

    def compose_and_probe(*args, **kwargs):  # type: ignore[no-untyped-def]
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            free.append(True)
        except sqlite3.OperationalError:
            free.append(False)
        finally:
            other.close()
        return real_compose(*args, **kwargs)

    monkeypatch.setattr(agendas, "compose", compose_and_probe)
    ok(ready("agenda", "generate", "--days", "14", "--out", str(out)))
    assert free == [True, True, True]
    assert len(printed(db_url)) == 3 and len(list(out.glob("*.md"))) == 3


def test_a_failed_agenda_generate_keeps_what_it_circulated_and_logged(
    ready: KuiRunner, db_url: str, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up at the second agenda: one line, exit 1. The first agenda is written and
    logged (it was circulated: its entries stay); the second was logged just before its files
    (the log may say printed for an agenda that never reached the folder, never the reverse);
    the third was neither written nor logged."""
    referred(ready)
    real_write, calls = agenda_command._write_agenda, []

    def full_at_the_second(out: Path, doc: dict) -> int:
        calls.append(doc["meeting"]["id"])
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device", str(out / "x.md"))
        return real_write(out, doc)

    monkeypatch.setattr(agenda_command, "_write_agenda", full_at_the_second)
    result = ready("agenda", "generate", "--days", "14", "--out", str(out))
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: the disk is full") and result.stderr.count("\n") == 1
    first, second = calls
    assert [meeting for _, meeting in printed(db_url)] == [first, second]
    written = sorted(p.suffix for p in out.glob(f"*_{first}.*"))
    assert written == [".html", ".md"] and len(list(out.iterdir())) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("meeting", "generate", "--until", "9999-12-31"),
            "Error: --until 9999-12-31 is more than 2 years ahead: meetings are generated at "
            "most 2 years ahead of today, up to 2028-11-22\n",
        ),
        (
            ("meeting", "generate", "--until", "2028-11-23"),
            "Error: --until 2028-11-23 is more than 2 years ahead: meetings are generated at "
            "most 2 years ahead of today, up to 2028-11-22\n",
        ),
        (
            ("agenda", "generate", "--days", "93"),
            "Error: --days must be 0-92: the agendas of at most a quarter ahead (the cron runs "
            "daily and writes each agenda again until the meeting)\n",
        ),
    ],
    ids=["until-9999", "until-a-day-too-far", "days-93"],
)
def test_horizons_beyond_the_bound_are_refused_and_write_nothing(
    ready: KuiRunner, db_url: str, out: Path, args: tuple[str, ...], message: str
) -> None:
    before = snapshot(db_url)
    result = ready(*args, "--out", str(out)) if args[0] == "agenda" else ready(*args)
    assert result.exit_code == 1
    assert result.stderr == message
    assert snapshot(db_url) == before and list(out.iterdir()) == []


def test_horizons_at_the_bound_are_accepted(ready: KuiRunner, out: Path) -> None:
    ok(ready("meeting", "generate", "--until", "2028-11-22"))
    ok(ready("agenda", "generate", "--days", "92", "--out", str(out)))
    leap = ready("meeting", "generate", "--until", "2030-02-28", today="2028-02-29")
    assert "new meetings up to 2030-02-28." in ok(leap).stderr
