"""status and need history as periods; the day each youth is known from

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

Reports counted a past month by replaying the change log per youth and month, minutes at national
scale. The rule now runs when a change is recorded: `history_period` holds every value a youth's
status or need had before the current one, `youth.known_from` the first day the register has a
status for them. Both are derived from the change log, here for the rows already in it.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from kui_cli.domain.register import history

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

CENSUS = ("status", "need", "birth_date", "known_from", "hours")
PERIODS = ("kind", "youth_id", "valid_to", "valid_from", "value")


def upgrade() -> None:
    # A plain ADD COLUMN: a batch operation would rebuild `youth`, which every table refers to.
    op.add_column("youth", sa.Column("known_from", sa.Date(), nullable=True))
    op.create_table(
        "history_period",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(
            ["youth_id"],
            ["youth.id"],
            name=op.f("fk_history_period_youth_id_youth"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_history_period")),
    )
    history.rebuild(op.get_bind())
    op.create_index("ix_history_period_youth", "history_period", list(PERIODS))
    # The register's counts read this index alone; it starts with the status, as the one it
    # replaces did. Plan changes are counted by the month they take effect in.
    op.drop_index("ix_youth_status", table_name="youth")
    op.create_index("ix_youth_status_need_born", "youth", list(CENSUS))
    op.create_index("ix_change_log_effective_on", "change_log", ["effective_on"])


def downgrade() -> None:
    op.drop_index("ix_change_log_effective_on", table_name="change_log")
    op.drop_index("ix_youth_status_need_born", table_name="youth")
    op.create_index("ix_youth_status", "youth", ["status"])
    op.drop_index("ix_history_period_youth", table_name="history_period")
    op.drop_table("history_period")
    op.drop_column("youth", "known_from")
