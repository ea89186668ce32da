"""PostgreSQL row-level security (issue 8, item 4; migration 0003): a staff member's own database
login sees and changes only the youths they work on, in `kui` and in any script that bypasses it.

The service account `kui` (the owner of the tables) sets up the office as in tests/test_access.py;
the staff members then connect with logins of their own, created here with a name unique to the
run (roles belong to the whole cluster, where other test databases run at the same time) and
dropped afterwards. A login's name is the staff initials in lower case.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from typer.testing import CliRunner, Result

from kui_cli import db
from kui_cli.app import app
from kui_cli.domain.protection import access
from kui_cli.models import Youth
from tests.casework import BORN_16, add_effort, as_json, assign
from tests.conftest import (
    POSTGRES_URL,
    TODAY,
    KuiRunner,
    cpr_for,
    migrate,
    ok,
    reset_postgres,
)

PASSWORD = "kui-rls-test"
ROLES = {"LE": "leader", "AB": "uu", "CD": "social", "SY": "system", "EF": "jobcenter"}


@pytest.fixture
def pg_url() -> str:
    if not POSTGRES_URL:
        pytest.skip("KUI_TEST_POSTGRES_URL is not set")
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


class Office:
    """The service account's runner, the staff members' initials and their logins."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url, self.prefix = url, prefix
        self.runner = CliRunner()
        self.engines: dict[str, Engine] = {}

    def initials(self, who: str) -> str:
        """The staff initials of a test person (unique to the run): AB -> R1A2B3AB."""
        return f"{self.prefix}{who}".upper()

    def login(self, who: str) -> str:
        return self.initials(who).lower()

    def login_url(self, who: str) -> str:
        url = make_url(self.url).set(username=self.login(who), password=PASSWORD)
        return url.render_as_string(hide_password=False)

    def service(self, *args: str, user: str = "LE", today: str = TODAY) -> Result:
        """kui as the service account, acting for a staff member (`--user`)."""
        argv = ["--db", self.url, "--user", self.initials(user), "--today", today, *args]
        return self.runner.invoke(app, argv)

    def as_login(self, who: str, *args: str, user: str | None = None) -> Result:
        """kui connected as a staff member's own login (no `--user` unless given)."""
        named = ["--user", user] if user else []
        argv = ["--db", self.login_url(who), *named, "--today", TODAY, *args]
        return self.runner.invoke(app, argv)

    def sql(self, who: str, statement: str, **params: Any) -> list[Any]:
        """A script that bypasses kui: plain SQL as the login (the policies decide on the
        server's real date)."""
        if who not in self.engines:
            self.engines[who] = create_engine(self.login_url(who))
        with self.engines[who].begin() as conn:
            result = conn.execute(text(statement), params)
            return list(result) if result.returns_rows else [result.rowcount]

    def ids(self, who: str, table: str = "youth", column: str = "id") -> set[int]:
        return {row[0] for row in self.sql(who, f"SELECT {column} FROM {table}")}


