"""`kui today`: the acting user's worklist (issue 16)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import FormatOption
from kui_cli.render import Format


def today(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="Horizon: days ahead of --today.")] = 7,
    team: Annotated[
        str | None, typer.Option(help="Every member of this team (see-all roles only).")
    ] = None,
    everyone: Annotated[
        bool, typer.Option("--all", help="Every active staff member (see-all roles only).")
    ] = False,
    fail_if_any: Annotated[
        bool, typer.Option("--fail-if-any", help="Exit 1 when there is any item (scripts).")
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Your day: what is overdue or due about the young people you work on, most urgent first.

    Plan changes to acknowledge, education-obligation steps, consents awaited, goals,
    agreements and efforts that end, birthdays that change group, youths not reached for too
    long or at risk of drop-out, and your teams' meetings with your youths on each agenda.
    Every line names the command that deals with it. Reading it is audited.

    Example:
        kui --user AB today --days 14
        kui --user AB today --format json --fail-if-any
    """
    from kui_cli.domain import profile
    from kui_cli.domain.plan import today as domain
    from kui_cli.render import today as shown

    with invocation.session(ctx) as (session, actor):
        found = domain.worklist(session, actor, profile.current(session), days, team, everyone)
    if fmt is Format.json:
        render.listing(shown.records(found), fmt, columns=shown.FIELDS)
    elif fmt is Format.table and not render.plain_output():
        shown.table(found, sys.stdout)
    else:
        render.listing(shown.rows(found), fmt, columns=shown.COLUMNS)
    if fail_if_any and found.items:
        raise typer.Exit(1)
