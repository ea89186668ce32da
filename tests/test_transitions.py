"""Transitions at 18, 25 and the upper age: the report and the one function behind it."""

import datetime as dt
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from kui_cli import db
from kui_cli.domain.law import transitions
from kui_cli.domain.register import ages
from kui_cli.models import Youth
from tests.conftest import KuiRunner, add_youth, ok, snapshot

D = dt.date


def listed(kui: KuiRunner, *args: str, today: str = "2026-11-22") -> list[dict]:
    return json.loads(ok(kui("transitions", *args, "-f", "json", today=today)).stdout)


def test_born_2008_12_01_turns_18_within_30_days(ready: KuiRunner) -> None:
    youth_id = add_youth(ready, D(2008, 12, 1), "Ida Jensen", "--status", "none")
    assert listed(ready, "--within", "30") == [
        {
            "youth_id": youth_id,
            "name": "Ida Jensen",
            "date": "2026-12-01",
            "age": 18,
            "kind": "turns-18",
            "from_team": "team-2",
            "to_team": "team-3",
        }
    ]
    assert listed(ready, "--within", "8") == []
    assert len(listed(ready, "--within", "9")) == 1


def test_turns_25_and_leaves_kui_in_order(ready: KuiRunner) -> None:
    add_youth(ready, D(1996, 12, 24), "Upper", "--status", "job")  # 30 on 2026-12-24
    add_youth(ready, D(2001, 11, 22), "Today", "--status", "job")  # 25 today
    add_youth(ready, D(2001, 11, 21), "Yesterday", "--status", "job")  # 25 yesterday
    rows = listed(ready, "--within", "60")
    assert [(r["name"], r["kind"], r["age"], r["date"]) for r in rows] == [
        ("Today", "turns-25", 25, "2026-11-22"),
        ("Upper", "leaves-kui", 30, "2026-12-24"),
    ]


def test_where_25_is_the_upper_age_one_row_leaves_kui(ready: KuiRunner) -> None:
    ok(ready("init", "--profile", "ishoej"))
    add_youth(ready, D(2001, 12, 1), "Ida Jensen", "--status", "job")
    rows = listed(ready, "--within", "30")
    assert [(r["kind"], r["age"]) for r in rows] == [("leaves-kui", 25)]


def test_default_window_is_the_profile_handover_horizon(ready: KuiRunner) -> None:
    add_youth(ready, D(2009, 2, 19), "In 89 days")
    add_youth(ready, D(2009, 2, 21), "In 91 days")
    assert [r["name"] for r in listed(ready)] == ["In 89 days"]


def test_listing_is_audited_and_bad_window_refused(ready: KuiRunner, db_url: str) -> None:
    add_youth(ready, D(2008, 12, 1))
    listed(ready, "--within", "30")
    engine = create_engine(db_url)
    with engine.connect() as conn:
        last = conn.execute(text("SELECT * FROM audit_log ORDER BY id DESC")).mappings().first()
    engine.dispose()
    assert last["command"] == "kui transitions" and last["action"] == "list"
    assert last["rows"] == 1 and json.loads(last["filter"]) == {"within": 30}
    before = snapshot(db_url)
    result = ready("transitions", "--within", "-1")
    assert result.exit_code == 1 and "--within must be 0-3660" in result.stderr
    assert snapshot(db_url) == before


def test_youth_show_names_the_next_transition(ready: KuiRunner) -> None:
    youth_id = add_youth(ready, D(2008, 12, 1))
    shown = json.loads(ok(ready("youth", "show", str(youth_id), "-f", "json")).stdout)
    assert (shown["next_transition"], shown["next_transition_on"]) == ("turns-18", "2026-12-01")
    later = ok(ready("youth", "show", str(youth_id), "-f", "json", today="2026-12-02")).stdout
    assert json.loads(later)["next_transition_on"] == "2033-12-01"


def test_between_takes_a_set_of_youths_and_a_window_and_fills_the_teams(
    ready: KuiRunner, db_url: str
) -> None:
    first = add_youth(ready, D(2008, 12, 1), "Ida")  # status none: team 2's group, then team 3's
    add_youth(ready, D(2008, 12, 2), "Bo")
    in_school = add_youth(ready, D(2008, 12, 3), "Carl", "--status", "gymnasium")

    with db.session_scope(db_url) as session:
        found = transitions.between(
            session, D(2026, 12, 1), D(2026, 12, 31), 30, where=[Youth.id.in_([first, in_school])]
        )
        assert [(t.youth_id, t.from_team, t.to_team) for t in found] == [
            (first, "team-2", "team-3"),
            (in_school, None, None),
        ]
        assert transitions.between(session, D(2026, 12, 2), D(2026, 12, 1), 30) == []


def test_milestones() -> None:
    assert transitions.milestones(30) == [(18, "turns-18"), (25, "turns-25"), (30, "leaves-kui")]
    assert transitions.milestones(25) == [(18, "turns-18"), (25, "leaves-kui")]
    assert transitions.milestones(22) == [(18, "turns-18"), (22, "leaves-kui")]


@given(
    born=st.dates(min_value=D(1990, 1, 1), max_value=D(2015, 12, 31)),
    start=st.dates(min_value=D(2020, 1, 1), max_value=D(2040, 12, 31)),
    days=st.integers(min_value=0, max_value=400),
    age=st.sampled_from([18, 25, 30]),
)
def test_birth_range_selects_exactly_the_birthdays_in_the_window(
    born: dt.date, start: dt.date, days: int, age: int
) -> None:
    end = start + dt.timedelta(days=days)
    after, upto = transitions.birth_range(age, start, end)
    assert (after < born <= upto) == (start <= ages.birthday(born, age) <= end)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 1, 1), (D(2026, 3, 1), "turns-18")),  # born 29 February 2008
        (D(2026, 3, 2), (D(2033, 3, 1), "turns-25")),
        (D(2038, 3, 2), None),
    ],
)
def test_next_transition(today: dt.date, expected: tuple | None) -> None:
    assert transitions.next_for(D(2008, 2, 29), today, 30) == expected
