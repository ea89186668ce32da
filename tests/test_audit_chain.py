"""Issue 19: `audit verify` at a million entries: the stored rows hashed without objects
(`audit.stored_hash`, held to `audit.entry_hash`), and a walk that starts at the latest
checkpoint that still holds (`--full` from entry 1)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, String, create_engine, insert, select, text, type_coerce
from sqlmodel import Session

from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit_trail import CHAIN_COLUMNS
from kui_cli.models import AuditLog
from tests.conftest import KuiRunner, add_youth, ok
from tests.test_audit import behind_the_back, sql

TEXT = st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\0"), max_size=12)
ZONES = st.sampled_from(
    [dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(-dt.timedelta(hours=9, minutes=30))]
)
MOMENTS = st.datetimes(dt.datetime(1970, 1, 2), dt.datetime(2999, 12, 30), timezones=ZONES)
ENTRIES = st.fixed_dictionaries(
    {
        "id": st.integers(100, 2**31 - 1),  # above the entries of `kui init`
        "hash_version": st.sampled_from([None, audit.CHAIN_VERSION]),
        "at": MOMENTS | MOMENTS.map(lambda moment: moment.replace(microsecond=0)),
        "user": TEXT,
        "action": st.sampled_from(["read", "list", "update", "verify", "administer"]) | TEXT,
        "command": TEXT,
        "subject_key": st.none() | TEXT,
        "filter": st.none() | TEXT | st.just('{"søgning": "Jørgensen", "år": 2026}'),
        "rows": st.none() | st.integers(0, 2**31 - 1),
        "prev_hash": st.just(audit.GENESIS) | st.text("0123456789abcdef", min_size=64, max_size=64),
    }
)
CHECKED = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def engine(kui: KuiRunner, db_url: str) -> Iterator[Engine]:
    ok(kui("init"))
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


def stored(engine: Engine, values: dict, raw_at: str | None = None) -> tuple[tuple, AuditLog]:
    """The entry as the database holds it: its row as `audit verify` reads it and the object
    kui reads everywhere else. Written and rolled back inside one transaction, with the chain
    trigger of PostgreSQL switched off there so that the entry keeps its id, version and hash."""
    with engine.connect() as conn, conn.begin() as transaction:
        if conn.dialect.name == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        at = values["at"] if raw_at is None else type_coerce(raw_at, String)
        conn.execute(insert(AuditLog).values(**{**values, "at": at}, hash=""))
        row = conn.execute(select(*CHAIN_COLUMNS).where(AuditLog.id == values["id"])).one()
        with Session(bind=conn) as session:
            entry = session.get(AuditLog, values["id"])
            assert entry is not None
            session.expunge(entry)
        transaction.rollback()
    return tuple(row), entry


@CHECKED
@given(values=ENTRIES)
def test_the_stored_row_hashes_as_the_entry_does(engine: Engine, values: dict) -> None:
    """One rule: whatever the entry (both payload versions, any id, text that JSON escapes,
    None, a timestamp in any zone with or without microseconds), the hash of the row as SQLite
    or PostgreSQL returns it is `entry_hash` of the entry, and never left to the slow way."""
    row, entry = stored(engine, values)
    assert audit.stored_hash(*row[:-1]) == audit.entry_hash(entry)


@CHECKED
@given(values=ENTRIES, form=st.sampled_from(["T", " ", "Z", "+00:00", "+01:00", "-07:30"]))
def test_a_timestamp_written_by_another_program_still_hashes_as_kui_reads_it(
    engine: Engine, values: dict, form: str
) -> None:
    """SQLite keeps whatever text another program wrote: a form other than kui's own is handed
    to `entry_hash` (None), never hashed differently."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL keeps a timestamp, not its text")
    moment = values["at"].astimezone(dt.UTC).replace(tzinfo=None)
    raw = moment.isoformat(sep="T" if form == "T" else " ")
    if form not in ("T", " "):
        raw += form
    row, entry = stored(engine, values, raw_at=raw)
    assert audit.stored_hash(*row[:-1]) in (None, audit.entry_hash(entry))


