"""`kui init`, profiles and migrations."""

import os
import sqlite3
import stat
from contextlib import closing
from importlib import resources
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from kui_cli import db
from kui_cli.domain import profile
from kui_cli.migrations import HEAD_REVISION, known_revisions
from kui_cli.models import metadata
from tests.conftest import KuiRunner, leader, ok, snapshot

MIGRATIONS = Path(db.__file__).parent / "migrations"


def test_head_constant_matches_alembic() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == HEAD_REVISION


def test_known_revisions_are_alembics() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    revisions = {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}
    assert known_revisions() == revisions


@pytest.mark.parametrize(
    "argv", [("youth", "list"), ("db", "check"), ("db", "upgrade"), ("init",)], ids=" ".join
)
def test_a_database_from_a_newer_kui_is_left_alone(
    kui: KuiRunner, db_url: str, argv: tuple[str, ...]
) -> None:
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    before = snapshot(db_url)
    result = kui(*argv)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: the database was made by a newer kui (schema 0099); this kui knows the schemas "
        f"up to {HEAD_REVISION}: use the newer kui"
    ]
    assert snapshot(db_url) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0099"
    engine.dispose()


def test_empty_database_migrates_to_exactly_the_models(kui: KuiRunner, db_url: str) -> None:
    ok(kui("init"))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_init_twice_keeps_the_data(kui: KuiRunner) -> None:
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    ok(kui("youth", "add", "--cpr", "150310-4321", "--name", "Ida"))
    result = ok(kui("init", "--profile", "ishoej"))
    assert "up to date" in result.stderr and "ishoej" in result.stderr
    assert "Ida" in ok(kui("youth", "list")).stdout


def test_db_upgrade_is_idempotent(kui: KuiRunner) -> None:
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    assert f"{HEAD_REVISION} -> {HEAD_REVISION}" in ok(kui("db", "upgrade")).stderr
    ok(kui("db", "check"))


