"""How long work tells how far it has come, without the domain knowing how that is shown.

A command passes a `Progress` into the domain (the terminal's bar is kui_cli/render/progress.py);
the domain names its phase and advances it. `SILENT` is the default: piped output, tests and
every caller that shows nothing. The phases are codes; the renderer gives them their words.
"""

from __future__ import annotations

from typing import Protocol

READING = "reading"  # the file is read through once to count its rows
CHECKING = "checking"  # every row validated, nothing written yet
WRITING = "writing"  # rows written in the command's transaction
PHASES = (READING, CHECKING, WRITING)


class Progress(Protocol):
    """What long work reports: a phase with its total, then how much more of it is done."""

    @property
    def shown(self) -> bool:
        """Whether anyone sees it: work done only for the bar (counting rows) is skipped if not."""
        ...

    def phase(self, name: str, total: int | None) -> None:
        """A new phase (`READING`, `CHECKING`, `WRITING`) of `total` steps (None: unknown)."""
        ...

    def advance(self, done: int) -> None:
        """`done` more steps of the current phase are done (call it every few thousand rows)."""
        ...


class Silent:
    """The progress no one sees."""

    shown = False

    def phase(self, name: str, total: int | None) -> None:
        pass

    def advance(self, done: int) -> None:
        pass


SILENT: Progress = Silent()


def count_lines(path: object, progress: Progress, chunk: int = 1 << 20) -> int | None:
    """The file's line count, read in chunks as the `READING` phase (total: its bytes), when
    the progress is shown; None when it is not (no second read of the file for nothing)."""
    if not progress.shown:
        return None
    from pathlib import Path

    file = Path(str(path))
    progress.phase(READING, file.stat().st_size)
    lines, last = 0, b"\n"
    with file.open("rb") as handle:
        while block := handle.read(chunk):
            lines += block.count(b"\n")
            last = block[-1:]
            progress.advance(len(block))
    return lines + (last != b"\n")
