"""Issue 15, holes 4 and 5: the pseudonymisation secret and the CPR-existence oracle, tried as an
attacker would.

Hole 4: on PostgreSQL no staff login reads the secret (`SELECT * FROM setting` or any table), and
the database's key function gives the key of a number and nothing else, equal to
`audit.subject_key` (a property test). Hole 5: every lookup by CPR (a join, a duplicate
registration, the duplicate lines of an import) is recorded and audited by the number's key,
limited per user and real day (`privacy.cpr_lookups_per_day`, `protection/lookups.py`), on
PostgreSQL by the database itself whatever client asks; a join reaches the plan owner's inbox on
the day it happens.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from kui_cli import db
from kui_cli.domain import periods
from kui_cli.domain.protection import audit, row_security
from kui_cli.models import metadata
from tests.casework import BORN_16, as_json, assign
from tests.conftest import KuiRunner, cpr_for, ok, snapshot, without_trail
from tests.test_row_security import DEFINITIONS, Office, migrate, office, pg_url  # noqa: F401

LIMIT = 3
EFFORT = ("--title", "Støtte", "--department", "Familie", "--legislation", "serviceloven",
          "--reason", "Kender familien")  # fmt: skip
NUMBERS = st.text(alphabet="0123456789-", max_size=14)
FIXTURE = HealthCheck.function_scoped_fixture
STRANGERS = [cpr_for(dt.date(2009, 1, day)) for day in range(1, 29)]  # registered by nobody


def strict_profile(folder: Path, limit: int = LIMIT) -> Path:
    """The Sønderborg profile with a small daily limit of lookups by CPR."""
    source = (resources.files("kui_cli") / "profiles" / "soenderborg.toml").read_text("utf-8")
    path = folder / "strict.toml"
    path.write_text(
        source.replace("[privacy]\n", f"[privacy]\ncpr_lookups_per_day = {limit}\n"), "utf-8"
    )
    return path


@pytest.fixture
def office_kui(kui: KuiRunner, tmp_path: Path) -> KuiRunner:
    """LE leads (sees all); AB (UU) coordinates Ida; CD (social worker) is on no case."""
    ok(kui("init", "--profile", str(strict_profile(tmp_path)), user="LE"))
    for initials, role in (("LE", "leader"), ("AB", "uu"), ("CD", "social")):
        ok(kui("staff", "add", "--initials", initials, "--name", f"Person {initials}",
               "--role", role, "--department", role, user="LE"))  # fmt: skip
    ida = ok(kui("youth", "add", "--cpr", cpr_for(BORN_16), "--name", "Ida Jensen", user="LE"))
    ok(assign(kui, int(ida.stdout.strip()), "AB", user="LE"))
    return kui


def entries(db_url: str, action: str) -> list[tuple]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text('SELECT "user", subject_key, filter FROM audit_log WHERE action = :a ORDER BY id'),
            {"a": action},
        )
        found = [(user, key, json.loads(flt or "{}").get("rule")) for user, key, flt in rows]
    engine.dispose()
    return found


def lookups(db_url: str) -> list[tuple]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        query = 'SELECT "user", purpose, subject_key, found, refused FROM cpr_lookup ORDER BY id'
        found = [tuple(row) for row in conn.execute(text(query))]
    engine.dispose()
    return found


def key_of(db_url: str, number: str) -> str:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        secret = conn.execute(text("SELECT value FROM setting WHERE key = 'subject_secret'"))
        value = bytes.fromhex(secret.scalar_one())
    engine.dispose()
    return audit.subject_key(value, number.replace("-", ""))


def refused_with_one_line(result, words: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], lines
    assert "Traceback" not in result.output


# --- Hole 5 on both databases (kui as the only client) ----------------------------------------


def test_a_duplicate_registration_is_refused_and_audited_with_its_key(
    office_kui: KuiRunner, db_url: str
) -> None:
    number = cpr_for(BORN_16)
    before = snapshot(db_url)
    again = office_kui("youth", "add", "--cpr", number, "--name", "Gæt", user="CD")
    refused_with_one_line(again, "already registered")
    assert without_trail(snapshot(db_url)) == without_trail(before)
    assert entries(db_url, "refused") == [("CD", key_of(db_url, number), "duplicate")]
    assert lookups(db_url) == [("CD", "register", key_of(db_url, number), True, False)]


def test_each_duplicate_line_of_an_import_is_audited_with_its_key(
    office_kui: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    registered = [cpr_for(dt.date(2010, 5, day)) for day in (1, 2)]
    for number in registered:
        ok(office_kui("youth", "add", "--cpr", number, "--name", "Kendt", user="LE"))
    csv = tmp_path / "guesses.csv"
    csv.write_text("cpr,name\n" + "".join(f"{n},Gæt\n" for n in [STRANGERS[0], *registered]))
    before = snapshot(db_url)
    result = office_kui("youth", "import", str(csv), user="LE")
    assert result.exit_code == 1 and "line 3: CPR" in result.stderr
    assert without_trail(snapshot(db_url)) == without_trail(before)
    keys = [key_of(db_url, n) for n in registered]
    assert entries(db_url, "refused") == [("LE", key, "duplicate") for key in keys]
    assert [(user, key, found) for user, _, key, found, _ in lookups(db_url)] == [
        ("LE", key, True) for key in keys
    ]


def test_an_import_of_more_duplicates_than_lookups_left_is_refused_naming_none(
    office_kui: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """The bulk guess: a file with more registered numbers than the day allows learns only "too
    many" (no line, no number) and uses up the day; every registered number is recorded."""
    registered = [cpr_for(dt.date(2010, 6, day)) for day in range(1, LIMIT + 2)]
    for number in registered:
        ok(office_kui("youth", "add", "--cpr", number, "--name", "Kendt", user="LE"))
    csv = tmp_path / "guesses.csv"
    csv.write_text("cpr,name\n" + "".join(f"{n},Gæt\n" for n in [*STRANGERS[:5], *registered]))
    before = snapshot(db_url)
    result = office_kui("youth", "import", str(csv), user="LE")
    refused_with_one_line(result, "more CPR numbers that are already registered")
    assert "line" not in result.stderr.replace("no line", "") and "-xxxx" not in result.stderr
    assert without_trail(snapshot(db_url)) == without_trail(before)
    assert len(entries(db_url, "refused")) == LIMIT + 1
    assert {rule for *_, rule in entries(db_url, "refused")} == {"cpr-lookup-limit"}
    assert len(lookups(db_url)) == LIMIT + 1
    next_add = office_kui("youth", "add", "--cpr", STRANGERS[9], "--name", "Ny", user="LE")
    refused_with_one_line(next_add, "no more until tomorrow")


