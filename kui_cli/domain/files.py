"""Files that kui writes (backups, exports, archives): private to the owner and never half-written.

Everything goes to a temporary file beside the target, `.kui-NAME.XXXXXXXX.partial`, created with
mode 0600 and O_EXCL (`mkstemp`) and locked (`flock`) for as long as kui writes it; it is renamed
over the target only when it is complete and on disk, so a crash, a full disk or a kill leaves
either the old state or the whole new file, never a torn one and never a world-readable one.
An error, Ctrl-C or SIGTERM removes the temporary file (and the scratch files beside it); after
a SIGKILL, which nothing can catch, the next kui that writes into the folder removes what the
killed run left: only kui's own pattern, only unlocked (a live writer holds its lock) and only
older than itself. A target that exists and is not a regular file (a device such as /dev/null,
a pipe, a socket, or a symbolic link to one) is refused: the rename would replace it.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType
from typing import TextIO

from kui_cli.errors import KuiError, Terminated
from kui_cli.render.i18n import _

PRIVATE_MODE = 0o600
PREFIX = ".kui-"  # every temporary file and folder kui creates beside a target
SUFFIX = ".partial"
SCRATCH = ".d"  # a writer's private scratch folder: PARTIAL.d (xlsxwriter's tmpdir)
SIDECARS = ("-journal", "-wal", "-shm")  # what SQLite may create beside the backup's copy
NAME_KEPT = 64  # characters of the target's name in the temporary one (names have a limit)


def output_file(value: str) -> Path:
    """The path of a file kui is told to write (Typer's `parser=` of every such option).

    pathlib forgets how the person ended it: `out/` and `out/.` both become `Path("out")`, which
    would be written as a file named after the folder they meant. So the text is read here,
    before that is lost: a path that names a folder is refused as one, and the file's place is
    checked at once, before the command does any work (`check_target` checks again on writing).
    """
    path = Path(value)
    if names_folder(value):
        if not path.is_dir():
            raise KuiError(_no_folder(path))
        raise KuiError(_is_folder(path))
    _check_place(path)
    return path


def output_folder(value: str) -> Path:
    """The path of a folder kui is told to write files into (`agenda generate --out`)."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise KuiError(_("{path} is a file, not a folder").format(path=path))
    if not path.is_dir():
        raise KuiError(_no_folder(path))
    return path


def _no_folder(path: Path) -> str:
    return _("folder {path} does not exist").format(path=path)


def _is_folder(path: Path) -> str:
    return _("{path} is a folder: give a file name").format(path=path)


def names_folder(value: str) -> bool:
    """Whether the path as typed ends in a folder: empty, a separator, `.` or `..`."""
    last = value.replace(os.sep, "/").rsplit("/", 1)[-1]
    return last in ("", ".", "..")


def _check_place(path: Path) -> None:
    if not path.parent.is_dir():
        raise KuiError(_no_folder(path.parent))
    if path.is_dir():
        raise KuiError(_is_folder(path))
    refuse_special(path)


def refuse_special(path: Path) -> None:
    """Refuse a target that exists and is not a regular file, also through a symbolic link.

    Renaming over `/dev/null` as root replaces the system's device with a file of personal
    data; reading back a pipe (`write_if_changed`) would hang. A dangling link is not refused:
    the rename replaces the link, never what it pointed to.
    """
    if path.exists() and not path.is_file():
        raise KuiError(
            _("{path} is not a regular file (a device, pipe or socket): give a file name").format(
                path=path
            )
        )


def check_target(path: Path, *, overwrite: bool = False, hint: str | None = None) -> None:
    """A clear error before any work when the file cannot or must not be written; `hint` says
    what to do about a file that exists (translated by the caller), by default to choose a new
    name."""
    _check_place(path)
    if path.exists() and not overwrite:
        raise KuiError(
            _("{path} exists already: {hint}").format(
                path=path, hint=hint or _("choose a new file name")
            )
        )


@contextmanager
def private_target(
    path: Path, *, overwrite: bool = False, hint: str | None = None
) -> Iterator[Path]:
    """A temporary path (mode 0600, locked) to write; it becomes `path` when the block succeeds
    and is removed, with its scratch files, when it fails, is interrupted or gets SIGTERM."""
    check_target(path, overwrite=overwrite, hint=hint)
    with terminated_raises(), _locked_temporary(path) as (descriptor, partial):
        # The file system's clock, not Python's: what is older than our own file is abandoned.
        remove_abandoned(path.parent, os.fstat(descriptor).st_mtime)
        yield partial
        os.fchmod(descriptor, PRIVATE_MODE)
        os.fsync(descriptor)  # every writer wrote to this file: a full disk fails here
        refuse_special(path)
        if not overwrite and path.exists():
            raise KuiError(
                _("{path} appeared while writing: choose a new file name").format(path=path)
            )
        os.replace(partial, path)
        _sync_folder(path.parent)


@contextmanager
def _locked_temporary(path: Path) -> Iterator[tuple[int, Path]]:
    """A new temporary file beside `path`, locked while it lives, removed unless renamed.

    A cleaner may remove a file in the instant between its creation and its lock (it looks
    abandoned then); the file is then unlinked when the lock is held, and a new one is made.
    """
    while True:
        descriptor, name = tempfile.mkstemp(
            dir=path.parent, prefix=f"{PREFIX}{path.name[:NAME_KEPT]}.", suffix=SUFFIX
        )
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        if os.fstat(descriptor).st_nlink:
            break
        os.close(descriptor)
    partial = Path(name)
    try:
        yield descriptor, partial
    finally:
        _remove_with_scratch(partial)
        os.close(descriptor)


def scratch_folder(partial: Path) -> Path:
    """A private folder (0700) for a writer's own scratch files (xlsxwriter's), removed with
    `partial` by `private_target`, so they never lie beside the target for others to read."""
    folder = Path(f"{partial}{SCRATCH}")
    folder.mkdir(mode=0o700)
    return folder


def _remove_with_scratch(partial: Path) -> None:
    shutil.rmtree(f"{partial}{SCRATCH}", ignore_errors=True)
    for sidecar in SIDECARS:
        Path(f"{partial}{sidecar}").unlink(missing_ok=True)
    partial.unlink(missing_ok=True)


def remove_abandoned(folder: Path, started: float) -> None:
    """Remove the temporary files a killed kui left in `folder` (a SIGKILL runs no cleanup).

    Only kui's own pattern, only regular files and folders of this user, only those last
    changed before `started`, and of temporary files only those no live kui holds locked: a
    second backup running beside this one keeps its file. Scratch files go with their
    temporary file, or alone when it is gone.
    """
    candidates: list[os.DirEntry[str]] = []
    with suppress(OSError), os.scandir(folder) as entries:
        candidates = [entry for entry in entries if entry.name.startswith(PREFIX)]
    for entry in candidates:
        with suppress(OSError):
            info = entry.stat(follow_symlinks=False)
            if info.st_uid != os.getuid() or info.st_mtime >= started:
                continue
            path, owner = Path(entry.path), _owner_of(entry.name)
            if entry.name.endswith(SUFFIX) and stat.S_ISREG(info.st_mode):
                _remove_unlocked(path, info)
            elif owner and not (folder / owner).exists():
                if stat.S_ISDIR(info.st_mode):
                    shutil.rmtree(path)
                else:
                    path.unlink()


def _owner_of(name: str) -> str | None:
    """The temporary file that a scratch folder or SQLite sidecar belongs to."""
    for ending in (SCRATCH, *SIDECARS):
        if name.endswith(SUFFIX + ending):
            return name.removesuffix(ending)
    return None


def _remove_unlocked(path: Path, info: os.stat_result) -> None:
    """Remove an abandoned temporary file, holding its lock so that no live writer has it."""
    descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if os.fstat(descriptor).st_ino != info.st_ino:
            return  # replaced since it was listed
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
                return  # a live kui is writing it
            raise
        _remove_with_scratch(path)
    finally:
        os.close(descriptor)


@contextmanager
def terminated_raises() -> Iterator[None]:
    """SIGTERM raises `Terminated` while the block runs, so its cleanup runs as for Ctrl-C
    (KeyboardInterrupt); the previous handler comes back afterwards. Only the main thread can
    set handlers; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Terminated(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def private_text(path: Path, *, overwrite: bool = False) -> Iterator[TextIO]:
    """A UTF-8 text file written privately and atomically (see `private_target`)."""
    with (
        private_target(path, overwrite=overwrite) as partial,
        partial.open("w", encoding="utf-8", newline="\n") as handle,
    ):
        yield handle
        handle.flush()
        os.fsync(handle.fileno())


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` (replacing it) privately and atomically: agendas, the youth's plan,
    calendars and report pages."""
    with private_text(path, overwrite=True) as handle:
        handle.write(text)


def sync(handle: TextIO) -> None:
    """Everything written so far is on disk (a full disk fails here); pipes are only flushed."""
    handle.flush()
    try:
        mode = os.fstat(handle.fileno()).st_mode
    except (OSError, ValueError):  # no file descriptor: a test's captured stream
        return
    if stat.S_ISREG(mode):
        os.fsync(handle.fileno())


def sync_file(path: Path) -> None:
    """A file that another writer (SQLite, xlsxwriter) wrote and closed is on disk: a full disk
    fails here, before the work is logged as done."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some file systems cannot, which is not an error."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
