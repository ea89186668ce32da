"""Initials folded alike in Python and in SQL: the owner's own changes are the same changes in
the inbox (Python) and the export (the database); the acting user is one staff member whatever
the case typed, in the access rule, the audit log and PostgreSQL's row-level security."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, func, literal, select, text
from sqlmodel import Session

from kui_cli.domain import initials, staff
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.staff import INITIALS
from tests.casework import BORN_16, as_json
from tests.conftest import KuiRunner, cpr_for, leader, ok

LETTERS = initials.LOWER + initials.UPPER + "0123456789"
# Characters that some upper() turns into letters of initials, or into several letters.
TRICKY = "ıİßﬀéüÆæ-ǅ"
AUTHORS = st.text(alphabet=LETTERS + TRICKY, max_size=6)


@given(st.text(alphabet=LETTERS, max_size=12))
def test_fold_is_upper_case_on_the_letters_of_initials(text: str) -> None:
    assert initials.fold(text) == text.upper()


@given(st.text(max_size=8))
def test_fold_leaves_every_other_character(text: str) -> None:
    folded = initials.fold(text)
    assert len(folded) == len(text)
    assert all(f == c or c in initials.LOWER for c, f in zip(text, folded, strict=True))


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(author=AUTHORS, owner=st.from_regex(INITIALS, fullmatch=True))
@example(author="ıb", owner="IB")  # PostgreSQL's upper() makes this IB
@example(author="æøå", owner="ÆØÅ")  # SQLite's upper() leaves it as it is
def test_sql_folds_exactly_as_python(db_url: str, author: str, owner: str) -> None:
    engine = create_engine(db_url)
    try:
        with engine.connect() as connection:
            query = select(initials.folded(literal(author)), initials.folded(literal(owner)))
            folded_author, folded_owner = connection.execute(query).one()
    finally:
        engine.dispose()
    assert (folded_author, folded_owner) == (initials.fold(author), owner)


@pytest.mark.parametrize(
    ("author", "owner"), [("ab", "AB"), ("Ab", "AB"), ("øå", "ØÅ"), ("Øå", "ØÅ"), ("æ2", "Æ2")]
)
def test_the_owners_initials_in_any_case_are_the_owner(
    db_url: str, author: str, owner: str
) -> None:
    engine = create_engine(db_url)
    with engine.connect() as connection:
        same = connection.execute(select(initials.folded(literal(author)) == owner)).scalar()
    engine.dispose()
    assert same and initials.fold(author) == owner


# --- The acting user is matched once, and recorded by the staff member's own initials --------


@pytest.fixture
def office(kui: KuiRunner) -> KuiRunner:
    """The shipped profile: LE (leader) registers ØB, a UU counsellor who sees their own cases."""
    ok(kui("init", user="LE"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    ok(kui("staff", "add", "--initials", "ØB", "--name", "Ørsted Bak", "--role", "uu",
           "--department", "UU", user="LE"))  # fmt: skip
    return kui


def youth_by_øb(office: KuiRunner) -> int:
    result = office("youth", "add", "--cpr", cpr_for(BORN_16), "--name", "Ida Jensen",
                    "--status", "none", user="øb")  # fmt: skip
    return int(ok(result).stdout.strip())


def test_a_user_in_lower_case_is_the_staff_member_and_recorded_by_their_initials(
    office: KuiRunner, db_url: str
) -> None:
    ida = youth_by_øb(office)
    for user in ("øb", "ØB", "Øb"):
        assert as_json(office, "youth", "show", str(ida), user=user)["id"] == ida, user
    assert [r["id"] for r in as_json(office, "youth", "list", user="øb")] == [ida]
    history = as_json(office, "youth", "show", str(ida), user="LE")["history"]
    assert {change["by"] for change in history} == {"ØB"}
    everyone = as_json(office, "audit", "log", user="LE")
    own = [entry["id"] for entry in everyone if entry["command"] != "kui audit log"]
    users = {entry["user"] for entry in everyone if entry["id"] in own}
    assert users == {"LE", "ØB"}, "as typed (øb) nowhere"
    by_øb = [entry["id"] for entry in everyone if entry["user"] == "ØB"]
    assert len(by_øb) == 5  # add, 3 shows, list
    for asked in ("ØB", "øb"):
        logged = as_json(office, "audit", "log", "--user", asked, user="LE")
        assert [entry["id"] for entry in logged] == by_øb, asked


def test_a_backup_is_logged_by_the_staff_members_own_initials(
    office: KuiRunner, db_url: str, tmp_path
) -> None:
    """`db backup` works outside the command's session; it records the identified staff member
    too, not the initials as typed."""
    if not db_url.startswith("sqlite"):
        pytest.skip("db backup is SQLite's")
    ok(office("db", "backup", str(tmp_path / "copy.db"), user="le"))
    entries = as_json(office, "audit", "log", user="LE")
    assert [e["user"] for e in entries if e["command"] == "kui db backup"] == ["LE"]


def test_rows_written_as_typed_before_still_belong_to_the_staff_member(
    office: KuiRunner, db_url: str
) -> None:
    """Before the actor was matched once, `--user øb` was stored as typed: the registration and
    the audit entries of then are ØB's all the same (every comparison folds)."""
    ida = youth_by_øb(office)
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE change_log SET \"by\" = 'øb'"))
    with Session(engine) as session:
        for command in ("kui youth show", "kui youth list"):
            audit.record(session, Actor("øb", command, dt.date(2026, 11, 22)), "read")
        session.commit()
    engine.dispose()
    assert as_json(office, "youth", "show", str(ida), user="ØB")["id"] == ida
    logged = as_json(office, "audit", "log", "--user", "ØB", user="LE")
    assert sorted(entry["user"] for entry in logged) == ["ØB", "ØB", "øb", "øb"]


def test_initials_that_upper_would_turn_into_others_are_refused(office: KuiRunner) -> None:
    for typed in ("ıb", "ß", "ǆ"):  # upper(): IB, SS, Ǆ
        result = office("staff", "add", "--initials", typed, "--name", "X", "--role", "uu",
                        "--department", "UU", user="LE")  # fmt: skip
        assert result.exit_code == 1 and result.stderr.startswith("Error: initials must be")
    assert staff.normalise_initials(" øb ") == "ØB"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=AUTHORS)
@example(text="ıb")
def test_the_policies_fold_as_python(office: KuiRunner, db_url: str, text: str) -> None:
    """Row-level security (migration 0004) folds by `kui_fold`, made from `initials.folded`."""
    if not db_url.startswith("postgresql"):
        pytest.skip("row-level security is PostgreSQL's")
    engine = create_engine(db_url)
    with engine.connect() as connection:
        folded = connection.execute(select(func.kui_fold(literal(text)))).scalar()
    engine.dispose()
    assert folded == initials.fold(text)
