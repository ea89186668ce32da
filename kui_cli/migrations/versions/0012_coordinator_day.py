"""the coordinator's day: contacts, agreements, goals that finish

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02

Issue 16.

- `contact`: a contact with a youth or an attempt at one (channel, reached, day, note).
- `agreement`: who does what by when (responsible staff member, due day, open/done/dropped).
- `goal.status` (open, achieved, dropped; existing goals are open) and `goal.closed_on`.

On PostgreSQL both new tables get migration 0003's policies of a table of youth data, and
`kui_last_id` is made again with them (and 0010's `feed_event`) in its list.
"""

from types import ModuleType

import sqlalchemy as sa
import sqlmodel
from alembic import op

from kui_cli.migrations import last_id_function, revision_0003

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

NEW_TABLES = ("agreement", "contact")


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    # Plain ADD COLUMNs: a batch operation would rebuild `goal`, which sub-goals refer to.
    op.add_column(
        "goal", sa.Column("status", string(length=16), nullable=False, server_default="open")
    )
    op.add_column("goal", sa.Column("closed_on", sa.Date(), nullable=True))
    op.create_table(
        "agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("status", string(length=16), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_by", string(length=40), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("closed_by", string(length=40), nullable=True),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_agreement_youth_id_youth"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["staff.id"], name=op.f("fk_agreement_staff_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement")),
    )
    op.create_index(op.f("ix_agreement_youth_id"), "agreement", ["youth_id"])
    op.create_index("ix_agreement_staff_status_due", "agreement", ["staff_id", "status", "due"])
    op.create_table(
        "contact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("youth_id", sa.Integer(), nullable=False),
        sa.Column("channel", string(length=16), nullable=False),
        sa.Column("reached", sa.Boolean(), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("by", string(length=40), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["youth_id"], ["youth.id"], name=op.f("fk_contact_youth_id_youth"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact")),
    )
    op.create_index(
        "ix_contact_youth_reached_on", "contact", ["youth_id", "reached", "contacted_on"]
    )
    op.create_index(op.f("ix_contact_by"), "contact", ["by"])
    if op.get_bind().dialect.name == "postgresql":
        rules = _rules(with_new=True)
        op.execute(last_id_function(op.get_bind(), rules))
        for table in NEW_TABLES:
            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
            for statement in rules.policies(table):
                op.execute(statement)


def _rules(*, with_new: bool) -> ModuleType:
    """0003's rules over its tables, 0010's `feed_event` and (`with_new`) this migration's."""
    rules = revision_0003()
    rules.YOUTH_TABLES["feed_event"] = "youth_id"  # this module's own copy of the list
    if with_new:
        rules.YOUTH_TABLES.update(dict.fromkeys(NEW_TABLES, "youth_id"))
    return rules


def downgrade() -> None:
    op.drop_index(op.f("ix_contact_by"), table_name="contact")
    op.drop_index("ix_contact_youth_reached_on", table_name="contact")
    op.drop_table("contact")  # its policies go with it
    op.drop_index("ix_agreement_staff_status_due", table_name="agreement")
    op.drop_index(op.f("ix_agreement_youth_id"), table_name="agreement")
    op.drop_table("agreement")
    op.drop_column("goal", "closed_on")
    op.drop_column("goal", "status")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(last_id_function(op.get_bind(), _rules(with_new=False)))  # 0010's list again
