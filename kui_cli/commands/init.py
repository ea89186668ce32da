"""`kui init`: create or upgrade the database and load a municipality profile."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.render.i18n import _, n_


def init(
    ctx: typer.Context,
    profile: Annotated[
        str,
        typer.Option(
            help="Municipality profile: soenderborg, ishoej, rebild, lejre, or a .toml file."
        ),
    ] = "soenderborg",
) -> None:
    """Create or upgrade the database and load a municipality profile (safe to re-run).

    Example:
        kui --db kui.db init --profile soenderborg
    """
    from kui_cli import db
    from kui_cli.domain import profile as profiles
    from kui_cli.domain import settings
    from kui_cli.domain.law import duty
    from kui_cli.domain.meetings import teams

    loaded = profiles.read_profile(profile)
    url = invocation.state(ctx).db_url
    invocation.make_private(url)
    before, after = db.upgrade(url)
    with invocation.session(ctx) as (session, actor):
        settings.ensure_subject_secret(session)
        profiles.save(session, actor, loaded)
        moved = duty.recompute_deadlines(session, actor, loaded)  # the law's clock (issue 5)
        loaded_teams = teams.load_profile(session, loaded, actor.today)
    if before is None:
        done = _("Database {url} created (schema {schema}); profile {profile}.")
    elif before != after:
        done = _("Database {url} upgraded (schema {schema}); profile {profile}.")
    else:
        done = _("Database {url} up to date (schema {schema}); profile {profile}.")
    render.message(done.format(url=db.redact(url), schema=after, profile=loaded.slug))
    if moved:
        recomputed = n_(
            "Recomputed the deadlines of {n} open education-obligation episode.",
            "Recomputed the deadlines of {n} open education-obligation episodes.",
            moved,
        )
        render.message(recomputed.format(n=moved))
    summary = _("Teams: {created} created, {updated} updated, {removed} removed.")
    render.message(
        summary.format(
            created=loaded_teams.created,
            updated=loaded_teams.updated,
            removed=loaded_teams.removed,
        )
    )
    for slug in loaded_teams.kept:
        kept = _("team {team} is not in the profile but youths were referred to it: kept")
        render.warning(kept.format(team=slug))
