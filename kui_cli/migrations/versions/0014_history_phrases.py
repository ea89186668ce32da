"""history phrases: a change's sentence kept as its template and the values it names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02

Issue 17. `change_log.what` held a finished English sentence, which a Danish reader read in
English. From now on it holds the sentence's English template (a catalog message) and the new
`what_args` the JSON of its placeholders' values (`kui_cli/phrase.py`); the history is written
in the reader's language when it is shown (`kui_cli/render/history.py`). A row whose
`what_args` is null is finished text, shown as stored.

The rows written most often are converted: the registrations (an import's, a million rows, and
those written one at a time, one SQL statement each) and the status changes, read by a pattern
and converted only where their template and values give the stored text again exactly.
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
REGISTERED = "registered with status "
NEED = ", need "
# The status lines, read by a pattern: the finished text and the template it was written from
# (its placeholders are the pattern's groups).
STATUS_PATTERNS = [
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
]
BATCH = 10_000


def upgrade() -> None:
    op.add_column("change_log", sa.Column("what_args", sa.Text(), nullable=True))
    bind = op.get_bind()
    _registrations(bind)
    rows = bind.execute(
        sa.text("SELECT id, what FROM change_log WHERE kind = 'status' AND what_args IS NULL")
    )
    converted = [c for c in (_converted(*row) for row in rows) if c is not None]
    _write(bind, "what_args = :args, what = :what", converted)
    _counted_now(bind)


def _registrations(bind: sa.Connection) -> None:
    """The registrations, one statement each for the million an import may have written: by an
    import ("registered by import of FILE") and one at a time ("registered with status S, need
    N", where S and N are codes: one word each)."""
    postgres = bind.dialect.name == "postgresql"
    find = "strpos" if postgres else "instr"

    def as_json(*pairs: tuple[str, str]) -> str:
        items = ", ".join(f"'{key}', {value}" for key, value in pairs)
        return f"json_build_object({items})::text" if postgres else f"json_object({items})"

    def convert(template: str, args: str, where: str) -> None:
        bind.execute(
            sa.text(
                f"UPDATE change_log SET what_args = {args}, what = :template "
                f"WHERE kind = 'registered' AND what_args IS NULL AND {where}"
            ),
            {"template": template},
        )

    begins = "substr(what, 1, {n}) = '{prefix}'"
    file = f"substr(what, {len(IMPORTED) + 1})"
    convert(
        IMPORTED + "{file}",
        as_json(("file", file)),
        begins.format(n=len(IMPORTED), prefix=IMPORTED),
    )
    split = f"{find}(what, '{NEED}')"
    status = f"substr(what, {len(REGISTERED) + 1}, {split} - {len(REGISTERED) + 1})"
    need = f"substr(what, {split} + {len(NEED)})"
    convert(
        REGISTERED + "{status}" + NEED + "{need}",
        as_json(("status", status), ("need", need)),
        f"{begins.format(n=len(REGISTERED), prefix=REGISTERED)} AND {split} > 0 "
        f"AND {find}({status}, ' ') = 0 AND {find}({need}, ' ') = 0 "
        f"AND {find}({status}, ',') = 0 AND length({status}) > 0 AND length({need}) > 0",
    )


def _converted(row_id: int, what: str) -> dict | None:
    """The row as template and values, when a pattern gives its text again."""
    for pattern, template in STATUS_PATTERNS:
        found = pattern.fullmatch(what)
        if found and template.format_map(found.groupdict()) == what:
            return {"id": row_id, "what": template, "args": json.dumps(found.groupdict())}
    return None


def _write(bind: sa.Connection, assignments: str, rows: list[dict]) -> None:
    statement = sa.text(f"UPDATE change_log SET {assignments} WHERE id = :id")
    for start in range(0, len(rows), BATCH):
        bind.execute(statement, rows[start : start + BATCH])


def _counted_now(bind: sa.Connection) -> None:
    """PostgreSQL: the data version's deferred trigger (0013) fires for these updates now, not
    at the commit, so a migration after this one in the same transaction (a downgrade past
    0013 drops the trigger's table) finds no trigger event pending."""
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, what, what_args FROM change_log WHERE what_args IS NOT NULL")
    )
    finished = [
        {"id": row_id, "what": what.format_map(json.loads(args))} for row_id, what, args in rows
    ]
    _write(bind, "what = :what", finished)
    _counted_now(bind)
    op.drop_column("change_log", "what_args")