def admin(url: str, *statements: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def office(pg_url: str) -> Iterator[Office]:
    """LE (leader) bootstraps the staff; every test person gets a login granted by `db grant`,
    and one more login (`nobody`) is granted but is no staff member."""
    place = Office(pg_url, "r" + secrets.token_hex(3))
    ok(place.service("init"))
    ok(place.service("staff", "add", "--initials", place.initials("LE"), "--name", "Leder",
                     "--role", "leader", "--department", "KUI"))  # fmt: skip
    for who, role in ROLES.items():
        if who != "LE":
            ok(place.service("staff", "add", "--initials", place.initials(who), "--name",
                             f"Person {who}", "--role", role, "--department", role))  # fmt: skip
    logins = [place.login(who) for who in [*ROLES, "NOBODY"]]
    admin(pg_url, *(f"CREATE ROLE {name} LOGIN PASSWORD '{PASSWORD}'" for name in logins))
    try:
        for name in logins:
            ok(place.service("db", "grant", name))
        yield place
    finally:
        for engine in place.engines.values():
            engine.dispose()
        db.dispose_engines()
        for name in logins:
            admin(
                pg_url,
                f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {name}",
                f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {name}",
                f"REVOKE ALL ON SCHEMA public FROM {name}",
                f"DROP ROLE {name}",
            )


def add(place: Office, born: dt.date, name: str, user: str = "LE") -> int:
    result = place.service("youth", "add", "--cpr", cpr_for(born), "--name", name,
                           "--status", "none", user=user)  # fmt: skip
    return int(ok(result).stdout.strip())


@pytest.fixture
def cases(office: Office) -> dict[str, int]:
    """Ida: AB coordinates. Bo: CD holds an effort. Eva: referred to team-2, where EF sits.
    Finn: registered by AB, nobody on the case yet. Gry: registered by LE."""
    runner = _service_runner(office)
    ida = add(office, BORN_16, "Ida Jensen")
    ok(assign(runner, ida, office.initials("AB")))
    bo = add(office, dt.date(2009, 6, 1), "Bo Lund")
    add_effort(runner, bo, office.initials("CD"), user="LE")
    eva = add(office, dt.date(2010, 8, 8), "Eva Holm")
    ok(office.service("team", "member", "add", "team-2", office.initials("EF")))
    ok(office.service("agenda", "add", str(eva), "--team", "team-2", "--reason", "Ingen aktivitet"))
    finn = add(office, dt.date(2011, 1, 2), "Finn Berg", user="AB")
    ok(office.service("youth", "guardian", "add", str(finn), "--name", "Mor Berg", user="AB"))
    gry = add(office, dt.date(2008, 4, 4), "Gry Due")
    return {"ida": ida, "bo": bo, "eva": eva, "finn": finn, "gry": gry}


def _service_runner(place: Office) -> KuiRunner:
    """The service account as a KuiRunner (tests/casework.py helpers), names by test person."""

    def run(*args: str, user: str = "LE", today: str = TODAY, input: str | None = None) -> Result:
        return place.service(*args, user=user.removeprefix(place.prefix.upper()), today=today)

    return run


@pytest.mark.postgres
def test_plain_sql_as_a_login_returns_only_its_own_youths(
    office: Office, cases: dict[str, int]
) -> None:
    everyone = set(cases.values())
    assert office.ids("AB") == {cases["ida"], cases["finn"]}
    assert office.ids("CD") == {cases["bo"]}
    assert office.ids("EF") == {cases["eva"]}
    assert office.ids("LE") == everyone  # privacy.see_all_roles
    assert office.ids("NOBODY") == set()  # a login that is no staff member
    for table in ("change_log", "coordinator_assignment", "effort", "referral", "duty_episode",
                  "guardian"):  # fmt: skip
        assert office.ids("AB", table, "youth_id") <= {cases["ida"], cases["finn"]}, table
        assert office.ids("NOBODY", table, "youth_id") == set(), table
    assert office.ids("AB", "guardian", "youth_id") == {cases["finn"]}
    assert office.ids("AB", "change_log", "youth_id") == {cases["ida"], cases["finn"]}
    assert office.ids("LE", "change_log", "youth_id") == everyone
    # Staff and teams are no youth's data: every login reads them.
    assert len(office.sql("NOBODY", "SELECT * FROM staff")) == len(ROLES)


@pytest.mark.postgres
def test_a_login_cannot_change_what_it_does_not_see(office: Office, cases: dict[str, int]) -> None:
    bo = cases["bo"]
    assert office.sql("AB", "UPDATE youth SET name = 'X' WHERE id = :id", id=bo) == [0]
    assert office.sql("CD", "DELETE FROM guardian WHERE youth_id = :id", id=cases["finn"]) == [0]
    assert office.sql("NOBODY", "UPDATE youth SET need = 'C'") == [0]
    goal = (
        "INSERT INTO goal (youth_id, text, created_on, created_by) "
        "VALUES (:id, 'Mit mål', '2026-11-22', 'X')"
    )
    with pytest.raises(DBAPIError, match="row-level security"):
        office.sql("AB", goal, id=bo)
    office.sql("AB", goal, id=cases["ida"])  # AB's own case
    # Nobody raises their own role: staff and the profile are the leaders' to change.
    assert office.sql("AB", "UPDATE staff SET role = 'leader'") == [0]
    assert office.sql("AB", "UPDATE setting SET value = value") == [0]
    assert office.ids("AB") == {cases["ida"], cases["finn"]}
    # Change log rows and audit entries are written in one's own name only.
    forged = (
        "INSERT INTO change_log (youth_id, at, by, kind, what, effective_on) "
        "VALUES (:id, now(), 'LE', 'need', 'x', '2026-11-22')"
    )
    with pytest.raises(DBAPIError, match="row-level security"):
        office.sql("AB", forged, id=cases["ida"])
    with pytest.raises(DBAPIError, match="permission denied"):
        office.sql("AB", "UPDATE audit_log SET rows = 0")
    assert ok(office.service("youth", "show", str(bo))).stdout  # the service account still can


@pytest.mark.postgres
def test_the_audit_log_is_read_by_the_see_all_roles_and_appended_to_by_everyone(
    office: Office, cases: dict[str, int]
) -> None:
    ok(office.as_login("AB", "youth", "show", str(cases["ida"])))
    refusal = office.as_login("NOBODY", "youth", "list")
    assert refusal.exit_code == 1 and "not a staff member" in refusal.stderr
    own = office.sql("AB", 'SELECT DISTINCT "user" FROM audit_log')
    assert own == [(office.initials("AB"),)]
    everyone = {row[0] for row in office.sql("LE", 'SELECT "user" FROM audit_log')}
    # Who is no staff member is logged as given, folded (one form for every comparison).
    assert {office.initials("AB"), office.initials("NOBODY"), office.initials("LE")} <= everyone
    verified = json.loads(ok(office.service("audit", "verify", "-f", "json")).stdout)
    assert verified["intact"], verified


@pytest.mark.postgres
def test_kui_as_a_login_lists_the_same_youths_as_kui_for_that_staff_member(
    office: Office, cases: dict[str, int]
) -> None:
    for who in (who for who, role in ROLES.items() if role != "system"):  # a job's, not a person
        by_service = as_json(_service_runner(office), "youth", "list", user=who)
        result = ok(office.as_login(who, "youth", "list", "--format", "json"))
        assert json.loads(result.stdout) == by_service, who
    # The audit names the staff member, as when the service account acts for them.
    entry = office.sql("LE", 'SELECT "user", command FROM audit_log ORDER BY id DESC LIMIT 1')
    assert entry == [(office.initials("EF"), "kui youth list")]


@pytest.mark.postgres
def test_a_login_cannot_act_for_someone_else(office: Office, cases: dict[str, int]) -> None:
    result = office.as_login("AB", "youth", "list", user=office.initials("LE"))
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: access refused: --user"), lines
    assert office.login("AB") in lines[0]
    ok(office.as_login("AB", "youth", "list", user=office.login("AB")))  # oneself: fine
    refused = office.sql("LE", 'SELECT "user", action FROM audit_log ORDER BY id DESC LIMIT 2')
    assert refused[1] == (office.initials("AB"), "refused")


@pytest.mark.postgres
def test_a_login_registers_a_youth_and_joins_a_case_by_its_cpr(
    office: Office, cases: dict[str, int]
) -> None:
    new_cpr = cpr_for(dt.date(2010, 10, 10))
    added = ok(office.as_login("CD", "youth", "add", "--cpr", new_cpr, "--name", "Ny Ung"))
    new = int(added.stdout.strip())
    assert as_json(lambda *a, **k: office.as_login("CD", *a), "youth", "show", str(new))["id"]
    assert office.ids("CD") == {cases["bo"], new}
    ida_cpr = cpr_for(BORN_16)
    effort = ("--title", "Støtte", "--department", "Familie", "--legislation", "serviceloven",
              "--reason", "Kender familien")  # fmt: skip
    by_id = office.as_login("CD", "plan", "effort", "add", str(cases["ida"]), *effort,
                            "--responsible", office.initials("CD"))  # fmt: skip
    assert by_id.exit_code == 1 and by_id.stderr.startswith("Error: ")
    for_other = office.as_login("CD", "plan", "effort", "add", ida_cpr, *effort,
                                "--responsible", office.initials("EF"))  # fmt: skip
    assert for_other.exit_code == 1
    assert office.ids("CD") == {cases["bo"], new}
    ok(office.as_login("CD", "plan", "effort", "add", ida_cpr, *effort,
                       "--responsible", office.initials("CD")))  # fmt: skip
    assert office.ids("CD") == {cases["bo"], new, cases["ida"]}
    last = office.sql("LE", 'SELECT "user", action, command FROM audit_log ORDER BY id DESC')[0]
    assert last == (office.initials("CD"), "join", "kui plan effort add")
    # The registrant proposes a coordinator and leaves the case in the same command.
    ok(office.as_login("CD", "coordinator", "assign", str(new), office.initials("AB"),
                       "--consent", "pending"))  # fmt: skip
    assert new not in office.ids("CD") and new in office.ids("AB")
    verified = json.loads(ok(office.service("audit", "verify", "-f", "json")).stdout)
    assert verified["intact"], verified


@pytest.mark.postgres
def test_insert_returning_a_new_youth_works_for_its_registrant(office: Office) -> None:
    """A script registers a youth the way kui does: the row comes back from INSERT ... RETURNING,
    and the registration row of the history keeps it visible to the registrant only."""
    insert = (
        "INSERT INTO youth (cpr, subject_key, name, birth_date, status, status_since, need, "
        "registered_on) VALUES ('0101104999', 'k', 'Scriptet Ung', '2010-01-01', 'none', "
        "'2026-11-22', 'A', '2026-11-22') RETURNING id, name"
    )
    [(new, name)] = office.sql("EF", insert)
    assert name == "Scriptet Ung"
    register = (
        "INSERT INTO change_log (youth_id, at, by, kind, what, effective_on) "
        "VALUES (:id, now(), :by, 'registered', 'registered', '2026-11-22') RETURNING id"
    )
    office.sql("EF", register, id=new, by=office.initials("EF"))
    assert office.ids("EF") == {new}
    assert office.ids("AB") == set()
    with pytest.raises(DBAPIError, match="row-level security"):  # only the first registration
        office.sql("AB", register, id=new, by=office.initials("AB"))
    with pytest.raises(DBAPIError, match="row-level security"):  # a login that is no staff
        office.sql("NOBODY", insert.replace("0101104999", "0101104998"))


@pytest.mark.postgres
def test_import_is_for_the_service_account_and_the_see_all_roles(office: Office, tmp_path) -> None:
    csv = tmp_path / "import.csv"
    csv.write_text(f"cpr,name\n{cpr_for(dt.date(2008, 2, 2))},Importeret Ung\n", encoding="utf-8")
    refused = office.as_login("AB", "youth", "import", str(csv))
    assert refused.exit_code == 1 and "service account or a see-all role" in refused.stderr
    ok(office.as_login("LE", "youth", "import", str(csv)))
    assert len(office.ids("LE")) == 1


@pytest.mark.postgres
def test_the_circulated_agendas_are_written_by_the_service_account(
    office: Office, tmp_path
) -> None:
    """SY's role may write them (agenda.generate_roles), but the database shows SY's own login
    none of the teams' youths: its agendas would be silently short, so it is refused."""
    out = tmp_path / "dagsordener"
    out.mkdir()
    refused = office.as_login("SY", "agenda", "generate", "--out", str(out))
    assert refused.exit_code == 1 and "runs as the service account" in refused.stderr
    assert list(out.iterdir()) == []
    ok(office.service("agenda", "generate", "--out", str(out), user="SY"))
    assert len(list(out.iterdir())) == 6


@pytest.mark.postgres
def test_db_grant_names_an_existing_lower_case_login(office: Office) -> None:
    for bad, says in (("Ab", "lower case"), ("zz_no_such_login", "no database login")):
        result = office.service("db", "grant", bad)
        assert result.exit_code == 1 and says in result.stderr, result.stderr
    refused = office.as_login("LE", "db", "grant", office.login("AB"))
    assert refused.exit_code == 1 and "service account" in refused.stderr
    refused = office.service("db", "grant", office.login("AB"), user="AB")
    assert refused.exit_code == 1 and "privacy.admin_roles" in refused.stderr
    grants = office.sql("LE", "SELECT filter FROM audit_log WHERE action = 'grant'")
    assert {json.loads(row[0])["login"] for row in grants} == {
        office.login(who) for who in [*ROLES, "NOBODY"]
    }


@pytest.mark.postgres
def test_db_grant_refuses_while_a_table_of_youth_data_has_no_row_level_security(
    office: Office,
) -> None:
    """A table of youth data without policies would be readable in full by every login that
    `db grant` gives every table: it grants nothing then, and logs nothing."""
    nobody = office.login("NOBODY")
    admin(office.url, f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {nobody}",
          "ALTER TABLE guardian NO FORCE ROW LEVEL SECURITY")  # fmt: skip
    grants = "SELECT count(*) FROM audit_log WHERE action = 'grant'"
    before = office.sql("LE", grants)
    try:
        result = office.service("db", "grant", nobody)
        assert result.exit_code == 1, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "no row-level security (guardian)" in lines[0], lines
        privilege = f"SELECT has_table_privilege('{nobody}', 'guardian', 'SELECT')"
        assert office.sql("LE", privilege) == [(False,)]
        assert office.sql("LE", grants) == before
    finally:
        admin(office.url, "ALTER TABLE guardian FORCE ROW LEVEL SECURITY")
    ok(office.service("db", "grant", nobody))


def test_the_tables_of_youth_data_are_derived_from_the_schema() -> None:
    """Every table with a foreign-key path to `youth`, however long; none without one."""
    from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table

    from kui_cli.domain.protection import row_security
    from kui_cli.models import metadata

    derived = row_security.youth_tables()
    assert {"youth", "guardian", "change_log", "goal", "referral", "history_period"} <= set(derived)
    assert not {"team", "team_member", "meeting", "meeting_series", "staff", "setting",
                "audit_log"} & set(derived)  # fmt: skip
    schema = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(schema)
    Table("goal_note", schema, Column("id", Integer, primary_key=True),
          Column("goal_id", ForeignKey("goal.id")))  # fmt: skip
    Table("team_note", schema, Column("id", Integer, primary_key=True),
          Column("team_id", ForeignKey("team.id")))  # fmt: skip
    assert row_security.youth_tables(schema) == sorted([*derived, "goal_note"])


@pytest.mark.postgres
def test_every_table_of_youth_data_has_row_level_security_for_every_command(pg_url: str) -> None:
    """Fails when a table that refers to a youth (derived from the schema, not a list) has no
    policy: a new table gets its policies in its own migration."""
    from kui_cli.domain.protection import row_security

    migrate(pg_url, "head")
    engine = create_engine(pg_url)
    with Session(engine) as session:
        assert row_security.uncovered(session) == []
        rows = session.execute(
            text("SELECT tablename, cmd FROM pg_policies WHERE schemaname = current_schema()")
        )
        commands: dict[str, set[str]] = {}
        for table, command in rows:
            commands.setdefault(table, set()).add(command)
    engine.dispose()
    for table in row_security.youth_tables():
        covered = commands.get(table, set())
        assert "ALL" in covered or {"SELECT", "INSERT", "UPDATE", "DELETE"} <= covered, table


@pytest.mark.postgres
def test_the_policies_match_initials_by_the_folding_rule_not_by_upper(
    office: Office, cases: dict[str, int]
) -> None:
    """A registration written as `ıb` (dotless i) is not IB's: PostgreSQL's upper() says it is,
    the folding rule (`initials.fold`) and so access.py say it is not, and the policy agrees."""
    who = office.initials("IB")
    login = who.lower()
    ok(office.service("staff", "add", "--initials", who, "--name", "Ib", "--role", "uu",
                      "--department", "UU"))  # fmt: skip
    admin(office.url, f"CREATE ROLE {login} LOGIN PASSWORD '{PASSWORD}'")
    try:
        ok(office.service("db", "grant", login))
        written = who[:-2] + "ıB"
        admin(office.url, f"UPDATE change_log SET \"by\" = '{written}' WHERE youth_id = "
              f"{cases['gry']} AND kind = 'registered'")  # fmt: skip
        assert office.sql("IB", "SELECT upper(:w) = :i", w=written, i=who) == [(True,)]
        assert office.ids("IB") == set()
        assert as_json(_service_runner(office), "youth", "list", user="IB") == []
    finally:
        if "IB" in office.engines:
            office.engines.pop("IB").dispose()
        admin(
            office.url,
            f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {login}",
            f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {login}",
            f"REVOKE ALL ON SCHEMA public FROM {login}",
            f"DROP ROLE {login}",
        )


def test_db_grant_is_for_postgresql(ready: KuiRunner, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("on PostgreSQL: test_db_grant_names_an_existing_lower_case_login")
    result = ready("db", "grant", "ab")
    assert result.exit_code == 1 and "db grant is for PostgreSQL" in result.stderr


# --- The SQL policy and access.py agree -----------------------------------------------------

PEOPLE = ("AB", "CD", "EF")
Case = st.fixed_dictionaries(
    {
        "registrant": st.sampled_from(PEOPLE),
        "coordinator": st.none()
        | st.tuples(
            st.sampled_from(PEOPLE),
            st.sampled_from(["accepted", "pending", "declined"]),
            st.sampled_from([-5, 0, 3]),  # starts (or is proposed) days from today
            st.sampled_from([None, -1, 0, 4]),  # ends days from today
        ),
        "efforts": st.lists(
            st.tuples(
                st.sampled_from(PEOPLE),
                st.sampled_from([-5, 0, 3]),
                st.sampled_from([None, -1, 0, 4]),
            ),
            max_size=2,
        ),
        "referral": st.none() | st.tuples(st.sampled_from(["team-1", "team-2"]), st.booleans()),
    }
)


def _store(conn: Any, youth_ids: list[int], cases: list[dict], staff: dict, teams: dict) -> None:
    """Replace every case of the youths with the drawn ones (as the service account), dated
    from the server's real date: the policies decide on it (migration 0005), whatever day the
    tests run."""
    day = conn.execute(text("SELECT kui_today()")).scalar()

    def _days(offset: int | None) -> dt.date | None:
        return None if offset is None else day + dt.timedelta(days=offset)

    for table in ("referral", "effort", "coordinator_assignment", "change_log"):
        conn.execute(text(f"DELETE FROM {table}"))
    for youth, case in zip(youth_ids, cases, strict=True):
        conn.execute(
            text(
                "INSERT INTO change_log (youth_id, at, by, kind, what, effective_on) "
                "VALUES (:y, now(), :by, 'registered', 'registered', :d)"
            ),
            {"y": youth, "by": staff[case["registrant"]][1], "d": day},
        )
        if case["coordinator"]:
            who, consent, start, end = case["coordinator"]
            conn.execute(
                text(
                    "INSERT INTO coordinator_assignment (youth_id, staff_id, consent, proposed_on,"
                    " start_on, end_on, recorded_by) VALUES (:y, :s, :c, :p, :st, :e, 'T')"
                ),
                {"y": youth, "s": staff[who][0], "c": consent, "p": _days(start),
                 "st": _days(start) if consent == "accepted" else None, "e": _days(end)},
            )  # fmt: skip
        for who, start, end in case["efforts"]:
            conn.execute(
                text(
                    "INSERT INTO effort (youth_id, title, department, legislation, staff_id, "
                    "start_on, end_on, created_by) VALUES (:y, 'E', 'D', 'lab', :s, :st, :e, 'T')"
                ),
                {"y": youth, "s": staff[who][0], "st": _days(start), "e": _days(end)},
            )
        if case["referral"]:
            team, decided = case["referral"]
            conn.execute(
                text(
                    "INSERT INTO referral (youth_id, team_id, reason, referred_by, referred_on, "
                    "consulted, decided_on) VALUES (:y, :t, 'r', 'T', :d, false, :dec)"
                ),
                {"y": youth, "t": teams[team], "d": day, "dec": day if decided else None},
            )


@pytest.fixture
def drawn_office(office: Office) -> Callable[[list[dict]], dict[str, tuple[set, set]]]:
    """A function that stores drawn cases and returns, per person, (SQL policy, access.py)."""
    for born in (dt.date(2010, 1, 5), dt.date(2009, 2, 6), dt.date(2011, 3, 7)):
        add(office, born, f"Ung {born.year}")
    ok(office.service("team", "member", "add", "team-2", office.initials("EF")))
    ok(office.service("team", "member", "add", "team-1", office.initials("CD")))
    engine = create_engine(office.url)
    with engine.connect() as conn:
        youth_ids = list(conn.execute(text("SELECT id FROM youth ORDER BY id")).scalars())
        staff = {
            who: tuple(conn.execute(
                text("SELECT id, initials FROM staff WHERE initials = :i"),
                {"i": office.initials(who)},
            ).one())
            for who in PEOPLE
        }  # fmt: skip
        teams = {slug: id_ for slug, id_ in conn.execute(text("SELECT slug, id FROM team"))}

    def check(cases: list[dict]) -> dict[str, tuple[set, set]]:
        with engine.begin() as conn:
            _store(conn, youth_ids, cases, staff, teams)
        found = {}
        with Session(engine) as session:
            day = session.execute(text("SELECT kui_today()")).scalar()
            for who in PEOPLE:
                staff_id, initials = staff[who]
                rule = select(Youth.id).where(access.sees(staff_id, initials, day))
                found[who] = (office.ids(who), set(session.execute(rule).scalars()))
        return found

    yield check
    engine.dispose()


@pytest.mark.postgres
@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cases=st.lists(Case, min_size=3, max_size=3))
def test_the_sql_policy_and_access_py_agree_on_who_sees_whom(drawn_office, cases) -> None:
    for who, (policy, rule) in drawn_office(cases).items():
        assert policy == rule, (who, cases)


# --- The migration ---------------------------------------------------------------------------


SECURED = (
    "SELECT count(*) FROM pg_class WHERE relname IN ('youth', 'change_log', 'effort', "
    "'audit_log') AND relrowsecurity AND relforcerowsecurity"
)
KUI_FUNCTIONS = "SELECT count(*) FROM pg_proc WHERE proname LIKE 'kui\\_%'"
DEFINITIONS = (
    "SELECT proname, prosrc FROM pg_proc WHERE proname LIKE 'kui\\_%' UNION ALL "
    "SELECT tablename || '.' || policyname, coalesce(qual, '') || ' ' || coalesce(with_check, '') "
    "FROM pg_policies WHERE schemaname = current_schema() ORDER BY 1"
)


@pytest.mark.postgres
def test_the_migration_keeps_the_data_and_its_downgrade_drops_it_all(pg_url: str) -> None:
    db_url = pg_url
    migrate(db_url, "0001")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO youth (cpr, subject_key, name, birth_date, status, status_since, "
                "need, registered_on) VALUES ('1503104321', 'k', 'Ida', '2010-03-15', 'none', "
                "'2026-11-22', 'A', '2026-11-22')"
            )
        )
    migrate(db_url, "head")
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT name FROM youth"))) == [("Ida",)]
        assert conn.execute(text(SECURED)).scalar() == 4
        assert conn.execute(text("SELECT count(*) FROM pg_policies")).scalar() > 30
    migrate(db_url, "0001", down=True)
    with engine.connect() as conn:
        assert list(conn.execute(text("SELECT name FROM youth"))) == [("Ida",)]
        assert conn.execute(text(SECURED)).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM pg_policies")).scalar() == 0
        assert conn.execute(text(KUI_FUNCTIONS)).scalar() == 0
    engine.dispose()


