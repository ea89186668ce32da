"""The one place that opens databases: engines, sessions, migrations and the schema check.

SQLite gets WAL, foreign keys and a busy timeout on every connection, and its file is created
with mode 0600 (it holds CPR numbers); `kui init` and `db upgrade` make an existing file private
and refuse another program's database. Any other SQLAlchemy URL is used as given.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlmodel import Session

from kui_cli.errors import KuiError
from kui_cli.migrations import HEAD_REVISION, known_revisions
from kui_cli.render.i18n import _

# How long a command waits for another's write lock (SQLite's busy timeout). A module constant
# that tests shorten; the message of a wait that ran out names it (`describe_database_error`).
BUSY_TIMEOUT_MS = 30_000
READ = "kui_read"
# PostgreSQL: how long one of kui's statements waits for a lock, and runs at all. kui's own write
# transactions hold their locks for well under a second (the audit chain's head row to the end
# of a command's transaction), so a wait of 10 s means another session holds a lock it should
# not (a `LOCK TABLE`, a transaction left open in psql): the command fails and says who, rather
# than hang. No statement of kui runs for minutes (a million-row import or export included);
# one that does is a fault to report, not to wait out. A URL's own options win.
LOCK_TIMEOUT = "10s"
STATEMENT_TIMEOUT = "10min"
# PostgreSQL's codes for a lock wait and a statement cut off by these timeouts.
LOCK_NOT_AVAILABLE = "55P03"
QUERY_CANCELED = "57014"
OWNER_ONLY = 0o600
FULL_DISK_BYTES = 64 * 1024


def sqlite_path(url: str) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    if not url.startswith("sqlite"):
        return None
    path = url.split(":///", 1)[1] if ":///" in url else ""
    return Path(path) if path and path != ":memory:" else None


def _create_private_file(path: Path) -> None:
    """Create the SQLite file with mode 0600 before SQLite does, so it is never world-readable."""
    if path.exists():
        return
    if not path.parent.exists():
        missing = _("cannot create the database: folder {folder} does not exist")
        raise KuiError(missing.format(folder=path.parent))
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY))


def exposed_files(path: Path) -> list[tuple[Path, int]]:
    """The database's files (with its -wal and -shm) that others than the owner may open, with
    their modes. A file copied with `cp` or created beforehand is usually 0644: CPR numbers for
    every user of the machine."""
    found = []
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        with suppress(FileNotFoundError):
            mode = stat.S_IMODE(file.stat().st_mode)
            if mode & 0o077:
                found.append((file, mode))
    return found


def make_private(url: str) -> list[tuple[Path, int]]:
    """Give an existing SQLite database (and its side files) mode 0600, or refuse when that is
    not possible; returns what was changed. Another program's database is refused untouched."""
    path = sqlite_path(url)
    if path is None or not path.exists():
        return []
    refuse_foreign(url)
    exposed = exposed_files(path)
    for file, mode in exposed:
        try:
            os.chmod(file, OWNER_ONLY)
        except OSError as exc:
            exposed_file = _(
                "the database file {file} is open to others (mode {mode}) and kui cannot "
                "make it private ({reason}): chmod 600 it"
            )
            raise KuiError(
                exposed_file.format(file=file, mode=f"{mode:o}", reason=exc.strerror)
            ) from None
    return exposed


def refuse_foreign(url: str) -> None:
    """kui's tables go into an empty database or kui's own, never beside another program's:
    a database with tables and no Alembic version is not kui's. SQLite is read through a
    read-only connection, so the file is not touched (kui's connections would turn on WAL)."""
    path = sqlite_path(url)
    if path is None:
        from sqlalchemy import inspect

        tables = inspect(get_engine(url)).get_table_names()
    elif path.exists():
        tables = _sqlite_tables(path)
    else:
        return
    if tables and "alembic_version" not in tables:
        shown = ", ".join(sorted(tables)[:3]) + (", ..." if len(tables) > 3 else "")
        foreign = _(
            "{url} is not a kui database (it holds other tables: {tables}): "
            "kui will not add its tables beside them"
        )
        raise KuiError(foreign.format(url=redact(url), tables=shown))


