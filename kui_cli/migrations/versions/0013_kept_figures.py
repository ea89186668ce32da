"""kept figures: a report's figures kept for the data they were counted from

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02

Issue 19. `report overview` counts a million youths' months; its figures change only when the
data does. `kept_figures` keeps them (counts and medians, no youth, CPR number or staff member)
with the data's fingerprint at the time (`domain/reports/kept.py`): they are used again only
while the fingerprint is the same. The fingerprint is `data_version.n`, which triggers raise:

- SQLite: every row updated or deleted in a counted table raises `n` in the same transaction;
  an insert raises the table's highest id instead, which the fingerprint reads (a trigger per
  inserted row would cost `youth import` of a million rows several seconds);
- PostgreSQL: a statement that changes a counted table (TRUNCATE too) notes its transaction in
  `data_change`; a deferred constraint trigger on that row raises `n` once, at the commit, so
  the change and the new `n` become visible together and no writer holds the row of `n` for
  longer than its commit (a lock taken at the first change would queue every writer behind the
  slowest, and could deadlock two). The functions are security definers: every login's changes
  count, and no login needs a privilege on these tables. Only the service account reads or
  keeps figures (a login under row-level security counts only the youths it sees).

Counted: every table except the logs no figure is counted from (`audit_log`, `audit_head`,
`cpr_lookup`, `feed_event`), and these tables themselves.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTED = (
    "setting",
    "youth",
    "guardian",
    "change_log",
    "history_period",
    "staff",
    "coordinator_assignment",
    "goal",
    "agreement",
    "contact",
    "effort",
    "duty_episode",
    "assessment",
    "team",
    "team_member",
    "meeting_series",
    "meeting",
    "referral",
)
OWN_TABLES = ("data_version", "data_change", "kept_figures")


def upgrade() -> None:
    string = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )
    op.create_table(
        "data_change",
        sa.Column("xact", string(length=24), nullable=False),
        sa.PrimaryKeyConstraint("xact", name=op.f("pk_data_change")),
    )
    op.create_table(
        "kept_figures",
        sa.Column("key", string(length=64), nullable=False),
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("figures", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_kept_figures")),
    )
    op.execute("INSERT INTO data_version (id, n) VALUES (1, 0)")
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        _postgresql_triggers(bind.exec_driver_sql("SELECT current_schema()").scalar())
        return
    for table in COUNTED:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_counted_{event.lower()} AFTER {event} ON {table} "
                "BEGIN UPDATE data_version SET n = n + 1 WHERE id = 1; END"
            )


def _postgresql_triggers(schema: str) -> None:
    definer = f'SECURITY DEFINER SET search_path = "{schema}", pg_temp'
    op.execute(
        f"""CREATE FUNCTION kui_data_changed() RETURNS trigger LANGUAGE plpgsql {definer} AS $$
        BEGIN
            INSERT INTO data_change (xact) VALUES (pg_current_xact_id()::text)
            ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$"""
    )
    op.execute(
        f"""CREATE FUNCTION kui_data_committed() RETURNS trigger LANGUAGE plpgsql {definer} AS $$
        BEGIN
            UPDATE data_version SET n = n + 1 WHERE id = 1;
            DELETE FROM data_change WHERE xact = NEW.xact;
            RETURN NULL;
        END $$"""
    )
    op.execute(
        "CREATE CONSTRAINT TRIGGER data_change_committed AFTER INSERT ON data_change "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION kui_data_committed()"
    )
    for table in COUNTED:
        op.execute(
            f"CREATE TRIGGER {table}_counted AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION kui_data_changed()"
        )
    for table in OWN_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM PUBLIC")
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_service ON {table} USING (kui_is_service()) "
            "WITH CHECK (kui_is_service())"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in COUNTED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_counted ON {table}")
        op.execute("DROP TRIGGER IF EXISTS data_change_committed ON data_change")
        op.execute("DROP FUNCTION IF EXISTS kui_data_changed()")
        op.execute("DROP FUNCTION IF EXISTS kui_data_committed()")
    else:
        for table in COUNTED:
            for event in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_counted_{event}")
    for table in reversed(OWN_TABLES):
        op.drop_table(table)
