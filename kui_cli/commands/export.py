"""`kui export`: management's pseudonymised monthly export (for a cron line)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import output_file
from kui_cli.render.i18n import _, n_

app = typer.Typer(help="Exports for management: pseudonymised, no CPR and no names.")


class ExportFormat(enum.StrEnum):
    csv = "csv"
    json = "json"
    xlsx = "xlsx"


@app.command("monthly")
def monthly(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.", show_default=False)],
    fmt: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="csv (with a header), json or xlsx.")
    ] = ExportFormat.csv,
    out: Annotated[
        Path | None,
        typer.Option(help="Write to FILE (mode 0600); default stdout.", parser=output_file),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing FILE.")] = False,
) -> None:
    """One pseudonymised row per youth in KUI during the month (audited).

    Columns: export_key (the same for a youth every month; no CPR, no name), birth_year,
    age_group, need, status (at month end), coordinator, team, plan_owner, plan_changes,
    unacknowledged, deadlines_met, deadlines_missed (education obligation, uddannelsespligt),
    transitions, and as_of, so_far: a month that is not over is exported "so far", up to --today,
    and flagged. The file is written atomically and never overwritten without --force.

    Example:
        kui export monthly --month 2026-10 --format xlsx --out kui-2026-10.xlsx
    """
    from kui_cli.domain import profile
    from kui_cli.domain.protection import audit
    from kui_cli.domain.reports import export, months
    from kui_cli.render import files
    from kui_cli.render.progress import progress

    period = months.parse_month(month, invocation.state(ctx).today)
    sheet = _("{month} so far").format(month=period.month) if period.so_far else period.month
    with (
        files.destination(out, force=force) as target,
        invocation.session(ctx) as (session, actor),
        progress() as told,
    ):
        query = export.monthly_query(session, period, profile.current(session))
        count = files.write_query(session, query, fmt.value, target, sheet, told)
        audit.record(session, actor, "export", filters={"month": period.month}, rows=count)
    if out:
        exported = n_(
            "Exported {n} youth for {month} to {file}.",
            "Exported {n} youths for {month} to {file}.",
            count,
        )
        render.message(exported.format(n=count, month=period.month, file=out))
    if period.so_far:
        not_over = _("{month} is not over: exported so far, up to {date}.")
        render.warning(not_over.format(month=period.month, date=period.as_of))
