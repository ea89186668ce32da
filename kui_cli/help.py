"""What a person reads in `--help` and in a usage error, set once for every command.

Typer builds each parameter with a type label (`<str>`, `{youth}`, `<list[int]>`) and lets
Click re-wrap every paragraph, examples included. Rather than repeat metavars and `\\b` markers
in 80 command definitions, `tidy` walks the command tree once when the root is built: every
example block is printed as written, every parameter gets a readable metavar (`YOUTH`, `DATE`),
the options that take a code list their codes and complete them in the shell, and a group run
without a command shows its commands. Only Typer (and its copy of Click) is imported here:
the codes are read when the tree is built, the database only when the shell asks to complete.

Help is Danish by default, English on request (issue 17), and it is translated when it is
shown, never when the tree is built: the language (`i18n.language()`) may change between two
helps of one process (a test sets KUI_LANG), and `kui --help` opens the catalog only then.
The texts stay English (the msgids) in the tree; `help` of every tidied command and parameter
reads them in the language of the moment: a docstring paragraph by paragraph (an example block
is printed as written, only its `Example:` heading is translated), an option's help whole, its
codes as codes. Click's own words (`Usage:`, `Options:`, `[default: ...]`, `Show this message
and exit.`) are translated by the formatter and the options, its usage errors by
`usage_message`. `help_texts` yields every text of the tree for the catalog, and `extract` is
the Babel extraction method that hands them to `pybabel extract` (babel.cfg).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import IO, Any

# Typer's own copy of Click (typer._click): kui's commands are made of it, not of `click`.
from typer._click import core, exceptions
from typer._click.shell_completion import CompletionItem
from typer.core import TyperArgument, TyperGroup, TyperOption

from kui_cli.errors import shown
from kui_cli.render import i18n
from kui_cli.render.i18n import _

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
    command.__class__ = translated_class(type(command))
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
    listed = all(code in (source_help(param) or "") for code in valid)
    if valid and isinstance(param, TyperOption) and not listed:
        param.codes = valid


CODES_WIDTH = 46  # beside the option column, inside 80 columns


def codes_paragraph(valid: tuple[str, ...]) -> str:
    """`Codes: a, b, ...` in lines Click prints as written (`\\b`): a code with a hyphen
    (`higher-education`) is never broken across two lines. Only the word `Codes:` is
    translated: a person types the codes as they are."""
    lines, line = [], _("Codes:")
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
    if len(quoted) == 1:
        return quoted[0]
    return _("{first} or {last}").format(first=", ".join(quoted[:-1]), last=quoted[-1])


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
        return _("{value} is not one of {choices}").format(
            value=shown(given), choices=one_of(choices)
        )
    kind = str(first.get("type", ""))
    if kind.startswith("int_"):
        return _("{value} is not a whole number").format(value=shown(given))
    if kind.startswith("float_"):
        return _("{value} is not a number").format(value=shown(given))
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


# --- Help in the language of the moment ---


def source_help(item: core.Command | core.Parameter) -> str | None:
    """The help as written (English, the msgid), whatever language `item.help` reads in."""
    return vars(item).get("help")


def paragraphs(text: str | None) -> list[str]:
    """A docstring's paragraphs as the catalog holds them: a prose paragraph on one line
    (Click re-wraps it anyway), an example block (`\\b`) as written."""
    found = []
    for paragraph in (text or "").split("\n\n"):
        if paragraph.startswith("\b\n"):
            found.append(paragraph)
        elif paragraph.strip():
            found.append(" ".join(paragraph.split()))
    return found


def translated_doc(text: str | None) -> str | None:
    """A command's help in the current language, paragraph by paragraph; an example block keeps
    its commands and only its heading is translated."""
    if not text:
        return text
    shown_paragraphs = []
    for paragraph in paragraphs(text):
        if paragraph.startswith("\b\nExample:\n"):
            paragraph = paragraph.replace("Example:", _("Example:"), 1)
        elif not paragraph.startswith("\b\n"):
            paragraph = _(paragraph)
        shown_paragraphs.append(paragraph)
    return "\n\n".join(shown_paragraphs)


def translated_param_help(param: core.Parameter) -> str | None:
    """A parameter's help in the current language, whole, with its codes (if it takes one)."""
    written = source_help(param)
    text = _(written) if written else written
    valid = getattr(param, "codes", ())
    return f"{text or ''}\n\n{codes_paragraph(valid)}".strip() if valid else text


