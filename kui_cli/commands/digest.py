"""`kui digest`: every staff member's own day, to them only (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render


def digest(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Folder: one private file per staff member, INITIALS.md.",
            parser=invocation.output_folder,
            metavar="DIR",
        ),
    ] = None,
    smtp: Annotated[
        str | None,
        typer.Option(help="Send by SMTP, HOST[:PORT], to each staff member with an e-mail."),
    ] = None,
    sender: Annotated[str | None, typer.Option("--from", help="The From address (--smtp).")] = None,
    days: Annotated[int, typer.Option(help="Horizon: days ahead of --today.")] = 7,
) -> None:
    """Write or send each active staff member their `kui today` in Danish (a digest).

    Youths are named by initials, age and id, never by CPR number or name; each digest goes to
    its own staff member only, and each is audited. STARTTLS and the SMTP login come from the
    profile (`digest.starttls`, `digest.login_user`), the password from KUI_SMTP_PASSWORD.
    For the scheduled job's account (role system) and the roles in privacy.admin_roles.

    Example:
        kui --user CRON digest --out /srv/kui/digests
        kui --user CRON digest --smtp mail.kommune.dk:587 --from kui@kommune.dk
    """
    from kui_cli.domain import files, mail, profile
    from kui_cli.domain.plan import digest as domain
    from kui_cli.render import digest as document

    if out is None and smtp is None:
        raise typer.BadParameter("give --out DIR, --smtp HOST[:PORT], or both")
    if (smtp is None) != (sender is None):
        raise typer.BadParameter("--smtp and --from go together", param_hint="--from")
    with invocation.session(ctx) as (session, actor):
        prof = profile.current(session)
        server = None
        if smtp is not None:
            server = mail.server(
                smtp, prof.value("digest.starttls"), prof.value("digest.login_user")
            )
        found = domain.compose(session, actor, prof, days)
        if out is not None:
            for each in found:
                files.write_private(out / each.file_name, document.markdown(each.worklist))
                domain.record(session, actor, each, "print", each.file_name)
        if server is not None and sender is not None:
            chosen = domain.sendable(found)
            with mail.connection(server) as connection:
                for each in chosen:
                    text = document.markdown(each.worklist)
                    subject = document.subject(each.worklist)
                    assert each.email is not None
                    mail.send(connection, mail.message(sender, each.email, subject, text))
                    domain.record(session, actor, each, "send", "mail")
    if out is not None:
        render.message(f"Wrote {len(found)} digests to {out}.")
    if smtp is not None:
        render.message(f"Sent {len(chosen)} digests by {smtp}.")
