"""`kui meeting`: meeting series (RFC 5545 rules), generation, cancel/move, calendar export."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption, output_file
from kui_cli.render import Format
from kui_cli.render.i18n import _, n_
from kui_cli.render.tables import Layout
from kui_cli.state import parse_date

app = typer.Typer(help="Meetings (møder): schedule, generate, list, cancel, move, ics.")

MeetingRef = Annotated[int, typer.Argument(help="The meeting's id.", show_default=False)]
TeamRef = Annotated[str, typer.Argument(help="The team's slug, e.g. team-2.", show_default=False)]
COLUMNS = ["id", "team", "starts_at", "ends_at", "place", "status", "holiday", "organiser", "note"]
# When it starts, for whom, and whether it is still on; where and until when come after.
LIST_LAYOUT = Layout(priority=("id", "starts_at", "team", "status", "holiday", "place"))


def _warn_of_holidays(on_holidays: list[dict[str, object]]) -> None:
    for meeting in on_holidays:
        warning = _("meeting {id} ({team}) on {start} falls on a holiday or closing day: {holiday}")
        render.warning(
            warning.format(
                id=meeting["id"],
                team=meeting["team"],
                start=f"{meeting['starts_at']:%Y-%m-%d %H:%M}",
                holiday=meeting["holiday"],
            )
        )


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    team: TeamRef,
    rule: Annotated[
        str, typer.Option(help="RFC 5545 RRULE, e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=WE.")
    ],
    start: Annotated[
        str, typer.Option(help="First meeting, local time YYYY-MM-DDTHH:MM.", show_default=False)
    ],
    duration: Annotated[int, typer.Option(help="Length in minutes.")] = 90,
    place: Annotated[str | None, typer.Option(help="Place (default: the team's).")] = None,
) -> None:
    """Add a meeting series (mødefrekvens) to a team and generate its coming meetings.

    Times are local wall-clock time in Europe/Copenhagen. A time the clock skips when summer
    time begins is refused; a time that occurs twice when it ends is the first (summer time).
    A new meeting on a public holiday or closing day is created and warned of.

    Example:
        kui meeting schedule team-2 --rule "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE" \\
            --start 2026-12-02T09:00
    """
    import datetime as dt

    from kui_cli.domain.meetings import meetings, recurrence

    begin = recurrence.parse_start(start)
    with invocation.session(ctx) as (session, actor):
        series = meetings.schedule(session, actor, team, rule, begin, duration, place)
        horizon = actor.today + dt.timedelta(days=meetings.DEFAULT_HORIZON_DAYS)
        made = meetings.generate(session, actor, horizon, [series.team_id])
        on_holidays = meetings.on_holidays(session, made)
    scheduled = n_(
        "Scheduled series {id} for {team}; {n} meeting up to {date}.",
        "Scheduled series {id} for {team}; {n} meetings up to {date}.",
        len(made),
    )
    render.message(scheduled.format(id=series.id, team=team, n=len(made), date=horizon))
    _warn_of_holidays(on_holidays)
    print(series.id)


@app.command("generate")
def generate(
    ctx: typer.Context,
    until: Annotated[
        str | None, typer.Option(help="Horizon YYYY-MM-DD (default: 90 days ahead).")
    ] = None,
) -> None:
    """Create every series' meetings up to the horizon; idempotent, safe from cron.

    Running it again, or from two processes at once, creates each meeting once; a cancelled or
    moved meeting is never created again. A new meeting on a public holiday or closing day
    (calendar.extra_closing_days) is created as the rule says and warned of, one line each.

    Example:
        kui meeting generate --until 2027-06-30
    """
    import datetime as dt

    from kui_cli.domain.meetings import meetings

    with invocation.session(ctx) as (session, actor):
        default = actor.today + dt.timedelta(days=meetings.DEFAULT_HORIZON_DAYS)
        horizon = parse_date(until, "--until") if until else default
        made = meetings.generate(session, actor, horizon)
        on_holidays = meetings.on_holidays(session, made)
    made_up_to = n_("{n} new meeting up to {date}.", "{n} new meetings up to {date}.", len(made))
    render.message(made_up_to.format(n=len(made), date=horizon))
    _warn_of_holidays(on_holidays)


@app.command("list")
def list_(
    ctx: typer.Context,
    team: Annotated[str | None, typer.Option(help="Only this team's meetings.")] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="From YYYY-MM-DD (default: --today).")
    ] = None,
    to: Annotated[str | None, typer.Option(help="To YYYY-MM-DD, included.")] = None,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """List meetings in time order (local wall-clock time, Europe/Copenhagen).

    `holiday` names the public holiday or closing day a meeting falls on.

    Example:
        kui meeting list --team team-2 --from 2026-12-01 --to 2027-02-28 --format json
    """
    from kui_cli.domain.meetings import meetings

    with invocation.session(ctx) as (session, actor):
        start = parse_date(from_, "--from") if from_ else actor.today
        end = parse_date(to, "--to") if to else None
        rows = meetings.listing(session, team, start, end)
    render.listing(
        rows,
        fmt,
        columns=COLUMNS,
        layout=LIST_LAYOUT,
        noun="meetings",
        view=render.View.of(wide, pick, fields),
    )


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    meeting: MeetingRef,
    reason: Annotated[str, typer.Option(help="Why (shown on the agenda).", show_default=False)],
) -> None:
    """Cancel one meeting (aflys); the series goes on and regeneration will not recreate it.

    Example:
        kui meeting cancel 42 --reason "Juleferie"
    """
    from kui_cli.domain.meetings import meetings

    with invocation.session(ctx) as (session, actor):
        meetings.cancel(session, actor, meeting, reason)
    render.message(_("Cancelled meeting {id}.").format(id=meeting))


@app.command("move")
def move(
    ctx: typer.Context,
    meeting: MeetingRef,
    to: Annotated[
        str, typer.Option(help="New start, local time YYYY-MM-DDTHH:MM.", show_default=False)
    ],
) -> None:
    """Move one meeting to another time (same length); the series goes on unchanged.

    A time the clock skips when summer time begins is refused; a time that occurs twice when
    it ends is the first (summer time).

    Example:
        kui meeting move 42 --to 2026-12-10T13:00
    """
    from kui_cli.domain.meetings import meetings, recurrence

    when = recurrence.parse_start(to, "--to")
    with invocation.session(ctx) as (session, actor):
        meetings.move(session, actor, meeting, when)
    render.message(
        _("Moved meeting {id} to {start}.").format(id=meeting, start=f"{when:%Y-%m-%d %H:%M}")
    )


@app.command("ics")
def ics(
    ctx: typer.Context,
    team: TeamRef,
    out: Annotated[
        Path | None, typer.Option(help="Write to this file (default: stdout).", parser=output_file)
    ] = None,
) -> None:
    """Export a team's meetings as an iCalendar (.ics) file, TZID Europe/Copenhagen.

    The past as kui holds it (the meetings `meeting list` shows), the series' rules ahead; a
    cancelled meeting is left out, a moved one at its new time. A team without a meeting series
    is refused; one whose series have ended gets a calendar without events.

    Example:
        kui meeting ics team-2 --out team-2.ics
    """
    from kui_cli.domain import files
    from kui_cli.domain.meetings import ics as calendar_file

    with invocation.session(ctx) as (session, actor):
        data = calendar_file.export(session, team, actor.today).decode("utf-8")
    if out is None:
        sys.stdout.write(data)
        return
    files.write_private(out, data)
    render.message(_("Wrote {file}.").format(file=out))
