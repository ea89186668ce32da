"""The education obligation (uddannelsespligt): episodes, deadlines, steps, `duty check`."""

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from kui_cli.domain.law import duty
from kui_cli.domain.law.duty import DutyRules
from kui_cli.phrase import Phrase
from tests.conftest import KuiRunner, add_youth, cpr_for, ok, snapshot

BORN_16 = dt.date(2010, 3, 15)  # 16 on 2026-04-01
BORN_17 = dt.date(2008, 12, 1)  # 17 until 2026-12-01
BORN_19 = dt.date(2007, 1, 10)


def rows_of(url: str, sql: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as conn:
        found = [dict(r._mapping) for r in conn.execute(text(sql))]
    engine.dispose()
    return found


def check(kui: KuiRunner, today: str, *extra: str) -> list[dict]:
    return json.loads(ok(kui("duty", "check", "-f", "json", *extra, today=today)).stdout)


def drop_out(kui: KuiRunner, born: dt.date, since: str, name: str = "Ida Jensen") -> int:
    """Register a youth in vocational education, then record the drop-out on `since`."""
    youth_id = add_youth(kui, born, name, "--status", "vocational", "--since", "2025-08-01")
    ok(kui("youth", "update", str(youth_id), "--status", "none", "--since", since, "--reason", "x"))
    return youth_id


def profile_file(tmp_path: Path, calendar: str = "[]", offer_from: str = "out") -> str:
    path = tmp_path / "test.toml"
    path.write_text(
        f'name = "Testkommune"\n[calendar]\nextra_closing_days = {calendar}\n'
        f'[duty]\noffer_from = "{offer_from}"\n',
        encoding="utf-8",
    )
    return str(path)


# --- the examples of the issue ---


def test_easter_gives_contact_deadline_13_april(ready: KuiRunner) -> None:
    youth_id = drop_out(ready, BORN_16, "2026-04-01")
    [row] = check(ready, "2026-04-02")
    assert row["youth_id"] == youth_id
    assert row["out_since"] == "2026-04-01"
    assert row["contact_deadline"] == "2026-04-13"
    assert row["offer_deadline"] == "2026-05-01"
    assert row["overdue"] == []


def test_no_store_bededag_gives_5_may_and_offer_28_may(ready: KuiRunner) -> None:
    add_youth(ready, BORN_16, "Bo Lund", "--status", "none", "--since", "2026-04-28")
    [row] = check(ready, "2026-04-28")
    assert (row["contact_deadline"], row["offer_deadline"]) == ("2026-05-05", "2026-05-28")


def test_contact_in_time_clears_contact_while_offer_stays_until_recorded(ready: KuiRunner) -> None:
    youth_id = str(drop_out(ready, BORN_16, "2026-04-01"))
    assert check(ready, "2026-04-14")[0]["overdue"] == ["contact"]
    assert check(ready, "2026-05-15")[0]["overdue"] == ["contact", "offer"]
    ok(ready("duty", "contact", youth_id, "--on", "2026-04-10", today="2026-05-15"))
    [row] = check(ready, "2026-05-15")
    assert row["contacted_on"] == "2026-04-10" and row["overdue"] == ["offer"]
    ok(ready("duty", "offer", youth_id, "--activity", "FGU", today="2026-05-15"))
    [row] = check(ready, "2026-05-15")
    assert row["offered_on"] == "2026-05-15" and row["overdue"] == []


def test_a_19_year_old_gets_no_episode(ready: KuiRunner, db_url: str) -> None:
    drop_out(ready, BORN_19, "2026-04-01")
    add_youth(ready, dt.date(2006, 5, 5), "Carl Hansen", "--status", "none")
    assert check(ready, "2026-04-02") == []
    assert rows_of(db_url, "SELECT * FROM duty_episode") == []


# --- opening ---


def test_check_json_has_exactly_the_contract_fields(ready: KuiRunner) -> None:
    add_youth(ready, BORN_16, "Ida Jensen", "--status", "none", "--since", "2026-04-01")
    [row] = check(ready, "2026-04-01")
    assert list(row) == duty.CHECK_COLUMNS


def test_registered_with_status_none_opens_on_today(ready: KuiRunner) -> None:
    add_youth(ready, BORN_16)  # status none by default, since --today 2026-11-22
    [row] = check(ready, "2026-11-22")
    assert row["out_since"] == "2026-11-22" and row["contact_deadline"] == "2026-11-27"


def test_age_is_judged_on_the_drop_out_date(ready: KuiRunner) -> None:
    tenth = ("--status", "10th-grade", "--since", "2025-08-01")
    youth_id = add_youth(ready, dt.date(2011, 6, 1), "Alma", *tenth)
    ok(
        ready(
            "youth",
            "update",
            str(youth_id),
            "--status",
            "none",
            "--since",
            "2026-05-01",
            "--reason",
            "x",
        )
    )
    assert check(ready, "2026-11-22") == []  # 14 on 2026-05-01, though 15 now


def test_job_below_the_hours_threshold_is_out_of_activity(ready: KuiRunner) -> None:
    youth_id = str(
        add_youth(ready, BORN_16, "Ida", "--status", "vocational", "--since", "2026-08-01")
    )
    update = ("youth", "update", youth_id, "--status", "job", "--reason", "x")
    ok(ready(*update, "--hours", "25", "--since", "2026-10-01"))
    assert check(ready, TODAY) == []
    ok(ready(*update, "--hours", "12", "--since", "2026-11-02"))
    [row] = check(ready, TODAY)
    assert row["out_since"] == "2026-11-02"
    ok(ready(*update, "--hours", "20", "--since", "2026-11-20"))  # 20 is the threshold
    assert check(ready, TODAY) == []


TODAY = "2026-11-22"


def test_a_job_without_hours_counts_as_an_activity(ready: KuiRunner) -> None:
    add_youth(ready, BORN_16, "Ida", "--status", "job")
    assert check(ready, TODAY) == []


def test_staying_out_of_activity_keeps_the_first_episode(ready: KuiRunner, db_url: str) -> None:
    youth_id = str(drop_out(ready, BORN_16, "2026-04-01"))
    ok(ready("youth", "update", youth_id, "--status", "job", "--hours", "10", "--reason", "x"))
    [row] = check(ready, TODAY)
    assert row["out_since"] == "2026-04-01"
    assert len(rows_of(db_url, "SELECT id FROM duty_episode")) == 1


def test_import_opens_episodes_in_bulk(ready: KuiRunner, db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "youths.csv"
    path.write_text(
        "cpr,name,status,since\n"
        f"{cpr_for(BORN_16)},Ida Jensen,none,2026-04-28\n"
        f"{cpr_for(BORN_19, '4002')},Bo Lund,none,2026-04-28\n"
        f"{cpr_for(dt.date(2010, 7, 1), '4003')},Carl Hansen,job,2026-04-28\n"
        f"{cpr_for(dt.date(2010, 8, 1), '4004')},Dina Olsen,gymnasium,\n"
        f"{cpr_for(dt.date(2008, 5, 1), '4005')},Erik Holm,none,2026-04-28\n",  # 18 on 05-01
        encoding="utf-8",
    )
    ok(ready("youth", "import", str(path), today="2026-06-01"))
    [row] = check(ready, "2026-06-01")
    assert row["name"] == "Ida Jensen"
    assert (row["contact_deadline"], row["offer_deadline"]) == ("2026-05-05", "2026-05-28")
    closed = rows_of(db_url, "SELECT closed_on, close_reason FROM duty_episode ORDER BY id")
    assert [(str(c["closed_on"]), c["close_reason"]) for c in closed] == [
        ("None", None),
        ("2026-05-01", "turned-18"),
    ]
    sql = "SELECT what, what_args FROM change_log WHERE kind = 'duty' ORDER BY id"
    history = [{"what": str(Phrase.stored(**h))} for h in rows_of(db_url, sql)]
    opened = (
        "education obligation (uddannelsespligt): out of activity since 2026-04-28; "
        "contact by 2026-05-05, new activity offered by 2026-05-28"
    )
    assert [h["what"] for h in history] == [
        opened,
        opened,
        "education obligation ended: turned 18 on 2026-05-01",
    ]


def test_demo_opens_episodes(kui: KuiRunner) -> None:
    ok(kui("demo", "--youths", "2000"))
    rows = check(kui, TODAY)
    assert rows and all(r["out_since"] <= TODAY for r in rows)


# --- closing ---


def test_a_new_activity_status_closes_the_episode(ready: KuiRunner, db_url: str) -> None:
    youth_id = str(drop_out(ready, BORN_16, "2026-04-01"))
    ok(
        ready(
            "youth", "update", youth_id, "--status", "fgu", "--since", "2026-05-04", "--reason", "x"
        )
    )
    assert check(ready, TODAY) == []
    [episode] = rows_of(db_url, "SELECT closed_on, close_reason FROM duty_episode")
    assert str(episode["closed_on"]) == "2026-05-04" and episode["close_reason"] == "activity"


def test_the_18th_birthday_closes_lazily_and_a_write_records_it(
    ready: KuiRunner, db_url: str
) -> None:
    youth_id = str(drop_out(ready, BORN_17, "2026-11-02"))

    def kui_ids(today: str) -> list[int]:
        listed = ok(ready("youth", "list", "--kui", "-f", "json", today=today)).stdout
        return [r["id"] for r in json.loads(listed)]

    assert len(check(ready, "2026-11-30")) == 1 and kui_ids("2026-11-30") == [int(youth_id)]
    assert check(ready, "2026-12-01") == [] and kui_ids("2026-12-01") == []
    shown = ok(ready("youth", "show", youth_id, "-f", "json", today="2026-12-01")).stdout
    assert json.loads(shown)["deadlines"] == [] and json.loads(shown)["duty_out_since"] is None
    assert rows_of(db_url, "SELECT closed_on FROM duty_episode")[0]["closed_on"] is None
    small_job = ("--status", "job", "--hours", "8", "--reason", "x")
    ok(ready("youth", "update", youth_id, *small_job, today="2026-12-09"))
    [episode] = rows_of(db_url, "SELECT closed_on, close_reason FROM duty_episode")
    assert str(episode["closed_on"]) == "2026-12-01" and episode["close_reason"] == "turned-18"
    whats = [h["what"] for h in shown_history(ready, youth_id)]
    assert "education obligation ended: turned 18 on 2026-12-01" in whats


def shown_history(kui: KuiRunner, youth_id: str) -> list[dict]:
    return json.loads(ok(kui("youth", "show", youth_id, "-f", "json")).stdout)["history"]


def test_a_back_dated_drop_out_before_18_is_recorded_closed(ready: KuiRunner, db_url: str) -> None:
    drop_out(ready, BORN_17, "2026-11-02")
    ok(ready("youth", "update", "1", "--status", "fgu", "--reason", "x", today="2026-11-10"))
    youth_id = drop_out(ready, dt.date(2008, 10, 1), "2026-09-01", "Bo Lund")
    assert check(ready, TODAY) == []
    episode = rows_of(db_url, f"SELECT * FROM duty_episode WHERE youth_id = {youth_id}")[0]
    assert str(episode["closed_on"]) == "2026-10-01" and episode["close_reason"] == "turned-18"


def test_exempt_closes_and_fgu_assessment_is_logged(ready: KuiRunner, db_url: str) -> None:
    youth_id = str(drop_out(ready, BORN_16, "2026-11-02"))
    ok(ready("duty", "fgu-assessment", youth_id, "--result", "i målgruppen"))
    ok(ready("duty", "exempt", youth_id, "--reason", "Langvarig sygdom"))
    assert check(ready, TODAY) == []
    [episode] = rows_of(db_url, "SELECT * FROM duty_episode")
    assert episode["fgu_result"] == "i målgruppen" and str(episode["fgu_on"]) == TODAY
    assert episode["close_reason"] == "exempted" and episode["exempt_reason"] == "Langvarig sygdom"
    whats = [h["what"] for h in shown_history(ready, youth_id)]
    assert whats[-2:] == [
        "education obligation: FGU target-group assessment (målgruppevurdering): i målgruppen",
        "education obligation: exempted (Langvarig sygdom)",
    ]


def test_an_offer_records_the_contact_too(ready: KuiRunner) -> None:
    youth_id = str(drop_out(ready, BORN_16, "2026-04-01"))
    ok(
        ready(
            "duty", "offer", youth_id, "--activity", "EUD", "--on", "2026-04-20", today="2026-05-15"
        )
    )
    [row] = check(ready, "2026-05-15")
    assert row["contacted_on"] == row["offered_on"] == "2026-04-20"
    assert row["overdue"] == []
    whats = [h["what"] for h in shown_history(ready, youth_id)]
    assert "education obligation: contact on 2026-04-20 (deadline 2026-04-13, 7 days late)" in whats
    assert "education obligation: offered EUD on 2026-04-20 (deadline 2026-05-01, in time)" in whats


# --- the report ---


def test_sorted_by_nearest_deadline_and_exit_codes(ready: KuiRunner) -> None:
    late = drop_out(ready, BORN_16, "2026-11-02", "Late")
    early = add_youth(
        ready, dt.date(2010, 5, 5), "Early", "--status", "none", "--since", "2026-10-01"
    )
    fresh = add_youth(
        ready, dt.date(2010, 6, 6), "Fresh", "--status", "none", "--since", "2026-11-20"
    )
    ok(ready("duty", "contact", str(early), "--on", "2026-10-02"))  # next: offer 2026-10-31
    assert [r["youth_id"] for r in check(ready, TODAY)] == [early, late, fresh]
    assert ready("duty", "check").exit_code == 0
    failed = ready("duty", "check", "--fail-on-overdue", "-f", "json")
    assert failed.exit_code == 1 and "Overdue: 2 youths" in failed.stderr
    assert len(json.loads(failed.stdout)) == 3  # the report is complete
    assert ready("duty", "check", "--fail-on-overdue", today="2026-10-20").exit_code == 0


def test_check_and_steps_are_audited(ready: KuiRunner, db_url: str) -> None:
    youth_id = str(drop_out(ready, BORN_16, "2026-11-02"))
    check(ready, TODAY)
    ok(ready("duty", "contact", youth_id))
    entries = rows_of(
        db_url, "SELECT action, command, subject_key, rows FROM audit_log ORDER BY id"
    )
    assert entries[-2]["command"] == "kui duty check" and entries[-2]["action"] == "list"
    assert entries[-2]["rows"] == 1
    assert entries[-1]["command"] == "kui duty contact" and entries[-1]["subject_key"]
    assert "Ida" not in json.dumps(entries, default=str)


def test_show_lists_open_deadlines(ready: KuiRunner) -> None:
    youth_id = str(drop_out(ready, BORN_16, "2026-04-01"))
    ok(ready("duty", "contact", youth_id, "--on", "2026-04-09", today="2026-04-20"))
    shown = json.loads(
        ok(ready("youth", "show", youth_id, "-f", "json", today="2026-05-04")).stdout
    )
    assert shown["duty_out_since"] == "2026-04-01"
    assert shown["deadlines"] == [
        {"deadline": "contact", "due": "2026-04-13", "done_on": "2026-04-09", "overdue": False},
        {"deadline": "offer", "due": "2026-05-01", "done_on": None, "overdue": True},
    ]
    table = ok(ready("youth", "show", youth_id, today="2026-05-04")).stdout
    assert "deadlines" in table and "2026-05-01" in table


# --- the profile: closing days, offer from the contact, recomputation at init ---


def test_offer_from_contact_moves_the_offer_deadline(ready: KuiRunner, tmp_path: Path) -> None:
    ok(ready("init", "--profile", profile_file(tmp_path, offer_from="contact")))
    youth_id = str(drop_out(ready, BORN_16, "2026-04-01"))
    assert check(ready, "2026-04-02")[0]["offer_deadline"] == "2026-05-13"  # provisional
    ok(ready("duty", "contact", youth_id, "--on", "2026-04-08", today="2026-04-08"))
    assert check(ready, "2026-04-08")[0]["offer_deadline"] == "2026-05-08"
    result = ok(ready("init"))  # back to Sønderborg: 30 days from the drop-out
    assert "Recomputed the deadlines of 1 open" in result.stderr
    assert check(ready, "2026-04-08")[0]["offer_deadline"] == "2026-05-01"


def test_init_recomputes_with_new_closing_days(ready: KuiRunner, tmp_path: Path) -> None:
    drop_out(ready, BORN_16, "2026-04-01")
    ok(ready("init", "--profile", profile_file(tmp_path, calendar='["04-07", "2026-04-08"]')))
    assert check(ready, "2026-04-02")[0]["contact_deadline"] == "2026-04-15"
    result = ok(ready("init"))
    assert check(ready, "2026-04-02")[0]["contact_deadline"] == "2026-04-13"
    assert "Recomputed" in result.stderr
    assert "Recomputed" not in ok(ready("init")).stderr


@pytest.mark.parametrize(
    ("closing", "message"),
    [
        ('["12-32"]', "'12-32' must be MM-DD"),
        ('["24/12"]', "'24/12' must be MM-DD"),
        ("[1224]", "1224"),
        ('"12-24"', "must be list"),
    ],
)
def test_bad_closing_days_are_refused_at_init(
    ready: KuiRunner, db_url: str, tmp_path: Path, closing: str, message: str
) -> None:
    before = snapshot(db_url)
    result = ready("init", "--profile", profile_file(tmp_path, calendar=closing))
    assert result.exit_code == 1 and message in result.stderr
    assert result.stderr.count("Error:") == 1
    assert snapshot(db_url) == before


# --- bad input: exit 1, one line, nothing changed ---


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("duty", "contact", "2"), "no open education-obligation episode"),
        (("duty", "offer", "1", "--activity", "FGU", "--on", "2026-03-31"), "before the drop-out"),
        (("duty", "offer", "1", "--activity", "FGU", "--on", "2026-12-01"), "after --today"),
        (("duty", "contact", "1", "--on", "1.4.2026"), "YYYY-MM-DD"),
        (("duty", "contact", "1"), "already recorded on 2026-04-10"),
        (("duty", "offer", "1", "--activity", " "), "--activity is required"),
        (("duty", "exempt", "1", "--reason", ""), "--reason is required"),
        (("duty", "fgu-assessment", "1", "--result", ""), "--result is required"),
        (("duty", "offer", "99", "--activity", "FGU"), "no youth with id 99"),
        (("duty", "contact", "3"), "turned 18 on 2026-11-01"),
    ],
)
def test_refusals_change_nothing(ready: KuiRunner, db_url: str, args: tuple, message: str) -> None:
    drop_out(ready, BORN_16, "2026-04-01")
    ok(ready("duty", "contact", "1", "--on", "2026-04-10"))
    add_youth(ready, BORN_19, "Bo Lund", "--status", "gymnasium")
    carl = cpr_for(dt.date(2008, 11, 1), "4003")  # 17 on 2026-10-05, 18 since 2026-11-01
    ok(ready("youth", "add", "--cpr", carl, "--name", "Carl Hansen", today="2026-10-05"))
    before = snapshot(db_url)
    result = ready(*args)
    assert result.exit_code == 1, result.output
    assert message in result.stderr and result.stderr.count("Error:") == 1
    assert snapshot(db_url) == before


