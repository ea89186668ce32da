"""Every test gets a fresh database: SQLite always, PostgreSQL too with KUI_TEST_POSTGRES_URL.

Tests use fixed dates (`--today`), never the real clock: access and deletion are decided on the
real date (issue 15), so `real_clock` freezes Python's clock at noon of TODAY in Denmark for
every test (time-machine; a test moves it with `time_machine.travel`). What that cannot freeze:
the SQLite C library's clock (kui asks it nothing), a `kui` run in a subprocess, and the
PostgreSQL server's `now()`, on which its policies decide: PostgreSQL tests that depend on the
day build their data relative to the server's real date. Since the frozen day equals TODAY, a
rule that reads the real date where it should read `--today` (or the reverse) passes here
unseen: tests/test_real_date.py runs with a `--today` that differs from the real date.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner, Result

from kui_cli import db
from kui_cli.app import app
from kui_cli.migrations import HEAD_REVISION

TODAY = "2026-11-22"
# Hypothesis keeps its examples and patches under the working directory unless told otherwise;
# tests write only into temporary folders (read when it first stores something, after this),
# removed when the run ends.
if "HYPOTHESIS_STORAGE_DIRECTORY" not in os.environ:
    os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = tempfile.mkdtemp(prefix="kui-hypothesis-")
    atexit.register(shutil.rmtree, os.environ["HYPOTHESIS_STORAGE_DIRECTORY"], True)
POSTGRES_URL = os.environ.get("KUI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def reset_postgres(url: str) -> None:
    """An empty public schema: the fresh database of a PostgreSQL test."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrated() -> dict[str, str]:
    """Databases migrated to head once per session, copied into every test's fresh database.

    `kui init` on an empty database runs every migration (0.5 s on SQLite, 0.9 s on
    PostgreSQL), and the suite's tests begin with one: copying a database the same migrations
    made is ten times faster and gives the same schema. The SQLite template is a file; the
    PostgreSQL one is a database beside the test's (`<name>_template`), cloned with CREATE
    DATABASE ... TEMPLATE. Built lazily: `{"sqlite" or the PostgreSQL URL: template}`."""
    return {}


