"""`kui demo`: a synthetic municipality to try kui on."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import FormatOption
from kui_cli.render import Format
from kui_cli.render.i18n import _, n_


def demo(
    ctx: typer.Context,
    youths: Annotated[
        int | None,
        typer.Option(help="Number of youths (default: Sønderborg's 12,845 of April 2019)."),
    ] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """Build (or rebuild) a demo database with synthetic youths and print a summary.

    The composition reproduces Sønderborg's published figures of April 2019 (seed 002). The
    Sønderborg teams get synthetic members, the next quarter's meetings and a few referrals, and
    team 2's next agenda is printed after the summary. A database that is not a demo database is
    never touched.

    Example:
        kui --db demo.db demo
    """
    from kui_cli import db
    from kui_cli.domain import demo as demos
    from kui_cli.domain import demo_cases, profile, settings
    from kui_cli.domain.meetings import agendas
    from kui_cli.render import agenda as render_agenda

    url = invocation.state(ctx).db_url
    invocation.make_private(url)  # another program's database is refused before it is opened
    engine = db.get_engine(url, create=True)
    if db.current_revision(engine) is not None:
        with invocation.session(ctx) as (session, _actor):
            demos.ensure_demo_database(session)
    db.upgrade(url)
    with invocation.session(ctx) as (session, actor):
        settings.ensure_subject_secret(session)
        soenderborg = profile.read_profile(profile.DEFAULT_PROFILE)
        profile.save(session, actor, soenderborg)
        count = demos.build(session, actor, youths)
        rows = demos.summary(session, actor.today, soenderborg.upper_age)
        referred = demos.build_teams(session, actor, soenderborg)
        cases = demo_cases.build(session, actor)
        agenda = agendas.for_team(session, actor, soenderborg, "team-2", agendas.Options())
    built = n_(
        "Demo database {url}: {n} synthetic youth on {date}.",
        "Demo database {url}: {n} synthetic youths on {date}.",
        count,
    )
    render.message(built.format(url=db.redact(url), n=count, date=actor.today))
    title = _("Youths by age group and status (seed 002: Sønderborg, April 2019)")
    render.listing(rows, fmt, title=title)
    teams = n_(
        "Teams of the Sønderborg profile with meetings and {n} referral.",
        "Teams of the Sønderborg profile with meetings and {n} referrals.",
        referred,
    )
    render.message(teams.format(n=referred))
    people = n_(
        "Coordinators, plans, agreements and contacts on {n} case.",
        "Coordinators, plans, agreements and contacts on {n} cases.",
        cases,
    )
    render.message(people.format(n=cases))
    if fmt is not Format.json:  # the summary stays one JSON document for scripts
        print("\n" + render_agenda.markdown(agenda), end="")