@pytest.mark.postgres
def test_migration_0004_folds_initials_in_every_policy_and_its_downgrade_restores_0003(
    pg_url: str,
) -> None:
    migrate(pg_url, "0003")
    engine = create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO staff (initials, name, role, department, active, added_on) "
                "VALUES ('ØB', 'Ørsted Bak', 'uu', 'UU', true, '2026-11-22')"
            )
        )
        at_0003 = list(conn.execute(text(DEFINITIONS)))
    assert any("upper(" in source for _, source in at_0003)
    migrate(pg_url, "0004")
    with engine.connect() as conn:
        at_head = list(conn.execute(text(DEFINITIONS)))
        assert list(conn.execute(text("SELECT initials FROM staff"))) == [("ØB",)]
        assert conn.execute(text("SELECT kui_fold('øb-ıb')")).scalar() == "ØB-ıB"
    assert not [name for name, source in at_head if "upper(" in source]
    assert {name for name, _ in at_head} == {name for name, _ in at_0003} | {"kui_fold"}
    migrate(pg_url, "0003", down=True)
    with engine.connect() as conn:
        assert list(conn.execute(text(DEFINITIONS))) == at_0003
        assert list(conn.execute(text("SELECT initials FROM staff"))) == [("ØB",)]
    engine.dispose()