def test_values_of_another_type_are_left_to_entry_hash() -> None:
    """SQLite's columns take any type: a number where text belongs is not serialised as text."""
    stamp = "2026-11-22 11:00:00.000000"
    assert audit.stored_hash(1, 2, audit.GENESIS, stamp, 7, "read", "kui", None, None, None) is None
    assert (
        audit.stored_hash(1, 2, audit.GENESIS, stamp, "AB", "read", "kui", None, None, 1.0) is None
    )
    assert (
        audit.stored_hash(1, 2, audit.GENESIS, "22/11/2026", "AB", "read", "kui", None, None, None)
        is None
    )
    assert (
        audit.stored_hash(1, 2, audit.GENESIS, stamp, "AB", "read", "kui", None, None, True) is None
    )


# ---------------------------------------------------------------------------------------------
# From the latest checkpoint


@pytest.fixture
def checked(ready: KuiRunner) -> KuiRunner:
    """A log of about a dozen entries, verified once (a checkpoint at its end)."""
    youth = add_youth(ready, dt.date(2010, 3, 15), "Ida Jensen")
    for _ in range(8):
        ok(ready("youth", "show", str(youth)))
    first = verify(ready)
    assert first["from_checkpoint"] is None and first["checked"] == first["entries"]
    return ready


def verify(kui: KuiRunner, *extra: str) -> dict:
    return json.loads(ok(kui("audit", "verify", "-f", "json", *extra)).stdout)


def failed(kui: KuiRunner, *extra: str) -> tuple[dict, str]:
    result = kui("audit", "verify", "-f", "json", *extra)
    assert result.exit_code == 1 and "Traceback" not in result.output
    return json.loads(result.stdout), result.stderr


def last_id(db_url: str) -> int:
    return sql(db_url, "SELECT max(id) FROM audit_log")[0][0][0]


def test_a_second_verification_walks_only_the_entries_after_the_checkpoint(
    checked: KuiRunner, db_url: str
) -> None:
    mark = last_id(db_url) - 1  # the first verification's own entry came after its checkpoint
    for _ in range(3):
        ok(checked("youth", "show", "1"))
    again = verify(checked)
    assert again["intact"] and again["from_checkpoint"] == mark
    assert again["checked"] == 4, "the first verification's entry and the three reads"
    assert again["entries"] == again["last_id"] == last_id(db_url) - 1
    assert again["checkpoint_written"]
    full = verify(checked, "--full")
    assert full["from_checkpoint"] is None and full["checked"] == full["entries"]
    assert full["last_id"] == again["last_id"] + 1
    entry = sql(db_url, "SELECT action, filter FROM audit_log ORDER BY id DESC LIMIT 2")[0]
    assert entry[0][0] == "verify" and json.loads(entry[0][1]) == {"checkpoints": 2}
    assert entry[1][0] == "verify" and json.loads(entry[1][1])["from_checkpoint"] == mark


def test_an_entry_edited_after_the_checkpoint_is_caught_without_full(
    checked: KuiRunner, db_url: str
) -> None:
    ok(checked("youth", "show", "1"))
    target = last_id(db_url)
    behind_the_back(db_url, f"UPDATE audit_log SET \"user\" = 'ZZ' WHERE id = {target}")
    report, error = failed(checked)
    assert report["first_broken"] == target and "was edited" in error
    assert report["from_checkpoint"] == target - 2


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        ("UPDATE audit_log SET rows = 7 WHERE id = {mark}", "broken at entry {mark}: its content"),
        ("DELETE FROM audit_log WHERE id = 3", "broken at entry 4: it follows entry 2"),
    ],
    ids=["checkpoint-entry-edited", "entry-before-removed"],
)
def test_a_checkpoint_that_no_longer_holds_sends_the_walk_to_the_start(
    checked: KuiRunner, db_url: str, statement: str, problem: str
) -> None:
    """The checkpoint's own entry edited, or an entry before it removed: the walk does not
    start from the checkpoint but from entry 1, and names the first entry that does not fit."""
    mark = last_id(db_url) - 1
    behind_the_back(db_url, statement.format(mark=mark))
    report, error = failed(checked)
    assert report["from_checkpoint"] is None
    assert problem.format(mark=mark) in error


def test_full_finds_an_edit_before_the_checkpoint_that_the_walk_from_it_cannot(
    checked: KuiRunner, db_url: str
) -> None:
    """What starting from a checkpoint gives up: an entry before it changed behind kui's back
    without recomputing the chain is found by `--full` (NOTES: run it regularly)."""
    behind_the_back(db_url, "UPDATE audit_log SET subject_key = NULL WHERE id = 3")
    assert verify(checked)["intact"]
    report, error = failed(checked, "--full")
    assert report["first_broken"] == 3 and "was edited" in error
