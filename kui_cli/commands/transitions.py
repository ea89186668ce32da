"""`kui transitions`: birthdays that change group, plan owner or team (18, 25, upper age)."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption
from kui_cli.render import Format


def transitions(
    ctx: typer.Context,
    within: Annotated[
        int | None,
        typer.Option(
            help="Days ahead of --today (default: the profile's agenda.handover_days, 90)."
        ),
    ] = None,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """List transitions (overgange) ahead: turns-18, turns-25 and leaves-kui (the upper age).

    At 18 the education obligation and the parents' part end and the plan owner moves from UU
    to the jobcentre (team 2 to team 3); at 25 the education plan ends.

    Example:
        kui --today 2026-11-22 transitions --within 30 --format json
    """
    from kui_cli.domain import profile
    from kui_cli.domain.law import transitions as domain

    with invocation.session(ctx) as (session, actor):
        rows = domain.listing(session, actor, profile.current(session), within)
    render.listing(
        rows,
        fmt,
        columns=domain.COLUMNS,
        noun="transitions",
        view=render.View.of(wide, pick, fields),
    )
