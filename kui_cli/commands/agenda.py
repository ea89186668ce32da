"""`kui agenda`: referrals (indstillinger), agendas, decisions and minutes (referater).

What is printed for circulation is in Danish and names youths by initials, age and id: never by
CPR number, and by full name only in the chair's own copy (`--names`, audited).
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any

import typer

from kui_cli import invocation, render
from kui_cli.errors import KuiError
from kui_cli.invocation import ColumnsOption, WideOption, output_folder
from kui_cli.render.i18n import _, n_

app = typer.Typer(help="Agendas (dagsordener): refer youths, show, decide, minutes, cron.")


class AgendaFormat(enum.StrEnum):
    table = "table"
    markdown = "markdown"
    html = "html"
    json = "json"


AgendaFormatOption = Annotated[
    AgendaFormat,
    typer.Option("--format", "-f", help="Output: table, markdown, html (Danish) or json."),
]
Names = Annotated[bool, typer.Option("--names", help="Full names: the chair's own copy (audited).")]
COLUMNS = ["id", "kind", "youth_id", "initials", "age", "circulated", "text"]


@app.command("add")
def add(
    ctx: typer.Context,
    youth: Annotated[str, typer.Argument(help="The youth's id or CPR.", show_default=False)],
    team: Annotated[str, typer.Option(help="The team's slug, e.g. team-2.", show_default=False)],
    reason: Annotated[
        str, typer.Option(help="Why the team should discuss the youth.", show_default=False)
    ],
    meeting: Annotated[
        int | None, typer.Option(help="This meeting instead of the team's next.")
    ] = None,
    leader: Annotated[
        str | None, typer.Option(help="The leader putting the case on (Ishøj ledersparring).")
    ] = None,
    consulted: Annotated[
        bool,
        typer.Option("--consulted", help="Discussed with colleagues and your own leader first."),
    ] = False,
) -> None:
    """Refer a youth to a team (indstilling): they go on the team's next meeting.

    The next meeting is the first one not cancelled and not past on --today. A youth outside the
    team's target group is refused; so is a referral without the profile's preconditions (Ishøj's
    leader sparring: --leader with role leader, and --consulted).

    Example:
        kui agenda add 42 --team team-2 --reason "Stopped at EUD, needs more than UU"
        kui agenda add 42 --team leader-sparring --reason "Bevillingsbehov" --leader LK --consulted
    """
    from kui_cli.domain import profile
    from kui_cli.domain.meetings import referrals

    new = referrals.NewReferral(youth, team, reason, meeting, leader, consulted)
    with invocation.session(ctx) as (session, actor):
        referral = referrals.add(session, actor, profile.current(session), new)
    referred = _("Referred to {team}: item {item} on meeting {meeting}.")
    render.message(referred.format(team=team, item=referral.id, meeting=referral.meeting_id))
    print(referral.id)


@app.command("show")
def show(
    ctx: typer.Context,
    meeting: Annotated[int | None, typer.Option(help="The meeting's id.")] = None,
    team: Annotated[str | None, typer.Option(help="The team's slug (with --next).")] = None,
    next_: Annotated[bool, typer.Option("--next", help="The team's next meeting.")] = False,
    names: Names = False,
    fmt: AgendaFormatOption = AgendaFormat.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
) -> None:
    """Show a meeting's agenda (dagsorden): fixed items, referrals, carried-over items.

    Markdown and html are the Danish versions for circulation; json is for scripts. An item is
    known by its referral id (the number `agenda decide` takes) or the youth's id, the same for
    every reader; items about youths you may not see are counted, not shown ("hidden"), and your
    own youths that are not referred to the team come apart ("circulated": false).

    Example:
        kui agenda show --team team-2 --next --format markdown
        kui agenda show --meeting 42 --format html > dagsorden.html
    """
    view = _view(fmt, wide, pick)
    doc = _document(ctx, meeting, team, next_, names, minutes=False)
    _print(doc, fmt, view, minutes=False)


@app.command("minutes")
def minutes(
    ctx: typer.Context,
    meeting: Annotated[int, typer.Argument(help="The meeting's id.", show_default=False)],
    names: Names = False,
    fmt: AgendaFormatOption = AgendaFormat.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
) -> None:
    """Print a meeting's minutes (referat): the agenda with the team's decisions.

    The same privacy rules as the agenda: initials, age and id; full names only with --names.

    Example:
        kui agenda minutes 42 --format markdown
    """
    view = _view(fmt, wide, pick)
    _print(_document(ctx, meeting, None, False, names, minutes=True), fmt, view, minutes=True)


def _view(fmt: AgendaFormat, wide: bool, pick: str | None) -> render.View:
    """`--wide` and `--columns` are for the table: the documents and JSON are whole. Checked
    before the document is built (and audited)."""
    if fmt is not AgendaFormat.table and (wide or pick is not None):
        raise KuiError(_("--columns and --wide are for --format table: the documents are whole"))
    return render.View.of(wide, pick)


def _document(
    ctx: typer.Context,
    meeting: int | None,
    team: str | None,
    next_: bool,
    names: bool,
    minutes: bool,
) -> dict[str, Any]:
    from kui_cli.domain import profile
    from kui_cli.domain.meetings import agendas, meetings

    if (meeting is None) == (team is None) or (team is not None) != next_:
        raise KuiError(_("give either --meeting ID or --team TEAM --next"))
    options = agendas.Options(names=names, minutes=minutes)
    with invocation.session(ctx) as (session, actor):
        loaded = profile.current(session)
        if team is not None:
            return agendas.for_team(session, actor, loaded, team, options)
        found = meetings.find(session, meeting)  # type: ignore[arg-type]
        return agendas.build(session, actor, loaded, found, options)


def _print(doc: dict[str, Any], fmt: AgendaFormat, view: render.View, *, minutes: bool) -> None:
    from kui_cli.render import agenda as render_agenda

    if fmt is AgendaFormat.json:
        print(render.to_json(render_agenda.for_scripts(doc)))
    elif fmt is AgendaFormat.markdown:
        print(render_agenda.markdown(doc, minutes), end="")
    elif fmt is AgendaFormat.html:
        print(render_agenda.to_html(doc, minutes), end="")
    else:
        named = any("name" in item for item in doc["items"])
        columns = COLUMNS[:4] + (["name"] if named else []) + COLUMNS[4:]
        columns += ["outcome"] if minutes else []
        title = render_agenda.table_title(doc, minutes)
        rows = render_agenda.rows(doc)
        render.listing(rows, "table", columns=columns, title=title, view=view)
        left_out = render_agenda.left_out(doc)
        if left_out:
            render.message(left_out)


@app.command("decide")
def decide(
    ctx: typer.Context,
    item: Annotated[int, typer.Argument(help="The item's id (indstilling nr.).")],
    outcome: Annotated[str, typer.Option(help="What the team decided.", show_default=False)],
    need: Annotated[
        str | None, typer.Option(help="Set the youth's need A, B or C (logged as a change).")
    ] = None,
    coordinator: Annotated[
        str | None,
        typer.Option(help="Assign a coordinator (uddannelseskoordinator / ungeguide / tovholder)."),
    ] = None,
    consent: Annotated[
        str, typer.Option(help="The youth's consent: accepted, declined or pending.")
    ] = "pending",
) -> None:
    """Record the team's decision on an item (referral or carried over), at or after the meeting.

    A need or a coordinator given here goes through the same rules and change log as `kui youth
    update` and `kui coordinator assign`; the consent defaults to pending, since the young person
    is asked after the meeting.

    Example:
        kui agenda decide 17 --outcome "Flerfaglig indsats" --need C --coordinator AB
    """
    from kui_cli.domain.meetings import referrals

    if consent != "pending" and coordinator is None:
        raise KuiError(_("--consent goes with --coordinator"))
    decision = referrals.Decision(
        outcome=outcome, need=need, coordinator=coordinator, consent=consent
    )
    with invocation.session(ctx) as (session, actor):
        referrals.decide(session, actor, item, decision)
    render.message(_("Recorded the decision on item {item}.").format(item=item))


@app.command("withdraw")
def withdraw(
    ctx: typer.Context,
    item: Annotated[int, typer.Argument(help="The item's id (indstilling nr.).")],
    reason: Annotated[str, typer.Option(help="Why (required).", show_default=False)],
) -> None:
    """Take a referral off the agenda before its meeting (the youth started school, the family
    said no): the youth's history keeps the referral and why it was withdrawn. From the
    meeting's day on the item is the team's to decide (`kui agenda decide`).

    Example:
        kui agenda withdraw 17 --reason "Er startet på EUD"
    """
    from kui_cli.domain.meetings import referrals

    with invocation.session(ctx) as (session, actor):
        referrals.withdraw(session, actor, item, reason)
    render.message(_("Withdrew item {item}.").format(item=item))


@app.command("generate")
def generate(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="Meetings in the next N days (0-92).")] = 14,
    out: Annotated[
        Path, typer.Option(help="Folder for the agenda files.", parser=output_folder)
    ] = Path("."),
) -> None:
    """Cron: generate the meetings, then write each agenda of the next N days as .md and .html.

    Each file is the agenda circulated to the team: what every member may see (the fixed items,
    the youths referred to the team and the automatic items about them), whoever runs the job.
    Only the roles in the profile's agenda.generate_roles may run it: register the cron account
    as staff with role system. Files are named DATE_TEAM_ID.md/.html and replaced atomically
    (temporary file + rename); a file whose content has not changed is left untouched, so
    re-running is harmless.

    The agendas are built in a read that holds no lock, so other commands work meanwhile; each
    agenda's audit entries are then committed in short transactions, just before its files are
    written. A run that fails stops there: the agendas before it are written and logged, none
    after it.

    Example:
        kui agenda generate --days 14 --out /srv/kui/dagsordener
    """
    from kui_cli import db
    from kui_cli.domain import profile
    from kui_cli.domain.meetings import agendas

    written = 0
    with invocation.session(ctx) as (session, actor):
        due = agendas.due(session, actor, days)
        session.commit()
        db.begin_read(session)
        docs = agendas.circulated(session, actor, profile.current(session), due)
        session.commit()
        for composed in docs:
            for batch in agendas.batches(composed):
                agendas.record(session, actor, batch)
                session.commit()  # the entries before the files: a written agenda is logged
            written += _write_agenda(out, composed.doc)
    files = n_("{n} file written", "{n} files written", written).format(n=written)
    made = n_(
        "{n} agenda in {folder}: {files}, the rest unchanged.",
        "{n} agendas in {folder}: {files}, the rest unchanged.",
        len(docs),
    )
    render.message(made.format(n=len(docs), folder=out, files=files))


def _write_agenda(out: Path, doc: dict[str, Any]) -> int:
    """Write one agenda as .md and .html, removing its files of an earlier day (a moved
    meeting); returns how many files were written (unchanged ones are left alone)."""
    from kui_cli.render import agenda as render_agenda

    meeting = doc["meeting"]
    stem = f"{meeting['starts_at']:%Y-%m-%d}_{meeting['team']}_{meeting['id']}"
    written = 0
    for suffix, text in (
        (".md", render_agenda.markdown(doc)),
        (".html", render_agenda.to_html(doc)),
    ):
        for stale in out.glob(f"*_{meeting['team']}_{meeting['id']}{suffix}"):
            if stale.name != stem + suffix:  # the meeting was moved to another day
                stale.unlink()
        written += render_agenda.write_if_changed(out / (stem + suffix), text)
    return written