# --- Administration (issue 15, hole 2; migration 0006): the admin roles and the service account --


@pytest.mark.postgres
def test_a_login_cannot_join_a_team_by_sql(office: Office, cases: dict[str, int]) -> None:
    """CD (social) inserts itself into team 2, where Eva is referred: refused, and CD's youths
    stay the same; as does kui's own `team member add` for CD's login."""
    seen = office.ids("CD")
    team = office.sql("CD", "SELECT id FROM team WHERE slug = 'team-2'")[0][0]
    me = office.sql("CD", "SELECT kui_staff_id()")[0][0]
    join = "INSERT INTO team_member (team_id, staff_id, ad_hoc) VALUES (:t, :s, true)"
    with pytest.raises(DBAPIError, match="row-level security"):
        office.sql("CD", join, t=team, s=me)
    assert office.sql("CD", "DELETE FROM team_member") == [0]
    assert office.ids("CD") == seen and cases["eva"] not in seen
    result = office.as_login("CD", "team", "member", "add", "team-2", office.initials("CD"))
    assert result.exit_code == 1 and "privacy.admin_roles" in result.stderr


@pytest.mark.postgres
def test_a_login_cannot_raise_its_role_nor_touch_meetings_or_settings(
    office: Office, cases: dict[str, int]
) -> None:
    before = office.sql("LE", "SELECT * FROM staff ORDER BY id")
    meetings = office.sql("LE", "SELECT * FROM meeting ORDER BY id")
    assert meetings and office.sql("CD", "SELECT count(*) FROM meeting") == [(len(meetings),)]
    assert office.sql("CD", "UPDATE staff SET role = 'leader'") == [0]
    assert office.sql("CD", "UPDATE setting SET value = value") == [0]
    assert office.sql("CD", "UPDATE meeting SET status = 'cancelled'") == [0]
    assert office.sql("CD", "DELETE FROM meeting_series") == [0]
    series = office.sql("LE", "SELECT team_id, rule, dtstart FROM meeting_series LIMIT 1")[0]
    for statement in (
        "INSERT INTO meeting_series (team_id, rule, dtstart, duration_min) "
        "VALUES (:t, 'FREQ=DAILY', :d, 60)",
        "INSERT INTO meeting (team_id, starts_at, ends_at, status) VALUES (:t, :d, :d, 'planned')",
        "INSERT INTO staff (initials, name, role, department, active, added_on) "
        "VALUES ('ZZ', 'Z', 'leader', 'X', true, :d)",
        "INSERT INTO team (slug, name) VALUES ('mit-team', 'Mit')",
    ):
        with pytest.raises(DBAPIError, match="row-level security"):
            office.sql("CD", statement, t=series[0], d=series[2])
    assert office.sql("LE", "SELECT * FROM staff ORDER BY id") == before
    assert office.sql("LE", "SELECT * FROM meeting ORDER BY id") == meetings
    assert office.sql("NOBODY", "SELECT count(*) FROM team") == [(0,)]  # no staff member
    # The leader's own login administers (privacy.admin_roles), as the service account does.
    assert office.sql("LE", "UPDATE meeting SET note = 'x' WHERE id = :i", i=meetings[0][0]) == [1]