def test_the_lookup_after_the_limit_is_refused_with_one_line_and_an_unchanged_database(
    office_kui: KuiRunner, db_url: str
) -> None:
    """CD guesses numbers by joining: each guess is recorded (found or not); the guess after the
    limit, even of a registered number, is refused before anything is looked up."""
    for number in STRANGERS[:LIMIT]:
        missed = office_kui("plan", "effort", "add", number, *EFFORT, "--responsible", "CD",
                            user="CD")  # fmt: skip
        refused_with_one_line(missed, "no youth with CPR")
    before = snapshot(db_url)
    hit = office_kui("plan", "effort", "add", cpr_for(BORN_16), *EFFORT, "--responsible", "CD",
                     user="CD")  # fmt: skip
    refused_with_one_line(hit, "no more until tomorrow")
    assert without_trail(snapshot(db_url)) == without_trail(before)
    assert [found for user, purpose, _, found, _ in lookups(db_url)] == [False] * LIMIT + [None]
    assert entries(db_url, "refused")[-1] == ("CD", key_of(db_url, cpr_for(BORN_16)),
                                             "cpr-lookup-limit")  # fmt: skip
    # The limit is on the user, not the path: a registration is a lookup too, and refused.
    add = office_kui("youth", "add", "--cpr", STRANGERS[20], "--name", "Ny", user="CD")
    refused_with_one_line(add, "no more until tomorrow")
    # Another user still has their own lookups.
    ok(office_kui("youth", "add", "--cpr", STRANGERS[21], "--name", "Ny", user="AB"))


def test_the_limit_counts_the_real_day_not_today(
    office_kui: KuiRunner, db_url: str, request: pytest.FixtureRequest
) -> None:
    """`--today` in the future does not give a new day of lookups; the real next day does."""
    if "postgres" in request.node.name:
        pytest.skip("the database's clock cannot be moved from a test")
    import time_machine

    for number in STRANGERS[:LIMIT]:
        office_kui("plan", "effort", "add", number, *EFFORT, "--responsible", "CD", user="CD")
    join = ("plan", "effort", "add", cpr_for(BORN_16), *EFFORT, "--responsible", "CD")
    refused_with_one_line(office_kui(*join, user="CD", today="2026-12-31"), "until tomorrow")
    tomorrow = dt.datetime.combine(periods.real_today() + dt.timedelta(days=1), dt.time(9))
    with time_machine.travel(tomorrow.astimezone(dt.UTC), tick=False):
        ok(office_kui(*join, user="CD"))


