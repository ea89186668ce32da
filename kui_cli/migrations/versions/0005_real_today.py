"""row-level security decides on the real Danish date, not on a setting the login chooses

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

Migration 0003's `kui_today()` read the session setting `kui.today` (which `kui` set from
`--today`), falling back to `current_date`. Any login may `SET kui.today = '1900-01-01'`, and
the policies then showed it every youth whose case it once had (issue 15, hole 1); even
`current_date` follows the session's `TimeZone`, which a login sets too. Here `kui_today()` is
replaced (same signature, so every function and policy that calls it follows) by the date in
Denmark of the transaction's start, `now() AT TIME ZONE 'Europe/Copenhagen'`: `now()` is one
instant whatever the session's time zone, and a zone given by name is converted by the server's
time-zone database, not by a setting. `pg_catalog` is searched first, so no function a login
creates can stand in for `now()`. The downgrade puts back 0003's definition.

SQLite has no row-level security: there this migration does nothing.
"""

from alembic import op

from kui_cli.domain.meetings.recurrence import TIMEZONE
from kui_cli.migrations import revision_0003

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

REAL_TODAY = f"""CREATE OR REPLACE FUNCTION kui_today() RETURNS date LANGUAGE sql STABLE
    SET search_path = "{{schema}}", pg_temp AS $$
    SELECT (pg_catalog.now() AT TIME ZONE '{TIMEZONE}')::date
$$"""


def _old_kui_today(schema: str) -> str:
    """0003's `kui_today()`, as 0003 states it (the downgrade restores it exactly)."""
    statement = next(s for s in revision_0003().functions(schema) if "FUNCTION kui_today()" in s)
    return statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1)


def _schema() -> str | None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return None
    return str(bind.exec_driver_sql("SELECT current_schema()").scalar())


def upgrade() -> None:
    schema = _schema()
    if schema is not None:
        op.execute(REAL_TODAY.format(schema=schema))


def downgrade() -> None:
    schema = _schema()
    if schema is not None:
        op.execute(_old_kui_today(schema))
