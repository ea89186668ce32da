"""`kui today` (issue 16): each kind of item, the order, the horizon, the JSON contract,
`--fail-if-any`, need to know, and a see-all leader's `--team`/`--all`."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from tests.casework import add_effort, add_staff, assign
from tests.conftest import TODAY, KuiRunner, cpr_for, ok, snapshot

REF = dt.date.fromisoformat(TODAY)  # a Sunday
BORN_16 = dt.date(2010, 3, 15)
FIELDS = ["kind", "youth_id", "due", "text", "command"]


def items(kui: KuiRunner, *args: str, user: str = "CD", **kw: Any) -> list[dict[str, Any]]:
    return json.loads(ok(kui("today", *args, "--format", "json", user=user, **kw)).stdout)


def kinds(found: list[dict[str, Any]], youth: int | None = None) -> list[str]:
    return [i["kind"] for i in found if youth is None or i["youth_id"] == youth]


@pytest.fixture
def office(ready: KuiRunner) -> KuiRunner:
    """AB a leader (sees everyone); CD and EF UU counsellors, each with a youth of their own."""
    add_staff(ready, "CD", "uu")
    add_staff(ready, "EF", "uu")
    return ready


SERIALS = iter(range(1000, 9999, 7))


def new_youth(kui: KuiRunner, born: dt.date = BORN_16, *extra: str, today: str = TODAY) -> int:
    """A new youth named Ida Jensen (initials IJ), whatever the birth date."""
    number = cpr_for(born, f"{next(SERIALS):04d}")
    added = kui("youth", "add", "--cpr", number, "--name", "Ida Jensen", *extra, today=today)
    return int(ok(added).stdout)


def coordinated(kui: KuiRunner, staff: str, born: dt.date = BORN_16, *extra: str) -> int:
    found = new_youth(kui, born, *extra)
    ok(assign(kui, found, staff))
    return found


def set_column(db_url: str, youth: int, column: str, value: Any) -> None:
    engine = create_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE youth SET {column} = :v WHERE id = :id"), {"v": value, "id": youth}
        )
    engine.dispose()


def test_nothing_due_is_an_empty_list_and_fail_if_any_passes(office: KuiRunner) -> None:
    assert items(office) == []
    ok(office("today", "--fail-if-any", user="CD"))


def test_unacknowledged_changes_by_others_name_the_ack_command(office: KuiRunner) -> None:
    youth = coordinated(office, "CD")
    ok(office("plan", "goal", "add", str(youth), "Finde en læreplads", "--reason", "Aftalt",
              user="AB"))  # fmt: skip
    found = [i for i in items(office) if i["kind"] == "unacknowledged"]
    assert len(found) == 1 and found[0]["youth_id"] == youth
    assert found[0]["command"].startswith("kui plan ack ")
    ok(office(*found[0]["command"].split()[1:], user="CD"))
    assert "unacknowledged" not in kinds(items(office))


def test_duty_steps_due_within_the_horizon(office: KuiRunner) -> None:
    youth = coordinated(office, "CD", BORN_16, "--status", "none", "--since", "2026-11-20")
    found = [i for i in items(office, "--days", "30") if i["kind"] == "duty"]
    assert [i["command"] for i in found] == [
        f"kui duty contact {youth}",
        f"kui duty offer {youth} --activity TEXT",
    ]
    assert found[0]["due"] < found[1]["due"]
    # a horizon shorter than the offer deadline leaves the offer out
    assert [i["command"] for i in items(office, "--days", "7") if i["kind"] == "duty"] == [
        f"kui duty contact {youth}"
    ]


def test_a_proposal_awaiting_consent(office: KuiRunner) -> None:
    youth = new_youth(office)
    ok(assign(office, youth, "CD", "pending"))
    found = [i for i in items(office) if i["kind"] == "consent"]
    assert found == [
        {
            "kind": "consent",
            "youth_id": youth,
            "due": None,
            "text": found[0]["text"],
            "command": f"kui coordinator assign {youth} CD --consent accepted|declined",
        }
    ]


def test_goals_past_or_near_their_due_date(office: KuiRunner) -> None:
    youth = coordinated(office, "CD")
    for due in ("2026-11-01", "2026-11-25", "2027-03-01"):
        ok(office("plan", "goal", "add", str(youth), f"Mål {due}", "--due", due, "--reason",
                  "Aftalt", user="CD"))  # fmt: skip
    found = [i for i in items(office) if i["kind"] == "goal"]
    assert [i["due"] for i in found] == ["2026-11-01", "2026-11-25"]
    assert all(i["command"].startswith("kui plan goal achieve ") for i in found)


def test_efforts_that_end_within_the_horizon(office: KuiRunner) -> None:
    youth = coordinated(office, "CD")
    add_effort(office, youth, "CD", "--start", "2026-10-01", "--end", "2026-11-27", title="Mentor")
    add_effort(office, youth, "CD", "--start", "2026-10-01", "--end", "2027-01-27", title="Lang")
    found = [i for i in items(office) if i["kind"] == "effort-ending"]
    assert [i["due"] for i in found] == ["2026-11-27"]
    assert "Mentor" in found[0]["text"] and found[0]["command"].startswith("kui plan effort update")


def test_transitions_within_the_horizon(office: KuiRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    young = coordinated(office, "CD", dt.date(2008, 11, 26))  # 18 on Thursday
    later = coordinated(office, "CD", dt.date(2008, 12, 26))  # 18 in a month
    found = [i for i in items(office) if i["kind"] == "transition"]
    assert [(i["youth_id"], i["due"]) for i in found] == [(young, "2026-11-26")]
    assert later not in [i["youth_id"] for i in found]
    assert found[0]["text"].startswith("Turns 18: ")
    assert found[0]["text"].endswith("; handed over from team-2 to team-3.")
    monkeypatch.setenv("KUI_LANG", "da")  # the text is in the reader's language
    danish = [i for i in items(office) if i["kind"] == "transition"]
    assert danish[0]["text"] == (
        "Fylder 18 år: uddannelsespligten og forældrenes del ophører; overdrages fra team-2 "
        "til team-3."
    )
    assert [{**i, "text": ""} for i in danish] == [{**i, "text": ""} for i in found]


def test_agreements_of_theirs_overdue_or_due(office: KuiRunner) -> None:
    youth = coordinated(office, "CD")
    for due in ("2026-11-20", "2026-11-26", "2026-12-20"):
        ok(office("plan", "agreement", "add", str(youth), f"Ringe til skolen {due}",
                  "--responsible", "CD", "--due", due, "--reason", "Aftalt", user="CD",
                  today="2026-11-16"))  # fmt: skip
    found = [i for i in items(office) if i["kind"] == "agreement"]
    assert [i["due"] for i in found] == ["2026-11-20", "2026-11-26"]
    assert found[0]["command"].startswith("kui plan agreement done ")
    ok(office(*found[0]["command"].split()[1:], user="CD"))
    assert [i["due"] for i in items(office) if i["kind"] == "agreement"] == ["2026-11-26"]


def test_youths_not_reached_for_the_profiles_limit(office: KuiRunner) -> None:
    youth = new_youth(office, today="2026-10-01")
    ok(assign(office, youth, "CD", today="2026-10-01"))
    recent = coordinated(office, "CD")  # registered today: not over the limit
    found = [i for i in items(office) if i["kind"] == "no-contact"]
    assert [(i["youth_id"], i["due"]) for i in found] == [(youth, "2026-10-31")]
    assert found[0]["command"] == f"kui contact add {youth} --channel phone --reached yes|no"
    assert recent not in [i["youth_id"] for i in found]
    ok(office("contact", "add", str(youth), "--channel", "phone", "--reached", "yes", user="CD"))
    assert "no-contact" not in kinds(items(office))


def test_youths_at_risk_of_drop_out(office: KuiRunner, db_url: str) -> None:
    youth = coordinated(office, "CD")
    set_column(db_url, youth, "at_risk_since", dt.date(2026, 11, 10))
    found = [i for i in items(office) if i["kind"] == "at-risk"]
    assert [i["youth_id"] for i in found] == [youth]
    assert found[0]["text"] == "Reported at risk of drop-out since 10 November 2026."


def test_meetings_of_the_members_teams_with_their_youths_on_the_agenda(
    office: KuiRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    youth = coordinated(office, "CD")
    other = coordinated(office, "EF")
    ok(office("team", "member", "add", "team-2", "CD"))
    ok(office("meeting", "generate", "--until", "2026-12-31"))
    for who in (youth, other):
        ok(office("agenda", "add", str(who), "--team", "team-2", "--reason", "Ingen aktivitet"))
    found = [i for i in items(office, "--days", "14") if i["kind"] == "meeting"]
    assert found and all(i["youth_id"] is None for i in found)
    assert f"; on the agenda: IJ (16 years, no. {youth})" in found[0]["text"]
    assert found[0]["text"].startswith("Meeting of Team 2 ")
    # the colleague's youth is referred to the team: CD sees it as a team member, but it is
    # not one of CD's own youths' lines
    assert found[0]["command"].startswith("kui agenda show --meeting ")
    assert "meeting" not in kinds(items(office, "--days", "14", user="EF"))
    monkeypatch.setenv("KUI_LANG", "da")
    danish = [i for i in items(office, "--days", "14") if i["kind"] == "meeting"]
    assert danish[0]["text"].startswith("Møde i Team 2 ")
    assert ", uge 48, kl. 09.00-10.30; på dagsordenen: IJ (16 år, nr. " in danish[0]["text"]


def test_order_is_by_urgency_and_every_item_has_exactly_the_contract(office: KuiRunner) -> None:
    youth = coordinated(office, "CD", BORN_16, "--status", "none", "--since", "2026-11-01")
    ok(office("plan", "goal", "add", str(youth), "Sent", "--due", "2026-11-30", "--reason", "x",
              user="CD"))  # fmt: skip
    ok(office("plan", "goal", "add", str(youth), "Tidligt", "--due", "2026-10-30", "--reason",
              "x", user="CD"))  # fmt: skip
    found = items(office, "--days", "30")
    assert all(list(i) == FIELDS for i in found)
    dues = [i["due"] or TODAY for i in found]
    assert dues == sorted(dues)
    assert found[0]["kind"] == "goal" and found[0]["due"] == "2026-10-30"


def test_fail_if_any_exits_1_when_there_is_an_item(office: KuiRunner) -> None:
    youth = new_youth(office)
    ok(assign(office, youth, "CD", "pending"))
    result = office("today", "--fail-if-any", user="CD")
    assert result.exit_code == 1 and f"{youth}" in result.stdout


def test_a_colleagues_youths_never_appear(office: KuiRunner, db_url: str) -> None:
    mine = coordinated(office, "CD", BORN_16, "--status", "none", "--since", "2026-11-20")
    theirs = coordinated(office, "EF", BORN_16, "--status", "none", "--since", "2026-11-20")
    set_column(db_url, theirs, "at_risk_since", dt.date(2026, 11, 10))
    add_effort(office, theirs, "EF", "--end", "2026-11-25")
    ids = {i["youth_id"] for i in items(office, "--days", "30")}
    assert mine in ids and theirs not in ids
    assert theirs in {i["youth_id"] for i in items(office, "--days", "30", user="EF")}


def test_a_leader_sees_a_team_or_everyone(office: KuiRunner) -> None:
    mine = coordinated(office, "CD", BORN_16, "--status", "none", "--since", "2026-11-20")
    theirs = coordinated(office, "EF", BORN_16, "--status", "none", "--since", "2026-11-20")
    ok(office("team", "member", "add", "team-2", "CD"))
    team = items(office, "--team", "team-2", user="AB")
    assert {i["youth_id"] for i in team} == {mine}
    assert all(i["text"].startswith("CD: ") for i in team)
    everyone = items(office, "--all", user="AB")
    assert {i["youth_id"] for i in everyone} == {mine, theirs}
    assert items(office, user="AB") == []  # the leader's own day: no youths of their own


def test_whose_day_is_worded_by_the_render_layer(
    office: KuiRunner, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team's or everyone's empty day in Danish; the audit keeps the filter as it was."""
    ok(office("team", "member", "add", "team-2", "CD"))
    monkeypatch.setenv("KUI_LANG", "da")
    monkeypatch.setenv("FORCE_COLOR", "1")  # the terminal's table, as a person reads it

    def day(*asked: str) -> str:
        shown = ok(office("today", *asked, "--days", "3", user="AB")).stdout
        return re.sub(r"\x1b\[[0-9;]*m", "", shown)

    team = day("--team", "team-2")
    assert "Intet forfalder for team team-2 de næste 3 dage." in team
    everyone = day("--all")
    assert "Intet forfalder for alle de næste 3 dage." in everyone
    engine = create_engine(db_url)
    with engine.connect() as conn:
        asked = conn.execute(
            text("SELECT filter FROM audit_log WHERE command = 'kui today' ORDER BY id")
        ).scalars()
        assert [json.loads(f)["today"] for f in asked][-2:] == ["team team-2", "all"]
    engine.dispose()