@pytest.mark.postgres
def test_seeing_all_is_not_administering(office: Office, tmp_path: Path) -> None:
    """A profile that lets social workers see all (0003 let them change staff and settings)."""
    text = (resources.files("kui_cli") / "profiles" / "soenderborg.toml").read_text("utf-8")
    path = tmp_path / "social-sees-all.toml"
    path.write_text(
        text.replace('see_all_roles = ["leader"]', 'see_all_roles = ["leader", "social"]'), "utf-8"
    )
    ok(office.service("init", "--profile", str(path)))
    assert office.sql("CD", "SELECT count(*) FROM youth") == office.sql(
        "LE", "SELECT count(*) FROM youth"
    )
    assert office.sql("CD", "UPDATE staff SET role = 'leader'") == [0]
    assert office.sql("CD", "UPDATE setting SET value = value") == [0]
    assert office.sql("LE", "UPDATE setting SET value = value WHERE key = 'profile'") == [1]


@pytest.mark.postgres
def test_migration_0006_secures_the_administered_tables_and_its_downgrade_restores_0004(
    pg_url: str,
) -> None:
    secured = (
        "SELECT count(*) FROM pg_class WHERE relname IN ('team', 'team_member', 'meeting', "
        "'meeting_series') AND relrowsecurity AND relforcerowsecurity"
    )
    migrate(pg_url, "0004")
    engine = create_engine(pg_url)
    with engine.connect() as conn:
        at_0004 = list(conn.execute(text(DEFINITIONS)))
    migrate(pg_url, "0006")
    with engine.connect() as conn:
        assert conn.execute(text(secured)).scalar() == 4
        at_0006 = dict(conn.execute(text(DEFINITIONS)).all())
    assert "kui_administers(CURRENT_USER)" in at_0006["staff.kui_update"]
    assert "kui_sees_all" not in at_0006["setting.kui_insert"]
    migrate(pg_url, "0004", down=True)
    with engine.connect() as conn:
        assert conn.execute(text(secured)).scalar() == 0
        assert list(conn.execute(text(DEFINITIONS))) == at_0004
    engine.dispose()


