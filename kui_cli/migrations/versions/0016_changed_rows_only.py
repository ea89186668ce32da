"""changed rows only: on PostgreSQL only a statement that changed a row raises the data version

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03

Issue 19, continued. Since 0013 every INSERT, UPDATE, DELETE or TRUNCATE of a counted table
notes its transaction in `data_change`, and the commit raises `data_version.n`, so the kept
overview figures are counted again. A statement that changed no row counted too: the weekly
`meeting generate` (an `INSERT ... ON CONFLICT DO NOTHING` of meetings that exist), an update
whose condition matched nothing, or one that row-level security let touch nothing. Each cost
the next `report overview` a recount of a million youths' months (about 3 s).

The statement triggers now see the rows the statement changed (a transition table, `changed`)
and note the transaction only when there is one. PostgreSQL allows a transition table on a
trigger of one event, so each counted table gets one trigger per event; TRUNCATE has no rows to
see and keeps 0013's function. SQLite's triggers are per row already and stay as they are.
"""

from alembic import op

from kui_cli.migrations import revision_module

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

COUNTED = revision_module("0013_kept_figures").COUNTED
# The trigger of each event and the transition table it sees (the name 0013 gave its one
# trigger is kept for INSERT).
EVENTS = (("INSERT", "counted", "NEW"), ("UPDATE", "counted_update", "NEW"))
EVENTS += (("DELETE", "counted_delete", "OLD"),)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    op.execute(
        f"""CREATE FUNCTION kui_rows_changed() RETURNS trigger LANGUAGE plpgsql
        SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM changed) THEN
                INSERT INTO data_change (xact) VALUES (pg_current_xact_id()::text)
                ON CONFLICT DO NOTHING;
            END IF;
            RETURN NULL;
        END $$"""
    )
    for table in COUNTED:
        op.execute(f"DROP TRIGGER {table}_counted ON {table}")
        for event, name, rows in EVENTS:
            op.execute(
                f"CREATE TRIGGER {table}_{name} AFTER {event} ON {table} "
                f"REFERENCING {rows} TABLE AS changed "
                "FOR EACH STATEMENT EXECUTE FUNCTION kui_rows_changed()"
            )
        op.execute(
            f"CREATE TRIGGER {table}_counted_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION kui_data_changed()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in COUNTED:
        for name in [name for _, name, _ in EVENTS] + ["counted_truncate"]:
            op.execute(f"DROP TRIGGER {table}_{name} ON {table}")
        op.execute(
            f"CREATE TRIGGER {table}_counted AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION kui_data_changed()"
        )
    op.execute("DROP FUNCTION kui_rows_changed()")
