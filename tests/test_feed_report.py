"""`kui feed report`: the municipality's monthly report to the national youth database."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import create_engine, text

from kui_cli.domain.reports import national
from tests.conftest import KuiRunner, cpr_for, ok, snapshot

OCTOBER = "2026-10"
AFTER = "2026-11-22"  # the frozen real day: October is over
IN_TIME, LATE, PENDING, LATER = (
    dt.date(2010, 3, 15),
    dt.date(2010, 4, 16),
    dt.date(2010, 5, 17),
    dt.date(2010, 6, 18),
)


def rows_of(url: str, sql: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(text(sql))]
    engine.dispose()
    return found


def digits(born: dt.date) -> str:
    return cpr_for(born).replace("-", "")


def drop_out(kui: KuiRunner, born: dt.date, since: str) -> str:
    """A youth in vocational education who drops out on `since` (an episode opens)."""
    added = ("--cpr", cpr_for(born), "--name", "Ung", "--status", "vocational")
    added += ("--since", "2025-08-01")
    youth_id = ok(kui("youth", "add", *added, today="2025-08-01")).stdout.strip()
    update = ("youth", "update", youth_id, "--status", "none", "--since", since, "--reason", "x")
    ok(kui(*update, today=since))
    return youth_id


def report(kui: KuiRunner, out: Path, month: str = OCTOBER, today: str = AFTER) -> list[dict]:
    ok(kui("feed", "report", "--month", month, "--out", str(out), today=today))
    with out.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def facts(rows: list[dict], born: dt.date, event: str) -> list[dict]:
    return [r for r in rows if r["cpr"] == digits(born) and r["event"] == event]


@pytest.fixture
def october(ready: KuiRunner) -> KuiRunner:
    """Four drop-outs: contact and offer in time; contact late and no offer; a drop-out late in
    October whose deadlines fall in November; a contact recorded only in November."""
    in_time = drop_out(ready, IN_TIME, "2026-10-01")  # contact by 2026-10-08, offer by 10-31
    ok(ready("duty", "contact", in_time, "--on", "2026-10-05", today=AFTER))
    ok(ready("duty", "offer", in_time, "--activity", "FGU Als", "--on", "2026-10-20", today=AFTER))
    late = drop_out(ready, LATE, "2026-10-01")
    ok(ready("duty", "contact", late, "--on", "2026-10-12", today=AFTER))
    drop_out(ready, PENDING, "2026-10-26")  # contact by 2026-11-02, offer by 2026-11-25
    later = drop_out(ready, LATER, "2026-10-01")
    ok(ready("duty", "contact", later, "--on", "2026-11-03", today=AFTER))
    return ready


def test_contact_in_time_late_missing_and_not_yet_due(october: KuiRunner, tmp_path: Path) -> None:
    rows = report(october, tmp_path / "report.csv")
    assert list(rows[0]) == national.COLUMNS
    step = ("date", "deadline", "in_time", "out_since")
    contact = {
        born: [tuple(r[c] for c in step) for r in facts(rows, born, "duty-contact")]
        for born in (IN_TIME, LATE, PENDING, LATER)
    }
    assert contact == {
        IN_TIME: [("2026-10-05", "2026-10-08", "yes", "2026-10-01")],
        LATE: [("2026-10-12", "2026-10-08", "no", "2026-10-01")],
        PENDING: [("", "2026-11-02", "", "2026-10-26")],  # not due by the month's end
        LATER: [("", "2026-10-08", "no", "2026-10-01")],  # made in November: not October's
    }


def test_the_offer_with_its_activity(october: KuiRunner, tmp_path: Path) -> None:
    rows = report(october, tmp_path / "report.csv")
    [made] = facts(rows, IN_TIME, "duty-offer")
    assert (made["date"], made["deadline"], made["in_time"], made["activity"]) == (
        "2026-10-20",
        "2026-10-31",
        "yes",
        "FGU Als",
    )
    [missing] = facts(rows, LATE, "duty-offer")
    assert (missing["date"], missing["in_time"], missing["activity"]) == ("", "no", "")
    [pending] = facts(rows, PENDING, "duty-offer")
    assert (pending["deadline"], pending["in_time"]) == ("2026-11-25", "")


def test_a_month_not_over_is_judged_on_today(october: KuiRunner, tmp_path: Path) -> None:
    rows = report(october, tmp_path / "report.csv", "2026-11", today="2026-11-02")
    [contact] = facts(rows, PENDING, "duty-contact")
    assert contact["in_time"] == ""  # the deadline day itself is in time
    rows = report(october, tmp_path / "later.csv", "2026-11", today="2026-11-03")
    [contact] = facts(rows, PENDING, "duty-contact")
    assert contact["in_time"] == "no"
    [contact] = facts(rows, LATER, "duty-contact")
    assert (contact["date"], contact["in_time"]) == ("2026-11-03", "no")


def test_an_episode_closed_before_the_month_is_not_reported(
    ready: KuiRunner, tmp_path: Path
) -> None:
    youth_id = drop_out(ready, IN_TIME, "2026-09-01")
    back = ("youth", "update", youth_id, "--status", "fgu", "--since", "2026-09-03")
    back += ("--reason", "y")
    ok(ready(*back, today="2026-09-03"))
    assert facts(report(ready, tmp_path / "r.csv"), IN_TIME, "duty-contact") == []
    [september] = facts(report(ready, tmp_path / "s.csv", "2026-09"), IN_TIME, "duty-contact")
    assert september["in_time"] == ""  # closed (back in activity) before the contact was due


def _on_real_day(day: dt.date) -> time_machine.travel:
    noon = dt.datetime.combine(day, dt.time(12), tzinfo=ZoneInfo("Europe/Copenhagen"))
    return time_machine.travel(noon, tick=True)


def test_status_decisions_of_the_month_only_and_not_from_a_feed(
    ready: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    with _on_real_day(dt.date(2026, 9, 10)):
        youth_id = drop_out(ready, IN_TIME, "2026-09-10")
    feed = tmp_path / "feed.csv"  # the national side reports a start: history by the source
    feed.write_text(
        "source,event_id,cpr,event_date,kind,education\n"
        f"ungedata,UD-1,{cpr_for(IN_TIME)},2026-10-15,started,EUD\n",
        encoding="utf-8",
    )
    with _on_real_day(dt.date(2026, 10, 16)):
        ok(ready("feed", "apply", str(feed), today="2026-10-16"))
    by_feed = "SELECT new_value FROM change_log WHERE kind = 'status' AND \"by\" = 'feed:ungedata'"
    assert rows_of(db_url, by_feed) == [{"new_value": "vocational"}]
    with _on_real_day(dt.date(2026, 10, 31)):  # made on the month's last day, Danish time
        update = ("youth", "update", youth_id, "--status", "fgu", "--since", "2026-10-30")
        ok(ready(*update, "--reason", "startede på FGU", today="2026-10-31"))
    with _on_real_day(dt.date(2026, 11, 1)):
        update = ("youth", "update", youth_id, "--status", "job", "--since", "2026-10-31")
        ok(ready(*update, "--reason", "fik job", today="2026-11-01"))
    rows = report(ready, tmp_path / "report.csv")
    status = [(r["date"], r["old_status"], r["status"]) for r in facts(rows, IN_TIME, "status")]
    assert status == [("2026-10-30", "vocational", "fgu")]
    assert "startede" not in (tmp_path / "report.csv").read_text(encoding="utf-8")  # no notes
    september = facts(report(ready, tmp_path / "s.csv", "2026-09"), IN_TIME, "status")
    assert [r["status"] for r in september] == ["none"]
    november = facts(report(ready, tmp_path / "n.csv", "2026-11"), IN_TIME, "status")
    assert [(r["date"], r["status"]) for r in november] == [("2026-10-31", "job")]


def test_json_has_the_same_facts(october: KuiRunner, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    ok(october("feed", "report", "--month", OCTOBER, "-f", "json", "--out", str(out), today=AFTER))
    found = json.loads(out.read_text(encoding="utf-8"))
    assert len(found) == 8 and list(found[0]) == national.COLUMNS
    contact = next(r for r in found if r["cpr"] == digits(IN_TIME) and r["event"] == "duty-contact")
    assert contact["in_time"] is True and contact["date"] == "2026-10-05"


def test_the_file_is_private_holds_cpr_and_the_terminal_never_does(
    october: KuiRunner, tmp_path: Path
) -> None:
    out = tmp_path / "report.csv"
    result = ok(october("feed", "report", "--month", OCTOBER, "--out", str(out), today=AFTER))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    content = out.read_text(encoding="utf-8")
    for born in (IN_TIME, LATE, PENDING, LATER):
        assert digits(born) in content
        assert digits(born)[:6] not in result.output
    assert "Reported 8 facts about 4 youths for 2026-10" in result.output


def test_without_out_it_refuses_and_prints_no_cpr(october: KuiRunner, db_url: str) -> None:
    before = snapshot(db_url)
    result = october("feed", "report", "--month", OCTOBER, today=AFTER)
    assert result.exit_code == 1
    assert result.output.startswith("Error: --out FILE is required")
    assert digits(IN_TIME)[:6] not in result.output
    assert snapshot(db_url) == before


def test_one_audit_entry_per_youth_and_one_for_the_report(
    october: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    report(october, tmp_path / "report.csv")
    entries = rows_of(
        db_url,
        'SELECT "user", action, subject_key, filter, rows FROM audit_log '
        "WHERE command = 'kui feed report' ORDER BY id",
    )
    keys = rows_of(db_url, "SELECT subject_key FROM youth ORDER BY id")
    assert [e["subject_key"] for e in entries[:-1]] == [k["subject_key"] for k in keys]
    assert {(e["user"], e["action"]) for e in entries} == {("AB", "export")}
    assert json.loads(entries[0]["filter"]) == {"month": OCTOBER, "to": national.TO}
    whole = entries[-1]
    assert (whole["subject_key"], whole["rows"]) == (None, 8)
    assert json.loads(whole["filter"])["youths"] == 4


# --- attacks ---


def test_a_coordinator_is_refused_nothing_written_and_the_refusal_logged(
    october: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    staff = ("--initials", "CD", "--name", "Vejleder", "--role", "uu", "--department", "UU")
    ok(october("staff", "add", *staff))
    before = snapshot(db_url)
    out = tmp_path / "stolen.csv"
    result = october("feed", "report", "--month", OCTOBER, "--out", str(out), user="CD")
    assert result.exit_code == 1
    assert "Error: access refused" in result.output and "feed.report_roles" in result.output
    assert not out.exists() and os.listdir(tmp_path) == [
        name for name in os.listdir(tmp_path) if not name.startswith(".kui-")
    ]
    after = snapshot(db_url)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    [refusal] = after["audit_log"][len(before["audit_log"]) :]
    assert "refused" in refusal and "CD" in refusal
    assert "report-roles-only" in " ".join(str(cell) for cell in refusal)


def test_a_profile_cannot_give_the_report_to_a_role_that_sees_only_its_own_cases(
    ready: KuiRunner, tmp_path: Path
) -> None:
    profile = tmp_path / "partial.toml"
    profile.write_text('name = "Testkommune"\n[feed]\nreport_roles = ["uu"]\n', encoding="utf-8")
    result = ready("init", "--profile", str(profile))
    assert result.exit_code == 1
    assert "feed.report_roles" in result.output and "privacy.see_all_roles" in result.output


def test_out_onto_an_existing_file_or_a_link_to_one_is_refused(
    october: KuiRunner, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    for target in (victim, link):
        result = october("feed", "report", "--month", OCTOBER, "--out", str(target), today=AFTER)
        assert result.exit_code == 1 and "exists already" in result.output
    assert victim.read_text(encoding="utf-8") == "keep me\n" and link.is_symlink()
    device = october("feed", "report", "--month", OCTOBER, "--out", "/dev/null", today=AFTER)
    assert device.exit_code == 1 and "not a regular file" in device.output


def test_force_replaces_a_link_never_what_it_points_to(october: KuiRunner, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    args = ("feed", "report", "--month", OCTOBER, "--out", str(link), "--force")
    ok(october(*args, today=AFTER))
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not link.is_symlink() and stat.S_IMODE(link.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2026-13", "Error: --month must be a month as YYYY-MM, got '2026-13'"),
        ("0001-01", "Error: --month 0001-01 is before the law"),
        ("9999-12", "Error: --month 9999-12 has not begun yet"),
    ],
)
def test_bad_months_are_one_line_and_change_nothing(
    ready: KuiRunner, db_url: str, tmp_path: Path, month: str, message: str
) -> None:
    before = snapshot(db_url)
    out = tmp_path / "report.csv"
    result = ready("feed", "report", "--month", month, "--out", str(out))
    assert result.exit_code == 1 and result.output.startswith(message)
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists() and snapshot(db_url) == before


def test_the_last_month_of_the_calendar_is_reported_empty(ready: KuiRunner, tmp_path: Path) -> None:
    assert report(ready, tmp_path / "r.csv", "9999-12", today="9999-12-31") == []
