"""Issue 15, hole 6: a PostgreSQL login, with or without grants, cannot stop kui for everyone.

Each test holds a second raw connection as the attacker (a staff login granted by `kui db grant`,
or a login with no grants at all) while kui works as the service account or another login.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import TODAY, ok
from tests.test_row_security import PASSWORD, Office, add, admin, office, pg_url  # noqa: F401

pytestmark = pytest.mark.postgres
BORN = __import__("datetime").date(2010, 3, 15)


def attacker(place: Office, who: str) -> Iterator[Connection]:
    """An open transaction of `who`'s login (kept open until the test is done)."""
    engine = create_engine(place.login_url(who))
    with engine.connect() as conn:
        yield conn
        conn.rollback()
    engine.dispose()


@pytest.fixture
def cd(office: Office) -> Iterator[Connection]:  # noqa: F811
    yield from attacker(office, "CD")


@pytest.fixture
def nogrant(office: Office) -> Iterator[Connection]:  # noqa: F811
    """A login that exists and may connect, with no privilege on any of kui's tables (it may
    see the schema, as every login may see `public` by PostgreSQL's default)."""
    name = office.login("NG")
    admin(office.url, f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'",
          f"GRANT USAGE ON SCHEMA public TO {name}")  # fmt: skip
    try:
        yield from attacker(office, "NG")
    finally:
        admin(office.url, f"REVOKE USAGE ON SCHEMA public FROM {name}", f"DROP ROLE {name}")


def quick(place: Office, seconds: int = 2) -> str:
    """The service account's URL with a short lock timeout (a URL's options win over kui's)."""
    url = make_url(place.url).update_query_dict({"options": f"-c lock_timeout={seconds}s"})
    return url.render_as_string(hide_password=False)


def run_as_service(place: Office, url: str, *args: str):  # type: ignore[no-untyped-def]
    argv = ["--db", url, "--user", place.initials("LE"), "--today", TODAY, *args]
    from kui_cli.app import app

    return place.runner.invoke(app, argv)


def test_an_advisory_lock_of_a_login_without_grants_no_longer_blocks_kui(
    office: Office,  # noqa: F811
    nogrant: Connection,
) -> None:
    nogrant.execute(text("SELECT pg_advisory_lock(4242)"))
    started = time.monotonic()
    ok(run_as_service(office, quick(office), "youth", "add", "--cpr", "150310-4321",
                      "--name", "Ida Jensen", "--status", "none"))  # fmt: skip
    assert time.monotonic() - started < 2
    nogrant.execute(text("SELECT pg_advisory_unlock(4242)"))


def test_a_login_without_grants_cannot_touch_the_chains_head(
    office: Office,  # noqa: F811
    nogrant: Connection,
    cd: Connection,
) -> None:
    for conn in (nogrant, cd):
        for statement in (
            "SELECT * FROM audit_head FOR UPDATE",
            "LOCK TABLE audit_head",
            "DELETE FROM audit_head",
        ):
            with pytest.raises(DBAPIError, match="permission denied"):
                conn.execute(text(statement))
            conn.rollback()


def test_lock_table_by_a_staff_login_makes_kui_fail_in_time_naming_the_lock(
    office: Office,  # noqa: F811
    cd: Connection,
) -> None:
    """kui's own lock timeout (10 s, no option in the URL) cuts the wait short, and the one line
    names the table, the login holding it and its pid."""
    pid = cd.execute(text("SELECT pg_backend_pid()")).scalar()
    cd.execute(text("LOCK TABLE youth"))
    started = time.monotonic()
    result = office.service("youth", "list")
    waited = time.monotonic() - started
    assert result.exit_code == 1 and 9 < waited < 20, (waited, result.output)
    assert result.stderr.strip().splitlines() == [
        "Error: the database gave up waiting for a lock on table youth, held by login "
        f"{office.login('CD')} (pid {pid}) (lock timeout): another session keeps it; try "
        "again, or ask the database administrator to end that session"
    ]


def test_a_staff_login_holding_the_chain_open_is_named_too(
    office: Office,  # noqa: F811
    cd: Connection,
) -> None:
    """A login that appends an entry and leaves its transaction open holds the chain's head
    row: kui fails within its lock timeout and names the row's table and the login."""
    pid = cd.execute(text("SELECT pg_backend_pid()")).scalar()
    cd.execute(
        text(
            'INSERT INTO audit_log (at, "user", action, command) '
            "VALUES (now(), :me, 'read', 'psql')"
        ),
        {"me": office.initials("CD")},
    )
    result = run_as_service(office, quick(office), "youth", "list")
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(
        "Error: the database gave up waiting for a lock on table audit_head, held by login "
        f"{office.login('CD')} (pid {pid}) (lock timeout)"
    ), result.stderr


def test_chosen_audit_ids_and_hashes_are_replaced_by_the_databases(
    office: Office,  # noqa: F811
    cd: Connection,
) -> None:
    ok(office.service("youth", "list"))
    before = office.sql("LE", "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    row = cd.execute(
        text(
            'INSERT INTO audit_log (id, at, "user", action, command, prev_hash, hash) '
            "VALUES (2147483647, now(), :me, 'read', 'psql', :prev, :hash) "
            "RETURNING id, prev_hash, hash, hash_version"
        ),
        {"me": office.initials("CD"), "prev": "f" * 64, "hash": "e" * 64},
    ).one()
    cd.commit()
    assert (row.id, row.prev_hash, row.hash_version) == (before.id + 1, before.hash, 2)
    assert row.hash not in ("e" * 64, "f" * 64)
    add(office, BORN, "Ida Jensen")
    ok(office.service("youth", "show", "1"))
    ids = [r[0] for r in office.sql("LE", "SELECT id FROM audit_log ORDER BY id")]
    assert ids == list(range(1, len(ids) + 1))
    report = json.loads(ok(office.service("audit", "verify", "-f", "json")).stdout)
    assert report["intact"] and report["last_id"] == ids[-1]


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO youth (id, cpr, subject_key, name, birth_date, status, status_since, need, "
        "registered_on) VALUES (2147483647, '1503104321', 'k', 'X', '2010-03-15', 'none', "
        "'2026-11-22', 'A', '2026-11-22')",
        "UPDATE youth SET id = 2147483647",
        "INSERT INTO staff (id, initials, name, role, department, active) "
        "VALUES (2147483647, 'ZZ', 'Z', 'uu', 'X', true)",
        "SELECT setval('youth_id_seq', 2147483646)",
    ],
    ids=["youth-insert", "youth-update", "staff-insert", "setval"],
)
def test_a_staff_login_cannot_choose_ids(
    office: Office,  # noqa: F811
    cd: Connection,
    statement: str,
) -> None:
    with pytest.raises(DBAPIError, match="permission denied"):
        cd.execute(text(statement))
    cd.rollback()
    add(office, BORN, "Ida Jensen")