@pytest.fixture(autouse=True)
def migrate_by_copy(
    monkeypatch: pytest.MonkeyPatch,
    migrated: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """`db.upgrade` of an empty database copies the session's migrated template (see
    `migrated`); a database that has a schema is upgraded by the migrations themselves, so
    the migration tests (older schemas upgraded) run them for real."""
    real_upgrade = db.upgrade

    def upgrade(url: str) -> tuple[str | None, str]:
        if not _copy_template(url, migrated, tmp_path_factory, real_upgrade):
            return real_upgrade(url)
        return None, HEAD_REVISION

    monkeypatch.setattr(db, "upgrade", upgrade)


def _copy_template(
    url: str,
    migrated: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    real_upgrade: Callable[[str], tuple[str | None, str]],
) -> bool:
    """Fill the empty database at `url` from its template; False where it is not empty."""
    path = db.sqlite_path(url)
    if path is not None:
        fresh = not path.exists() or (path.is_file() and path.stat().st_size == 0)
        if not (fresh and path.parent.is_dir()):
            return False
        if "sqlite" not in migrated:
            template = tmp_path_factory.mktemp("template") / "kui.db"
            real_upgrade(f"sqlite:///{template}")
            db.dispose_engines()
            migrated["sqlite"] = str(template)
        db.dispose_engines()
        path.touch(mode=db.OWNER_ONLY)
        shutil.copyfile(migrated["sqlite"], path)
        return True
    if not url.startswith("postgresql") or not _empty_postgres(url):
        return False
    server, name = url.rsplit("/", 1)
    template = f"{name}_template"
    db.dispose_engines()
    admin = create_engine(f"{server}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if url not in migrated:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{template}"'))
            real_upgrade(f"{server}/{template}")
            db.dispose_engines()
            migrated[url] = template
        replaced = _replace_database(conn, name, template)
    admin.dispose()
    return replaced


def _replace_database(conn: Connection, name: str, template: str) -> bool:
    """Drop the test's database and clone the template in its place. Dropping ends the other
    sessions on it, which kui's role may do only for its own: a staff login's session that a
    test has just closed may still be ending, so wait for it a little, then leave the database
    to the migrations (False)."""
    for _ in range(10):
        try:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        except DBAPIError:
            time.sleep(0.1)
            continue
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        return True
    return False


def _empty_postgres(url: str) -> bool:
    """No table in the public schema: a database `kui init` would create from nothing."""
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = conn.execute(
            text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        ).scalar_one()
    engine.dispose()
    return tables == 0


@pytest.fixture(autouse=True)
def real_clock() -> Iterator[None]:
    """The real clock at noon of TODAY in Denmark, ticking (timestamps still follow each other),
    so tests that set up access with the default `--today` decide alike on any day they run."""
    from zoneinfo import ZoneInfo

    import time_machine

    noon = dt.datetime.combine(
        dt.date.fromisoformat(TODAY), dt.time(12), tzinfo=ZoneInfo("Europe/Copenhagen")
    )
    with time_machine.travel(noon, tick=True):
        yield


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No test sees the developer's own database, user or date."""
    for name in ("KUI_DB", "KUI_USER", "KUI_TODAY", "NO_COLOR", "KUI_DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    yield
    db.dispose_engines()


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tests read kui's English (its source language); kui speaks Danish by default, and
    tests/test_i18n.py asks for Danish where it tests it. No profile's language is left over from
    another test's command."""
    from kui_cli.render import i18n

    monkeypatch.setenv("KUI_LANG", "en")
    monkeypatch.setattr(i18n, "_profile_language", None)


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'kui.db'}"
    if not POSTGRES_URL:
        pytest.skip("KUI_TEST_POSTGRES_URL is not set")
    reset_postgres(POSTGRES_URL)
    return POSTGRES_URL


KuiRunner = Callable[..., Result]


@pytest.fixture
def kui(db_url: str) -> KuiRunner:
    """Run `kui` in-process against the test's database, as user AB on TODAY unless told."""
    runner = CliRunner()

    def run(*args: str, user: str = "AB", today: str = TODAY, input: str | None = None) -> Result:
        argv = ["--db", db_url, "--user", user, "--today", today, *args]
        return runner.invoke(app, argv, input=input)

    return run


@pytest.fixture
def ready(kui: KuiRunner, request: pytest.FixtureRequest, tmp_path: Path) -> KuiRunner:
    """An initialised database with the Sønderborg profile, and the default user AB registered
    as an active leader (who sees every youth: privacy.see_all_roles).

    Tests marked `own_staff` test casework, not access: they register their own staff with roles
    (AB as UU counsellor...) and act as any of them, so they get no staff and a profile in which
    every role sees all, reveals, administers and writes the circulated agendas. Access itself
    is tested under the shipped profile (tests/test_access.py).
    """
    if request.node.get_closest_marker("own_staff"):
        ok(kui("init", "--profile", str(open_profile(tmp_path))))
        return kui
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    return kui


def leader(initials: str) -> tuple[str, ...]:
    """The options of `staff add` for a leader (the first one bootstraps the staff table)."""
    return ("--initials", initials, "--name", f"Leder {initials}", "--role", "leader",
            "--department", "KUI-sekretariatet")  # fmt: skip


def open_profile(folder: Path) -> Path:
    """The Sønderborg profile with every role in privacy.see_all_roles, reveal_roles and
    admin_roles (and agenda.generate_roles, feed.apply_roles and feed.report_roles: every role
    may write the circulated agendas, apply the status feed and write the national report)."""
    from importlib import resources

    from kui_cli.domain.codes import ROLES

    text = (resources.files("kui_cli") / "profiles" / "soenderborg.toml").read_text("utf-8")
    everyone = "[" + ", ".join(f'"{role}"' for role in ROLES) + "]"
    text = text.replace('see_all_roles = ["leader"]', f"see_all_roles = {everyone}")
    text = text.replace('reveal_roles = ["leader"]', f"reveal_roles = {everyone}")
    text = text.replace('admin_roles = ["leader"]', f"admin_roles = {everyone}")
    text = text.replace('generate_roles = ["leader", "system"]', f"generate_roles = {everyone}")
    text = text.replace('apply_roles = ["leader", "system"]', f"apply_roles = {everyone}")
    text = text.replace('report_roles = ["leader"]', f"report_roles = {everyone}")
    assert text.count(everyone) == 6, "the shipped profile's privacy, agenda or feed keys changed"
    path = folder / "everyone-sees-all.toml"
    path.write_text(text, encoding="utf-8")
    return path


def ok(result: Result) -> Result:
    """Assert success with the output in the failure message."""
    assert result.exit_code == 0, f"exit {result.exit_code}: {result.output}"
    return result


def cpr_for(born: dt.date, serial: str = "4321") -> str:
    """A valid CPR for a birth date; the serial's first digit sets the century as the rules say."""
    if born.year >= 2000 and serial[0] in "0123":
        serial = "4" + serial[1:]
    if born.year < 2000 and serial[0] not in "0123":
        serial = "1" + serial[1:]
    return born.strftime("%d%m%y") + "-" + serial


def migrate(url: str, revision: str, *, down: bool = False) -> None:
    """Alembic's upgrade (or, `down`, downgrade) of the database at `url` to `revision`, as an
    operator runs it; kui's own `db.upgrade` only goes up to the head."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(db.__file__).parent / "migrations"))
    with db.get_engine(url, create=True).begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of every table: to prove that a failed command changed nothing. That holds
    for the kept figures' counter too: on PostgreSQL a statement that row-level security lets
    touch no row no longer raises `data_version` (schema 0016)."""
    from kui_cli.models import metadata

    engine = create_engine(url)
    with engine.connect() as conn:
        state = {
            table.name: [tuple(row) for row in conn.execute(table.select().order_by(*table.c))]
            for table in metadata.sorted_tables
        }
    engine.dispose()
    return state


def without_trail(state: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """A snapshot without the audit trail and the CPR lookups: what a refused lookup by CPR must
    leave unchanged, while it is itself recorded (issue 15, hole 5)."""
    return {name: rows for name, rows in state.items() if name not in {"audit_log", "cpr_lookup"}}


def add_youth(
    kui: KuiRunner, born: dt.date, name: str = "Ida Jensen", *extra: str, today: str = TODAY
) -> int:
    """Register a youth born on `born` (on `today`: one older than KUI's ages now must have been
    registered while they were young enough); returns the new id."""
    result = ok(kui("youth", "add", "--cpr", cpr_for(born), "--name", name, *extra, today=today))
    return int(result.stdout.strip())
