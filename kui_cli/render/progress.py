"""The progress bar of long work on a terminal: phase, count, total and time left, on stderr.

Nothing at all when stderr is not a terminal (piped, cron, tests): then the domain gets
`progress.SILENT` and skips what it would do only for the bar.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kui_cli.domain import progress as phases
from kui_cli.domain.progress import Progress
from kui_cli.render.i18n import _


def label(name: str) -> str:
    """The word of a phase, for a person."""
    words = {
        phases.READING: _("Reading"),
        phases.CHECKING: _("Checking"),
        phases.WRITING: _("Writing"),
    }
    return words.get(name, name.capitalize())


def unit(name: str) -> str:
    """What a phase counts: the bytes of a file read, or rows."""
    return _("bytes") if name == phases.READING else _("rows")


class Bar:
    """A `Progress` drawn by rich: one line per phase, each finished when the next begins."""

    shown = True

    def __init__(self, bar: Any) -> None:
        self._bar = bar
        self._task: Any = None

    def phase(self, name: str, total: int | None) -> None:
        self._finish()
        self._task = self._bar.add_task(label(name), total=total, unit=unit(name))

    def advance(self, done: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, done)

    def _finish(self) -> None:
        """The phase before is done: its bar full, even where its total was an estimate."""
        if self._task is not None:
            done = next(t.completed for t in self._bar.tasks if t.id == self._task)
            self._bar.update(self._task, total=done, completed=done)


def console() -> Any | None:
    """Rich's console on stderr when stderr is a terminal; None otherwise, and then rich is not
    even imported (start-up budget of piped and scheduled runs)."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console

    terminal = Console(stderr=True)
    return terminal if terminal.is_terminal else None


@contextmanager
def progress() -> Iterator[Progress]:
    """A `Bar` on the terminal's stderr, `SILENT` when there is none."""
    shown_on = console()
    if shown_on is None:
        yield phases.SILENT
        return
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as RichProgress

    columns = (
        TextColumn("{task.description:<9}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeRemainingColumn(),
    )
    with RichProgress(*columns, console=shown_on) as bar:
        drawn = Bar(bar)
        yield drawn
        drawn._finish()