def _sqlite_tables(path: Path) -> list[str]:
    query = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    try:
        with closing(sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True)) as conn:
            return [row[0] for row in conn.execute(query)]
    except sqlite3.DatabaseError as exc:
        raise KuiError(
            _("{path} is not a kui database: {error}").format(path=path, error=exc)
        ) from None


def _on_sqlite_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # The driver's implicit transactions would defeat BEGIN IMMEDIATE: SQLAlchemy's BEGIN is ours.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _on_sqlite_close(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    """SQLite's advice for short-lived connections: `PRAGMA optimize` just before closing.

    The query planner needs table statistics (`sqlite_stat1`) to tell a selective index from an
    unselective one: without them it takes the status index over the birth-date index and reads
    a tenth of a million youths to find a thousand. `optimize` analyses only the tables this
    connection's queries used that were never analysed or have grown tenfold since, so it is
    nearly always a no-op (microseconds); the rare ANALYZE of a grown table takes a fraction of
    a second once. It never waits: if another process holds the write lock, the statistics
    wait for a later command."""
    with suppress(sqlite3.Error):
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout = 0")
            cursor.execute("PRAGMA query_only = 0")  # the last transaction may have been a read
            cursor.execute("PRAGMA optimize")
        finally:
            cursor.close()


def _on_sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # Take the write lock at the start so two writers queue on the busy timeout instead of
    # failing with "database is locked" when a read transaction tries to upgrade. A read
    # (`begin_read`) takes no lock at all (WAL: it reads a snapshot while others write), and
    # `query_only` makes a write in it an error rather than a silent upgrade.
    read = bool(conn.get_execution_options().get(READ))
    conn.exec_driver_sql(f"PRAGMA query_only = {int(read)}")
    conn.exec_driver_sql("BEGIN" if read else "BEGIN IMMEDIATE")


def _on_server_begin(conn) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL reads never wait for writers (MVCC): a read is only made read-only, so a write
    # in it fails as it does on SQLite.
    if conn.get_execution_options().get(READ):
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")


def begin_read(session: Session) -> None:
    """Make the session's next transaction a read that holds no lock: on SQLite a deferred
    BEGIN (every other transaction takes the write lock at once), on PostgreSQL READ ONLY.
    A command that reads long (`agenda generate` building its documents) reads so, and writes
    what it must in short transactions of its own afterwards; a write in the read fails."""
    assert not session.in_transaction(), "begin_read starts a transaction: commit first"
    session.connection(execution_options={READ: True})


def _check_writable(path: Path) -> None:
    """Every command writes (at least its audit entry), and SQLite keeps its journal beside the
    file: say so up front rather than fail halfway with "attempt to write a readonly database"."""
    if not _writable(path):
        read_only = _(
            "the database file {file} is read-only: kui must write to it (every use is logged)"
        )
        raise KuiError(read_only.format(file=path))
    if not _writable(path.parent) and not Path(f"{path}-wal").exists():
        closed = _(
            "the folder {folder} is read-only: SQLite needs to write its journal "
            "({journal}) beside the database"
        )
        raise KuiError(closed.format(folder=path.parent, journal=f"{path.name}-wal"))


def _writable(path: Path) -> bool:
    """Write permission for the effective user, read-only file systems included."""
    if os.access in os.supports_effective_ids:
        return os.access(path, os.W_OK, effective_ids=True)
    return os.access(path, os.W_OK)


_ENGINES: dict[str, Engine] = {}


def get_engine(url: str, create: bool = False) -> Engine:
    """One engine per URL and process. `create` allows a missing SQLite file to be made."""
    if url not in _ENGINES:
        _ENGINES[url] = _make_engine(url, create)
    return _ENGINES[url]


def _make_engine(url: str, create: bool) -> Engine:
    path = sqlite_path(url)
    if path is not None:
        if create:
            _create_private_file(path)
        elif not path.exists():
            raise KuiError(_("no database at {path}: run `kui init` first").format(path=path))
        _check_writable(path)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
        event.listen(engine.pool, "close", _on_sqlite_close)
        return engine
    try:
        engine = create_engine(url, pool_pre_ping=False, connect_args=_server_options(url))
    except (ImportError, SQLAlchemyError, ValueError) as exc:
        unusable = _("cannot use database URL {url}: {error}")
        raise KuiError(unusable.format(url=redact(url), error=exc)) from None
    event.listen(engine, "begin", _on_server_begin)
    return engine


def _server_options(url: str) -> dict[str, str]:
    """PostgreSQL sessions with lock and statement timeouts (`LOCK_TIMEOUT`) and without JIT.
    Row-level security and the per-youth subqueries make the planner estimate kui's short
    queries as very costly, and it then JIT-compiles them, which takes far longer than running
    them (`duty check` at a million youths: 0.73 s of compiling for 0.07 s of work). Options in
    the URL come last, so they win."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        return {}
    given = parsed.query.get("options")
    given = " ".join(given) if isinstance(given, tuple) else given
    ours = f"-c lock_timeout={LOCK_TIMEOUT} -c statement_timeout={STATEMENT_TIMEOUT} -c jit=off"
    return {"options": f"{ours} {given}" if given else ours}


