"""What reaches the plan owner: one meaning of a plan change, and of a change that waits for the
owner, read alike by the inbox, the agenda, the monthly export and the overview."""

from __future__ import annotations

import ast
import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy import update as update_table

import kui_cli
from kui_cli import db
from kui_cli.domain.plan import changes
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import history
from kui_cli.models import ChangeLog
from tests.casework import BORN_16, add_effort, add_staff, as_json, assign
from tests.conftest import KuiRunner, cpr_for, ok
from tests.test_agenda import agenda, refer

pytestmark = pytest.mark.own_staff  # casework with own staff roles (conftest `ready`)

MONTH, TODAY = "2026-11", "2026-11-22"


def register(kui: KuiRunner, today: str) -> int:
    """Ida, 16, in team 2's group (status fgu, no education-obligation deadlines)."""
    number = cpr_for(BORN_16)
    added = kui("youth", "add", "--cpr", number, "--name", "Ida Jensen", "--status", "fgu",
                today=today)  # fmt: skip
    return int(ok(added).stdout.strip())


def update(kui: KuiRunner, youth: int, *options: str, today: str) -> None:
    ok(kui("youth", "update", str(youth), *options, "--reason", "samtale", user="CD", today=today))


def counted(kui: KuiRunner, youth: int) -> tuple[int, int, list[str]]:
    """(the inbox's open changes, the export's `unacknowledged`, the agenda's items) for the youth
    on TODAY, in the month of TODAY, for the plan owner AB."""
    inbox = [r for r in as_json(kui, "plan", "inbox", user="AB") if r["youth_id"] == youth]
    [row] = json.loads(ok(kui("export", "monthly", "--month", MONTH, "-f", "json")).stdout)
    items = agenda(kui, "--team", "team-2", "--next", today=TODAY)["items"]
    texts = [i["text"] for i in items if i["kind"] == "unacknowledged" and i["youth_id"] == youth]
    return len(inbox), row["unacknowledged"], texts


def test_inbox_agenda_and_export_count_the_same_open_changes(ready: KuiRunner) -> None:
    """Before: the inbox counted every kind since the owner became responsible (4: the goal, the
    effort, the phone and the e-mail), the export plan changes of any day (3: the need set
    before AB was responsible, the goal, the effort). Now both count 2, and so does the agenda."""
    for initials in ("AB", "CD"):
        add_staff(ready, initials)
    ida = register(ready, "2026-11-02")
    update(ready, ida, "--need", "C", today="2026-11-03")  # before AB became responsible
    ok(assign(ready, ida, "AB", today="2026-11-05"))  # AB's own change
    ok(ready("plan", "goal", "add", str(ida), "Gå i skole", "--reason", "samtale", user="CD",
             today="2026-11-10"))  # fmt: skip
    add_effort(ready, ida, "CD", today="2026-11-11")
    update(ready, ida, "--phone", "12345678", today="2026-11-12")
    update(ready, ida, "--email", "ida@example.org", today="2026-11-13")
    refer(ready, ida, "team-2")  # on the agenda; AB's own change
    inbox, unacknowledged, texts = counted(ready, ida)
    assert (inbox, unacknowledged) == (2, 2)
    assert texts == [
        "2 ændringer i planen er ikke kvitteret af planansvarlig AB; "
        "den ældste er fra 10. november 2026."
    ]
    ok(ready("plan", "ack", "--all", user="AB"))
    inbox, _, texts = counted(ready, ida)  # the export judges by the clock: not after the month
    assert (inbox, texts) == (0, [])


def test_a_phone_edit_is_no_plan_change(ready: KuiRunner) -> None:
    """A contact detail changed by another reaches neither the owner's inbox, the agenda, nor the
    export's or the overview's plan changes: the agenda item must not call it a change in the
    plan (before, the inbox and the agenda showed it)."""
    for initials in ("AB", "CD"):
        add_staff(ready, initials)
    ida = register(ready, "2026-11-02")
    ok(assign(ready, ida, "AB", today="2026-11-05"))
    refer(ready, ida, "team-2", today="2026-11-05")
    [row] = json.loads(ok(ready("export", "monthly", "--month", MONTH, "-f", "json")).stdout)
    overview = as_json(ready, "report", "overview", "--month", MONTH)["plan_changes"]
    update(ready, ida, "--phone", "12345678", today="2026-11-12")
    assert counted(ready, ida) == (0, 0, [])
    [after] = json.loads(ok(ready("export", "monthly", "--month", MONTH, "-f", "json")).stdout)
    assert after["plan_changes"] == row["plan_changes"]
    assert as_json(ready, "report", "overview", "--month", MONTH)["plan_changes"] == overview
    assert [r["kind"] for r in as_json(ready, "plan", "log", str(ida))][-1] == "phone"


# every kind is classified


def written_kinds() -> set[str]:
    """The change kinds kui's source writes by name: the kind given to `changes.record` as a
    literal or a module constant, and the kinds of the kept history. (A kind given through a
    variable, as `youth update`'s fields are, meets the check in `changes.record` when written.)"""
    found: set[str] = set(history.KINDS["status"]) | set(history.KINDS["need"])
    for path in Path(kui_cli.__file__).parent.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "changes.record":
                kind = node.args[3]
                if isinstance(kind, ast.Constant):
                    found.add(kind.value)
                elif isinstance(kind, ast.Name) and kind.id in constants:
                    found.add(constants[kind.id])
    return found


def test_every_kind_kui_writes_is_a_plan_change_or_listed_as_none() -> None:
    assert not changes.PLAN_CHANGES & changes.NOT_PLAN_CHANGES
    kinds = written_kinds()
    assert {"registered", "status", "goal", "effort", "duty", "guardian"} <= kinds
    assert kinds <= changes.PLAN_CHANGES | changes.NOT_PLAN_CHANGES, (
        kinds - changes.PLAN_CHANGES - changes.NOT_PLAN_CHANGES
    )


def test_an_unclassified_kind_is_refused_when_written(ready: KuiRunner, db_url: str) -> None:
    add_staff(ready, "AB")
    ida = register(ready, TODAY)
    actor = Actor(user="AB", today=dt.date(2026, 11, 22), command="test")
    with db.session_scope(db_url) as session, pytest.raises(ValueError, match="unclassified"):
        changes.record(session, actor, ida, "nickname", "nickname: Idde")


def test_the_export_ends_the_month_at_danish_midnight(ready: KuiRunner, db_url: str) -> None:
    """An acknowledgement at 00:30 on 1 November, Danish time (23:30 UTC on 31 October), came
    after October: October's export still counts the change as waiting (it was 0 when the day
    ended at UTC midnight)."""
    for initials in ("AB", "CD"):
        add_staff(ready, initials)
    ida = register(ready, "2026-10-02")
    ok(assign(ready, ida, "AB", today="2026-10-05"))
    ok(ready("plan", "goal", "add", str(ida), "Gå i skole", "--reason", "samtale", user="CD",
             today="2026-10-10"))  # fmt: skip
    ok(ready("plan", "ack", "--all", user="AB"))
    engine = create_engine(db_url)
    with engine.begin() as connection:
        at = dt.datetime(2026, 10, 31, 23, 30, tzinfo=dt.UTC)
        connection.execute(update_table(ChangeLog).values(acknowledged_at=at))
    engine.dispose()
    [row] = json.loads(ok(ready("export", "monthly", "--month", "2026-10", "-f", "json")).stdout)
    assert row["unacknowledged"] == 1
