"""Issue 15, hole 7: the audit log rewritten by an insider with the database, and `--reveal`.

The attacker here can do anything to the database (drop the append-only triggers, delete,
renumber, recompute kui's unkeyed chain), but has neither the checkpoint key nor the checkpoint
file of the data protection officer's earlier `audit verify`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, delete, inspect, select, text
from sqlmodel import Session

from kui_cli.domain.protection import audit
from kui_cli.models import AuditLog
from tests.conftest import KuiRunner, add_youth, leader, ok

IDA_BORN = dt.date(2010, 3, 15)


@pytest.fixture
def looked_at(ready: KuiRunner) -> KuiRunner:
    """A youth looked at often enough for a log of about 20 entries."""
    youth = add_youth(ready, IDA_BORN, "Ida Jensen")
    for _ in range(16):
        ok(ready("youth", "show", str(youth)))
    return ready


def verify(kui: KuiRunner, *extra: str):  # type: ignore[no-untyped-def]
    return kui("audit", "verify", "-f", "json", *extra)


def ids(db_url: str) -> list[int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        found = list(conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())
    engine.dispose()
    return found


def rewrite(db_url: str, remove: list[int], *, renumber: bool) -> None:
    """What an insider with the database does: switch the guards off, delete entries, renumber
    the rest to hide the gap, and recompute kui's chain from the start."""
    engine = create_engine(db_url)
    postgres = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        if postgres:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        conn.execute(delete(AuditLog).where(AuditLog.id.in_(remove)))
        if renumber:
            kept = list(conn.execute(text("SELECT id FROM audit_log ORDER BY id")).scalars())
            for new, old in enumerate(kept, 1):
                conn.execute(
                    text("UPDATE audit_log SET id = :n WHERE id = :o"), {"n": new, "o": old}
                )
    with Session(engine) as session:
        previous = audit.GENESIS
        for entry in session.execute(select(AuditLog).order_by(AuditLog.id)).scalars():
            entry.prev_hash = previous
            entry.hash = previous = audit.entry_hash(entry)
        session.flush()
        if postgres:
            session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        session.commit()
    engine.dispose()


def test_an_intact_log_gets_a_signed_checkpoint_outside_the_database(
    looked_at: KuiRunner, tmp_path: Path
) -> None:
    first = json.loads(ok(verify(looked_at)).stdout)
    assert first["intact"] and first["checkpoint_written"] and first["checkpoints"] == 0
    folder = tmp_path / "xdg" / "kui"
    for name in ("audit-checkpoints.jsonl", "audit.key"):
        assert stat.S_IMODE(os.stat(folder / name).st_mode) == 0o600
    line = json.loads((folder / "audit-checkpoints.jsonl").read_text().splitlines()[0])
    assert (line["last_id"], line["hash"], line["entries"]) == (
        first["last_id"],
        first["last_hash"],
        first["entries"],
    )
    second = json.loads(ok(verify(looked_at)).stdout)
    assert second["intact"] and second["checkpoints"] == 1


@pytest.mark.parametrize("renumber", [False, True], ids=["gap", "renumbered"])
def test_a_recomputed_chain_is_caught_by_the_checkpoint(
    looked_at: KuiRunner, db_url: str, tmp_path: Path, renumber: bool
) -> None:
    ok(verify(looked_at))
    ok(looked_at("youth", "show", "1"))
    rewrite(db_url, list(range(3, 12)), renumber=renumber)
    result = verify(looked_at)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: the audit log is broken at entry ")
    expected = "checkpoint" if renumber else "the entries between were removed"
    assert expected in result.stderr and "Traceback" not in result.output
    # Without the checkpoint the recomputed, renumbered chain would pass: it is what catches it.
    fresh = verify(looked_at, "--checkpoints", str(tmp_path / "elsewhere.jsonl"))
    assert (fresh.exit_code == 0) is renumber, fresh.output


def test_a_log_cut_before_the_last_checkpoint_is_caught(looked_at: KuiRunner, db_url: str) -> None:
    ok(verify(looked_at))
    last = ids(db_url)[-1]
    rewrite(db_url, list(range(last - 4, last + 1)), renumber=False)
    result = verify(looked_at)
    assert result.exit_code == 1 and "which is gone" in result.stderr


def test_ids_must_start_at_one(looked_at: KuiRunner, db_url: str) -> None:
    rewrite(db_url, [1], renumber=False)
    result = verify(looked_at)
    assert result.exit_code == 1
    assert "broken at entry 2: the log does not start at entry 1" in result.stderr


def test_a_checkpoint_forged_without_the_key_is_refused(
    looked_at: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """The insider recomputes the chain and rewrites the checkpoint to match, without the key."""
    ok(verify(looked_at))
    rewrite(db_url, list(range(3, 12)), renumber=True)
    path = tmp_path / "xdg" / "kui" / "audit-checkpoints.jsonl"
    line = json.loads(path.read_text())
    engine = create_engine(db_url)
    with engine.connect() as conn:
        line["hash"] = conn.execute(
            text("SELECT hash FROM audit_log WHERE id = :id"), {"id": line["last_id"]}
        ).scalar()
    engine.dispose()
    path.write_text(json.dumps(line) + "\n")
    result = verify(looked_at)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"Error: the audit log cannot be verified: checkpoint line 1 of {path} is not signed by "
        f"the audit key {tmp_path / 'xdg' / 'kui' / 'audit.key'}: it was forged or damaged"
    ]


