"""`kui feed`: facts that flow between kui and the national youth database (Ungedatabasen,
issue 18): its status feed in (`apply`), the municipality's own monthly report out (`report`)."""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import FormatOption, output_file
from kui_cli.render import Format
from kui_cli.render.i18n import _, n_

app = typer.Typer(help="Facts to and from the national youth database (Ungedatabasen).")


@app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[
        Path,
        typer.Argument(help="Feed file: CSV or JSON lines.", show_default=False),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print what would change, per youth; change nothing.")
    ] = False,
    source: Annotated[
        str | None, typer.Option(help="The source of lines without a source field.")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="The file's encoding (default: UTF-8 or Windows-1252, detected)."),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Apply a feed of events (started, dropped-out, completed, at-risk, moved-away, moved-in,
    job, benefit) by the rules of a hand-typed change: all lines or none; an event taken in
    before changes nothing; an event older than the youth's current status is superseded.

    Example:
        kui --user CRON feed apply /srv/kui/ungedata/2026-12-01.csv
    """
    from kui_cli.domain.register import feed
    from kui_cli.render.progress import progress

    try:
        with invocation.session(ctx) as (session, actor), progress() as told:
            summary = feed.apply_file(
                session,
                actor,
                file,
                source=source,
                dry_run=dry_run,
                encoding=encoding,
                progress=told,
            )
    except feed.FeedRejected as exc:
        for bad in exc.bad:
            line = _("{file}: line {line}: {reason}")
            print(line.format(file=file, line=bad.line, reason=bad.reason), file=sys.stderr)
        raise
    record = summary.as_record()
    if fmt is not Format.json and not dry_run:
        record.pop("changes")
    title = _("Feed {file} (dry run: nothing changed)") if dry_run else _("Feed {file}")
    render.record(record, fmt, title=title.format(file=file.name))


class ReportFormat(enum.StrEnum):
    csv = "csv"
    json = "json"


@app.command("report")
def report(
    ctx: typer.Context,
    month: Annotated[str, typer.Option(help="The month, YYYY-MM.", show_default=False)],
    out: Annotated[
        Path | None,
        typer.Option(help="Write to FILE (mode 0600); required.", parser=output_file),
    ] = None,
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="csv (with a header) or json.")
    ] = ReportFormat.csv,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing FILE.")] = False,
) -> None:
    """The municipality's monthly report to the national youth database (audited).

    One row per fact: `duty-contact` and `duty-offer` for every education-obligation
    (uddannelsespligt) episode active in the month (date, deadline, in_time), and `status` for
    every status change made in kui in the month (not those from a feed). Columns: month, cpr,
    event, date, deadline, in_time, out_since, status, old_status, activity, reason. The file
    holds CPR numbers: it is written only to --out, privately (mode 0600) and atomically, never
    overwritten without --force, and only by the roles in the profile's feed.report_roles.

    Example:
        kui feed report --month 2026-10 --out ungedata-2026-10.csv
    """
    from kui_cli.domain.reports import months, national
    from kui_cli.render import files

    national.required_file(out)
    period = national.reportable(months.parse_month(month, invocation.state(ctx).today))
    with files.destination(out, force=force) as target, invocation.session(ctx) as (session, actor):
        query = national.report_query(session, period)
        rows = files.write_query(session, query, fmt.value, target, period.month)
        youths = national.record_reported(session, actor, period, rows)
    facts = n_("{n} fact", "{n} facts", rows).format(n=rows)
    about = n_("{n} youth", "{n} youths", youths).format(n=youths)
    reported = _("Reported {facts} about {youths} for {month} to {file}.")
    render.message(reported.format(facts=facts, youths=about, month=period.month, file=out))
    if period.so_far:
        not_over = _("{month} is not over: reported so far, up to {date}.")
        render.warning(not_over.format(month=period.month, date=period.as_of))
