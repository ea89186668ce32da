"""the audit chain by the database: ids, prev_hash and hash set by a trigger on PostgreSQL

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02

Issue 15, hole 6: any PostgreSQL login could insert audit entries with ids of its choosing
(every later command then failed on `pk_audit_log`; one entry with id 2147483647 poisoned the
chain for good) and could block every append by taking kui's advisory lock 4242. Now:

- `audit_log.hash_version`: which payload an entry's hash covers (`audit.entry_hash`). Entries
  from before this migration keep None (the first payload); new ones are version 2, whose payload
  covers the id too.
- `audit_head` (PostgreSQL): one row whose lock serialises appends. No login but the owner has
  any privilege on it (row-level security enabled with no policy, too), so a staff login or a
  login without grants cannot take that lock (any login can take an advisory lock).
- `kui_audit_chain()`, a BEFORE INSERT trigger on audit_log and a security definer: it locks the
  head row, then sets id (the last id + 1: contiguous, so a gap means entries were removed),
  prev_hash, hash_version and hash (`kui_audit_hash`, the SQL twin of `audit.entry_hash`),
  whatever the inserting login supplied.

On SQLite only the column and the (unused) table are added: kui chains the entries itself while
it holds the write lock. The downgrade drops all of it; entries of version 2 then no longer
verify with an older kui.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
# The ISO 8601 form of `at` in UTC with microseconds, as Python's isoformat() writes it.
UTC_ISO = """to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00'"""


def functions(schema: str) -> list[str]:
    path = f'SET search_path = "{schema}", pg_temp'
    return [
        # json_build_array writes what Python's json.dumps(..., ensure_ascii=False) writes: ", "
        # between elements, the same escapes (tests/test_audit_tamper.py holds them together).
        f"""CREATE OR REPLACE FUNCTION kui_audit_hash(
                id bigint, prev_hash text, at timestamptz, "user" text, action text,
                command text, subject_key text, filter text, "rows" bigint)
            RETURNS text LANGUAGE sql STABLE {path} AS $$
            SELECT encode(sha256(convert_to(json_build_array(
                2, id, prev_hash, {UTC_ISO}, "user", action, command, subject_key, filter, "rows"
            )::text, 'UTF8')), 'hex')
        $$""",
        # The chain's end is read from audit_log after the lock: a BEFORE ROW trigger sees
        # the rows its own statement inserted before, so a multi-row insert chains in order.
        # (Keeping the end in audit_head instead made one transaction's n appends cost n^2:
        # every update of the same row lengthens the chain of row versions the next one
        # walks; 20,000 entries took 57 s.)
        f"""CREATE OR REPLACE FUNCTION kui_audit_chain() RETURNS trigger
            LANGUAGE plpgsql VOLATILE SECURITY DEFINER {path} AS $$
            DECLARE last_id integer; last_hash text;
            BEGIN
                PERFORM 1 FROM audit_head WHERE audit_head.id = 1 FOR UPDATE;
                IF NOT FOUND THEN
                    RAISE EXCEPTION 'the audit chain has no head row: run kui db upgrade';
                END IF;
                SELECT a.id, a.hash INTO last_id, last_hash FROM audit_log a
                    ORDER BY a.id DESC LIMIT 1;
                NEW.id := coalesce(last_id, 0) + 1;
                NEW.prev_hash := coalesce(last_hash, '{GENESIS}');
                NEW.hash_version := 2;
                NEW.hash := kui_audit_hash(NEW.id, NEW.prev_hash, NEW.at, NEW."user",
                    NEW.action, NEW.command, NEW.subject_key, NEW.filter, NEW."rows");
                RETURN NEW;
            END
        $$""",
        "REVOKE ALL ON FUNCTION kui_audit_chain() FROM PUBLIC",
    ]


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("hash_version", sa.Integer(), nullable=True))
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    op.execute("REVOKE ALL ON audit_head FROM PUBLIC")
    op.execute("ALTER TABLE audit_head ENABLE ROW LEVEL SECURITY")
    op.execute("INSERT INTO audit_head (id) VALUES (1)")
    for statement in functions(schema):
        op.execute(statement)
    op.execute(
        "CREATE TRIGGER audit_log_chain BEFORE INSERT ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION kui_audit_chain()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_chain ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS kui_audit_chain()")
        op.execute("DROP FUNCTION IF EXISTS kui_audit_hash(bigint, text, timestamptz, text, "
                   "text, text, text, text, bigint)")  # fmt: skip
    op.drop_table("audit_head")
    op.drop_column("audit_log", "hash_version")
