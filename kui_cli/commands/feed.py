"""`kui feed`: the status feed from the national youth database (Ungedatabasen, issue 18)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import FormatOption
from kui_cli.render import Format

app = typer.Typer(help="The status feed: events about young people, taken in by themselves.")


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

    try:
        with invocation.session(ctx) as (session, actor):
            summary = feed.apply_file(
                session, actor, file, source=source, dry_run=dry_run, encoding=encoding
            )
    except feed.FeedRejected as exc:
        for bad in exc.bad:
            print(f"{file}: line {bad.line}: {bad.reason}", file=sys.stderr)
        raise
    record = summary.as_record()
    if fmt is not Format.json and not dry_run:
        record.pop("changes")
    title = f"Feed {file.name}" + (" (dry run: nothing changed)" if dry_run else "")
    render.record(record, fmt, title=title)
