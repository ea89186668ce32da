"""`youth import --update` (issue 18): re-runnable, every change as `youth update` makes it,
all or nothing, and no CPR-existence oracle for those who may not run it.

LE is a leader (see-all), AB a UU counsellor who coordinates Ida, CD a social worker, CRON the
scheduled job's account (role `system`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from kui_cli.models import AuditLog, ChangeLog, CprLookup
from tests.casework import BORN_16, add_staff, as_json, assign
from tests.conftest import KuiRunner, cpr_for, leader, ok, snapshot, without_trail

IDA, BO, CARL, DAN = (
    cpr_for(BORN_16),
    cpr_for(dt.date(2008, 1, 1), "4001"),
    cpr_for(dt.date(2007, 2, 2), "4002"),
    cpr_for(dt.date(2011, 5, 5), "4003"),
)
HEADER = "cpr,name,status,since,need,school,grade\n"
BASE = HEADER + (
    f"{IDA},Ida Jensen,fgu,2026-08-01,B,FGU Sønderborg,\n"
    f"{BO},Bo Lund,vocational,2026-08-10,A,EUC Syd,\n"
    f"{CARL},Carl Hansen,job,2026-06-01,A,,\n"
)
REASON = "Nightly import from the school system"


def write(tmp_path: Path, text: str, name: str = "youths.csv", encoding: str = "utf-8") -> str:
    path = tmp_path / name
    path.write_text(text, encoding=encoding)
    return str(path)


def as_user(kui: KuiRunner, user: str) -> KuiRunner:
    return lambda *args, **kwargs: kui(*args, user=user, **kwargs)


@pytest.fixture
def office(kui: KuiRunner, tmp_path: Path) -> KuiRunner:
    """The shipped profile; LE imports the base file; AB coordinates Ida since 2026-11-20."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    for initials, role in (("AB", "uu"), ("CD", "social"), ("CRON", "system")):
        add_staff(as_user(kui, "LE"), initials, role)
    ok(kui("youth", "import", write(tmp_path, BASE, "base.csv"), user="LE"))
    ok(assign(kui, youth_id(kui, IDA), "AB", user="LE", today="2026-11-20"))
    return kui


def youth_id(kui: KuiRunner, number: str) -> int:
    rows = as_json(kui, "youth", "list", "--search", number.replace("-", ""), user="LE")
    return int(rows[0]["id"])


def update(kui: KuiRunner, path: str, *extra: str, user: str = "LE", **kwargs: object):
    return kui("youth", "import", path, "--update", *extra, user=user, **kwargs)


def summary(result) -> dict:
    return json.loads(ok(result).stdout)


def rows_of(db_url: str, model: type) -> list:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = list(conn.execute(select(model).order_by(model.id)))
    engine.dispose()
    return rows


