"""Access on a need-to-know basis (issue 8, item 4), under the shipped Sønderborg profile.

LE is a leader (privacy.see_all_roles and reveal_roles), AB and GH are UU counsellors, CD a
social worker, EF a jobcentre adviser. Ida (16, out of activity) is registered by AB.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import create_engine, select
from sqlmodel import Session

from kui_cli.domain.protection import access
from kui_cli.domain.protection.audit import Actor
from kui_cli.errors import KuiError
from kui_cli.models import AuditLog
from tests.casework import BORN_16, add_staff, as_json
from tests.conftest import KuiRunner, add_youth, cpr_for, leader, ok, snapshot

IDA_CPR = cpr_for(BORN_16)


def establish(session: Session, actor: Actor) -> access.Access:
    """What `invocation.session` does first: the actor identified, then the access established."""
    return access.establish(session, access.identify(session, actor))


def audit_rows(db_url: str) -> list[AuditLog]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = list(conn.execute(select(AuditLog).order_by(AuditLog.id)))
    engine.dispose()
    return rows  # type: ignore[return-value]


@pytest.fixture
def office(kui: KuiRunner) -> KuiRunner:
    """The shipped profile; LE bootstraps the staff table and registers the others."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    for initials, role in (("AB", "uu"), ("CD", "social"), ("EF", "jobcenter"), ("GH", "uu")):
        add_staff(as_user(kui, "LE"), initials, role)
    return kui


def as_user(kui: KuiRunner, user: str) -> KuiRunner:
    return lambda *args, **kwargs: kui(*args, user=user, **kwargs)


@pytest.fixture
def ida(office: KuiRunner) -> int:
    return add_youth(office, BORN_16, "Ida Jensen", "--status", "none")


def refused(result, rule_text: str) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: access refused:"), result.stderr
    assert rule_text in lines[0], lines[0]
    return lines[0]


def test_only_active_staff_may_act_and_the_staff_table_is_bootstrapped(
    kui: KuiRunner, db_url: str
) -> None:
    ok(kui("init"))  # init (and --help) need no staff
    ok(kui("--help"))
    refused(kui("youth", "list"), "not a staff member")
    refused(kui("staff", "list"), "not a staff member")
    ok(kui("staff", "add", *leader("AB")))  # bootstrap: the staff table is empty
    refused(kui("staff", "add", *leader("ZZ"), user="ZZ"), "not a staff member")
    ok(kui("youth", "list", user="ab"))  # initials match case-insensitively
    ok(kui("staff", "add", *leader("CD")))
    ok(kui("staff", "deactivate", "CD"))
    refused(kui("youth", "list", user="CD"), "CD is not an active staff member")
    refusals = [(r.user, r.command, r.action) for r in audit_rows(db_url) if r.action == "refused"]
    assert refusals == [
        ("AB", "kui youth list", "refused"),
        ("AB", "kui staff list", "refused"),
        ("ZZ", "kui staff add", "refused"),
        ("CD", "kui youth list", "refused"),
    ]


def test_the_registering_user_sees_the_youth_until_someone_is_on_the_case(
    office: KuiRunner, ida: int
) -> None:
    assert as_json(office, "youth", "show", str(ida))["name"] == "Ida Jensen"  # AB registered
    refused(office("youth", "show", str(ida), user="CD"), "CD does not work on youth")
    ok(office("coordinator", "assign", str(ida), "GH", "--consent", "pending"))
    refused(office("youth", "show", str(ida)), "AB does not work on youth")
    assert as_json(office, "youth", "show", str(ida), user="GH")["id"] == ida  # proposed
    assert as_json(office, "youth", "show", str(ida), user="LE")["id"] == ida  # a leader


