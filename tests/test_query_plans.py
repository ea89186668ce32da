"""The hot queries use their indexes (EXPLAIN QUERY PLAN on SQLite, on a generated municipality).

Two checks. The lookups that the hot commands are built from each name the index they must use.
And every SELECT that the hot commands of bench/run.py execute (captured while they run) must
not scan a large table: at a million youths a scan is a second, not a millisecond. Commands that
do not exist yet are skipped; they are checked as soon as they land.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from bench import generate
from bench.lookups import LOOKUPS, Lookup, parameters
from bench.run import QUERIES, Query
from kui_cli import db
from kui_cli.app import app

N = 2_000
# Tables that grow with the number of youths; a full scan of any of them is a bug in a hot path.
LARGE = {
    "youth", "change_log", "coordinator_assignment", "goal", "effort", "duty_episode",
    "assessment", "guardian", "referral", "audit_log",
}  # fmt: skip


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    path = tmp_path_factory.mktemp("town") / "kui.db"
    meta = generate.build(N, path, log=lambda _message: None)
    national_scale(path)
    yield path, meta
    db.dispose_engines()


def national_scale(path: Path) -> None:
    """A copy of the town (`plans.db` beside it) without table statistics, for `plan`.

    At 2,000 youths the planner's statistics (which kui keeps, `PRAGMA optimize`) rightly make a
    scan of a small table the cheapest plan; without statistics SQLite takes every table to be
    large, which is what the town stands for here. The copy is never opened by kui, so the
    statistics that kui's commands gather as they close do not reach it."""
    copy = path.with_name("plans.db")
    with sqlite3.connect(path) as src, sqlite3.connect(copy) as dst:
        src.backup(dst)
        dst.execute("DELETE FROM sqlite_stat1")
    src.close()
    dst.close()


def plan(path: Path, sql: str, parameters: Any = (), *, statistics: bool = False) -> list[str]:
    """The plan at national scale (no statistics), or with the town's own statistics."""
    target = path if statistics else path.with_name("plans.db")
    with sqlite3.connect(target) as conn:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", parameters or ()).fetchall()
    conn.close()
    return [row[3] for row in rows]


@pytest.mark.parametrize("lookup", LOOKUPS, ids=[x.what for x in LOOKUPS])
def test_hot_lookup_uses_its_index(town: tuple[Path, dict[str, Any]], lookup: Lookup) -> None:
    path, meta = town
    with sqlite3.connect(path) as conn:
        cpr = conn.execute("SELECT cpr FROM youth WHERE id = ?", (meta["youth"],)).fetchone()[0]
    lines = plan(path, lookup.sql, parameters(meta, cpr))
    assert any(f"INDEX {lookup.index} " in line for line in lines), f"{lookup.what}: {lines}"
    assert not scans(lines, lookup.sql), f"{lookup.what}: {lines}"


def scans(lines: list[str], sql: str) -> list[str]:
    """The plan lines that read a whole large table.

    Reading the newest row by descending id with a LIMIT (the audit chain's predecessor) walks
    one row from the end of the table, so it is not a scan in the sense that matters here."""
    found = []
    for line in lines:
        match = re.match(r"SCAN (\w+)", line)
        if not match or match.group(1) not in LARGE:
            continue
        table = match.group(1)
        if re.search(rf"ORDER BY {table}\.id DESC\s+LIMIT", sql):
            continue
        found.append(line)
    return found


@contextmanager
def captured_selects() -> Iterator[list[tuple[str, Any]]]:
    statements: list[tuple[str, Any]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(Engine, "before_cursor_execute", capture)


HOT = [q for q in QUERIES if q.limit is None or q.limit <= 0.1]


def missing(query: Query) -> str | None:
    result = CliRunner().invoke(app, [*query.words, "--help"])
    if result.exit_code != 0:
        return f"kui {' '.join(query.words)} does not exist yet"
    absent = [o for o in query.options if o not in result.stdout]
    return f"kui {' '.join(query.words)} has no {' '.join(absent)} yet" if absent else None


@pytest.mark.parametrize("query", HOT, ids=[q.name for q in HOT])
def test_hot_command_scans_no_large_table(town: tuple[Path, dict[str, Any]], query: Query) -> None:
    reason = missing(query)
    if reason:
        pytest.skip(reason)
    path, meta = town
    args = ["--db", str(path), "--user", meta["coordinator"], "--today", meta["today"]]
    with captured_selects() as statements:
        result = CliRunner().invoke(app, [*args, *query.args(meta)])
    assert result.exit_code == 0, result.output
    assert statements, "the command ran no query"
    for sql, bound in statements:
        lines = plan(path, sql, bound)
        assert not scans(lines, sql), f"{query.name} scans: {lines}\n{sql}"


def test_report_overview_reads_the_register_through_indexes(
    town: tuple[Path, dict[str, Any]],
) -> None:
    """The overview counts the whole register, so it may read a whole index, but never the
    youth table row by row, and the change log only for the month's changes: replaying the log
    per youth and month is what made it take minutes at a million (the past is in periods).
    The figures are counted afresh (none kept); the data's fingerprint reads the change log's
    highest row id, one step to the end of the table (`SEARCH change_log`)."""
    path, meta = town
    args = ["--db", str(path), "--user", meta["leader"], "--today", meta["today"]]
    for month in ([], ["--month", "2026-06"]):  # today's values, and values rebuilt from periods
        with sqlite3.connect(path) as conn:
            conn.execute("DELETE FROM kept_figures")
        conn.close()
        with captured_selects() as statements:
            result = CliRunner().invoke(app, [*args, "report", "overview", *month, "-f", "json"])
        assert result.exit_code == 0, result.output
        for sql, bound in statements:
            lines = plan(path, sql, bound)
            whole = [line for line in lines if re.fullmatch(r"SCAN (youth|change_log)", line)]
            log = [line for line in lines if "change_log" in line and line != "SEARCH change_log"]
            assert not whole, f"{lines}\n{sql}"
            assert all("ix_change_log_effective_on" in line for line in log), f"{lines}\n{sql}"


AGENDA = next(q for q in QUERIES if q.words == ["agenda", "show"])


def test_the_agenda_finds_its_youths_by_birth_date_with_statistics(
    town: tuple[Path, dict[str, Any]],
) -> None:
    """The handover items (turning 18 within the horizon) start from `ix_youth_birth_date`: with
    the statistics kui keeps, the planner knows that a status matches a fifteenth of the register
    and a quarter's birth dates a few hundredths; without them it took `ix_youth_status`, 100 ms
    at a million youths. The overdue items start from the open duty episodes."""
    path, meta = town
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
    conn.close()
    args = ["--db", str(path), "--user", meta["coordinator"], "--today", meta["today"]]
    with captured_selects() as statements:
        result = CliRunner().invoke(app, [*args, *AGENDA.args(meta)])
    assert result.exit_code == 0, result.output
    handover = [
        (sql, bound)
        for sql, bound in statements
        if sql.startswith("SELECT youth.id, youth.name, youth.birth_date") and "FROM youth " in sql
    ]
    overdue = [(sql, bound) for sql, bound in statements if "FROM duty_episode JOIN youth" in sql]
    assert handover and overdue
    for sql, bound in handover:
        lines = plan(path, sql, bound, statistics=True)
        assert any("INDEX ix_youth_birth_date " in line for line in lines), lines
    for sql, bound in overdue:
        lines = plan(path, sql, bound, statistics=True)
        assert any("INDEX ix_duty_episode_closed_on " in line for line in lines), lines
