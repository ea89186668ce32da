"""Time one kui command inside one warm process: the command's own work without Python's start-up.

    python bench/inproc.py REPEAT [--capture FILE] -- KUI-ARGS...

Runs the command once to warm up (lazy imports, SQL compilation), then REPEAT times (with 0 the
first run is the figure), each with a fresh engine as a new process would have; a command that
takes seconds runs once. Then replays
the SELECT statements of the last run, with their parameters, on a plain driver connection and
fetches every row: that is the command's query time, without what Python does with the rows.
Prints JSON: the wall time of each run ("runs"), the best query time ("query") and the rows the
queries returned ("rows"), the exit code; `--capture FILE` also writes the statements (the plain
Python floor of `export monthly` replays them).
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


class Statements:
    """Collects the SELECT statements executed through any SQLAlchemy engine, with parameters."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        event.listen(Engine, "before_cursor_execute", self._seen)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            self.seen.append((statement, parameters))


def replay(url: str, statements: list[tuple[str, Any]], repeat: int) -> tuple[float, int]:
    """The best time of running the statements and fetching all their rows, and the row count."""
    from kui_cli import db

    # kui's own engine: the connection settings the command ran with (PostgreSQL without JIT,
    # SQLite's pragmas), not the driver's defaults.
    raw = db.get_engine(url).raw_connection()
    best, rows = float("inf"), 0
    try:
        for _ in range(max(1, repeat)):
            cursor = raw.cursor()
            started = time.perf_counter()
            rows = 0
            for statement, parameters in statements:
                cursor.execute(statement, parameters or ())
                rows += len(cursor.fetchall())
            best = min(best, time.perf_counter() - started)
            cursor.close()
            raw.rollback()
    finally:
        raw.close()
    return best, rows


def run(repeat: int, args: list[str], capture: str | None) -> dict[str, Any]:
    from kui_cli import db
    from kui_cli.app import app
    from kui_cli.state import normalise_db_url

    statements = Statements()
    statements.install()
    runs: list[float] = []
    code: Any = 0
    stderr = ""
    for index in range(repeat + 1):
        statements.seen = []
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
            return {"code": code, "stderr": err.getvalue().strip()[-500:], "runs": []}
        if index or elapsed > SLOW or not repeat:
            runs.append(elapsed)
        if elapsed > SLOW:
            break
    if capture:
        captured = [(s, _plain(p)) for s, p in statements.seen]
        Path(capture).write_text(json.dumps(captured, default=str), encoding="utf-8")
    url = normalise_db_url(args[args.index("--db") + 1])
    query, rows = replay(url, statements.seen, 1 if max(runs) > SLOW else repeat)
    return {"runs": runs, "query": query, "rows": rows, "code": 0, "stderr": stderr}


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
