"""Every test gets a fresh database: SQLite always, PostgreSQL too with KUI_TEST_POSTGRES_URL.

Tests use fixed dates (`--today`), never the real clock.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner, Result

from kui_cli import db
from kui_cli.app import app

TODAY = "2026-11-22"
POSTGRES_URL = os.environ.get("KUI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def reset_postgres(url: str) -> None:
    """An empty public schema: the fresh database of a PostgreSQL test."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's own database, user or date."""
    for name in ("KUI_DB", "KUI_USER", "KUI_TODAY", "NO_COLOR", "KUI_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    yield
    db.dispose_engines()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kui.db'}"
    if not POSTGRES_URL:
        pytest.skip("KUI_TEST_POSTGRES_URL is not set")
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


KuiRunner = Callable[..., Result]


@pytest.fixture
def kui(db_url: str) -> KuiRunner:
    """Run `kui` in-process against the test's database, as user AB on TODAY unless told."""
    runner = CliRunner()

    def run(*args: str, user: str = "AB", today: str = TODAY, input: str | None = None) -> Result:
        argv = ["--db", db_url, "--user", user, "--today", today, *args]
        return runner.invoke(app, argv, input=input)

    return run


@pytest.fixture
def ready(kui: KuiRunner) -> KuiRunner:
    """An initialised database with the Sønderborg profile."""
    result = kui("init")
    assert result.exit_code == 0, result.output
    return kui


def ok(result: Result) -> Result:
    """Assert success with the output in the failure message."""
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result


def cpr_for(born: dt.date, serial: str = "4321") -> str:
    """A valid CPR for a birth date; the serial's first digit sets the century as the rules say."""
    if born.year >= 2000 and serial[0] in "0123":
        serial = "4" + serial[1:]
    if born.year < 2000 and serial[0] not in "0123":
        serial = "1" + serial[1:]
    return born.strftime("%d%m%y") + "-" + serial


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table: to prove that a failed command changed nothing."""
    from kui_cli.models import metadata

    engine = create_engine(url)
    with engine.connect() as conn:
        state = {
            table.name: [tuple(row) for row in conn.execute(table.select().order_by(*table.c))]
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return state


def add_youth(kui: KuiRunner, born: dt.date, name: str = "Ida Jensen", *extra: str) -> int:
    """Register a youth born on `born`; returns the new id."""
    result = ok(kui("youth", "add", "--cpr", cpr_for(born), "--name", name, *extra))
    return int(result.stdout.strip())
