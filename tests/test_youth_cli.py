"""The youth registry through the CLI: add, list, show, update, formats, masking, errors, audit."""

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import create_engine, text

from kui_cli.phrase import Phrase
from tests.conftest import (
    TODAY,
    KuiRunner,
    add_youth,
    cpr_for,
    leader,
    ok,
    snapshot,
    without_trail,
)

BORN_16 = dt.date(2010, 3, 15)


def audit_rows(url: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM audit_log ORDER BY id"))]
    engine.dispose()
    return rows


def test_add_then_show_derives_age_and_group(ready: KuiRunner) -> None:
    youth_id = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--need", "B")
    shown = json.loads(ok(ready("youth", "show", str(youth_id), "-f", "json")).stdout)
    assert shown["age"] == 16
    assert shown["age_group"] == 2
    assert shown["status_since"] == TODAY
    assert shown["registered_on"] == TODAY
    assert shown["cpr"] == "150310-xxxx"
    assert shown["history"][0]["by"] == "AB"


def test_show_by_cpr_with_or_without_dash(ready: KuiRunner) -> None:
    youth_id = add_youth(ready, BORN_16)
    number = cpr_for(BORN_16)
    for ref in (number, number.replace("-", "")):
        assert json.loads(ok(ready("youth", "show", ref, "-f", "json")).stdout)["id"] == youth_id


def test_cpr_is_masked_unless_revealed(ready: KuiRunner) -> None:
    add_youth(ready, BORN_16)
    number = cpr_for(BORN_16)
    for fmt in ("table", "csv", "json", "markdown"):
        out = ok(ready("youth", "list", "-f", fmt)).stdout
        assert number not in out and number.replace("-", "") not in out
        assert "150310-xxxx" in out
    revealed = json.loads(ok(ready("youth", "list", "--reveal", "-f", "json")).stdout)
    assert revealed[0]["cpr"] == number


def test_every_format_is_well_formed(ready: KuiRunner) -> None:
    add_youth(ready, BORN_16, "Søren Ærø")
    rows = json.loads(ok(ready("youth", "list", "-f", "json")).stdout)
    assert rows[0]["name"] == "Søren Ærø"
    assert set(rows[0]) >= {"id", "cpr", "age_group", "coordinator", "team", "plan_owner"}
    parsed = list(csv.DictReader(io.StringIO(ok(ready("youth", "list", "-f", "csv")).stdout)))
    assert parsed[0]["name"] == "Søren Ærø" and "registered_on" in parsed[0]
    markdown = ok(ready("youth", "list", "-f", "markdown")).stdout
    assert markdown.splitlines()[0].replace(" ", "").startswith("|id|cpr|")
    table = ok(ready("youth", "list")).stdout
    assert "\x1b[" not in table and "Søren Ærø" in table


def test_empty_listing_is_an_empty_json_list(ready: KuiRunner) -> None:
    assert json.loads(ok(ready("youth", "list", "-f", "json")).stdout) == []


def test_list_filters_by_group_need_status_and_search(ready: KuiRunner) -> None:
    pupil = add_youth(ready, dt.date(2011, 5, 1), "Alma Holm", "--status", "primary-school")
    minor = add_youth(ready, BORN_16, "Bo Lund", "--need", "C")
    adult = add_youth(ready, dt.date(2004, 1, 1), "Carl Hansen", "--status", "job")
    older = add_youth(ready, dt.date(1998, 1, 1), "Dina Olsen", "--need", "B")
    outside = add_youth(ready, dt.date(1990, 1, 1), "Erik Lund", today="2015-06-01")  # now 36

    def ids(*args: str) -> list[int]:
        return [r["id"] for r in json.loads(ok(ready("youth", "list", *args, "-f", "json")).stdout)]

    assert ids("--group", "1") == [pupil]
    assert ids("--group", "2") == [minor]
    assert ids("--group", "3") == [adult]
    assert ids("--group", "4") == [older]
    assert ids() == [pupil, minor, adult, older, outside]
    assert ids("--need", "c") == [minor]
    assert ids("--kui") == [minor, older]
    assert ids("--status", "job") == [adult]
    assert ids("--search", "lund") == [minor, outside]
    assert ids("--search", "150310") == [minor]


def test_search_reads_percent_and_underscore_literally(ready: KuiRunner) -> None:
    """`%` and `_` are SQL wildcards: unescaped, `--search %` listed everyone."""
    ida = add_youth(ready, BORN_16, "Ida Jensen")
    add_youth(ready, dt.date(2009, 4, 1), "Ib Holm")

    def ids(term: str) -> list[int]:
        listed = ok(ready("youth", "list", "--search", term, "-f", "json")).stdout
        return [r["id"] for r in json.loads(listed)]

    assert ids("%") == []
    assert ids("_") == []
    assert ids("I_a") == []
    assert ids("d%n") == []
    assert ids("da j") == [ida]


def test_update_keeps_history_with_reason(ready: KuiRunner) -> None:
    ok(ready("staff", "add", *leader("CD")))
    youth_id = str(
        add_youth(ready, BORN_16, "Ida", "--status", "vocational", "--since", "2025-08-01")
    )
    ok(
        ready(
            "youth",
            "update",
            youth_id,
            "--status",
            "none",
            "--since",
            "2026-11-01",
            "--need",
            "B",
            "--reason",
            "Dropped out of EUD",
            user="CD",
        )
    )
    shown = json.loads(ok(ready("youth", "show", youth_id, "-f", "json")).stdout)
    assert (shown["status"], shown["status_since"], shown["need"]) == ("none", "2026-11-01", "B")
    last = shown["history"][-2:]
    assert [h["why"] for h in last] == ["Dropped out of EUD"] * 2
    assert all(h["by"] == "CD" for h in last)


def test_a_status_cannot_start_before_the_current_one(ready: KuiRunner, db_url: str) -> None:
    youth_id = str(add_youth(ready, BORN_16, "Ida", "--status", "none", "--since", "2026-11-02"))
    before = snapshot(db_url)
    options = ("--status", "gymnasium", "--reason", "Started in 2020")
    result = ready("youth", "update", youth_id, *options, "--since", "2020-01-01")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --since 2020-01-01 is before 2026-11-02, the start of the current status none: "
        "a new status starts on or after it"
    )
    assert snapshot(db_url) == before
    ok(ready("youth", "update", youth_id, *options, "--since", "2026-11-02"))  # the same day
    shown = json.loads(ok(ready("youth", "show", youth_id, "-f", "json")).stdout)
    assert (shown["status"], shown["status_since"]) == ("gymnasium", "2026-11-02")


