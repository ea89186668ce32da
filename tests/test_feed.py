"""The status feed (`kui feed apply`, issue 18): every event by the rules of a hand-typed change,
all lines or none, idempotent, out-of-order events by their dates, dry run, and misuse refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kui_cli.domain.register import feed_lines
from kui_cli.errors import KuiError
from tests.casework import add_staff, as_json, assign, shown
from tests.conftest import (
    TODAY,
    KuiRunner,
    add_youth,
    cpr_for,
    ok,
    snapshot,
    without_trail,
)
from tests.test_agenda import BORN_16, agenda

HEADER = "source,event_id,cpr,event_date,kind,education,institution,reason,name"
SAMPLES = Path(__file__).parent.parent / "data" / "samples"
IDA = cpr_for(BORN_16)  # 16 on TODAY
NEW = cpr_for(dt.date(2009, 6, 2), "4022")  # 17, not registered


def write(folder: Path, *lines: str, name: str = "feed.csv", header: str = HEADER) -> Path:
    path = folder / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def apply(kui: KuiRunner, path: Path, *extra: str, **kwargs: str) -> dict:
    return json.loads(ok(kui("feed", "apply", str(path), "-f", "json", *extra, **kwargs)).stdout)


def duty_rows(kui: KuiRunner) -> list[dict]:
    return as_json(kui, "duty", "check")


# --- the rules --------------------------------------------------------------------------------


def test_a_drop_out_of_a_16_year_old_opens_an_episode_from_the_event_date_a_start_closes_it(
    ready: KuiRunner, tmp_path: Path
) -> None:
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    dropped = write(tmp_path, f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,751234,12,")
    assert apply(ready, dropped)["applied"] == 1
    [row] = duty_rows(ready)
    assert (row["youth_id"], row["out_since"]) == (ida, "2026-10-05")
    assert (row["contact_deadline"], row["offer_deadline"]) == ("2026-10-12", "2026-11-04")
    record = shown(ready, ida)
    assert (record["status"], record["status_since"]) == ("none", "2026-10-05")
    change = next(h for h in record["history"] if h["what"].startswith("status: none"))
    assert change["by"] == "feed:ungedata"
    assert change["why"].startswith("ungedata event 1: dropped-out, education EUD")
    started = write(tmp_path, f"ungedata,2,{IDA},2026-11-10,started,FGU,280101,,", name="b.csv")
    assert apply(ready, started)["applied"] == 1
    assert duty_rows(ready) == []
    assert (shown(ready, ida)["status"], shown(ready, ida)["status_since"]) == ("fgu", "2026-11-10")


def test_completed_job_and_benefit_set_their_status(ready: KuiRunner, tmp_path: Path) -> None:
    sara = add_youth(ready, dt.date(2004, 1, 20), "Sara Nielsen", "--status", "vocational",
                     "--since", "2025-08-01")  # fmt: skip
    mads = add_youth(ready, dt.date(2006, 5, 5), "Mads Larsen", "--status", "none")
    emil = add_youth(ready, dt.date(2005, 11, 11), "Emil Holm", "--status", "none")
    path = write(
        tmp_path,
        f"ungedata,1,{cpr_for(dt.date(2004, 1, 20))},2026-06-30,completed,EUD,751234,,",
        f"ungedata,2,{cpr_for(dt.date(2006, 5, 5))},{TODAY},job,,,,",
        f"ungedata,3,{cpr_for(dt.date(2005, 11, 11))},{TODAY},benefit,AKTIVITETSPARAT,,,",
    )
    assert apply(ready, path)["applied"] == 3
    record = shown(ready, sara)
    assert (record["status"], record["completed_on"]) == ("completed", "2026-06-30")
    assert shown(ready, mads)["status"] == "job"
    assert shown(ready, emil)["status"] == "benefit-activity-ready"


def test_an_unknown_youth_is_registered_when_the_event_names_them(
    ready: KuiRunner, tmp_path: Path
) -> None:
    path = write(tmp_path, f"ungedata,1,{NEW},2026-08-15,started,FGU,280101,,Ole Hansen")
    summary = apply(ready, path)
    assert (summary["applied"], summary["new_youths"]) == (1, 1)
    [youth] = as_json(ready, "youth", "list", "--search", "Ole")
    record = shown(ready, youth["id"])
    assert (record["status"], record["status_since"]) == ("fgu", "2026-08-15")
    assert record["history"][0]["by"] == "feed:ungedata"


def test_an_unknown_youth_without_a_name_is_refused_with_the_line(
    ready: KuiRunner, tmp_path: Path, db_url: str
) -> None:
    path = write(tmp_path, f"ungedata,1,{NEW},2026-08-15,started,FGU,280101,,")
    before = snapshot(db_url)
    result = ready("feed", "apply", str(path))
    assert result.exit_code == 1
    assert "line 2: no youth with CPR 020609-xxxx is registered" in result.stderr
    assert NEW not in result.output
    assert snapshot(db_url) == before


@pytest.mark.own_staff
def test_the_plan_owner_finds_the_feeds_change_in_the_inbox(
    ready: KuiRunner, tmp_path: Path
) -> None:
    add_staff(ready, "AB", "leader")
    add_staff(ready, "UU", "uu")
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", today="2026-08-01")
    ok(assign(ready, ida, "UU", today="2026-09-01"))  # the plan owner from then on
    apply(ready, write(tmp_path, f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,,,"))
    waiting = as_json(ready, "plan", "inbox", "--owner", "UU", user="UU")
    assert (ida, "feed:ungedata") in {(row["youth_id"], row["by"]) for row in waiting}
    assert any(row["what"].startswith("status: none since 2026-10-05") for row in waiting)


def test_at_risk_is_shown_and_is_an_agenda_item_until_a_newer_status(
    ready: KuiRunner, tmp_path: Path
) -> None:
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "fgu", "--since", "2026-08-01")
    apply(ready, write(tmp_path, f"ungedata,1,{IDA},2026-10-20,at-risk,FGU,280101,FRAVAER,"))
    assert shown(ready, ida)["at_risk"] == "2026-10-20"
    items = agenda(ready, "--team", "team-2", "--next")["items"]
    assert [(i["kind"], i["youth_id"]) for i in items] == [("at-risk", ida)]
    assert "risiko for frafald siden 20. oktober 2026" in items[0]["text"]
    markdown = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", "markdown")).stdout
    assert "I risiko for frafald" in markdown
    ok(ready("youth", "update", str(ida), "--status", "job", "--reason", "Fik job"))
    assert shown(ready, ida)["at_risk"] is None
    assert agenda(ready, "--team", "team-2", "--next")["items"] == []


@pytest.mark.own_staff
def test_moved_away_ends_the_coordinator_the_efforts_and_the_episode(
    ready: KuiRunner, tmp_path: Path
) -> None:
    add_staff(ready, "AB", "leader")
    add_staff(ready, "UU", "uu")
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--since", "2026-11-02")
    ok(assign(ready, ida, "UU"))
    apply(ready, write(tmp_path, f"ungedata,1,{IDA},2026-11-20,moved-away,,,,"))
    record = shown(ready, ida)
    assert record["coordinator"] is None and record["professionals"] == []
    assert record["duty_out_since"] is None
    assert any("moved away" in h["what"] for h in record["history"])


def test_moved_away_of_someone_not_registered_is_skipped(ready: KuiRunner, tmp_path: Path) -> None:
    summary = apply(ready, write(tmp_path, f"ungedata,1,{NEW},2026-11-20,moved-away,,,,"))
    assert (summary["skipped"], summary["applied"]) == (1, 0)
    assert as_json(ready, "youth", "list") == []


# --- idempotency and order --------------------------------------------------------------------


def test_the_same_feed_twice_changes_nothing_the_second_time(
    ready: KuiRunner, tmp_path: Path, db_url: str
) -> None:
    add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    path = write(
        tmp_path,
        f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,751234,12,",
        f",,{NEW},2026-08-15,started,FGU,280101,,Ole Hansen",  # no id: known by its content
        header=HEADER,
    )
    first = apply(ready, path, "--source", "ungedata")
    assert (first["applied"], first["new_youths"]) == (2, 1)
    before = without_trail(snapshot(db_url))
    second = apply(ready, path, "--source", "ungedata")
    assert (second["applied"], second["already_known"], second["new_youths"]) == (0, 2, 0)
    assert without_trail(snapshot(db_url)) == before


def test_an_overlapping_feed_applies_only_what_is_new(ready: KuiRunner, tmp_path: Path) -> None:
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    one = f"ungedata,1,{IDA},2026-09-20,at-risk,EUD,,FRAVAER,"
    two = f"ungedata,2,{IDA},2026-10-05,dropped-out,EUD,,12,"
    three = f"ungedata,3,{IDA},2026-11-10,started,FGU,,,"
    apply(ready, write(tmp_path, one, two, name="a.csv"))
    summary = apply(ready, write(tmp_path, two, three, name="b.csv"))
    assert (summary["applied"], summary["already_known"]) == (1, 1)
    assert shown(ready, ida)["status"] == "fgu"
    assert len(duty_rows(ready)) == 0


def test_events_apply_in_date_order_and_an_older_one_is_superseded(
    ready: KuiRunner, tmp_path: Path
) -> None:
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    later_first = write(
        tmp_path,
        f"ungedata,3,{IDA},2026-11-10,started,FGU,,,",
        f"ungedata,2,{IDA},2026-10-05,dropped-out,EUD,,12,",
    )
    assert apply(ready, later_first)["applied"] == 2
    record = shown(ready, ida)
    assert (record["status"], record["status_since"]) == ("fgu", "2026-11-10")
    assert duty_rows(ready) == []  # opened on 2026-10-05, closed on 2026-11-10
    late_news = write(tmp_path, "", f"ungedata,1,{IDA},2026-09-01,dropped-out,EUD,,12,", name="c")
    summary = apply(ready, late_news)
    assert (summary["superseded"], summary["superseded_lines"]) == (1, [3])
    assert shown(ready, ida)["status"] == "fgu"


def test_an_event_id_of_another_source_does_not_suppress_an_event(
    ready: KuiRunner, tmp_path: Path
) -> None:
    """A crafted id colliding with another source's is another event; the same source reusing an
    id for other content is refused, not taken for the event applied before."""
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    apply(ready, write(tmp_path, f"school,7,{IDA},2026-09-20,at-risk,EUD,,,"))
    summary = apply(ready, write(tmp_path, f"ungedata,7,{IDA},2026-10-05,dropped-out,EUD,,,"))
    assert summary["applied"] == 1 and shown(ready, ida)["status"] == "none"
    reused = write(tmp_path, f"ungedata,7,{IDA},2026-11-10,started,FGU,,,", name="r.csv")
    result = ready("feed", "apply", str(reused))
    assert result.exit_code == 1
    assert "line 2: event_id '7' of source ungedata came with other content" in result.stderr
    assert shown(ready, ida)["status"] == "none"


# --- all or nothing, dry run, encodings -------------------------------------------------------


def test_bad_lines_are_all_named_and_nothing_is_applied(
    ready: KuiRunner, tmp_path: Path, db_url: str
) -> None:
    add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    path = write(
        tmp_path,
        f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,,,",
        f"ungedata,2,{IDA},2026-13-01,started,FGU,,,",
        "ungedata,3,0101011234,2026-10-05,graduated,,,,",
        f"ungedata,4,{IDA},2026-11-10,started,NOSUCH,,,",
        f"ungedata,5,{IDA},2099-01-01,at-risk,,,,",
    )
    before = snapshot(db_url)
    result = ready("feed", "apply", str(path))
    assert result.exit_code == 1
    for line in (3, 4, 5, 6):
        assert f"feed.csv: line {line}: " in result.stderr
    assert "line 2:" not in result.stderr
    assert "Error: 4 bad lines, nothing applied" in result.stderr
    assert snapshot(db_url) == before


def test_a_dry_run_prints_the_changes_per_youth_and_changes_nothing(
    ready: KuiRunner, tmp_path: Path, db_url: str
) -> None:
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    path = write(
        tmp_path,
        f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,,,",
        f"ungedata,2,{NEW},2026-08-15,started,FGU,,,Ole Hansen",
    )
    before = without_trail(snapshot(db_url))
    summary = apply(ready, path, "--dry-run")
    assert (summary["dry_run"], summary["applied"], summary["new_youths"]) == (True, 2, 1)
    changes = {(c["youth"], c["what"].split(":")[0]) for c in summary["changes"]}
    assert (str(ida), "status") in changes
    assert (str(ida), "education obligation (uddannelsespligt)") in changes
    assert ("new 020609-xxxx", "registered with status fgu, need A") in changes
    assert without_trail(snapshot(db_url)) == before
    table = ok(ready("feed", "apply", str(path), "--dry-run")).stdout
    assert "dry run: nothing changed" in table and "status: none since 2026-10-05" in table
    assert apply(ready, path)["applied"] == 2  # nothing was kept of the dry run


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_utf8_with_a_byte_order_mark(ready: KuiRunner, tmp_path: Path, suffix: str) -> None:
    if suffix == ".csv":
        text = f"{HEADER}\nungedata,1,{NEW},2026-08-15,started,FGU,,,Søren Ærø\n"
    else:
        text = json.dumps({"source": "ungedata", "cpr": NEW, "event_date": "2026-08-15",
                           "kind": "started", "education": "FGU", "name": "Søren Ærø"},
                          ensure_ascii=False) + "\n"  # fmt: skip
    path = tmp_path / f"feed{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert apply(ready, path)["new_youths"] == 1
    assert as_json(ready, "youth", "list")[0]["name"] == "Søren Ærø"


def test_a_windows_1252_feed_is_read_as_such_unless_told_otherwise(
    ready: KuiRunner, tmp_path: Path, db_url: str
) -> None:
    """What Danish Excel saves: detected as every file kui reads; a wrong `--encoding` is one
    clear line naming the line, and nothing is applied."""
    path = tmp_path / "latin1.csv"
    path.write_bytes(
        f"{HEADER}\nungedata,1,{NEW},2026-08-15,started,FGU,,,Søren\n".encode("cp1252")
    )
    before = snapshot(db_url)
    result = ready("feed", "apply", str(path), "--encoding", "utf-8")
    assert result.exit_code == 1 and "line 2" in result.stderr and "--encoding" in result.stderr
    assert snapshot(db_url) == before
    assert apply(ready, path)["new_youths"] == 1
    assert as_json(ready, "youth", "list")[0]["name"] == "Søren"


def test_the_sample_feeds_apply_cleanly_to_the_demo_database(kui: KuiRunner) -> None:
    ok(kui("demo", "--youths", "200"))
    csv_run = apply(kui, SAMPLES / "feed.csv")
    assert (csv_run["applied"], csv_run["new_youths"], csv_run["skipped"]) == (11, 6, 1)
    twin = apply(kui, SAMPLES / "feed.jsonl")
    assert (twin["applied"], twin["already_known"]) == (0, 12)


# --- misuse -----------------------------------------------------------------------------------


def test_a_coordinator_without_the_role_is_refused_unchanged_and_audited(
    ready: KuiRunner, tmp_path: Path, db_url: str
) -> None:
    add_staff(ready, "UU", "uu")
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    path = write(tmp_path, f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,,,")
    before = snapshot(db_url)
    result = ready("feed", "apply", str(path), user="UU")
    assert result.exit_code == 1 and "feed.apply_roles" in result.stderr
    assert without_trail(snapshot(db_url)) == without_trail(before)
    log = as_json(ready, "audit", "log", "--user", "UU")
    assert [(e["action"], e["command"]) for e in log] == [("refused", "kui feed apply")]
    assert shown(ready, ida)["status"] == "vocational"


def test_the_scheduled_jobs_account_may_apply(ready: KuiRunner, tmp_path: Path) -> None:
    ok(ready("staff", "add", "--initials", "CRON", "--name", "Feedjob", "--role", "system",
             "--department", "IT"))  # fmt: skip
    add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    path = write(tmp_path, f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,,,")
    assert apply(ready, path, user="CRON")["applied"] == 1
    entries = as_json(ready, "audit", "log", "--user", "CRON")
    assert {e["action"] for e in entries} == {"update", "import"}


@pytest.mark.parametrize("where", ["reason", "institution", "event_id", "source"])
def test_a_cpr_number_in_free_text_is_refused(
    ready: KuiRunner, tmp_path: Path, where: str, db_url: str
) -> None:
    """Not in the history's reason or author, and not repeated in the message either."""
    add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    other = cpr_for(dt.date(2009, 6, 2), "4022").replace("-", "")
    fields = {"source": "ungedata", "event_id": "1", "institution": "751234", "reason": "12"}
    fields[where] = other
    line = (f"{fields['source']},{fields['event_id']},{IDA},2026-10-05,dropped-out,EUD,"
            f"{fields['institution']},{fields['reason']},")  # fmt: skip
    before = snapshot(db_url)
    result = ready("feed", "apply", str(write(tmp_path, line)))
    assert result.exit_code == 1
    assert "line 2: " in result.stderr and other not in result.output
    assert snapshot(db_url) == before