def test_a_join_reaches_the_plan_owners_inbox_at_once(office_kui: KuiRunner) -> None:
    """CD joins Ida's case with an old `--today`: the change still waits for AB, the plan owner,
    on the real day it happened."""
    real = periods.real_today().isoformat()
    ok(office_kui("plan", "effort", "add", cpr_for(BORN_16), *EFFORT, "--responsible", "CD",
                  user="CD", today="2026-01-05"))  # fmt: skip
    inbox = as_json(office_kui, "plan", "inbox", user="AB", today=real)
    joined = [row for row in inbox if row["by"] == "CD"]
    assert [row["youth_id"] for row in joined] == [1]
    assert "joined the case by CPR" in joined[0]["what"]


# --- Hole 4 and hole 5 on PostgreSQL (any client) ---------------------------------------------


def secret_of(place: Office) -> str:
    engine = create_engine(place.url)
    with engine.connect() as conn:
        value = conn.execute(text("SELECT value FROM setting WHERE key = 'subject_secret'"))
        secret = str(value.scalar_one())
    engine.dispose()
    return secret


@pytest.mark.postgres
def test_no_staff_login_reads_the_secret(office: Office) -> None:  # noqa: F811
    secret = secret_of(office)
    for who in ("LE", "AB", "NOBODY"):
        assert [r for r in office.sql(who, "SELECT * FROM setting") if secret in str(r)] == []
        for table in metadata.sorted_tables:
            if table.name in row_security.PRIVATE:  # no privilege at all for a staff login
                with pytest.raises(DBAPIError, match="permission denied"):
                    office.sql(who, f"SELECT * FROM {table.name}")
                continue
            rows = office.sql(who, f"SELECT * FROM {table.name}")
            assert secret not in str(rows), (who, table.name)
    # The see-all leader may change settings, but not the secret's row.
    assert office.sql("LE", "UPDATE setting SET value = 'x' WHERE key = 'subject_secret'") == [0]
    assert office.sql("LE", "DELETE FROM setting WHERE key = 'subject_secret'") == [0]
    with pytest.raises(DBAPIError, match="row-level security"):
        office.sql("LE", "INSERT INTO setting VALUES ('subject_secret', '00')")
    with pytest.raises(DBAPIError, match="permission denied"):
        office.sql("AB", "SELECT kui_hmac_key('0101104999')")
    number = cpr_for(BORN_16).replace("-", "")
    [(key,)] = office.sql("AB", "SELECT kui_subject_key(:n)", n=number)
    assert key == audit.subject_key(bytes.fromhex(secret), number)
    with pytest.raises(DBAPIError, match="active staff"):  # a login that is no staff member
        office.sql("NOBODY", "SELECT kui_subject_key(:n)", n=number)
    assert secret_of(office) == secret


@pytest.mark.postgres
def test_a_staff_login_registers_with_the_key_the_database_gives(office: Office) -> None:  # noqa: F811
    number = cpr_for(dt.date(2010, 10, 10))
    added = ok(office.as_login("CD", "youth", "add", "--cpr", number, "--name", "Ny Ung"))
    youth = int(added.stdout.strip())
    [(key,)] = office.sql("LE", "SELECT subject_key FROM youth WHERE id = :i", i=youth)
    assert key == audit.subject_key(bytes.fromhex(secret_of(office)), number.replace("-", ""))
    # A script cannot give a youth another key.
    office.sql("CD", "UPDATE youth SET subject_key = 'chosen' WHERE id = :i", i=youth)
    assert office.sql("LE", "SELECT subject_key FROM youth WHERE id = :i", i=youth) == [(key,)]
    again = office.as_login("AB", "youth", "add", "--cpr", number, "--name", "Gæt")
    refused_with_one_line(again, "already registered")
    refused = office.sql("LE", "SELECT subject_key, filter FROM audit_log WHERE action = 'refused'")
    assert refused == [(key, json.dumps({"rule": "duplicate"}))]
    lookups_ = office.sql("LE", 'SELECT "user", purpose, subject_key FROM cpr_lookup')
    assert lookups_ == [(office.initials("AB"), "register", key)]


@pytest.mark.postgres
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    number=st.text(alphabet="0123456789-", max_size=14), secret=st.binary(min_size=32, max_size=32)
)
def test_the_database_key_is_audit_subject_key(pg_url: str, number: str, secret: bytes) -> None:  # noqa: F811
    engine = db.get_engine(pg_url, create=True)
    migrate(pg_url, "head")
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM setting WHERE key = 'subject_secret'"))
        conn.execute(text("INSERT INTO setting VALUES ('subject_secret', :v)"), {"v": secret.hex()})
        key = conn.execute(text("SELECT kui_subject_key(:n)"), {"n": number}).scalar()
    assert key == audit.subject_key(secret, number)


