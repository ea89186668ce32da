"""staff members' operating-system logins

Revision ID: 0007
Revises: 0004
Create Date: 2026-12-02

On one SQLite file `--user` was the caller's own word (issue 15, hole 3). A staff member may now
have a login name, the operating-system account they use: kui run by that account acts as them,
and a `--user` naming someone else is refused (`access.identify`). A nullable, unique column;
SQLite adds the unique constraint in batch mode (it rebuilds the table).
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as batch_op:
        batch_op.add_column(
            sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )
        batch_op.create_unique_constraint(batch_op.f("uq_staff_login"), ["login"])


def downgrade() -> None:
    with op.batch_alter_table("staff") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_staff_login"), type_="unique")
        batch_op.drop_column("login")