def test_a_profile_cannot_give_the_feed_to_a_role_that_sees_only_its_own_cases(
    ready: KuiRunner, tmp_path: Path
) -> None:
    """A feed writes about every youth it names, and its dry run shows what it would change:
    for a coordinator's role that would be a lookup of any CPR number without the daily limit."""
    profile = tmp_path / "partial.toml"
    profile.write_text('name = "Testkommune"\n[feed]\napply_roles = ["uu"]\n', encoding="utf-8")
    result = ready("init", "--profile", str(profile))
    assert result.exit_code == 1
    assert "feed.apply_roles" in result.output and "privacy.see_all_roles" in result.output
    profile.write_text('name = "Testkommune"\n[feed]\napply_roles = ["system"]\n', "utf-8")
    ok(ready("init", "--profile", str(profile)))


@pytest.mark.parametrize("where", ["kind", "event_date"])
def test_a_bad_value_is_named_without_the_cpr_number_in_it(
    ready: KuiRunner, tmp_path: Path, where: str
) -> None:
    """The error goes to stderr, which cron mails: a CPR number typed into the wrong column is
    blanked there too."""
    other = cpr_for(dt.date(2009, 6, 2), "4022")
    fields = {"kind": "dropped-out", "event_date": "2026-10-05", where: other}
    line = f"ungedata,1,{IDA},{fields['event_date']},{fields['kind']},EUD,,,"
    result = ready("feed", "apply", str(write(tmp_path, line)))
    assert (
        result.exit_code == 1 and "line 2: " in result.stderr and "[CPR fjernet]" in result.stderr
    )
    assert other not in result.output and other.replace("-", "") not in result.output


