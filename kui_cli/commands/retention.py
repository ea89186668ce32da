"""`kui retention`: storage limitation (opbevaring) of the youths' data."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.errors import KuiError
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption
from kui_cli.render import Format
from kui_cli.render.i18n import _, n_

app = typer.Typer(help="Retention (opbevaring): remove youths past the profile's retention age.")


@app.command("purge")
def purge(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only list what would go; change nothing.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Purge without asking (cron, scripts).")
    ] = False,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """Delete (or anonymise) youths past privacy.retention_age with no open duty episode.

    Their plan, history, referrals and custody holders go with them; audit entries stay (they
    name the youth only by a pseudonymous key). The list shows id, age and registration date,
    never CPR or name. The purge is audited. It cannot be undone, so on a terminal it asks
    first; elsewhere (cron) it needs --yes. Who is due is decided on the real date, never on
    --today; only --dry-run follows --today (a preview of another day).

    Example:
        kui retention purge --dry-run
        kui retention purge --yes
    """
    from kui_cli.domain import profile
    from kui_cli.domain.protection import retention

    if not dry_run and not yes:
        _confirm(ctx)
    with invocation.session(ctx) as (session, actor):
        rows = retention.purge(session, actor, profile.current(session), dry_run=dry_run)
    render.listing(
        rows,
        fmt,
        columns=retention.COLUMNS,
        view=render.View.of(wide, pick, fields),
    )
    render.message(_purged(len(rows), dry_run, rows[0]["action"] if rows else None))


def _purged(count: int, dry_run: bool, mode: str | None) -> str:
    """The closing line, one whole sentence per mode (`delete`, `anonymise`; None: nobody)."""
    if mode == "delete" and dry_run:
        said = n_("{n} youth would be deleted.", "{n} youths would be deleted.", count)
    elif mode == "delete":
        said = n_("{n} youth was deleted.", "{n} youths were deleted.", count)
    elif mode == "anonymise" and dry_run:
        said = n_("{n} youth would be anonymised.", "{n} youths would be anonymised.", count)
    elif mode == "anonymise":
        said = n_("{n} youth was anonymised.", "{n} youths were anonymised.", count)
    elif dry_run:
        said = n_("{n} youth would be removed.", "{n} youths would be removed.", count)
    else:
        said = n_("{n} youth was removed.", "{n} youths were removed.", count)
    return said.format(n=count)


def _confirm(ctx: typer.Context) -> None:
    """Ask before a purge that nobody confirmed with --yes; refuse where nobody can answer.

    The question is asked outside any transaction: the database is not locked while a person
    reads it. The purge then removes whoever is due when it runs."""
    from kui_cli.domain import profile
    from kui_cli.domain.protection import retention

    if not invocation.interactive():
        raise KuiError(
            _(
                "retention purge deletes youths for good: give --yes to confirm "
                "(or --dry-run to see who is due)"
            )
        )
    with invocation.session(ctx) as (session, actor):
        count, mode = retention.pending(session, actor, profile.current(session))
    if not count:
        return
    if mode == "anonymise":
        question = n_(
            "Anonymise {n} youth past the retention age? This cannot be undone.",
            "Anonymise {n} youths past the retention age? This cannot be undone.",
            count,
        )
    else:
        question = n_(
            "Delete {n} youth past the retention age? This cannot be undone.",
            "Delete {n} youths past the retention age? This cannot be undone.",
            count,
        )
    if not typer.confirm(question.format(n=count), err=True):
        raise KuiError(_("purge cancelled: no youth was removed"))
