"""`kui report`: management's figures (overview, application shares, the 2030 targets)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from kui_cli import invocation, render
from kui_cli.invocation import ColumnsOption, WideOption, output_file
from kui_cli.render.i18n import _

app = typer.Typer(help="Reports for management: counts and shares, no personal data.")


class ReportFormat(enum.StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


FormatOption = Annotated[
    ReportFormat, typer.Option("--format", "-f", help="Output: table, json or markdown.")
]


@app.command("overview")
def overview(
    ctx: typer.Context,
    month: Annotated[
        str | None, typer.Option(help="The month, YYYY-MM (default: this month so far).")
    ] = None,
    fmt: FormatOption = ReportFormat.table,
    html: Annotated[
        Path | None,
        typer.Option(
            "--html", help="Also write a one-page HTML report with charts.", parser=output_file
        ),
    ] = None,
    wide: WideOption = False,
    pick: ColumnsOption = None,
) -> None:
    """The month at a glance (månedsoverblik): groups, needs, statuses, caseloads, deadlines.

    Counts by age group, need and status at the month's end; coordinators' caseloads against
    capacity; need C without a coordinator; KUI youths without a plan owner; education-obligation
    deadlines met and the median days to contact; plan changes and the median days to the owner's
    acknowledgement; referrals per team; the 12-month trends of youths outside education and job
    and of goals achieved by the youths with need C.

    Example:
        kui report overview --month 2026-10 --html overblik-2026-10.html
    """
    from kui_cli.domain import files, profile
    from kui_cli.domain.reports import months, reports
    from kui_cli.render import overview_page
    from kui_cli.render import reports as shown

    period = months.parse_month(month, invocation.state(ctx).today)
    with invocation.session(ctx) as (session, actor):
        data = reports.overview(session, actor, profile.current(session), period)
        if html:  # inside the session: a page that cannot be written leaves no audit entry
            files.write_private(html, overview_page.overview_page(data))
    if html:
        render.message(_("Wrote {file}.").format(file=html))
    if fmt is ReportFormat.json:
        _json(data, pick)
    else:
        shown.overview(data, fmt.value, render.View.of(wide, pick))


def _json(data: dict[str, Any], pick: str | None) -> None:
    """A report's JSON, the contract: `--columns` is for its tables."""
    render.no_columns(render.View.of(columns=pick))
    print(render.to_json(data))


@app.command("applications")
def applications(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="The year the applications were recorded.")],
    fmt: FormatOption = ReportFormat.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
) -> None:
    """Application shares (søgetal) to vocational, gymnasial and other education, in percent.

    As the municipality publishes them by the end of May; below 10 % vocational (EUD/EUX) the
    municipality must make an action plan, and the report says so.

    Example:
        kui report applications --year 2026 --format markdown
    """
    from kui_cli.domain.reports import reports
    from kui_cli.render import reports as shown

    with invocation.session(ctx) as (session, actor):
        data = reports.applications(session, actor, year)
    shown.application_warnings(data)
    if fmt is ReportFormat.json:
        _json(data, pick)
    else:
        shown.applications(data, fmt.value, render.View.of(wide, pick))


@app.command("targets")
def targets(
    ctx: typer.Context,
    year: Annotated[
        int | None, typer.Option(help="Measure on 1 October of YEAR (default: the latest).")
    ] = None,
    fmt: FormatOption = ReportFormat.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
) -> None:
    """The two national 2030 targets (2030-målene) measured on 1 October.

    Share of 25-year-olds with a completed youth education (against 85 % in 2025 and 90 % in
    2030) and share of 15-24-year-olds outside education and job, NEET (5 % and 3.5 %).

    Example:
        kui report targets --year 2026
    """
    from kui_cli.domain import profile
    from kui_cli.domain.reports import reports
    from kui_cli.render import reports as shown

    with invocation.session(ctx) as (session, actor):
        data = reports.targets(session, actor, profile.current(session), year)
    if fmt is ReportFormat.json:
        _json(data, pick)
    else:
        shown.targets(data, fmt.value, render.View.of(wide, pick))