@pytest.mark.own_staff
def test_a_source_named_like_a_staff_member_neither_writes_as_them_nor_hides_from_them(
    ready: KuiRunner, tmp_path: Path
) -> None:
    """A feed's author is `feed:SOURCE`, a name no staff member can hold: a source `UU` writes no
    change in UU's name, UU still finds it in the inbox, and UU's own decisions stay in the
    national report."""
    add_staff(ready, "AB", "leader")
    add_staff(ready, "UU", "uu")
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", today="2026-08-01")
    ok(assign(ready, ida, "UU", today="2026-09-01"))
    apply(ready, write(tmp_path, f"UU,1,{IDA},2026-10-05,dropped-out,EUD,,,"), user="AB")
    by = {row["by"] for row in as_json(ready, "youth", "show", str(ida), user="AB")["history"]}
    assert "feed:UU" in by and "UU" not in by
    waiting = as_json(ready, "plan", "inbox", "--owner", "UU", user="UU")
    assert (ida, "feed:UU") in {(row["youth_id"], row["by"]) for row in waiting}
    ok(ready("youth", "update", str(ida), "--status", "fgu", "--since", "2026-11-02",
             "--reason", "Startet på FGU", user="UU"))  # fmt: skip
    out = tmp_path / "report.csv"
    ok(ready("feed", "report", "--month", "2026-11", "--out", str(out), user="AB"))
    assert ",status,2026-11-02," in out.read_text(encoding="utf-8")


