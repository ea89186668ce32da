"""Concurrency and faults: nothing is lost, nothing is half-done, every failure is one clear line.

Processes are real processes (`python -m tests.workers`, `python -m kui_cli`), started from the
worktree so they run this code.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext, suppress
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import OperationalError
from typer.testing import Result

from kui_cli import db
from kui_cli.domain.protection import audit_trail, maintenance
from kui_cli.models import ChangeLog, Effort, Goal, Referral, Youth
from tests.conftest import TODAY, KuiRunner, add_youth, leader, ok, snapshot
from tests.inprocess import run
from tests.workers import plan_cpr

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 4
WRITES_EACH = 8


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


def kui_process(db_url: str, *args: str) -> subprocess.Popen[str]:
    return start("-m", "kui_cli", "--db", db_url, "--user", "AB", "--today", TODAY, *args)


def summary(process: subprocess.Popen[str], timeout: float = 120) -> dict:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    return json.loads(out)


def count(db_url: str, query: object) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        value = conn.execute(query).scalar() or 0  # type: ignore[call-overload]
    engine.dispose()
    return value


def youths(db_url: str) -> int:
    return count(db_url, select(func.count()).select_from(Youth))


@pytest.mark.slow
def test_four_plan_writers_and_the_agenda_cron_lose_nothing_and_never_see_a_lock(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """Four coordinators record goals, efforts and referrals while `agenda generate` runs in a
    loop (the cron job, which also generates meetings): every write is there afterwards."""
    for user in [f"W{w}" for w in range(WRITERS)] + ["R"]:  # the workers act as leaders
        ok(ready("staff", "add", *leader(user)))
    rows = [
        f"{plan_cpr(w, i)},Ung {w}-{i},none" for w in range(WRITERS) for i in range(WRITES_EACH)
    ]
    (tmp_path / "youths.csv").write_text("cpr,name,status\n" + "\n".join(rows) + "\n")
    ok(ready("youth", "import", str(tmp_path / "youths.csv")))
    stop, folder = tmp_path / "stop", tmp_path / "agendas"
    folder.mkdir()
    reader = start("-m", "tests.workers", "agendas", db_url, str(folder), str(stop))
    writers = [
        start("-m", "tests.workers", "plan", db_url, str(w), str(WRITES_EACH))
        for w in range(WRITERS)
    ]
    results = [summary(w) for w in writers]
    stop.touch()
    cron = summary(reader)
    for result in [*results, cron]:
        assert result["failures"] == [], result["failures"][:3]
    assert "locked" not in json.dumps([*results, cron])
    assert all(r["commands"] == 3 * WRITES_EACH for r in results)
    assert cron["commands"] >= 2 and list(folder.glob("*_team-2_*.md"))
    written = WRITERS * WRITES_EACH
    for table in (Goal, Effort, Referral):
        assert count(db_url, select(func.count()).select_from(table)) == written, table
    for kind in ("goal", "effort", "referral"):
        changed = select(func.count()).select_from(ChangeLog).where(ChangeLog.kind == kind)
        assert count(db_url, changed) == written, kind
    ok(ready("db", "check"))
    verified = json.loads(ok(ready("audit", "verify", "-f", "json")).stdout)
    assert verified["intact"] and verified["entries"] >= 3 * written + cron["commands"]


def big_csv(path: Path, rows: int) -> Path:
    """`rows` valid, distinct youths (born 1999-2001, serials 4000-4099)."""
    lines = ["cpr,name"]
    base = dt.date(1999, 1, 1)
    for k in range(rows):
        born = base + dt.timedelta(days=k % 1000)
        lines.append(f"{born:%d%m%y}-4{k // 1000:03d},Ung {k}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def inserting(db_url: str) -> bool:
    """Whether another process is in the middle of writing the import's rows."""
    path = db.sqlite_path(db_url)
    if path is not None:
        wal = Path(f"{path}-wal")
        return wal.exists() and wal.stat().st_size > 2_000_000
    busy = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state <> 'idle' AND query ILIKE 'INSERT INTO youth%'"
    )
    return count(db_url, busy) > 0


def wait_until(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.005)


def busy_backends(db_url: str) -> int:
    """Other PostgreSQL sessions of this database that are working or hold a transaction."""
    if db_url.startswith("sqlite"):
        return 0
    others = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND state <> 'idle'"
    )
    return count(db_url, others)


