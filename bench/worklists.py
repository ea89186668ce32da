"""Every staff member's `kui today` in one warm process (issue 16): the worklist's cost per member.

    python bench/worklists.py DB-URL TODAY [PROGRESS-FILE]

Runs `kui --user X today --format json` for every active staff member (not a scheduled job's
account), as `bench/inproc.py` runs one command: the command's whole work in a warm process,
then its SELECT statements replayed on a plain connection with every row fetched (its query
time). Prints JSON: how many members, the median, 95th percentile and maximum of both times,
the slowest member, the total, and how many items the worklists held; with PROGRESS-FILE, the
same figures so far every 100 members (a run on a loaded machine can be read before it ends).
"""

from __future__ import annotations

import contextlib
import io
import json
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.inproc import Statements, replay  # noqa: E402


def members(url: str) -> list[str]:
    path = url.split(":///", 1)[1]
    with contextlib.closing(sqlite3.connect(path)) as conn:
        query = "SELECT initials FROM staff WHERE active AND role != 'system' ORDER BY initials"
        return [row[0] for row in conn.execute(query)]


def spread(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
    }


def summary(walls: list[float], queries: list[float], items: int, slowest: str, started: float):
    return {
        "code": 0,
        "members": len(walls),
        "items": items,
        "total": time.perf_counter() - started,
        "wall": spread(walls),
        "query": spread(queries),
        "slowest": slowest,
    }


def run(url: str, today: str, progress: Path | None = None) -> dict[str, Any]:
    from kui_cli import db
    from kui_cli.app import app

    statements = Statements()
    statements.install()
    walls: list[float] = []
    queries: list[float] = []
    items, slowest = 0, ("", 0.0)
    started = time.perf_counter()
    for initials in members(url):
        statements.seen = []
        out = io.StringIO()
        args = ["--db", url, "--user", initials, "--today", today, "today", "--format", "json"]
        began = time.perf_counter()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = app(args, standalone_mode=False)
        walls.append(time.perf_counter() - began)
        if code:
            return {"code": code, "member": initials}
        items += len(json.loads(out.getvalue()))
        query, _rows = replay(url, statements.seen, 1)
        queries.append(query)
        slowest = max(slowest, (initials, query), key=lambda pair: pair[1])
        if progress and len(walls) % 100 == 0:
            so_far = summary(walls, queries, items, slowest[0], started)
            progress.write_text(json.dumps(so_far) + "\n", encoding="utf-8")
    db.dispose_engines()
    return summary(walls, queries, items, slowest[0], started)


if __name__ == "__main__":
    progress = Path(sys.argv[3]) if len(sys.argv) > 3 else None
    print(json.dumps(run(sys.argv[1], sys.argv[2], progress)))