def test_the_key_file_is_configurable_and_must_be_private(
    looked_at: KuiRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "dpo" / "kui-audit.key"
    monkeypatch.setenv("KUI_AUDIT_KEY_FILE", str(key))
    ok(verify(looked_at))
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    key.chmod(0o644)
    result = verify(looked_at)
    assert result.exit_code == 1 and "open to others (mode 644)" in result.stderr


@pytest.mark.parametrize(
    "command", [("youth", "show", "1"), ("youth", "list")], ids=["show", "list"]
)
def test_reveal_leaves_an_entry_of_its_own(
    looked_at: KuiRunner, db_url: str, command: tuple[str, ...]
) -> None:
    def last_filter() -> dict | None:
        engine = create_engine(db_url)
        with engine.connect() as conn:
            value = conn.execute(
                text("SELECT filter FROM audit_log ORDER BY id DESC LIMIT 1")
            ).scalar()
        engine.dispose()
        return json.loads(value) if value else None

    ok(looked_at(*command))
    masked = last_filter()
    assert not (masked or {}).get("revealed")
    ok(looked_at(*command, "--reveal"))
    assert last_filter() == {**(masked or {}), "revealed": True}


TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"), max_size=12)


@pytest.mark.postgres
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    id_=st.integers(1, 2**31 - 1),
    at=st.datetimes(dt.datetime(1970, 1, 1), dt.datetime(2999, 12, 31), timezones=st.just(dt.UTC)),
    user=TEXT,
    command=TEXT,
    subject=st.none() | TEXT,
    filter_=st.none() | TEXT,
    rows=st.none() | st.integers(0, 2**31 - 1),
)
def test_the_database_hashes_an_entry_as_kui_does(
    pg_engine, id_, at, user, command, subject, filter_, rows
) -> None:  # type: ignore[no-untyped-def]
    """`kui_audit_hash` (the trigger's) and `audit.entry_hash` agree on every entry."""
    entry = AuditLog(
        id=id_, at=at, user=user, action="read", command=command, subject_key=subject,
        filter=filter_, rows=rows, prev_hash="ab" * 32, hash="", hash_version=2,
    )  # fmt: skip
    query = text(
        "SELECT kui_audit_hash(:id, :prev, :at, :user, 'read', :command, :subject, :filter, :rows)"
    )
    values = {"id": id_, "prev": entry.prev_hash, "at": at, "user": user, "command": command,
              "subject": subject, "filter": filter_, "rows": rows}  # fmt: skip
    with pg_engine.connect() as conn:
        assert conn.execute(query, values).scalar() == audit.entry_hash(entry)


@pytest.fixture
def pg_engine(db_url: str, kui: KuiRunner):  # type: ignore[no-untyped-def]
    if not db_url.startswith("postgresql"):
        pytest.skip("the SQL twin of entry_hash is PostgreSQL's")
    ok(kui("init"))
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


def test_migration_0009_chains_on_from_the_old_entries_and_its_downgrade_drops_it(
    kui: KuiRunner, db_url: str
) -> None:
    """Entries of the first payload (before 0009) still verify, the new ones follow them
    without a gap, and the downgrade removes the column, the head and the trigger."""
    from tests.test_row_security import migrate

    migrate(db_url, "0004")
    engine = create_engine(db_url)
    with Session(engine) as session:
        previous = audit.GENESIS
        for number in range(3):
            entry = AuditLog(
                at=dt.datetime(2026, 11, 1, 8, number, tzinfo=dt.UTC), user="AB", action="read",
                command="kui youth show", prev_hash=previous, hash="",
            )  # fmt: skip
            entry.hash = previous = audit.entry_hash(entry)
            session.execute(
                text(
                    'INSERT INTO audit_log (at, "user", action, command, prev_hash, hash) '
                    "VALUES (:at, :user, :action, :command, :prev_hash, :hash)"
                ),
                entry.model_dump(exclude={"hash_version", "id"}),
            )
        session.commit()
    migrate(db_url, "head")
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))
    assert json.loads(ok(verify(kui)).stdout)["intact"]
    with engine.connect() as conn:
        versions = list(conn.execute(text("SELECT id, hash_version FROM audit_log ORDER BY id")))
    assert [id_ for id_, _ in versions] == list(range(1, len(versions) + 1))
    assert [v for _, v in versions[:3]] == [None] * 3
    assert len(versions) > 3 and {v for _, v in versions[3:]} == {2}
    migrate(db_url, "0004", down=True)
    with engine.connect() as conn:
        columns = [column["name"] for column in inspect(conn).get_columns("audit_log")]
        assert "hash_version" not in columns
        assert "audit_head" not in inspect(conn).get_table_names()
        if conn.dialect.name == "postgresql":
            kept = (
                "SELECT count(*) FROM pg_proc WHERE proname LIKE 'kui\\_audit\\_%' "
                "AND pronamespace = current_schema()::regnamespace"
            )
            assert conn.execute(text(kept)).scalar() == 1, "kui_audit_last_hash of 0003 stays"
    engine.dispose()
