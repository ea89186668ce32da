"""Alembic migrations, shipped inside the package.

`HEAD_REVISION` lets every command check the schema without importing Alembic; a test keeps it
equal to Alembic's own head, and `known_revisions` equal to Alembic's own list.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Connection

HEAD_REVISION = "0016"


def known_revisions() -> frozenset[str]:
    """Every schema this kui can work on or upgrade from. A migration's file name begins with
    its revision (`0002_history_periods.py`), so a revision not among them was written by a
    newer kui."""
    versions = Path(__file__).parent / "versions"
    return frozenset(path.name.split("_", 1)[0] for path in versions.glob("*_*.py"))


def revision_0003() -> ModuleType:
    """Migration 0003 as a module: the policies and functions that later migrations replace,
    and that their downgrades restore exactly as 0003 states them."""
    return revision_module("0003_row_level_security")


def revision_module(name: str) -> ModuleType:
    """An earlier migration as a module, for what a later one builds on (a migration file is no
    importable module: its name begins with a digit)."""
    path = Path(__file__).parent / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"kui_migration_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def last_id_function(bind: Connection, rules: ModuleType) -> str:
    """0003's `kui_last_id` over `rules.YOUTH_TABLES`, as a replacement of the one in place: a
    migration that adds a table of youth data makes it again with the table in its list (the
    read policy asks it for a table's end, and it knows only the tables it lists)."""
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    [statement] = [f for f in rules.functions(schema) if "FUNCTION kui_last_id(" in f]
    return statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)
