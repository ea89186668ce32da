"""Files as an attacker or an accident meets them (issue 15, hole 10).

A device, pipe or socket at an output path is refused (as root, `--out /dev/null` replaced the
system's /dev/null with a file of personal data); a killed backup or export leaves no readable
copy (only private, locked temporary files of kui's pattern, which the next run removes) and
never a torn target; SIGTERM and a full disk leave nothing and say so in one line.
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import os
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from kui_cli.domain import files
from kui_cli.errors import KuiError, Terminated
from kui_cli.render import agenda as render_agenda
from tests import municipality
from tests.conftest import TODAY, KuiRunner, add_youth, ok, snapshot
from tests.test_output_paths import WRITERS, refused

ROOT = Path(__file__).resolve().parents[1]
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
FORCED = {"export monthly --force": (*WRITERS["export monthly"], "--force")}
SPECIAL_MESSAGE = "is not a regular file (a device, pipe or socket): give a file name"


@pytest.fixture
def town(ready: KuiRunner, db_url: str) -> KuiRunner:
    """The test municipality: youths in KUI in October 2026, a team-2 and a plan (own_staff)."""
    municipality.build(ready, db_url)
    return ready


@pytest.fixture
def with_youth(ready: KuiRunner) -> KuiRunner:
    """Enough for every writer to reach its output path (the refusal comes before any work)."""
    add_youth(ready, dt.date(2010, 3, 15))
    return ready


def special(kind: str, path: Path) -> Path:
    """A non-regular file at `path`: a pipe, or a symbolic link to a pipe or to /dev/null."""
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to fifo":
        os.mkfifo(path.with_name("pipe"))
        path.symlink_to(path.with_name("pipe"))
    else:
        path.symlink_to("/dev/null")
    return path


@pytest.mark.parametrize("kind", ["fifo", "link to fifo", "link to /dev/null"])
@pytest.mark.parametrize("command", sorted(WRITERS | FORCED))
def test_a_non_regular_target_is_refused(
    with_youth: KuiRunner, db_url: str, tmp_path: Path, command: str, kind: str
) -> None:
    target = special(kind, tmp_path / "target")
    error = refused(with_youth, db_url, tmp_path, (WRITERS | FORCED)[command], str(target))
    assert error == f"Error: {target} {SPECIAL_MESSAGE}"
    assert not target.is_file()  # still the pipe or the link, not a file of personal data
    if kind != "link to /dev/null":
        assert stat.S_ISFIFO(target.stat().st_mode)


def dev_null() -> tuple[int, int]:
    info = os.stat("/dev/null")
    assert stat.S_ISCHR(info.st_mode)
    return info.st_rdev, info.st_ino


@pytest.mark.parametrize("command", sorted(WRITERS | FORCED))
def test_dev_null_itself_is_refused_and_untouched(
    with_youth: KuiRunner, db_url: str, tmp_path: Path, command: str
) -> None:
    """These commands write by renaming a file over the target: as root that replaced the
    machine's /dev/null. The rule is checked first, so a regression cannot break the machine."""
    with pytest.raises(KuiError, match="not a regular file"):
        files.check_target(Path("/dev/null"), overwrite=True)
    device = dev_null()
    error = refused(with_youth, db_url, tmp_path, (WRITERS | FORCED)[command], "/dev/null")
    assert error == f"Error: /dev/null {SPECIAL_MESSAGE}"
    assert dev_null() == device


def test_a_socket_is_refused(tmp_path: Path) -> None:
    folder = Path(tempfile.mkdtemp(prefix="kui-"))  # a socket's path must be short
    try:
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(folder / "s"))
            with pytest.raises(KuiError, match="not a regular file"):
                files.check_target(folder / "s", overwrite=True)
            assert stat.S_ISSOCK((folder / "s").stat().st_mode)
    finally:
        (folder / "s").unlink(missing_ok=True)
        folder.rmdir()


