"""Walk every registered command: each one that touches a youth's personal data writes an audit
entry, and no command escapes classification.

To add a command: put its path in COMMANDS, either as `None` (it touches no youth data: say why
in a comment when it is not obvious) or as `Uses(args)`, the arguments that make it touch a
youth's data on the prepared database. Placeholders: {youth} (a registered 16-year-old out of
activity, with coordinator AB, an effort by CD and a referral to team 2), {youth2} (a second
youth with nothing on the case), {cpr} (the first youth's CPR), {new_cpr} (an unregistered
CPR), {csv} (a valid import file), {file} (a new file path), {dir} (a folder), {staff} (a staff
member's initials), {item} (the referral), {meeting} (its meeting), {effort} (the effort),
{goal} (a goal of the first youth), {agreement} (an agreement on it, CD responsible), {feed} (a
status feed with an event about the first youth), {guardian} (the first youth's custody holder).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from kui_cli.models import AuditLog
from tests.conftest import KuiRunner, add_youth, cpr_for, ok, open_profile
from tests.test_help import all_commands

IDA_BORN = dt.date(2010, 3, 15)


@dataclass(frozen=True)
class Uses:
    """A command that touches youth data, and how to make it do so."""

    args: tuple[str, ...] = ()
    fresh: bool = False  # runs on an empty database instead of the prepared one
    sqlite_only: str | None = None  # the reason it cannot run on PostgreSQL
    today: str = "2026-11-22"


COMMANDS: dict[str, Uses | None] = {
    "init": None,  # schema and profile only
    "demo": Uses(("--youths", "5"), fresh=True),  # synthetic youths, still logged
    "youth add": Uses(("--cpr", "{new_cpr}", "--name", "Ny Ung")),
    "youth import": Uses(("{csv}",)),
    "youth list": Uses(),
    "youth show": Uses(("{youth}",)),
    "youth update": Uses(("{youth}", "--need", "C", "--reason", "Test")),
    "youth guardian add": Uses(("{youth}", "--name", "Mette Jensen")),
    "youth guardian update": Uses(("{guardian}", "--phone", "12345678")),
    "youth guardian remove": Uses(("{guardian}", "--reason", "Test")),
    "staff add": None,  # staff data, not a youth's
    "staff list": None,
    "db upgrade": None,
    "db check": None,  # integrity only, shows no row
    "db backup": Uses(("{file}",), sqlite_only="PostgreSQL is backed up with pg_dump"),
    # A database login's privileges, not a youth's data (PostgreSQL only); audited as `grant`
    # all the same (tests/test_row_security.py).
    "db grant": None,
    "audit log": Uses(),
    "audit subject": Uses(("{youth}",)),
    "audit verify": Uses(),
    "audit export": Uses(("--before", "2999-01-01")),
    "retention purge": Uses(("--yes",)),
    "youth assess": Uses(("{youth}", "--grade", "9", "--result", "ready")),
    "staff activate": None,  # staff data
    "staff deactivate": None,
    "staff update": None,  # staff data: a member's operating-system login
    "coordinator assign": Uses(("{youth2}", "{staff}", "--consent", "accepted")),
    "coordinator end": Uses(("{youth}", "--reason", "Test")),
    "coordinator history": Uses(("{youth}",)),
    "coordinator handover": Uses(("AB", "CD", "--reason", "Test")),
    "plan show": Uses(("{youth}",)),
    "plan goal add": Uses(("{youth}", "Mit mål", "--reason", "Test")),
    "plan effort add": Uses(
        (
            "{youth}",
            "--title",
            "Mentor",
            "--department",
            "Jobcentret",
            "--legislation",
            "lab",
            "--responsible",
            "{staff}",
            "--reason",
            "Test",
        )
    ),
    "plan effort end": Uses(("{effort}", "--reason", "Test")),
    "plan goal update": Uses(("{goal}", "--text", "Nyt mål", "--reason", "Test")),
    "plan goal achieve": Uses(("{goal}",)),
    "plan goal drop": Uses(("{goal}", "--reason", "Test")),
    "plan agreement add": Uses(
        ("{youth}", "Ringe", "--responsible", "CD", "--due", "2026-12-01", "--reason", "Test")
    ),
    "plan agreement done": Uses(("{agreement}",)),
    "plan agreement drop": Uses(("{agreement}", "--reason", "Test")),
    "plan effort update": Uses(("{effort}", "--title", "Ny", "--reason", "Test")),
    "plan log": Uses(("{youth}",)),
    "plan inbox": Uses(),
    "plan ack": Uses(("--all",)),
    "plan print": Uses(("{youth}",)),
    "duty check": Uses(),
    "duty contact": Uses(("{youth}",)),
    "duty offer": Uses(("{youth}", "--activity", "FGU")),
    "duty fgu-assessment": Uses(("{youth}", "--result", "I målgruppen")),
    "duty exempt": Uses(("{youth}", "--reason", "Sygdom")),
    "contact add": Uses(("{youth}", "--channel", "phone", "--reached", "yes")),
    "contact list": Uses(("{youth}",)),
    "transitions": Uses(
        (
            "--within",
            "3650",
        )
    ),
    "team list": None,  # teams and their members: staff data
    "team show": None,
    "team member add": None,
    "team member remove": None,  # a team's members: staff data
    "meeting schedule": None,  # meetings: dates and places only
    "meeting generate": None,
    "meeting list": None,
    "meeting cancel": None,
    "meeting move": None,
    "meeting ics": None,
    "agenda add": Uses(("{youth2}", "--team", "team-2", "--reason", "Test")),
    "agenda show": Uses(("--team", "team-2", "--next")),
    "agenda decide": Uses(("{item}", "--outcome", "Test"), today="2026-11-25"),
    "agenda withdraw": Uses(("{item}", "--reason", "Test")),
    "agenda minutes": Uses(("{meeting}",)),
    "agenda generate": Uses(("--days", "14", "--out", "{dir}")),
    "export monthly": Uses(("--month", "2026-11", "-f", "json")),
    "feed report": Uses(("--month", "2026-11", "--out", "{file}")),
    "report overview": Uses(),  # figures only, but computed from personal data: logged
    "report applications": Uses(("--year", "2026")),
    "report targets": Uses(("--year", "2026")),
    "feed apply": Uses(("{feed}",)),
    "today": Uses(("--days", "30")),
    "digest": Uses(("--out", "{dir}")),
}


def prepare(kui: KuiRunner, folder: Path) -> dict[str, str]:
    """A youth with everything on the case, and a second with nothing: see the module docstring.

    Under a profile where every role sees all: this walk is about the audit, not about access
    (tests/test_access.py)."""
    ok(kui("init", "--profile", str(open_profile(folder))))
    for initials, role in (("AB", "uu"), ("CD", "social")):
        ok(kui("staff", "add", "--initials", initials, "--name", f"Person {initials}", "--role",
               role, "--department", "KUI"))  # fmt: skip
    youth = add_youth(kui, IDA_BORN)
    youth2 = add_youth(kui, dt.date(2010, 6, 1), "Bo Lund")
    ok(kui("coordinator", "assign", str(youth), "AB", "--consent", "accepted"))
    effort = ("--title", "Støtte", "--department", "Familie", "--legislation", "serviceloven")
    ok(kui("plan", "effort", "add", str(youth), *effort, "--responsible", "CD", "--reason", "Test",
           user="CD"))  # fmt: skip
    ok(kui("agenda", "add", str(youth), "--team", "team-2", "--reason", "Ingen aktivitet"))
    ok(kui("plan", "goal", "add", str(youth), "Mit mål", "--reason", "Test"))
    ok(kui("plan", "agreement", "add", str(youth), "Ringe", "--responsible", "CD", "--due",
           "2026-12-01", "--reason", "Test"))  # fmt: skip
    ok(kui("youth", "guardian", "add", str(youth), "--name", "Mette Jensen"))
    shown = json.loads(ok(kui("agenda", "show", "--team", "team-2", "--next", "-f", "json")).stdout)
    return {"youth": str(youth), "youth2": str(youth2), "meeting": str(shown["meeting"]["id"])}


def registered() -> list[str]:
    return [path for path, _command in all_commands()]


def test_every_registered_command_is_classified() -> None:
    missing = sorted(set(registered()) - set(COMMANDS))
    assert not missing, f"classify these commands in COMMANDS (touch youth data or not): {missing}"
    stale = sorted(set(COMMANDS) - set(registered()))
    assert not stale, f"COMMANDS names commands that no longer exist: {stale}"


def audit_entries(db_url: str, command: str) -> int:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        query = select(func.count()).select_from(AuditLog).where(AuditLog.command == command)
        count = conn.execute(query).scalar() or 0
    engine.dispose()
    return count


def fill(args: tuple[str, ...], values: dict[str, str]) -> list[str]:
    return [arg.format(**values) for arg in args]


@pytest.mark.parametrize("path", [p for p, uses in COMMANDS.items() if uses is not None])
def test_a_command_that_touches_youth_data_writes_an_audit_entry(
    path: str, kui: KuiRunner, db_url: str, tmp_path: Path
) -> None:
    uses = COMMANDS[path]
    assert uses is not None
    if uses.sqlite_only and not db_url.startswith("sqlite"):
        pytest.skip(uses.sqlite_only)
    values = {"youth": "1", "cpr": cpr_for(IDA_BORN), "new_cpr": cpr_for(dt.date(2009, 5, 1))}
    csv = tmp_path / "import.csv"
    csv.write_text(f"cpr,name\n{cpr_for(dt.date(2008, 2, 2))},Importeret Ung\n", encoding="utf-8")
    values |= {"csv": str(csv), "file": str(tmp_path / "copy.db"), "staff": "AB"}
    values |= {"dir": str(tmp_path), "item": "1", "effort": "1", "goal": "1", "agreement": "1"}
    values |= {"guardian": "1"}
    feed = tmp_path / "feed.csv"
    feed.write_text(f"source,cpr,event_date,kind\nud,{values['cpr']},2026-11-20,at-risk\n")
    values["feed"] = str(feed)
    if not uses.fresh:
        values |= prepare(kui, tmp_path)
    command = f"kui {path}"
    before = audit_entries(db_url, command) if not uses.fresh else 0
    ok(kui(*path.split(), *fill(uses.args, values), today=uses.today))
    assert audit_entries(db_url, command) > before, f"`{command}` wrote no audit entry"
