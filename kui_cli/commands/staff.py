"""`kui staff`: the professionals (fagpersoner) who work with the youths."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import FormatOption
from kui_cli.render import Format

app = typer.Typer(help="Staff (fagpersoner): UU counsellors, jobcentre advisers, social workers...")


@app.command("add")
def add(
    ctx: typer.Context,
    initials: Annotated[str, typer.Option(help="Unique initials, e.g. AB.", show_default=False)],
    name: Annotated[str, typer.Option(help="Full name.", show_default=False)],
    role: Annotated[
        str,
        typer.Option(
            help="uu, jobcenter, social, ppr, health, mentor, leader or other.", show_default=False
        ),
    ],
    department: Annotated[
        str, typer.Option(help="Centre or department (afdeling).", show_default=False)
    ],
    capacity: Annotated[
        int | None, typer.Option(help="Max youths as coordinator (caseload).")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Phone.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail.")] = None,
) -> None:
    """Register a staff member (fagperson).

    Example:
        kui staff add --initials AB --name "Anne Berg" --role uu --department "UU Sønderborg"
    """
    from kui_cli.domain import staff

    new = staff.NewStaff(initials, name, role, department, capacity, phone, email)
    with invocation.session(ctx) as (session, actor):
        member = staff.add(session, actor, new)
    render.message(f"Added staff member {member.initials}.")


@app.command("list")
def list_(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """List the staff members.

    Example:
        kui staff list --format json
    """
    from kui_cli.domain import staff

    with invocation.session(ctx) as (session, _actor):
        rows = [staff.as_record(m) for m in staff.all_staff(session)]
    render.listing(rows, fmt)