def redact(url: str) -> str:
    """A URL fit for an error message: the password is never printed."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "<unparsable URL>"


@contextmanager
def session_scope(url: str, *, check_schema: bool = True) -> Iterator[Session]:
    """A session whose work is committed together or not at all."""
    engine = get_engine(url)
    if check_schema:
        ensure_current(engine)
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded by Alembic, read with plain SQL so Alembic is not imported.

    A read that takes no lock (`READ`), so the check never queues behind another command's
    writes. None only when the table is missing: a lock that was not granted, a refused
    permission or a broken file is raised as what it is, never read as "no schema"."""
    with engine.connect().execution_options(**{READ: True}) as conn:
        try:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (OperationalError, DBAPIError) as exc:
            if _no_such_table(exc):
                return None
            raise


def _no_such_table(exc: DBAPIError) -> bool:
    """SQLite's "no such table", PostgreSQL's undefined_table (SQLSTATE 42P01)."""
    return getattr(exc.orig, "sqlstate", None) == "42P01" or "no such table" in str(exc.orig)


def ensure_current(engine: Engine) -> None:
    """Refuse to work on a database that is not at this version's schema."""
    revision = current_revision(engine)
    if revision == HEAD_REVISION:
        return
    if revision is None:
        raise KuiError(_("the database is not initialised: run `kui init`"))
    refuse_newer(revision)
    behind = _("the database schema is at {revision}, kui needs {head}: run `kui db upgrade`")
    raise KuiError(behind.format(revision=revision, head=HEAD_REVISION))


def refuse_newer(revision: str) -> None:
    """A schema this kui does not know was made by a newer kui: neither use nor upgrade it."""
    if revision not in known_revisions():
        newer = _(
            "the database was made by a newer kui (schema {revision}); this kui knows the "
            "schemas up to {head}: use the newer kui"
        )
        raise KuiError(newer.format(revision=revision, head=HEAD_REVISION))


def upgrade(url: str) -> tuple[str | None, str]:
    """Run the migrations up to head; returns the revision before and after."""
    from alembic import command
    from alembic.config import Config

    refuse_foreign(url)
    engine = get_engine(url, create=True)
    before = current_revision(engine)
    if before is not None:
        refuse_newer(before)
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    return before, HEAD_REVISION


def describe_database_error(exc: BaseException) -> str | None:
    """One line for a database failure, or None when it is not one."""
    if isinstance(exc, IntegrityError):
        return _("the database refused the change: {error}").format(error=_first_line(exc.orig))
    if _is_timeout(exc):
        return _timed_out(exc)
    if isinstance(exc, OperationalError | sqlite3.OperationalError):
        text_ = _first_line(getattr(exc, "orig", exc))
        if "readonly" in text_.replace(" ", "") or "read-only" in text_:
            return _("the database is read-only: {error}").format(error=text_)
        full = _full_disk() if "disk i/o error" in text_.lower() else None
        if full is not None:
            no_space = _("the disk is full: no space left beside {file} ({error})")
            return no_space.format(file=full, error=text_)
        if "disk" in text_ and "full" in text_:
            return _("the disk is full: {error}").format(error=text_)
        if text_ in ("database is locked", "database is busy"):
            busy = _(
                "the database is busy: another command has held its write lock for more than "
                "{seconds} s; try again"
            )
            return busy.format(seconds=f"{BUSY_TIMEOUT_MS / 1000:g}")
        if "locked" in text_:
            return _("the database is busy (locked by another process): {error}").format(
                error=text_
            )
        if text_ == "unable to open database file":
            return _(
                "cannot open the database file given by --db or KUI_DB: it is a folder, or its "
                "folder is missing or closed to you"
            )
        return _("cannot use the database: {error}").format(error=text_)
    if "file is not a database" in str(getattr(exc, "orig", exc)):
        return _("the file given by --db or KUI_DB is not a database (not an SQLite file)")
    if isinstance(exc, SQLAlchemyError) or type(exc).__module__.startswith(("sqlite3", "psycopg")):
        return _("database error: {error}").format(error=_first_line(exc))
    return None