# --- the rules as plain functions ---


def test_deadline_rules() -> None:
    law = DutyRules()
    assert law.contact_deadline(dt.date(2026, 4, 1)) == dt.date(2026, 4, 13)
    contact = law.contact_deadline(dt.date(2026, 4, 28))
    assert law.offer_deadline(dt.date(2026, 4, 28), contact, None) == dt.date(2026, 5, 28)
    by_contact = DutyRules(offer_from="contact")
    assert by_contact.offer_deadline(dt.date(2026, 4, 28), contact, None) == dt.date(2026, 6, 4)
    assert by_contact.offer_deadline(
        dt.date(2026, 4, 28), contact, dt.date(2026, 4, 30)
    ) == dt.date(2026, 5, 30)
    assert DutyRules(job_hours_threshold=18).is_out_of_activity("job", 18) is False
    assert law.is_out_of_activity("job", 18) is True
    assert law.is_out_of_activity("job", None) is False
    assert law.is_out_of_activity("fgu", None) is False


@given(
    born=st.dates(min_value=dt.date(1995, 1, 1), max_value=dt.date(2015, 12, 31)),
    out=st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2035, 12, 31)),
)
def test_obligation_covers_the_ages_15_to_17_on_the_drop_out_day(
    born: dt.date, out: dt.date
) -> None:
    from kui_cli.domain.register import ages

    assert duty.is_obliged(born, out) == (15 <= ages.age_on(born, out) <= 17)
    assert duty.is_obliged(born, out) == (ages.birthday(born, 15) <= out < duty.ends_on(born))


@given(
    contact=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2026, 12, 31)),
    offset=st.integers(min_value=0, max_value=60),
    today=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 3, 31)),
    contacted=st.booleans(),
)
def test_overdue_only_after_the_deadline_day_and_only_unrecorded_steps(
    contact: dt.date, offset: int, today: dt.date, contacted: bool
) -> None:
    from types import SimpleNamespace

    offer = contact + dt.timedelta(days=offset)
    episode = SimpleNamespace(
        contact_deadline=contact,
        offer_deadline=offer,
        contacted_on=contact if contacted else None,
        offered_on=None,
    )
    late = duty.overdue(episode, today)
    assert ("contact" in late) == (not contacted and today > contact)
    assert ("offer" in late) == (today > offer)
    assert duty.next_deadline(episode) == (offer if contacted else min(contact, offer))
