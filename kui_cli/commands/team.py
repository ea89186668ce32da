"""`kui team`: the municipality's teams (team 1-3, café, leader sparring) and their members."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption
from kui_cli.render import Format
from kui_cli.render.i18n import _

app = typer.Typer(help="Teams (teams, fora) of the profile: list, show, add and remove members.")
member_app = typer.Typer(help="Team members (faste og ad hoc-medlemmer).")
app.add_typer(member_app, name="member")

TeamRef = Annotated[str, typer.Argument(help="The team's slug, e.g. team-2.", show_default=False)]


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """List the teams with their target group, schedule, members and next meeting.

    Example:
        kui team list --format json
    """
    from kui_cli.domain.meetings import teams

    with invocation.session(ctx) as (session, actor):
        rows = teams.listing(session, actor.today)
    render.listing(rows, fmt, noun="teams", view=render.View.of(wide, pick, fields))


@app.command("show")
def show(ctx: typer.Context, team: TeamRef, fmt: FormatOption = Format.table) -> None:
    """Show one team: target group, fixed roles and who covers them, members, meeting series.

    Example:
        kui team show team-2
    """
    from kui_cli.domain.meetings import teams

    with invocation.session(ctx) as (session, _actor):
        record = teams.details(session, team)
    render.record(record, fmt, title=_("Team {team}").format(team=record["slug"]))


@member_app.command("add")
def member_add(
    ctx: typer.Context,
    team: TeamRef,
    staff: Annotated[str, typer.Argument(help="Staff initials or id.", show_default=False)],
    ad_hoc: Annotated[
        bool, typer.Option("--ad-hoc", help="An ad hoc member (any role), not a fixed one.")
    ] = False,
) -> None:
    """Add a staff member to a team: fixed (one of the team's roles) or ad hoc.

    Example:
        kui team member add team-2 AB
        kui team member add team-2 MK --ad-hoc
    """
    from kui_cli.domain.meetings import teams

    with invocation.session(ctx) as (session, actor):
        teams.add_member(session, actor, team, staff, ad_hoc)
    added = (
        _("Added {staff} to {team} (ad hoc).") if ad_hoc else _("Added {staff} to {team} (fixed).")
    )
    render.message(added.format(staff=staff.upper(), team=team))


@member_app.command("remove")
def member_remove(
    ctx: typer.Context,
    team: TeamRef,
    staff: Annotated[str, typer.Argument(help="Staff initials or id.", show_default=False)],
) -> None:
    """Take a staff member off a team (administration, audited): they no longer see the youths
    referred to it. A fixed role left without a fixed member is named in a warning.

    Example:
        kui team member remove team-2 AB
    """
    from kui_cli.domain.meetings import teams

    with invocation.session(ctx) as (session, actor):
        warnings = teams.remove_member(session, actor, team, staff)
    for warning in warnings:
        render.warning(warning)
    render.message(_("Removed {staff} from {team}.").format(staff=staff.upper(), team=team))
