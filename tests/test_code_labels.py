"""Codes shown in the reader's language (issue 17): a table or markdown cell holds a code's
Danish label in Danish and the code in English, csv and JSON keep the codes (the contract for
scripts); report and agenda tables take `--columns` like the listings."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re

import pytest

from kui_cli.domain import codes
from kui_cli.render import labels
from tests.conftest import KuiRunner, add_youth, ok
from tests.test_agenda import BORN_16, refer

SCHOOL = ("--status", "primary-school")


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def squeezed(text: str) -> str:
    """The table's text without its borders and line breaks: a label folded over two lines
    reads as one."""
    return re.sub(r"[\s│┃|]+", " ", plain(text))


@pytest.mark.parametrize("width", [80, 120])
def test_a_youth_list_shows_danish_labels_and_scripts_get_the_codes(
    ready: KuiRunner, monkeypatch: pytest.MonkeyPatch, width: int
) -> None:
    add_youth(ready, BORN_16, "Ida Jensen", *SCHOOL)
    add_youth(ready, dt.date(2010, 6, 1), "Bo Lund", "--status", "none", "--need", "C")
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", str(width))
    monkeypatch.setenv("KUI_LANG", "da")
    table = ok(ready("youth", "list", "--wide"))
    lines = plain(table.stdout).splitlines()
    assert "grundskole" in squeezed(table.stdout) and "primary-school" not in table.stdout
    assert "ingen aktivitet" in squeezed(table.stdout)
    assert "C (flerfaglig indsats)" in squeezed(table.stdout)
    narrow = ok(ready("youth", "list"))
    assert all(len(line) <= width for line in plain(narrow.stdout).splitlines())
    assert "grundskole" in squeezed(narrow.stdout) or "status" in narrow.stderr.lower()
    assert lines and "…" not in table.stdout
    markdown = ok(ready("youth", "list", "-f", "markdown")).stdout
    assert "| i grundskolen " in markdown
    listed = list(csv.DictReader(io.StringIO(ok(ready("youth", "list", "-f", "csv")).stdout)))
    assert [row["status"] for row in listed] == ["primary-school", "none"]
    assert [row["need"] for row in listed] == ["A", "C"]
    found = json.loads(ok(ready("youth", "list", "-f", "json")).stdout)
    assert [row["status"] for row in found] == ["primary-school", "none"]
    monkeypatch.setenv("KUI_LANG", "en")  # English: the code itself, the word --status takes
    english = squeezed(ok(ready("youth", "list", "--wide")).stdout)
    assert "primary-school" in english and "grundskole" not in english


def test_staff_roles_and_meeting_statuses_in_danish(
    ready: KuiRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(ready("staff", "add", "--initials", "CD", "--name", "Vejleder CD", "--role", "uu",
             "--department", "UU"))  # fmt: skip
    ok(ready("meeting", "generate", "--until", "2026-12-31"))
    monkeypatch.setenv("KUI_LANG", "da")
    assert "| UU-vejleder " in ok(ready("staff", "list", "-f", "markdown")).stdout
    assert "| planlagt " in ok(ready("meeting", "list", "-f", "markdown")).stdout
    assert ",uu," in ok(ready("staff", "list", "-f", "csv")).stdout


def test_every_code_label_is_danish_and_english_shows_the_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KUI_LANG", "da")
    for code in labels.CODES:
        assert labels.value("kind", code) != code, code
    assert labels.value("status", "primary-school") == codes.STATUSES["primary-school"]
    assert labels.value("consent", "pending") == "afventer"
    assert labels.value("overdue", ["contact", "offer"]) == ["kontakt", "tilbud"]
    assert labels.value("name", "planned") == "planned"  # not a column of codes
    assert labels.value("status", 3) == 3
    monkeypatch.setenv("KUI_LANG", "en")
    assert labels.coder("status") is None and labels.value("status", "none") == "none"


# --- --columns on report and agenda tables ---


def test_report_tables_take_columns(ready: KuiRunner) -> None:
    add_youth(ready, BORN_16, "Ida Jensen", *SCHOOL)
    overview = ok(ready("report", "overview", "-f", "markdown", "--columns", "status,total"))
    tables = [t for t in overview.stdout.split("## ") if t.strip()]
    headers = [[c.strip() for c in t.splitlines()[2].split("|")[1:-1]] for t in tables]
    assert ["status", "total"] in headers  # youths by status
    assert all(set(header) <= {"status", "total"} and header for header in headers), headers
    assert "Overview" not in overview.stdout  # the figures have neither column
    targets = ok(ready("report", "targets", "-f", "markdown", "--columns", "percent,target"))
    header = [c.strip() for c in targets.stdout.splitlines()[2].split("|")[1:-1]]
    assert header == ["percent", "target"]
    shares = ok(ready("report", "applications", "--year", "2026", "-f", "markdown",
                      "--columns", "education,percent"))  # fmt: skip
    assert [c.strip() for c in shares.stdout.splitlines()[2].split("|")[1:-1]] == [
        "education",
        "percent",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("report", "targets", "--columns", "bogus"), "Unknown column bogus: choose from "),
        (("report", "overview", "--columns", "nope"), "Unknown column nope: choose from "),
        (("report", "targets", "-f", "json", "--columns", "percent"), "--columns is for tables"),
        (
            ("agenda", "show", "--team", "team-2", "--next", "--columns", "bogus"),
            "Unknown column bogus: choose from ",
        ),
        (
            ("agenda", "show", "--team", "team-2", "--next", "-f", "markdown", "--columns", "id"),
            "--columns and --wide are for --format table",
        ),
    ],
)
def test_unknown_or_misplaced_columns_are_one_error_line(
    ready: KuiRunner, args: tuple[str, ...], message: str
) -> None:
    result = ready(*args)
    assert result.exit_code == 1 and message in result.stderr, result.output
    assert len(result.stderr.splitlines()) == 1


def test_agenda_tables_take_columns(ready: KuiRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", "--status", "fgu")
    item = refer(ready, youth, "team-2")
    shown = ok(ready("agenda", "show", "--team", "team-2", "--next", "--columns",
                     "initials,id,kind", today="2026-11-22"))  # fmt: skip
    lines = [line.split() for line in plain(shown.stdout).splitlines() if line.strip()]
    header = next(line for line in lines if "initials" in line)
    assert header == ["initials", "id", "kind"]
    assert ["IJ", str(item), "referral"] in lines
    monkeypatch.setenv("KUI_LANG", "da")  # the kind as its Danish label
    danish = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", "json",
                      today="2026-11-22"))  # fmt: skip
    assert json.loads(danish.stdout)["items"][0]["kind"] == "referral"  # JSON: the code
    table = ok(ready("agenda", "show", "--team", "team-2", "--next", "--columns", "kind,text",
                     today="2026-11-22"))  # fmt: skip
    assert "indstilling" in table.stdout and "Ingen aktivitet" in table.stdout


def test_the_worklist_text_follows_the_language_and_the_digest_stays_danish(
    ready: KuiRunner, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    """The JSON `text` of `kui today` is the reader's language; the digest is a Danish
    document whatever it is."""
    from tests.casework import add_staff, assign

    add_staff(ready, "CD", "uu")
    youth = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--since", "2026-11-20")
    ok(assign(ready, youth, "CD"))
    english = json.loads(ok(ready("today", "-f", "json", user="CD")).stdout)
    english = [i for i in english if i["kind"] == "duty"]
    assert english[0]["text"] == (
        "Education obligation: contact the youth (no activity since 20 November 2026)."
    )
    monkeypatch.setenv("KUI_LANG", "da")
    danish = json.loads(ok(ready("today", "-f", "json", user="CD")).stdout)
    danish = [i for i in danish if i["kind"] == "duty"]
    assert danish[0]["text"] == (
        "Uddannelsespligt: kontakt den unge (uden aktivitet siden 20. november 2026)."
    )
    table = plain(ok(ready("today", user="CD")).stdout)
    assert "Hvornår" in table and "\ni dag " in table and " uddannelsespligt " in table
    assert "2 ændringer i planen venter på din kvittering" in table
    monkeypatch.setenv("KUI_LANG", "en")
    (tmp_path / "out").mkdir()
    ok(ready("digest", "--out", str(tmp_path / "out"), user="AB"))
    digest = (tmp_path / "out" / "CD.md").read_text("utf-8")
    assert "Uddannelsespligt: kontakt den unge (uden aktivitet siden 20. november 2026)." in digest
    assert f"IJ (16 år, nr. {youth})" in digest and "Education" not in digest
    assert "; de næste 7 dage." in digest and "2 ændringer i planen" in digest


def test_an_empty_listing_says_so_in_danish(
    ready: KuiRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KUI_LANG", "da")
    assert ok(ready("youth", "list")).stdout.strip() == "Ingen unge matcher."
    assert ok(ready("meeting", "list")).stdout.strip().endswith("Ingen møder matcher.")
    monkeypatch.setenv("KUI_LANG", "en")
    assert ok(ready("youth", "list")).stdout.strip() == "No youths match."


def test_a_record_shows_fields_and_codes_by_their_labels_in_danish(
    ready: KuiRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", *SCHOOL)
    monkeypatch.setenv("KUI_LANG", "da")
    shown = ok(ready("youth", "show", str(youth), "-f", "markdown")).stdout
    assert "| Status " in shown and "| i grundskolen " in shown and "| Næste overgang " in shown
    kept = ok(ready("youth", "show", str(youth), "-f", "csv")).stdout
    assert "status,primary-school" in kept and "next_transition," in kept
