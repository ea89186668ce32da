"""The benchmarks work: the generator makes a consistent municipality; the runner prints figures.

Benchmarks are not timed tests: the runner runs here at a small N only to prove that it works.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import generate
from kui_cli import db
from kui_cli.domain.protection import audit

ROOT = Path(__file__).resolve().parents[1]
KEYS = {"name", "seconds", "baseline", "baseline_seconds", "ratio", "target", "holds"}


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict]:
    folder = tmp_path_factory.mktemp("town")
    path, source = folder / "kui.db", folder / "youths.csv"
    meta = generate.build(1_000, path, log=lambda _message: None, csv_target=source)
    db.dispose_engines()
    return path, source, meta


def test_generated_municipality_is_consistent(town: tuple[Path, Path, dict]) -> None:
    path, source, meta = town
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("SELECT count(*) FROM youth").fetchone()[0] == 1_000
        without = conn.execute(
            "SELECT count(*) FROM youth y WHERE y.need = 'C' AND NOT EXISTS "
            "(SELECT 1 FROM coordinator_assignment a WHERE a.youth_id = y.id)"
        ).fetchone()[0]
        assert without == 0
        early = conn.execute(
            "SELECT count(*) FROM change_log c JOIN youth y ON y.id = c.youth_id "
            "WHERE c.effective_on < y.registered_on"
        ).fetchone()[0]
        assert early == 0
        chain = conn.execute(
            "SELECT id, hash_version, at, user, action, command, subject_key, filter, rows, "
            "prev_hash, hash "
            "FROM audit_log ORDER BY id"
        ).fetchall()
    previous = audit.GENESIS
    for id_, version, at, user, action, command, subject, filter_, rows, prev_hash, hash_ in chain:
        entry = SimpleNamespace(
            id=id_,
            hash_version=version,
            prev_hash=prev_hash,
            at=dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC),
            user=user,
            action=action,
            command=command,
            subject_key=subject,
            filter=filter_,
            rows=rows,
        )
        assert prev_hash == previous and audit.entry_hash(entry) == hash_  # type: ignore[arg-type]
        previous = hash_
    assert source.read_text(encoding="utf-8").count("\n") == 1_001
    assert meta["rows"]["youth"] == 1_000 and meta["coordinator"]


def test_generated_database_works_with_kui(town: tuple[Path, Path, dict]) -> None:
    from typer.testing import CliRunner

    from kui_cli.app import app

    path, _source, meta = town
    args = ["--db", str(path), "--today", meta["today"], "--user", meta["coordinator"]]
    result = CliRunner().invoke(app, [*args, "youth", "show", str(meta["youth"]), "-f", "json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["history"]) > 1
    assert CliRunner().invoke(app, [*args, "db", "check"]).exit_code == 0


def test_runner_prints_every_figure(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUI_")}
    env["KUI_BENCH_CACHE"] = str(tmp_path / "cache")
    out = tmp_path / "figures.json"
    command = [sys.executable, "bench/run.py", "--n", "2000", "--rounds", "1", "--json", str(out)]
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    document = json.loads(out.read_text(encoding="utf-8"))
    figures = document["figures"]
    assert figures and all(set(f) == KEYS for f in figures)
    versions = document["versions"]
    for name in ("Python", "SQLite", "typer", "rich", "SQLAlchemy", "sqlmodel", "pydantic"):
        assert versions[name] and versions[name][0].isdigit(), (name, versions)
    assert {"tabulate", "alembic", "psycopg"} <= set(versions)
    assert f"typer {versions['typer']}" in result.stdout
    by_name = {f["name"]: f for f in figures}
    for name in ("kui --help", "kui youth show ID (N=2,000)", "youth import of 2,000 rows"):
        assert by_name[name]["seconds"] > 0 and by_name[name]["holds"] in (True, False)
        assert by_name[name]["ratio"] and by_name[name]["baseline_seconds"]
    for name in ("youth list --coordinator X", "duty check", "plan inbox", "report overview"):
        line = next(line for line in result.stdout.splitlines() if line.startswith(name))
        assert "skipped:" in line or " ms" in line or " s " in line, line
    assert by_name["SQL: a coordinator's youths"]["seconds"] > 0
    assert "PostgreSQL queries" in result.stdout


def test_the_lock_bench_measures_the_agenda_cron(town: tuple[Path, Path, dict]) -> None:
    """bench/locks.py runs the cron on a copy while it probes the lock and a coordinator reads."""
    from bench import locks

    found = locks.measure(town[0], 14)
    assert found["cron_exit"] == 0 and found["youth_show_failures"] == 0, found
    assert found["print_entries"] > 0 and found["holds"] >= 0  # a short hold may go unseen
    assert 0 <= found["longest_hold_s"] <= found["held_s"] <= found["total_s"]
