"""Tables that fit (issue 17, part 3): at 80 and 120 columns every listing keeps its dates, ids,
codes and masked CPR numbers whole, folds text instead of ending it in "…", leaves out the least
important columns with a line on stderr (`--wide` shows them), draws no empty column, and says
so when it is empty; `--columns` and `--fields` pick what is shown and refuse unknown names."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Any

import pytest

from kui_cli import render
from kui_cli.render import tables
from tests import municipality
from tests.conftest import KuiRunner, add_youth, ok

# Every listing command, on the test municipality ({bo}: a youth with a plan and a coordinator).
LISTINGS = [
    ("youth", "list"),
    ("staff", "list"),
    ("duty", "check"),
    ("meeting", "list"),
    ("transitions", "--within", "3650"),
    ("plan", "inbox"),
    ("plan", "log", "{bo}"),
    ("coordinator", "history", "{bo}"),
    ("team", "list"),
    ("audit", "log"),
    ("retention", "purge", "--dry-run"),
]
ISO_DATE = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
ISO_MOMENT = re.compile(r"\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
MASKED_CPR = re.compile(r"\A\d{6}-xxxx\Z")
LEFT_OUT = re.compile(r"Left out at (\d+) columns: (.+) \(see them with --wide or --columns\)\.")


@pytest.fixture
def town(ready: KuiRunner, db_url: str) -> tuple[KuiRunner, dict[str, str]]:
    """The test municipality with next quarter's meetings; the listings' arguments."""
    ids = municipality.build(ready, db_url)
    ok(ready("meeting", "generate", "--until", "2027-02-28"))
    return ready, {"bo": str(ids["Bo"])}


def terminal(monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    """A terminal of `width` columns, as rich reads it (the test's stdout is not one)."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", str(width))


def whole_values(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """Per field, the texts a table must show whole: dates, moments, masked CPR numbers, ids."""
    found: dict[str, set[str]] = {}
    for row in rows:
        for key, value in row.items():
            if isinstance(value, str) and ISO_DATE.match(value):
                text = value
            elif isinstance(value, str) and ISO_MOMENT.match(value):
                text = render.cell(dt.datetime.fromisoformat(value))
            elif (isinstance(value, str) and MASKED_CPR.match(value)) or isinstance(value, int):
                text = render.cell(value)
            else:
                continue
            found.setdefault(key, set()).add(text)
    return found


def plain(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def left_out(stderr: str, width: int) -> list[str]:
    match = LEFT_OUT.search(stderr)
    if match is None:
        return []
    assert int(match.group(1)) == width
    return match.group(2).split(", ")


@pytest.mark.own_staff
@pytest.mark.parametrize("listing", LISTINGS, ids=lambda args: " ".join(args))
def test_every_listing_fits_80_and_120_columns(
    town: tuple[KuiRunner, dict[str, str]], monkeypatch: pytest.MonkeyPatch, listing: tuple
) -> None:
    kui, names = town
    args = [arg.format(**names) for arg in listing]
    rows = json.loads(ok(kui(*args, "-f", "json")).stdout)
    whole = whole_values(rows)
    for width in (80, 120):
        terminal(monkeypatch, width)
        result = ok(kui(*args))
        out, dropped = plain(result.stdout), left_out(result.stderr, width)
        assert "…" not in out
        if not rows:
            assert out.strip().endswith("match."), out
            continue
        assert all(len(line) <= width for line in out.splitlines()), out
        for key, texts in whole.items():
            if key in dropped or f" {key} " not in out:  # left out, or an empty column
                continue
            assert all(text in out for text in texts), (key, texts - {t for t in texts if t in out})
        wide = ok(kui(*args, "--wide"))
        assert "Left out" not in wide.stderr
        assert all(f" {name} " in plain(wide.stdout) for name in dropped)
        for texts in whole.values():
            assert all(text in plain(wide.stdout) for text in texts)


@pytest.mark.own_staff
def test_at_80_columns_the_least_important_go_first(
    town: tuple[KuiRunner, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    kui, _ = town
    terminal(monkeypatch, 80)
    result = ok(kui("duty", "check"))
    dropped = left_out(result.stderr, 80)
    assert dropped and "overdue" not in dropped and "contact_deadline" not in dropped
    assert " overdue " in plain(result.stdout)
    assert "2026-10-12" in plain(result.stdout)  # Bo's contact deadline (out since 2026-10-05)
    terminal(monkeypatch, 120)
    assert len(left_out(ok(kui("duty", "check")).stderr, 120)) < len(dropped)


def test_columns_pick_and_order_the_columns(ready: KuiRunner) -> None:
    add_youth(ready, dt.date(2010, 3, 15), "Ida Jensen")
    table = ok(ready("youth", "list", "--columns", "name,id"))
    header = table.stdout.splitlines()[0].split()
    assert header == ["name", "id"]
    rows = list(
        csv.reader(
            io.StringIO(ok(ready("youth", "list", "-f", "csv", "--columns", "cpr,name")).stdout)
        )
    )
    assert rows == [["cpr", "name"], ["150310-xxxx", "Ida Jensen"]]
    markdown = ok(ready("youth", "list", "-f", "markdown", "--columns", "age")).stdout
    assert markdown.splitlines()[0].split("|")[1].strip() == "age"


def test_fields_pick_the_json_fields(ready: KuiRunner) -> None:
    add_youth(ready, dt.date(2010, 3, 15), "Ida Jensen")
    found = json.loads(ok(ready("youth", "list", "-f", "json", "--fields", "name,age")).stdout)
    assert found == [{"name": "Ida Jensen", "age": 16}]
    assert list(found[0]) == ["name", "age"]


@pytest.mark.parametrize(
    ("options", "said"),
    [
        (("--columns", "id,nmae"), "Unknown column nmae: choose from id, cpr, name,"),
        (("-f", "csv", "--columns", "bogus"), "Unknown column bogus: choose from id, cpr,"),
        (("-f", "json", "--fields", "id,bogus"), "Unknown field bogus: choose from id, cpr,"),
        (("--columns", ","), "Unknown column (none): choose from id,"),
        (("--fields", "id"), "--fields is for --format json"),
        (("-f", "json", "--columns", "id"), "--columns is for tables, markdown and csv"),
    ],
)
def test_unknown_names_are_one_error_line(
    ready: KuiRunner, options: tuple[str, ...], said: str
) -> None:
    add_youth(ready, dt.date(2010, 3, 15))
    result = ready("youth", "list", *options)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {said}") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_an_empty_listing_says_so(ready: KuiRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ok(ready("youth", "list")).stdout == "No youths match.\n"
    assert ok(ready("duty", "check")).stdout == "No open episodes match.\n"
    assert ok(ready("team", "list", "-f", "markdown")).stdout != ""
    terminal(monkeypatch, 80)
    assert ok(ready("youth", "list")).stdout == "No youths match.\n"
    # Scripts keep their shapes: an empty array, a header line.
    assert json.loads(ok(ready("youth", "list", "-f", "json")).stdout) == []
    assert ok(ready("youth", "list", "-f", "csv")).stdout.startswith("id,cpr,name,")


def test_empty_columns_are_not_drawn(ready: KuiRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    add_youth(ready, dt.date(2010, 3, 15))
    for width in (None, 120):  # piped, then on a terminal
        if width:
            terminal(monkeypatch, width)
        out = plain(ok(ready("youth", "list")).stdout)
        assert "name" in out.split()
        assert "coordinator" not in out and "plan_owner" not in out
        asked = plain(ok(ready("youth", "list", "--columns", "id,coordinator")).stdout)
        assert "coordinator" in asked  # asked for by name: drawn, even empty
    assert "coordinator" in ok(ready("youth", "list", "-f", "csv")).stdout.splitlines()[0]


def test_text_folds_and_codes_stay_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    terminal(monkeypatch, 80)
    reason = "Flyttet til Aabenraa efter aftale med familien og skolen om et nyt forløb"
    rows = [
        {
            "id": 12845,
            "cpr": "170900-xxxx",
            "on": dt.date(2026, 12, 3),
            "status": "benefit-activity-ready",
            "why": reason,
        },
    ]
    out = io.StringIO()
    render.listing(rows, out=out)
    text = plain(out.getvalue())
    assert "…" not in text
    for whole in ("12845", "170900-xxxx", "2026-12-03", "benefit-activity-ready"):
        assert whole in text
    assert all(word in text for word in reason.split())
    assert all(len(line) <= 80 for line in text.splitlines())


def test_the_kind_of_a_column_comes_from_its_values() -> None:
    def kind(name: str, *values: Any) -> tables.Kind:
        return tables.kind_of(name, list(values), [render.cell(v) for v in values])

    assert kind("born", dt.date(2010, 1, 1), None) is tables.Kind.date
    assert kind("at", dt.datetime(2026, 1, 1, 9, tzinfo=dt.UTC)) is tables.Kind.date
    assert kind("id", 1, 2) is tables.Kind.id
    assert kind("youth_id", 1) is tables.Kind.id
    assert kind("hours", 12, 1.5) is tables.Kind.number
    assert kind("initials", "AB", None, "CD") is tables.Kind.code
    assert kind("cpr", "170900-xxxx") is tables.Kind.code
    assert kind("name", "Ida Jensen") is tables.Kind.text
    assert kind("key", "x" * 40) is tables.Kind.text


def test_the_most_important_column_is_always_kept() -> None:
    cols = [tables.Column("id", tables.Kind.id, 90, 90), tables.Column("b", tables.Kind.code, 5, 5)]
    assert [c.name for c in tables.fitting(cols, ["id", "b"], 80)] == ["id"]
    layout = tables.Layout(priority=("b",))
    assert layout.ranked(["a", "b", "c"]) == ["b", "a", "c"]
    assert [c.name for c in tables.fitting(cols, layout.ranked(["id", "b"]), 80)] == ["b"]


def test_grouped_tables_say_once_what_they_left_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    terminal(monkeypatch, 80)
    codes = {name: name * 24 for name in ("k", "m", "n")}  # whole: 27 columns each with borders
    row = {"id": 1, "at": dt.date(2026, 12, 3), **codes}
    render.grouped([("Ida J.", [row]), ("Bo K.", [dict(row, id=2)])], columns=list(row))
    out, err = capsys.readouterr()
    assert "Ida J." in out and "Bo K." in out and out.count("2026-12-03") == 2
    assert err == "Left out at 80 columns: n (see them with --wide or --columns).\n"
    render.grouped([("Ida J.", [row])], columns=list(row), view=render.View(wide=True))
    out, err = capsys.readouterr()
    assert "n" * 24 in out and err == ""
