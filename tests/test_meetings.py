"""Meeting series: the profiles' dates, idempotent generation (also concurrent), ics."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from kui_cli.domain.meetings import recurrence
from kui_cli.errors import KuiError
from tests.conftest import KuiRunner, leader, ok, snapshot

ROOT = Path(__file__).resolve().parent.parent
LEADER_SPARRING = (
    f"FREQ=YEARLY;BYWEEKNO={recurrence.ODD_ISO_WEEKS};BYDAY=TH;WKST=MO",
    dt.datetime(2023, 1, 5, 10, 0),
)


def meetings(kui: KuiRunner, *args: str) -> list[dict]:
    return json.loads(ok(kui("meeting", "list", *args, "-f", "json")).stdout)


def starts(rows: list[dict], team: str) -> list[str]:
    return [r["starts_at"] for r in rows if r["team"] == team]


def test_soenderborg_teams_dates_for_a_quarter(ready: KuiRunner) -> None:
    ok(ready("meeting", "generate", "--until", "2027-03-31"))
    rows = meetings(ready, "--from", "2027-01-01", "--to", "2027-03-31")
    assert [s[:10] for s in starts(rows, "team-1")] == [
        "2027-01-12",
        "2027-02-02",
        "2027-02-23",
        "2027-03-16",
    ]
    assert [s[:10] for s in starts(rows, "team-2")] == [
        "2027-01-06",
        "2027-01-20",
        "2027-02-03",
        "2027-02-17",
        "2027-03-03",
        "2027-03-17",
        "2027-03-31",
    ]
    assert [s[:10] for s in starts(rows, "team-3")] == [
        "2027-01-07",
        "2027-01-21",
        "2027-02-04",
        "2027-02-18",
        "2027-03-04",
        "2027-03-18",
    ]
    assert starts(rows, "youth-conference") == ["2027-01-26T09:00:00"]
    team2 = next(r for r in rows if r["team"] == "team-2")
    assert team2 | {"id": 0} == {
        "id": 0,
        "team": "team-2",
        "starts_at": "2027-01-06T09:00:00",
        "ends_at": "2027-01-06T10:30:00",
        "place": "Ungecenteret",
        "status": "planned",
        "organiser": None,
        "note": None,
    }


def test_ishoej_leader_sparring_in_odd_iso_weeks_across_53_weeks(kui: KuiRunner) -> None:
    ok(kui("init", "--profile", "ishoej"))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    ok(kui("meeting", "generate", "--until", "2027-02-28"))
    rows = meetings(kui, "--team", "leader-sparring", "--from", "2026-12-01", "--to", "2027-01-31")
    assert [(r["starts_at"], r["ends_at"]) for r in rows] == [
        (f"{day}T10:00:00", f"{day}T11:00:00")
        for day in ("2026-12-03", "2026-12-17", "2026-12-31", "2027-01-07", "2027-01-21")
    ]


def test_ishoej_cafe_rotates_the_organising_centre(kui: KuiRunner) -> None:
    ok(kui("init", "--profile", "ishoej"))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    ok(kui("meeting", "generate", "--until", "2027-12-31"))
    rows = meetings(kui, "--team", "cafe")
    assert [(r["starts_at"][:10], r["organiser"]) for r in rows] == [
        ("2026-12-15", "CVV"),  # Sept 2022 (the seed's café) was CBE's, then CVV, CDU, CBF...
        ("2027-03-16", "CDU"),
        ("2027-06-15", "CBF"),
        ("2027-09-21", "CBE"),
        ("2027-12-21", "CVV"),
    ]
    assert len(meetings(kui, "--team", "steering-group", "--to", "2027-12-31")) == 2


@settings(max_examples=60, deadline=None)
@given(st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2060, 12, 1)))
def test_leader_sparring_is_every_odd_iso_week_thursday(start: dt.date) -> None:
    rule = recurrence.parse(*LEADER_SPARRING)
    got = recurrence.between(rule, start, start + dt.timedelta(days=60))
    thursdays = [start + dt.timedelta(days=n) for n in range(61)]
    expected = [d for d in thursdays if d.weekday() == 3 and d.isocalendar().week % 2 == 1]
    assert [g.date() for g in got] == expected
    assert all(g.time() == dt.time(10, 0) for g in got)


def test_rule_parser_refuses_what_is_not_a_meeting_rule() -> None:
    start = dt.datetime(2026, 1, 1, 10)
    for bad, message in [
        ("", "required"),
        ("BYDAY=TU", "invalid meeting rule"),
        ("FREQ=HOURLY", "at most daily"),
        ("FREQ=WEEKLY;UNTIL=20270101T000000Z", "without the Z"),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", "gives no meeting"),
        ("FREQ=WEEKLY;DTSTART=20260101", "--start"),
    ]:
        with pytest.raises(KuiError, match=message):
            recurrence.parse(bad, start)
    assert recurrence.normalised("rrule: freq=weekly; byday=tu") == "FREQ=WEEKLY;BYDAY=TU"
    assert recurrence.ended("FREQ=WEEKLY;COUNT=3", dt.date(2026, 5, 1)) == (
        "FREQ=WEEKLY;UNTIL=20260501T235959"
    )


def test_generate_twice_gives_the_same_meetings(ready: KuiRunner, db_url: str) -> None:
    ok(ready("meeting", "generate", "--until", "2027-03-31"))
    first = snapshot(db_url)["meeting"]
    assert "0 new meetings" in ok(ready("meeting", "generate", "--until", "2027-03-31")).stderr
    assert snapshot(db_url)["meeting"] == first
    ok(ready("meeting", "generate", "--until", "2027-06-30"))
    assert set(first) <= set(snapshot(db_url)["meeting"])


def test_generate_from_two_processes_at_once(ready: KuiRunner, db_url: str) -> None:
    command = [sys.executable, "-m", "kui_cli", "--db", db_url, "--today", "2026-11-22"]
    command += ["meeting", "generate", "--until", "2028-12-31"]
    ok(
        ready(
            "staff",
            "add",
            "--initials",
            "CRON",
            "--name",
            "Cron",
            "--role",
            "other",
            "--department",
            "Drift",
        )
    )  # a cron job acts as a registered (non-leader) user
    env = {**os.environ, "KUI_USER": "CRON"}
    runs = [subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE) for _ in "ab"]
    outputs = [run.communicate(timeout=120)[1].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    made = sorted(int(out.split()[0]) for out in outputs)
    rows = meetings(ready, "--to", "2028-12-31")
    assert made[0] + made[1] == len(rows) > 100
    assert len({(r["team"], r["starts_at"]) for r in rows}) == len(rows)


def test_cancel_and_move_survive_regeneration(ready: KuiRunner) -> None:
    ok(ready("meeting", "generate", "--until", "2027-01-31"))
    team2 = meetings(ready, "--team", "team-2")
    cancelled, moved = team2[0]["id"], team2[1]["id"]
    ok(ready("meeting", "cancel", str(cancelled), "--reason", "Juleferie"))
    ok(ready("meeting", "move", str(moved), "--to", "2026-12-10T13:00"))
    ok(ready("meeting", "generate", "--until", "2027-02-28"))
    after = {r["id"]: r for r in meetings(ready, "--team", "team-2")}
    assert after[cancelled]["status"] == "cancelled" and after[cancelled]["note"] == "Juleferie"
    assert after[moved]["status"] == "moved"
    assert (after[moved]["starts_at"], after[moved]["ends_at"]) == (
        "2026-12-10T13:00:00",
        "2026-12-10T14:30:00",
    )
    assert [r["starts_at"][:10] for r in after.values()].count(team2[0]["starts_at"][:10]) == 1
    assert not any(r["starts_at"] == team2[1]["starts_at"] for r in after.values())


def test_bad_meeting_commands_change_nothing(ready: KuiRunner, db_url: str) -> None:
    ok(ready("meeting", "generate"))
    first = meetings(ready)[0]["id"]
    before = snapshot(db_url)
    for args, message in [
        (
            (
                "meeting",
                "schedule",
                "team-2",
                "--rule",
                "FREQ=SOMETIMES",
                "--start",
                "2026-12-01T09:00",
            ),
            "invalid meeting rule",
        ),
        (
            (
                "meeting",
                "schedule",
                "team-9",
                "--rule",
                "FREQ=WEEKLY",
                "--start",
                "2026-12-01T09:00",
            ),
            "unknown team",
        ),
        (
            ("meeting", "schedule", "team-2", "--rule", "FREQ=WEEKLY", "--start", "2026-12-01"),
            "date and time",
        ),
        (("meeting", "cancel", str(first), "--reason", " "), "--reason is required"),
        (("meeting", "move", str(first), "--to", "2026-01-01T10:00"), "in the past"),
        (("meeting", "move", "99999", "--to", "2027-01-01T10:00"), "no meeting with id"),
        (("meeting", "generate", "--until", "2026-01-01"), "before today"),
        (("meeting", "list", "--team", "nope"), "unknown team"),
    ]:
        result = ready(*args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("Error:") and message in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert snapshot(db_url) == before
    ok(ready("meeting", "cancel", str(first), "--reason", "Sygdom"))
    assert "cancelled already" in ready("meeting", "cancel", str(first), "--reason", "x").stderr
    past = ready("meeting", "cancel", str(first), "--reason", "x", today="2027-06-01")
    assert past.exit_code == 1


def test_schedule_adds_a_series_from_its_first_occurrence(ready: KuiRunner) -> None:
    result = ok(
        ready(
            "meeting",
            "schedule",
            "team-3",
            "--rule",
            "FREQ=MONTHLY;BYDAY=1FR",
            "--start",
            "2026-11-23T12:00",
            "--duration",
            "45",
            "--place",
            "Rådhuset",
        )
    )
    series = int(result.stdout.strip())
    shown = json.loads(ok(ready("team", "show", "team-3", "-f", "json")).stdout)
    added = next(s for s in shown["series"] if s["id"] == series)
    assert added["start"] == "2026-12-04T12:00:00" and added["duration_min"] == 45
    rows = [r for r in meetings(ready, "--team", "team-3") if r["place"] == "Rådhuset"]
    assert [r["starts_at"] for r in rows[:2]] == ["2026-12-04T12:00:00", "2027-01-01T12:00:00"]
    assert rows[0]["ends_at"] == "2026-12-04T12:45:00"


def test_ics_export_with_tzid_exdate_and_override(kui: KuiRunner, tmp_path: Path) -> None:
    ok(kui("init", "--profile", "ishoej"))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    ok(kui("meeting", "generate", "--until", "2027-01-31"))
    rows = meetings(kui, "--team", "leader-sparring")
    ok(kui("meeting", "cancel", str(rows[0]["id"]), "--reason", "Ferie"))
    ok(kui("meeting", "move", str(rows[1]["id"]), "--to", "2026-12-18T09:00"))
    out = tmp_path / "ls.ics"
    ok(kui("meeting", "ics", "leader-sparring", "--out", str(out)))
    calendar = Calendar.from_ical(out.read_bytes())
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Copenhagen"]
    main, override = calendar.walk("VEVENT")
    assert main["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    assert main["DTSTART"].dt.replace(tzinfo=None) == dt.datetime(2023, 1, 5, 10)
    assert main["RRULE"]["BYWEEKNO"][-1] == 53 and main["RRULE"]["BYDAY"] == ["TH"]
    assert main["EXDATE"].dts[0].dt.replace(tzinfo=None) == dt.datetime(2026, 12, 3, 10)
    assert override["UID"] == main["UID"]
    assert override["RECURRENCE-ID"].dt.replace(tzinfo=None) == dt.datetime(2026, 12, 17, 10)
    assert override["DTSTART"].dt.replace(tzinfo=None) == dt.datetime(2026, 12, 18, 9)
    assert ok(kui("meeting", "ics", "leader-sparring")).stdout.startswith("BEGIN:VCALENDAR")
