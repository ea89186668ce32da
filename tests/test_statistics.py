"""SQLite's table statistics (`sqlite_stat1`): an installation has them, so the query planner can
tell a selective index (birth date) from an unselective one (status). Without them it guesses,
and at a million youths the agenda's handover query read a tenth of the register."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from kui_cli import db
from tests.conftest import KuiRunner, add_youth, ok
from tests.test_import import GOOD, write


def youth_statistics(db_url: str) -> dict[str, str]:
    """The statistics of the youth table's indexes: index name -> "rows rows-per-key"."""
    path = db.sqlite_path(db_url)
    assert path is not None
    conn = sqlite3.connect(path)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
            return {}
        rows = conn.execute("SELECT idx, stat FROM sqlite_stat1 WHERE tbl = 'youth'").fetchall()
    finally:
        conn.close()
    return dict(rows)


@pytest.fixture
def sqlite_only(db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's statistics; PostgreSQL's autovacuum analyses by itself")


@pytest.mark.usefixtures("sqlite_only")
def test_a_bulk_import_gathers_the_statistics_in_its_transaction(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    ok(ready("youth", "import", write(tmp_path, GOOD)))
    assert youth_statistics(db_url)["ix_youth_birth_date"].split()[0] == "3"


@pytest.mark.usefixtures("sqlite_only")
def test_closing_the_database_gathers_statistics_of_the_tables_used(
    ready: KuiRunner, db_url: str
) -> None:
    for day in (1, 2, 3):
        add_youth(ready, dt.date(2010, 1, day), f"Ida Jensen {day}", "--status", "none")
    ok(ready("youth", "list", "--status", "none"))
    assert "ix_youth_birth_date" not in youth_statistics(db_url)
    db.dispose_engines()  # what every kui process does at exit: PRAGMA optimize first
    assert youth_statistics(db_url)["ix_youth_status_need_born"].split()[0] == "3"
    ok(ready("youth", "list"))
    db.dispose_engines()  # nothing new to analyse: the statistics stay as they were
    assert youth_statistics(db_url)["ix_youth_status_need_born"].split()[0] == "3"