# --- the line parser --------------------------------------------------------------------------

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(feed_lines.FIELDS), TEXT), st.none() | st.just("ud"))
def test_the_line_parser_gives_an_event_or_a_reason(fields: dict, source: str | None) -> None:
    try:
        event = feed_lines.parse(fields, 2, source, dt.date(2026, 11, 22))
    except KuiError as exc:
        assert str(exc)
        return
    assert event.kind in feed_lines.KINDS and event.event_date <= dt.date(2026, 11, 22)
    assert len(event.cpr) == 10 and event.cpr.isdigit()


@settings(max_examples=200, deadline=None)
@given(
    st.dates(dt.date(1997, 1, 1), dt.date(2014, 1, 1)),
    st.integers(0, 400),
    st.sampled_from(feed_lines.KINDS),
    st.from_regex(feed_lines.EVENT_ID, fullmatch=True).filter(lambda s: len(s) < 12),
    st.sampled_from([".csv", ".jsonl"]),
)
def test_a_written_event_reads_back_as_written(
    tmp_path_factory: pytest.TempPathFactory,
    born: dt.date,
    days: int,
    kind: str,
    event_id: str,
    suffix: str,
) -> None:
    day = min(born + dt.timedelta(days=days), dt.date(2026, 11, 22))
    number = cpr_for(born)
    values = {"source": "ungedata", "event_id": event_id, "cpr": number,
              "event_date": day.isoformat(), "kind": kind, "education": "EUD",
              "institution": "751234", "reason": "FRAVAER;12", "name": "Åse Ærø, jr."}  # fmt: skip
    path = tmp_path_factory.mktemp("lines") / f"feed{suffix}"
    if suffix == ".csv":
        import csv

        with path.open("w", encoding="utf-8", newline="") as out:
            writer = csv.DictWriter(out, fieldnames=list(values))
            writer.writeheader()
            writer.writerow(values)
    else:
        path.write_text(json.dumps(values, ensure_ascii=False) + "\n", encoding="utf-8")
    [(line, fields)] = list(feed_lines.read_lines(path))
    assert isinstance(fields, dict)
    event = feed_lines.parse(fields, line, None, dt.date(2026, 11, 22))
    assert (event.line, event.cpr, event.event_date, event.kind) == (
        2 if suffix == ".csv" else 1,
        number.replace("-", ""),
        day,
        kind,
    )
    assert (event.event_id, event.reason, event.name) == (event_id, "FRAVAER;12", "Åse Ærø, jr.")