@pytest.mark.slow
def test_sigkill_in_the_middle_of_an_import_leaves_the_database_as_it_was(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    add_youth(ready, dt.date(2010, 3, 15))
    before = snapshot(db_url)
    csv = big_csv(tmp_path / "youths.csv", 100_000)
    process = kui_process(db_url, "youth", "import", str(csv))
    wait_until(lambda: inserting(db_url) or process.poll() is not None, 120, "the import to insert")
    assert process.poll() is None, "the import finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    wait_until(lambda: busy_backends(db_url) == 0, 30, "PostgreSQL to drop the dead session")
    assert youths(db_url) == 1
    assert snapshot(db_url) == before
    ok(ready("db", "check"))
    ok(ready("audit", "verify"))
    add_youth(ready, dt.date(2011, 4, 16), "Efter Nedbrud")


def sqlite_only(db_url: str) -> Path:
    path = db.sqlite_path(db_url)
    if path is None:
        pytest.skip("a SQLite file; PostgreSQL is backed up with pg_dump and has no file here")
    return path


def test_backup_is_private_even_with_a_permissive_umask(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    sqlite_only(db_url)
    add_youth(ready, dt.date(2010, 3, 15))
    copy = tmp_path / "backup.db"
    old = os.umask(0)
    try:
        result = ok(ready("db", "backup", str(copy)))
    finally:
        os.umask(old)
    assert "Backup written" in result.stderr
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert backup_problems(copy) == []
    last = snapshot(db_url)["audit_log"][-1]
    assert last[3:5] == ("backup", "kui db backup") and last[7] == 1
    assert json.loads(last[6]) == {"file": "backup.db"}


def test_backup_refuses_an_existing_file_and_postgresql(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    copy = tmp_path / "backup.db"
    copy.write_text("keep", encoding="utf-8")
    before = snapshot(db_url)
    result = ready("db", "backup", str(copy))
    assert result.exit_code == 1
    if db_url.startswith("sqlite"):
        assert result.stderr == f"Error: {copy} exists already: choose a new file name\n"
    else:
        assert "pg_dump" in result.stderr
    assert copy.read_text(encoding="utf-8") == "keep"
    assert snapshot(db_url) == before


def backup_problems(copy: Path) -> list[str]:
    """What is inconsistent in a backup: integrity, half-written imports, a broken chain."""
    url = f"sqlite:///{copy}"
    with db.session_scope(url) as session:
        problems = maintenance.integrity_problems(session)
        registered = (
            select(func.count()).select_from(ChangeLog).where(ChangeLog.kind == "registered")
        )
        youth_count = session.execute(select(func.count()).select_from(Youth)).scalar()
        if session.execute(registered).scalar() != youth_count:
            problems.append("a youth without its registration (or the reverse)")
        chain = audit_trail.check_chain(session)
        if chain.first_broken is not None:
            problems.append(f"audit chain broken at {chain.first_broken}")
    db.dispose_engines()
    return problems


@pytest.mark.slow
def test_backups_taken_while_another_process_writes_are_consistent(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    sqlite_only(db_url)
    ok(ready("staff", "add", *leader("W7")))  # the writer acts as a leader
    stop = tmp_path / "stop"
    writer = start("-m", "tests.workers", "write", db_url, "7", "400", str(stop))
    copies: list[Path] = []
    sizes: list[int] = []
    try:
        for _ in range(4):  # each copy waits until the writer has gone on since the last one
            wait_until(lambda: youths(db_url) > (sizes[-1] if sizes else 0), 60, "a new youth")
            copies.append(tmp_path / f"backup-{len(copies)}.db")
            ok(ready("db", "backup", str(copies[-1])))
            with closing(sqlite3.connect(copies[-1])) as conn:
                sizes.append(conn.execute("SELECT count(*) FROM youth").fetchone()[0])
    finally:
        stop.touch()
    written = summary(writer)
    assert written["failures"] == []
    for copy in copies:
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
        assert backup_problems(copy) == [], copy.name
    assert sizes == sorted(set(sizes)), "the backups should catch the writer at different moments"
    assert youths(db_url) == written["commands"] // 2 >= sizes[-1]


@contextmanager
def small_disk(size: str) -> Iterator[Path]:
    """A tmpfs of `size`, mounted for the test (root only); skipped where mounting is refused."""
    folder = Path(tempfile.mkdtemp(prefix="kui-disk-"))
    mount = ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(folder)]
    done = subprocess.run(mount, capture_output=True, text=True)
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a small tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield folder
    finally:
        db.dispose_engines()
        subprocess.run(["umount", "-l", str(folder)], check=False)
        folder.rmdir()


def fill(folder: Path) -> Path:
    """Use every byte left on the disk."""
    filler = folder / "filler"
    with filler.open("wb") as handle:
        try:
            while True:
                handle.write(b"\0" * 65536)
                handle.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
            with suppress(OSError):
                handle.truncate(handle.tell() - handle.tell() % 65536)
    return filler


def one_error_line(result: subprocess.CompletedProcess[str] | Result) -> str:
    """The single `Error:` line of a failed command (exit 1), never a traceback."""
    code = (
        result.returncode if isinstance(result, subprocess.CompletedProcess) else result.exit_code
    )
    assert code == 1, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def run_kui(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`kui` in its own process: a full disk must not take the test run down with it."""
    process = kui_process(db_url, *args)
    out, err = process.communicate(timeout=120)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


@pytest.mark.slow
def test_a_full_disk_under_the_database_is_one_clear_error_and_loses_nothing(
    tmp_path: Path,
) -> None:
    with small_disk("2m") as disk:
        url = f"sqlite:///{disk / 'kui.db'}"
        as_ab = ["--db", url, "--user", "AB"]  # a leader, registered below
        ok(run([*as_ab, "init"]))
        ok(run([*as_ab, "staff", "add", *leader("AB")]))
        ok(
            run(
                [
                    "--db",
                    url,
                    "--user",
                    "AB",
                    "youth",
                    "add",
                    "--cpr",
                    "150310-4321",
                    "--name",
                    "Ida",
                ]
            )
        )
        db.dispose_engines()
        before = snapshot(url)
        filler = fill(disk)
        line = one_error_line(run_kui(url, "youth", "add", "--cpr", "010108-4001", "--name", "Bo"))
        assert line.startswith("Error: the disk is full")
        csv = big_csv(tmp_path / "youths.csv", 2_000)
        assert one_error_line(run_kui(url, "youth", "import", str(csv))).startswith(
            "Error: the disk is full"
        )
        filler.unlink()
        assert snapshot(url) == before
        ok(run([*as_ab, "db", "check"]))
        ok(run([*as_ab, "audit", "verify"]))


def test_a_full_disk_under_a_backup_or_export_leaves_no_file_and_no_entry(
    ready: KuiRunner, db_url: str
) -> None:
    sqlite_only(db_url)
    add_youth(ready, dt.date(2010, 3, 15))
    before = snapshot(db_url)
    with small_disk("256k") as disk:
        fill(disk)
        line = one_error_line(ready("db", "backup", str(disk / "backup.db")))
        assert line.startswith("Error: the disk is full")
        out = disk / "audit.jsonl"
        line = one_error_line(ready("audit", "export", "--before", "2999-01-01", "--out", str(out)))
        assert line.startswith("Error: the disk is full")
        assert sorted(p.name for p in disk.iterdir()) == ["filler"]
    assert snapshot(db_url) == before


def test_a_read_only_database_is_one_clear_error(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    path = sqlite_only(db_url)
    add_youth(ready, dt.date(2010, 3, 15))
    before = snapshot(db_url)
    db.dispose_engines()
    read_only: AbstractContextManager[Path]
    if os.geteuid() == 0:
        read_only = read_only_mount(path)
    else:
        path.chmod(0o400)
        read_only = nullcontext(path)
    with read_only as file:
        url = f"sqlite:///{file}"
        for args in (("youth", "list"), ("youth", "add", "--cpr", "010108-4001", "--name", "Bo")):
            line = one_error_line(run(["--db", url, *args]))
            assert line == (
                f"Error: the database file {file} is read-only: "
                "kui must write to it (every use is logged)"
            )
    path.chmod(0o600)
    assert snapshot(db_url) == before


@contextmanager
def read_only_mount(path: Path) -> Iterator[Path]:
    """A copy of the database on a file system mounted read-only (root ignores file modes)."""
    with small_disk("4m") as disk:
        shutil.copy2(path, disk / path.name)
        remount = ["mount", "-o", "remount,ro", str(disk)]
        done = subprocess.run(remount, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot remount read-only: {done.stderr.strip()}")
        yield disk / path.name


def test_database_errors_are_described_in_one_line() -> None:
    def operational(message: str) -> OperationalError:
        return OperationalError("INSERT ...", {}, sqlite3.OperationalError(message))

    assert db.describe_database_error(operational("attempt to write a readonly database")) == (
        "the database is read-only: attempt to write a readonly database"
    )
    assert db.describe_database_error(operational("database or disk is full")) == (
        "the disk is full: database or disk is full"
    )
    assert db.describe_database_error(operational("database is locked")).startswith(
        "the database is busy"
    )
    assert db.describe_database_error(ValueError("x")) is None
