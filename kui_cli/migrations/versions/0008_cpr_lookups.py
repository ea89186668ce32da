"""the pseudonymisation secret for the service account only; lookups by CPR recorded and limited

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02

Issue 15, holes 4 and 5.

- `cpr_lookup` (both databases): every lookup by CPR that answers whether a youth is registered
  (a join by CPR, a duplicate registration, a key asked of the database), with the real Danish
  date it counts on (the daily limit of `kui_cli/domain/protection/lookups.py`).

On PostgreSQL:

- The secret stays in `setting` (row `subject_secret`), but a restrictive policy hides that row
  from every login but the service account: a staff login's `SELECT * FROM setting` no longer
  returns it, and it cannot write or delete it either.
- `kui_subject_key(cpr)` (a security definer) gives an active staff member the key of a number,
  and nothing else (not the secret, not whether a youth has that number); each call by a staff
  login counts as a lookup. `kui_hmac_key` is the HMAC-SHA256 of
  `audit.subject_key`, composed from PostgreSQL's own `sha256` (no extension needed); only the
  functions here may call it.
- A new youth's key is set by the database (trigger `kui_youth_key`) for a staff login, which
  cannot compute it; the service account's kui computes it as before (a bulk import pays no
  trigger work).
- `cpr_lookup` is read by the service account and the see-all roles (and each login's own rows),
  written only by the service account and the functions here: a staff login has SELECT alone.
- `kui_join_youth()` (joining a case by the CPR in `kui.join_cpr`) records each call in
  `cpr_lookup` and, beyond the day's limit for a staff login, answers nothing
  (the call is still recorded, as refused). The effort a login adds to join must name a youth its
  own transaction found so (`kui_joined_youths()`), not merely the CPR of a setting it can set.

The downgrade restores migration 0003's `kui_join_youth` and policy, drops the rest and shows the
secret's row to every login again. SQLite keeps the secret as it is: one file for one
operating-system account, whoever may open the file may read it all.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

from kui_cli.domain import profile, settings
from kui_cli.domain.protection import audit
from kui_cli.migrations import revision_0003

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LIMIT = profile.default("privacy.cpr_lookups_per_day")
DANISH_TODAY = "(now() AT TIME ZONE 'Europe/Copenhagen')::date"
SECRET_ROW = f"key <> '{settings.SECRET_KEY}'"


# Inside a security definer `current_user` is the owner: these name the login that called.
CALLER_IS_SERVICE = (
    "(SELECT pg_has_role(session_user, c.relowner, 'MEMBER') FROM pg_class c "
    "WHERE c.oid = 'youth'::regclass)"
)
CALLER_STAFF = "FROM staff WHERE kui_fold(initials) = kui_fold(session_user::text) AND active"
CALLER_NAME = f"coalesce((SELECT initials {CALLER_STAFF}), session_user::text)"


def functions(schema: str) -> list[str]:
    """The functions of the lookups, all security definers with a fixed search path."""
    definer = f'SECURITY DEFINER SET search_path = "{schema}", pg_temp'
    return [
        # HMAC-SHA256 (RFC 2104) of the number with the secret, the first KEY_LENGTH hex digits:
        # `audit.subject_key` (tests/test_cpr_oracle.py holds them together).
        f"""CREATE OR REPLACE FUNCTION kui_hmac_key(cpr text) RETURNS text
            LANGUAGE sql STABLE {definer} AS $$
            WITH k AS (
                SELECT decode(rpad(value, 128, '0'), 'hex') AS secret FROM setting
                WHERE key = '{settings.SECRET_KEY}'
            ), pads AS (
                SELECT decode(string_agg(lpad(to_hex(get_byte(k.secret, i) # 54), 2, '0'), ''
                                         ORDER BY i), 'hex') AS inner_pad,
                       decode(string_agg(lpad(to_hex(get_byte(k.secret, i) # 92), 2, '0'), ''
                                         ORDER BY i), 'hex') AS outer_pad
                FROM k, generate_series(0, 63) AS i
            )
            SELECT left(encode(sha256(outer_pad || sha256(inner_pad || convert_to(cpr, 'UTF8'))),
                               'hex'), {audit.KEY_LENGTH})
            FROM pads
        $$""",
        # The day's limit of the stored profile (its default when the profile predates it).
        f"""CREATE OR REPLACE FUNCTION kui_cpr_lookup_limit() RETURNS integer
            LANGUAGE sql STABLE {definer} AS $$
            SELECT coalesce((SELECT (value::jsonb #>> '{{privacy,cpr_lookups_per_day}}')::integer
                             FROM setting WHERE key = 'profile'), {LIMIT})
        $$""",
        # Whether the calling login may look up one more number today: the rule of lookups.py
        # (the service account's kui applies it itself, for the staff member it acts for).
        f"""CREATE OR REPLACE FUNCTION kui_cpr_lookup_allowed() RETURNS boolean
            LANGUAGE sql STABLE {definer} AS $$
            SELECT {CALLER_IS_SERVICE} OR (
                SELECT count(*) FROM cpr_lookup
                WHERE kui_fold("user") = kui_fold({CALLER_NAME}) AND day = {DANISH_TODAY}
            ) < kui_cpr_lookup_limit()
        $$""",
        # One lookup, recorded in the calling login's name (its staff initials, else the login).
        f"""CREATE OR REPLACE FUNCTION kui_note_cpr_lookup(
                cpr text, purpose text, found boolean, refused boolean) RETURNS void
            LANGUAGE sql VOLATILE {definer} AS $$
            INSERT INTO cpr_lookup (at, day, "user", purpose, subject_key, found, refused)
            VALUES (now(), {DANISH_TODAY}, {CALLER_NAME}, purpose,
                    kui_hmac_key(cpr), found, refused)
        $$""",
        # The key of a number, for an active staff member: one lookup of the day's limit, in
        # the purpose kui names ('register': a duplicate registration; else 'key').
        f"""CREATE OR REPLACE FUNCTION kui_subject_key(cpr text, purpose text DEFAULT 'key')
            RETURNS text LANGUAGE plpgsql VOLATILE STRICT {definer} AS $$
            DECLARE why text := CASE WHEN purpose = 'register' THEN purpose ELSE 'key' END;
            BEGIN
                IF {CALLER_IS_SERVICE} THEN
                    RETURN kui_hmac_key(cpr);
                END IF;
                IF NOT EXISTS (SELECT 1 {CALLER_STAFF}) THEN
                    RAISE EXCEPTION 'kui_subject_key is for active staff members';
                END IF;
                IF NOT kui_cpr_lookup_allowed() THEN
                    PERFORM kui_note_cpr_lookup(cpr, why, NULL, true);
                    RAISE WARNING 'kui: the CPR lookups of today are used up';
                    RETURN NULL;
                END IF;
                PERFORM kui_note_cpr_lookup(cpr, why, NULL, false);
                RETURN kui_hmac_key(cpr);
            END
        $$""",
        # A staff login's new youth gets its key here (kui cannot compute it without the secret).
        f"""CREATE OR REPLACE FUNCTION kui_youth_key() RETURNS trigger
            LANGUAGE plpgsql {definer} AS $$
            BEGIN
                NEW.subject_key := kui_hmac_key(NEW.cpr);
                RETURN NEW;
            END
        $$""",
        # Joining a case by the CPR in `kui.join_cpr`: recorded, and limited per login and day.
        f"""CREATE OR REPLACE FUNCTION kui_join_youth() RETURNS TABLE (id integer, subject_key text)
            LANGUAGE plpgsql VOLATILE {definer} AS $$
            DECLARE
                number text := regexp_replace(
                    coalesce(current_setting('kui.join_cpr', true), ''), '[^0-9]', '', 'g');
                found_id integer;
                found_key text;
            BEGIN
                IF NOT kui_cpr_lookup_allowed() THEN
                    PERFORM kui_note_cpr_lookup(number, 'join', NULL, true);
                    RAISE WARNING 'kui: the CPR lookups of today are used up';
                    RETURN;
                END IF;
                SELECT y.id, y.subject_key::text INTO found_id, found_key
                FROM youth y WHERE y.cpr = number;
                PERFORM kui_note_cpr_lookup(number, 'join', found_id IS NOT NULL, false);
                IF found_id IS NOT NULL THEN
                    RETURN QUERY SELECT found_id, found_key;
                END IF;
            END
        $$""",
        # The youths this transaction's joins found for the calling login: whom it may join.
        f"""CREATE OR REPLACE FUNCTION kui_joined_youths() RETURNS SETOF integer
            LANGUAGE sql STABLE {definer} AS $$
            SELECT y.id FROM cpr_lookup l JOIN youth y ON y.subject_key = l.subject_key
            WHERE l.xmin = pg_current_xact_id_if_assigned()::xid AND l.purpose = 'join'
            AND l.found AND kui_fold(l."user") = kui_fold({CALLER_NAME})
        $$""",
    ]


# Only the functions here compute keys and write lookups: no login calls them directly.
INTERNAL = ("kui_hmac_key(text)", "kui_note_cpr_lookup(text, text, boolean, boolean)")
FUNCTIONS = (
    *INTERNAL,
    "kui_cpr_lookup_limit()",
    "kui_cpr_lookup_allowed()",
    "kui_subject_key(text, text)",
    "kui_youth_key()",
    "kui_joined_youths()",
)


def _create_table() -> None:
    op.create_table(
        "cpr_lookup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("purpose", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("subject_key", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("found", sa.Boolean(), nullable=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cpr_lookup")),
    )
    op.create_index("ix_cpr_lookup_user_day", "cpr_lookup", ["user", "day"])


def upgrade() -> None:
    _create_table()
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    old = revision_0003()
    service, see_all = old.SERVICE, old.SERVICE_OR_SEE_ALL
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    hidden = f"{SECRET_ROW} OR {service}"
    op.execute("DROP POLICY IF EXISTS kui_secret ON setting")
    op.execute(
        f"CREATE POLICY kui_secret ON setting AS RESTRICTIVE FOR ALL USING ({hidden}) "
        f"WITH CHECK ({hidden})"
    )
    op.execute("ALTER TABLE cpr_lookup ENABLE ROW LEVEL SECURITY")
    op.execute("ALTER TABLE cpr_lookup FORCE ROW LEVEL SECURITY")
    own = 'kui_fold("user") = kui_fold(current_user::text)'
    op.execute(f"CREATE POLICY kui_read ON cpr_lookup FOR SELECT USING ({see_all} OR {own})")
    op.execute(f"CREATE POLICY kui_append ON cpr_lookup FOR INSERT WITH CHECK ({service})")
    op.execute("DROP POLICY IF EXISTS kui_join ON effort")
    for statement in functions(schema):
        op.execute(statement)
    for signature in INTERNAL:
        op.execute(f"REVOKE EXECUTE ON FUNCTION {signature} FROM PUBLIC")
    op.execute(
        "CREATE POLICY kui_join ON effort FOR INSERT WITH CHECK ("
        "staff_id = (SELECT kui_staff_id()) AND youth_id IN (SELECT kui_joined_youths()))"
    )
    op.execute("DROP TRIGGER IF EXISTS kui_youth_key ON youth")
    op.execute(
        "CREATE TRIGGER kui_youth_key BEFORE INSERT OR UPDATE OF cpr, subject_key ON youth "
        "FOR EACH ROW WHEN (NOT kui_is_service()) EXECUTE FUNCTION kui_youth_key()"
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        old = revision_0003()
        schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
        op.execute("DROP TRIGGER IF EXISTS kui_youth_key ON youth")
        op.execute("DROP POLICY IF EXISTS kui_join ON effort")
        op.execute("DROP FUNCTION IF EXISTS kui_join_youth()")
        join = next(s for s in old.functions(schema) if "kui_join_youth()" in s)
        op.execute(join)
        op.execute(next(s for s in old.policies("effort") if "kui_join" in s))
        for signature in FUNCTIONS:
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        op.execute("DROP POLICY IF EXISTS kui_secret ON setting")
    op.drop_index("ix_cpr_lookup_user_day", table_name="cpr_lookup")
    op.drop_table("cpr_lookup")
