"""Agreements (aftaler, issue 16): who does what by when, in the plan, the log and the inbox.

AB is the UU coordinator and plan owner of Ida (16), CD a social worker with an effort on her
case, GH a UU counsellor who is not on it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import create_engine, event
from sqlmodel import Session

from kui_cli.domain import staff
from kui_cli.domain.plan import agreements
from kui_cli.domain.protection import access
from kui_cli.domain.protection.audit import Actor
from tests.casework import (
    BORN_16,
    add_effort,
    add_staff,
    as_json,
    assign,
    refused_and_logged,
    shipped_office,
)
from tests.conftest import TODAY, KuiRunner, add_youth, cpr_for, ok, snapshot

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)


@pytest.fixture
def case(ready: KuiRunner) -> tuple[KuiRunner, int]:
    for initials in ("AB", "CD", "GH"):
        add_staff(ready, initials)
    ida = add_youth(ready, BORN_16)
    ok(assign(ready, ida, "AB"))
    add_effort(ready, ida, "CD")
    return ready, ida


def agree(kui: KuiRunner, youth_id: int, text: str, *extra: str, **kwargs: object) -> int:
    args = ["--responsible", "CD", "--due", "2026-12-04", "--reason", "teammøde", *extra]
    result = kui("plan", "agreement", "add", str(youth_id), text, *args, **kwargs)
    return int(ok(result).stdout.strip())


def test_an_agreement_is_in_the_plan_and_its_log(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    call = agree(kui, ida, "Ringe til Tech College om praktik")
    [row] = as_json(kui, "plan", "show", str(ida))["agreements"]
    assert (row["id"], row["text"], row["responsible"], row["due"], row["status"]) == (
        call,
        "Ringe til Tech College om praktik",
        "CD",
        "2026-12-04",
        "open",
    )
    assert (row["responsible_name"], row["responsible_department"]) == (
        "Person CD",
        "Afdeling social",
    )
    assert (row["created_on"], row["created_by"], row["closed_on"]) == (TODAY, "AB", None)
    log = as_json(kui, "plan", "log", str(ida))[-1]
    assert log["kind"] == "agreement" and log["why"] == "teammøde" and log["by"] == "AB"
    assert log["what"] == (
        f"agreement {call} added: Ringe til Tech College om praktik "
        "(responsible CD, due 2026-12-04)"
    )


def test_done_and_dropped_close_once_on_the_reference_day(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    call, visit = agree(kui, ida, "Ringe til skolen"), agree(kui, ida, "Hjemmebesøg")
    ok(kui("plan", "agreement", "done", str(call), user="CD", today="2026-11-30"))
    ok(kui("plan", "agreement", "drop", str(visit), "--reason", "Ida kom selv", today="2026-12-01"))
    rows = {r["id"]: r for r in as_json(kui, "plan", "show", str(ida))["agreements"]}
    assert (rows[call]["status"], rows[call]["closed_on"], rows[call]["closed_by"]) == (
        "done",
        "2026-11-30",
        "CD",
    )
    assert (rows[visit]["status"], rows[visit]["closed_on"]) == ("dropped", "2026-12-01")
    log = as_json(kui, "plan", "log", str(ida))
    assert [(r["old"], r["new"], r["why"]) for r in log[-2:]] == [
        ("open", "done", None),
        ("open", "dropped", "Ida kom selv"),
    ]
    for args in (("done", str(call)), ("drop", str(call), "--reason", "x"), ("done", str(visit))):
        result = kui("plan", "agreement", *args)
        assert result.exit_code == 1
        assert result.stderr.strip().splitlines() == [
            f"Error: agreement {args[1]} is {rows[int(args[1])]['status']} since "
            f"{rows[int(args[1])]['closed_on']}: only an open one changes"
        ]


def test_open_agreements_come_first_by_due_date(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    late = agree(kui, ida, "Senere", "--due", "2027-01-10")
    soon = agree(kui, ida, "Snart", "--due", "2026-11-25")
    closed = agree(kui, ida, "Klaret")
    ok(kui("plan", "agreement", "done", str(closed)))
    rows = as_json(kui, "plan", "show", str(ida))["agreements"]
    assert [r["id"] for r in rows] == [soon, late, closed]


def test_refusals_change_nothing(case: tuple[KuiRunner, int], db_url: str) -> None:
    kui, ida = case
    ok(kui("staff", "add", "--initials", "OLD", "--name", "Gammel", "--role", "uu",
           "--department", "UU"))  # fmt: skip
    add_effort(kui, ida, "OLD")
    ok(kui("staff", "deactivate", "OLD"))
    call = agree(kui, ida, "Ringe")
    ok(kui("plan", "agreement", "done", str(call)))
    before = snapshot(db_url)
    base = {"--responsible": "CD", "--due": "2026-12-04", "--reason": "r"}
    cases = [
        ({"--reason": " "}, "x", "--reason is required"),
        ({}, "  ", "the agreement's text is required"),
        ({}, f"Ring om {cpr_for(BORN_16)}", "CPR number"),
        ({"--due": "2026-11-21"}, "x", "--due 2026-11-21 is before today (2026-11-22)"),
        ({"--due": "4/12"}, "x", "--due must be a date"),
        ({"--responsible": "QQ"}, "x", "unknown staff member 'QQ'"),
        ({"--responsible": "OLD"}, "x", "staff member OLD is not active"),
        ({"--responsible": "GH"}, "x", f"GH does not work on youth {ida}: add an effort"),
    ]
    for changed, text, message in cases:
        options = [item for pair in (base | changed).items() for item in pair]
        result = kui("plan", "agreement", "add", str(ida), text, *options)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    for args, message in [
        (("done", "999"), "no agreement with id 999"),
        (("drop", str(call), "--reason", ""), "--reason is required"),
        (("done", str(call), "--reason", f"ring {cpr_for(BORN_16)}"), "CPR number"),
        (("add", "999", "x", *[i for p in base.items() for i in p]), "no youth with id 999"),
    ]:
        result = kui("plan", "agreement", *args)
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert snapshot(db_url) == before


def test_a_refused_responsible_is_told_how_to_join(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    result = kui("plan", "agreement", "add", str(ida), "x", "--responsible", "GH",
                 "--due", "2026-12-04", "--reason", "r")  # fmt: skip
    assert f"`kui plan effort add {ida} --responsible GH ...`" in result.stderr
    add_effort(kui, ida, "GH", user="AB")  # GH joins the case with an effort
    agree(kui, ida, "Nu kan GH", "--responsible", "GH")


def test_a_change_by_someone_else_lands_in_the_owners_inbox(case: tuple[KuiRunner, int]) -> None:
    kui, ida = case
    own = agree(kui, ida, "AB's egen")  # the owner's own change waits for nobody
    ok(kui("plan", "ack", "--all"))
    theirs = agree(kui, ida, "CD's aftale", user="CD")
    ok(kui("plan", "agreement", "done", str(own), user="CD"))
    waiting = as_json(kui, "plan", "inbox")
    assert [(r["youth_id"], r["by"], r["what"]) for r in waiting] == [
        (ida, "CD", f"agreement {theirs} added: CD's aftale (responsible CD, due 2026-12-04)"),
        (ida, "CD", f"agreement {own} done: AB's egen"),
    ]
    assert as_json(kui, "plan", "inbox", user="CD") == []  # CD owns no plan


def test_open_for_lists_a_persons_open_agreements_due_by_a_day(
    case: tuple[KuiRunner, int], db_url: str
) -> None:
    kui, ida = case
    bo = add_youth(kui, dt.date(2009, 9, 9), "Bo Lund")
    add_effort(kui, bo, "CD")
    overdue = agree(kui, ida, "Før", "--due", "2026-11-23", today="2026-11-20")
    friday = agree(kui, bo, "Fredag", "--due", "2026-11-27")
    agree(kui, ida, "Senere", "--due", "2026-12-20")
    agree(kui, ida, "AB's", "--responsible", "AB", "--due", "2026-11-24")
    closed = agree(kui, ida, "Klaret", "--due", "2026-11-24")
    ok(kui("plan", "agreement", "done", str(closed)))
    engine = create_engine(db_url)
    with Session(engine) as session:
        actor = Actor("CD", "kui today", dt.date(2026, 11, 25))
        access.establish(session, access.identify(session, actor))
        cd = access.established(session).staff_id
        assert cd is not None
        found = agreements.open_for(session, cd, dt.date(2026, 11, 27))
    engine.dispose()
    assert [(r["id"], r["youth_id"], r["due"]) for r in found] == [
        (overdue, ida, dt.date(2026, 11, 23)),
        (friday, bo, dt.date(2026, 11, 27)),
    ]
    assert found[0]["text"] == "Før"


# attacks, under the shipped profile (`casework.shipped_office`)


@pytest.fixture
def office(kui: KuiRunner) -> tuple[KuiRunner, int]:
    return kui, shipped_office(kui)


def test_a_stranger_may_not_add_do_or_drop_an_agreement(
    office: tuple[KuiRunner, int], db_url: str
) -> None:
    kui, ida = office
    call = agree(kui, ida, "Ringe til skolen", user="AB")
    options = ("--responsible", "GH", "--due", "2026-12-04", "--reason", "jeg vil se sagen")
    for args in [
        ("plan", "agreement", "add", str(ida), "Snage", *options),
        ("plan", "agreement", "done", str(call)),
        ("plan", "agreement", "drop", str(call), "--reason", "x"),
    ]:
        refused_and_logged(kui, db_url, args, "GH")
    assert as_json(kui, "plan", "show", str(ida), user="LE")["agreements"][0]["status"] == "open"


def test_a_responsible_outside_the_case_is_refused_under_the_shipped_profile(
    office: tuple[KuiRunner, int], db_url: str
) -> None:
    kui, ida = office
    before = snapshot(db_url)
    for who in ("GH", "LE"):  # a leader sees every youth but works on no case here
        result = kui("plan", "agreement", "add", str(ida), "x", "--responsible", who,
                     "--due", "2026-12-04", "--reason", "r", user="AB")  # fmt: skip
        assert result.exit_code == 1
        assert f"{who} does not work on youth {ida}: add an effort for them first" in result.stderr
    assert snapshot(db_url) == before
    agree(kui, ida, "CD's", user="AB")  # CD holds an effort: on the case


def test_open_for_shows_only_the_youths_the_reader_may_see_by_its_index(
    kui: KuiRunner, db_url: str
) -> None:
    """Under the shipped profile: CD holds efforts on Ida's and Bo's cases; the reader sees CD's
    agreements only of the youths they work on themselves (a leader: all), found through the
    index on (staff_id, status, due)."""
    ida = shipped_office(kui)
    bo = add_youth(lambda *a, **k: kui(*a, user="LE", **k), dt.date(2009, 9, 9), "Bo Lund")
    add_effort(kui, bo, "CD", user="LE")
    first, second = agree(kui, ida, "Idas", user="AB"), agree(kui, bo, "Bos", user="LE")
    engine = create_engine(db_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    found = {}
    for reader in ("AB", "CD", "GH", "LE"):
        with Session(engine) as session:
            actor = Actor(reader, "kui today", dt.date(2026, 11, 22))
            access.establish(session, access.identify(session, actor))
            cd = staff.by_initials(session, "CD")
            assert cd is not None and cd.id is not None
            rows = agreements.open_for(session, cd.id, dt.date(2026, 12, 31))
            found[reader] = [r["id"] for r in rows]
    if db_url.startswith("sqlite"):
        [sql] = [s for s in statements if s.lstrip().startswith("SELECT agreement.id")][-1:]
        with engine.connect() as conn:
            shown = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", (cd.id, "open", "2026-12-31"))
            plan = [row[3] for row in shown]
        assert any("ix_agreement_staff_status_due" in line for line in plan), plan
    engine.dispose()
    assert found == {"AB": [first], "CD": [first, second], "GH": [], "LE": [first, second]}