def test_a_refusal_changes_nothing_but_is_logged_with_the_rule(
    office: KuiRunner, ida: int, db_url: str
) -> None:
    ok(office("coordinator", "assign", str(ida), "GH", "--consent", "accepted"))
    before = snapshot(db_url)
    line = refused(
        office("plan", "goal", "add", str(ida), "Mit mål", "--reason", "x", user="CD"),
        "does not work on youth",
    )
    assert "privacy.see_all_roles" in line and "plan effort add" in line
    after = snapshot(db_url)
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"
    }
    assert len(after["audit_log"]) == len(before["audit_log"]) + 1
    entry = audit_rows(db_url)[-1]
    shown = as_json(office, "youth", "show", str(ida), user="GH")
    assert (entry.user, entry.action, entry.command) == ("CD", "refused", "kui plan goal add")
    assert json.loads(entry.filter) == {"rule": "need-to-know"}
    assert entry.subject_key and shown["name"] not in entry.filter
    ok(office("audit", "verify", user="LE"))  # the refusal is chained like every entry


def test_listings_show_only_the_youths_on_the_users_cases(office: KuiRunner, ida: int) -> None:
    bo = add_youth(as_user(office, "LE"), dt.date(2010, 5, 1), "Bo Lund", "--status", "none")
    ok(office("coordinator", "assign", str(ida), "AB", "--consent", "accepted"))
    everyone = {ida, bo}
    ids = {r["id"] for r in as_json(office, "youth", "list")}
    assert ids == {ida}
    assert {r["id"] for r in as_json(office, "youth", "list", user="LE")} == everyone
    assert as_json(office, "youth", "list", user="CD") == []
    assert {r["youth_id"] for r in as_json(office, "duty", "check")} == {ida}
    assert {r["youth_id"] for r in as_json(office, "duty", "check", user="LE")} == everyone
    within = ("transitions", "--within", "800")
    assert {r["youth_id"] for r in as_json(office, *within)} == {ida}
    assert {r["youth_id"] for r in as_json(office, *within, user="LE")} == everyone
    assert as_json(office, *within, user="CD") == []


def test_a_team_member_sees_a_youth_referred_to_the_team_while_the_referral_is_open(
    office: KuiRunner, ida: int
) -> None:
    ok(office("team", "member", "add", "team-2", "EF", user="LE"))
    bo = add_youth(as_user(office, "LE"), dt.date(2010, 5, 1), "Bo Lund", "--status",
                   "primary-school")  # fmt: skip
    ok(office("coordinator", "assign", str(ida), "AB", "--consent", "accepted"))
    refused(office("youth", "show", str(ida), user="EF"), "EF does not work on youth")
    ok(office("agenda", "add", str(ida), "--team", "team-2", "--reason", "Ingen aktivitet"))
    ok(office("agenda", "add", str(bo), "--team", "team-1", "--reason", "Ingen aktivitet",
              user="LE"))  # fmt: skip
    assert as_json(office, "youth", "show", str(ida), user="EF")["id"] == ida
    assert [r["id"] for r in as_json(office, "youth", "list", user="EF")] == [ida]
    shown = as_json(office, "agenda", "show", "--team", "team-2", "--next", user="EF")
    assert {i["youth_id"] for i in shown["items"] if i["youth_id"]} == {ida}
    team_1 = as_json(office, "agenda", "show", "--team", "team-1", "--next", user="EF")
    assert not [i for i in team_1["items"] if i["youth_id"]]  # Bo is not EF's to see
    ok(office("agenda", "decide", "1", "--outcome", "Mentor", user="LE", today="2026-12-31"))
    refused(office("youth", "show", str(ida), user="EF", today="2026-12-31"), "does not work")


LATE = ("--status", "none", "--since", "2026-11-02")  # contact deadline 9 November: overdue


def team_2_file(folder) -> str:
    return next(p for p in folder.iterdir() if "team-2" in p.name and p.suffix == ".md").read_text(
        encoding="utf-8"
    )