@pytest.mark.postgres
def test_a_login_refers_to_the_meetings_the_scheduled_job_made(
    office: Office, cases: dict[str, int]
) -> None:
    """A referral lands on the team's next meeting; a staff login (no admin role) creates no
    meetings on demand, as the database would refuse them: the scheduled job makes them."""
    pupil = cpr_for(dt.date(2012, 5, 5))
    added = office.as_login("AB", "youth", "add", "--cpr", pupil, "--name", "Ole Elev",
                            "--status", "primary-school")  # fmt: skip
    youth = ok(added).stdout.strip()
    refer = ("agenda", "add", youth, "--team", "team-1", "--reason", "Skolefravær")
    result = office.as_login("AB", *refer)
    assert result.exit_code == 1 and "`kui meeting generate`" in result.stderr, result.stderr
    team_1 = "SELECT count(*) FROM meeting m JOIN team t ON t.id = m.team_id WHERE slug = 'team-1'"
    assert office.sql("LE", team_1) == [(0,)]
    ok(office.service("meeting", "generate"))
    ok(office.as_login("AB", *refer))


@pytest.mark.postgres
def test_the_scheduled_job_generates_meetings_as_the_service_account(office: Office) -> None:
    """Role `system` may run `meeting generate`, but its own login may not write meetings: kui
    says so instead of failing on the policy; as the service account (`--user`) it runs."""
    result = office.as_login("SY", "meeting", "generate")
    assert result.exit_code == 1 and "runs as the service account" in result.stderr
    assert office.sql("LE", "SELECT count(*) FROM meeting") == [(0,)]
    ok(office.service("meeting", "generate", user="SY"))
    assert office.sql("LE", "SELECT count(*) FROM meeting")[0][0] > 0


