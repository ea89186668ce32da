"""Alembic migrations, shipped inside the package.

`HEAD_REVISION` lets every command check the schema without importing Alembic; a test keeps it
equal to Alembic's own head, and `known_revisions` equal to Alembic's own list.
"""

from pathlib import Path

HEAD_REVISION = "0007"


def known_revisions() -> frozenset[str]:
    """Every schema this kui can work on or upgrade from. A migration's file name begins with
    its revision (`0002_history_periods.py`), so a revision not among them was written by a
    newer kui."""
    versions = Path(__file__).parent / "versions"
    return frozenset(path.name.split("_", 1)[0] for path in versions.glob("*_*.py"))