def test_sqlite_file_is_private(kui: KuiRunner, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("file modes are SQLite's")
    ok(kui("init"))
    path = db.sqlite_path(db_url)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_sqlite_pragmas(kui: KuiRunner, db_url: str) -> None:
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite pragmas")
    ok(kui("init"))
    with db.get_engine(db_url).connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == db.BUSY_TIMEOUT_MS


def test_postgresql_sessions_run_without_jit(kui: KuiRunner, db_url: str) -> None:
    """Row-level security inflates the planner's estimates; JIT would then compile kui's short
    queries for longer than they run."""
    if not db_url.startswith("postgresql"):
        assert db._server_options(db_url) == {}
        return
    ok(kui("init"))
    with db.get_engine(db_url).connect() as connection:
        assert connection.execute(text("SHOW jit")).scalar() == "off"
        assert connection.execute(text("SHOW lock_timeout")).scalar() == "10s"
        assert connection.execute(text("SHOW statement_timeout")).scalar() == "10min"
    db.dispose_engines()


def test_options_given_in_the_url_are_kept_and_win() -> None:
    ours = "-c lock_timeout=10s -c statement_timeout=10min -c jit=off"
    url = "postgresql+psycopg://kui@localhost/kui?options=-c%20lock_timeout%3D1s"
    assert db._server_options(url) == {"options": f"{ours} -c lock_timeout=1s"}
    assert db._server_options("postgresql://kui@localhost/kui") == {"options": ours}


@pytest.mark.parametrize("name", ["soenderborg", "ishoej", "rebild", "lejre"])
def test_shipped_profiles_load(name: str) -> None:
    loaded = profile.read_profile(name)
    assert loaded.slug == name
    assert loaded.upper_age == (30 if name in ("soenderborg", "rebild") else 25)
    # The cron account's role is named in every shipped profile (README's crontab relies on it).
    assert "system" in loaded.value("agenda.generate_roles")
    shipped = resources.files("kui_cli") / "profiles" / f"{name}.toml"
    assert 'generate_roles = ["leader", "system"]' in shipped.read_text("utf-8")


def test_bad_profile_names_the_key(kui: KuiRunner, tmp_path: Path) -> None:
    cases = {
        'name = "X"\nupper_agee = 30\n': "unknown key 'upper_agee'",
        'name = "X"\nupper_age = "thirty"\n': "key 'upper_age' must be int",
        'name = "X"\n[duty]\noffer_from = "never"\n': "key 'duty.offer_from' must be one of",
        'name = "X"\n[duty]\nspeed = 1\n': "unknown key 'duty.speed'",
        'name = "X"\n[agenda]\ngenerate_roles = ["cron"]\n': "key 'agenda.generate_roles' must "
        "list one of uu, jobcenter",
        'name = "X"\n[agenda]\ngenerate_roles = "system"\n': "key 'agenda.generate_roles' must "
        "be list",
        "upper_age = 30\n": "key 'name' is required",
        "name = \n": "not valid TOML",
    }
    for text_, message in cases.items():
        path = tmp_path / "mine.toml"
        path.write_text(text_, encoding="utf-8")
        result = kui("init", "--profile", str(path))
        assert result.exit_code == 1 and message in result.stderr, result.stderr
    assert kui("init", "--profile", "atlantis").exit_code == 1


def test_own_profile_file_is_loaded(kui: KuiRunner, tmp_path: Path) -> None:
    path = tmp_path / "minkommune.toml"
    path.write_text('name = "Min Kommune"\nupper_age = 25\n', encoding="utf-8")
    assert "minkommune" in ok(kui("init", "--profile", str(path))).stderr


def test_missing_sqlite_folder_is_a_clear_error(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from kui_cli.app import app

    result = CliRunner().invoke(app, ["--db", str(tmp_path / "no" / "kui.db"), "init"])
    assert result.exit_code == 1 and "does not exist" in result.stderr


def sqlite_only(db_url: str) -> Path:
    path = db.sqlite_path(db_url)
    if path is None:
        pytest.skip("file modes are SQLite's")
    return path


def test_init_on_an_existing_open_file_makes_it_private(kui: KuiRunner, db_url: str) -> None:
    path = sqlite_only(db_url)
    path.touch()
    path.chmod(0o644)  # created beforehand, or a copy made with cp
    result = ok(kui("init"))
    assert f"Warning: {path} was open to others (mode 644): made it private (0600)" in (
        result.stderr
    )
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    ok(kui("staff", "add", *leader("AB")))
    ok(kui("db", "check"))


def test_db_check_reports_an_open_database_file_and_upgrade_closes_it(
    kui: KuiRunner, db_url: str
) -> None:
    path = sqlite_only(db_url)
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    db.dispose_engines()
    sides = [Path(f"{path}{suffix}") for suffix in ("", "-wal", "-shm")]
    for file in sides:
        file.touch()
        file.chmod(0o644)
    result = kui("db", "check")
    assert result.exit_code == 1
    assert f"the database file {path} is open to others (mode 644)" in result.stdout
    assert f"{path}-wal is open to others" in result.stdout
    upgraded = ok(kui("db", "upgrade"))
    assert upgraded.stderr.count("made it private (0600)") == 3
    assert [stat.S_IMODE(os.stat(file).st_mode) for file in sides] == [0o600] * 3
    ok(kui("db", "check"))


def test_a_file_that_cannot_be_made_private_is_refused(
    kui: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = sqlite_only(db_url)
    path.touch()
    path.chmod(0o644)

    def refused(*_args: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chmod", refused)
    result = kui("init")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: the database file {path} is open to others (mode 644) and kui cannot make it "
        "private (Operation not permitted): chmod 600 it"
    ]
    assert path.read_bytes() == b""


def test_init_refuses_another_programs_database(kui: KuiRunner, db_url: str) -> None:
    path = db.sqlite_path(db_url)
    if path is not None:
        with closing(sqlite3.connect(path)) as conn, conn:
            conn.execute("CREATE TABLE notes (body TEXT)")
            conn.execute("INSERT INTO notes VALUES ('not kui')")
        path.chmod(0o644)
        content = path.read_bytes()
    else:
        engine = create_engine(db_url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (body TEXT)"))
        engine.dispose()
    for argv in (("init",), ("db", "upgrade"), ("demo", "--youths", "10")):
        result = kui(*argv)
        assert result.exit_code == 1
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: ")
        assert "is not a kui database (it holds other tables: notes)" in lines[0]
    if path is not None:
        assert path.read_bytes() == content and stat.S_IMODE(os.stat(path).st_mode) == 0o644
        assert not Path(f"{path}-wal").exists()
    engine = create_engine(db_url)
    assert inspect(engine).get_table_names() == ["notes"]
    engine.dispose()


def test_a_file_that_is_no_database_is_refused(kui: KuiRunner, db_url: str) -> None:
    path = sqlite_only(db_url)
    path.write_text("name,cpr\n" * 200, encoding="utf-8")
    result = kui("init")
    assert result.exit_code == 1 and result.stderr.startswith(
        f"Error: {path} is not a kui database"
    )
    assert path.read_text(encoding="utf-8") == "name,cpr\n" * 200
