"""The root of the `kui` command: global options, error handling and the sub-apps.

Only typer is imported at module level: `kui --help` must stay as fast as a bare Typer app.
Every heavy library is imported inside the command that needs it.
"""

from __future__ import annotations

import copy
import errno
import gc
import os
import signal
import sys
from collections.abc import Sequence
from typing import Annotated, Any, NoReturn

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError  # Typer's own Click
from typer.core import TyperGroup

from kui_cli import __version__, help, state
from kui_cli.commands import (
    agenda,
    audit,
    contact,
    coordinator,
    demo,
    digest,
    duty,
    export,
    feed,
    init,
    meeting,
    plan,
    report,
    retention,
    staff,
    team,
    today,
    transitions,
    youth,
)
from kui_cli.commands import db as db_commands
from kui_cli.errors import KuiError, Terminated, capped
from kui_cli.render.i18n import _
from kui_cli.state import State, normalise_db_url, parse_date


class KuiGroup(TyperGroup):
    """Turns every known failure into one `Error:` line on stderr and exit code 1.

    A usage error (an unknown option, a value of the wrong kind) is one `Error:` line too, with
    exit code 2 as Click gives it. Set `KUI_DEBUG=1` to see the traceback of an unexpected failure.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        help.tidy(self)

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except UsageError as exc:
            _usage_error(exc)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UsageError as exc:
            _usage_error(exc)
        except KuiError as exc:
            _fail(str(exc))
        except (Terminated, KeyboardInterrupt) as stop:
            # Ctrl-C, or SIGTERM while a file is written (files.terminated_raises): the
            # transaction is rolled back and the unfinished file removed as the stack unwound.
            signum = stop.signum if isinstance(stop, Terminated) else signal.SIGINT
            name = signal.Signals(signum).name
            stopped = _("stopped by {signal}: the unfinished work was undone").format(signal=name)
            print(_("Error: {message}").format(message=stopped), file=sys.stderr)
            raise typer.Exit(128 + signum) from None
        except BrokenPipeError:
            # The reader went away (`kui youth list | head`): not an error, and nothing to say.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise typer.Exit(0) from None
        except Exception as exc:
            if type(exc).__module__.startswith(("typer", "click")) or os.environ.get("KUI_DEBUG"):
                raise
            _fail(_describe(exc))


def _describe(exc: Exception) -> str:
    """One readable line for failures that did not come from a rule (database, file system)."""
    from kui_cli.db import describe_database_error

    described = describe_database_error(exc)
    if described:
        return described
    if isinstance(exc, UnicodeEncodeError) and "surrogate" in str(exc.reason):
        # Argument bytes that are not UTF-8 reach Python as lone surrogates (PEP 383).
        not_text = _("an argument is not UTF-8 text: {bytes}")
        return not_text.format(bytes=ascii(exc.object[exc.start : exc.end]))
    if isinstance(exc, OverflowError):
        return _("a number is too large (ids and counts fit in 64 bits)")
    if isinstance(exc, OSError):
        return _os_error(exc)
    unexpected = _("unexpected {error}: {message} (set KUI_DEBUG=1 for details)")
    return unexpected.format(error=type(exc).__name__, message=exc)


def _os_error(exc: OSError) -> str:
    """A file-system failure, with the file it concerns when the system names one."""
    if exc.errno == errno.ENOSPC:
        problem = _("the disk is full (no space left on device)")
    elif exc.errno == errno.EROFS:
        problem = _("the file system is read-only")
    else:
        problem = str(exc.strerror or exc)  # the system's own words
    return f"{problem}: {exc.filename}" if exc.filename else problem


def _fail(message: str, code: int = 1) -> NoReturn:
    """The one place an error reaches a person: its first line, every echoed value capped."""
    first_line = message.strip().splitlines()[0] if message.strip() else _("failed")
    print(_("Error: {message}").format(message=capped(_(first_line))), file=sys.stderr)
    raise typer.Exit(code)


def _usage_error(exc: UsageError) -> NoReturn:
    """Click's usage error as one line and exit code 2, with where to read the command's help.
    Asking a group for nothing (`kui youth`) shows its help, as Click does."""
    if isinstance(exc, NoArgsIsHelpError):
        raise exc
    problem = help.usage_message(exc.format_message()).rstrip(".")
    if exc.ctx is not None:
        see = _("{problem} (see `{command} --help`)")
        problem = see.format(problem=problem, command=exc.ctx.command_path)
    _fail(problem, code=exc.exit_code)


app = typer.Typer(
    cls=KuiGroup,
    name="kui",
    help="kui: one entry, one plan, one contact person for young people under 25 (KUI).",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        print(f"kui {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            envvar="KUI_DB",
            help="SQLite file or SQLAlchemy URL (postgresql+psycopg://...).",
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            envvar="KUI_USER",
            help="Initials of who is acting (audited). Refused when the operating-system "
            "account is another staff member's login (`staff update --login`).",
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            envvar="KUI_TODAY",
            help=(
                "Reference date YYYY-MM-DD for ages, deadlines and recorded dates. It does not "
                "decide access or deletion: who may see a youth and who is due for retention "
                "follow the real date."
            ),
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """kui: the municipal youth effort (Den kommunale ungeindsats) in a terminal.

    Example:
        kui --db kui.db --user AB youth list --kui
    """
    import datetime as dt

    try:
        ref = parse_date(today, "--today") if today is not None else dt.date.today()
        db_url = normalise_db_url(db)
    except KuiError as exc:
        _fail(str(exc))
    ctx.obj = State(
        db_url=db_url,
        user=(user or state.os_user()).strip(),
        today=ref,
        user_given=user is not None,
    )


app.command("init")(init.init)
app.command("demo")(demo.demo)
app.add_typer(youth.app, name="youth")
app.add_typer(staff.app, name="staff")
app.add_typer(coordinator.app, name="coordinator")
app.add_typer(plan.app, name="plan")
app.add_typer(db_commands.app, name="db")
app.add_typer(duty.app, name="duty")
app.add_typer(contact.app, name="contact")
app.command("transitions")(transitions.transitions)
app.command("today")(today.today)
app.command("digest")(digest.digest)
app.add_typer(team.app, name="team")
app.add_typer(meeting.app, name="meeting")
app.add_typer(agenda.app, name="agenda")
app.add_typer(export.app, name="export")
app.add_typer(feed.app, name="feed")
app.add_typer(report.app, name="report")
app.add_typer(audit.app, name="audit")
app.add_typer(retention.app, name="retention")
app.add_typer(feed.app, name="feed")


# The root options that take a value (`--db X`, `--db=X`): what follows one is not a command.
ROOT_VALUE_OPTIONS = frozenset({"--db", "--user", "--today"})


def invoked(argv: Sequence[str]) -> tuple[str, ...]:
    """The names of the command that a command line runs (`("youth", "show")` in `kui --db x
    youth show 1`), as far as they name kui's groups and commands: empty when it asks for the
    root itself (its help, its version, no command, a name that is not a command), the group
    alone when it asks for the group's help. The value of a root option is not a name."""
    words, path, level = iter(argv), [], children(app)
    for word in words:
        if not path and word in ROOT_VALUE_OPTIONS:
            next(words, None)
        elif not path and word.startswith("-") and word not in ("-h", "--help", "--version"):
            continue  # a root flag, or `--db=X`
        elif word in level:
            path.append(word)
            group = level[word]
            if group is None:  # a command: what follows are its own arguments
                break
            level = children(group)
        else:
            break
    return tuple(path)


