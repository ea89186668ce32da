"""How long the agenda cron holds SQLite's write lock, and whether a coordinator gets through.

    python bench/locks.py [--n N] [--days D] [--db FILE]

Runs `kui agenda generate --days D` (as a leader) on a copy of the generated municipality of N
youths (bench/generate.py), in which the referrals of past meetings are reopened (undecided: each
is carried over to every later meeting of its team, about 850 items an agenda, a team behind on
its cases as in issue 15's run), and meanwhile:

- probes the write lock every 20 ms from another connection (`BEGIN IMMEDIATE` with no busy
  timeout, rolled back at once): the longest stretch in which it was held is the longest any
  other writer had to wait;
- runs a coordinator's `kui youth show` of one of their own youths once a second (each a whole
  process with kui's own busy timeout): every command must succeed.

Prints one JSON object: the cron's total time, the longest write-lock hold (and the time held
in all, in how many stretches), the audit entries, and the coordinator's commands with their
failures. The machine is shared: compare runs made side by side, not with other days.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import generate  # noqa: E402

PROBE_EVERY = 0.02
SHOW_EVERY = 1.0
BACKLOG = (
    "UPDATE referral SET outcome = NULL, decided_on = NULL, decided_by = NULL "
    "WHERE meeting_id IN (SELECT id FROM meeting WHERE starts_at < ?)"
)


def kui(url: str, user: str, *args: str) -> list[str]:
    today = generate.TODAY.isoformat()
    return [sys.executable, "-m", "kui_cli", "--db", url, "--user", user, "--today", today, *args]


def longest_hold(path: Path, stop: threading.Event, found: dict[str, float]) -> None:
    """Sample the write lock until `stop`: the longest stretch it was held, the time it was held
    in all and in how many stretches, in seconds."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    stretches: list[float] = []
    held_since: float | None = None
    while not stop.is_set():
        now = time.perf_counter()
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            if held_since is not None:
                stretches.append(now - held_since)
            held_since = None
        except sqlite3.OperationalError:
            held_since = now if held_since is None else held_since
        time.sleep(PROBE_EVERY)
    if held_since is not None:
        stretches.append(time.perf_counter() - held_since)
    conn.close()
    found["longest_hold_s"] = round(max(stretches, default=0.0), 2)
    found["held_s"] = round(sum(stretches), 2)
    found["holds"] = len(stretches)


def measure(database: Path, days: int) -> dict[str, object]:
    work = Path(tempfile.mkdtemp(prefix="kui-locks-"))
    path = work / "kui.db"
    shutil.copyfile(database, path)
    url = f"sqlite:///{path}"
    with sqlite3.connect(path) as conn:
        conn.execute(BACKLOG, (generate.TODAY.isoformat(),))
        leader = conn.execute("SELECT initials FROM staff WHERE role = 'leader'").fetchone()[0]
        coordinator, youth = conn.execute(
            "SELECT s.initials, a.youth_id FROM coordinator_assignment a "
            "JOIN staff s ON s.id = a.staff_id WHERE a.end_on IS NULL LIMIT 1"
        ).fetchone()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    stop, found = threading.Event(), {}
    probe = threading.Thread(target=longest_hold, args=(path, stop, found))
    probe.start()
    started = time.perf_counter()
    cron = subprocess.Popen(
        kui(url, leader, "agenda", "generate", "--days", str(days), "--out", str(work)),
        cwd=ROOT,  # `python -m` puts the working folder first: this checkout's kui_cli
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    shows: list[dict[str, object]] = []
    while cron.poll() is None:
        time.sleep(SHOW_EVERY)
        begun = time.perf_counter()
        shown = subprocess.run(
            kui(url, coordinator, "youth", "show", str(youth)),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        shows.append(
            {
                "at_s": round(begun - started, 1),
                "took_s": round(time.perf_counter() - begun, 2),
                "exit": shown.returncode,
                "error": shown.stderr.strip().splitlines()[-1] if shown.returncode else None,
            }
        )
    out, err = cron.communicate()
    total = time.perf_counter() - started
    stop.set()
    probe.join()
    with sqlite3.connect(path) as conn:
        entries = conn.execute("SELECT count(*) FROM audit_log WHERE action = 'print'").fetchone()
    shutil.rmtree(work)
    failed = [s for s in shows if s["exit"] != 0]
    return {
        "days": days,
        "cron_exit": cron.returncode,
        "cron_says": err.strip().splitlines()[-1] if err.strip() else out.strip(),
        "total_s": round(total, 2),
        **found,
        "print_entries": entries[0],
        "youth_show_runs": len(shows),
        "youth_show_failures": len(failed),
        "youth_show_slowest_s": max((s["took_s"] for s in shows), default=None),
        "failures": failed[:3],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="youths (bench/generate.py)")
    parser.add_argument("--days", type=int, default=14, help="agenda generate --days")
    parser.add_argument("--db", type=Path, help="this generated database instead of N's")
    args = parser.parse_args(argv)
    database = args.db or generate.ensure(args.n, log=lambda _message: None)[0]
    print(json.dumps(measure(database, args.days), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