def test_a_status_cannot_start_after_today(ready: KuiRunner, db_url: str) -> None:
    """As `youth add` and `youth import` refuse it: the status is what the youth does now."""
    youth_id = str(add_youth(ready, BORN_16, "Ida", "--status", "none", "--since", "2026-11-02"))
    before = snapshot(db_url)
    options = ("--status", "gymnasium", "--since", "2026-11-23", "--reason", "Starts tomorrow")
    result = ready("youth", "update", youth_id, *options)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --since 2026-11-23 is after 2026-11-22: record a status once it has begun"
    )
    assert snapshot(db_url) == before


def change_log(url: str) -> list[tuple]:
    """The rows, each sentence as it reads in English (`what` a template with `what_args`)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT * FROM change_log ORDER BY id")).mappings()
        rows = [
            tuple({**r, "what": str(Phrase.stored(r["what"], r["what_args"]))}.values())
            for r in found
        ]
    engine.dispose()
    return rows


@pytest.mark.parametrize(
    "options",
    [
        ("--need", "c"),
        ("--status", "none"),
        ("--status", "none", "--since", "2026-11-02"),
        ("--name", " Ida Jensen "),
        ("--need", "C", "--name", "Ida Jensen", "--phone", ""),
    ],
)
def test_an_update_that_changes_nothing_logs_nothing_and_says_so(
    ready: KuiRunner, db_url: str, options: tuple[str, ...]
) -> None:
    add = ("--status", "none", "--since", "2026-11-02", "--need", "C")
    youth_id = str(add_youth(ready, BORN_16, "Ida Jensen", *add))
    logged, audited = change_log(db_url), audit_rows(db_url)
    result = ok(ready("youth", "update", youth_id, *options, "--reason", "Teammøde", user="AB"))
    assert result.stderr.startswith(f"Nothing changed for youth {youth_id}: ")
    assert "is already" in result.stderr
    assert change_log(db_url) == logged
    new = audit_rows(db_url)[len(audited) :]
    assert [e["action"] for e in new] == ["read"]


def test_an_update_logs_only_the_fields_that_change(ready: KuiRunner, db_url: str) -> None:
    youth_id = str(add_youth(ready, BORN_16, "Ida Jensen", "--need", "C"))
    logged = len(change_log(db_url))
    result = ok(ready("youth", "update", youth_id, "--need", "C", "--name", "Ida Holm",
                      "--reason", "Navneskift"))  # fmt: skip
    assert "Updated youth" in result.stderr and "need is already C" in result.stderr
    added = change_log(db_url)[logged:]
    assert len(added) == 1 and "name: Ida Holm" in added[0]
    assert audit_rows(db_url)[-1]["action"] == "update"


def test_update_requires_a_reason(ready: KuiRunner) -> None:
    youth_id = str(add_youth(ready, BORN_16))
    result = ready("youth", "update", youth_id, "--need", "B")
    assert result.exit_code == 2


def test_guardian_for_a_minor_only(ready: KuiRunner) -> None:
    minor = str(add_youth(ready, BORN_16))
    ok(ready("youth", "guardian", "add", minor, "--name", "Mette Jensen", "--phone", "12345678"))
    shown = json.loads(ok(ready("youth", "show", minor, "-f", "json")).stdout)
    assert shown["guardians"] == [
        {"id": 1, "name": "Mette Jensen", "phone": "12345678", "email": None}
    ]
    adult = str(add_youth(ready, dt.date(2000, 1, 1), "Adult"))
    result = ready("youth", "guardian", "add", adult, "--name", "X")
    assert result.exit_code == 1 and "minors only" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("youth", "add", "--cpr", "310209-4001", "--name", "Bad date"),
        ("youth", "add", "--cpr", "231126-4001", "--name", "Future"),
        ("youth", "add", "--cpr", "150310-4321", "--name", "Duplicate"),
        ("youth", "add", "--cpr", "150310-4322", "--name", "  "),
        ("youth", "add", "--cpr", "150310-4322", "--name", "X", "--status", "dancing"),
        ("youth", "show", "999"),
        ("youth", "show", "nobody"),
        ("youth", "update", "1", "--status", "none", "--since", "2026-13-01", "--reason", "x"),
        ("youth", "update", "1", "--need", "Z", "--reason", "x"),
        ("youth", "import", "/nonexistent/file.csv"),
    ],
)
def test_bad_input_is_one_line_exit_1_and_changes_nothing(
    ready: KuiRunner, db_url: str, args: tuple[str, ...]
) -> None:
    add_youth(ready, BORN_16)
    before = snapshot(db_url)
    result = ready(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    # The duplicate is a lookup by CPR: recorded and audited (test_cpr_oracle.py).
    assert without_trail(snapshot(db_url)) == without_trail(before)


def test_bad_today_is_a_clear_error(ready: KuiRunner) -> None:
    result = ready("youth", "list", today="22-11-2026")
    assert result.exit_code == 1 and result.stderr.startswith("Error: --today")


def test_uninitialised_database_is_a_clear_error(kui: KuiRunner) -> None:
    result = kui("youth", "list")
    assert result.exit_code == 1
    assert "kui init" in result.stderr


def test_unreachable_database_is_a_clear_error(tmp_path) -> None:
    from typer.testing import CliRunner

    from kui_cli.app import app

    url = "postgresql+psycopg://nobody:x@127.0.0.1:1/none"
    result = CliRunner().invoke(app, ["--db", url, "youth", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "Traceback" not in result.output
    assert ":x@" not in result.stderr


def test_show_and_list_write_audit_entries(ready: KuiRunner, db_url: str) -> None:
    for initials in ("CD", "EF"):
        ok(ready("staff", "add", *leader(initials)))
    youth_id = str(add_youth(ready, BORN_16))
    ok(ready("youth", "show", youth_id, user="CD"))
    ok(ready("youth", "list", "--need", "A", user="EF"))
    entries = audit_rows(db_url)
    show = [e for e in entries if e["command"] == "kui youth show"]
    listing = [e for e in entries if e["command"] == "kui youth list"]
    assert show and show[-1]["user"] == "CD" and show[-1]["action"] == "read"
    assert show[-1]["subject_key"] and len(show[-1]["subject_key"]) == 24
    assert listing[-1]["user"] == "EF" and listing[-1]["rows"] == 1
    assert json.loads(listing[-1]["filter"]) == {"need": "A"}
    number = cpr_for(BORN_16).replace("-", "")
    assert not any(number in json.dumps(e, default=str) for e in entries)


def test_subject_key_is_stable_and_differs_between_databases(ready: KuiRunner, db_url: str) -> None:
    add_youth(ready, BORN_16)
    engine = create_engine(db_url)
    with engine.connect() as conn:
        key = conn.execute(text("SELECT subject_key FROM youth")).scalar()
    engine.dispose()
    assert key and cpr_for(BORN_16)[:6] not in key


def test_version(kui: KuiRunner) -> None:
    assert ok(kui("--version")).stdout.startswith("kui ")


def test_a_listing_is_logged_before_its_rows_are_shown(
    ready: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rows are streamed as they are printed (issue 19), after the audit entry with their
    count is committed: a reader stopped after the first row (Ctrl-C) was still logged."""
    from kui_cli import render

    for day, name in ((15, "Ida Jensen"), (16, "Bo Jensen"), (17, "Alma Holm")):
        add_youth(ready, BORN_16.replace(day=day), name)
    shown: list[dict] = []

    def stopped_after_one(rows, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        shown.append(next(iter(rows)))
        raise KeyboardInterrupt

    monkeypatch.setattr(render, "listing", stopped_after_one)
    result = ready("youth", "list", "--search", "jensen")
    assert result.exit_code == 130 and shown[0]["name"] == "Ida Jensen"
    listing = [e for e in audit_rows(db_url) if e["command"] == "kui youth list"]
    assert listing[-1]["rows"] == 2 and json.loads(listing[-1]["filter"]) == {"search": "jensen"}
