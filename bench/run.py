"""Benchmarks of kui at national scale, measured side by side in one run.

    python bench/run.py [--n N] [--json FILE] [--markdown] [--rounds K] [--only SECTION...]

Prints one table: each figure, what it is compared with in the same run, the ratio, the target
of issue 9 and whether it holds. Sections:

- startup: `kui --help` and `kui youth show ID` against a bare one-command Typer app's `--help`;
- queries: the hot commands' query time (their SELECT statements, captured while the command
  runs in a warm process, replayed on a plain connection with every row fetched), the command's
  whole work in that process in the note, and whole processes; commands that do not exist yet
  are printed as skipped with the reason; `report overview` is timed with its figures kept (a
  first run, in the note, counts and keeps them: they are kept until the data changes);
- lookups: the SQL the hot commands are built from (bench/lookups.py), timed alone;
- export: `export monthly` against a plain Python csv writer over the same queries, `sqlite3
  -csv` beside it, and its peak RSS at N and at 10,000;
- audit: `audit verify --full` of a log of N entries (at least 10,000) in a warm process, per
  entry, beside a plain sqlite3 fetch of the same columns; its peak RSS at N and at 10,000
  entries; and a verification from the checkpoint the full one wrote;
- listings (issue 19): a see-all `youth list --search Jensen` as JSON and as a table against
  `sqlite-utils query` of the same rows (the `bench` extra), and beside it the plain floor
  (bench/floor_listing.py: what `sqlite-utils query` does, without its start-up), whole
  processes and peak RSS (at N and at 10,000: streaming keeps them alike), and
  `transitions` as a see-all user in a warm process;
- import: `youth import` of N rows against the plain Python floor (bench/floor_import.py), the
  sqlite3 shell's `.import --csv` and `sqlite-utils insert --csv` beside it;
- feed: `feed apply` of a month's status feed (100,000 events, bench/feed_events.py) against
  the N-youth town, beside the plain Python floor (bench/floor_feed.py) on a copy of the same
  database, and the unchanged re-run of the same feed against kui's first run;
- worklists (issue 16): `today` for every active staff member in a warm process (its query
  time per member: median, 95th percentile and maximum against the 100 ms target,
  bench/worklists.py), and `digest --out` for all staff as a whole process;
- postgres: the query figures again on PostgreSQL when KUI_BENCH_POSTGRES_URL is set (that
  database's public schema is replaced by the generated municipality).

Times are the best of K interleaved rounds (wall clock): the machine is shared, and the minimum
is the figure least disturbed by others. Databases come from bench/generate.py and are cached in
bench/.cache/; queries and imports work on copies. kui's modules are compiled to bytecode before
anything is timed, as pip does when it installs kui: with PYTHONDONTWRITEBYTECODE set every
start-up would otherwise compile kui's source again (about 70 ms that no user pays).

The versions of Python, SQLite, PostgreSQL (when used) and the libraries that decide the figures
are printed beside the table and written into `--json` and `--markdown`: figures of different
versions are not comparable (typer 0.29 builds a pydantic validator for every option).
"""

from __future__ import annotations

import argparse
import compileall
import importlib.metadata
import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import feed_events, floor_listing, generate, lookups  # noqa: E402

PY = sys.executable
KUI = [PY, "-m", "kui_cli"]
WORK = generate.CACHE / "run"
SECTIONS = (
    "startup",
    "queries",
    "lookups",
    "export",
    "audit",
    "listings",
    "import",
    "feed",
    "worklists",
    "postgres",
)
# The libraries whose versions decide the figures (start-up above all), as pip names them.
LIBRARIES = (
    "typer",
    "rich",
    "SQLAlchemy",
    "sqlmodel",
    "pydantic",
    "pydantic-core",
    "tabulate",
    "alembic",
    "psycopg",
    "sqlite-utils",  # what the listings and the import are compared with
)
# Every hot command's whole process, and `youth show`, against the bare Typer app (issue 19).
STARTUP_LIMIT = 3.0
SEARCH = "Jensen"  # a common Danish surname: about 3 % of the register
RSS_SMALL_N = 10_000
EXPORT_MONTH = "2026-10"


# --------------------------------------------------------------------------- figures