class TranslatedCommand(core.Command):
    """A command whose help, short help in its group's list, usage line and headings are read
    in the current language: mixed in before the class of every tidied command (a subclass of
    Command, so that CPython lets `__class__` be set to the mixed class)."""

    @property
    def help(self) -> str | None:
        return translated_doc(source_help(self))

    @help.setter
    def help(self, value: str | None) -> None:
        vars(self)["help"] = value

    def get_help(self, ctx: core.Context) -> str:
        """The help in the language of the moment: with no KUI_LANG, the stored profile's
        language is read first (a command's session reads it; a help opens none)."""
        if os.environ.get("KUI_LANG", "")[:2].lower() not in i18n.LANGUAGES:
            i18n.use_profile_language(stored_language(ctx))
        return super().get_help(ctx)

    def get_help_option(self, ctx: core.Context) -> core.Option | None:
        option = super().get_help_option(ctx)
        if isinstance(option, TyperOption) and not isinstance(option, KuiOption):
            option.__class__ = KuiOption  # "Show this message and exit." translated
        return option


def stored_language(ctx: core.Context) -> str | None:
    """The language of the profile stored in the SQLite database of `--db` (or KUI_DB, or the
    default file), for a help no command's session has opened: one SELECT with the stdlib's
    sqlite3 (help must not pay for SQLAlchemy), only when the file exists and in `mode=rw`,
    which never creates one (`mode=ro` would leave the -wal and -shm files of a WAL database
    behind). PostgreSQL, a missing or a foreign file: nothing is read, the locale decides."""
    given = ctx.find_root().params.get("db") or os.environ.get("KUI_DB")
    if not given:
        from kui_cli.state import default_db_path

        path: Path | None = default_db_path()
    elif "://" not in given:
        path = Path(given).expanduser()
    else:
        path = Path(given.split(":///", 1)[1]) if given.startswith("sqlite:///") else None
    if path is None or not path.is_file():
        return None
    import json
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=rw", uri=True)) as conn:
            row = conn.execute("SELECT value FROM setting WHERE key = 'profile'").fetchone()
        language = json.loads(row[0]).get("language") if row else None
    except (sqlite3.Error, ValueError, AttributeError):
        return None
    return language if isinstance(language, str) else None


@cache
def translated_class(cls: type[core.Command]) -> type[core.Command]:
    """`cls` with `TranslatedCommand` mixed in (one class per command class: the root's
    `KuiGroup`, `TyperGroup`, `TyperCommand`)."""
    if issubclass(cls, TranslatedCommand):
        return cls
    return type(cls.__name__, (TranslatedCommand, cls), {"context_class": KuiContext})


class KuiFormatter(core.HelpFormatter):
    """Click's formatter with its own words in the current language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, _("Usage:") + " " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        words = {"Arguments": _("Arguments"), "Options": _("Options"), "Commands": _("Commands")}
        super().write_heading(words.get(heading, heading))


class KuiContext(core.Context):
    """A context whose help is written by `KuiFormatter`."""

    formatter_class = KuiFormatter


def translated_extra(extra: str) -> str:
    """Typer's `[default: 10; required]` after an option's help, in the current language."""
    words = {"default": _("default"), "env var": _("env var"), "required": _("required")}
    parts = []
    for part in extra.split("; "):
        name, colon, value = part.partition(": ")
        parts.append(f"{words.get(name, name)}{colon}{value}")
    return "; ".join(parts)


class TranslatedParameter(core.Parameter):
    """A parameter whose help is read in the current language (see `translated_param_help`);
    mixed in before Typer's argument and option classes."""

    @property
    def help(self) -> str | None:
        return translated_param_help(self)

    @help.setter
    def help(self, value: str | None) -> None:
        vars(self)["help"] = value

    def get_help_record(self, ctx: core.Context) -> tuple[str, str] | None:
        record = super().get_help_record(ctx)
        if record is None:
            return None
        name, text = record
        own = self.help or ""
        tail = text[len(own) :] if text.startswith(own) else ""
        match = re.fullmatch(r"(\s*)\[(.*)\]", tail, flags=re.DOTALL)
        if match:
            text = f"{own}{match[1]}[{translated_extra(match[2])}]"
        return name, text


