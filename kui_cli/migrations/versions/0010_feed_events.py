"""the status feed: the events kui has taken in, and the at-risk mark

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02

Issue 18, part 1 (`kui feed apply`).

- `feed_event`: one row per event of the status feed kui has taken in, known by
  (source, event key), so a feed applied again changes nothing. It names the youth by id, never
  by CPR number. On PostgreSQL it gets migration 0003's policies of a table of youth data (a
  staff login reads the events of the youths it works on); only the service account writes it
  (`row_security.READ_ONLY`), as only the service account applies a feed.
- `youth.at_risk_since`: reported at risk of dropping out since this day (a plain ADD COLUMN:
  a batch operation would rebuild `youth`, which every table refers to).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from kui_cli.migrations import last_id_function, revision_0003

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLE = "feed_event"


def upgrade() -> None:
    op.add_column("youth", sa.Column("at_risk_since", sa.Date(), nullable=True))
    string = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", string(length=40), nullable=False),
        sa.Column("event_key", string(length=80), nullable=False),
        sa.Column("content", string(length=32), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=True),
        sa.Column("kind", string(length=16), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("outcome", string(length=16), nullable=False),
        sa.Column("applied_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["youth_id"],
            ["youth.id"],
            name=op.f("fk_feed_event_youth_id_youth"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_event")),
        sa.UniqueConstraint("source", "event_key", name="uq_feed_event_source_key"),
    )
    op.create_index(op.f("ix_feed_event_youth_id"), TABLE, ["youth_id"])
    if op.get_bind().dialect.name == "postgresql":
        rules = revision_0003()
        rules.YOUTH_TABLES[TABLE] = "youth_id"  # this module's own copy of 0003's table list
        # The read policy asks kui_last_id for the table's end, which knows only the tables
        # in its list: it is made again with this one among them.
        op.execute(last_id_function(op.get_bind(), rules))
        op.execute(f"ALTER TABLE {TABLE} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {TABLE} FORCE ROW LEVEL SECURITY")
        for statement in rules.policies(TABLE):
            op.execute(statement)


def downgrade() -> None:
    op.drop_index(op.f("ix_feed_event_youth_id"), table_name=TABLE)
    op.drop_table(TABLE)  # its policies go with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute(last_id_function(op.get_bind(), revision_0003()))  # 0003's list again
    op.drop_column("youth", "at_risk_since")
