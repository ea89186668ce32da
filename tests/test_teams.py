"""Teams from the profiles: validation that names the key, idempotent loading, members."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from kui_cli.domain import profile
from kui_cli.errors import KuiError
from tests.conftest import KuiRunner, add_youth, leader, ok, snapshot

TEAM = """
name = "Min Kommune"
[[teams]]
slug = "team-a"
name = "Team A"
place = "Rådhuset"
members = [{ role = "uu" }]
[teams.target]
age_groups = [2]
[[teams.meetings]]
rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"
start = 2026-01-05T09:00:00
duration = 60
"""


def staff(kui: KuiRunner, initials: str, role: str) -> None:
    ok(kui("staff", "add", "--initials", initials, "--name", f"Navn {initials}", "--role", role,
           "--department", "Ungecenteret"))  # fmt: skip


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("rule = ", "rulle = "), "unknown key 'teams[0].meetings[0].rulle'"),
        (("age_groups = [2]", "age_groups = [7]"), "key 'teams[0].target.age_groups' must list"),
        (("age_groups = [2]", "statuses = ['idle']"), "key 'teams[0].target.statuses' must list"),
        (("age_groups = [2]", "group = [2]"), "unknown key 'teams[0].target.group'"),
        (('slug = "team-a"', 'slug = "Team A"'), "key 'teams[0].slug' must be lower-case"),
        (('slug = "team-a"', ""), "key 'teams[0].slug' is required"),
        (('{ role = "uu" }', '{ role = "wizard" }'), "key 'teams[0].members[0].role' must be"),
        (('{ role = "uu" }', '{ rolle = "uu" }'), "unknown key 'teams[0].members[0].rolle'"),
        (("duration = 60", "duration = 0"), "key 'teams[0].meetings[0].duration' must be 5-1440"),
        (("duration = 60", 'duration = "1h"'), "key 'teams[0].meetings[0].duration' must be int"),
        (("INTERVAL=2;", "INTERVAL=two;"), "key 'teams[0].meetings[0]': invalid meeting rule"),
        (("start = 2026-01-05T09:00:00", ""), "key 'teams[0].meetings[0].start' is required"),
        (
            ("start = 2026-01-05T09:00:00", "start = 2027-03-28T02:30:00"),  # summer time begins
            "key 'teams[0].meetings[0]': start 2027-03-28 02:30 does not exist",
        ),
        (('place = "Rådhuset"', "place = 3"), "key 'teams[0].place' must be str"),
        (('place = "Rådhuset"', "fixed_items = [1]"), "key 'teams[0].fixed_items' must list str"),
    ],
)
def test_every_team_key_is_checked_and_named(change: tuple[str, str], message: str) -> None:
    text = TEAM.replace(*change)
    with pytest.raises(KuiError, match=message.replace("[", r"\[").replace("]", r"\]")):
        profile.validate(__import__("tomllib").loads(text), "mine.toml")


def test_duplicate_slugs_and_non_table_teams_are_refused() -> None:
    with pytest.raises(KuiError, match="team slug 'team-a' is used twice"):
        profile.validate(__import__("tomllib").loads(TEAM + TEAM.split("\n", 2)[2]), "x")
    with pytest.raises(KuiError, match=r"key 'teams\[0\]' must be a table"):
        profile.validate({"name": "X", "teams": ["team-a"]}, "x")


def test_profile_teams_survive_storage_in_the_database() -> None:
    loaded = profile.read_profile("ishoej")
    again = profile.validate(json.loads(json.dumps(loaded.data)), "stored profile")
    assert again["teams"] == loaded.data["teams"]
    sparring = next(t for t in again["teams"] if t["slug"] == "leader-sparring")
    assert sparring["referrals"] == {"allowed": True, "leader": True, "consulted": True}
    assert sparring["meetings"][0]["start"] == "2023-01-05T10:00"


@pytest.mark.parametrize(
    ("name", "slugs"),
    [
        ("soenderborg", ["team-1", "team-2", "team-3", "youth-conference"]),
        ("ishoej", ["cafe", "leader-sparring", "steering-group"]),
        ("rebild", ["samarbejdsforum"]),
        ("lejre", ["kui-netvaerk"]),
    ],
)
def test_init_loads_the_profiles_teams(kui: KuiRunner, name: str, slugs: list[str]) -> None:
    ok(kui("init", "--profile", name))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    rows = json.loads(ok(kui("team", "list", "-f", "json")).stdout)
    assert [r["slug"] for r in rows] == slugs


def test_init_again_updates_teams_and_series(kui: KuiRunner, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "min.toml"
    path.write_text(TEAM, encoding="utf-8")
    ok(kui("init", "--profile", str(path)))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    ok(kui("meeting", "generate", "--until", "2027-01-31"))
    before = snapshot(db_url)
    assert "0 created, 1 updated" in ok(kui("init", "--profile", str(path))).stderr
    assert snapshot(db_url)["meeting"] == before["meeting"]
    assert snapshot(db_url)["meeting_series"] == before["meeting_series"]
    youth = add_youth(kui, dt.date(2010, 3, 15))
    ok(kui("agenda", "add", str(youth), "--team", "team-a", "--reason", "Ingen aktivitet"))
    changed = TEAM.replace("BYDAY=MO", "BYDAY=TU").replace('name = "Team A"', 'name = "Team Á"')
    path.write_text(changed.replace("duration = 60", "duration = 30"), encoding="utf-8")
    ok(kui("init", "--profile", str(path)))
    ok(kui("meeting", "generate", "--until", "2027-01-31"))
    rows = json.loads(ok(kui("meeting", "list", "-f", "json")).stdout)
    weekdays = {dt.datetime.fromisoformat(r["starts_at"]).strftime("%a") for r in rows}
    assert weekdays == {"Mon", "Tue"}  # only the Monday with a youth on its agenda stays
    assert next(r["starts_at"][:10] for r in rows if r["starts_at"].endswith("T09:00:00")) == (
        "2026-11-23"
    )
    tuesdays = [r for r in rows if dt.date.fromisoformat(r["starts_at"][:10]).weekday() == 1]
    assert tuesdays and all(r["ends_at"].endswith("T09:30:00") for r in tuesdays)
    shown = json.loads(ok(kui("team", "show", "team-a", "-f", "json")).stdout)
    assert shown["name"] == "Team Á" and len(shown["series"]) == 1


def test_switching_profile_removes_unreferenced_teams(kui: KuiRunner) -> None:
    ok(kui("init"))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    youth = add_youth(kui, dt.date(2010, 3, 15))
    ok(kui("agenda", "add", str(youth), "--team", "team-2", "--reason", "Ingen aktivitet"))
    result = ok(kui("init", "--profile", "ishoej"))
    assert "3 created, 0 updated, 3 removed" in result.stderr
    assert "team team-2 is not in the profile" in result.stderr
    slugs = [r["slug"] for r in json.loads(ok(kui("team", "list", "-f", "json")).stdout)]
    assert slugs == ["team-2", "cafe", "leader-sparring", "steering-group"]
    ok(kui("meeting", "generate", "--until", "2027-06-30"))
    kept = json.loads(ok(kui("meeting", "list", "--team", "team-2", "-f", "json")).stdout)
    assert [m["starts_at"] for m in kept] == ["2026-11-25T09:00:00"]  # the youth's meeting only


def test_a_team_without_a_schedule_needs_one_first(kui: KuiRunner) -> None:
    ok(kui("init", "--profile", "rebild"))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    youth = add_youth(kui, dt.date(2010, 3, 15))
    refused = kui("agenda", "add", str(youth), "--team", "samarbejdsforum", "--reason", "x")
    assert refused.exit_code == 1 and "kui meeting schedule" in refused.stderr
    ok(kui("meeting", "schedule", "samarbejdsforum", "--rule", "FREQ=MONTHLY;BYDAY=1MO",
           "--start", "2026-12-01T13:00"))  # fmt: skip
    ok(kui("agenda", "add", str(youth), "--team", "samarbejdsforum", "--reason", "x"))
    shown = json.loads(ok(kui("agenda", "show", "--team", "samarbejdsforum", "--next", "-f",
                              "json")).stdout)  # fmt: skip
    assert shown["meeting"]["starts_at"] == "2026-12-07T13:00:00"
    assert shown["items"][0]["youth_id"] == youth


@pytest.mark.own_staff
def test_members_fixed_by_role_or_ad_hoc(ready: KuiRunner, db_url: str) -> None:
    staff(ready, "AB", "uu")
    staff(ready, "MK", "mentor")
    ok(ready("team", "member", "add", "team-2", "ab"))
    before = snapshot(db_url)
    refused = ready("team", "member", "add", "team-2", "MK")
    assert refused.exit_code == 1 and "--ad-hoc" in refused.stderr
    assert "already a member" in ready("team", "member", "add", "team-2", "AB").stderr
    assert "unknown staff member" in ready("team", "member", "add", "team-2", "ZZ").stderr
    assert "unknown team" in ready("team", "member", "add", "team-9", "AB").stderr
    assert snapshot(db_url) == before
    ok(ready("team", "member", "add", "team-2", "MK", "--ad-hoc"))
    shown = json.loads(ok(ready("team", "show", "team-2", "-f", "json")).stdout)
    assert [(m["initials"], m["ad_hoc"]) for m in shown["members"]] == [("AB", False), ("MK", True)]
    uu = next(r for r in shown["roles"] if r["role"] == "uu")
    assert uu["covered_by"] == ["AB"] and uu["title"] == "UU-vejleder"
    assert shown["place"] == "Ungecenteret" and shown["series"][0]["duration_min"] == 90
    listed = json.loads(ok(ready("team", "list", "-f", "json")).stdout)
    assert [r["members"] for r in listed if r["slug"] == "team-2"] == [["AB", "MK"]]
    assert "team-2" in ok(ready("team", "list")).stdout


def test_target_rule_is_the_same_in_python_and_sql(ready: KuiRunner, db_url: str) -> None:
    from sqlalchemy import select

    from kui_cli import db
    from kui_cli.domain.meetings import teams
    from kui_cli.models import Youth

    people = [
        (dt.date(2012, 5, 1), "primary-school"),
        (dt.date(2010, 3, 15), "none"),
        (dt.date(2010, 3, 16), "gymnasium"),
        (dt.date(2009, 1, 1), "fgu"),  # 17, turns 18 on 2027-01-01
        (dt.date(2004, 1, 1), "benefit-activity-ready"),
        (dt.date(1999, 1, 1), "resource-programme"),
        (dt.date(1990, 1, 1), "none"),  # outside KUI
    ]
    for n, (born, status) in enumerate(people):
        young_enough = "2015-01-01" if born.year < 1997 else "2026-11-22"  # registered under 30
        add_youth(ready, born, f"Ung {n}", "--status", status, today=young_enough)
    today = dt.date(2026, 11, 22)
    with db.session_scope(db_url) as session:
        loaded = profile.current(session)
        everyone = list(session.execute(select(Youth)).scalars())
        for team in teams.all_teams(session):
            target = teams.Target.of(team)
            in_sql = set(
                session.execute(
                    select(Youth.id).where(target.condition(today, loaded.upper_age))
                ).scalars()
            )
            in_python = {y.id for y in everyone if target.matches(y, today, loaded.upper_age)}
            assert in_sql == in_python, team.slug
        turning_18 = next(y for y in everyone if y.birth_date == dt.date(2009, 1, 1))
        before = teams.team_for(session, turning_18, today, loaded.upper_age)
        after = teams.team_for(session, turning_18, dt.date(2027, 1, 1), loaded.upper_age)
        assert (before.slug, after.slug) == ("team-2", "team-3")  # type: ignore[union-attr]
        pupil = next(y for y in everyone if y.status == "primary-school")
        assert teams.team_for(session, pupil, today, loaded.upper_age).slug == "team-1"  # type: ignore[union-attr]


def test_a_series_removed_before_its_first_meeting(kui: KuiRunner, tmp_path: Path) -> None:
    path = tmp_path / "min.toml"
    path.write_text(TEAM.replace("2026-01-05", "2027-01-04"), encoding="utf-8")
    ok(kui("init", "--profile", str(path)))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    ok(kui("meeting", "generate", "--until", "2027-02-28"))
    path.write_text(TEAM.split("[[teams.meetings]]")[0], encoding="utf-8")
    ok(kui("init", "--profile", str(path)))
    ok(kui("meeting", "generate", "--until", "2027-02-28"))  # the ended rule has no meetings left
    assert json.loads(ok(kui("meeting", "list", "-f", "json")).stdout) == []
    series = json.loads(ok(kui("team", "show", "team-a", "-f", "json")).stdout)["series"]
    assert series[0]["rule"].endswith("UNTIL=20261121T235959")
    ok(kui("meeting", "ics", "team-a"))


def test_the_youths_team_is_one_rule_in_show_list_filter_and_export(ready: KuiRunner) -> None:
    """Referred to team 1 on the 22nd, then (entered later, dated earlier) to the youth
    conference on the 20th: the latest referral is team 1's, whatever the order of entry."""
    pupil = str(add_youth(ready, dt.date(2012, 5, 1), "Alma Holm", "--status", "primary-school"))
    for team, today in (("team-1", "2026-11-22"), ("youth-conference", "2026-11-20")):
        ok(ready("agenda", "add", pupil, "--team", team, "--reason", "Fravær", today=today))
    shown = json.loads(ok(ready("youth", "show", pupil, "-f", "json")).stdout)
    listed = json.loads(ok(ready("youth", "list", "-f", "json")).stdout)
    in_team = json.loads(ok(ready("youth", "list", "--team", "team-1", "-f", "json")).stdout)
    export = json.loads(ok(ready("export", "monthly", "--month", "2026-11", "-f", "json")).stdout)
    assert [shown["team"], listed[0]["team"], export[0]["team"]] == ["team-1"] * 3
    assert [r["id"] for r in in_team] == [int(pupil)]