def test_the_circulated_agenda_holds_what_every_member_of_the_team_sees(
    office: KuiRunner, db_url: str, tmp_path
) -> None:
    """The cron account (role system, in agenda.generate_roles) writes the team's agenda: the
    youths referred to the team and the automatic items about them, which every member sees,
    whoever runs the job. It was "Ingen punkter.": the cron account works on no youth's case."""
    le = as_user(office, "LE")
    add_staff(le, "CRON", "system")
    ok(office("team", "member", "add", "team-2", "EF", user="LE"))
    ida = add_youth(office, BORN_16, "Ida Jensen", *LATE)
    carl = add_youth(le, dt.date(2010, 4, 1), "Carl Holm", *LATE)  # overdue, not referred
    item = int(ok(office("agenda", "add", str(ida), "--team", "team-2", "--reason", "Ingen "
                         "aktivitet")).stdout)  # fmt: skip
    out = tmp_path / "dagsordener"
    out.mkdir()
    ok(office("agenda", "generate", "--out", str(out), user="CRON"))
    circulated = team_2_file(out)
    assert f"## Indstilling nr. {item}: IJ, 16 år (ung nr. {ida})" in circulated
    assert f"## Overskredet frist (uddannelsespligt): IJ, 16 år (ung nr. {ida})" in circulated
    assert f"ung nr. {carl}" not in circulated and "udeladt" not in circulated
    printed = [
        (r.user, r.action)
        for r in audit_rows(db_url)
        if r.command.endswith("generate") and r.action != "administer"  # the meetings it made
    ]
    assert printed == [("CRON", "print")]  # Ida, the one youth on a circulated agenda


def test_every_reader_numbers_the_items_alike_and_is_told_what_is_left_out(
    office: KuiRunner, tmp_path
) -> None:
    """The chair, a member and an outsider see the same item by the same number (the referral
    id); the outsider is told how many items are left out, the chair which of theirs are not on
    the team's agenda. Before, each numbered what they saw 1, 2, 3... and said nothing."""
    le = as_user(office, "LE")
    ok(office("team", "member", "add", "team-2", "EF", user="LE"))
    ida = add_youth(office, BORN_16, "Ida Jensen", *LATE)
    carl = add_youth(le, dt.date(2010, 4, 1), "Carl Holm", *LATE)
    item = int(ok(office("agenda", "add", str(ida), "--team", "team-2", "--reason", "Ingen "
                         "aktivitet")).stdout)  # fmt: skip
    team = ("agenda", "show", "--team", "team-2", "--next")

    def seen(user: str) -> tuple[list[tuple], int | None]:
        shown = as_json(office, *team, user=user)
        items = [(i["kind"], i["id"], i["youth_id"], i["circulated"]) for i in shown["items"]]
        return items, shown["hidden"]

    ours = [("referral", item, ida, True), ("overdue", None, ida, True)]
    assert seen("EF") == (ours, 0)
    assert seen("LE") == ([*ours, ("overdue", None, carl, False)], 0)
    assert seen("GH") == ([], 2)  # GH works on neither
    outsider = ok(office(*team, "-f", "markdown", user="GH")).stdout
    assert "2 punkter om unge, du ikke arbejder med, er udeladt." in outsider
    assert "Ingen punkter." in outsider
    table = office(*team, user="GH")
    assert "2 punkter om unge, du ikke arbejder med, er udeladt." in table.stderr
    chair = ok(office(*team, "-f", "markdown", user="LE")).stdout
    aside = chair.index("## Kun til dig, ikke på teamets dagsorden")
    assert chair.index(f"## Indstilling nr. {item}: IJ") < aside
    carls = f"### Overskredet frist (uddannelsespligt): CH, 16 år (ung nr. {carl})"
    assert chair.index(carls) > aside


def test_a_staff_member_without_the_role_may_not_write_the_circulated_agendas(
    office: KuiRunner, db_url: str, tmp_path
) -> None:
    """The attack: AB (uu) runs the cron job to read every team's referred youths. Refused in one
    line naming the rule, nothing written, the database unchanged but for the refusal's entry."""
    ida = add_youth(office, BORN_16, "Ida Jensen", *LATE)
    ok(office("agenda", "add", str(ida), "--team", "team-2", "--reason", "Ingen aktivitet"))
    out = tmp_path / "dagsordener"
    out.mkdir()
    before = snapshot(db_url)
    line = refused(office("agenda", "generate", "--out", str(out)), "agenda.generate_roles")
    assert "(AB is uu)" in line
    assert list(out.iterdir()) == []
    after = snapshot(db_url)
    new = after.pop("audit_log")[len(before.pop("audit_log")) :]
    assert after == before  # no meeting generated, nothing else
    entry = audit_rows(db_url)[-1]
    assert len(new) == 1 and (entry.user, entry.action, entry.command) == (
        "AB",
        "refused",
        "kui agenda generate",
    )
    assert json.loads(entry.filter) == {"rule": "generate-roles-only"}


