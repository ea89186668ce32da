"""`kui init`: create or upgrade the database and load a municipality profile."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render


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
    done = "created" if before is None else ("upgraded" if before != after else "up to date")
    render.message(f"Database {db.redact(url)} {done} (schema {after}); profile {loaded.slug}.")
    if moved:
        render.message(f"Recomputed the deadlines of {moved} open education-obligation episodes.")
    render.message(
        f"Teams: {loaded_teams.created} created, {loaded_teams.updated} updated, "
        f"{loaded_teams.removed} removed."
    )
    for slug in loaded_teams.kept:
        render.warning(f"team {slug} is not in the profile but youths were referred to it: kept")