def test_rerun_counts_new_updated_and_unchanged(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    again = summary(update(office, write(tmp_path, BASE), "--reason", REASON, "-f", "json"))
    assert again == {
        "file": str(tmp_path / "youths.csv"),
        "encoding": "utf-8",
        "new": 0,
        "updated": 0,
        "unchanged": 3,
        "refused": 0,
    }
    changed = HEADER + (
        f"{IDA},Ida Jensen,none,2026-11-01,,,\n"  # blank cells change nothing
        f"{BO},Bo Lund,vocational,2026-08-10,C,EUC Syd,\n"
        f"{CARL},Carl Hansen,job,2026-06-01,A,,\n"
        f"{DAN},Dan Nielsen,primary-school,,A,Ulkebøl Skole,9\n"
    )
    done = summary(update(office, write(tmp_path, changed), "--reason", REASON, "-f", "json"))
    assert (done["new"], done["updated"], done["unchanged"], done["refused"]) == (1, 2, 1, 0)
    ida = as_json(office, "youth", "show", str(youth_id(office, IDA)), user="LE")
    assert (ida["status"], ida["status_since"], ida["need"]) == ("none", "2026-11-01", "B")
    assert ida["school"] == "FGU Sønderborg"
    last = ida["history"][-2:]  # the status change, then the education obligation's episode
    assert last[0]["what"] == "status: none since 2026-11-01 (was fgu)"
    assert {row["why"] for row in last} == {REASON} and {row["by"] for row in last} == {"LE"}
    assert as_json(office, "youth", "show", str(youth_id(office, BO)), user="LE")["need"] == "C"
    table = ok(update(office, write(tmp_path, changed), "--reason", REASON))
    assert "unchanged" in table.stdout and "4" in table.stdout
    assert "0 new, 0 updated, 4 unchanged (utf-8)" in table.stderr


def test_an_imported_drop_out_opens_the_duty_and_reaches_the_owner(
    office: KuiRunner, tmp_path: Path
) -> None:
    dropped = HEADER + f"{IDA},Ida Jensen,none,2026-11-21,,,\n"
    ok(update(office, write(tmp_path, dropped), "--reason", REASON))
    duty = as_json(office, "duty", "check", user="LE")
    assert [(d["youth_id"], d["out_since"]) for d in duty] == [
        (youth_id(office, IDA), "2026-11-21")
    ]
    assert duty[0]["contact_deadline"] == "2026-11-27"  # the 5th working day after
    inbox = [r for r in as_json(office, "plan", "inbox", user="AB") if r["why"] == REASON]
    assert [r["by"] for r in inbox] == ["LE", "LE"]
    assert inbox[0]["what"] == "status: none since 2026-11-21 (was fgu)"
    assert inbox[1]["what"].startswith("education obligation (uddannelsespligt)")


def test_changes_are_audited_per_youth_and_the_import_as_a_whole(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    before = len(rows_of(db_url, AuditLog))
    text = BASE.replace("fgu,2026-08-01,B", "fgu,2026-08-01,C")
    ok(update(office, write(tmp_path, text), "--reason", REASON))
    entries = rows_of(db_url, AuditLog)[before:]
    assert [e.action for e in entries] == ["update", "import"]
    assert entries[0].subject_key and entries[1].subject_key is None
    total = json.loads(entries[1].filter)
    assert total == {"file": "youths.csv", "update": True, "new": 0, "updated": 1, "unchanged": 2}
    assert entries[1].rows == 3


def test_update_needs_a_reason_and_a_reason_needs_update(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    path = write(tmp_path, HEADER + f"{IDA},Ida Jensen,none,2026-11-01,,,\n")
    before = snapshot(db_url)
    result = update(office, path)
    assert result.exit_code == 1 and "--reason is required" in result.stderr
    result = update(office, path, "--reason", "  ")
    assert result.exit_code == 1 and "--reason is required" in result.stderr
    result = office("youth", "import", path, "--reason", REASON, user="LE")
    assert result.exit_code == 2 and "--reason goes with --update" in result.output
    assert snapshot(db_url) == before


def test_any_refused_row_applies_nothing_and_names_every_line(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    text = HEADER + (
        f"{BO},Bo Lund,vocational,2026-08-10,C,,\n"  # a good change
        f"{IDA},Ida Jensen,none,2026-07-01,,,\n"  # before the current status began: refused
        f"{DAN},Dan Nielsen,primary-school,,A,,9\n"  # a good new youth
        f"{CARL},Carl Hansen,,2026-07-01,,,\n"  # a since without a status: refused
    )
    before = snapshot(db_url)
    result = update(office, write(tmp_path, text), "--reason", REASON, "-f", "json")
    assert result.exit_code == 1
    assert "line 3: --since 2026-07-01 is before 2026-08-01" in result.stderr
    assert "line 5: --since goes with --status" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: 2 bad rows")
    failed = json.loads(result.stdout)
    assert (failed["new"], failed["updated"], failed["refused"]) == (0, 0, 2)
    assert [line["line"] for line in failed["lines"]] == [3, 5]
    assert snapshot(db_url) == before


def test_attack_a_coordinator_probes_cpr_numbers_with_update(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """AB (UU, not in import.update_roles) tries whether two numbers are registered: refused
    before the file is read, nothing changed, nothing looked up, the refusal audited."""
    probe = write(tmp_path, HEADER + f"{CARL},X,,,,,\n{DAN},Y,,,,,\n")
    before = snapshot(db_url)
    result = update(office, probe, "--reason", "probe", user="AB")
    assert result.exit_code == 1 and "import.update_roles" in result.stderr
    assert "Error: access refused" in result.stderr and "line" not in result.stderr
    after = snapshot(db_url)
    assert after.pop("audit_log")[:-1] == before.pop("audit_log") and after == before
    entry = rows_of(db_url, AuditLog)[-1]
    assert (entry.user, entry.action, entry.subject_key) == ("AB", "refused", None)
    assert json.loads(entry.filter) == {"rule": "import-update-roles"}
    assert rows_of(db_url, CprLookup) == []


def test_attack_a_cpr_number_in_a_free_text_cell_is_refused(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    text = HEADER + (f"{IDA},Ida 150310 4321 Jensen,,,,,\n{BO},Bo Lund,,,,EUC Syd {CARL},\n")
    before = snapshot(db_url)
    result = update(office, write(tmp_path, text), "--reason", REASON)
    assert result.exit_code == 1
    assert "line 2: name contains what looks like a CPR number" in result.stderr
    assert "line 3: school contains what looks like a CPR number" in result.stderr
    assert CARL not in result.stderr and CARL.replace("-", "") not in result.stderr
    assert snapshot(db_url) == before
    result = update(office, write(tmp_path, BASE), "--reason", f"Import af {IDA}")
    assert result.exit_code == 1 and "--reason contains what looks like" in result.stderr
    assert snapshot(db_url) == before


def _uu_may_update(tmp_path: Path) -> Path:
    from importlib import resources

    text = (resources.files("kui_cli") / "profiles" / "soenderborg.toml").read_text("utf-8")
    shipped = 'update_roles = ["leader", "system"]'
    assert shipped in text
    path = tmp_path / "uu-imports.toml"
    path.write_text(text.replace(shipped, 'update_roles = ["leader", "system", "uu"]'), "utf-8")
    return path


def test_attack_a_row_about_a_youth_the_caller_does_not_work_on(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    """With uu in import.update_roles, AB updates her own Ida, but a row about Carl (not on her
    case) is a duplicate to her, as in a plain import: refused with its line, a lookup by CPR
    recorded and audited by Carl's key; nothing applied."""
    ok(office("init", "--profile", str(_uu_may_update(tmp_path)), user="LE"))
    text = HEADER + f"{IDA},Ida Jensen,,,C,,\n{CARL},Carl Hansen,none,2026-11-01,,,\n"
    before = snapshot(db_url)
    result = update(office, write(tmp_path, text), "--reason", REASON, user="AB")
    assert result.exit_code == 1
    assert "line 3: CPR 020207-xxxx is registered on a case AB does not work on" in result.stderr
    assert without_trail(snapshot(db_url)) == without_trail(before)
    lookup = rows_of(db_url, CprLookup)[-1]
    assert (lookup.user, lookup.found, lookup.refused) == ("AB", True, False)
    entry = rows_of(db_url, AuditLog)[-1]
    assert (entry.user, entry.action, entry.subject_key) == ("AB", "refused", lookup.subject_key)
    own = HEADER + f"{IDA},Ida Jensen,,,C,,\n"
    assert (
        summary(update(office, write(tmp_path, own), "--reason", REASON, "-f", "json", user="AB"))[
            "updated"
        ]
        == 1
    )


def test_the_nightly_job_updates_and_imports_with_update_only(
    office: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    dropped = write(tmp_path, HEADER + f"{IDA},Ida Jensen,none,2026-11-02,,,\n")
    ok(update(office, dropped, "--reason", REASON, user="CRON"))
    changes = [c for c in rows_of(db_url, ChangeLog) if c.kind == "status"]
    assert [(c.by, c.why) for c in changes][-1] == ("CRON", REASON)
    before = snapshot(db_url)
    result = office("youth", "import", write(tmp_path, HEADER + f"{DAN},Dan,,,,,\n"), user="CRON")
    assert result.exit_code == 1 and "imports with --update only" in result.stderr
    after = snapshot(db_url)
    assert after.pop("audit_log")[:-1] == before.pop("audit_log") and after == before
    refused = office("youth", "show", str(youth_id(office, IDA)), user="CRON")
    assert refused.exit_code == 1 and "scheduled job" in refused.stderr


def test_youth_update_takes_school_and_grade(office: KuiRunner) -> None:
    ida = str(youth_id(office, IDA))
    ok(office("youth", "update", ida, "--school", "Ulkebøl Skole", "--grade", "9",
              "--reason", "Skiftet skole", user="LE"))  # fmt: skip
    shown = as_json(office, "youth", "show", ida, user="LE")
    assert (shown["school"], shown["grade"]) == ("Ulkebøl Skole", 9)
    assert {h["what"] for h in shown["history"][-2:]} == {"grade: 9", "school: Ulkebøl Skole"}
    result = office("youth", "update", ida, "--grade", "11", "--reason", "x", user="LE")
    assert result.exit_code == 1 and "grade must be 0-10" in result.stderr
    inbox = as_json(office, "plan", "inbox", user="AB")
    assert [r["what"].split(":")[0] for r in inbox] == ["coordinator"]  # not plan changes
