"""Worker processes for tests/test_faults.py: `python -m tests.workers MODE URL ...`.

Each worker runs kui's commands in its own process, with a fresh database connection for every
command (as separate `kui` invocations would), and prints a JSON summary on stdout: how many
commands ran and every failure with its output. It never raises: the test judges the summary.

Modes:
  write URL WORKER N [STOP] N times: `youth add` a new youth, then `youth update` it; stops
                            early once the file STOP exists
  plan URL WORKER N         for N registered youths (`plan_cpr`): a goal, an effort and a referral
  agendas URL DIR STOPFILE  `agenda generate` into DIR in a loop until STOPFILE exists

KUI_TEST_BUSY_TIMEOUT_MS shortens kui's busy timeout (SQLite), so that waits run out.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path

from kui_cli import db
from kui_cli.app import app
from tests.inprocess import CachedRunner

TODAY = "2026-11-22"


def cpr_of(worker: int, index: int) -> str:
    """A CPR no other worker uses: the birth date tells the worker and the index apart (workers
    0-9, up to 500 youths each: born 1998-2011, all within the ages the register takes)."""
    born = dt.date(1998, 1, 1) + dt.timedelta(days=worker * 500 + index)
    return born.strftime("%d%m%y") + f"-4{worker:01d}{index % 100:02d}"


class Runner:
    def __init__(self, url: str, user: str) -> None:
        self.url, self.user = url, user
        self.runner = CachedRunner()
        self.commands = 0
        self.failures: list[dict[str, object]] = []

    def __call__(self, *args: str) -> str | None:
        result = self.runner.invoke(
            app, ["--db", self.url, "--user", self.user, "--today", TODAY, *args]
        )
        db.dispose_engines()
        self.commands += 1
        if result.exit_code != 0:
            self.failures.append({"args": args, "exit": result.exit_code, "output": result.output})
            return None
        return result.stdout

    def summary(self) -> str:
        return json.dumps({"commands": self.commands, "failures": self.failures})


def write(url: str, worker: int, count: int, stop: Path | None = None) -> Runner:
    run = Runner(url, f"W{worker}")
    for index in range(count):
        if stop is not None and stop.exists():
            break
        added = run("youth", "add", "--cpr", cpr_of(worker, index), "--name", f"W{worker} {index}")
        if added is not None:
            run("youth", "update", added.strip(), "--need", "B", "--reason", f"worker {worker}")
    return run


def plan_cpr(worker: int, index: int) -> str:
    """The CPR of a 16-year-old (on TODAY, out of activity: team-2's target) for the plan mode."""
    born = dt.date(2010, 1, 1) + dt.timedelta(days=worker * 40 + index)
    return born.strftime("%d%m%y") + f"-4{worker:01d}{index % 100:02d}"


def plan(url: str, worker: int, count: int) -> Runner:
    """Plan changes and referrals: what a coordinator records in a working day."""
    run = Runner(url, f"W{worker}")
    for index in range(count):
        youth = plan_cpr(worker, index)
        run("plan", "goal", "add", youth, f"Mål {worker}-{index}", "--reason", "Aftalt")
        run("plan", "effort", "add", youth, "--title", f"Mentor {worker}-{index}",
            "--department", "Jobcentret", "--legislation", "lab", "--responsible", f"W{worker}",
            "--reason", "Aftalt")  # fmt: skip
        run("agenda", "add", youth, "--team", "team-2", "--reason", f"Henvist af W{worker}")
    return run


def agendas(url: str, folder: Path, stop: Path) -> Runner:
    """The cron job, again and again, while the writers work."""
    run = Runner(url, "R")
    while not stop.exists() or run.commands == 0:
        run("agenda", "generate", "--days", "30", "--out", str(folder))
    return run


def main(argv: list[str]) -> None:
    mode, url, *rest = argv
    if os.environ.get("KUI_TEST_BUSY_TIMEOUT_MS"):  # tests/test_locks.py: waits that run out
        db.BUSY_TIMEOUT_MS = int(os.environ["KUI_TEST_BUSY_TIMEOUT_MS"])
    if mode == "write":
        run = write(url, int(rest[0]), int(rest[1]), Path(rest[2]) if rest[2:] else None)
    elif mode == "plan":
        run = plan(url, int(rest[0]), int(rest[1]))
    elif mode == "agendas":
        run = agendas(url, Path(rest[0]), Path(rest[1]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(run.summary())


if __name__ == "__main__":
    main(sys.argv[1:])
