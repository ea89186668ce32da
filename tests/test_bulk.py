"""`bulk.insert_many` writes what the ORM writes: the same stored values, read back the same, on
SQLite and PostgreSQL; and the tables it writes have no SQLAlchemy defaults it would skip."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from kui_cli.domain import bulk
from kui_cli.models import AuditLog, ChangeLog, DutyEpisode, FeedEvent, HistoryPeriod
from tests.conftest import KuiRunner, add_youth

WRITTEN = (AuditLog, ChangeLog, DutyEpisode, FeedEvent, HistoryPeriod)


@pytest.mark.parametrize("model", WRITTEN, ids=lambda m: m.__tablename__)
def test_the_tables_written_in_bulk_have_no_defaults_to_fill_in(model: type) -> None:
    columns = model.__table__.columns
    assert [c.name for c in columns if c.default is not None or c.server_default] == []


MOMENTS = st.datetimes(
    min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(dt.UTC)
)
DAYS = st.dates(dt.date(1900, 1, 1), dt.date(2100, 1, 1))


def test_a_row_inserted_in_bulk_is_stored_as_the_orm_stores_it(
    ready: KuiRunner, db_url: str
) -> None:
    from sqlmodel import Session, create_engine, select

    youth_id = add_youth(ready, dt.date(2010, 3, 15), "Ida")
    engine = create_engine(db_url)

    @settings(max_examples=15, deadline=None)
    @given(at=MOMENTS, day=DAYS, why=st.text().map(lambda t: t.replace("\x00", "")) | st.none())
    def same(at: dt.datetime, day: dt.date, why: str | None) -> None:
        row = {"youth_id": youth_id, "at": at, "by": "AB", "kind": "registered", "what": "w",
               "old_value": None, "new_value": "x", "why": why, "effective_on": day}  # fmt: skip
        with Session(engine) as session:
            session.add(ChangeLog(**row))
            session.flush()
            bulk.insert_many(session, ChangeLog, [row])
            query = "SELECT at, effective_on, why FROM change_log ORDER BY id DESC LIMIT 2"
            raw = session.execute(text(query)).all()
            assert raw[0] == raw[1]
            last = select(ChangeLog).order_by(ChangeLog.id.desc()).limit(2)
            orm, ours = session.execute(last).scalars().all()
            assert (orm.at, orm.effective_on, orm.why) == (ours.at, ours.effective_on, ours.why)
            session.rollback()

    try:
        same()
    finally:
        engine.dispose()


def test_the_page_cache_of_a_bulk_write_is_handed_back(ready: KuiRunner, db_url: str) -> None:
    from sqlmodel import Session, create_engine

    engine = create_engine(db_url)
    sqlite = db_url.startswith("sqlite")
    try:
        with Session(engine) as session:
            size = "PRAGMA cache_size"
            before = session.connection().exec_driver_sql(size).scalar() if sqlite else None
            with bulk.page_cache(session, 64):
                if sqlite:
                    assert session.connection().exec_driver_sql(size).scalar() == -64 * 1024
            if sqlite:
                assert session.connection().exec_driver_sql(size).scalar() == before
    finally:
        engine.dispose()
