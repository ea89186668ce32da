"""Every command explains itself, with an example, and help never needs the database."""

import pytest
import typer
from typer.testing import CliRunner

from kui_cli.app import app


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