def test_the_cron_account_runs_the_scheduled_jobs_only(office: KuiRunner, db_url: str) -> None:
    """The attack: the system account is made coordinator of a youth, then used as a person to
    read and change the case. Refused in one line, nothing changed but the refusal's entry."""
    le = as_user(office, "LE")
    add_staff(le, "CRON", "system")
    ida = add_youth(office, BORN_16, "Ida Jensen", *LATE)
    ok(office("coordinator", "assign", str(ida), "CRON", "--consent", "accepted", user="LE"))
    for argv in (("youth", "list"), ("youth", "show", str(ida)),
                 ("youth", "update", str(ida), "--need", "B", "--reason", "x")):  # fmt: skip
        before = snapshot(db_url)
        refused(office(*argv, user="CRON"), "a scheduled job's account")
        after = snapshot(db_url)
        assert after.pop("audit_log")[:-1] == before.pop("audit_log") and after == before
        assert json.loads(audit_rows(db_url)[-1].filter) == {"rule": "system-scheduled-only"}
    ok(office("meeting", "generate", user="CRON"))


def test_joining_a_case_by_its_exact_cpr_with_an_own_effort_is_logged_as_such(
    office: KuiRunner, ida: int, db_url: str
) -> None:
    ok(office("coordinator", "assign", str(ida), "AB", "--consent", "accepted"))
    effort = ("--title", "Støtte", "--department", "Familie", "--legislation", "serviceloven",
              "--reason", "Kender familien")  # fmt: skip
    by_id = office("plan", "effort", "add", str(ida), *effort, "--responsible", "CD", user="CD")
    refused(by_id, "does not work on youth")
    for_other = office("plan", "effort", "add", IDA_CPR, *effort, "--responsible", "EF", user="CD")
    refused(for_other, "does not work on youth")
    ok(office("plan", "effort", "add", IDA_CPR, *effort, "--responsible", "CD", user="CD"))
    entry = audit_rows(db_url)[-1]
    assert (entry.user, entry.action, entry.command) == ("CD", "join", "kui plan effort add")
    assert as_json(office, "youth", "show", str(ida), user="CD")["id"] == ida  # on the case now
    ok(office("plan", "effort", "add", IDA_CPR, *effort, "--responsible", "CD", user="CD"))
    assert audit_rows(db_url)[-1].action == "update"  # already on the case: an ordinary update


def test_full_cpr_and_names_on_agendas_are_for_the_reveal_roles(
    office: KuiRunner, ida: int
) -> None:
    ok(office("agenda", "add", str(ida), "--team", "team-2", "--reason", "Ingen aktivitet"))
    refused(office("youth", "show", str(ida), "--reveal"), "privacy.reveal_roles")
    refused(office("youth", "list", "--reveal"), "privacy.reveal_roles")
    refused(office("agenda", "show", "--team", "team-2", "--next", "--names"), "reveal_roles")
    shown = as_json(office, "youth", "show", str(ida), "--reveal", user="LE")
    assert shown["cpr"] == IDA_CPR
    ok(office("agenda", "show", "--team", "team-2", "--next", "--names", user="LE"))


@pytest.mark.parametrize(
    "args",
    [
        ("audit", "log"),
        ("audit", "subject", "1"),
        ("audit", "verify"),
        ("audit", "export", "--before", "2026-01-01"),
        ("retention", "purge", "--dry-run"),
        ("report", "overview"),
        ("report", "targets"),
        ("report", "applications", "--year", "2026"),
        ("export", "monthly", "--month", "2026-11", "-f", "json"),
    ],
)
def test_the_audit_retention_and_whole_register_reports_are_for_see_all_roles(
    office: KuiRunner, ida: int, args: tuple[str, ...]
) -> None:
    refused(office(*args), "privacy.see_all_roles")
    ok(office(*args, user="LE"))


