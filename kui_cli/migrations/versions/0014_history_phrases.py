"""history phrases: a change's sentence kept as its template and the values it names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Issue 17. `change_log.what` held a finished English sentence, which a Danish reader read in
English. From now on it holds the sentence's English template (a catalog message) and the new
`what_args` the JSON of its placeholders' values (`kui_cli/phrase.py`); the history is written
in the reader's language when it is shown (`kui_cli/render/history.py`). A row whose
`what_args` is null is finished text, shown as stored.

The rows written most often are converted: the registration of an import (a million rows in
one statement), and the registrations and status changes written one at a time, read by a
pattern and converted only where their template and values give the stored text again exactly.
Every other older row stays finished text. The downgrade writes the converted rows' text back.
"""

import json
import re

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

IMPORTED = "registered by import of "
IMPORTED_TEMPLATE = IMPORTED + "{file}"
# The rows written one at a time, by their kind: the pattern of the finished text and the
# template it was written from (its placeholders are the pattern's groups).
PATTERNS = {
    "registered": [
        (
            re.compile(r"registered with status (?P<status>\S+), need (?P<need>\S+)"),
            "registered with status {status}, need {need}",
        )
    ],
    "status": [
        (
            re.compile(
                r"status: (?P<status>\S+) \((?P<hours>\S+) h/week\) since "
                r"(?P<since>\d{4}-\d\d-\d\d) \(was (?P<old_status>\S+)\)"
            ),
            "status: {status} ({hours} h/week) since {since} (was {old_status})",
        ),
        (
            re.compile(
                r"status: (?P<status>\S+) since (?P<since>\d{4}-\d\d-\d\d) "
                r"\(was (?P<old_status>\S+)\)"
            ),
            "status: {status} since {since} (was {old_status})",
        ),
    ],
}
BATCH = 10_000


def upgrade() -> None:
    op.add_column("change_log", sa.Column("what_args", sa.Text(), nullable=True))
    bind = op.get_bind()
    file_args = (
        "json_build_object('file', substr(what, :start))::text"
        if bind.dialect.name == "postgresql"
        else "json_object('file', substr(what, :start))"
    )
    bind.execute(
        sa.text(
            f"UPDATE change_log SET what_args = {file_args}, what = :template "
            "WHERE kind = 'registered' AND what_args IS NULL AND substr(what, 1, :n) = :prefix"
        ),
        {
            "start": len(IMPORTED) + 1,
            "template": IMPORTED_TEMPLATE,
            "n": len(IMPORTED),
            "prefix": IMPORTED,
        },
    )
    rows = bind.execute(
        sa.text(
            "SELECT id, kind, what FROM change_log "
            "WHERE kind IN ('registered', 'status') AND what_args IS NULL"
        )
    )
    converted = [c for c in (_converted(*row) for row in rows) if c is not None]
    _write(bind, "what_args = :args, what = :what", converted)


def _converted(row_id: int, kind: str, what: str) -> dict | None:
    """The row as template and values, when one of its kind's patterns gives the text again."""
    for pattern, template in PATTERNS[kind]:
        found = pattern.fullmatch(what)
        if found and template.format_map(found.groupdict()) == what:
            return {"id": row_id, "what": template, "args": json.dumps(found.groupdict())}
    return None


def _write(bind: sa.Connection, assignments: str, rows: list[dict]) -> None:
    statement = sa.text(f"UPDATE change_log SET {assignments} WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        bind.execute(statement, rows[start : start + BATCH])


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, what, what_args FROM change_log WHERE what_args IS NOT NULL")
    )
    finished = [
        {"id": row_id, "what": what.format_map(json.loads(args))} for row_id, what, args in rows
    ]
    _write(bind, "what = :what", finished)
    op.drop_column("change_log", "what_args")