@pytest.mark.postgres
def test_a_sql_loop_over_join_cpr_is_refused_by_the_database_after_the_limit(
    office: Office,  # noqa: F811
) -> None:
    """The 10,000-numbers-in-4-seconds loop: each call is in `cpr_lookup`, and after the day's
    limit the database answers nothing, not even for a registered number."""
    limit = 20  # the default of privacy.cpr_lookups_per_day, in the shipped profile
    ida = add_youth_as_service(office)
    cd = office.initials("CD")
    engine = create_engine(office.login_url("CD"))
    answers = []
    with engine.connect() as conn:  # psql: one transaction per guess
        for number in [*STRANGERS[: limit - 1], cpr_for(BORN_16), cpr_for(BORN_16)]:
            with conn.begin():
                conn.execute(text("SELECT set_config('kui.join_cpr', :n, true)"), {"n": number})
                answers.append(list(conn.execute(text("SELECT id FROM kui_join_youth()"))))
        assert answers[limit - 1] == [(ida,)] and answers[limit] == []
        # Naming the youth in the setting no longer lets the login add itself to the case.
        with conn.begin():
            staff_id = conn.execute(text("SELECT kui_staff_id()")).scalar()
        with pytest.raises(DBAPIError, match="row-level security"), conn.begin():
            conn.execute(
                text("SELECT set_config('kui.join_cpr', :n, true)"), {"n": cpr_for(BORN_16)}
            )
            conn.execute(
                text(
                    "INSERT INTO effort (youth_id, title, department, legislation, staff_id, "
                    "start_on, created_by) VALUES (:y, 't', 'd', 'serviceloven', :s, "
                    "current_date, :by)"
                ),
                {"y": ida, "s": staff_id, "by": cd},
            )
    engine.dispose()
    rows = office.sql("LE", 'SELECT "user", purpose, found, refused FROM cpr_lookup ORDER BY id')
    assert rows == [(cd, "join", False, False)] * (limit - 1) + [
        (cd, "join", True, False),
        (cd, "join", None, True),
    ]
    # The login cannot write or clean the table, nor join by the setting alone.
    for statement in ("DELETE FROM cpr_lookup", "UPDATE cpr_lookup SET found = false",
                      "INSERT INTO cpr_lookup (at, day, \"user\", purpose, subject_key, refused) "
                      "VALUES (now(), current_date, 'x', 'join', 'k', false)"):  # fmt: skip
        with pytest.raises(DBAPIError, match="permission denied"):
            office.sql("CD", statement)
    # kui as the login: refused with one line. kui counts on the real day, here the server's
    # (the tests' frozen clock is another day than the server's `now()`).
    [(server_day,)] = office.sql("LE", "SELECT kui_today()")
    noon = dt.datetime.combine(server_day, dt.time(12), tzinfo=ZoneInfo("Europe/Copenhagen"))
    with time_machine.travel(noon, tick=True):
        refused = office.as_login("CD", "plan", "effort", "add", cpr_for(BORN_16), *EFFORT,
                                  "--responsible", cd)  # fmt: skip
    refused_with_one_line(refused, "no more until tomorrow")


def add_youth_as_service(place: Office) -> int:
    result = place.service("youth", "add", "--cpr", cpr_for(BORN_16), "--name", "Ida Jensen")
    return int(ok(result).stdout.strip())


@pytest.mark.postgres
def test_a_login_joins_by_cpr_and_the_owner_sees_it_at_once(office: Office) -> None:  # noqa: F811
    ida = add_youth_as_service(office)
    ok(assign(lambda *a, **k: office.service(*a), ida, office.initials("AB")))
    cd = office.initials("CD")
    ok(office.as_login("CD", "plan", "effort", "add", cpr_for(BORN_16), *EFFORT,
                       "--responsible", cd))  # fmt: skip
    real = periods.real_today().isoformat()
    inbox = json.loads(
        ok(office.service("plan", "inbox", "-f", "json", user="AB", today=real)).stdout
    )
    assert [row["youth_id"] for row in inbox if row["by"] == cd] == [ida]
    rows = office.sql("LE", 'SELECT "user", purpose, found FROM cpr_lookup')
    assert rows == [(cd, "join", True)]


@pytest.mark.postgres
def test_migration_0008_downgrade_restores_0004(pg_url: str) -> None:  # noqa: F811
    migrate(pg_url, "0004")
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        at_0004 = list(conn.execute(text(DEFINITIONS)))
    migrate(pg_url, "head")
    migrate(pg_url, "0004", down=True)
    with engine.connect() as conn:
        assert list(conn.execute(text(DEFINITIONS))) == at_0004
        assert conn.execute(text("SELECT to_regclass('cpr_lookup')")).scalar() is None
    engine.dispose()
