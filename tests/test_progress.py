"""Progress that tells: long work shows its phase, count, total and time left on a terminal,
and nothing at all when its output is piped."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from kui_cli.domain import progress
from kui_cli.render import progress as bar
from tests.conftest import KuiRunner, ok

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "samples"
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Told:
    """A `Progress` that records what the domain told it."""

    shown = True

    def __init__(self) -> None:
        self.phases: list[str] = []
        self.totals: dict[str, int | None] = {}
        self.done: dict[str, int] = {}

    def phase(self, name: str, total: int | None) -> None:
        self.phases.append(name)
        self.totals[name] = total
        self.done[name] = 0

    def advance(self, done: int) -> None:
        self.done[self.phases[-1]] += done


def youths_csv(folder: Path, count: int) -> Path:
    lines = ["cpr,name,status,need"]
    lines += [f"{(i % 28) + 1:02d}0508-4{i:03d},Ung {i},none,A" for i in range(count)]
    path = folder / "youths.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal: what the bar draws, written to a buffer."""
    drawn = io.StringIO()
    console = Console(file=drawn, force_terminal=True, width=100)
    monkeypatch.setattr(bar, "console", lambda: console)
    return drawn


def final_lines(drawn: io.StringIO) -> list[str]:
    """The bar's lines as the terminal shows them at the end (its last frame)."""
    text = ESCAPES.sub("", drawn.getvalue())
    frames = text.split("\r")
    return [" ".join(line.split()) for line in frames[-1].splitlines() if line.strip()]


def test_the_import_shows_each_phase_with_its_count_and_total(
    ready: KuiRunner, tmp_path: Path, terminal: io.StringIO
) -> None:
    file = youths_csv(tmp_path, 7)
    ok(ready("youth", "import", str(file)))
    lines = final_lines(terminal)
    size = file.stat().st_size
    assert [line.split()[0] for line in lines] == ["Reading", "Checking", "Writing"]
    assert f"{size}/{size} bytes" in lines[0]
    assert "7/7 rows" in lines[1] and "7/7 rows" in lines[2]
    assert all(re.search(r"\d+:\d\d:\d\d$", line) for line in lines)  # time left


def test_the_update_import_writes_new_and_changed_rows_in_its_writing_phase(
    ready: KuiRunner, tmp_path: Path, terminal: io.StringIO
) -> None:
    file = youths_csv(tmp_path, 3)
    ok(ready("youth", "import", str(file)))
    terminal.truncate(0)
    terminal.seek(0)
    file.write_text(file.read_text().replace("none,A", "none,B", 1), encoding="utf-8")
    ok(ready("youth", "import", str(file), "--update", "--reason", "Nightly"))
    lines = final_lines(terminal)
    assert [line.split()[0] for line in lines] == ["Reading", "Checking", "Writing"]
    assert "3/3 rows" in lines[1] and "1/1 rows" in lines[2]


def test_the_feed_shows_its_phases(ready: KuiRunner, terminal: io.StringIO) -> None:
    ok(ready("feed", "apply", str(SAMPLES / "feed.csv")))
    lines = final_lines(terminal)
    assert [line.split()[0] for line in lines] == ["Reading", "Checking", "Writing"]
    events = len((SAMPLES / "feed.csv").read_text().splitlines()) - 1
    assert f"{events}/{events} rows" in lines[2]


def test_the_export_counts_its_rows_while_it_writes(
    ready: KuiRunner, tmp_path: Path, terminal: io.StringIO
) -> None:
    ok(ready("youth", "import", str(youths_csv(tmp_path, 4))))
    out = tmp_path / "export.csv"
    terminal.truncate(0)
    terminal.seek(0)
    ok(ready("export", "monthly", "--month", "2026-11", "--out", str(out)))
    rows = len(out.read_text().splitlines()) - 1
    lines = final_lines(terminal)
    assert [line.split()[0] for line in lines] == ["Writing"]
    assert f"{rows}/{rows} rows" in lines[0]


def test_piped_there_is_no_progress_at_all(ready: KuiRunner, tmp_path: Path) -> None:
    result = ok(ready("youth", "import", str(youths_csv(tmp_path, 5))))
    assert result.stderr == f"Imported 5 youths from {tmp_path / 'youths.csv'}.\n"
    assert bar.console() is None  # the runner's stderr is not a terminal


def test_no_one_watching_the_file_is_not_read_twice(tmp_path: Path) -> None:
    """SILENT is shown to no one: the rows are not counted for a bar nobody sees."""
    file = youths_csv(tmp_path, 2)
    assert progress.count_lines(file, progress.SILENT) is None
    told = Told()
    assert progress.count_lines(file, told) == 3
    assert told.done == {"reading": file.stat().st_size}


def test_a_last_line_without_a_newline_is_counted(tmp_path: Path) -> None:
    file = tmp_path / "x.csv"
    file.write_bytes(b"cpr,name\n1,a\n2,b")
    assert progress.count_lines(file, Told()) == 3
