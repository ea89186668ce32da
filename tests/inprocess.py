"""Running kui in-process many times (fuzzing, worker processes) without rebuilding it each time.

Typer turns the app into a Click command on every `CliRunner.invoke` (about 10 ms of signature
inspection); for thousands of invocations that is most of the cost, so it is built once here.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import typer
import typer.main
import typer.testing
from typer.testing import CliRunner, Result

from kui_cli.app import app


@cache
def _command() -> Any:
    return typer.main.get_command(app)


class CachedRunner(CliRunner):
    """A CliRunner for `kui` whose Click command is built once per process."""

    def invoke(self, _app: typer.Typer, args: Any = None, **kwargs: Any) -> Result:  # type: ignore[override]
        original = typer.testing._get_command
        typer.testing._get_command = lambda _given: _command()
        try:
            return super().invoke(app, args, **kwargs)
        finally:
            typer.testing._get_command = original


def run(argv: list[str], **kwargs: Any) -> Result:
    """`kui ARGV` in this process."""
    return CachedRunner().invoke(app, argv, **kwargs)