def test_an_agenda_file_that_is_a_pipe_is_refused_not_read(tmp_path: Path) -> None:
    """`agenda generate` compares an existing file with the new text: reading a pipe hangs."""
    pipe = special("fifo", tmp_path / "2026-11-24_team-2_1.md")

    def hung(_signum: int, _frame: object) -> None:
        raise TimeoutError("write_if_changed read the pipe")

    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(10)  # a regression fails here instead of hanging the suite
    try:
        with pytest.raises(KuiError, match="not a regular file"):
            render_agenda.write_if_changed(pipe, "# Dagsorden\n")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert stat.S_ISFIFO(pipe.stat().st_mode)


def test_the_temporary_file_is_private_locked_and_named_as_kuis(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        with files.private_target(tmp_path / "x.csv") as partial:
            assert partial.parent == tmp_path
            assert partial.name.startswith(".kui-x.csv.") and partial.name.endswith(".partial")
            assert stat.S_IMODE(partial.stat().st_mode) == 0o600
            scratch = files.scratch_folder(partial)
            assert stat.S_IMODE(scratch.stat().st_mode) == 0o700
            assert locked(partial)
            partial.write_text("done", encoding="utf-8")
    finally:
        os.umask(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.csv"]


def locked(path: Path) -> bool:
    """Whether a live writer holds the file's lock (another open file description tries)."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def test_sigterm_while_writing_removes_the_temporary_file(tmp_path: Path) -> None:
    def unhandled(_signum: int, _frame: object) -> None:
        raise RuntimeError("SIGTERM was not handled by private_target")

    before = signal.signal(signal.SIGTERM, unhandled)  # not the default: that ends pytest
    try:
        with pytest.raises(Terminated), files.private_target(tmp_path / "x.csv") as partial:
            files.scratch_folder(partial)
            partial.write_text("half", encoding="utf-8")
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises at once
        assert list(tmp_path.iterdir()) == []
        assert signal.getsignal(signal.SIGTERM) is unhandled
    finally:
        signal.signal(signal.SIGTERM, before)


def aged(path: Path, seconds: float = 60) -> Path:
    """Dated `seconds` before it was written, on the file system's clock (the test's is frozen)."""
    then = path.lstat().st_mtime - seconds
    os.utime(path, (then, then), follow_symlinks=False)
    return path


def test_only_kuis_own_abandoned_temporary_files_are_removed(tmp_path: Path) -> None:
    """A SIGKILL runs no cleanup: the next writer into the folder removes what was left, and
    nothing else: not a live writer's locked file, not a newer one, not another program's."""
    aged(write(tmp_path / ".kui-backup.db.abcd1234.partial", "a full copy"))
    (tmp_path / ".kui-backup.db.abcd1234.partial.d").mkdir()
    (tmp_path / ".kui-backup.db.abcd1234.partial.d" / "tmpxyz").write_text("rows")
    aged(tmp_path / ".kui-backup.db.abcd1234.partial.d")
    aged(write(tmp_path / ".kui-backup.db.abcd1234.partial-journal"))
    aged(write(tmp_path / ".kui-gone.csv.zz.partial-journal"))  # its file is gone
    live = aged(write(tmp_path / ".kui-other.db.live0000.partial"))
    fresh = aged(write(tmp_path / ".kui-new.csv.fresh000.partial"), -60)  # newer than this run
    kept = {
        live,
        fresh,
        aged(write(tmp_path / ".other.partial")),
        aged(write(tmp_path / "kui-x.partial")),
        aged(write(tmp_path / "mine.csv")),
    }
    elsewhere = write(tmp_path / "elsewhere")
    link = tmp_path / ".kui-link.x.partial"
    link.symlink_to(elsewhere)
    aged(link)
    kept |= {link, elsewhere}
    holder = os.open(live, os.O_RDONLY)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with files.private_target(tmp_path / "target.csv") as partial:
            partial.write_text("new", encoding="utf-8")
    finally:
        os.close(holder)
    assert set(tmp_path.iterdir()) == kept | {tmp_path / "target.csv"}
    assert elsewhere.read_text() == "keep"


def write(path: Path, text: str = "keep") -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# A kui process whose writer stops midway: the hook (module:function) runs, then marks a file
# and sleeps, so the test can kill the process while the temporary file holds the data.
SLOW = r"""
import importlib, os, sys, time
module, _, name = os.environ["KUI_TEST_SLOW"].rpartition(":")
owner = importlib.import_module(module)
original = getattr(owner, name)
def slow(*args, **kwargs):
    result = original(*args, **kwargs)
    open(os.environ["KUI_TEST_MARK"], "w").close()
    time.sleep(120)
    return result
setattr(owner, name, slow)
from kui_cli.app import main
sys.argv = ["kui", *sys.argv[1:]]
main()
"""
# command, its hook (where the writer stops), and the target's name
CASES = {
    "db backup": (("db", "backup", "{}"), "kui_cli.domain.files:sync_file", "copy.db"),
    "export xlsx": (
        ("export", "monthly", "--month", "2026-10", "-f", "xlsx", "--out", "{}", "--force"),
        "kui_cli.render.files:_write_cell",  # xlsxwriter's scratch file holds rows
        "out.xlsx",
    ),
    "export csv": (
        ("export", "monthly", "--month", "2026-10", "--out", "{}", "--force"),
        "kui_cli.render.files:write_csv",
        "out.csv",
    ),
}


def start_slow(db_url: str, argv: tuple[str, ...], hook: str, mark: Path) -> subprocess.Popen[str]:
    """Start kui with the hook, and wait until its writer has stopped midway."""
    process = subprocess.Popen(
        [sys.executable, "-c", SLOW, "--db", db_url, "--user", "AB", "--today", TODAY, *argv],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KUI_TEST_SLOW": hook, "KUI_TEST_MARK": str(mark)},
    )
    deadline = time.monotonic() + 60
    while not mark.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"kui did not reach {hook}: {process.communicate()}")
        time.sleep(0.05)
    return process


def leftovers(folder: Path, target: Path) -> set[Path]:
    return set(folder.iterdir()) - {target}


def assert_private_and_kuis(paths: set[Path]) -> None:
    for path in paths:
        assert path.name.startswith(files.PREFIX), path
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
        for inner in path.rglob("*") if path.is_dir() else ():
            assert stat.S_IMODE(inner.stat().st_mode) == 0o600, inner


def assert_complete(case: str, target: Path) -> None:
    if case == "db backup":
        with sqlite3.connect(target) as copy:
            assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert copy.execute("SELECT count(*) FROM youth").fetchone()[0] > 0
    elif case == "export xlsx":
        assert load_workbook(target).active.max_row > 1
    else:
        assert target.read_text(encoding="utf-8").startswith("export_key,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


@pytest.fixture
def out(tmp_path: Path) -> Path:
    (tmp_path / "out").mkdir()
    return tmp_path / "out"


@SQLITE_ONLY
@pytest.mark.own_staff
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_killed_writer_leaves_only_private_files_that_the_next_run_removes(
    town: KuiRunner, db_url: str, tmp_path: Path, out: Path, case: str
) -> None:
    argv, hook, name = CASES[case]
    target = out / name
    if case != "db backup":  # the export overwrites (--force): the old file stays whole
        write(target, "old")
    argv = tuple(str(target) if arg == "{}" else arg for arg in argv)
    before = snapshot(db_url)
    process = start_slow(db_url, argv, hook, tmp_path / "mark")
    process.kill()  # SIGKILL: no cleanup can run
    process.communicate(timeout=30)
    left = leftovers(out, target)
    assert left, "the writer had begun: its temporary file is there"
    assert_private_and_kuis(left)
    assert target.exists() == (case != "db backup")
    if target.exists():
        assert target.read_text(encoding="utf-8") == "old"
    assert snapshot(db_url) == before  # nothing was logged: nothing was exported
    ok(town(*argv))  # the next run removes what the killed one left
    assert leftovers(out, target) == set()
    assert_complete(case, target)


@SQLITE_ONLY
@pytest.mark.own_staff
@pytest.mark.parametrize("case", sorted(CASES))
def test_sigterm_leaves_nothing_and_says_so(
    town: KuiRunner, db_url: str, tmp_path: Path, out: Path, case: str
) -> None:
    argv, hook, name = CASES[case]
    target = out / name
    if case != "db backup":
        write(target, "old")
    argv = tuple(str(target) if arg == "{}" else arg for arg in argv)
    before = snapshot(db_url)
    process = start_slow(db_url, argv, hook, tmp_path / "mark")
    process.terminate()
    _, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert err.splitlines() == ["Error: stopped by SIGTERM: the unfinished work was undone"]
    assert leftovers(out, target) == set()
    assert target.exists() == (case != "db backup")
    if target.exists():
        assert target.read_text(encoding="utf-8") == "old"
    assert snapshot(db_url) == before


@SQLITE_ONLY
def test_ctrl_c_leaves_nothing(ready: KuiRunner, db_url: str, tmp_path: Path, out: Path) -> None:
    argv, hook, name = CASES["db backup"]
    argv = tuple(str(out / name) if arg == "{}" else arg for arg in argv)
    slow = start_slow(db_url, argv, hook, tmp_path / "mark")
    slow.send_signal(signal.SIGINT)  # Ctrl-C: KeyboardInterrupt
    _, err = slow.communicate(timeout=30)
    assert slow.returncode == 128 + signal.SIGINT, err
    assert err.splitlines() == ["Error: stopped by SIGINT: the unfinished work was undone"]
    assert list(out.iterdir()) == []


@SQLITE_ONLY
def test_two_backups_at_once_keep_each_others_files(
    ready: KuiRunner, db_url: str, tmp_path: Path, out: Path
) -> None:
    """A backup that starts while another writes into the same folder leaves the other's
    temporary file alone (it is locked), however old it is."""
    hook = CASES["db backup"][1]
    slow = start_slow(db_url, ("db", "backup", str(out / "first.db")), hook, tmp_path / "mark")
    try:
        (partial,) = leftovers(out, out / "first.db")
        aged(partial, 3600)
        ok(ready("db", "backup", str(out / "second.db")))
        assert partial.exists() and locked(partial)
    finally:
        slow.terminate()
        slow.communicate(timeout=30)
    assert sorted(p.name for p in out.iterdir()) == ["second.db"]


def no_space(*_args: object, **_kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


FULL_DISK = {
    "export xlsx": ("-f", "xlsx", zipfile.ZipFile, "write"),  # xlsxwriter's zip step
    "export csv": ("-f", "csv", os, "fsync"),
    "export json": ("-f", "json", os, "fsync"),
}


@pytest.mark.own_staff
@pytest.mark.parametrize("case", sorted(FULL_DISK))
def test_a_full_disk_is_one_line_and_leaves_nothing(
    town: KuiRunner,
    db_url: str,
    out: Path,
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    option, value, owner, name = FULL_DISK[case]
    before = snapshot(db_url)
    monkeypatch.setattr(owner, name, no_space)
    result = town("export", "monthly", "--month", "2026-10", option, value, "--out", f"{out}/x")
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == ["Error: the disk is full (no space left on device)"]
    assert list(out.iterdir()) == []
    assert snapshot(db_url) == before  # not logged as exported


@SQLITE_ONLY
def test_a_full_disk_during_a_backup_is_one_line_and_leaves_nothing(
    ready: KuiRunner, db_url: str, out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(db_url)
    monkeypatch.setattr(os, "fsync", no_space)
    result = ready("db", "backup", str(out / "copy.db"))
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == ["Error: the disk is full (no space left on device)"]
    assert list(out.iterdir()) == []
    assert snapshot(db_url) == before