class KuiArgument(TranslatedParameter, TyperArgument):
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


class KuiOption(TranslatedParameter, TyperOption):
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


# Click's sentences in a usage error, and their translations (the msgids are marked here).
USAGE_SENTENCES: tuple[tuple[str, Callable[[], str]], ...] = (
    (r"No such option: (?P<name>\S+)", lambda: _("No such option: {name}")),
    (r"\(Possible options: (?P<names>[^)]*)\)", lambda: _("(Possible options: {names})")),
    (r"No such command (?P<name>'.*?')\.", lambda: _("No such command {name}.")),
    (r"Did you mean (?P<names>.*)\?", lambda: _("Did you mean {names}?")),
    (r"Missing command\.", lambda: _("Missing command.")),
    (r"Missing option (?P<name>'.*?')\.", lambda: _("Missing option {name}.")),
    (r"Missing argument (?P<name>'.*?')\.", lambda: _("Missing argument {name}.")),
    (
        r"Option (?P<name>'.*?') requires an argument\.",
        lambda: _("Option {name} requires an argument."),
    ),
    (
        r"Option (?P<name>'.*?') does not take a value\.",
        lambda: _("Option {name} does not take a value."),
    ),
    (
        r"Got unexpected extra argument\(s\) \((?P<values>.*)\)",
        lambda: _("Got unexpected extra argument(s) ({values})"),
    ),
    (r"Invalid value for (?P<name>.*?):", lambda: _("Invalid value for {name}:")),
    (r"Choose from:", lambda: _("Choose from:")),
)


def usage_message(message: str) -> str:
    """A usage error of Click's in the current language, sentence by sentence (Typer's copy of
    Click has no catalog of its own); a sentence it does not know stays as it is."""
    for pattern, translated in USAGE_SENTENCES:
        found = re.search(pattern, message)
        if found:
            message = message.replace(found[0], translated().format(**found.groupdict()), 1)
    return message


# --- The help texts for the catalog ---


def help_texts(command: core.Command | None = None) -> Iterator[str]:
    """Every help text of kui's command tree as the catalog holds it (the msgids): each prose
    paragraph of a command's docstring and each parameter's help whole. Babel's extractor sees
    only `_()` calls, never a `help=` keyword nor a docstring: `extract` hands these over."""
    if command is None:
        import typer.main

        from kui_cli.app import app

        command = typer.main.get_command(app)
        with core.Context(command) as ctx:  # Click's own help option: one text for every command
            help_option = command.get_help_option(ctx)
        yield from paragraphs(source_help(help_option) if help_option else None)
    for paragraph in paragraphs(source_help(command)):
        if not paragraph.startswith("\b\n"):
            yield paragraph
    for param in command.params:
        written = source_help(param)
        if written:
            yield written
    for sub in getattr(command, "commands", {}).values():
        yield from help_texts(sub)


def extract(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: dict[str, Any]
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extraction method for this file (babel.cfg): its own `_()` marks, then every
    help text of the command tree (`help_texts`), so `pybabel extract` puts them in kui.pot."""
    from babel.messages.extract import extract_python

    yield from extract_python(fileobj, keywords, comment_tags, options)
    for text in dict.fromkeys(help_texts()):
        yield 0, "_", text, []
