"""Time one kui command inside one warm process: the command's own work without Python's start-up.

    python bench/inproc.py REPEAT [--capture FILE] -- KUI-ARGS...

Runs the command once to warm up (lazy imports, SQL compilation), then REPEAT times, each with a
fresh engine as a new process would have; a command that takes seconds runs once. Prints JSON:
the wall time of each run ("runs"), the time spent executing SQL statements ("sql", from
SQLAlchemy's cursor events), the exit code, and with `--capture` writes the SELECT statements of
the last run with their parameters (the plain Python floor of `export monthly` replays them).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


# A command slower than this is measured once (its warm-up run): lazy imports are noise there.
SLOW = 2.0


class SqlClock:
    """Adds up the time of every statement executed through any SQLAlchemy engine."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.statements: list[tuple[str, Any]] = []
        self._started: list[float] = []

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self._before)
        event.listen(Engine, "after_cursor_execute", self._after)

    def reset(self) -> None:
        self.seconds = 0.0
        self.statements = []

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self._started.append(time.perf_counter())

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.seconds += time.perf_counter() - self._started.pop()
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.statements.append((statement, parameters))


def run(repeat: int, args: list[str], capture: str | None) -> dict[str, Any]:
    clock = SqlClock()
    clock.install()
    from kui_cli import db
    from kui_cli.app import app

    runs: list[float] = []
    sql: list[float] = []
    code: Any = 0
    stderr = ""
    for index in range(repeat + 1):
        clock.reset()
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = app(args, standalone_mode=False)
            except SystemExit as exc:
                code = exc.code
        elapsed = time.perf_counter() - started
        db.dispose_engines()
        if code:
            stderr = err.getvalue().strip()[-500:]
            break
        if index or elapsed > SLOW:
            runs.append(elapsed)
            sql.append(clock.seconds)
        if elapsed > SLOW:
            break
    if capture and not code:
        statements = [(s, _plain(p)) for s, p in clock.statements]
        Path(capture).write_text(json.dumps(statements, default=str), encoding="utf-8")
    return {"runs": runs, "sql": sql, "code": code or 0, "stderr": stderr}


def _plain(parameters: Any) -> Any:
    return list(parameters) if isinstance(parameters, list | tuple) else parameters


def main() -> None:
    argv = sys.argv[1:]
    split = argv.index("--")
    options, args = argv[:split], argv[split + 1 :]
    capture = options[options.index("--capture") + 1] if "--capture" in options else None
    print(json.dumps(run(int(options[0]), args, capture)))


if __name__ == "__main__":
    main()
