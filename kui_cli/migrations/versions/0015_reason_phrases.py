"""reason phrases: a reason kui writes itself kept as its template and the values it names

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02

Issue 17, continued. `change_log.why` is the reason beside a change. The user's `--reason` is
kept as typed, but kui writes some reasons itself (a status feed's event, an assessment's
consequence for the need, a coordinator's consent), in English. From now on such a reason is
its English template (a catalog message) and the new `why_args` the JSON of its values, as
`what` and `what_args` are since 0014 (`kui_cli/phrase.py`), so it is read in the reader's
language. A row whose `why_args` is null is the text as typed or stored, shown as it is.

Older rows are not converted: their reasons stay finished text. The downgrade writes the
reasons written since back as finished English text.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

BATCH = 10_000


def upgrade() -> None:
    op.add_column("change_log", sa.Column("why_args", sa.Text(), nullable=True))


def downgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, why, why_args FROM change_log WHERE why_args IS NOT NULL")
    )
    finished = [
        {"id": row_id, "why": why.format_map(json.loads(args))} for row_id, why, args in rows
    ]
    statement = sa.text("UPDATE change_log SET why = :why WHERE id = :id")
    for start in range(0, len(finished), BATCH):
        bind.execute(statement, finished[start : start + BATCH])
    if bind.dialect.name == "postgresql":
        # The data version's deferred trigger (0013) fires for these updates now, not at the
        # commit: a downgrade past 0013 in the same transaction drops the trigger's table.
        bind.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
    op.drop_column("change_log", "why_args")
