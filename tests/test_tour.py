"""The README's tour, line by line, as a newcomer types it: every line runs (exit 0; a line
that asks for a failing exit code, `--fail-...` or `|| ...`, may give 1), in a fresh folder with
the samples beside it. A tour line that stops working fails here before a reader finds it."""

from __future__ import annotations

import datetime as dt
import gettext
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kui_cli.app import app
from kui_cli.render import i18n
from tests.conftest import KuiRunner, ok

ROOT = Path(__file__).resolve().parent.parent
TOUR_HEADING = "## A short tour"
# A comment after a command: two spaces or more, then `#`; a line of only a comment is empty.
COMMENT = re.compile(r"(^|\s{2,})#.*$")
# The one shell substitution the tour uses: a day some days after the real one.
DAYS_AHEAD = re.compile(r"\$\(date -d '\+(\d+) days' \+%F\)")


def tour_lines(readme: str) -> list[str]:
    """The lines of the `sh` blocks between the tour's heading and the next `## ` section."""
    start = readme.index(TOUR_HEADING)
    end = readme.index("\n## ", start + len(TOUR_HEADING))
    blocks = re.findall(r"```sh\n(.*?)```", readme[start:end], flags=re.S)
    lines = (COMMENT.sub("", line).strip() for block in blocks for line in block.splitlines())
    return [line for line in lines if line]


def substituted(line: str) -> str:
    """The line with `$(date -d '+N days' +%F)` replaced by that day, as the shell would."""

    def ahead(found: re.Match[str]) -> str:
        return (dt.date.today() + dt.timedelta(days=int(found[1]))).isoformat()

    return DAYS_AHEAD.sub(ahead, line)


def commands(line: str) -> list[tuple[list[str], bool]]:
    """The kui calls of one line, each with whether it may fail (`--fail-...`, `|| ...`); an
    output redirection (`> FILE`) is dropped, as the runner captures the output."""
    may_fail = "--fail-" in line or "||" in line
    line = line.split("||", 1)[0]
    calls = []
    for part in line.split("&&"):
        words = shlex.split(part.split(" > ", 1)[0])
        assert words[0] == "kui", f"a tour line that is no kui call: {line}"
        calls.append((words[1:], may_fail))
    return calls


class Untranslated(gettext.NullTranslations):
    """The Danish catalog, noting every message it was asked for and does not hold. A Danish
    text asked for again (the error handler looks up the first line it prints, which may be
    translated already) is no miss."""

    def __init__(self, catalog: gettext.NullTranslations) -> None:
        super().__init__()
        self.catalog = catalog
        self.danish = {str(value) for value in getattr(catalog, "_catalog", {}).values()}
        self.missed: set[str] = set()

    def _looked_up(self, message: str, found: str) -> str:
        if found == message and message not in self.danish and any(c.isalpha() for c in message):
            self.missed.add(message)
        return found

    def gettext(self, message: str) -> str:
        return self._looked_up(message, self.catalog.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._looked_up(singular, self.catalog.ngettext(singular, plural, n))

    def pgettext(self, context: str, message: str) -> str:
        return self._looked_up(message, self.catalog.pgettext(context, message))


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_tour_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, language: str) -> None:
    """In Danish (the default, what a coordinator reads: every message it is asked for is in
    the Danish catalog) and in English."""
    monkeypatch.setenv("KUI_LANG", language)
    danish = Untranslated(i18n.translations("da"))
    english = gettext.NullTranslations()
    monkeypatch.setattr(i18n, "translations", lambda lang: danish if lang == "da" else english)
    lines = tour_lines((ROOT / "README.md").read_text(encoding="utf-8"))
    shutil.copytree(ROOT / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    runner = CliRunner()
    ran = 0
    for line in lines:
        if line.startswith("export "):
            for name, value in (pair.split("=", 1) for pair in shlex.split(line)[1:]):
                monkeypatch.setenv(name, value.replace("~", str(tmp_path)))
            continue
        for argv, may_fail in commands(substituted(line).replace("~/", f"{tmp_path}/")):
            result = runner.invoke(app, argv)
            allowed = (0, 1) if may_fail else (0,)
            assert result.exit_code in allowed, f"{line}\n{result.stdout}{result.stderr}"
            assert "Traceback" not in result.stderr
            assert language == "en" or "Error:" not in result.stderr
            ran += 1
    assert ran >= 30
    assert not danish.missed, f"read in English in the Danish tour: {sorted(danish.missed)}"


def test_every_part_of_a_full_youth_page_is_danish(
    ready: KuiRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`youth show` and `plan show` of a youth with everything the tour does not give one (a
    custody holder, an assessment, the education obligation's open deadlines, a coordinator, a
    goal and an effort): every label and code a coordinator reads is in the Danish catalog."""
    youth = ok(
        ready(
            "youth",
            "add",
            "--cpr",
            "150311-4321",
            "--name",
            "Asta Holm",
            "--status",
            "primary-school",
            "--since",
            "2026-08-10",
            "--grade",
            "9",
        )
    )
    youth_id = youth.stdout.strip()
    for args in (
        ("youth", "guardian", "add", youth_id, "--name", "Mette Holm", "--phone", "20304050"),
        ("youth", "assess", youth_id, "--grade", "9", "--result", "not-ready"),
        ("youth", "update", youth_id, "--status", "none", "--since", "2026-11-01",
         "--reason", "Stoppet"),
        ("coordinator", "assign", youth_id, "AB", "--consent", "accepted"),
        ("plan", "goal", "add", youth_id, "Starte på EUD", "--reason", "Aftalt"),
        ("contact", "add", youth_id, "--channel", "phone", "--reached", "yes"),
        ("plan", "effort", "add", youth_id, "--title", "Mentor", "--department", "Jobcentret",
         "--legislation", "lab", "--responsible", "AB", "--reason", "Aftalt"),
    ):  # fmt: skip
        ok(ready(*args))
    monkeypatch.setenv("KUI_LANG", "da")
    monkeypatch.setenv("COLUMNS", "120")
    danish = Untranslated(i18n.translations("da"))
    monkeypatch.setattr(i18n, "translations", lambda lang: danish)
    pages = [
        ("youth", "show", youth_id),
        ("plan", "show", youth_id),
        ("plan", "log", youth_id),
        ("coordinator", "history", youth_id),
        ("contact", "list", youth_id),
        ("audit", "subject", youth_id),
        ("duty", "check"),
        ("staff", "list"),
        ("team", "list"),
        ("youth", "list"),
        ("today", "--all", "--days", "30"),
    ]
    shown = "".join(ok(ready(*page)).stdout for page in pages)
    assert not danish.missed, f"read in English on a Danish page: {sorted(danish.missed)}"
    for danish_word in ("Frister", "kontakt", "tilbud", "Forældremyndighedsindehavere"):
        assert danish_word in shown
