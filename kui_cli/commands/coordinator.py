"""`kui coordinator`: the one contact person (uddannelseskoordinator / ungeguide / tovholder)."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.commands.youth import YouthRef
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption
from kui_cli.render import Format
from kui_cli.render.i18n import _, n_

app = typer.Typer(
    help="Coordinator (uddannelseskoordinator, ungeguide, tovholder): one per youth, voluntary."
)


@app.command("assign")
def assign(
    ctx: typer.Context,
    youth: YouthRef,
    member: Annotated[
        str, typer.Argument(metavar="STAFF", help="Initials or id.", show_default=False)
    ],
    consent: Annotated[
        str,
        typer.Option(
            help="accepted (coordinator from today), pending (proposed, awaiting consent) or "
            "declined (the youth declines the arrangement: no coordinator, decision recorded).",
            show_default=False,
        ),
    ],
    consent_by: Annotated[
        str | None,
        typer.Option(
            help="Who decided (samtykke): youth, guardian or both. A minor's default is both; "
            "from 18 the youth alone."
        ),
    ] = None,
    note: Annotated[str | None, typer.Option(help="Note; also the change log's why.")] = None,
) -> None:
    """Assign, propose or record a declined coordinator for a youth.

    The arrangement is voluntary: the youth (with the custody holders of a minor) may decline
    it but not choose the person. Accepting ends the current coordinator in the same step;
    declining ends any coordinator or proposal. A staff member over capacity gets a warning;
    an inactive one is refused. The coordinator stays when the youth turns 18.

    Example:
        kui coordinator assign 42 AB --consent accepted --consent-by both
    """
    from kui_cli.domain.plan import coordinators

    with invocation.session(ctx) as (session, actor):
        done = coordinators.assign(session, actor, youth, member, consent, consent_by, note)
    for warning in done.warnings:
        render.warning(warning)
    by = done.assignment.consent_by
    details = _(" (consent by {by})").format(by=by) if by else ""
    if done.ended:
        details += _(" (ended: {ended})").format(ended=", ".join(done.ended))
    text = {
        "accepted": _("{initials} is now the coordinator of youth {id}{details}."),
        "pending": _("{initials} is proposed as coordinator of youth {id}{details}."),
        "declined": _("Recorded: youth {id} declined a coordinator{details}."),
    }[done.assignment.consent]
    render.message(text.format(initials=done.staff.initials, id=done.youth.id, details=details))


@app.command("end")
def end(
    ctx: typer.Context,
    youth: YouthRef,
    reason: Annotated[str, typer.Option(help="Why it ends (required).", show_default=False)],
) -> None:
    """End the youth's coordinator (or withdraw a pending proposal).

    Example:
        kui coordinator end 42 --reason "Started at EUD, no longer needs a coordinator"
    """
    from kui_cli.domain.plan import coordinators
    from kui_cli.render import history

    with invocation.session(ctx) as (session, actor):
        ended, what = coordinators.end(session, actor, youth, reason)
    render.message(_("Youth {id}: {what}.").format(id=ended.id, what=history.text(what)))


@app.command("history")
def history(
    ctx: typer.Context,
    youth: YouthRef,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """Every coordinator proposal, decision and assignment of a youth (audited).

    Example:
        kui coordinator history 42 --format json
    """
    from kui_cli.domain.plan import coordinators

    with invocation.session(ctx) as (session, actor):
        rows = coordinators.history(session, actor, youth)
    render.listing(
        rows,
        fmt,
        columns=coordinators.HISTORY_COLUMNS,
        noun="coordinator assignments",
        view=render.View.of(wide, pick, fields),
    )


@app.command("handover")
def handover(
    ctx: typer.Context,
    giver: Annotated[str, typer.Argument(metavar="FROM", help="Who hands over (initials or id).")],
    taker: Annotated[str, typer.Argument(metavar="TO", help="Who takes over (initials or id).")],
    reason: Annotated[str, typer.Option(help="Why (required).", show_default=False)],
    youth: Annotated[
        list[str] | None,
        typer.Option("--youth", help="Only this youth (id or CPR); repeat for several."),
    ] = None,
    efforts: Annotated[
        bool, typer.Option("--efforts", help="Hand over FROM's efforts that have not ended too.")
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Hand a staff member's caseload to another (administration): every open coordinator
    assignment, accepted or pending, and with --efforts their efforts, in one transaction.

    Each young person's consent is kept: they consented to the arrangement, not to a person, so
    an accepted coordinator stays accepted and a pending proposal stays pending. Each move is in
    the youth's history and so in the plan owner's inbox. Taking over past capacity is a
    warning, not a refusal. Prints what moved per youth.

    Example:
        kui coordinator handover AB GH --efforts --reason "AB går på barsel"
        kui coordinator handover AB GH --youth 42 --youth 43 --reason "Fordeling af sager"
    """
    from kui_cli.domain.plan import coordinators

    with invocation.session(ctx) as (session, actor):
        done = coordinators.handover(
            session, actor, giver, taker, reason, youth_refs=youth, efforts=efforts
        )
        giver_initials, taker_initials = done.giver.initials, done.taker.initials
    for warning in done.warnings:
        render.warning(warning)
    render.listing(done.youths, fmt, columns=coordinators.HANDOVER_COLUMNS)
    if fmt is Format.table:
        handed = n_(
            "Handed over {n} youth from {giver} to {taker}.",
            "Handed over {n} youths from {giver} to {taker}.",
            len(done.youths),
        )
        render.message(
            handed.format(n=len(done.youths), giver=giver_initials, taker=taker_initials)
        )
