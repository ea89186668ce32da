"""row-level security on PostgreSQL: the need-to-know rule enforced by the database itself

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

On PostgreSQL a staff member may connect with their own database login; the login is the acting
user (`current_user`), matched case-insensitively to the staff initials (login `ab` is staff
member AB). The policies below enforce the rule of `kui_cli/domain/protection/access.py` in
SQL, so that a script that bypasses `kui` sees no more than `kui` would show that login:

- the service account (the owner of the tables, the login that ran the migrations, and its
  members) keeps full access: `kui` run by it enforces the rule in Python, as on SQLite;
- an active staff member whose role is in the stored profile's `privacy.see_all_roles` sees all;
- any other active staff member sees the youths they work on on "today" (`kui.today`, which `kui`
  sets from `--today`, else the current date): coordinator (accepted or proposed), responsible
  for an active effort, member of a team with an open referral, or registered by them (the
  `registered` row of the change log) while no coordinator is proposed and no effort runs;
- an unknown or inactive login sees nothing.

Writes follow reads: a login inserts, updates and deletes only rows of youths it sees, with the
paths the rule allows: any active staff member registers a new youth (INSERT ... RETURNING works:
a row being inserted is returned to its writer), joins a case by the youth's exact CPR (the
setting `kui.join_cpr` names it) by adding an effort with themselves responsible, and keeps
writing in the same transaction about a youth whose case it has just changed (a coordinator
proposed, a referral decided: rows written by this transaction). Change-log rows and audit
entries are written in the login's own name. Staff and settings (roles, the profile with its
see-all roles) are changed only by the see-all roles and the service account. The audit log is
appended to by every login and read by the see-all roles (and each login's own entries).

SQLite has no row-level security: there (one file, mode 0600, one operating-system account) `kui`
enforces the rule, and this migration does nothing.
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Tables of a youth's personal data, by the column that names the youth.
YOUTH_TABLES = {
    "youth": "id",
    "guardian": "youth_id",
    "change_log": "youth_id",
    "coordinator_assignment": "youth_id",
    "goal": "youth_id",
    "effort": "youth_id",
    "duty_episode": "youth_id",
    "assessment": "youth_id",
    "referral": "youth_id",
    "history_period": "youth_id",
}
# Readable by every login, changed only by the see-all roles and the service account.
GUARDED_TABLES = ("staff", "setting")
TABLES = (*YOUTH_TABLES, *GUARDED_TABLES, "audit_log")

OPEN_ASSIGNMENT = """(
    (a.consent = 'accepted' AND a.start_on <= d.today AND (a.end_on IS NULL OR a.end_on > d.today))
    OR (a.consent = 'pending' AND a.proposed_on <= d.today
        AND (a.end_on IS NULL OR a.end_on > d.today)))"""
ACTIVE_EFFORT = "(e.start_on <= d.today AND (e.end_on IS NULL OR e.end_on > d.today))"
LOGIN_IS = "upper({column}::text) = upper(current_user::text)"
BY = '"by"'  # a reserved word in PostgreSQL


def functions(schema: str) -> list[str]:
    """The helper functions; security definers read what the login may not (with a fixed path)."""
    path = f'SET search_path = "{schema}", pg_temp'
    definer = f"SECURITY DEFINER {path}"
    listed = ", ".join(f"'{t}'" for t in YOUTH_TABLES)
    return [
        # The service account: the owner of the tables, or a member of the owner's role.
        f"""CREATE FUNCTION kui_is_service() RETURNS boolean LANGUAGE sql STABLE {path} AS $$
            SELECT pg_has_role(current_user, c.relowner, 'MEMBER')
            FROM pg_class c WHERE c.oid = 'youth'::regclass
        $$""",
        # "Today" of the rule: kui's --today, or the current date.
        f"""CREATE FUNCTION kui_today() RETURNS date LANGUAGE sql STABLE {path} AS $$
            SELECT coalesce(nullif(current_setting('kui.today', true), '')::date, current_date)
        $$""",
        # The active staff member of the login (the staff table is readable by every login).
        f"""CREATE FUNCTION kui_staff_id() RETURNS integer LANGUAGE sql STABLE {path} AS $$
            SELECT id FROM staff WHERE {LOGIN_IS.format(column="initials")} AND active
        $$""",
        f"""CREATE FUNCTION kui_sees_all() RETURNS boolean LANGUAGE sql STABLE {path} AS $$
            SELECT EXISTS (
                SELECT 1 FROM staff s JOIN setting p ON p.key = 'profile'
                WHERE {LOGIN_IS.format(column="s.initials")} AND s.active
                AND lower(btrim(s.role)) IN (
                    SELECT lower(btrim(r)) FROM jsonb_array_elements_text(coalesce(
                        p.value::jsonb #> '{{privacy,see_all_roles}}', '["leader"]')) r))
        $$""",
        # The youths a login works on. Only the session's own login (or a role it may act as)
        # can be asked about.
        f"""CREATE FUNCTION kui_my_youths(login name) RETURNS SETOF integer
            LANGUAGE sql STABLE {definer} AS $$
            WITH me AS (
                SELECT id, upper(initials) AS initials FROM staff
                WHERE upper(initials) = upper(login::text) AND active
                AND pg_has_role(session_user, login, 'MEMBER')
            ), d AS (SELECT kui_today() AS today)
            SELECT a.youth_id FROM coordinator_assignment a, me, d
            WHERE a.staff_id = me.id AND {OPEN_ASSIGNMENT}
            UNION
            SELECT e.youth_id FROM effort e, me, d WHERE e.staff_id = me.id AND {ACTIVE_EFFORT}
            UNION
            SELECT r.youth_id FROM referral r JOIN team_member t ON t.team_id = r.team_id, me
            WHERE r.decided_on IS NULL AND t.staff_id = me.id
            UNION
            SELECT c.youth_id FROM change_log c, me, d
            WHERE c.kind = 'registered' AND upper(c."by") = me.initials
            AND NOT EXISTS (
                SELECT 1 FROM coordinator_assignment a
                WHERE a.youth_id = c.youth_id AND {OPEN_ASSIGNMENT})
            AND NOT EXISTS (
                SELECT 1 FROM effort e WHERE e.youth_id = c.youth_id AND {ACTIVE_EFFORT})
        $$""",
        # Youths whose case this transaction changed (it could, so it saw them): the writes
        # that follow in the same transaction are allowed, as kui checks access once per command.
        f"""CREATE FUNCTION kui_changed_youths() RETURNS SETOF integer
            LANGUAGE plpgsql STABLE {definer} AS $$
            DECLARE mine xid := pg_current_xact_id_if_assigned()::xid;
            BEGIN
                IF mine IS NULL THEN
                    RETURN;
                END IF;
                RETURN QUERY
                    SELECT youth_id FROM coordinator_assignment WHERE xmin = mine
                    UNION SELECT youth_id FROM effort WHERE xmin = mine
                    UNION SELECT youth_id FROM referral WHERE xmin = mine;
            END
        $$""",
        # The highest id stored: a row with a higher one is being inserted (INSERT ... RETURNING).
        f"""CREATE FUNCTION kui_last_id(tbl text) RETURNS bigint
            LANGUAGE plpgsql STABLE {definer} AS $$
            DECLARE last bigint;
            BEGIN
                IF tbl NOT IN ({listed}) THEN
                    RAISE EXCEPTION 'kui_last_id: % is not a table of youth data', tbl;
                END IF;
                EXECUTE format('SELECT coalesce(max(id), 0) FROM %I', tbl) INTO last;
                RETURN last;
            END
        $$""",
        # Whether the youth has a registration row: the first one is the registrant's to write.
        f"""CREATE FUNCTION kui_youth_registered(youth integer) RETURNS boolean
            LANGUAGE sql STABLE {definer} AS $$
            SELECT EXISTS (
                SELECT 1 FROM change_log WHERE youth_id = youth AND kind = 'registered')
        $$""",
        # Joining a case: the youth whose exact CPR the login gives in `kui.join_cpr`.
        f"""CREATE FUNCTION kui_join_youth() RETURNS TABLE (id integer, subject_key text)
            LANGUAGE sql STABLE {definer} AS $$
            SELECT y.id, y.subject_key::text FROM youth y
            WHERE y.cpr = regexp_replace(
                coalesce(current_setting('kui.join_cpr', true), ''), '[^0-9]', '', 'g')
        $$""",
        # The audit chain's last hash, for a login that may not read the whole log.
        f"""CREATE FUNCTION kui_audit_last_hash() RETURNS text
            LANGUAGE sql STABLE {definer} AS $$
            SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1
        $$""",
    ]


FUNCTIONS = (
    "kui_is_service()",
    "kui_today()",
    "kui_staff_id()",
    "kui_sees_all()",
    "kui_my_youths(name)",
    "kui_changed_youths()",
    "kui_last_id(text)",
    "kui_youth_registered(integer)",
    "kui_join_youth()",
    "kui_audit_last_hash()",
)

# The service account, as kui_is_service() but written into the policies: their names are resolved
# once, when the policy is created, and the check costs no function call (a bulk import pays it
# per row).
SERVICE = (
    "(SELECT pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c "
    "WHERE c.oid = 'youth'::regclass)"
)
SERVICE_OR_SEE_ALL = f"{SERVICE} OR (SELECT kui_sees_all())"


def sees(column: str) -> str:
    """The login works on the youth (or is the service account, or sees all)."""
    return f"{SERVICE_OR_SEE_ALL} OR {column} IN (SELECT kui_my_youths(current_user))"


def policies(table: str) -> list[str]:
    """CREATE POLICY statements of one table."""
    if table == "audit_log":
        own = LOGIN_IS.format(column='"user"')
        return [
            f"CREATE POLICY kui_read ON audit_log FOR SELECT USING ({SERVICE_OR_SEE_ALL} OR {own})",
            f"CREATE POLICY kui_append ON audit_log FOR INSERT WITH CHECK ({SERVICE} OR {own})",
            # Every row reaches the triggers of migration 0001, which refuse the change loudly
            # (without these policies an UPDATE would quietly match no row).
            "CREATE POLICY kui_refused_update ON audit_log FOR UPDATE USING (true)",
            "CREATE POLICY kui_refused_delete ON audit_log FOR DELETE USING (true)",
        ]
    if table in GUARDED_TABLES:
        return [
            f"CREATE POLICY kui_read ON {table} FOR SELECT USING (true)",
            *(
                f"CREATE POLICY kui_{verb.lower()} ON {table} FOR {verb} {clause}"
                for verb, clause in (
                    ("INSERT", f"WITH CHECK ({SERVICE_OR_SEE_ALL})"),
                    ("UPDATE", f"USING ({SERVICE_OR_SEE_ALL}) WITH CHECK ({SERVICE_OR_SEE_ALL})"),
                    ("DELETE", f"USING ({SERVICE_OR_SEE_ALL})"),
                )
            ),
        ]
    column = YOUTH_TABLES[table]
    works_on = f"{sees(column)} OR {column} IN (SELECT kui_changed_youths())"
    being_inserted = f"id > (SELECT kui_last_id('{table}'))"
    insert = works_on
    if table == "youth":
        insert = f"{SERVICE} OR (SELECT kui_staff_id()) IS NOT NULL"
    statements = [
        f"CREATE POLICY kui_read ON {table} FOR SELECT USING ({works_on} OR {being_inserted})",
        f"CREATE POLICY kui_insert ON {table} FOR INSERT WITH CHECK ({insert})",
        f"CREATE POLICY kui_update ON {table} FOR UPDATE USING ({works_on}) "
        f"WITH CHECK ({works_on})",
        "CREATE POLICY kui_delete ON {table} FOR DELETE USING ({using})".format(
            table=table, using=SERVICE_OR_SEE_ALL if table == "youth" else works_on
        ),
    ]
    if table == "effort":  # joining a case by its exact CPR, with oneself responsible
        statements.append(
            "CREATE POLICY kui_join ON effort FOR INSERT WITH CHECK ("
            "staff_id = (SELECT kui_staff_id()) AND youth_id = (SELECT id FROM kui_join_youth()))"
        )
    if table == "change_log":  # the first row of a new youth's history, by its registrant
        statements += [
            # (Not asked of the service account, which kui_insert admits: a bulk import would
            # pay a lookup per row.)
            "CREATE POLICY kui_register ON change_log FOR INSERT WITH CHECK ("
            f"NOT {SERVICE} AND kind = 'registered' "
            "AND NOT kui_youth_registered(youth_id))",
            "CREATE POLICY kui_own_name ON change_log AS RESTRICTIVE FOR INSERT WITH CHECK ("
            f"{SERVICE} OR {LOGIN_IS.format(column=BY)})",
        ]
    return statements


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    for statement in functions(schema):
        op.execute(statement)
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        for statement in policies(table):
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table in TABLES:
        names = bind.exec_driver_sql(
            "SELECT policyname FROM pg_policies WHERE schemaname = current_schema() "
            f"AND tablename = '{table}'"
        ).scalars()
        for name in list(names):
            op.execute(f"DROP POLICY {name} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for signature in FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