def _sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's error code (psycopg), None for other errors."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None)


def _is_timeout(exc: BaseException) -> bool:
    """A wait or a statement cut off by kui's timeouts (not a cancel by hand)."""
    state = _sqlstate(exc)
    return state == LOCK_NOT_AVAILABLE or (state == QUERY_CANCELED and "timeout" in str(exc))


def _timed_out(exc: BaseException) -> str:
    """A PostgreSQL wait cut off by kui's timeouts, with the lock it waited for and who holds it.

    The wait is over when this runs, so another connection asks the server who holds a lock on
    the table the error names (a row lock names it in the error's context) or, failing that, the
    strongest table lock held by another session of this database."""
    error = getattr(exc, "orig", exc)
    diagnostics = getattr(error, "diag", None)
    named = re.search(r'relation "([^"]+)"', f"{getattr(diagnostics, 'context', '')} {error}")
    holder = _lock_holder(named.group(1) if named else None)
    limit = _("lock timeout") if _sqlstate(exc) == LOCK_NOT_AVAILABLE else _("statement timeout")
    if holder is None:
        gave_up = _(
            "the database gave up waiting for a lock ({limit}): another session keeps it; "
            "try again, or ask the database administrator to end that session"
        )
        return gave_up.format(limit=limit)
    gave_up = _(
        "the database gave up waiting for a lock on table {table}, held by login {login} "
        "(pid {pid}) ({limit}): another session keeps it; try again, or ask the database "
        "administrator to end that session"
    )
    return gave_up.format(table=holder[0], login=holder[1], pid=holder[2], limit=limit)


HOLDERS = text(
    "SELECT c.relname, a.usename, l.pid FROM pg_locks l "
    "JOIN pg_class c ON c.oid = l.relation JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.granted AND l.pid <> pg_backend_pid() AND c.relnamespace = "
    "current_schema()::regnamespace AND l.database = (SELECT oid FROM pg_database "
    "WHERE datname = current_database()) AND (c.relname = :table OR (CAST(:table AS text) "
    "IS NULL AND l.mode IN ('ShareLock', 'ShareRowExclusiveLock', 'ExclusiveLock', "
    "'AccessExclusiveLock'))) ORDER BY l.mode = 'AccessExclusiveLock' DESC, l.pid LIMIT 1"
)


def _lock_holder(table: str | None) -> tuple[str, str, int] | None:
    """(table, login, pid) of a session holding a lock kui may have waited for; None when it
    cannot be told (the lock is gone, or the server cannot be asked)."""
    for url, engine in list(_ENGINES.items()):
        if not url.startswith("postgresql"):
            continue
        with suppress(SQLAlchemyError), engine.connect() as conn:
            row = conn.execute(HOLDERS, {"table": table}).first()
            if row is not None:
                return str(row[0]), str(row[1]), int(row[2])
    return None


def _full_disk() -> Path | None:
    """The SQLite file in use whose disk is full. SQLite reports a full disk as a bare "disk I/O
    error" when it cannot even grow its shared-memory file (-shm), so look at the disk itself."""
    for url in _ENGINES:
        path = sqlite_path(url)
        with suppress(OSError):
            if path is not None and shutil.disk_usage(path.parent).free < FULL_DISK_BYTES:
                return path
    return None


def _first_line(value: object) -> str:
    return str(value).strip().splitlines()[0] if str(value).strip() else type(value).__name__


def dispose_engines() -> None:
    """Close every pooled connection (tests and long-lived callers that switch databases)."""
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()
