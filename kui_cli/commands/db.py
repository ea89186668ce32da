"""`kui db`: schema upgrades, integrity checks and backups."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import output_file
from kui_cli.render.i18n import _

app = typer.Typer(help="The database: upgrade, check, backup, grant a staff login.")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Run the schema migrations up to this version of kui.

    Example:
        kui db upgrade
    """
    from kui_cli import db

    url = invocation.state(ctx).db_url
    invocation.make_private(url)
    before, after = db.upgrade(url)
    if before is None:
        render.message(_("Schema empty -> {after}.").format(after=after))
    else:
        render.message(_("Schema {before} -> {after}.").format(before=before, after=after))


@app.command("check")
def check(ctx: typer.Context) -> None:
    """Check the database's integrity (SQLite integrity and foreign keys, schema version).

    Example:
        kui db check
    """
    from kui_cli.domain.protection import maintenance

    with invocation.session(ctx) as (session, _actor):
        problems = maintenance.integrity_problems(session)
    if problems:
        for problem in problems:
            print(problem)
        raise typer.Exit(1)
    render.message(_("Database OK."))


@app.command("backup")
def backup(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(
            help="Where to write the copy (created with mode 0600).", parser=output_file
        ),
    ],
) -> None:
    """Copy a SQLite database consistently while others keep working (online backup API).

    The copy is created with mode 0600 and the backup is audited. For PostgreSQL use pg_dump
    (see the README).

    Example:
        kui db backup /srv/backup/kui-2026-11-22.db
    """
    from kui_cli.domain.protection import maintenance

    who = invocation.authorise(ctx)  # a copy of every youth: the see-all roles only
    maintenance.backup(invocation.state(ctx).db_url, file, who)
    render.message(_("Backup written to {file}.").format(file=file))


@app.command("grant")
def grant(
    ctx: typer.Context,
    login: Annotated[str, typer.Argument(help="A staff member's PostgreSQL login (initials).")],
) -> None:
    """Grant a staff member's own PostgreSQL login what kui needs (the service account runs it).

    The login's name is the staff initials in lower case; the DBA creates it first. Row-level
    security then shows the login only the youths the staff member works on, in kui and in any
    other program. Prints the GRANT statements it ran.

    Example:
        kui --db postgresql+psycopg://kui@db/kui --user LE db grant ab
    """
    from kui_cli.domain.protection import row_security

    with invocation.session(ctx) as (session, actor):
        statements = row_security.grant(session, actor, login)
    for statement in statements:
        print(f"{statement};")
    render.message(_("Granted login {login} what kui needs.").format(login=login.strip()))
