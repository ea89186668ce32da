"""PostgreSQL row-level security (issue 8, item 4): a staff member's own login is the acting user.

Migration 0003 makes PostgreSQL enforce the need-to-know rule of `access.py` for every login but
the service account (the owner of the tables); since 0004 its policies compare initials by the
folding rule of `domain/initials.py` (`kui_fold`). Here is what `kui` does about it:

- The acting user: the service account acts for the staff member named by `--user`, as on
  SQLite; any other login acts as itself (`current_user`, matched to the staff initials), and a
  `--user` naming someone else is refused.
- The rule's "today" is the real Danish date, read by the database itself (`kui_today()`,
  migration 0005), never `--today` nor a setting a login could set (issue 15).
- Joining a case by CPR must find a youth the login cannot see yet: `kui.join_cpr` names it to
  `kui_join_youth()`, which records the lookup (limited per day, migration 0008) and then lets
  the login add an effort with themselves responsible.
- `grant_statements` are the privileges a staff login needs (`kui db grant LOGIN`). They cover
  every table, so they are refused while a table that holds youth data (`youth_tables`: derived
  from the schema, every table with a foreign-key path to `youth`) has no row-level security:
  a table added without its policies would otherwise be readable in full by every staff login.

On SQLite everything here does nothing.
"""

from __future__ import annotations

import re
from dataclasses import replace

from sqlalchemy import MetaData, bindparam, text
from sqlmodel import Session

from kui_cli.domain.initials import fold
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.protection.refusal import Refused
from kui_cli.errors import KuiError
from kui_cli.models import Youth, metadata
from kui_cli.render.i18n import _

OWN_LOGIN = "own-login"
IMPORT = "kui youth import"
# A role name kui will grant to: PostgreSQL's unquoted identifiers, so nothing needs quoting.
LOGIN_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Appended to, never changed (the triggers of migration 0001 refuse it anyway). Its id and chain
# columns are set by the database's trigger (migration 0009) whatever a login inserts.
APPEND_ONLY = {"audit_log"}
# Read only: `cpr_lookup` is written by the service account and the database's own functions
# (migration 0008), so a staff login cannot forge or remove its lookups; `feed_event` by the
# service account, which alone applies the status feed (migration 0010).
READ_ONLY = {"alembic_version", "cpr_lookup", "feed_event"}
# The chain's head, and the data version with the figures kept against it (migration 0013): for
# the service account and its definer functions only, no privilege for any staff login.
PRIVATE = {"audit_head", "data_version", "data_change", "kept_figures"}


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def login(session: Session) -> tuple[str, bool] | None:
    """The database login and whether it is the service account; None on SQLite."""
    if not is_postgres(session):
        return None
    name, service = session.execute(text("SELECT current_user, kui_is_service()")).one()
    return str(name), bool(service)


def acting(session: Session, actor: Actor, asked: str | None) -> Actor:
    """Who acts: on PostgreSQL a staff login is itself, whatever `--user` says (refused when it
    names someone else: raised by `refuse_other_user` once the actor is the login). The login's
    name is matched to a staff member by `access.identify`, as `--user` is on SQLite."""
    if not is_postgres(session):
        return actor
    found = login(session)
    assert found is not None
    name, service = found
    session.info[OWN_LOGIN] = None if service else (name, asked)
    return actor if service else replace(actor, user=name)


def refuse_other_user(session: Session, actor: Actor) -> None:
    """A staff login cannot act for someone else: `--user` may only name the login itself."""
    own = session.info.get(OWN_LOGIN)
    if own is None:
        return
    name, asked = own
    why = _("on PostgreSQL you act as your own database login {login}").format(login=name)
    refuse_other(asked, actor.user, why)


def refuse_other(asked: str | None, acting: str, why: str) -> None:
    """Someone identified by a login (a database login here, an operating-system account's staff
    login in `access.identify`) acts as themselves: `--user` may name only them."""
    if asked is not None and fold(asked.strip()) != fold(acting):
        raise Refused(
            _("--user {asked} names someone else: {why}").format(asked=asked, why=why), OWN_LOGIN
        )


def refuse_bulk(session: Session, actor: Actor, see_all: bool) -> None:
    """`youth import` registers many youths in one statement, which a staff login's policies
    cannot follow: on PostgreSQL it is for the service account and the see-all roles."""
    if actor.command == IMPORT and session.info.get(OWN_LOGIN) is not None and not see_all:
        raise Refused(
            _(
                "on PostgreSQL `youth import` runs as the service account or a see-all role "
                "(register one youth with `kui youth add`)"
            ),
            "import-service-only",
        )


def staff_login(session: Session) -> bool:
    """Whether the database enforces the rule for this session (a staff login on PostgreSQL)."""
    return session.info.get(OWN_LOGIN) is not None


