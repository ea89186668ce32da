"""`kui contact`: contacts with a young person, reached or not (kontakt, opsøgende indsats)."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.commands.duty import On
from kui_cli.commands.youth import YouthRef
from kui_cli.errors import KuiError
from kui_cli.invocation import FormatOption
from kui_cli.render import Format
from kui_cli.render.i18n import _
from kui_cli.state import optional_date

app = typer.Typer(help="Contacts with a youth (kontakt, opsøgende indsats): reached or not.")

CHANNELS = "phone, sms, mail, meeting, home-visit, letter or other"


@app.command("add")
def add(
    ctx: typer.Context,
    youth: YouthRef,
    channel: Annotated[str, typer.Option(help=f"How: {CHANNELS}.", show_default=False)],
    reached: Annotated[
        str, typer.Option(help="yes: the youth was reached; no: an attempt.", show_default=False)
    ],
    on: On = None,
    note: Annotated[str | None, typer.Option(help="A short note (no CPR number).")] = None,
) -> None:
    """Record a contact with a youth, or an attempt at one (audited).

    A reached contact with a 15-17-year-old out of activity is also the education obligation's
    contact step (as `kui duty contact`). Contacts are not plan changes: they do not reach the
    plan owner's inbox.

    Example:
        kui contact add 42 --channel phone --reached no --note "Ingen svar, ringer igen fredag"
    """
    from kui_cli.domain.plan import contacts

    answer = reached.strip().lower()
    if answer not in ("yes", "no"):
        raise KuiError(_("--reached must be yes or no, got {value}").format(value=repr(reached)))
    day = optional_date(on, "--on")
    with invocation.session(ctx) as (session, actor):
        done = contacts.add(session, actor, youth, channel, answer == "yes", day, note)
    contact = done.contact
    recorded = _("Contact {id} recorded on {date}.")
    render.message(recorded.format(id=contact.id, date=contact.contacted_on))
    if done.episode is not None:
        step = _("Education obligation: contact step recorded; offer due {date}.")
        render.message(step.format(date=done.episode.offer_deadline))


@app.command("list")
def list_(
    ctx: typer.Context,
    youth: Annotated[
        str | None,
        typer.Argument(
            metavar="YOUTH",
            help="The youth's id or CPR number (leave out with --mine: all your contacts).",
            show_default=False,
        ),
    ] = None,
    mine: Annotated[bool, typer.Option("--mine", help="Only the contacts you made.")] = False,
    since: Annotated[str | None, typer.Option(help="Only contacts on or after YYYY-MM-DD.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """List contacts, newest first: a youth's, or with --mine your own (audited).

    Example:
        kui contact list 42 --since 2026-10-01
        kui contact list --mine --format json
    """
    from kui_cli.domain.plan import contacts

    if youth is None and not mine:
        raise KuiError(_("give a YOUTH, or --mine for the contacts you made"))
    day = optional_date(since, "--since")
    with invocation.session(ctx) as (session, actor):
        if youth is None:
            rows = contacts.of_actor(session, actor, day)
        else:
            rows = contacts.for_youth(session, actor, youth, mine=mine, since=day)
    render.listing(rows, fmt, columns=contacts.COLUMNS)