def test_registering_is_open_to_any_active_staff_member(office: KuiRunner, tmp_path) -> None:
    csv = tmp_path / "import.csv"
    csv.write_text(f"cpr,name\n{cpr_for(dt.date(2008, 2, 2))},Importeret Ung\n", encoding="utf-8")
    ok(office("youth", "import", str(csv), user="EF"))
    assert [r["name"] for r in as_json(office, "youth", "list", user="EF")] == ["Importeret Ung"]
    assert as_json(office, "youth", "list", user="CD") == []


def test_establish_names_the_rule() -> None:
    """Plain domain test: an unknown user is refused with the staff-only rule."""
    from sqlmodel import create_engine

    from kui_cli.models import metadata

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        actor = Actor("zz", "kui youth list", dt.date(2026, 11, 22))
        with pytest.raises(access.Refused) as caught:
            establish(session, actor)
        assert caught.value.rule == "staff-only" and isinstance(caught.value, KuiError)
        assert establish(session, Actor("zz", "kui init", actor.today)).see_all


def test_automatic_agenda_items_are_found_among_the_users_own_youths(
    office: KuiRunner, db_url: str
) -> None:
    """Handover and overdue items are looked for in SQL among the youths the acting user may see,
    not read for the whole register and dropped afterwards (at a million youths, one national
    team 2 read thousands of youths for a coordinator who may see a handful)."""

    from kui_cli.domain import profile
    from kui_cli.domain.meetings import agendas, meetings, teams

    late = ("--status", "none", "--since", "2026-11-02")  # contact deadline 9 November: overdue
    fgu = ("--status", "fgu")  # team 2's group, no deadlines
    mine = {
        add_youth(office, BORN_16, "Ida Jensen", *late),
        add_youth(office, dt.date(2009, 1, 1), "Bo Lund", *fgu),  # 18 on 1 January 2027
    }
    le = as_user(office, "LE")
    add_youth(le, dt.date(2010, 4, 1), "Carl Holm", *late)
    add_youth(le, dt.date(2009, 1, 2), "Dina Berg", *fgu)
    today = dt.date(2026, 11, 22)
    engine = create_engine(db_url)
    found: dict[str, set[int | None]] = {}
    for user in ("AB", "LE"):
        with Session(engine) as session:
            actor = Actor(user, "kui agenda show", today)
            establish(session, actor)
            team = teams.find(session, "team-2")
            meeting = meetings.next_meeting(session, actor, team)
            rules = teams.rules_of(team)
            ctx = agendas.Context(session, meeting, team, profile.current(session), today, rules)
            items = agendas.handover_items(ctx, []) + agendas.overdue_items(ctx, [])
            found[user] = {item.youth_id for item in items}
    engine.dispose()
    assert found["AB"] == mine
    assert len(found["LE"]) == 4 and found["LE"] > mine


def test_the_rule_refuses_when_no_access_is_established() -> None:
    """It fails closed: a listing or a lookup that skipped `invocation.session` shows nothing."""
    from sqlmodel import create_engine

    from kui_cli.models import Youth, metadata

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with Session(engine) as session:
        asks = (
            access.condition,
            access.youth_ids,
            lambda s: access.may_see(s, Youth(id=1)),
            lambda s: access.require_youth(s, Youth(id=1)),
            lambda s: access.require_reveal(s, "the full CPR number"),
        )
        for ask in asks:
            with pytest.raises(access.Refused) as caught:
                ask(session)
            assert caught.value.rule == "no-access" and isinstance(caught.value, KuiError)
        establish(session, Actor("AB", "kui init", dt.date(2026, 11, 22)))  # sees all
        assert access.may_see(session, Youth(id=1))
        assert str(access.condition(session)) == "true"


def test_row_security_does_not_import_the_access_rule_back() -> None:
    """access.py builds on row_security.py; the refusal both raise lives in a module of its own."""
    import ast
    import inspect

    from kui_cli.domain.protection import row_security

    imported: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(row_security))):
        if isinstance(node, ast.ImportFrom) and node.module:
            imported |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
        elif isinstance(node, ast.Import):
            imported |= {alias.name for alias in node.names}
    assert "kui_cli.domain.protection.access" not in imported
    assert access.Refused is row_security.Refused
