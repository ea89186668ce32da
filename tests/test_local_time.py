"""Moments are stored in UTC; people read them in Danish local time, scripts as stored."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, update

from kui_cli import danish
from kui_cli.models import ChangeLog
from tests.conftest import KuiRunner, add_youth, ok

UTC = dt.UTC
SUMMER_TIME = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        (dt.datetime(2026, 1, 15, 12, 0, 59, tzinfo=UTC), "2026-01-15 13:00"),  # winter: +01:00
        (dt.datetime(2026, 7, 1, 12, 5, 30, tzinfo=UTC), "2026-07-01 14:05"),  # summer: +02:00
        (dt.datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "2027-01-01 00:30"),  # a new day, year
        # 29 March 2026: clocks go from 02:00 to 03:00 at 01:00 UTC.
        (dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "2026-03-29 01:59"),
        (dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "2026-03-29 03:00"),
        # 25 October 2026: clocks go from 03:00 back to 02:00 at 01:00 UTC; 02:30 comes twice.
        (dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "2026-10-25 02:30"),
        (dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "2026-10-25 02:30"),
        (dt.datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "2026-10-25 03:00"),
        (
            dt.datetime(2026, 7, 1, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            "2026-07-01 14:05",
        ),
        (dt.datetime(2026, 7, 1, 9, 0, 12), "2026-07-01 09:00"),  # a meeting: local already
    ],
)
def test_local_time(moment: dt.datetime, shown: str) -> None:
    assert danish.local_time(moment) == shown


SUMMER = dt.datetime(2026, 7, 1, 12, 5, 30, 250000, tzinfo=UTC)
WINTER = dt.datetime(2026, 1, 15, 12, 0, 59, tzinfo=UTC)


@pytest.fixture
def recorded(ready: KuiRunner, db_url: str) -> str:
    """A youth registered in the winter, whose status changed in the summer."""
    youth_id = add_youth(ready, dt.date(2010, 3, 15), "Ida Jensen")
    ok(ready("youth", "update", str(youth_id), "--status", "job", "--reason", "fik job"))
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(update(ChangeLog).values(at=SUMMER))
        conn.execute(update(ChangeLog).where(ChangeLog.kind == "registered").values(at=WINTER))
    engine.dispose()
    return str(youth_id)


def test_people_read_local_time_in_tables_and_markdown(ready: KuiRunner, recorded: str) -> None:
    for fmt in ("table", "markdown"):
        shown = ok(ready("youth", "show", recorded, "-f", fmt)).stdout
        assert "2026-07-01 14:05" in shown and "2026-01-15 13:00" in shown
        logged = ok(ready("plan", "log", recorded, "-f", fmt)).stdout
        assert "2026-07-01 14:05" in logged and "2026-01-15 13:00" in logged
        assert "12:05" not in shown + logged and "+00:00" not in shown + logged
    # The audit log is append-only: its moments are the real clock's, read in Copenhagen.
    entries = json.loads(ok(ready("audit", "log", "--youth", recorded, "-f", "json")).stdout)
    copenhagen = ZoneInfo("Europe/Copenhagen")
    local = [
        f"{dt.datetime.fromisoformat(e['at']).astimezone(copenhagen):%Y-%m-%d %H:%M}"
        for e in entries
    ]
    table = ok(ready("audit", "log", "--youth", recorded)).stdout
    assert all(moment in table for moment in local) and "+00:00" not in table


def test_scripts_read_the_stored_moment_in_json_and_csv(ready: KuiRunner, recorded: str) -> None:
    shown = json.loads(ok(ready("youth", "show", recorded, "-f", "json")).stdout)
    assert shown["history"][0]["at"] == "2026-01-15T12:00:59+00:00"
    assert shown["history"][-1]["at"] == "2026-07-01T12:05:30.250000+00:00"
    logged = json.loads(ok(ready("plan", "log", recorded, "-f", "json")).stdout)
    assert logged[-1]["at"] == "2026-07-01T12:05:30.250000+00:00"
    rows = list(csv.DictReader(io.StringIO(ok(ready("plan", "log", recorded, "-f", "csv")).stdout)))
    assert rows[0]["at"] == "2026-01-15T12:00:59+00:00"
    assert rows[-1]["at"] == "2026-07-01T12:05:30+00:00"
