"""What commands share: the acting user and date, a session, and the `--format` option with
the view of a listing (`--wide`, `--columns`, `--fields`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kui_cli.render import Format
from kui_cli.state import State

if TYPE_CHECKING:
    from sqlmodel import Session

    from kui_cli.domain.protection.audit import Actor

FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output: table, csv, json or markdown.")
]
# The view of a listing, on every command that prints one (`render.View.of` reads them):
WideOption = Annotated[
    bool, typer.Option("--wide", help="Show every column, even where the terminal is too narrow.")
]
ColumnsOption = Annotated[
    str | None,
    typer.Option(
        "--columns",
        metavar="A,B,C",
        help="The columns to show, in this order (table, markdown, csv).",
    ),
]
FieldsOption = Annotated[
    str | None,
    typer.Option("--fields", metavar="A,B,C", help="The fields of each object (--format json)."),
]


def output_file(value: str) -> Path:
    """Typer's `parser=` for every option that names a file kui writes. The rule is
    domain.files.output_file, imported only when such an option is given (start-up budget)."""
    from kui_cli.domain import files

    return files.output_file(value)


def output_folder(value: str) -> Path:
    """Typer's `parser=` for an option that names a folder kui writes into."""
    from kui_cli.domain import files

    return files.output_folder(value)


def interactive() -> bool:
    """Whether a person can answer a question: standard input is a terminal (not cron)."""
    import sys

    return sys.stdin.isatty()


def make_private(url: str) -> None:
    """`init` and `db upgrade` make an existing SQLite file private (0600), and say so."""
    from kui_cli import db, render
    from kui_cli.render.i18n import _

    for path, mode in db.make_private(url):
        made = _("{path} was open to others (mode {mode}): made it private (0600)")
        render.warning(made.format(path=path, mode=f"{mode:o}"))


def state(ctx: typer.Context) -> State:
    root = ctx.find_root()
    assert isinstance(root.obj, State), "the root callback sets the state"
    return root.obj


def command_name(ctx: typer.Context) -> str:
    """`kui youth show`, whatever name the program was started under (`python -m kui_cli`)."""
    names: list[str] = []
    current = ctx
    while current.parent is not None:
        names.append(current.info_name or "")
        current = current.parent
    return " ".join(["kui", *reversed(names)])


def actor(ctx: typer.Context) -> Actor:
    from kui_cli.domain.protection.audit import Actor

    st = state(ctx)
    return Actor(user=st.user, command=command_name(ctx), today=st.today)


@contextmanager
def session(ctx: typer.Context) -> Iterator[tuple[Session, Actor]]:
    """A session committed as a whole when the command succeeds, rolled back when it fails.

    It first establishes who acts (on PostgreSQL a staff member's own login,
    domain/protection/row_security.py), matched once to a staff member whose own initials the
    command then records, and what they may do (domain/protection/access.py). A refusal by the
    access rule rolls the command back like any error, and is then logged in a transaction of
    its own. The stored profile's language is the language of what the command then prints
    (unless KUI_LANG says otherwise): it is read here, where the database is open anyway.
    """
    from kui_cli.db import session_scope
    from kui_cli.domain import profile
    from kui_cli.domain.protection import access, row_security
    from kui_cli.render import i18n

    _startup_done()
    st = state(ctx)
    url, who = st.db_url, actor(ctx)
    try:
        with session_scope(url) as db_session:
            asked = st.user if st.user_given else None
            who = row_security.acting(db_session, who, asked)
            identity = access.identify(db_session, who, asked)
            who = identity.actor
            row_security.refuse_other_user(db_session, who)
            access.establish(db_session, identity)
            i18n.use_profile_language(profile.language(db_session))
            yield db_session, who
    except access.Refused as refusal:
        from kui_cli.domain.protection import lookups

        with session_scope(url) as log_session:
            lookups.record_refusal(log_session, who, refusal)
        raise


def authorise(ctx: typer.Context) -> Actor:
    """The access check alone, for a command that works outside a session (`db backup`): the
    acting staff member, with their own initials, for what the command then records."""
    with session(ctx) as (_, who):
        return who


def _startup_done() -> None:
    """The modules are loaded: freeze what they made and give the garbage collector back to the
    command's own work (`app.main` turns it off for the start-up)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
