"""The start-up baseline: a bare one-command Typer app, as the Typer tutorial writes it.

`python bench/bare_app.py --help` is what `kui --help` is compared with. With `--plain` on the
command line the app is built like kui's root (no Rich markup), for context.
"""

import sys

import typer

app = typer.Typer(rich_markup_mode=None) if "--plain" in sys.argv else typer.Typer()


@app.command()
def hello(name: str = "world") -> None:
    """Say hello."""
    print(f"Hello {name}")


if __name__ == "__main__":
    if "--plain" in sys.argv:
        sys.argv.remove("--plain")
    app()
