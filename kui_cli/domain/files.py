"""Files that kui writes (backups, exports, archives): private to the owner and never half-written.

Everything goes to a temporary file beside the target, created with mode 0600 (`mkstemp`), and is
renamed over the target only when it is complete, so a crash, a full disk or a kill leaves either
the old state or the whole new file, never a torn one and never a world-readable one.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TextIO

from kui_cli.errors import KuiError

PRIVATE_MODE = 0o600


EXISTS_HINT = "choose a new file name"


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
            raise KuiError(f"folder {path} does not exist")
        raise KuiError(f"{path} is a folder: give a file name")
    _check_place(path)
    return path


def output_folder(value: str) -> Path:
    """The path of a folder kui is told to write files into (`agenda generate --out`)."""
    path = Path(value)
    if path.exists() and not path.is_dir():
        raise KuiError(f"{path} is a file, not a folder")
    if not path.is_dir():
        raise KuiError(f"folder {path} does not exist")
    return path


def names_folder(value: str) -> bool:
    """Whether the path as typed ends in a folder: empty, a separator, `.` or `..`."""
    last = value.replace(os.sep, "/").rsplit("/", 1)[-1]
    return last in ("", ".", "..")


def _check_place(path: Path) -> None:
    if not path.parent.is_dir():
        raise KuiError(f"folder {path.parent} does not exist")
    if path.is_dir():
        raise KuiError(f"{path} is a folder: give a file name")


def check_target(path: Path, *, overwrite: bool = False, hint: str = EXISTS_HINT) -> None:
    """A clear error before any work when the file cannot or must not be written."""
    _check_place(path)
    if path.exists() and not overwrite:
        raise KuiError(f"{path} exists already: {hint}")


@contextmanager
def private_target(
    path: Path, *, overwrite: bool = False, hint: str = EXISTS_HINT
) -> Iterator[Path]:
    """A temporary path (mode 0600) to write; it becomes `path` when the block succeeds."""
    check_target(path, overwrite=overwrite, hint=hint)
    handle, partial_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".partial"
    )
    os.close(handle)
    partial = Path(partial_name)
    try:
        yield partial
        os.chmod(partial, PRIVATE_MODE)
        if not overwrite and path.exists():
            raise KuiError(f"{path} appeared while writing: choose a new file name")
        os.replace(partial, path)
        _sync_folder(path.parent)
    finally:
        partial.unlink(missing_ok=True)


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


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable; some file systems cannot, which is not an error."""
    with suppress(OSError):
        descriptor = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
