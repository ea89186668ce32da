"""`kui report`: management's figures (overview, application shares, the 2030 targets)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from kui_cli import invocation, render
from kui_cli.invocation import output_file
from kui_cli.render import labels
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
    from kui_cli.domain.reports import charts, months, reports

    period = months.parse_month(month, invocation.state(ctx).today)
    with invocation.session(ctx) as (session, actor):
        data = reports.overview(session, actor, profile.current(session), period)
        if html:  # inside the session: a page that cannot be written leaves no audit entry
            files.write_private(html, charts.overview_page(data))
    if html:
        render.message(_("Wrote {file}.").format(file=html))
    _print_overview(data, fmt)


def _print_overview(data: dict[str, Any], fmt: ReportFormat) -> None:
    if fmt is ReportFormat.json:
        print(render.to_json(data))
        return
    so_far = _("Overview {month} (so far, to {date})")
    heading = so_far if data["so_far"] else _("Overview {month}")
    figures = {
        "kui_youths": data["kui_youths"],
        "need_c_without_coordinator": data["need_c_without_coordinator"],
        "without_plan_owner": data["without_plan_owner"],
        **{f"deadlines_{k}": v for k, v in data["deadlines"].items()},
        **{f"plan_changes_{k}": v for k, v in data["plan_changes"].items()},
    }
    sections = [
        (
            heading.format(month=data["month"], date=data["to"]),
            [{"figure": labels.measure(k), "value": v} for k, v in figures.items()],
        ),
        (_("Youths by age group"), data["age_groups"]),
        (_("Youths by need and age group"), data["needs"]),
        (_("Youths by status and age group"), [r for r in data["statuses"] if r["total"]]),
        (_("Coordinators' caseloads"), data["caseloads"]),
        (_("Referrals per team"), data["referrals"]),
        (_("Outside education and job, month ends"), data["out_of_activity_trend"]),
        (_("Goals achieved by need-C youths, per month"), data["goals_achieved_need_c"]),
    ]
    for index, (title, rows) in enumerate(sections):
        if index:
            print()
        if rows:
            render.listing(rows, fmt.value, title=title)
        else:
            print(_("{title}: none").format(title=title))


@app.command("applications")
def applications(
    ctx: typer.Context,
    year: Annotated[int, typer.Option(help="The year the applications were recorded.")],
    fmt: FormatOption = ReportFormat.table,
) -> None:
    """Application shares (søgetal) to vocational, gymnasial and other education, in percent.

    As the municipality publishes them by the end of May; below 10 % vocational (EUD/EUX) the
    municipality must make an action plan, and the report says so.

    Example:
        kui report applications --year 2026 --format markdown
    """
    from kui_cli.domain.reports import reports

    with invocation.session(ctx) as (session, actor):
        data = reports.applications(session, actor, year)
    if data["applicants"] == 0:
        none = _("no applications recorded in {year} (youth update --applied)")
        render.warning(none.format(year=year))
    elif data["action_plan_required"]:
        render.warning(
            _(
                "under 10 % applied to vocational education (erhvervsuddannelse): "
                "the municipality must make an action plan (handlingsplan)"
            )
        )
    title = _("Applications {year}").format(year=year)
    if fmt is ReportFormat.json:
        print(render.to_json(data))
    elif fmt is ReportFormat.markdown:
        print(f"## {title}\n")
        for share in data["shares"]:
            shown = "–" if share["percent"] is None else share["percent"]
            print(f"- {shown} % {share['label']}")
    else:
        render.listing(data["shares"], fmt.value, title=title)


@app.command("targets")
def targets(
    ctx: typer.Context,
    year: Annotated[
        int | None, typer.Option(help="Measure on 1 October of YEAR (default: the latest).")
    ] = None,
    fmt: FormatOption = ReportFormat.table,
) -> None:
    """The two national 2030 targets (2030-målene) measured on 1 October.

    Share of 25-year-olds with a completed youth education (against 85 % in 2025 and 90 % in
    2030) and share of 15-24-year-olds outside education and job, NEET (5 % and 3.5 %).

    Example:
        kui report targets --year 2026
    """
    from kui_cli.domain import profile
    from kui_cli.domain.reports import reports

    with invocation.session(ctx) as (session, actor):
        data = reports.targets(session, actor, profile.current(session), year)
    if fmt is ReportFormat.json:
        print(render.to_json(data))
    else:
        render.listing(
            data["targets"], fmt.value, title=_("2030 targets on {date}").format(date=data["date"])
        )
