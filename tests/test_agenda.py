"""Referrals, agendas, decisions, minutes and the cron job: privacy first (never a CPR number)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from kui_cli import danish
from kui_cli.domain import files
from kui_cli.domain.meetings import agendas
from kui_cli.domain.register import cpr
from kui_cli.render import agenda as render_agenda
from tests.conftest import KuiRunner, add_youth, cpr_for, leader, ok, snapshot

BORN_16 = dt.date(2010, 3, 15)  # 16 on 2026-11-22, in team 2's group with status none
BORN_PUPIL = dt.date(2012, 5, 1)
FORMATS = ("table", "markdown", "html", "json")


def sql(url: str, query: str) -> list[dict]:
    engine = create_engine(url)
    with engine.begin() as conn:
        result = conn.execute(text(query))
        rows = [dict(r._mapping) for r in result] if result.returns_rows else []
    engine.dispose()
    return rows


def refer(kui: KuiRunner, youth: int, team: str, *extra: str, today: str = "2026-11-22") -> int:
    result = ok(kui("agenda", "add", str(youth), "--team", team, "--reason", "Ingen aktivitet",
                    *extra, today=today))  # fmt: skip
    return int(result.stdout.strip())


def agenda(kui: KuiRunner, *args: str, today: str = "2026-11-22") -> dict:
    return json.loads(ok(kui("agenda", "show", *args, "-f", "json", today=today)).stdout)


def test_referral_lands_on_the_next_meeting_not_past(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16)
    item = refer(ready, youth, "team-2")  # no `meeting generate` yet: made on demand
    shown = agenda(ready, "--team", "team-2", "--next")
    assert shown["meeting"]["starts_at"] == "2026-11-25T09:00:00"
    assert [(i["id"], i["kind"], i["youth_id"]) for i in shown["items"]] == [
        (item, "referral", youth)
    ]
    other = add_youth(ready, dt.date(2010, 6, 1), "Bo Lund")
    on_the_day = agenda(ready, "--team", "team-2", "--next", today="2026-11-25")
    assert on_the_day["meeting"]["id"] == shown["meeting"]["id"]  # today's meeting is not past
    ok(ready("meeting", "cancel", str(shown["meeting"]["id"]), "--reason", "Kursus"))
    refer(ready, other, "team-2")
    later = agenda(ready, "--team", "team-2", "--next")
    assert later["meeting"]["starts_at"] == "2026-12-09T09:00:00"
    assert [(i["kind"], i["youth_id"]) for i in later["items"]] == [
        ("referral", other),
        ("carried-over", youth),  # from the cancelled meeting
    ]


def test_referral_on_a_chosen_meeting(ready: KuiRunner, db_url: str) -> None:
    youth = add_youth(ready, BORN_16)
    ok(ready("meeting", "generate"))
    rows = json.loads(ok(ready("meeting", "list", "-f", "json")).stdout)
    team2 = [r for r in rows if r["team"] == "team-2"]
    team3 = next(r for r in rows if r["team"] == "team-3")
    refer(ready, youth, "team-2", "--meeting", str(team2[2]["id"]))
    assert agenda(ready, "--meeting", str(team2[2]["id"]))["items"][0]["youth_id"] == youth
    other = add_youth(ready, dt.date(2010, 6, 1), "Bo Lund")
    before = snapshot(db_url)
    wrong = ready("agenda", "add", str(other), "--team", "team-2", "--reason", "x",
                  "--meeting", str(team3["id"]))  # fmt: skip
    assert wrong.exit_code == 1 and "not a meeting of team-2" in wrong.stderr
    past = ready("agenda", "add", str(other), "--team", "team-2", "--reason", "x",
                 "--meeting", str(team2[0]["id"]), today="2026-12-01")  # fmt: skip
    assert past.exit_code == 1 and "it is past" in past.stderr
    assert snapshot(db_url) == before


def test_refusals_change_nothing(ready: KuiRunner, db_url: str) -> None:
    pupil = add_youth(ready, BORN_PUPIL, "Alma Holm", "--status", "primary-school")
    student = add_youth(ready, dt.date(2010, 1, 2), "Carl Hansen", "--status", "vocational")
    youth = add_youth(ready, BORN_16, "Ida Jensen")
    refer(ready, youth, "team-2")
    before = snapshot(db_url)
    for args, message in [
        ((str(pupil), "--team", "team-2"), "outside team-2's target group (age group 2; status"),
        ((str(student), "--team", "team-2"), "status vocational"),
        ((str(youth), "--team", "team-3"), "outside team-3's target group"),
        ((str(youth), "--team", "team-2"), "already referred to team-2"),
        ((str(youth), "--team", "team-9"), "unknown team 'team-9'"),
        (("999", "--team", "team-2"), "no youth with id 999"),
    ]:
        result = ready("agenda", "add", *args, "--reason", "Ingen aktivitet")
        assert result.exit_code == 1 and message in result.stderr, (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
    cpr = ready(
        "agenda", "add", str(pupil), "--team", "team-1", "--reason", f"Se {cpr_for(BORN_16)}"
    )
    assert cpr.exit_code == 1 and "looks like a CPR number" in cpr.stderr
    empty = ready("agenda", "add", str(pupil), "--team", "team-1", "--reason", "  ")
    assert empty.exit_code == 1 and "--reason is required" in empty.stderr
    assert snapshot(db_url) == before


def test_ishoej_leader_sparring_preconditions(kui: KuiRunner, db_url: str) -> None:
    ok(kui("init", "--profile", "ishoej"))
    ok(kui("staff", "add", *leader("AB")))  # the acting user is a leader
    for initials, role in (("LK", "leader"), ("UV", "uu")):
        ok(kui("staff", "add", "--initials", initials, "--name", "N", "--role", role,
               "--department", "CBE"))  # fmt: skip
    youth = add_youth(kui, BORN_16)
    before = snapshot(db_url)
    for extra, message in [
        ((), "leader-sparring takes a case only with --leader STAFF"),
        (("--consulted",), "--leader STAFF"),
        (("--leader", "LK"), "--consulted"),
        (("--leader", "UV", "--consulted"), "has role uu, not leader"),
    ]:
        result = kui("agenda", "add", str(youth), "--team", "leader-sparring",
                     "--reason", "Bevillingsbehov", *extra)  # fmt: skip
        assert result.exit_code == 1 and message in result.stderr, (extra, result.stderr)
    cafe = kui("agenda", "add", str(youth), "--team", "cafe", "--reason", "x")
    assert cafe.exit_code == 1 and "takes no referrals" in cafe.stderr
    assert snapshot(db_url) == before
    refer(kui, youth, "leader-sparring", "--leader", "lk", "--consulted")
    shown = agenda(kui, "--team", "leader-sparring", "--next")
    assert shown["meeting"]["starts_at"] == "2026-12-03T10:00:00"
    assert shown["items"][0]["leader"] == "LK"
    markdown = ok(kui("agenda", "show", "--team", "leader-sparring", "--next", "-f", "markdown"))
    assert "**torsdag 3. december 2026, uge 49, kl. 10.00-11.00**" in markdown.stdout
    assert "leder: LK" in markdown.stdout


def test_referral_is_logged_and_makes_a_kui_youth_with_a_team(
    ready: KuiRunner, db_url: str
) -> None:
    # In FGU: team 2's target group, but not out of activity (no education-obligation episode).
    youth = add_youth(ready, BORN_16, "Ida Jensen", "--status", "fgu")
    assert json.loads(ok(ready("youth", "list", "--kui", "-f", "json")).stdout) == []
    refer(ready, youth, "team-2")
    shown = json.loads(ok(ready("youth", "show", str(youth), "-f", "json")).stdout)
    assert shown["team"] == "team-2"
    assert "referred to Team 2 (meeting" in shown["history"][-1]["what"]
    assert shown["history"][-1]["why"] == "Ingen aktivitet"
    kui_ids = [
        r["id"] for r in json.loads(ok(ready("youth", "list", "--kui", "-f", "json")).stdout)
    ]
    assert kui_ids == [youth]
    listed = json.loads(ok(ready("youth", "list", "--team", "team-2", "-f", "json")).stdout)
    assert [(r["id"], r["team"]) for r in listed] == [(youth, "team-2")]
    assert json.loads(ok(ready("youth", "list", "--team", "team-3", "-f", "json")).stdout) == []
    assert "unknown team" in ready("youth", "list", "--team", "nope").stderr
    key = sql(db_url, f"SELECT subject_key FROM youth WHERE id = {youth}")[0]["subject_key"]
    actions = [
        r["command"] for r in sql(db_url, f"SELECT * FROM audit_log WHERE subject_key = '{key}'")
    ]
    assert "kui agenda add" in actions


def test_team_is_the_open_referrals_else_the_last_decisions(ready: KuiRunner) -> None:
    pupil = add_youth(ready, BORN_PUPIL, "Alma Holm", "--status", "primary-school")
    first = refer(ready, pupil, "team-1")
    ok(
        ready(
            "agenda", "decide", str(first), "--outcome", "Enkeltfaglig indsats", today="2026-12-01"
        )
    )

    def team(today: str) -> str | None:
        shown = ok(ready("youth", "show", str(pupil), "-f", "json", today=today))
        return json.loads(shown.stdout)["team"]

    assert team("2026-12-01") == "team-1"
    second = refer(ready, pupil, "youth-conference", today="2026-12-01")
    assert team("2026-12-01") == "youth-conference"
    assert team("2026-11-30") == "team-1"  # the team on a day is the team of that day
    ok(ready("agenda", "decide", str(second), "--outcome", "Følges", today="2027-01-26"))
    assert team("2027-01-26") == "youth-conference"
    third = refer(ready, pupil, "team-1", today="2027-01-27")
    assert team("2027-01-27") == "team-1" and third > second


def test_agenda_items_in_order_fixed_referral_carried_over(ready: KuiRunner) -> None:
    pupils = [
        add_youth(ready, BORN_PUPIL.replace(day=d), f"Elev {d}", "--status", "primary-school")
        for d in (1, 2, 3)
    ]
    decided, carried = (refer(ready, p, "youth-conference") for p in pupils[:2])
    ok(ready("agenda", "decide", str(decided), "--outcome", "Flerfaglig", today="2027-01-26"))
    new = refer(ready, pupils[2], "youth-conference", today="2027-01-27")
    for pupil in pupils:  # reached lately: no `no-contact` item (tests/test_contacts.py)
        ok(ready("contact", "add", str(pupil), "--channel", "meeting", "--reached", "yes",
                 today="2027-01-27"))  # fmt: skip
    shown = agenda(ready, "--team", "youth-conference", "--next", today="2027-01-27")
    assert shown["meeting"]["starts_at"] == "2027-06-29T09:00:00"
    assert [(i["kind"], i["id"]) for i in shown["items"]] == [
        ("fixed", None),
        ("referral", new),
        ("carried-over", carried),
    ]
    assert shown["items"][0]["text"].startswith("Uddannelsesparathedsvurderingerne")
    assert shown["items"][2]["from_meeting"] == "2027-01-26"
    for item in shown["items"]:
        assert {"id", "kind", "text", "youth_id", "initials", "age"} <= set(item)
        assert "name" not in item
    assert shown["items"][1]["initials"] == "E3" and shown["items"][1]["age"] == 15
    assert set(shown["meeting"]) >= {"id", "team", "starts_at", "ends_at", "place", "status"}
    markdown = ok(ready("agenda", "show", "--team", "youth-conference", "--next", "-f",
                        "markdown", today="2027-01-27")).stdout  # fmt: skip
    assert (  # known by the referral id, the number `agenda decide` takes, not by position
        markdown.index("## Uddannelsesparathedsvurderingerne")
        < markdown.index(f"## Indstilling nr. {new}: E3, 15 år")
        < markdown.index(f"## Overført indstilling nr. {carried}: E2")
    )
    assert "Fra mødet tirsdag 26. januar 2027." in markdown


def test_decide_records_need_and_minutes(ready: KuiRunner, db_url: str) -> None:
    youth = add_youth(ready, BORN_16)
    item = refer(ready, youth, "team-2")
    before = snapshot(db_url)
    early = ready("agenda", "decide", str(item), "--outcome", "Flerfaglig", "--need", "C")
    assert early.exit_code == 1 and "decide it at or after the meeting" in early.stderr
    bad_need = ready("agenda", "decide", str(item), "--outcome", "x", "--need", "Z",
                     today="2026-11-25")  # fmt: skip
    assert bad_need.exit_code == 1 and "unknown need" in bad_need.stderr
    assert "no agenda item 99" in ready("agenda", "decide", "99", "--outcome", "x").stderr
    assert snapshot(db_url) == before
    ok(ready("agenda", "decide", str(item), "--outcome", "Flerfaglig indsats", "--need", "C",
             today="2026-11-25"))  # fmt: skip
    again = ready("agenda", "decide", str(item), "--outcome", "x", today="2026-11-25")
    assert again.exit_code == 1 and "decided on 2026-11-25 already" in again.stderr
    shown = json.loads(ok(ready("youth", "show", str(youth), "-f", "json")).stdout)
    assert shown["need"] == "C" and shown["team"] == "team-2"
    need_change = next(h for h in shown["history"] if h["what"] == "need: C")
    assert need_change["why"] == f"teamets beslutning (punkt {item})"
    assert "Team 2 decided on item" in shown["history"][-1]["what"]
    meeting = agenda(ready, "--team", "team-2", "--next")["meeting"]["id"]
    minutes = ok(ready("agenda", "minutes", str(meeting), "-f", "markdown")).stdout
    assert minutes.startswith("# Referat: Team 2")
    assert (
        "Beslutning: Flerfaglig indsats  \nBehov ændret fra A til C (flerfaglig indsats)" in minutes
    )
    data = json.loads(ok(ready("agenda", "minutes", str(meeting), "-f", "json")).stdout)
    assert data["items"][0]["outcome"].startswith("Flerfaglig indsats")
    assert data["items"][0]["decided_on"] == "2026-11-25"


def test_undecided_item_is_carried_over_in_the_minutes(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", "--status", "fgu")  # no obligation deadlines
    item = refer(ready, youth, "team-2")
    first = agenda(ready, "--team", "team-2", "--next")["meeting"]["id"]
    ok(ready("agenda", "decide", str(item), "--outcome", "Indsats aftalt", today="2026-12-09"))
    minutes_first = json.loads(ok(ready("agenda", "minutes", str(first), "-f", "json")).stdout)
    assert minutes_first["items"][0]["outcome"] is None
    assert (
        "Ikke afgjort: overføres til næste møde."
        in ok(ready("agenda", "minutes", str(first), "-f", "markdown")).stdout
    )
    second = agenda(ready, "--team", "team-2", "--next", today="2026-12-09")
    assert [i["kind"] for i in second["items"]] == ["carried-over"]
    minutes = json.loads(
        ok(ready("agenda", "minutes", str(second["meeting"]["id"]), "-f", "json")).stdout
    )
    assert minutes["items"][0]["outcome"] == "Indsats aftalt"
    third = agenda(ready, "--team", "team-2", "--next", today="2026-12-10")
    assert third["items"] == []


def test_no_agenda_output_of_any_format_contains_a_cpr(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    youth = add_youth(ready, BORN_16, "Ida Marie Jensen")
    number = cpr_for(BORN_16)
    item = refer(ready, youth, "team-2")
    sql(db_url, f"UPDATE referral SET reason = 'Ring om {number}' WHERE id = {item}")
    ok(ready("agenda", "decide", str(item), "--outcome", "Ok", today="2026-11-25"))
    sql(db_url, f"UPDATE referral SET outcome = 'Se {number.replace('-', '')}' WHERE id = {item}")
    meeting = str(agenda(ready, "--team", "team-2", "--next")["meeting"]["id"])
    outputs = []
    for fmt in FORMATS:
        for names in ((), ("--names",)):
            outputs.append(
                ok(ready("agenda", "show", "--meeting", meeting, "-f", fmt, *names)).stdout
            )
            outputs.append(ok(ready("agenda", "minutes", meeting, "-f", fmt, *names)).stdout)
    out = tmp_path / "cron"
    out.mkdir()
    ok(ready("agenda", "generate", "--days", "14", "--out", str(out)))
    circulated = [path.read_text(encoding="utf-8") for path in out.iterdir()]
    outputs += circulated
    assert len(outputs) == 16 + 6
    # Decided, Ida is no longer referred: the circulated agenda counts her item, not shows it.
    left_out = [o for o in circulated if "Team 2" in o]
    assert len(left_out) == 2 and all("1 punkt om en ung" in o for o in left_out)
    for output in outputs:
        assert number not in output and number.replace("-", "") not in output
        assert number[:6] not in output  # not even the birth date part
    assert any(cpr.REMOVED in output for output in outputs)
    named = [o for o in outputs if "Ida Marie Jensen" in o]
    assert len(named) == 8  # exactly the --names outputs
    shown = [o for o in outputs if o not in circulated and ("team-2" in o or "Team 2" in o)]
    assert len(shown) == 16 and all("IMJ" in o for o in shown)


def test_names_only_for_the_chair_and_audited(ready: KuiRunner, db_url: str) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen")
    refer(ready, youth, "team-2")
    for fmt in FORMATS:
        out = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", fmt)).stdout
        assert "Ida Jensen" not in out and "IJ" in out
    named = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", "markdown", "--names"))
    assert "Ida Jensen, IJ, 16 år (ung nr." in named.stdout
    assert "må ikke rundsendes" in named.stdout
    rows = sql(db_url, "SELECT * FROM audit_log WHERE command = 'kui agenda show' ORDER BY id")
    assert [json.loads(r["filter"])["names"] for r in rows] == [False] * 4 + [True]
    assert all(r["subject_key"] and r["action"] == "read" for r in rows)


def test_html_is_self_contained_and_escaped(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida <b>Jensen</b>")
    ok(ready("agenda", "add", str(youth), "--team", "team-2",
             "--reason", "<script>alert('x')</script> & # *fed*"))  # fmt: skip
    html = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", "html", "--names")).stdout
    assert html.startswith("<!DOCTYPE html>") and '<html lang="da">' in html
    assert "<script" not in html and "&lt;script&gt;" in html and "&amp;" in html
    assert "<b>" not in html and "&lt;b&gt;Jensen&lt;/b&gt;" in html
    assert "http" not in html and "<link" not in html  # nothing fetched from elsewhere
    markdown = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", "markdown")).stdout
    assert "<script" not in markdown and "\\*fed\\*" in markdown and "\\#" in markdown


def test_agenda_show_needs_meeting_or_team_next(ready: KuiRunner) -> None:
    for args in ((), ("--team", "team-2"), ("--meeting", "1", "--team", "team-2", "--next"),
                 ("--next",)):  # fmt: skip
        result = ready("agenda", "show", *args)
        assert result.exit_code == 1 and "--meeting ID or --team TEAM --next" in result.stderr
    assert "no meeting with id 7" in ready("agenda", "show", "--meeting", "7").stderr
    empty = agenda(ready, "--team", "team-3", "--next")
    assert empty["items"] == [] and empty["meeting"]["team"] == "team-3"
    assert "Ingen punkter." in ok(ready("agenda", "show", "--team", "team-3", "--next", "-f",
                                        "markdown")).stdout  # fmt: skip


def test_cron_files_appear_atomically_and_idempotently(
    ready: KuiRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tmp_path = tmp_path / "cron"  # beside the test's database
    tmp_path.mkdir()
    youth = add_youth(ready, BORN_16)
    refer(ready, youth, "team-2")
    replaced: list[tuple[str, bool, bytes]] = []
    real_replace = os.replace

    def watching_replace(source: str, target: str | Path) -> None:
        # At the moment of the rename the full content is already in the temporary file, and
        # the target does not exist yet: a reader sees no file or the whole file, never half.
        replaced.append((Path(target).name, Path(target).exists(), Path(source).read_bytes()))
        real_replace(source, target)

    monkeypatch.setattr(files.os, "replace", watching_replace)
    ok(ready("agenda", "generate", "--days", "14", "--out", str(tmp_path)))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert all(re.match(r"^2026-1[12]-\d\d_team-[123]_\d+\.(md|html)$", n) for n in names), names
    assert len(names) == 6 and not any(n.startswith(".") or n.endswith(".tmp") for n in names)
    assert len(replaced) == 6 and not any(existed for _, existed, _ in replaced)
    for name, _, content in replaced:
        assert (tmp_path / name).read_bytes() == content
    md = next(p for p in tmp_path.iterdir() if "team-2" in p.name and p.suffix == ".md")
    assert "onsdag 25. november 2026, uge 48" in md.read_text(encoding="utf-8")
    assert oct(md.stat().st_mode & 0o777) == "0o600"
    stamps = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()}
    result = ok(ready("agenda", "generate", "--days", "14", "--out", str(tmp_path)))
    assert "0 files written" in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir()} == stamps
    team2 = md.name.split("_")[2].removesuffix(".md")
    ok(ready("meeting", "move", team2, "--to", "2026-11-27T12:00"))
    ok(ready("agenda", "generate", "--days", "14", "--out", str(tmp_path)))
    moved = sorted(p.name for p in tmp_path.iterdir() if "team-2" in p.name)
    assert moved == [f"2026-11-27_team-2_{team2}.html", f"2026-11-27_team-2_{team2}.md"]


def test_a_failed_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "agenda.md"
    target.write_text("old", encoding="utf-8")

    def broken_fsync(_fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        render_agenda.write_if_changed(target, "new content")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["agenda.md"]


def test_cron_refuses_a_missing_folder(ready: KuiRunner, tmp_path: Path) -> None:
    result = ready("agenda", "generate", "--out", str(tmp_path / "nope"))
    assert result.exit_code == 1 and "does not exist" in result.stderr


def test_danish_dates_and_initials() -> None:
    when = danish.when(dt.datetime(2026, 12, 3, 10), dt.datetime(2026, 12, 3, 11))
    assert when == "torsdag 3. december 2026, uge 49, kl. 10.00-11.00"
    assert danish.date(dt.date(2027, 1, 1), weekday=True) == "fredag 1. januar 2027"
    new_year = danish.when(dt.datetime(2026, 12, 31, 10), dt.datetime(2026, 12, 31, 11))
    assert new_year.endswith("2026, uge 53, kl. 10.00-11.00")
    assert agendas.initials("Ida Marie Jensen-Holm") == "IMJH"
    assert agendas.initials("  søren   ærø ") == "SÆ"
    assert cpr.blanked("a 150310-4321 b 1503104321 c 15031043210") == (
        "a [CPR fjernet] b [CPR fjernet] c 15031043210"
    )


def test_demo_prints_team_2s_next_agenda(kui: KuiRunner) -> None:
    result = ok(kui("demo", "--youths", "400"))
    assert "# Dagsorden: Team 2" in result.stdout
    assert "onsdag 25. november 2026, uge 48" in result.stdout
    assert "## Indstilling nr. " in result.stdout
    teams = json.loads(ok(kui("team", "list", "-f", "json")).stdout)
    assert all(t["members"] for t in teams if t["slug"].startswith("team-"))
    assert any(y["team"] for y in json.loads(ok(kui("youth", "list", "-f", "json")).stdout))