def children(group: typer.Typer) -> dict[str, typer.Typer | None]:
    """A group's sub-groups (their Typer) and commands (None), by the names that run them."""
    found: dict[str, typer.Typer | None] = {
        _name(info): info.typer_instance for info in group.registered_groups
    }
    return found | {_name(info): None for info in group.registered_commands}


def _name(info: Any) -> str:
    from typer.main import get_command_name

    return info.name or get_command_name(info.callback.__name__)


def lean(path: Sequence[str], group: typer.Typer = app) -> typer.Typer:
    """The group with only the command on `path`. Typer makes click's command of every one of
    kui's 60 commands before it runs one, reading each function's signature and evaluating its
    annotations (about 45 ms of every start-up); those that cannot run are left out, at every
    level. An empty path and shell completion get the whole group."""
    if not path or any(key.endswith("_COMPLETE") for key in os.environ):
        return group
    name, rest = path[0], path[1:]
    only = copy.copy(group)
    only.registered_commands = [c for c in group.registered_commands if _name(c) == name]
    only.registered_groups = []
    for info in group.registered_groups:
        if _name(info) == name:
            narrowed = copy.copy(info)
            narrowed.typer_instance = lean(rest, info.typer_instance)
            only.registered_groups.append(narrowed)
    return only


def main() -> None:
    """Console-script entry point.

    One command runs and the process exits. Typer builds only that command (`lean`). The cyclic
    garbage collector is off while modules load (what they create lives until exit: walking it
    again and again is wasted start-up time) and is handed back to the command's own work by
    `invocation.session`. Pydantic's plugins are not looked for (kui uses none; looking reads
    the entry points of every installed distribution) unless PYDANTIC_DISABLE_PLUGINS says
    otherwise. At exit the database connections are closed (SQLite checkpoints its WAL into the
    file then) and everything else is frozen, so the interpreter's final collections have
    nothing to walk.
    """
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        lean(invoked(sys.argv[1:]))()
    finally:
        db = sys.modules.get("kui_cli.db")
        if db is not None:
            db.dispose_engines()
        gc.freeze()