def test_in_bulk_and_one_by_one_a_drop_out_is_the_same_change(
    ready: KuiRunner, tmp_path: Path
) -> None:
    """Ida's events only set statuses (applied in bulk), Bo's include a move (applied one change
    at a time), and Carl's drop-out is typed by hand: the same rules make the same rows."""
    born = {"ida": BORN_16, "bo": dt.date(2010, 4, 15), "carl": dt.date(2010, 5, 15)}
    ids = {who: add_youth(ready, day, who.title(), "--status", "vocational", "--since",
                          "2026-08-01") for who, day in born.items()}  # fmt: skip
    path = write(
        tmp_path,
        f"ungedata,1,{cpr_for(born['ida'])},2026-10-05,dropped-out,EUD,,,",
        f"ungedata,2,{cpr_for(born['bo'])},2026-09-01,moved-in,,,,",
        f"ungedata,3,{cpr_for(born['bo'])},2026-10-05,dropped-out,EUD,,,",
    )
    apply(ready, path)
    ok(ready("youth", "update", str(ids["carl"]), "--status", "none", "--since", "2026-10-05",
             "--reason", "Frafald"))  # fmt: skip

    def made(who: str) -> list[str]:
        rows = shown(ready, ids[who])["history"]
        return [h["what"] for h in rows if not h["what"].startswith(("registered", "moved"))]

    assert made("ida") == made("bo") == made("carl")
    deadlines = {
        (r["out_since"], r["contact_deadline"], r["offer_deadline"]) for r in duty_rows(ready)
    }
    assert deadlines == {("2026-10-05", "2026-10-12", "2026-11-04")}
    assert len(duty_rows(ready)) == 3


