"""`kui duty`: the education obligation (uddannelsespligt) of 15-17-year-olds out of activity."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption
from kui_cli.render import Format
from kui_cli.render.i18n import _, n_
from kui_cli.render.tables import Layout
from kui_cli.state import parse_date

app = typer.Typer(
    help="Education obligation (uddannelsespligt, 15-17): contact and offer deadlines, steps."
)

YouthRef = Annotated[str, typer.Argument(help="The youth's id or CPR number.", show_default=False)]
On = Annotated[str | None, typer.Option("--on", help="Date YYYY-MM-DD (default --today).")]


# The duty is about the deadlines: who, what is overdue, and by when; the history comes last.
CHECK_LAYOUT = Layout(
    priority=("youth_id", "name", "overdue", "contact_deadline", "offer_deadline", "out_since")
)


@app.command("check")
def check(
    ctx: typer.Context,
    fail_on_overdue: Annotated[
        bool,
        typer.Option("--fail-on-overdue", help="Exit 1 when a deadline is overdue (for scripts)."),
    ] = False,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """List every open episode (15-17-year-olds out of activity): deadlines and what is overdue.

    Sorted by the nearest deadline. A report: exit code 0, also when something is overdue,
    unless --fail-on-overdue is given (then exit 1 after the full report, with a line on stderr).

    Example:
        kui --today 2026-04-20 duty check --fail-on-overdue --format json
    """
    from kui_cli.domain.law import duty

    with invocation.session(ctx) as (session, actor):
        rows = duty.check(session, actor)
    render.listing(
        rows,
        fmt,
        columns=duty.CHECK_COLUMNS,
        layout=CHECK_LAYOUT,
        noun="open episodes",
        view=render.View.of(wide, pick, fields),
    )
    late = sum(1 for row in rows if row["overdue"])
    if fail_on_overdue and late:
        overdue = n_(
            "Overdue: {n} youth has a deadline past (uddannelsespligt).",
            "Overdue: {n} youths have a deadline past (uddannelsespligt).",
            late,
        )
        render.message(overdue.format(n=late))
        raise typer.Exit(1)


@app.command("contact")
def contact(ctx: typer.Context, youth: YouthRef, on: On = None) -> None:
    """Record the contact with a youth out of activity (due within 5 working days).

    The same record as `kui contact add YOUTH --channel other --reached yes`: it is in the
    youth's contact log too.

    Example:
        kui duty contact 42 --on 2026-04-08
    """
    from kui_cli.domain.plan import contacts

    with invocation.session(ctx) as (session, actor):
        parsed = parse_date(on, "--on") if on else None
        episode = contacts.duty_contact(session, actor, youth, parsed).episode
    assert episode is not None  # `duty_contact` refuses a youth without the step open
    recorded = _("Contact recorded on {date}; offer due {deadline}.")
    render.message(recorded.format(date=episode.contacted_on, deadline=episode.offer_deadline))


@app.command("offer")
def offer(
    ctx: typer.Context,
    youth: YouthRef,
    activity: Annotated[
        str, typer.Option(help="The activity offered (e.g. FGU, EUD).", show_default=False)
    ],
    on: On = None,
) -> None:
    """Record the new activity offered (due within 30 calendar days); records the contact too.

    Example:
        kui duty offer 42 --activity "FGU Sønderborg, basis" --on 2026-04-20
    """
    from kui_cli.domain.law import duty
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        episode = duty.record_offer(
            session,
            actor,
            youths.find(session, youth),
            activity,
            parse_date(on, "--on") if on else None,
        )
    render.message(_("Offer recorded on {date}.").format(date=episode.offered_on))


@app.command("fgu-assessment")
def fgu_assessment(
    ctx: typer.Context,
    youth: YouthRef,
    result: Annotated[
        str, typer.Option(help="Outcome of the assessment (free text).", show_default=False)
    ],
) -> None:
    """Record the FGU target-group assessment (målgruppevurdering) of a youth out of activity.

    Example:
        kui duty fgu-assessment 42 --result "i målgruppen for FGU"
    """
    from kui_cli.domain.law import duty
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        duty.record_fgu_assessment(session, actor, youths.find(session, youth), result)
    render.message(_("FGU target-group assessment recorded."))


@app.command("exempt")
def exempt(
    ctx: typer.Context,
    youth: YouthRef,
    reason: Annotated[
        str,
        typer.Option(
            help="Illness, disability or serious social problems (fritagelse).",
            show_default=False,
        ),
    ],
) -> None:
    """Exempt a youth from the education obligation; closes the open episode.

    Example:
        kui duty exempt 42 --reason "Long-term illness, documented by the GP"
    """
    from kui_cli.domain.law import duty
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        episode = duty.exempt(session, actor, youths.find(session, youth), reason)
    exempted = _("Exempted from the education obligation on {date}.")
    render.message(exempted.format(date=episode.closed_on))
