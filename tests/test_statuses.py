"""What a status means is one row of `codes.STATUS_TABLE`: every reader (the education
obligation, the NEET count, age group 1, profiles' team targets, the charts' prose) follows it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kui_cli.domain import codes, profile
from kui_cli.domain.law import duty
from kui_cli.domain.register import ages
from kui_cli.render import overview_page
from tests.conftest import KuiRunner, cpr_for, ok

ON = dt.date(2026, 10, 1)  # a measurement day of the 2030 targets
BORN = dt.date(2010, 5, 1)  # 16 on it: obliged to be in education, and in the NEET ages


def test_each_property_set_is_the_tables() -> None:
    table = codes.STATUS_TABLE
    assert set(codes.STATUSES) == set(table)
    assert {code: meaning.label for code, meaning in table.items()} == codes.STATUSES
    assert set(codes.NOT_ACTIVITY) == {c for c, s in table.items() if not s.activity}
    assert set(codes.NEET) == {c for c, s in table.items() if s.neet}
    assert set(codes.PRIMARY_SCHOOL) == {c for c, s in table.items() if s.primary_school}
    assert set(codes.WEEKLY_HOURS) == {c for c, s in table.items() if s.weekly_hours}
    assert set(codes.COMPLETED) == {c for c, s in table.items() if s.completed}
    assert set(codes.EXEMPTED) == {c for c, s in table.items() if s.exempted}


@pytest.mark.parametrize("code", list(codes.STATUSES))
def test_every_reader_follows_the_table(code: str) -> None:
    meaning = codes.STATUS_TABLE[code]
    assert duty.is_out_of_activity(code, None, 20) is (not meaning.activity)
    assert duty.is_out_of_activity(code, 10, 20) is (not meaning.activity or meaning.weekly_hours)
    assert (ages.age_group(BORN, code, ON, 30) == 1) is meaning.primary_school
    assert (meaning.label in overview_page.neet_statuses_text().split("; ")) is meaning.neet
    team = {"slug": "t", "name": "T", "target": {"statuses": [code]}}
    assert profile.validate({"name": "X", "teams": [team]})["teams"][0]["target"]["statuses"]


def test_the_register_counts_every_status_as_the_table_says(kui: KuiRunner, tmp_path: Path) -> None:
    """One imported 16-year-old per status: duty opens episodes for exactly those out of
    activity (the bulk SQL twin), the NEET target counts the NEET statuses and age group 1 is
    the primary-school statuses."""
    ok(kui("init", "--profile", "soenderborg"))
    rows = [
        f"{cpr_for(BORN, f'{4000 + n}')},{code},{code},{ON}"
        for n, code in enumerate(codes.STATUSES)
    ]
    csv = tmp_path / "every-status.csv"
    csv.write_text("cpr,name,status,since\n" + "\n".join(rows) + "\n", encoding="utf-8")
    as_leader = ("--initials", "AB", "--name", "Leder", "--role", "leader", "--department", "K")
    today = ON.isoformat()
    ok(kui("staff", "add", *as_leader, today=today))
    ok(kui("youth", "import", str(csv), today=today))
    episodes = json.loads(ok(kui("duty", "check", "-f", "json", today=today)).stdout)
    assert sorted(e["name"] for e in episodes) == sorted(codes.NOT_ACTIVITY)
    targets = json.loads(ok(kui("report", "targets", "-f", "json", today=today)).stdout)
    neet = next(t for t in targets["targets"] if t["target"] == "neet")
    assert (neet["youths"], neet["count"]) == (len(codes.STATUSES), len(codes.NEET))
    month = ON.strftime("%Y-%m")
    overview = kui("report", "overview", "--month", month, "-f", "json", today=today)
    groups = {g["age_group"]: g["youths"] for g in json.loads(ok(overview).stdout)["age_groups"]}
    assert groups[1] == len(codes.PRIMARY_SCHOOL)
