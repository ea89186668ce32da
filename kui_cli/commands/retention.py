"""`kui retention`: storage limitation (opbevaring) of the youths' data."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import FormatOption
from kui_cli.render import Format

app = typer.Typer(help="Retention (opbevaring): remove youths past the profile's retention age.")


@app.command("purge")
def purge(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would go; change nothing.")
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Delete (or anonymise) youths past privacy.retention_age with no open duty episode.

    Their plan, history, referrals and custody holders go with them; audit entries stay (they
    name the youth only by a pseudonymous key). The list shows id, age and registration date,
    never CPR or name. The purge is audited.

    Example:
        kui retention purge --dry-run
    """
    from kui_cli.domain import profile
    from kui_cli.domain.protection import retention

    with invocation.session(ctx) as (session, actor):
        rows = retention.purge(session, actor, profile.current(session), dry_run=dry_run)
    render.listing(rows, fmt, columns=retention.COLUMNS)
    verb = "would be" if dry_run else "were"
    action = rows[0]["action"] + "d" if rows else "removed"
    render.message(f"{len(rows)} youths {verb} {action}.")