def join_target(session: Session, number: str) -> Youth | None:
    """The youth a staff login joins by exact CPR (`plan effort add CPR --responsible ME`).

    The login cannot see the youth yet, so the database gives only the id and the pseudonymous
    key; `kui_join_youth()` records the lookup and refuses it beyond the day's limit
    (`lookups.py`, migration 0008), and the effort's policy then admits the youth it found in
    this transaction. None when nothing was found (or the session is not a staff login's)."""
    if not staff_login(session):
        return None
    session.execute(text("SELECT set_config('kui.join_cpr', :cpr, true)"), {"cpr": number})
    row = session.execute(text("SELECT id, subject_key FROM kui_join_youth()")).first()
    if row is None:
        return None
    seen = session.get(Youth, row.id)
    # Not added to the session: only its id and key are known, and nothing of it is written.
    return seen if seen is not None else Youth(id=row.id, subject_key=row.subject_key, cpr=number)


def youth_tables(schema: MetaData = metadata) -> list[str]:
    """The tables that hold a youth's data: `youth` and every table with a foreign-key path to
    it (a guardian names the youth; a table naming a goal names the goal's youth)."""
    found = {Youth.__tablename__}
    grown = True
    while grown:
        more = {
            table.name
            for table in schema.sorted_tables
            if table.name not in found
            and any(key.column.table.name in found for key in table.foreign_keys)
        }
        found |= more
        grown = bool(more)
    return sorted(found)


# Row-level security enabled and forced (on the owner too): with no policy for a command, a
# login then reaches no row at all.
UNCOVERED = text(
    "SELECT t.name FROM unnest(CAST(:tables AS text[])) AS t(name) "
    "LEFT JOIN pg_class c ON c.oid = to_regclass(t.name) "
    "WHERE c.oid IS NULL OR NOT (c.relrowsecurity AND c.relforcerowsecurity) ORDER BY t.name"
).bindparams(bindparam("tables"))


def uncovered(session: Session) -> list[str]:
    """The tables of youth data that the database does not protect by row-level security."""
    return list(session.execute(UNCOVERED, {"tables": youth_tables()}).scalars())


def grant_statements(session: Session, name: str) -> list[str]:
    """The privileges a staff login needs; the policies decide which rows it reaches. Refused
    while a table of youth data has no policies (it fails closed)."""
    name = name.strip()
    if not LOGIN_NAME.match(name):
        raise KuiError(
            _(
                "login {login} must be a PostgreSQL role name in lower case (letters, digits, _)"
            ).format(login=repr(name))
        )
    exists = session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    if exists.first() is None:
        raise KuiError(
            _(
                "no database login {login}: the DBA creates it first "
                "(CREATE ROLE {login} LOGIN PASSWORD '...')"
            ).format(login=name)
        )
    unprotected = uncovered(session)
    if unprotected:
        raise KuiError(
            _(
                "no login is granted while tables of youth data have no row-level security "
                "({tables}): a staff login would read all of them (run `kui db "
                "upgrade`; a new table gets its policies in its own migration)"
            ).format(tables=", ".join(unprotected))
        )
    schema = session.execute(text("SELECT current_schema()")).scalar()
    tables = sorted(t.name for t in metadata.sorted_tables if t.name not in PRIVATE)
    changing = [t for t in tables if t not in APPEND_ONLY | READ_ONLY]
    return [
        f'GRANT USAGE ON SCHEMA "{schema}" TO {name}',
        # Table-wide INSERT and UPDATE (granted by an older kui) would cover the ids too.
        f"REVOKE INSERT, UPDATE ON {', '.join(changing)} FROM {name}",
        f"GRANT SELECT ON {', '.join(sorted(READ_ONLY))} TO {name}",
        f"GRANT SELECT, INSERT ON {', '.join(sorted(APPEND_ONLY))} TO {name}",
        f"GRANT SELECT, DELETE ON {', '.join(changing)} TO {name}",
        *(_column_grant(table, name) for table in changing),
        # USAGE allows nextval, never setval: a login cannot move a sequence onto kui's ids.
        f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO {name}',
    ]


def _column_grant(table: str, name: str) -> str:
    """INSERT and UPDATE of every column but a generated id: a staff login that chose ids could
    take the ids the sequence hands out next, or one of 2147483647, and block every later
    registration (the policies admit only a new row above the highest id)."""
    columns = [
        f'"{column.name}"'
        for column in metadata.tables[table].columns
        if not (column.primary_key and column.name == "id")
    ]
    listed = ", ".join(columns)
    return f"GRANT INSERT ({listed}), UPDATE ({listed}) ON {table} TO {name}"


def grant(session: Session, actor: Actor, name: str) -> list[str]:
    """Grant a staff login what `kui` needs (run by the service account, which owns the tables)."""
    from kui_cli.domain.protection import audit

    if not is_postgres(session):
        raise KuiError(
            _(
                "db grant is for PostgreSQL: a SQLite file is protected by the operating system "
                "(mode 0600, one account)"
            )
        )
    if staff_login(session):
        raise KuiError(_("db grant is run by the service account, which owns the tables"))
    statements = grant_statements(session, name)
    for statement in statements:
        session.execute(text(statement))
    audit.record(session, actor, "grant", filters={"login": name.strip()})
    return statements
