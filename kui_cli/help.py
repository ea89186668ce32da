"""What a person reads in `--help` and in a usage error, set once for every command.

Typer builds each parameter with a type label (`<str>`, `{youth}`, `<list[int]>`) and lets
Click re-wrap every paragraph, examples included. Rather than repeat metavars and `\\b` markers
in 80 command definitions, `tidy` walks the command tree once when the root is built: every
example block is printed as written, every parameter gets a readable metavar (`YOUTH`, `DATE`),
the options that take a code list their codes and complete them in the shell, and a group run
without a command shows its commands. Only Typer (and its copy of Click) is imported here:
the codes are read when the tree is built, the database only when the shell asks to complete.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import Any

# Typer's own copy of Click (typer._click): kui's commands are made of it, not of `click`.
from typer._click import core, exceptions
from typer._click.shell_completion import CompletionItem
from typer.core import TyperArgument, TyperGroup, TyperOption

from kui_cli.errors import shown

# A parameter's metavar by its name, where its name upper-cased would not say what to give.
METAVARS = {
    "member": "STAFF",
    "coordinator": "STAFF",
    "leader": "STAFF",
    "owner": "STAFF",
    "responsible": "STAFF",
    "user": "STAFF",
    "changes": "CHANGE",
    "checkpoints": "FILE",
    "key_file": "FILE",
    "html": "FILE",
    "out": "PATH",
    "db": "DATABASE",
    "fmt": "FORMAT",
    "from_": "DATE",
    "to": "DATE",
    "on": "DATE",
    "since": "DATE",
    "until": "DATE",
    "before": "DATE",
    "due": "DATE",
    "today": "DATE",
    "completed_on": "DATE",
    "start": "TIME",
    "end": "TIME",
    "applied": "EDUCATION",
    "consent_by": "WHO",
    "legislation": "LAW",
    "rule": "RRULE",
    "days": "N",
    "duration": "MINUTES",
    "capacity": "N",
    "within": "DAYS",
    "youths": "N",
    "parent": "GOAL",
    "group": "N",
    "reason": "TEXT",
    "note": "TEXT",
    "title": "TEXT",
    "outcome": "TEXT",
    "result": "TEXT",
    "activity": "TEXT",
    "search": "TEXT",
}

# The options that take a code, and the table of codes.py that holds the codes.
CODE_OPTIONS = {
    "status": "STATUSES",
    "need": "NEEDS",
    "role": "ROLES",
    "legislation": "LEGISLATIONS",
    "applied": "APPLIED",
    "consent": "CONSENTS",
    "consent_by": "CONSENT_BY",
}
TEAM_PARAMS = frozenset({"team"})
STAFF_PARAMS = frozenset({"member", "staff", "coordinator", "leader", "owner", "responsible"})


def tidy(command: core.Command) -> None:
    """Make `command` and everything below it read well (see the module's docstring)."""
    command.help = examples_as_written(command.help)
    for param in command.params:
        if isinstance(param, TyperArgument):
            param.__class__ = KuiArgument
        elif isinstance(param, TyperOption):
            param.__class__ = KuiOption
        else:
            continue
        readable(param)
    if isinstance(command, TyperGroup):
        command.no_args_is_help = True
        for sub in command.commands.values():
            tidy(sub)


def examples_as_written(text: str | None) -> str | None:
    """The help text with its `Example:` block marked for Click to print unwrapped (`\\b`):
    one example per line, continuation lines and long paths intact."""
    if not text:
        return text
    return re.sub(r"(?m)^(?=Example:\s*$)", "\b\n", text) if "\b\nExample:" not in text else text


def readable(param: core.Parameter) -> None:
    """A metavar that names what to give, and the valid codes in the help of a code option."""
    if isinstance(param, TyperOption) and (param.is_flag or param.count):
        return
    name = param.name or ""
    if param.metavar is None:
        param.metavar = METAVARS.get(name, name.replace("_", "-").upper())
    valid = code_table(name)
    listed = all(code in (param.help or "") for code in valid)
    if valid and isinstance(param, TyperOption) and not listed:
        param.help = f"{param.help or ''}\n\n{codes_paragraph(valid)}".strip()


CODES_WIDTH = 46  # beside the option column, inside 80 columns


def codes_paragraph(valid: tuple[str, ...]) -> str:
    """`Codes: a, b, ...` in lines Click prints as written (`\\b`): a code with a hyphen
    (`higher-education`) is never broken across two lines."""
    lines, line = [], "Codes:"
    for word in (", ".join(valid) + ".").split(" "):
        if len(line) + 1 + len(word) > CODES_WIDTH:
            lines.append(line)
            line = f"  {word}"
        else:
            line = f"{line} {word}"
    return "\b\n" + "\n".join([*lines, line])


def code_table(name: str) -> tuple[str, ...]:
    """The codes an option of this name takes (empty when it takes none)."""
    table = CODE_OPTIONS.get(name)
    if table is None:
        return ()
    from kui_cli.domain import codes

    return tuple(getattr(codes, table))


def one_of(choices: tuple[str, ...] | list[str]) -> str:
    """`a, b or c`: a list of choices as a sentence ends it."""
    quoted = [str(c) for c in choices]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def plain_error(param: core.Parameter, value: Any, cause: BaseException) -> str | None:
    """A sentence for a value Typer's pydantic validation refused, in place of pydantic's own
    ("Input should be a valid integer, unable to parse string as an integer")."""
    errors = getattr(cause, "errors", None)
    if errors is None:
        return None
    first = errors()[0] if errors() else {}
    given = first.get("input", value)
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None and descriptor.is_choice and descriptor.choices:
        choices = [getattr(c, "value", c) for c in descriptor.choices]
        return f"{shown(given)} is not one of {one_of(choices)}"
    kind = str(first.get("type", ""))
    if kind.startswith("int_"):
        return f"{shown(given)} is not a whole number"
    if kind.startswith("float_"):
        return f"{shown(given)} is not a number"
    message = str(first.get("msg", cause)).removeprefix("Value error, ")
    return f"{shown(given)}: {message}"


def _processed(
    parse: Callable[..., Any], param: core.Parameter, ctx: core.Context, value: Any
) -> Any:
    """Typer's parsing of a value, with a sentence in place of pydantic's message."""
    try:
        return parse(ctx, value)
    except exceptions.BadParameter as exc:
        better = plain_error(param, value, exc.__cause__) if exc.__cause__ else None
        if better is not None:
            exc.message = better
        raise


def _completed(
    fallback: Callable[..., list[CompletionItem]],
    param: core.Parameter,
    ctx: core.Context,
    incomplete: str,
) -> list[CompletionItem]:
    """The codes, slugs or initials that complete a value; Typer's own completion otherwise."""
    found = completer(param.name or "")
    if found is None:
        return fallback(ctx, incomplete)
    start = incomplete.lower()
    return [CompletionItem(v) for v in found(ctx) if v.lower().startswith(start)]


class KuiArgument(TyperArgument):
    """An argument shown by its metavar alone (`YOUTH`, not `youth <str>` and `{youth}`), with
    plain errors and completion of codes and names."""

    def display_type(self, ctx: core.Context) -> str:
        return ""

    def _usage_display_name(self) -> str:
        name = self.display_name_raw
        if self.nargs != 1:
            name += "..."
        return name if self.required else f"[{name}]"

    def process_value(self, ctx: core.Context, value: Any) -> Any:
        return _processed(super().process_value, self, ctx, value)

    def shell_complete(self, ctx: core.Context, incomplete: str) -> list[CompletionItem]:
        return _completed(super().shell_complete, self, ctx, incomplete)


class KuiOption(TyperOption):
    """An option shown with its metavar (`--status STATUS`, the codes in its help), with plain
    errors and completion of codes and names."""

    def process_value(self, ctx: core.Context, value: Any) -> Any:
        return _processed(super().process_value, self, ctx, value)

    def shell_complete(self, ctx: core.Context, incomplete: str) -> list[CompletionItem]:
        return _completed(super().shell_complete, self, ctx, incomplete)


def completer(name: str) -> Callable[[core.Context], list[str]] | None:
    """What completes a parameter of this name: its codes, the team slugs, the staff initials."""
    if name in CODE_OPTIONS:
        return lambda _ctx: list(code_table(name))
    if name in TEAM_PARAMS:
        return lambda ctx: from_database(ctx, "SELECT slug FROM team ORDER BY slug")
    if name in STAFF_PARAMS:
        query = "SELECT initials FROM staff WHERE active ORDER BY initials"
        return lambda ctx: from_database(ctx, query)
    return None


def from_database(ctx: core.Context, query: str) -> list[str]:
    """One column read for completion from the database of `--db` or KUI_DB. Completion must
    never fail loudly: a missing file, a refused login or any other failure completes nothing.
    A missing SQLite file is not created."""
    try:
        from sqlalchemy import text

        from kui_cli import db
        from kui_cli.state import normalise_db_url

        given = ctx.find_root().params.get("db") or os.environ.get("KUI_DB")
        url = normalise_db_url(given)
        path = db.sqlite_path(url)
        if path is not None and not path.is_file():
            return []
        with db.get_engine(url).connect() as connection:
            return [str(row[0]) for row in connection.execute(text(query))]
    except Exception:
        return []