@pytest.mark.parametrize("asked", [("--team", "team-2"), ("--all",)])
def test_others_asking_for_a_team_or_everyone_are_refused(
    office: KuiRunner, db_url: str, asked: tuple[str, ...]
) -> None:
    """Attack: a counsellor asks for every colleague's worklist."""
    coordinated(office, "EF", BORN_16, "--status", "none", "--since", "2026-11-20")
    before = snapshot(db_url)
    result = office("today", *asked, "--format", "json", user="CD")
    assert result.exit_code == 1 and "see_all_roles" in result.output
    after = snapshot(db_url)
    added = after["audit_log"][len(before["audit_log"]) :]
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert [row for row in added if "refuse" in str(row)], "the refusal is logged"


def test_reading_it_is_audited_as_one_listing(office: KuiRunner, db_url: str) -> None:
    coordinated(office, "CD", BORN_16, "--status", "none", "--since", "2026-11-20")
    ok(office("today", "--days", "10", user="CD"))
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT action, command, filter, rows FROM audit_log WHERE command = 'kui today'")
        ).all()
    engine.dispose()
    assert len(rows) == 1
    action, _, filters, count = rows[0]
    assert action == "list" and json.loads(filters) == {"today": "CD", "days": 10} and count == 2


def test_bad_horizon_is_one_error_line(office: KuiRunner) -> None:
    result = office("today", "--days", "-1", user="CD")
    assert result.exit_code == 1 and result.output.startswith("Error: --days")