@pytest.mark.postgres
def test_a_login_reads_the_feeds_events_of_its_own_youths_only(
    office: Office, cases: dict[str, int], tmp_path: Path
) -> None:
    """`feed_event` (0010) has the policies of every table of youth data, and their function
    `kui_last_id` knows it: AB's login reads Ida's event, not Gry's, and gets no error."""
    feed = tmp_path / "feed.csv"
    feed.write_text(
        "source,event_id,cpr,event_date,kind\n"
        f"ungedata,1,{cpr_for(BORN_16)},2026-10-01,at-risk\n"
        f"ungedata,2,{cpr_for(dt.date(2008, 4, 4))},2026-10-01,at-risk\n",
        encoding="utf-8",
    )
    ok(office.service("feed", "apply", str(feed)))
    assert office.ids("AB", "feed_event", "youth_id") == {cases["ida"]}
    assert office.ids("LE", "feed_event", "youth_id") == {cases["ida"], cases["gry"]}


@pytest.mark.postgres
def test_a_login_sees_and_changes_only_the_agreements_and_goals_of_its_own_youths(
    office: Office, cases: dict[str, int]
) -> None:
    """`agreement` (0012) has the policies of every table of youth data: AB's login reads and
    changes the agreements of Ida (AB coordinates), not Bo's (CD's case), in kui and by SQL."""
    ida, bo = cases["ida"], cases["bo"]
    terms = ("--due", "2026-12-04", "--reason", "teammøde")
    ok(office.service("plan", "agreement", "add", str(bo), "Bos aftale", "--responsible",
                      office.initials("CD"), *terms))  # fmt: skip
    mine = office.as_login("AB", "plan", "agreement", "add", str(ida), "Ringe til skolen",
                           "--responsible", office.initials("AB"), *terms)  # fmt: skip
    agreement = int(ok(mine).stdout.strip())
    assert office.ids("AB", "agreement", "youth_id") == {ida}
    assert office.ids("CD", "agreement", "youth_id") == {bo}
    assert office.ids("LE", "agreement", "youth_id") == {ida, bo}
    assert office.ids("NOBODY", "agreement", "youth_id") == set()
    [(bos,)] = office.sql("CD", "SELECT id FROM agreement")
    assert office.sql("AB", "UPDATE agreement SET status = 'done' WHERE id = :id", id=bos) == [0]
    forged = (
        "INSERT INTO agreement (youth_id, text, staff_id, due, status, created_on, created_by) "
        "SELECT :id, 'x', id, '2026-12-01', 'open', '2026-11-22', 'X' FROM staff LIMIT 1"
    )
    with pytest.raises(DBAPIError, match="row-level security"):
        office.sql("AB", forged, id=bo)
    refused = office.as_login("AB", "plan", "agreement", "done", str(bos))
    assert refused.exit_code == 1 and f"no agreement with id {bos}" in refused.stderr
    ok(office.as_login("AB", "plan", "agreement", "done", str(agreement)))
    goal = office.as_login("AB", "plan", "goal", "add", str(ida), "Mit mål", "--reason", "r")
    ok(office.as_login("AB", "plan", "goal", "achieve", ok(goal).stdout.strip()))
    shown = json.loads(ok(office.as_login("AB", "plan", "show", str(ida), "-f", "json")).stdout)
    assert [a["status"] for a in shown["agreements"]] == ["done"]
    assert [g["status"] for g in shown["goals"]] == ["achieved"]
    assert office.sql("LE", "SELECT status FROM agreement WHERE id = :id", id=bos) == [("open",)]


