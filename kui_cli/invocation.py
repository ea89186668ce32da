"""What commands share: the acting user and date, a session, and the `--format` option."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from kui_cli.render import Format
from kui_cli.state import State

if TYPE_CHECKING:
    from sqlmodel import Session

    from kui_cli.domain.audit import Actor

FormatOption = Annotated[
    Format, typer.Option("--format", "-f", help="Output: table, csv, json or markdown.")
]


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
    from kui_cli.domain.audit import Actor

    st = state(ctx)
    return Actor(user=st.user, command=command_name(ctx), today=st.today)


@contextmanager
def session(ctx: typer.Context) -> Iterator[tuple[Session, Actor]]:
    """A session committed as a whole when the command succeeds, rolled back when it fails."""
    from kui_cli.db import session_scope

    _startup_done()
    with session_scope(state(ctx).db_url) as db_session:
        yield db_session, actor(ctx)


def _startup_done() -> None:
    """The modules are loaded: freeze what they made and give the garbage collector back to the
    command's own work (`app.main` turns it off for the start-up)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
