"""Every command explains itself, with an example, and help never needs the database."""

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from kui_cli import help as help_module
from kui_cli.app import app
from tests.conftest import KuiRunner, ok


def all_commands() -> list[tuple[str, object]]:
    root = typer.main.get_command(app)
    found: list[tuple[str, object]] = []

    def walk(group: object, prefix: str) -> None:
        for name, command in getattr(group, "commands", {}).items():
            path = f"{prefix} {name}".strip()
            if getattr(command, "commands", None):
                walk(command, path)
            else:
                found.append((path, command))

    walk(root, "")
    return found


@pytest.mark.parametrize(("path", "command"), all_commands(), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example(path: str, command: object) -> None:
    help_text = getattr(command, "help", "") or ""
    assert help_text.strip(), f"{path} has no help"
    assert "Example:" in help_text, f"{path} has no example in its help"


@pytest.mark.parametrize(("path", "command"), all_commands(), ids=lambda v: str(v))
def test_help_runs_without_a_database(path: str, command: object) -> None:
    result = CliRunner().invoke(app, ["--db", "/nonexistent/x.db", *path.split(), "--help"])
    assert result.exit_code == 0, result.output


# Help a coordinator can use (issue 17): examples as written, readable metavars, the codes.


def example_lines(help_text: str) -> list[str]:
    """The lines of the docstring's `Example:` block, as written (without their indent)."""
    lines = help_text.split("Example:", 1)[1].splitlines()[1:]
    block = []
    for line in lines:
        if not line.strip():
            break
        block.append(line)
    return block


@pytest.mark.parametrize(("language", "heading"), [("en", "Example:"), ("da", "Eksempel:")])
@pytest.mark.parametrize(("path", "command"), all_commands(), ids=lambda v: str(v))
def test_every_example_is_printed_line_by_line_as_written(
    path: str, command: Any, language: str, heading: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No example is re-wrapped into another: each line of the docstring's block is one line
    of the help, in order, a `\\` continuation line included; in Danish too (only the heading
    is translated: an example is a command)."""
    monkeypatch.setenv("KUI_LANG", language)
    result = CliRunner().invoke(app, [*path.split(), "--help"], terminal_width=80)
    shown = result.output.splitlines()
    start = shown.index(f"  {heading}")
    written = example_lines(help_module.source_help(command) or "")
    assert written, f"{path} has an empty example"
    indent = min(len(line) - len(line.lstrip()) for line in written)
    expected = ["      " + line[indent:] for line in written]
    assert shown[start + 1 : start + 1 + len(expected)] == expected


def test_a_continued_example_stays_intact() -> None:
    result = CliRunner().invoke(app, ["meeting", "schedule", "--help"], terminal_width=60)
    assert '--rule "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE" \\\n          --start 2026-12-02T09:00\n' in (
        result.output
    )


def params_of(path: str, command: Any) -> list[Any]:
    return [p for p in command.params if p.name not in ("help",)]


@pytest.mark.parametrize(("path", "command"), all_commands(), ids=lambda v: str(v))
def test_no_metavar_shows_a_type(path: str, command: Any) -> None:
    """`YOUTH`, `--since DATE`: no `<str>`, `{youth}` or `<list[int]>` anywhere in the help."""
    result = CliRunner().invoke(app, [*path.split(), "--help"])
    usage = result.output.splitlines()[0]
    assert not re.search(r"[<{]", usage), usage
    ctx = typer.Context(command)
    for param in params_of(path, command):
        if param.metavar is not None:
            assert not re.search(r"[<{\[]", param.metavar), (path, param.name, param.metavar)
            assert param.metavar == param.metavar.upper()
        record = param.get_help_record(ctx)
        if record:
            assert not re.search(r"[<{]", record[0]), (path, record[0])


def test_the_metavars_name_what_to_give() -> None:
    result = CliRunner().invoke(app, ["youth", "update", "--help"])
    assert result.output.startswith("Usage: kui youth update [OPTIONS] YOUTH\n")
    assert re.search(r"--since DATE\b", result.output)
    assert "youth <str>" not in result.output
    assign = CliRunner().invoke(app, ["coordinator", "assign", "--help"]).output
    assert "[OPTIONS] YOUTH STAFF" in assign


def code_options() -> list[tuple[str, str, tuple[str, ...]]]:
    found = []
    for path, command in all_commands():
        for param in getattr(command, "params", []):
            valid = help_module.code_table(param.name or "")
            if valid and param.param_type_name == "option":
                found.append((path, param.name, valid))
    return found


def test_the_code_options_are_all_found() -> None:
    names = {name for _, name, _ in code_options()}
    assert names == set(help_module.CODE_OPTIONS)


@pytest.mark.parametrize(("path", "name", "valid"), code_options(), ids=str)
def test_every_code_option_lists_its_codes_in_its_help(
    path: str, name: str, valid: tuple[str, ...]
) -> None:
    """Every code, whole (`higher-education` not broken at its hyphen), in the help."""
    output = CliRunner().invoke(app, [*path.split(), "--help"], terminal_width=80).output
    words = set(re.split(r"[\s,.:;()]+", output))
    missing = [code for code in valid if code not in words]
    assert not missing, f"{path} --{name} does not list {missing}"
    assert "see CLI.md" not in output


@pytest.mark.parametrize("group", ["youth", "plan", "meeting", "agenda", "staff", "db"])
def test_a_group_without_a_command_shows_its_commands(group: str) -> None:
    """`kui youth` shows youth's commands, with exit code 2 like `kui` alone."""
    result = CliRunner().invoke(app, [group])
    assert result.exit_code == 2 == CliRunner().invoke(app, []).exit_code
    assert "Commands:" in result.output and "Missing command" not in result.output
    names = list(typer.main.get_command(app).commands[group].commands)  # type: ignore[attr-defined]
    assert all(f"\n  {name} " in result.output for name in names)


# Danish by default, English on request (issue 17, parts 2 and 4).


def test_the_help_is_danish(monkeypatch: pytest.MonkeyPatch) -> None:
    """A docstring paragraph, an option's help, the codes, Click's own words: all Danish."""
    monkeypatch.setenv("KUI_LANG", "da")
    shown = CliRunner().invoke(app, ["youth", "list", "--help"], terminal_width=100).output
    assert shown.startswith("Brug: kui youth list [OPTIONS]\n")
    assert "Vis unge, filtreret (hver liste logges med sit filter og sit antal rækker)." in shown
    assert "\nTilvalg:\n" in shown and "Aldersgruppe 1-4." in shown
    assert "Koder: primary-school, 10th-grade" in shown  # the codes stay codes
    assert "[standard: table]" in shown and "Vis denne hjælp og afslut." in shown
    assert "Options:" not in shown and "Age group" not in shown


def test_the_help_is_english_on_request() -> None:
    """KUI_LANG=en (the tests' setting): the help as written, unchanged."""
    shown = CliRunner().invoke(app, ["youth", "list", "--help"], terminal_width=100).output
    assert shown.startswith("Usage: kui youth list [OPTIONS]\n")
    assert (
        "List youths, filtered (every listing is audited with its filter and row count)." in shown
    )
    assert (
        "\nOptions:\n" in shown and "Age group 1-4." in shown and "Codes: primary-school" in shown
    )
    assert "[default: table]" in shown and "Show this message and exit." in shown


def test_the_language_is_read_when_help_is_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    """One tree, built once, shows its help in the language of each moment."""
    root = typer.main.get_command(app)
    youth_group: Any = root.commands["youth"]  # type: ignore[attr-defined]
    for language, words in [("da", "Registrér en ung."), ("en", "Register a young person (ung).")]:
        monkeypatch.setenv("KUI_LANG", language)
        assert youth_group.commands["add"].get_short_help_str(80) == words
        assert words in CliRunner().invoke(app, ["youth"]).output


def test_a_group_without_a_command_shows_its_commands_in_danish(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KUI_LANG", "da")
    result = CliRunner().invoke(app, ["youth"])
    assert result.exit_code == 2 and "\nKommandoer:\n  add " in result.output


@pytest.mark.parametrize(
    ("args", "in_english", "in_danish"),
    [
        (["youth", "show"], "Missing argument 'YOUTH'", "Argumentet 'YOUTH' mangler"),
        (["youth", "lst"], "No such command 'lst'. Did you mean 'list'?",
         "Ukendt kommando 'lst'. Mente du 'list'?"),
        (["youth", "add", "--cpr", "1"], "Missing option '--name'", "Tilvalget '--name' mangler"),
        (["youth", "list", "--group", "x"],
         "Invalid value for '--group': 'x' is not a whole number",
         "Ugyldig værdi for '--group': 'x' er ikke et helt tal"),
        (["youth", "list", "--bogus"], "No such option: --bogus", "Ukendt tilvalg: --bogus"),
    ],
)  # fmt: skip
def test_usage_errors_in_both_languages(
    args: list[str], in_english: str, in_danish: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Click's sentences of a usage error are translated; kui's one line and exit code 2 stay."""
    where = " ".join(["kui", *args[:2]]) if args[1] != "lst" else "kui youth"
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert (
        result.stderr.startswith(f"Error: {in_english}")
        and f"(see `{where} --help`)" in result.stderr
    )
    monkeypatch.setenv("KUI_LANG", "da")
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert (
        result.stderr.startswith(f"Fejl: {in_danish}") and f"(se `{where} --help`)" in result.stderr
    )


def test_every_help_text_has_a_danish_translation() -> None:
    """Walks the whole command tree: every docstring paragraph and every option's and
    argument's help is in the Danish catalog, translated and not fuzzy. When this fails, run
    the command in kui_cli/render/i18n.py and translate the new texts in kui.po."""
    from babel.messages.pofile import read_po

    path = Path(help_module.__file__).parent / "locale" / "da" / "LC_MESSAGES" / "kui.po"
    with path.open("rb") as po:
        danish = read_po(po, locale="da")
    texts = list(help_module.help_texts())
    assert len(texts) > 300 and "Show this message and exit." in texts
    missing = []
    for text in dict.fromkeys(texts):
        entry = danish.get(text)
        if entry is None or entry.fuzzy or not entry.string:
            missing.append(text)
    assert not missing, f"help without a Danish translation: {missing}"


def test_the_paragraphs_of_a_docstring_are_its_msgids() -> None:
    """Prose paragraphs on one line (Click re-wraps them), an example block as written."""
    text = "First line\n  goes on.\n\nSecond.\n\n\b\nExample:\n    kui x \\\n      --y 1"
    assert help_module.paragraphs(text) == [
        "First line goes on.",
        "Second.",
        "\b\nExample:\n    kui x \\\n      --y 1",
    ]
    assert [t for t in help_module.help_texts() if t.startswith("\b")] == []


# Shell completion of codes, team slugs and staff initials.


def completion(*words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash completes after `kui WORDS`, by Click's environment-variable protocol."""
    line = " ".join(["kui", *words])
    variables = {"_KUI_COMPLETE": "complete_bash", "COMP_WORDS": line}
    variables["COMP_CWORD"] = str(len(words))  # the last word is the one completed
    result = CliRunner().invoke(app, [], env={**variables, **(env or {})}, prog_name="kui")
    assert result.exit_code == 0, result.output
    return [c for c in result.output.splitlines() if c]


def test_codes_complete_by_the_protocol() -> None:
    assert completion("youth", "add", "--status", "v") == ["vocational"]
    assert completion("plan", "effort", "add", "1", "--legislation", "") == [
        "serviceloven",
        "kui",
        "lab",
        "other",
    ]


def test_team_slugs_and_staff_initials_complete_from_the_database(
    ready: KuiRunner, db_url: str
) -> None:
    """From the database of `--db`, or of KUI_DB."""
    ok(
        ready(
            "staff",
            "add",
            "--initials",
            "UV",
            "--name",
            "U V",
            "--role",
            "uu",
            "--department",
            "UU",
        )
    )
    slugs = completion("--db", db_url, "meeting", "schedule", "")
    assert slugs == sorted(_slugs(db_url)) and len(slugs) == 4
    assert completion("--db", db_url, "coordinator", "assign", "1", "") == ["AB", "UV"]
    assert completion("coordinator", "assign", "1", "u", env={"KUI_DB": db_url}) == ["UV"]
    assert completion("--db", db_url, "agenda", "add", "1", "--team", slugs[0][:3]) == [
        s for s in slugs if s.startswith(slugs[0][:3])
    ]


def test_the_completers_called_directly(ready: KuiRunner, db_url: str) -> None:
    from kui_cli.domain import codes

    root = typer.main.get_command(app)
    with typer.Context(root, info_name="kui") as ctx:
        ctx.params["db"] = db_url
        assert complete("need", ctx) == ["A", "B", "C"]
        assert complete("consent", ctx) == list(codes.CONSENTS)
        assert complete("status", ctx) == list(codes.STATUSES)
        assert complete("member", ctx) == ["AB"]
        assert complete("team", ctx) == sorted(_slugs(db_url))
    assert help_module.completer("reason") is None


def complete(name: str, ctx: typer.Context) -> list[str]:
    found = help_module.completer(name)
    assert found is not None
    return found(ctx)


@pytest.mark.parametrize(
    "database", ["missing.db", "text.txt", "folder", "postgresql+psycopg://x@127.0.0.1:1/none"]
)
def test_completion_never_fails_loudly(tmp_path: Path, database: str) -> None:
    """Nothing completes, nothing is printed, no file is made."""
    (tmp_path / "text.txt").write_text("not a database\n")
    (tmp_path / "folder").mkdir()
    given = database if "://" in database else str(tmp_path / database)
    assert completion("--db", given, "coordinator", "assign", "1", "") == []
    assert completion("--db", given, "meeting", "schedule", "") == []
    assert not (tmp_path / "missing.db").exists()


def _slugs(url: str) -> list[str]:
    from sqlalchemy import create_engine, text

    with create_engine(url).connect() as connection:
        return [row[0] for row in connection.execute(text("SELECT slug FROM team"))]
