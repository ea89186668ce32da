"""staff members' operating-system logins

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

On one SQLite file `--user` was the caller's own word (issue 15, hole 3). A staff member may now
have a login name (`os_login`), the operating-system account they use: kui run by that account
acts as them, and a `--user` naming someone else is refused (`access.identify`). Not `login`:
the PostgreSQL functions of 0003/0004 (`kui_my_youths(login name)`) query `staff` with a
parameter of that name, which a column of the same name would shadow. A nullable column, unique by
a unique index: a plain ADD COLUMN and CREATE INDEX on SQLite as on PostgreSQL. A unique
constraint would need a batch operation, which rebuilds `staff`, and with foreign keys on,
SQLite refuses to drop a table that the coordinators, efforts and teams refer to.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "staff", sa.Column("os_login", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
    )
    op.create_index(op.f("ix_staff_os_login"), "staff", ["os_login"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_staff_os_login"), table_name="staff")
    op.drop_column("staff", "os_login")