@pytest.mark.parametrize("width", [80, 120])
def test_the_table_fits_the_width_and_keeps_every_command(office: KuiRunner, width: int) -> None:
    from kui_cli.domain.plan import today as domain
    from kui_cli.render import today as shown

    long = "Et meget langt mål med mange ord om uddannelse og job og bolig og fritid"
    starts = dt.datetime(2026, 11, 25, 10)
    found = domain.Worklist(
        REF,
        7,
        [
            domain.Item.of(
                "goal",
                42,
                dt.date(2026, 11, 1),
                "kui plan goal achieve 7 --reason TEXT",
                text=long,
            ),
            domain.Item.of(
                "consent",
                43,
                None,
                "kui coordinator assign 43 CD --consent accepted|declined",
                proposed_on=dt.date(2026, 11, 20),
            ),
            domain.Item.of(
                "meeting",
                None,
                starts.date(),
                "kui agenda show --meeting 17",
                team="Team 2",
                starts_at=starts,
                ends_at=starts + dt.timedelta(hours=1),
                youths=(42,),
            ),
        ],
        {42: domain.Named("IJ", 16), 43: domain.Named("BH", 17)},
        "CD",
    )
    out = io.StringIO()
    shown.table(found, out, width=width)
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= width
    flat = " ".join(line.strip(" │┃|") for line in lines)
    for title in ("Overdue", "Today", "Coming days"):
        assert title in flat
    squeezed = "".join(out.getvalue().split())
    for item in found.items:
        assert "".join(item.command.split()) in squeezed.replace("│", "").replace("┃", "")


def test_markdown_names_youths_by_initials_age_and_id(office: KuiRunner) -> None:
    youth = coordinated(office, "CD", BORN_16, "--status", "none", "--since", "2026-11-20")
    out = ok(office("today", "--format", "markdown", user="CD")).stdout
    assert f"IJ (16 years, no. {youth})" in out and "Jensen" not in out
