"""row-level security compares initials by the one folding rule of kui_cli/domain/initials.py

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Migration 0003 matched a login to the staff, a change's author and an audit entry's user with
PostgreSQL's `upper()`, which knows all of Unicode (the Turkish dotless "ı" becomes "I"), while
`kui` folds only the letters initials may hold (`initials.fold`). Here the policies fold alike:
`kui_fold(text)` is the SQL twin `initials.folded` made a function (a plain SQL function, which
PostgreSQL inlines into the policies), and the functions and policies that compared initials are
replaced by ones that compare `kui_fold` of both sides. The downgrade puts back those of 0003.

SQLite has no row-level security: there this migration does nothing.
"""

from types import ModuleType

from alembic import op
from sqlalchemy import column
from sqlalchemy.dialects import postgresql

from kui_cli.domain import initials
from kui_cli.migrations import revision_0003

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def fold_function() -> str:
    """`kui_fold`: the SQL twin of `initials.fold`, as PostgreSQL compiles `initials.folded`."""
    twin = initials.folded(column("initials")).compile(
        dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}
    )
    return (
        "CREATE FUNCTION kui_fold(initials text) RETURNS text "
        f"LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT {twin} $$"
    )


LOGIN_IS = "kui_fold({column}::text) = kui_fold(current_user::text)"
# The functions of 0003 that compare initials: replaced here (same signatures).
REPLACED = ("kui_staff_id()", "kui_sees_all()", "kui_my_youths(name)")
# The policies of 0003 that compare initials: (table, policy name).
POLICIES = (("audit_log", "kui_read"), ("audit_log", "kui_append"), ("change_log", "kui_own_name"))


def functions(schema: str, old: ModuleType) -> list[str]:
    """The functions of 0003 that compared initials, folding them by `kui_fold`."""
    path = f'SET search_path = "{schema}", pg_temp'
    definer = f"SECURITY DEFINER {path}"
    assignment, effort = old.OPEN_ASSIGNMENT, old.ACTIVE_EFFORT
    return [
        f"""CREATE OR REPLACE FUNCTION kui_staff_id() RETURNS integer LANGUAGE sql STABLE {path}
            AS $$ SELECT id FROM staff WHERE {LOGIN_IS.format(column="initials")} AND active $$""",
        f"""CREATE OR REPLACE FUNCTION kui_sees_all() RETURNS boolean LANGUAGE sql STABLE {path}
            AS $$
            SELECT EXISTS (
                SELECT 1 FROM staff s JOIN setting p ON p.key = 'profile'
                WHERE {LOGIN_IS.format(column="s.initials")} AND s.active
                AND lower(btrim(s.role)) IN (
                    SELECT lower(btrim(r)) FROM jsonb_array_elements_text(coalesce(
                        p.value::jsonb #> '{{privacy,see_all_roles}}', '["leader"]')) r))
        $$""",
        f"""CREATE OR REPLACE FUNCTION kui_my_youths(login name) RETURNS SETOF integer
            LANGUAGE sql STABLE {definer} AS $$
            WITH me AS (
                SELECT id, kui_fold(initials) AS initials FROM staff
                WHERE kui_fold(initials) = kui_fold(login::text) AND active
                AND pg_has_role(session_user, login, 'MEMBER')
            ), d AS (SELECT kui_today() AS today)
            SELECT a.youth_id FROM coordinator_assignment a, me, d
            WHERE a.staff_id = me.id AND {assignment}
            UNION
            SELECT e.youth_id FROM effort e, me, d WHERE e.staff_id = me.id AND {effort}
            UNION
            SELECT r.youth_id FROM referral r JOIN team_member t ON t.team_id = r.team_id, me
            WHERE r.decided_on IS NULL AND t.staff_id = me.id
            UNION
            SELECT c.youth_id FROM change_log c, me, d
            WHERE c.kind = 'registered' AND kui_fold(c."by") = me.initials
            AND NOT EXISTS (
                SELECT 1 FROM coordinator_assignment a
                WHERE a.youth_id = c.youth_id AND {assignment})
            AND NOT EXISTS (
                SELECT 1 FROM effort e WHERE e.youth_id = c.youth_id AND {effort})
        $$""",
    ]


def policies(old: ModuleType) -> list[str]:
    """The policies of 0003 that compared initials, folding them by `kui_fold`."""
    own_entry = LOGIN_IS.format(column='"user"')
    return [
        "CREATE POLICY kui_read ON audit_log FOR SELECT "
        f"USING ({old.SERVICE_OR_SEE_ALL} OR {own_entry})",
        "CREATE POLICY kui_append ON audit_log FOR INSERT "
        f"WITH CHECK ({old.SERVICE} OR {own_entry})",
        "CREATE POLICY kui_own_name ON change_log AS RESTRICTIVE FOR INSERT WITH CHECK ("
        f"{old.SERVICE} OR {LOGIN_IS.format(column=old.BY)})",
    ]


def _drop_policies() -> None:
    for table, name in POLICIES:
        op.execute(f"DROP POLICY {name} ON {table}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    old = revision_0003()
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    op.execute(fold_function())
    for statement in functions(schema, old):
        op.execute(statement)
    _drop_policies()
    for statement in policies(old):
        op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    old = revision_0003()
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    replaced = {signature.split("(")[0] for signature in REPLACED}
    for statement in old.functions(schema):
        name = statement.split()[2].split("(")[0]
        if name in replaced:
            op.execute(statement.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1))
    _drop_policies()
    for table, name in POLICIES:
        op.execute(next(s for s in old.policies(table) if s.startswith(f"CREATE POLICY {name} ")))
    op.execute("DROP FUNCTION kui_fold(text)")