@dataclass
class Figure:
    """One line of the table and one object of `--json`'s "figures". `value` is in `unit`:
    seconds, or MiB for memory figures (their JSON `seconds` is null and the name carries the
    value)."""

    name: str
    value: float | None
    baseline: str | None = None
    baseline_seconds: float | None = None
    target: str | None = None
    limit: float | None = None
    on_ratio: bool = True
    note: str = ""
    unit: str = "s"

    @property
    def seconds(self) -> float | None:
        return self.value if self.unit == "s" else None

    @property
    def ratio(self) -> float | None:
        if self.seconds is None or not self.baseline_seconds:
            return None
        return self.seconds / self.baseline_seconds

    @property
    def holds(self) -> bool | None:
        if self.limit is None or self.value is None:
            return None
        measured = self.ratio if self.on_ratio else self.value
        return measured is not None and measured <= self.limit

    def shown(self) -> str:
        """The value as the table prints it."""
        if self.value is None:
            return ""
        return _seconds(self.value) if self.unit == "s" else f"{self.value:.0f} {self.unit}"

    def as_json(self) -> dict[str, Any]:
        ratio = self.ratio
        return {
            "name": self.name,
            "seconds": _round(self.seconds),
            "baseline": self.baseline,
            "baseline_seconds": _round(self.baseline_seconds),
            "ratio": None if ratio is None else round(ratio, 3),
            "target": self.target,
            "holds": self.holds,
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def skipped(name: str, reason: str) -> Figure:
    return Figure(name, None, note=f"skipped: {reason}")


def ratio_target(limit: float) -> dict[str, Any]:
    return {"target": f"<= {limit:g}x", "limit": limit, "on_ratio": True}


def value_target(limit: float, unit: str = "s") -> dict[str, Any]:
    return {"target": f"< {limit:g} {unit}", "limit": limit, "on_ratio": False}


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 0.001:
        return f"{value * 1e6:.0f} µs"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def table(figures: list[Figure]) -> str:
    """The figures as aligned plain text."""
    head = ("figure", "time", "baseline", "baseline time", "ratio", "target", "holds", "note")
    rows = [head]
    for f in figures:
        ratio = f.ratio
        holds = {True: "yes", False: "NO", None: ""}[f.holds]
        rows.append(
            (
                f.name,
                f.shown(),
                f.baseline or "",
                _seconds(f.baseline_seconds),
                "" if ratio is None else f"{ratio:.2f}x",
                f.target or "",
                holds,
                f.note,
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown(figures: list[Figure]) -> str:
    """The figures as a Markdown table (for the README)."""
    lines = [
        "| figure | time | baseline | baseline time | ratio | target | holds | note |",
        "|---|---:|---|---:|---:|---|---|---|",
    ]
    for f in figures:
        ratio = "" if f.ratio is None else f"{f.ratio:.2f}x"
        holds = {True: "yes", False: "**no**", None: ""}[f.holds]
        lines.append(
            f"| {f.name} | {f.shown()} | {f.baseline or ''} | {_seconds(f.baseline_seconds)} | "
            f"{ratio} | {f.target or ''} | {holds} | {f.note} |"
        )
    return "\n".join(lines)


def versions(postgres_url: str | None = None) -> dict[str, str]:
    """Python, SQLite, PostgreSQL (when a URL is given) and the libraries, as installed."""
    found = {"Python": sys.version.split()[0], "SQLite": sqlite3.sqlite_version}
    if postgres_url:
        found["PostgreSQL"] = _server_version(postgres_url)
    for name in LIBRARIES:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _server_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar()).split()[0]
    finally:
        engine.dispose()


def versions_line(found: dict[str, str]) -> str:
    """The versions as one line beside the table (and under the README's tables)."""
    return "versions: " + ", ".join(f"{name} {version}" for name, version in found.items())


# --------------------------------------------------------------------------- processes


@dataclass
class Proc:
    """A finished child process: wall time, peak RSS and exit code."""

    seconds: float
    rss_mib: float
    code: int
    cpu: float = 0.0
    stdout: str = ""
    stderr: str = ""


def environment() -> dict[str, str]:
    """The children's environment: this worktree's kui, no KUI_* settings of the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUI_")}
    env["PYTHONPATH"] = str(ROOT)
    env.pop("PYTHONSTARTUP", None)
    return env


ENV = environment()


def spawn(cmd: list[str], *, capture: bool = False) -> Proc:
    """Run a command from the worktree root; its stdout goes to /dev/null unless captured."""
    with tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as out:
        started = time.perf_counter()
        child = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=ENV,
            stdin=subprocess.DEVNULL,
            stdout=out if capture else subprocess.DEVNULL,
            stderr=err,
        )
        code, rss, cpu = _wait(child)
        elapsed = time.perf_counter() - started
        err.seek(0)
        out.seek(0)
        return Proc(
            elapsed,
            rss,
            code,
            cpu,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def own_peak_rss(cmd: list[str]) -> float:
    """The command's own peak RSS in MiB. Linux carries a process's RSS high-water mark across
    fork and exec, so a child of this (large) runner would report the runner's peak; GNU time is
    a small process in between, and its child's figure is the command's own."""
    gnu_time = shutil.which("time")
    if gnu_time is None:  # no GNU time (Debian package `time`): the runner's figure, an upper bound
        return checked(spawn(cmd), cmd[-1]).rss_mib
    with tempfile.NamedTemporaryFile(suffix=".rss") as report:
        checked(spawn([gnu_time, "-f", "%M", "-o", report.name, *cmd]), cmd[-1])
        kib = Path(report.name).read_text(encoding="utf-8").strip().splitlines()[-1]
    return int(kib) / 1024


def _wait(child: subprocess.Popen[bytes]) -> tuple[int, float, float]:
    """Exit code, peak RSS (MiB) and CPU seconds of one child: os.wait4 where it exists (its
    rusage is the child's own), else psutil's samples."""
    if hasattr(os, "wait4"):
        _pid, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB else
        cpu = usage.ru_utime + usage.ru_stime
        return child.returncode, usage.ru_maxrss * scale / 2**20, cpu
    try:
        import psutil
    except ImportError:
        return child.wait(), float("nan"), float("nan")
    peak, cpu = 0, 0.0
    watched = psutil.Process(child.pid)
    while child.poll() is None:
        try:
            peak = max(peak, watched.memory_info().rss)
            times = watched.cpu_times()
            cpu = times.user + times.system
        except psutil.Error:
            break
        time.sleep(0.01)
    return child.wait(), peak / 2**20, cpu


def checked(proc: Proc, what: str) -> Proc:
    if proc.code != 0:
        tail = proc.stderr.strip().splitlines()[-3:]
        raise SystemExit(f"bench: {what} failed (exit {proc.code}): {' | '.join(tail)}")
    return proc


def sqlite_utils() -> list[str] | None:
    """The command that runs sqlite-utils (the `bench` extra), or None when it is missing."""
    if utils := shutil.which("sqlite-utils"):
        return [utils]
    if importlib.util.find_spec("sqlite_utils"):
        return [PY, "-m", "sqlite_utils"]
    return None


def best_of(
    commands: dict[str, list[str]],
    rounds: int,
    prepare: Callable[[], None] | None = None,
    cpu: dict[str, float] | None = None,
) -> dict[str, float]:
    """The fastest of `rounds` interleaved runs of each command (one of each per round); the
    least CPU time of each goes into `cpu` when given."""
    runs: dict[str, list[Proc]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            if prepare:
                prepare()
            runs[name].append(checked(spawn(cmd), name))
    if cpu is not None:
        cpu.update({name: min(p.cpu for p in procs) for name, procs in runs.items()})
    return {name: min(p.seconds for p in procs) for name, procs in runs.items()}


def cpu_note(cpu: dict[str, float], name: str, baseline: str) -> str:
    """A start-up figure's CPU time beside the baseline's: on a busy machine the wall clock
    waits for a core, and the CPU ratio is the one that still compares."""
    if not cpu.get(baseline):
        return ""
    ratio = cpu[name] / cpu[baseline]
    return f"CPU {_seconds(cpu[name])} vs {_seconds(cpu[baseline])} ({ratio:.2f}x)"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- the run


@dataclass
class Query:
    """A hot command, how to tell that it exists, and its target in a warm process."""

    name: str
    words: list[str]
    options: list[str]
    args: Callable[[dict[str, Any]], list[str]]
    limit: float | None = 0.1
    whole_process: bool = True
    as_user: str = "coordinator"  # who runs it (a meta key): reports cover everyone, leaders only
    # Run once before it is timed: figures it keeps (`report overview`, migration 0013) are kept
    # by then, as they are between two changes of the data; that first run is in the note.
    keeps: bool = False
    postgres_limit: float | None = None  # the target on PostgreSQL, when it is another


QUERIES = [
    Query(
        "youth list --coordinator X",
        ["youth", "list"],
        ["--coordinator"],
        lambda m: ["youth", "list", "--coordinator", m["coordinator"]],
    ),
    Query(
        "youth show ID",
        ["youth", "show"],
        [],
        lambda m: ["youth", "show", str(m["youth"])],
        None,
        whole_process=False,  # timed against its own target in the start-up section
    ),
    Query(
        "agenda show --team team-2 --next",
        ["agenda", "show"],
        ["--team", "--next"],
        lambda m: ["agenda", "show", "--team", m["team"], "--next"],
    ),
    Query(
        f"youth list --search {SEARCH}",
        ["youth", "list"],
        ["--search"],
        lambda m: ["youth", "list", "--search", SEARCH],
    ),
    Query("duty check", ["duty", "check"], [], lambda m: ["duty", "check"]),
    Query("plan inbox", ["plan", "inbox"], [], lambda m: ["plan", "inbox"]),
    Query("today", ["today"], ["--fail-if-any"], lambda m: ["today"]),
    Query(
        "report overview",
        ["report", "overview"],
        [],
        lambda m: ["report", "overview"],
        1.0,
        whole_process=False,
        as_user="leader",
        keeps=True,
        postgres_limit=2.0,
    ),
]
FEED = Query("feed apply", ["feed", "apply"], ["--dry-run"], lambda m: [], as_user="leader")
EXPORT = Query(
    "export monthly",
    ["export", "monthly"],
    ["--month"],
    lambda m: ["export", "monthly", "--month", EXPORT_MONTH, "--format", "csv"],
    as_user="leader",
)


@dataclass
class Bench:
    n: int
    rounds: int
    sections: tuple[str, ...]
    import_rounds: int = 3
    feed_events: int | None = None  # default: 100,000 at N = 1,000,000, N/10 below
    figures: list[Figure] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    _help: dict[str, str | None] = field(default_factory=dict)

    def add(self, figure: Figure) -> None:
        self.figures.append(figure)
        log(f"  {figure.name}: {figure.shown() or figure.note}")

    def kui(self, url: str, *args: str, user: str | None = None) -> list[str]:
        who = user or self.meta["coordinator"]
        return [*KUI, "--db", url, "--user", who, "--today", self.meta["today"], *args]

    def missing(self, query: Query) -> str | None:
        """Why the command cannot be measured yet, or None when it exists with its options."""
        key = " ".join(query.words)
        if key not in self._help:
            proc = spawn([*KUI, *query.words, "--help"], capture=True)
            self._help[key] = proc.stdout if proc.code == 0 else None
        text = self._help[key]
        if text is None:
            return f"`kui {key}` does not exist yet"
        absent = [o for o in query.options if o not in text]
        return f"`kui {key}` has no {' '.join(absent)} yet" if absent else None

    # ----------------------------------------------------------------------- sections

    def run(self) -> None:
        WORK.mkdir(parents=True, exist_ok=True)
        postgres = os.environ.get("KUI_BENCH_POSTGRES_URL") if "postgres" in self.sections else None
        self.versions = versions(postgres)
        compile_bytecode()
        database, source, self.meta = generate.ensure(self.n, log=log)
        url = f"sqlite:///{self._copy(database, WORK / 'kui.db')}"
        log(
            f"kui at N={self.n:,} ({self.meta['rows']['change_log']:,} change-log rows), "
            f"{os.cpu_count()} CPUs, load {_load()}; {versions_line(self.versions)}"
        )
        if "startup" in self.sections:
            self.startup(url)
        if "queries" in self.sections:
            self.queries(url, "")
        if "lookups" in self.sections:
            self.lookups(url, "")
        if "export" in self.sections:
            self.export(url)
        if "audit" in self.sections:
            self.audit(database)
        if "listings" in self.sections:
            self.listings(url)
        if "import" in self.sections:
            self.import_(source)
        if "feed" in self.sections:
            self.feed(database)
        if "worklists" in self.sections:
            self.worklists(url)
        if "postgres" in self.sections:
            self.postgres(database)

    def _copy(self, source: Path, target: Path) -> Path:
        """A private copy of a cached database (commands append audit rows)."""
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
            src.backup(dst)
        dst.close()
        src.close()
        return target

    def startup(self, url: str) -> None:
        log("start-up ...")
        bare = [PY, str(HERE / "bare_app.py")]
        commands = {
            "pass": [PY, "-c", "pass"],
            "bare": [*bare, "--help"],
            "plain": [*bare, "--plain", "--help"],
            "help": [*KUI, "--help"],
            "show": self.kui(url, "youth", "show", str(self.meta["youth"])),
        }
        commands.update(self.whole_process_commands(url))
        cpu: dict[str, float] = {}
        best = best_of(commands, self.rounds, cpu=cpu)
        bare_name = "bare Typer app --help"
        help_note = cpu_note(cpu, "help", "bare")
        self.add(
            Figure(
                "kui --help",
                best["help"],
                bare_name,
                best["bare"],
                **ratio_target(1.3),
                note=help_note,
            )
        )
        self.add(
            Figure(
                f"kui youth show ID (N={self.n:,})",
                best["show"],
                bare_name,
                best["bare"],
                **ratio_target(STARTUP_LIMIT),
                note=cpu_note(cpu, "show", "bare"),
            )
        )
        self.add(
            Figure("bare Typer app --help (context)", best["bare"], "python -c pass", best["pass"])
        )
        self.add(
            Figure(
                "kui --help (context)",
                best["help"],
                "bare app without Rich markup --help",
                best["plain"],
            )
        )
        self.add_whole_process(best, list(self.whole_process_commands(url)), "", cpu)

    def whole_process_commands(self, url: str) -> dict[str, list[str]]:
        """The hot commands that exist, to be timed as whole processes."""
        return {
            q.name: self.kui(url, *q.args(self.meta), user=self.meta[q.as_user])
            for q in QUERIES
            if q.whole_process and not self.missing(q)
        }

    def add_whole_process(
        self, best: dict[str, float], names: list[str], label: str, cpu: dict[str, float]
    ) -> None:
        """Each hot command's whole process against the bare app (its start-up target on
        SQLite; on PostgreSQL, where a connection costs a server round trip, for context)."""
        target = {} if label else ratio_target(STARTUP_LIMIT)
        for name in names:
            figure = f"kui {name}{label}: whole process"
            note = cpu_note(cpu, name, "bare")
            bare = best["bare"]
            self.add(Figure(figure, best[name], "bare Typer app --help", bare, **target, note=note))

    def queries(self, url: str, label: str) -> None:
        """Query time (the command's SELECTs replayed on a plain connection, every row fetched)
        against the target; the command's whole work in a warm process in the note."""
        log(f"queries{label} ...")
        for query in QUERIES:
            name = f"{query.name}{label}: query time"
            reason = self.missing(query)
            if reason:
                self.add(skipped(name, reason))
                continue
            args = self.kui(url, *query.args(self.meta), user=self.meta[query.as_user])[3:]
            counting = self.inproc(args, 0) if query.keeps else None
            result = self.inproc(args, repeat=max(3, self.rounds // 2))
            if result["code"]:
                self.add(skipped(name, f"failed: {result['stderr']}"))
                continue
            limit = (query.postgres_limit if label else None) or query.limit
            target = value_target(limit) if limit else {}
            note = f"{result['rows']:,} rows; in-process {_seconds(min(result['runs']))}"
            if counting and not counting["code"]:
                note += (
                    f"; kept figures (first run, counting: query {_seconds(counting['query'])}, "
                    f"in-process {_seconds(counting['runs'][0])})"
                )
            self.add(Figure(name, result["query"], **target, note=note))

    def lookups(self, url: str, label: str) -> None:
        """The SQL that the hot commands are built from, timed alone (best of K runs each)."""
        from sqlalchemy import create_engine, text

        log(f"lookups{label} ...")
        engine = create_engine(url)
        with engine.connect() as conn:
            cpr = conn.execute(
                text("SELECT cpr FROM youth WHERE id = :youth"), {"youth": self.meta["youth"]}
            ).scalar()
            values = lookups.parameters(self.meta, cpr)
            for lookup in lookups.LOOKUPS:
                statement, times, count = text(lookup.sql), [], 0
                for _ in range(max(3, self.rounds)):
                    started = time.perf_counter()
                    count = len(conn.execute(statement, values).fetchall())
                    times.append(time.perf_counter() - started)
                name = f"SQL: {lookup.what}{label}"
                self.add(Figure(name, min(times), note=f"{count:,} rows, {lookup.index}"))
        engine.dispose()

    def inproc(self, args: list[str], repeat: int, capture: Path | None = None) -> dict[str, Any]:
        cmd = [PY, str(HERE / "inproc.py"), str(repeat)]
        cmd += ["--capture", str(capture)] if capture else []
        proc = spawn([*cmd, "--", *args], capture=True)
        if proc.code:
            return {"code": proc.code, "stderr": proc.stderr.strip()[-300:], "runs": []}
        return json.loads(proc.stdout)

    def export(self, url: str) -> None:
        log("export ...")
        name = f"export monthly (N={self.n:,}): whole process"
        reason = self.missing(EXPORT)
        if reason:
            self.add(skipped(name, reason))
            self.add(skipped("export monthly peak RSS", reason))
            return
        args = self.kui(url, *EXPORT.args(self.meta), user=self.meta[EXPORT.as_user])
        statements = WORK / "export-statements.json"
        captured = self.inproc(args[3:], repeat=0, capture=statements)
        if captured["code"]:
            self.add(skipped(name, f"failed: {captured['stderr']}"))
            return
        database = url.split(":///", 1)[1]
        commands = {
            "kui": args,
            "floor": [PY, str(HERE / "floor_export.py"), str(statements), database],
        }
        script = WORK / "export.sql"
        if shutil.which("sqlite3"):
            script.write_text(_shell_script(statements), encoding="utf-8")
            commands["shell"] = ["sh", "-c", f'sqlite3 -csv "{database}" < "{script}"']
        best = best_of(commands, max(2, self.rounds // 4))
        floor = "plain Python csv writer, same queries"
        self.add(Figure(name, best["kui"], floor, best["floor"], **ratio_target(1.15)))
        if "shell" in best:
            self.add(
                Figure("sqlite3 -csv, same queries (context)", best["shell"], floor, best["floor"])
            )
        else:
            self.add(skipped("sqlite3 -csv (context)", "the sqlite3 shell is not installed"))
        self.rss(args)

    def worklists(self, url: str) -> None:
        """`today` for every staff member (query time per member against the 100 ms target,
        the whole work per member in the note) and `digest --out` for all staff."""
        log("worklists ...")
        name = f"today for every staff member (N={self.n:,})"
        progress = WORK / "worklists-progress.json"
        command = [PY, str(HERE / "worklists.py"), url, self.meta["today"], str(progress)]
        proc = spawn(command, capture=True)
        found = json.loads(proc.stdout) if proc.code == 0 else {"code": proc.code}
        if found["code"]:
            self.add(skipped(name, f"failed: {proc.stderr.strip()[-300:]} {found}"))
            return
        query, wall = found["query"], found["wall"]
        note = (
            f"{found['members']:,} members, {found['items']:,} items; query median "
            f"{_seconds(query['median'])}, p95 {_seconds(query['p95'])} (slowest "
            f"{found['slowest']}); in-process median {_seconds(wall['median'])}, max "
            f"{_seconds(wall['max'])}; all {_seconds(found['total'])}"
        )
        slowest = f"{name}: slowest query time"
        self.add(Figure(slowest, query["max"], **value_target(0.1), note=note))
        folder = WORK / "digests"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        args = self.kui(url, "digest", "--out", str(folder), user=self.meta["leader"])
        best = best_of({"digest": args}, 1)
        written = len(list(folder.iterdir()))
        each = f"{written:,} files, {_seconds(best['digest'] / max(1, written))} each"
        digest = f"digest --out for all staff (N={self.n:,}): whole process"
        self.add(Figure(digest, best["digest"], note=each))

    def rss(self, args: list[str]) -> None:
        """Peak RSS of the export at N and at 10,000 youths: streaming keeps them alike."""
        peaks = {self.n: own_peak_rss(args)}
        if self.n != RSS_SMALL_N:
            small_db, _source, small = generate.ensure(RSS_SMALL_N, log=log)
            small_url = f"sqlite:///{self._copy(small_db, WORK / 'kui-small.db')}"
            small_args = [
                *KUI,
                "--db",
                small_url,
                "--user",
                small[EXPORT.as_user],
                "--today",
                small["today"],
                *EXPORT.args(small),
            ]
            peaks[RSS_SMALL_N] = own_peak_rss(small_args)
        for n, mib in sorted(peaks.items(), reverse=True):
            self.add(
                Figure(
                    f"export monthly peak RSS at N={n:,}: {mib:.0f} MiB",
                    mib,
                    unit="MiB",
                    **value_target(100, "MiB"),
                )
            )

    def audit(self, database: Path) -> None:
        """`audit verify` per entry of a log of N entries: the whole chain (`--full`) in a warm
        process, the floor of fetching the same columns, peak RSS, and from a checkpoint."""
        log("audit ...")
        peaks: dict[int, float] = {}
        for entries in sorted({max(self.n, RSS_SMALL_N), RSS_SMALL_N}, reverse=True):
            copy = self._copy(database, WORK / f"audit-{entries}.db")
            total = generate.extend_audit(copy, entries)
            marks = WORK / f"audit-{entries}.jsonl"
            marks.unlink(missing_ok=True)
            args = self.kui(
                f"sqlite:///{copy}",
                *("audit", "verify", "--checkpoints", str(marks)),
                user=self.meta["leader"],
            )
            args += ["--key-file", str(WORK / "audit.key")]
            peaks[total] = own_peak_rss([*args, "--full"])
            if entries != max(self.n, RSS_SMALL_N):
                continue
            full = self.inproc([*args[3:], "--full"], repeat=max(1, self.rounds // 3))
            since = self.inproc(args[3:], repeat=max(1, self.rounds // 3))
            if full["code"] or since["code"]:
                self.add(skipped("audit verify", f"failed: {full['stderr'] or since['stderr']}"))
                return
            floor = _fetch_chain(copy, max(1, self.rounds // 3))
            per_entry = min(full["runs"]) / total
            self.add(
                Figure(
                    f"audit verify --full of {total:,} entries: per entry",
                    per_entry,
                    "plain sqlite3 fetch of the same columns",
                    floor / total,
                    target="<= 5 µs",
                    limit=5e-6,
                    on_ratio=False,
                    note=f"in-process {_seconds(min(full['runs']))}",
                )
            )
            self.add(
                Figure(
                    f"audit verify from its checkpoint ({total:,} entries)",
                    min(since["runs"]),
                    note="walks only the entries after the latest checkpoint",
                )
            )
        for total, mib in sorted(peaks.items(), reverse=True):
            self.add(
                Figure(
                    f"audit verify --full peak RSS at {total:,} entries: {mib:.0f} MiB",
                    mib,
                    unit="MiB",
                    **value_target(100, "MiB"),
                )
            )

    def listings(self, url: str) -> None:
        """A see-all listing of many rows against the plain floor of the same rows; then the
        transitions of everyone in a warm process."""
        log("listings ...")
        database = url.split(":///", 1)[1]
        search = ["youth", "list", "--search", SEARCH]
        utils = sqlite_utils()
        for fmt, limit in (("json", 1.5), ("table", 2.0)):
            args = self.kui(url, *search, "--format", fmt, user=self.meta["leader"])
            floor = [PY, str(HERE / "floor_listing.py"), database, SEARCH, fmt]
            commands = {"kui": args, "floor": floor}
            if utils:
                sql = floor_listing.SQL.replace("?", f"'%{SEARCH.lower()}%'")
                commands["utils"] = [*utils, "query", database, sql]
                commands["utils"] += ["--table"] if fmt == "table" else []
            best = best_of(commands, max(2, self.rounds // 3))
            plain = f"plain sqlite3 + {'json.dumps' if fmt == 'json' else 'tabulate'}, same rows"
            name = f"youth list --search {SEARCH} -f {fmt}, see-all (N={self.n:,}): whole process"
            if utils:
                what = f"sqlite-utils query{' --table' if fmt == 'table' else ''}, same rows"
                self.add(Figure(name, best["kui"], what, best["utils"], **ratio_target(limit)))
                context = f"youth list -f {fmt}, see-all: against the plain floor (context)"
                self.add(Figure(context, best["kui"], plain, best["floor"]))
            else:
                self.add(Figure(name, best["kui"], plain, best["floor"], **ratio_target(limit),
                                note="sqlite-utils is not installed: measured against the "
                                "plain floor (pip install -e '.[bench]')"))  # fmt: skip
            peaks = {"kui": own_peak_rss(args), "floor": own_peak_rss(floor)}
            self.add(
                Figure(
                    f"youth list -f {fmt} peak RSS: {peaks['kui']:.0f} MiB "
                    f"(floor {peaks['floor']:.0f} MiB)",
                    peaks["kui"],
                    unit="MiB",
                    # A table needs every width before its first line: it holds its cells.
                    **(value_target(100, "MiB") if fmt == "json" else {}),
                )
            )
        args = ["youth", "list", "--format", "json"]
        self.add(
            Figure(
                f"youth list -f json, every youth, peak RSS (N={self.n:,})",
                own_peak_rss(self.kui(url, *args, user=self.meta["leader"])),
                unit="MiB",
                **value_target(100, "MiB"),
            )
        )
        args = self.kui(url, "transitions", "--format", "json", user=self.meta["leader"])[3:]
        result = self.inproc(args, repeat=max(3, self.rounds // 3))
        name = "transitions, see-all: in-process"
        if result["code"]:
            self.add(skipped(name, f"failed: {result['stderr']}"))
            return
        note = f"{result['rows']:,} rows; query {_seconds(result['query'])}"
        self.add(Figure(name, min(result["runs"]), **value_target(1.0), note=note))

    def import_(self, source: Path) -> None:
        log("import ...")
        template = WORK / "empty.db"
        template.unlink(missing_ok=True)
        init = [*KUI, "--db", str(template), "init"]
        checked(spawn(init), "kui init")
        bootstrap = [*KUI, "--db", str(template), "--user", "BENCH", "staff", "add"]
        bootstrap += ["--initials", "BENCH", "--name", "Bench", "--role", "leader"]
        checked(spawn([*bootstrap, "--department", "KUI"]), "kui staff add")
        target = WORK / "import.db"
        commands = {
            "kui": [
                *KUI,
                "--db",
                str(target),
                "--user",
                "BENCH",
                "--today",
                self.meta["today"],
                "youth",
                "import",
                str(source),
            ],
            "floor": [PY, str(HERE / "floor_import.py"), str(source), str(target)],
        }
        # The same file again, re-runnable, into the database the first import filled: every row
        # registered and unchanged (issue 18).
        rerun = [*commands["kui"], "--update", "--reason", "bench: unchanged re-run"]
        if shutil.which("sqlite3"):
            commands["shell"] = ["sqlite3", str(target), f".import --csv {source} youth"]
        utils = sqlite_utils()
        if utils:
            commands["utils"] = [*utils, "insert", str(target), "youth", str(source), "--csv"]
        runs: dict[str, list[Proc]] = {name: [] for name in [*commands, "rerun"]}
        for index in range(self.import_rounds):
            # Alternate who goes first: a shared machine is not equally busy all the time.
            order = list(commands) if index % 2 == 0 else ["floor", "kui", *list(commands)[2:]]
            for name in order:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
                if name == "kui":
                    shutil.copyfile(template, target)
                runs[name].append(checked(spawn(commands[name]), f"import ({name})"))
                if name == "kui":
                    runs["rerun"].append(checked(spawn(rerun), "import --update (re-run)"))
        best = {name: min(p.seconds for p in values) for name, values in runs.items()}
        cpu = {name: min(p.cpu for p in values) for name, values in runs.items()}
        peak = {name: max(p.rss_mib for p in values) for name, values in runs.items()}
        floor = "plain Python floor"
        note = (
            f"CPU {cpu['kui']:.1f} s vs {cpu['floor']:.1f} s; "
            f"peak RSS {peak['kui']:.0f} vs {peak['floor']:.0f} MiB"
        )
        self.add(
            Figure(
                f"youth import of {self.n:,} rows",
                best["kui"],
                floor,
                best["floor"],
                **ratio_target(1.3),
                note=note,
            )
        )
        self.add(
            Figure(
                f"youth import --update of the same {self.n:,} rows, unchanged",
                best["rerun"],
                "the first youth import",
                best["kui"],
                note=f"CPU {cpu['rerun']:.1f} s; peak RSS {peak['rerun']:.0f} MiB",
            )
        )
        if "shell" in best:
            self.add(
                Figure("sqlite3 shell .import --csv (context)", best["shell"], floor, best["floor"])
            )
        else:
            self.add(skipped("sqlite3 shell .import --csv (context)", "sqlite3 is not installed"))
        if "utils" in best:
            self.add(
                Figure("sqlite-utils insert --csv (context)", best["utils"], floor, best["floor"])
            )
        else:
            self.add(
                skipped(
                    "sqlite-utils insert --csv (context)",
                    "sqlite-utils is not installed (pip install -e '.[bench]')",
                )
            )

    def feed(self, database: Path) -> None:
        """`feed apply` on a fresh copy of the town each round, then the same feed again on that
        copy (nothing new: the re-run), against the floor on another fresh copy; who goes first
        alternates."""
        log("feed ...")
        if self.missing(FEED):
            self.add(skipped("feed apply", self.missing(FEED) or ""))
            return
        # A month of a national register's feed: 100,000 events at N = 1,000,000, pro rata below.
        wanted = self.feed_events or min(feed_events.EVENTS, self.n // 10)
        source = feed_events.ensure(database, self.n, wanted)
        events = sum(1 for _ in source.open(encoding="utf-8")) - 1
        target = WORK / "feed.db"
        with sqlite3.connect(database) as conn:
            query = "SELECT value FROM setting WHERE key = 'subject_secret'"
            (secret,) = conn.execute(query).fetchone()
        conn.close()
        apply = self.kui(str(target), "feed", "apply", str(source), user=self.meta["leader"])
        floor = [PY, str(HERE / "floor_feed.py"), str(source), str(target), self.meta["today"]]
        runs: dict[str, list[Proc]] = {"kui": [], "again": [], "floor": []}
        for index in range(self.import_rounds):
            order = ("kui", "floor") if index % 2 == 0 else ("floor", "kui")
            for name in order:
                self._copy(database, target)
                command = apply if name == "kui" else [*floor, secret]
                runs[name].append(checked(spawn(command), f"feed apply ({name})"))
                if name == "kui":
                    runs["again"].append(checked(spawn(apply), "feed apply (re-run)"))
        best = {name: min(p.seconds for p in values) for name, values in runs.items()}
        cpu = {name: min(p.cpu for p in values) for name, values in runs.items()}
        note = f"CPU {cpu['kui']:.1f} s vs {cpu['floor']:.1f} s; load average {_load()}"
        self.add(
            Figure(
                f"feed apply of {events:,} events (N={self.n:,})",
                best["kui"],
                "plain Python floor",
                best["floor"],
                **ratio_target(1.5),
                note=note,
            )
        )
        self.add(
            Figure(
                "feed apply re-run, unchanged",
                best["again"],
                "feed apply, first run",
                best["kui"],
                **ratio_target(0.5),
                note=f"CPU {cpu['again']:.1f} s",
            )
        )

    def postgres(self, database: Path) -> None:
        url = os.environ.get("KUI_BENCH_POSTGRES_URL")
        if not url:
            self.add(skipped("PostgreSQL queries", "KUI_BENCH_POSTGRES_URL is not set"))
            return
        generate.load_postgres(database, url, log=log)
        self.queries(url, " (PostgreSQL)")
        self.lookups(url, " (PostgreSQL)")
        commands = {"bare": [PY, str(HERE / "bare_app.py"), "--help"]}
        commands["youth show ID"] = self.kui(url, "youth", "show", str(self.meta["youth"]))
        commands.update(self.whole_process_commands(url))
        names = [name for name in commands if name != "bare"]
        cpu: dict[str, float] = {}
        best = best_of(commands, self.rounds, cpu=cpu)
        self.add_whole_process(best, names, " (PostgreSQL)", cpu)


def compile_bytecode() -> None:
    """kui's modules as bytecode, as `pip install` leaves them: the timed processes then load
    them as a user's kui does, whatever PYTHONDONTWRITEBYTECODE says (__pycache__ is ignored
    by git)."""
    if not compileall.compile_dir(ROOT / "kui_cli", quiet=1):
        raise SystemExit("bench: kui's modules do not compile")


def _load() -> str:
    """The machine's load averages (1, 5, 15 minutes): figures of a busy machine say so."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _fetch_chain(database: Path, rounds: int) -> float:
    """The floor of `audit verify`: the columns it hashes fetched with sqlite3, best of rounds."""
    sql = (
        "SELECT id, hash_version, prev_hash, at, user, action, command, subject_key, filter, "
        "rows, hash FROM audit_log ORDER BY id"
    )
    best = float("inf")
    with sqlite3.connect(database) as conn:
        for _ in range(rounds):
            started = time.perf_counter()
            cursor = conn.execute(sql)
            while cursor.fetchmany(5_000):
                pass
            best = min(best, time.perf_counter() - started)
    conn.close()
    return best


def _shell_script(statements_file: Path) -> str:
    """The captured statements with their parameters written in as SQL literals."""
    lines = [".output /dev/null"]
    for sql, parameters in json.loads(statements_file.read_text(encoding="utf-8")):
        values = iter(parameters or ())
        parts = sql.split("?")
        text = parts[0] + "".join(_literal(next(values)) + rest for rest in parts[1:])
        lines.append(text.strip().rstrip(";") + ";")
    return "\n".join(lines) + "\n"


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="kui benchmarks: figures and ratios measured side by side in one run."
    )
    parser.add_argument("--n", type=int, default=100_000, help="youths (default 100,000)")
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table too")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds (default 9)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--import-rounds", type=int, help="rounds of the import (default 3)")
    parser.add_argument("--feed-events", type=int, help="events of the feed (default: N/10)")
    args = parser.parse_args(argv)
    bench = Bench(args.n, max(1, args.rounds), tuple(args.only or SECTIONS))
    bench.import_rounds = args.import_rounds or (2 if args.rounds < 3 else 3)
    bench.feed_events = args.feed_events
    started = time.perf_counter()
    bench.run()
    print(table(bench.figures))
    print(versions_line(bench.versions))
    print(f"load averages at the end: {_load()}")
    if args.markdown:
        print()
        print(markdown(bench.figures))
        print()
        print(f"Measured with {versions_line(bench.versions).removeprefix('versions: ')}.")
    if args.json:
        document = {
            "n": bench.n,
            "versions": bench.versions,
            "figures": [f.as_json() for f in bench.figures],
        }
        args.json.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