def test_a_newcomer_moved_away_before_moving_in_is_registered_by_the_move_in(
    ready: KuiRunner, tmp_path: Path
) -> None:
    """Registered in bulk (as `youth import` registers): the move away before the youth was
    known is skipped, the move in registers them, out of activity at 17 opens the obligation."""
    path = write(
        tmp_path,
        f"ungedata,2,{NEW},2026-09-01,moved-in,,,,Ole Hansen",
        f"ungedata,1,{NEW},2026-08-01,moved-away,,,,",
    )
    summary = apply(ready, path)
    assert (summary["skipped"], summary["applied"], summary["new_youths"]) == (1, 1, 1)
    [youth] = as_json(ready, "youth", "list", "--search", "Ole")
    whats = [h["what"] for h in shown(ready, youth["id"])["history"]]
    assert whats[0] == "registered with status none, need A"
    assert any(w.startswith("moved into the municipality on 2026-09-01") for w in whats)
    assert [(r["out_since"], r["contact_deadline"]) for r in duty_rows(ready)] == [
        ("2026-09-01", "2026-09-08")
    ]


def test_the_feeds_audit_entries_name_the_acting_user_and_the_chain_holds(
    ready: KuiRunner, tmp_path: Path
) -> None:
    """The history's author is the source; the audit trail's is who applied the feed, with the
    source in the entry's filter; the entries written in bulk chain like any others."""
    add_youth(ready, BORN_16, "Ida Jensen", "--status", "vocational", "--since", "2026-08-01")
    path = write(
        tmp_path,
        f"ungedata,1,{IDA},2026-10-05,dropped-out,EUD,,,",
        f"ungedata,2,{NEW},2026-09-01,moved-in,FGU,,,Ole Hansen",
    )
    apply(ready, path)
    logged = as_json(ready, "audit", "log", "--user", "AB")
    entries = [e for e in logged if e["command"] == "kui feed apply"]
    assert {(e["user"], e["action"]) for e in entries} == {
        ("AB", "create"),
        ("AB", "update"),
        ("AB", "import"),
    }
    assert all(json.loads(e["filter"])["sources"] == ["ungedata"] for e in entries)
    assert as_json(ready, "audit", "log", "--user", "feed:ungedata") == []
    verified = json.loads(ok(ready("audit", "verify", "-f", "json")).stdout)
    assert verified["checked"] == verified["entries"]
