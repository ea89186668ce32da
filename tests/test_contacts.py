"""Contacts (kontakt, opsøgende indsats; issue 16): `contact add|list`, the education obligation's
contact step as the same record, "no contact for N days" in `youth show`, `youth list`, the export
and the agenda, and the attacks: a staff member off the case, a CPR number in a note."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from kui_cli.domain.plan import contacts
from kui_cli.domain.profile import read_profile, validate
from kui_cli.errors import KuiError
from tests import test_access
from tests.casework import BORN_16, add_staff, as_json, assign
from tests.conftest import KuiRunner, add_youth, ok, snapshot
from tests.test_access import as_user, audit_rows, refused
from tests.test_agenda import agenda

office = test_access.office  # the shipped profile's access: LE leads, AB and GH are UU, CD social
IN_FGU = ("--status", "fgu")  # in team 2's group, with no education-obligation episode


def contact(kui: KuiRunner, youth: int, reached: str = "yes", *extra: str, **kw: str) -> str:
    return ok(kui("contact", "add", str(youth), "--channel", "phone", "--reached", reached,
                  *extra, **kw)).output  # fmt: skip


def listed(kui: KuiRunner, *args: str, **kw: str) -> list[dict]:
    return as_json(kui, "contact", "list", *args, **kw)


def failed(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# --- the rule, in Python (its SQL twin: tests/test_sql_twins.py) ---


def test_days_without_count_from_the_last_reached_contact_or_the_registration() -> None:
    day = dt.date(2026, 11, 22)
    assert contacts.days_without(dt.date(2026, 10, 23), dt.date(2026, 1, 1), day) == 30
    assert contacts.days_without(None, dt.date(2026, 11, 1), day) == 21
    assert contacts.is_without_contact(dt.date(2026, 10, 23), dt.date(2026, 1, 1), day, 30)
    assert not contacts.is_without_contact(dt.date(2026, 10, 24), dt.date(2026, 1, 1), day, 30)


def test_the_profile_limit_is_validated_and_defaults_to_30() -> None:
    assert read_profile("soenderborg").value("followup.no_contact_days") == 30
    named = {"name": "Prøve Kommune", "slug": "proeve"}
    assert validate(named)["followup"]["no_contact_days"] == 30
    assert validate(named | {"followup": {"no_contact_days": 14}})["followup"] == {
        "no_contact_days": 14
    }
    for bad in (0, 366):
        with pytest.raises(KuiError, match=r"followup\.no_contact_days"):
            validate(named | {"followup": {"no_contact_days": bad}})
    with pytest.raises(KuiError, match=r"unknown key 'followup\.no_contact'"):
        validate(named | {"followup": {"no_contact": 10}})


# --- add and list ---


def test_contacts_are_listed_newest_first_with_since(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    assert "Contact 1 recorded on 2026-11-22." in contact(
        ready, youth, "no", "--note", "Ingen svar"
    )
    ok(ready("contact", "add", str(youth), "--channel", "Home-Visit", "--reached", "YES", "--on",
             "2026-11-10"))  # fmt: skip
    rows = listed(ready, str(youth))
    assert [(r["id"], r["contacted_on"], r["channel"], r["reached"], r["by"], r["note"])
            for r in rows] == [(1, "2026-11-22", "phone", False, "AB", "Ingen svar"),
                               (2, "2026-11-10", "home-visit", True, "AB", None)]  # fmt: skip
    assert list(rows[0]) == contacts.COLUMNS
    assert [r["id"] for r in listed(ready, str(youth), "--since", "2026-11-11")] == [1]


def test_bad_input_is_one_line_and_changes_nothing(ready: KuiRunner, db_url: str) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    before = snapshot(db_url)
    cases = {
        ("--channel", "fax", "--reached", "yes"): "unknown channel 'fax'",
        ("--channel", "sms", "--reached", "maybe"): "--reached must be yes or no",
        ("--channel", "sms", "--reached", "yes", "--on", "2026-11-23"): "after --today",
        ("--channel", "sms", "--reached", "yes", "--on", "23/11"): "YYYY-MM-DD",
    }
    for args, message in cases.items():
        assert message in failed(ready("contact", "add", str(youth), *args))
    assert "--mine" in failed(ready("contact", "list"))
    assert snapshot(db_url) == before


def test_a_note_with_a_cpr_number_is_refused_with_nothing_written(
    ready: KuiRunner, db_url: str
) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    before = snapshot(db_url)
    line = failed(ready("contact", "add", str(youth), "--channel", "sms", "--reached", "yes",
                        "--note", "Mor har cpr 150310-4321"))  # fmt: skip
    assert "CPR number" in line and "150310" not in line
    assert snapshot(db_url) == before


@pytest.mark.own_staff
def test_mine_lists_the_users_own_contacts_across_their_youths(ready: KuiRunner) -> None:
    add_staff(ready, "AB", "uu")
    add_staff(ready, "CD", "social")
    ida = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    bo = add_youth(ready, dt.date(2010, 6, 1), "Bo Lund", *IN_FGU)
    contact(ready, ida, "yes", "--on", "2026-11-01", user="AB")
    contact(ready, bo, "no", user="AB")
    contact(ready, ida, "no", user="CD")
    assert [(r["youth_id"], r["by"]) for r in listed(ready, "--mine", user="AB")] == [
        (bo, "AB"),
        (ida, "AB"),
    ]
    assert [r["by"] for r in listed(ready, str(ida), "--mine", user="CD")] == ["CD"]
    assert len(listed(ready, "--mine", "--since", "2026-11-02", user="AB")) == 1


def test_mine_shows_only_youths_the_user_still_works_on(office: KuiRunner) -> None:
    ida = add_youth(as_user(office, "LE"), BORN_16, "Ida Jensen", "--status", "none")
    bo = add_youth(as_user(office, "LE"), dt.date(2010, 6, 1), "Bo Lund", "--status", "none")
    for youth in (ida, bo):
        ok(assign(office, youth, "AB", user="LE"))
    contact(office, ida, user="AB")
    contact(office, bo, user="AB")
    ok(office("coordinator", "end", str(bo), "--reason", "Flyttet", user="LE"))
    assert [r["youth_id"] for r in listed(office, "--mine", user="AB")] == [ida]


# --- the attack: a staff member off the case ---


def test_someone_off_the_case_cannot_add_or_list_contacts(office: KuiRunner, db_url: str) -> None:
    ida = add_youth(as_user(office, "LE"), BORN_16, "Ida Jensen", "--status", "none")
    ok(office("coordinator", "assign", str(ida), "GH", "--consent", "accepted", user="LE"))
    contact(office, ida, "yes", "--note", "Aftalt møde", user="GH")
    for argv in (
        ("contact", "add", str(ida), "--channel", "sms", "--reached", "yes"),
        ("contact", "list", str(ida)),
        ("contact", "list", str(ida), "--mine"),
    ):
        before = snapshot(db_url)
        refused(office(*argv, user="CD"), "CD does not work on youth")
        after = snapshot(db_url)
        assert after.pop("audit_log")[:-1] == before.pop("audit_log") and after == before
        entry = audit_rows(db_url)[-1]
        assert (entry.user, entry.action) == ("CD", "refused") and entry.subject_key
    assert listed(office, "--mine", user="CD") == []  # the contacts of others' youths stay hidden


# --- the education obligation's contact step: one record ---


def test_a_reached_contact_is_the_education_obligations_contact_step(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--since", "2026-11-16")
    contact(ready, youth, "no")  # an attempt is no contact
    assert as_json(ready, "duty", "check")[0]["contacted_on"] is None
    out = contact(ready, youth, "yes", "--on", "2026-11-20")
    assert "contact step recorded; offer due 2026-12-16" in out
    contact(ready, youth, "yes")  # the first contact counts
    assert as_json(ready, "duty", "check")[0]["contacted_on"] == "2026-11-20"
    log = [r["what"] for r in as_json(ready, "plan", "log", str(youth))]
    assert "education obligation: contact on 2026-11-20 (deadline 2026-11-23, in time)" in log
    assert "already recorded on 2026-11-20" in failed(ready("duty", "contact", str(youth)))


def test_duty_contact_and_duty_offer_write_the_contact_record(ready: KuiRunner) -> None:
    ida = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--since", "2026-11-16")
    bo = add_youth(
        ready, dt.date(2010, 6, 1), "Bo Lund", "--status", "none", "--since", "2026-11-16"
    )
    ok(ready("duty", "contact", str(ida), "--on", "2026-11-18"))
    ok(ready("duty", "offer", str(bo), "--activity", "FGU", "--on", "2026-11-19"))
    for youth, day in ((ida, "2026-11-18"), (bo, "2026-11-19")):
        rows = listed(ready, str(youth))
        assert [(r["contacted_on"], r["channel"], r["reached"]) for r in rows] == [
            (day, "other", True)
        ]
    shown = as_json(ready, "youth", "show", str(ida))
    assert shown["last_reached_contact"] == "2026-11-18" and shown["days_without_contact"] == 4


def test_a_contact_before_the_drop_out_or_at_18_records_no_step(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--since", "2026-11-16")
    out = contact(ready, youth, "yes", "--on", "2026-11-10")
    assert "Education obligation" not in out
    assert as_json(ready, "duty", "check")[0]["contacted_on"] is None
    grown = contact(ready, youth, "yes", today="2028-03-15")  # the 18th birthday
    assert "Education obligation" not in grown


def test_contacts_stay_out_of_the_plan_owners_inbox(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU)
    add_staff(ready, "GH", "uu")
    ok(assign(ready, youth, "GH"))
    before = as_json(ready, "plan", "inbox", user="GH")
    contact(ready, youth, "no", "--note", "Hemmelig note")
    assert as_json(ready, "plan", "inbox", user="GH") == before
    log = as_json(ready, "plan", "log", str(youth))
    assert log[-1]["kind"] == "contact" and log[-1]["what"].endswith(
        "phone on 2026-11-22: not reached"
    )
    assert "Hemmelig" not in json.dumps(log)  # the note stays in the contact


# --- youth show, youth list, export, agenda ---


def test_youth_show_has_the_last_contact_and_the_limit(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU, today="2026-10-01")
    shown = as_json(ready, "youth", "show", str(youth))
    assert (shown["last_contact"], shown["days_without_contact"], shown["no_contact"]) == (
        None,
        52,
        True,
    )
    contact(ready, youth, "yes", "--on", "2026-11-01")
    contact(ready, youth, "no", "--on", "2026-11-20")
    shown = as_json(ready, "youth", "show", str(youth))
    assert (shown["last_contact"], shown["last_contact_reached"]) == ("2026-11-20", False)
    assert (shown["last_reached_contact"], shown["days_without_contact"]) == ("2026-11-01", 21)
    assert shown["no_contact"] is False
    later = as_json(ready, "youth", "show", str(youth), today="2026-12-01")
    assert later["days_without_contact"] == 30 and later["no_contact"] is True


def test_youth_list_filters_by_days_without_contact(ready: KuiRunner) -> None:
    never = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU, today="2026-10-23")
    reached = add_youth(ready, dt.date(2010, 6, 1), "Bo Lund", *IN_FGU, today="2026-09-01")
    tried = add_youth(ready, dt.date(2010, 7, 1), "Eva Holm", *IN_FGU, today="2026-09-01")
    contact(ready, reached, "yes", "--on", "2026-10-24")
    contact(ready, tried, "no", "--on", "2026-11-20")  # an attempt: still counted from 1 September

    def ids(days: str) -> list[int]:
        return [r["id"] for r in as_json(ready, "youth", "list", "--no-contact-days", days)]

    assert ids("30") == [never, tried]  # 30 days exactly, and 82
    assert ids("29") == [never, reached, tried]
    assert ids("83") == []
    assert "--no-contact-days must be 1 or more" in failed(
        ready("youth", "list", "--no-contact-days", "0")
    )


def test_the_export_counts_contacts_and_days_without_no_note(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", today="2026-09-01")
    contact(ready, youth, "yes", "--on", "2026-09-30", "--note", "Hemmelig note")
    contact(ready, youth, "no", "--on", "2026-10-05")
    contact(ready, youth, "yes", "--on", "2026-10-10")
    contact(ready, youth, "yes", "--on", "2026-11-02")  # after October: not in its row
    rows = {
        month: json.loads(ok(ready("export", "monthly", "--month", month, "-f", "json")).stdout)
        for month in ("2026-09", "2026-10")
    }
    assert [(r["contacts"], r["days_without_contact"]) for r in rows["2026-09"]] == [(1, 0)]
    assert [(r["contacts"], r["days_without_contact"]) for r in rows["2026-10"]] == [(2, 21)]
    csv = ok(ready("export", "monthly", "--month", "2026-10", "-f", "csv")).stdout
    assert "Hemmelig" not in csv and csv.splitlines()[0].endswith("contacts,days_without_contact")


def test_the_agenda_names_the_teams_youths_not_reached(ready: KuiRunner) -> None:
    youth = add_youth(ready, BORN_16, "Ida Jensen", *IN_FGU, today="2026-10-01")
    shown = agenda(ready, "--team", "team-2", "--next")
    assert [(i["kind"], i["youth_id"]) for i in shown["items"]] == [("no-contact", youth)]
    assert shown["items"][0]["text"] == (
        "Ingen kontakt i 52 dage: ikke nået siden registreringen 1. oktober 2026."
    )
    markdown = ok(ready("agenda", "show", "--team", "team-2", "--next", "-f", "markdown")).stdout
    assert "Ingen kontakt (opsøgende indsats): IJ, 16 år" in markdown
    contact(ready, youth, "no")
    assert [i["kind"] for i in agenda(ready, "--team", "team-2", "--next")["items"]] == [
        "no-contact"
    ]
    contact(ready, youth, "yes", "--on", "2026-11-01")
    assert agenda(ready, "--team", "team-2", "--next")["items"] == []
    later = agenda(ready, "--team", "team-2", "--next", today="2026-12-01")["items"]
    assert [(i["kind"], i["text"]) for i in later] == [
        ("no-contact", "Ingen kontakt i 30 dage: sidst nået 1. november 2026.")
    ]
