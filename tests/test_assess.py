"""`youth assess`: readiness assessments; not ready lifts need A to B with a log row."""

import datetime as dt
import json

import pytest
from sqlalchemy import create_engine, text

from kui_cli.phrase import Phrase
from tests.conftest import KuiRunner, add_youth, ok, snapshot

PUPIL = dt.date(2012, 2, 1)


def log_rows(url: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM change_log ORDER BY id")).mappings().all()
    engine.dispose()
    return [dict(r) for r in rows]


def shown(kui: KuiRunner, youth_id: int) -> dict:
    return json.loads(ok(kui("youth", "show", str(youth_id), "-f", "json")).stdout)


def test_not_ready_lifts_need_a_to_b_with_a_log_row(ready: KuiRunner, db_url: str) -> None:
    youth_id = add_youth(ready, PUPIL, "Ida", "--status", "primary-school", "--grade", "8")
    args = ("youth", "assess", str(youth_id), "--grade", "8", "--result", "not-ready")
    ok(ready(*args, "--note", "Foreløbig, december"))
    record = shown(ready, youth_id)
    assert record["need"] == "B"
    assert record["assessments"] == [
        {
            "grade": 8,
            "result": "not-ready",
            "assessed_on": "2026-11-22",
            "by": "AB",
            "note": "Foreløbig, december",
        }
    ]
    need_rows = [r for r in log_rows(db_url) if r["kind"] == "need"]
    assert len(need_rows) == 1
    assert (need_rows[0]["old_value"], need_rows[0]["new_value"]) == ("A", "B")
    why = str(Phrase.stored(need_rows[0]["why"], need_rows[0]["why_args"]))  # kui's own reason
    assert need_rows[0]["by"] == "AB" and "not-ready" in why
    assert any(r["kind"] == "assessment" for r in log_rows(db_url))


def test_ready_or_need_c_leaves_the_need(ready: KuiRunner, db_url: str) -> None:
    a = add_youth(ready, PUPIL, "Ida", "--status", "primary-school")
    c = add_youth(ready, dt.date(2012, 3, 1), "Bo", "--status", "primary-school", "--need", "C")
    ok(ready("youth", "assess", str(a), "--grade", "9", "--result", "ready"))
    ok(ready("youth", "assess", str(c), "--grade", "9", "--result", "NOT-READY"))
    assert (shown(ready, a)["need"], shown(ready, c)["need"]) == ("A", "C")
    assert not [r for r in log_rows(db_url) if r["kind"] == "need"]
    assert shown(ready, c)["assessments"][0]["result"] == "not-ready"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--grade", "7", "--result", "ready"), "--grade must be 8 or 9"),
        (("--grade", "9", "--result", "maybe"), "unknown assessment result 'maybe'"),
    ],
)
def test_bad_assessments_change_nothing(
    ready: KuiRunner, db_url: str, args: tuple, message: str
) -> None:
    youth_id = add_youth(ready, PUPIL, "Ida", "--status", "primary-school")
    before = snapshot(db_url)
    result = ready("youth", "assess", str(youth_id), *args)
    assert result.exit_code == 1 and message in result.stderr
    assert snapshot(db_url) == before
