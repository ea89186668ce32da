"""row-level security for administration: teams, meetings, staff and settings by the admin roles

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02

Issue 15, hole 2. Migration 0003 left `team`, `team_member`, `meeting` and `meeting_series`
without row-level security, while `kui db grant` gives a staff login INSERT, UPDATE and DELETE on
them: one INSERT into `team_member` made a login a member of team 2, and the policies of 0003
then showed it every youth referred there. And it let the see-all roles change `staff` and
`setting` (roles, the profile), which is administration, not seeing.

Here, as in `access.ADMINISTRATION`:

- `team`, `team_member`, `meeting`, `meeting_series` are read by the service account and every
  active staff member's login (who sits in which team is no youth's data, and decides access);
- they, `staff` and `setting` are written only by the service account and the logins of the
  roles in the stored profile's `privacy.admin_roles` (`kui_administers`, a security definer that
  reads the profile whatever the login may read; default: leader).

Self-contained: functions are created or replaced, policies dropped if they exist first. The
downgrade puts back 0003's policies of `staff` and `setting` and leaves the four tables open.

SQLite has no row-level security: there this migration does nothing.
"""

from alembic import op

from kui_cli.migrations import revision_0003

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# Read by every active staff login, written by the admin roles and the service account.
ADMINISTERED_TABLES = ("team", "team_member", "meeting", "meeting_series")
# Read by every login (0003), written by the admin roles and the service account (was: see-all).
GUARDED_TABLES = ("staff", "setting")
WRITES = ("insert", "update", "delete")
FUNCTION = "kui_administers(name)"


def administers_function(schema: str) -> str:
    """Whether a login is an active staff member with a role in `privacy.admin_roles`.

    A security definer (it reads the stored profile, which a later migration may hide from the
    logins); only the session's own login (or a role it may act as) can be asked about."""
    return f"""CREATE OR REPLACE FUNCTION kui_administers(login name) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = "{schema}", pg_temp AS $$
        SELECT EXISTS (
            SELECT 1 FROM staff s JOIN setting p ON p.key = 'profile'
            WHERE kui_fold(s.initials) = kui_fold(login::text) AND s.active
            AND pg_has_role(session_user, login, 'MEMBER')
            AND lower(btrim(s.role)) IN (
                SELECT lower(btrim(r)) FROM jsonb_array_elements_text(coalesce(
                    p.value::jsonb #> '{{privacy,admin_roles}}', '["leader"]')) r))
    $$"""


def write_policies(table: str, who: str) -> list[str]:
    """INSERT, UPDATE and DELETE policies of a table, for `who` (an SQL condition)."""
    return [
        f"CREATE POLICY kui_insert ON {table} FOR INSERT WITH CHECK ({who})",
        f"CREATE POLICY kui_update ON {table} FOR UPDATE USING ({who}) WITH CHECK ({who})",
        f"CREATE POLICY kui_delete ON {table} FOR DELETE USING ({who})",
    ]


def _drop(table: str, names: tuple[str, ...]) -> None:
    for name in names:
        op.execute(f"DROP POLICY IF EXISTS kui_{name} ON {table}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    old = revision_0003()
    schema = bind.exec_driver_sql("SELECT current_schema()").scalar()
    op.execute(administers_function(schema))
    admins = f"{old.SERVICE} OR (SELECT kui_administers(current_user))"
    staff = f"{old.SERVICE} OR (SELECT kui_staff_id()) IS NOT NULL"
    for table in ADMINISTERED_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        _drop(table, ("read", *WRITES))
        op.execute(f"CREATE POLICY kui_read ON {table} FOR SELECT USING ({staff})")
        for statement in write_policies(table, admins):
            op.execute(statement)
    for table in GUARDED_TABLES:
        _drop(table, WRITES)
        for statement in write_policies(table, admins):
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    old = revision_0003()
    for table in ADMINISTERED_TABLES:
        _drop(table, ("read", *WRITES))
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    for table in GUARDED_TABLES:
        _drop(table, WRITES)
        for statement in write_policies(table, old.SERVICE_OR_SEE_ALL):
            op.execute(statement)
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}")
