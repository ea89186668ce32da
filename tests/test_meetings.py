"""Meeting series: the profiles' dates, idempotent generation (also concurrent), holidays, ics."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from kui_cli.domain.meetings import ics, recurrence
from kui_cli.errors import KuiError
from tests.conftest import KuiRunner, add_youth, leader, ok, snapshot
from tests.test_teams import TEAM

ROOT = Path(__file__).resolve().parent.parent
COPENHAGEN = ZoneInfo(recurrence.TIMEZONE)
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
        "holiday": None,
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
    command += ["meeting", "generate", "--until", "2028-06-30"]
    ok(
        ready(
            "staff",
            "add",
            "--initials",
            "CRON",
            "--name",
            "Cron",
            "--role",
            "system",
            "--department",
            "Drift",
        )
    )  # the cron job's account (role system: access.SCHEDULED)
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
        (  # the clock skips 02:00-03:00 on the last Sunday of March
            (
                "meeting",
                "schedule",
                "team-2",
                "--rule",
                "FREQ=MONTHLY;BYDAY=-1SU",
                "--start",
                "2027-03-28T02:30",
            ),
            "--start 2027-03-28 02:30 does not exist",
        ),
        (  # a start that exists, but the rule's first meeting is in the gap
            (
                "meeting",
                "schedule",
                "team-2",
                "--rule",
                "FREQ=WEEKLY;BYDAY=SU",
                "--start",
                "2027-03-27T02:30",
            ),
            "the first meeting 2027-03-28 02:30 does not exist",
        ),
        (("meeting", "move", str(first), "--to", "2027-03-28T02:30"), "does not exist"),
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
    # the first meeting kui holds, not the series' start in 2023 (kui generated none of those)
    assert main["DTSTART"].dt.replace(tzinfo=None) == dt.datetime(2026, 12, 3, 10)
    assert main["RRULE"]["BYWEEKNO"][-1] == 53 and main["RRULE"]["BYDAY"] == ["TH"]
    assert main["EXDATE"].dts[0].dt.replace(tzinfo=None) == dt.datetime(2026, 12, 3, 10)
    assert override["UID"] == main["UID"]
    assert override["RECURRENCE-ID"].dt.replace(tzinfo=None) == dt.datetime(2026, 12, 17, 10)
    assert override["DTSTART"].dt.replace(tzinfo=None) == dt.datetime(2026, 12, 18, 9)
    assert ok(kui("meeting", "ics", "leader-sparring")).stdout.startswith("BEGIN:VCALENDAR")


def test_an_hour_that_occurs_twice_is_its_first_occurrence(ready: KuiRunner) -> None:
    ok(ready("meeting", "generate"))
    first, team = meetings(ready)[0]["id"], meetings(ready)[0]["team"]
    ok(ready("meeting", "move", str(first), "--to", "2027-10-31T02:30"))  # summer time ends
    assert [r["starts_at"] for r in meetings(ready) if r["id"] == first] == ["2027-10-31T02:30:00"]
    calendar = Calendar.from_ical(ok(ready("meeting", "ics", team)).stdout.encode())
    moved = next(e for e in calendar.walk("VEVENT") if "RECURRENCE-ID" in e)
    assert moved["DTSTART"].dt.utcoffset() == dt.timedelta(hours=2)  # RFC 5545: the first one


def test_meetings_on_holidays_and_closing_days_are_flagged(kui: KuiRunner, tmp_path: Path) -> None:
    path = tmp_path / "min.toml"
    closing = '[calendar]\nextra_closing_days = ["2026-12-21"]\n'
    path.write_text(TEAM.replace("[[teams]]", closing + "[[teams]]", 1), encoding="utf-8")
    ok(kui("init", "--profile", str(path)))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    made = ok(kui("meeting", "generate", "--until", "2027-03-31")).stderr.splitlines()
    assert made[0] == "10 new meetings up to 2027-03-31."
    rows = meetings(kui, "--to", "2027-03-31")
    on = {r["starts_at"][:10]: r["id"] for r in rows}
    assert made[1:] == [
        f"Warning: meeting {on['2026-12-21']} (team-a) on 2026-12-21 09:00 falls on a holiday "
        "or closing day: Lukkedag",
        f"Warning: meeting {on['2027-03-29']} (team-a) on 2027-03-29 09:00 falls on a holiday "
        "or closing day: Anden påskedag",
    ]
    assert {r["starts_at"][:10]: r["holiday"] for r in rows if r["holiday"]} == {
        "2026-12-21": "Lukkedag",
        "2027-03-29": "Anden påskedag",
    }
    assert "Anden påskedag" in ok(kui("meeting", "list", "--to", "2027-03-31")).stdout
    again = ok(kui("meeting", "generate", "--until", "2027-03-31")).stderr
    assert again.strip() == "0 new meetings up to 2027-03-31."  # warned once, when created


def expand(text: str, until: dt.date) -> list[tuple[str, str]]:
    """Every meeting an .ics file shows up to `until`, as a calendar reads it (RRULE, EXDATE,
    RECURRENCE-ID overrides, single events), as local (starts_at, ends_at) in ISO format."""
    from dateutil.rrule import rrulestr

    events = Calendar.from_ical(text.encode()).walk("VEVENT")
    end = dt.datetime.combine(until, dt.time.max).replace(tzinfo=COPENHAGEN)
    overrides = {
        (e["UID"], e["RECURRENCE-ID"].dt): (e["DTSTART"].dt, e["DTEND"].dt)
        for e in events
        if "RECURRENCE-ID" in e
    }
    shown = []
    for event in (e for e in events if "RECURRENCE-ID" not in e):
        starts, length = event["DTSTART"].dt, event["DTEND"].dt - event["DTSTART"].dt
        if "RRULE" not in event:
            shown.append((starts, starts + length))
            continue
        rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=starts)
        exdates = event.get("EXDATE", [])
        excluded = {d.dt for line in (exdates if isinstance(exdates, list) else [exdates])
                    for d in line.dts}  # fmt: skip
        for slot in rule.between(starts, end, inc=True):
            if slot not in excluded:
                shown.append(overrides.pop((event["UID"], slot), (slot, slot + length)))
    assert not overrides, "an override of no occurrence"
    local = [(s.astimezone(COPENHAGEN), e.astimezone(COPENHAGEN)) for s, e in shown]
    return sorted((s.replace(tzinfo=None).isoformat(), e.replace(tzinfo=None).isoformat())
                  for s, e in local if s <= end)  # fmt: skip


def held(kui: KuiRunner, until: str, today: str) -> list[tuple[str, str]]:
    """What `meeting list` knows, from the beginning: the meetings that take place."""
    listed = kui(
        "meeting", "list", "--from", "2000-01-01", "--to", until, "-f", "json", today=today
    )
    rows = json.loads(ok(listed).stdout)
    return [(r["starts_at"], r["ends_at"]) for r in rows if r["status"] != "cancelled"]


def test_ics_shows_the_meetings_kui_holds_and_the_rule_ahead(
    kui: KuiRunner, tmp_path: Path
) -> None:
    path = tmp_path / "min.toml"
    path.write_text(TEAM, encoding="utf-8")  # every other Monday 09:00 since 5 January 2026
    ok(kui("init", "--profile", str(path)))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    ok(kui("meeting", "generate", "--until", "2027-01-31"))
    youth = add_youth(kui, dt.date(2010, 3, 15))
    ok(kui("agenda", "add", str(youth), "--team", "team-a", "--reason", "Ingen aktivitet"))
    mondays = meetings(kui, "--team", "team-a")
    ok(kui("meeting", "cancel", str(mondays[1]["id"]), "--reason", "Ferie"))
    ok(kui("meeting", "move", str(mondays[2]["id"]), "--to", "2026-12-22T13:00"))
    assert expand(ok(kui("meeting", "ics", "team-a")).stdout, dt.date(2027, 1, 31)) == held(
        kui, "2027-01-31", "2026-11-22"
    )
    # the profile changes the rule to Fridays, 30 minutes: the past stays as it took place
    later = "2026-12-28"
    changed = TEAM.replace("BYDAY=MO", "BYDAY=FR").replace("duration = 60", "duration = 30")
    path.write_text(changed, encoding="utf-8")
    ok(kui("init", "--profile", str(path), today=later))
    ok(kui("meeting", "generate", "--until", "2027-03-31", today=later))
    shown = expand(ok(kui("meeting", "ics", "team-a", today=later)).stdout, dt.date(2027, 3, 31))
    assert shown == held(kui, "2027-03-31", later)
    assert shown[:3] == [
        ("2026-11-23T09:00:00", "2026-11-23T10:00:00"),  # the youth's Monday
        ("2026-12-22T13:00:00", "2026-12-22T14:00:00"),  # the moved one
        ("2027-01-08T09:00:00", "2027-01-08T09:30:00"),  # no Friday before kui's first
    ]
    # the profile ends the series: its UNTIL is written in UTC (RFC 5545 with a TZID start)
    end = "2027-02-01"
    path.write_text(TEAM.split("[[teams.meetings]]")[0], encoding="utf-8")
    ok(kui("init", "--profile", str(path), today=end))
    text = ok(kui("meeting", "ics", "team-a", today=end)).stdout
    assert "UNTIL=20270122T080000Z" in text  # the last meeting, 09:00 in Copenhagen
    assert expand(text, dt.date(2027, 12, 31)) == held(kui, "2027-12-31", end)


def test_ics_of_a_team_without_series_is_refused(kui: KuiRunner) -> None:
    ok(kui("init", "--profile", "rebild"))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    refused = kui("meeting", "ics", "samarbejdsforum")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "Error: samarbejdsforum has no meeting series: schedule one with `kui meeting schedule`"
    )


def test_vtimezone_is_the_eu_rule_and_agrees_with_the_tz_database(ready: KuiRunner) -> None:
    text = ok(ready("meeting", "ics", "team-2")).stdout
    (zone,) = Calendar.from_ical(text.encode()).walk("VTIMEZONE")
    changes = {part.name: part for part in zone.subcomponents}
    summer, winter = changes["DAYLIGHT"], changes["STANDARD"]
    assert (summer["DTSTART"].dt.time(), summer["TZOFFSETFROM"].td) == (
        dt.time(2),
        dt.timedelta(hours=1),
    )  # 01:00 UTC
    assert (winter["DTSTART"].dt.time(), winter["TZOFFSETFROM"].td) == (
        dt.time(3),
        dt.timedelta(hours=2),
    )  # 01:00 UTC
    assert "RDATE" not in text and "2037" not in text
    as_read = zone.to_tz(lookup_tzid=False)  # what a calendar makes of it, not the tz database
    for year in (1996, 2026, 2027, 2037, 2038, 2061, 2100):
        for month in (3, 10):
            around = dt.datetime(year, month, 24, tzinfo=dt.UTC)
            for half_hour in range(8 * 48):  # 24 March/October to 1 April/November
                instant = around + dt.timedelta(minutes=30 * half_hour)
                assert instant.astimezone(as_read).utcoffset() == (
                    instant.astimezone(COPENHAGEN).utcoffset()
                ), instant


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(
        [
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;WKST=MO",
            "FREQ=MONTHLY;BYDAY=-1FR",
            "FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=31",
            f"FREQ=YEARLY;BYWEEKNO={recurrence.ODD_ISO_WEEKS};BYDAY=TH;WKST=MO",
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=WEEKLY",
        ]
    ),
    st.sampled_from(["", ";COUNT=25", ";UNTIL=20281231T235959"]),
    st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2027, 12, 31)),
    st.integers(min_value=0, max_value=30),
)
def test_the_exported_rule_from_a_later_meeting_gives_the_same_meetings(
    rule: str, end: str, start: dt.date, skip: int
) -> None:
    from dateutil.rrule import rrulestr

    begin = dt.datetime.combine(start, dt.time(10))
    parsed = recurrence.parse(rule + end, begin)
    later = list(islice(parsed, skip + 1))[-1]
    exported = ics.exported_rule(rule + end, parsed).to_ical().decode()
    again = rrulestr(exported, dtstart=later.replace(tzinfo=COPENHAGEN))
    horizon = later + dt.timedelta(days=3 * 366)
    expected = parsed.between(later, horizon, inc=True)
    got = again.between(later.replace(tzinfo=COPENHAGEN), horizon.replace(tzinfo=COPENHAGEN), True)
    assert [g.replace(tzinfo=None) for g in got] == expected