@pytest.mark.postgres
def test_a_login_reads_and_writes_the_contacts_of_its_own_youths_only(
    office: Office, cases: dict[str, int]
) -> None:
    """`contact` (0012, issue 16) has the policies of every table of youth data: AB's login sees
    and adds contacts with Ida only, in SQL and through kui; CD's with Bo only."""
    ida, bo = cases["ida"], cases["bo"]
    for youth, who in ((ida, "AB"), (bo, "CD")):
        ok(office.service("contact", "add", str(youth), "--channel", "phone", "--reached", "yes",
                          "--note", "Talt med den unge", user=who))  # fmt: skip
    assert office.ids("AB", "contact", "youth_id") == {ida}
    assert office.ids("CD", "contact", "youth_id") == {bo}
    assert office.ids("NOBODY", "contact", "youth_id") == set()
    assert office.ids("LE", "contact", "youth_id") == {ida, bo}
    row = (
        "INSERT INTO contact (youth_id, channel, reached, contacted_on, note, by, at) "
        "VALUES (:id, 'sms', true, '2026-11-22', 'x', 'X', now())"
    )
    with pytest.raises(DBAPIError, match="row-level security"):
        office.sql("AB", row, id=bo)
    assert office.sql("AB", "UPDATE contact SET note = 'x' WHERE youth_id = :id", id=bo) == [0]
    assert office.sql("AB", "DELETE FROM contact WHERE youth_id = :id", id=bo) == [0]
    office.sql("AB", row, id=ida)  # AB's own case
    mine = json.loads(ok(office.as_login("AB", "contact", "list", "--mine", "-f", "json")).stdout)
    assert [r["youth_id"] for r in mine] == [ida]
    refused = office.as_login("AB", "contact", "add", str(bo), "--channel", "sms", "--reached",
                              "no")  # fmt: skip
    # The database hides Bo from AB's login: kui cannot even find him.
    assert refused.exit_code == 1 and f"no youth with id {bo}" in refused.stderr
    assert (
        office.ids("LE", "contact", "youth_id") == {ida, bo}
        and len(office.ids("LE", "contact")) == 3
    )
