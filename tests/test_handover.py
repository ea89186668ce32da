"""A caseload that moves (issue 16, part 6): `kui coordinator handover FROM TO` moves every open
coordinator assignment of a staff member (and with --efforts their efforts) to another in one
transaction, each young person's consent kept, each move in their history and the plan owner's
inbox; `staff deactivate` names what is left and points at it.

Under the shipped Sønderborg profile LE is the leader (administers, sees all); AB and GH are UU
counsellors, CD a social worker.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.casework import BORN_16, add_effort, add_staff, as_json, assign
from tests.conftest import KuiRunner, add_youth, leader, ok, snapshot
from tests.test_access import audit_rows
from tests.test_administration import ADMIN_ONLY, administered, attempt
from tests.test_edits import failed, le, log_of, unchanged


@pytest.fixture
def office(kui: KuiRunner) -> KuiRunner:
    """LE bootstraps; AB, GH (uu) and CD (social) are staff."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    for initials in ("AB", "GH", "CD"):
        add_staff(lambda *a, **k: kui(*a, user="LE", **k), initials)
    return kui


def youth(kui: KuiRunner, name: str, later: int = 0) -> int:
    """A 16-year-old out of activity, born `later` days after BORN_16 (a CPR of their own)."""
    born = BORN_16 + dt.timedelta(days=later)
    return add_youth(lambda *a, **k: le(kui, *a, **k), born, name, "--status", "none")


NAMES = ("Ida Jensen", "Bo Lund", "Liv Holm")


def caseload(kui: KuiRunner) -> tuple[int, int, int]:
    """AB is Ida's coordinator (accepted by both) with an effort for her, Bo's proposed
    coordinator (pending), and has an effort for Liv, whose coordinator is CD."""
    ida, bo, liv = (youth(kui, name, day) for day, name in enumerate(NAMES))
    ok(assign(kui, ida, "AB", user="LE"))
    ok(assign(kui, bo, "AB", "pending", user="LE"))
    ok(assign(kui, liv, "CD", user="LE"))
    add_effort(kui, ida, "AB", user="AB", title="Mentor")
    add_effort(kui, liv, "AB", user="LE", title="Vejledning")
    return ida, bo, liv


def history(kui: KuiRunner, youth_id: int) -> list[dict]:
    return as_json(kui, "coordinator", "history", str(youth_id), user="LE")


def responsible(kui: KuiRunner, youth_id: int) -> list[str]:
    plan = as_json(kui, "plan", "show", str(youth_id), user="LE")
    return [e["responsible"] for e in plan["efforts"]]


def test_a_handover_moves_every_open_assignment_and_effort_with_the_consent_kept(
    office: KuiRunner, db_url: str
) -> None:
    ida, bo, liv = caseload(office)
    why = "AB går på barsel"
    args = ("coordinator", "handover", "AB", "GH", "--efforts", "--reason", why)
    moved = as_json(office, *args, user="LE")
    assert moved == [
        {"youth_id": ida, "coordinator": True, "consent": "accepted", "efforts": [1]},
        {"youth_id": bo, "coordinator": True, "consent": "pending", "efforts": []},
        {"youth_id": liv, "coordinator": False, "consent": None, "efforts": [2]},
    ]
    # Ida: AB ends today, GH is her coordinator with the consent she and her parents gave.
    old, new = history(office, ida)
    assert (old["staff"], old["state"], old["end_reason"]) == (
        "AB",
        "ended",
        f"handed over to GH: {why}",
    )
    assert (new["staff"], new["state"], new["consent"], new["consent_by"]) == (
        "GH", "active", "accepted", "both",
    )  # fmt: skip
    # Bo: the proposal is GH's now, still waiting for the young person's answer.
    assert [(r["staff"], r["state"]) for r in history(office, bo)] == [
        ("AB", "ended"), ("GH", "pending"),
    ]  # fmt: skip
    assert responsible(office, ida) == ["GH"] and responsible(office, liv) == ["GH"]
    # Every move is in the youth's history with old, new and why, and waits in GH's inbox.
    last = log_of(office, ida)[-2:]
    assert [(r["kind"], r["old"], r["new"], r["why"]) for r in last] == [
        ("coordinator", "AB", "GH", why), ("effort", "AB", "GH", why),
    ]  # fmt: skip
    assert "consent kept" in last[0]["what"]
    assert "awaiting consent" in log_of(office, bo)[-1]["what"]
    inbox = as_json(office, "plan", "inbox", user="GH")
    # GH, a UU counsellor, owns the plans of both (Liv's coordinator CD is a social worker).
    assert {row["youth_id"] for row in inbox if row["why"] == why} == {ida, liv}
    assert as_json(office, "plan", "show", str(ida), user="LE")["plan_owner"] == "GH"
    # AB holds nothing any more.
    rows = as_json(office, "staff", "list", user="LE")
    load = {row["initials"]: row["caseload"] for row in rows}
    assert (load["AB"], load["GH"]) == (0, 2)


def test_the_handover_is_audited_per_youth_and_as_administration(
    office: KuiRunner, db_url: str
) -> None:
    caseload(office)
    start = len(audit_rows(db_url))
    ok(le(office, "coordinator", "handover", "AB", "GH", "--efforts", "--reason", "Barsel"))
    entries = [e for e in audit_rows(db_url)[start:] if e.command == "kui coordinator handover"]
    assert sum(e.action == "update" and e.subject_key is not None for e in entries) >= 3
    assert administered(db_url)[-1] == (
        "LE",
        "kui coordinator handover",
        {"handover": "AB", "to": "GH", "assignments": 2, "efforts": 2},
    )


def test_without_efforts_the_efforts_stay(office: KuiRunner) -> None:
    ida, bo, liv = caseload(office)
    moved = as_json(office, "coordinator", "handover", "AB", "GH", "--reason", "x", user="LE")
    assert [row["youth_id"] for row in moved] == [ida, bo]
    assert responsible(office, ida) == ["AB"] and responsible(office, liv) == ["AB"]


def test_youth_limits_the_handover_to_the_youths_named(office: KuiRunner) -> None:
    ida, bo, liv = caseload(office)
    args = ("coordinator", "handover", "AB", "GH", "--youth", str(bo), "--efforts")
    moved = as_json(office, *args, "--reason", "Fordeling", user="LE")
    assert moved == [{"youth_id": bo, "coordinator": True, "consent": "pending", "efforts": []}]
    assert history(office, ida)[-1]["staff"] == "AB"
    assert responsible(office, liv) == ["AB"]


@pytest.mark.parametrize(
    ("args", "text"),
    [
        (("AB", "AB"), "AB cannot hand over to themselves"),
        (("AB", "OLD"), "staff member OLD is not active"),
        (("AB", "ZZ"), "unknown staff member 'ZZ'"),
        (("CD", "GH", "--youth", "1"), "CD holds nothing to hand over for youth 1"),
        (("CD", "GH", "--youth", "1", "--youth", "3"), "CD is neither coordinator, proposed nor"),
        (("GH", "AB"), "GH holds nothing to hand over"),
        (("AB", "GH", "--reason", " "), "--reason is required"),
    ],
)
def test_bad_handovers_change_nothing(
    office: KuiRunner, db_url: str, args: tuple[str, ...], text: str
) -> None:
    add_staff(lambda *a, **k: le(office, *a, **k), "OLD", "uu")
    ok(le(office, "staff", "deactivate", "OLD"))
    caseload(office)
    reason = () if "--reason" in args else ("--reason", "x")
    unchanged(office, db_url, "coordinator", "handover", *args, *reason, text=text)


def test_taking_over_past_capacity_is_a_warning_not_a_refusal(office: KuiRunner) -> None:
    ok(le(office, "staff", "update", "GH", "--capacity", "1"))
    caseload(office)
    result = ok(le(office, "coordinator", "handover", "AB", "GH", "--reason", "x"))
    assert "GH is over capacity: 2 youths as coordinator (active and pending), capacity 1" in (
        result.stderr
    )
    assert "Handed over 2 youths from AB to GH." in result.stderr


@pytest.mark.parametrize("user", ["AB", "GH", "CD"])
def test_only_an_administrator_hands_a_caseload_over(
    office: KuiRunner, db_url: str, user: str
) -> None:
    """Not the leaver themselves (AB), nor the one who would gain the youths (GH): a handover
    decides who sees whom, an administrative act."""
    caseload(office)
    args = ("coordinator", "handover", "AB", user if user != "AB" else "GH", "--reason", "x")
    attempt(office, db_url, user, *args, "--efforts", **ADMIN_ONLY)


def test_deactivate_names_what_is_left_and_points_at_the_handover(office: KuiRunner) -> None:
    caseload(office)
    ok(le(office, "coordinator", "handover", "AB", "GH", "--youth", "2", "--reason", "x"))
    warning = ok(le(office, "staff", "deactivate", "AB")).stderr
    assert "AB is still coordinator (active or proposed) for 1 youths, responsible for 2 " in (
        warning
    )
    assert "0 open agreements" in warning
    assert "kui coordinator handover AB TO --efforts --reason" in warning
    ok(le(office, "staff", "activate", "AB"))
    ok(le(office, "coordinator", "handover", "AB", "GH", "--efforts", "--reason", "x"))
    warning = ok(le(office, "staff", "deactivate", "AB")).stderr
    assert "still" not in warning and "AB is no longer active." in warning


def test_deactivate_counts_open_agreements(office: KuiRunner, db_url: str) -> None:
    """An open agreement (`agreement` table, migration 0012) of the leaver is named too."""
    from sqlalchemy import create_engine, insert

    from kui_cli.models import Agreement

    ida = youth(office, "Ida Jensen")
    engine = create_engine(db_url)
    with engine.begin() as conn:
        for status in ("open", "done"):
            conn.execute(insert(Agreement).values(
                youth_id=ida, text="Ringe til skolen", staff_id=2, due=dt.date(2026, 12, 1),
                status=status, created_on=dt.date(2026, 11, 22), created_by="LE",
            ))  # fmt: skip
    engine.dispose()
    warning = ok(le(office, "staff", "deactivate", "AB")).stderr
    assert "for 0 youths, responsible for 0 active efforts and for 1 open agreements" in warning
    assert "open agreements stay theirs until done or dropped" in warning


def test_a_handover_is_all_or_nothing(office: KuiRunner, db_url: str) -> None:
    """GH is already proposed for Bo: the whole handover is refused, though Ida's move came
    first in the session."""
    ida, bo, _ = caseload(office)
    ok(le(office, "coordinator", "end", str(bo), "--reason", "Ny plan"))
    ok(assign(office, bo, "AB", user="LE"))
    ok(assign(office, bo, "GH", "pending", user="LE"))
    assert ida < bo  # Ida is moved first
    before = snapshot(db_url)
    args = ("coordinator", "handover", "AB", "GH", "--efforts", "--reason", "x")
    failed(le(office, *args), f"GH is already coordinator or proposed for youth {bo}")
    assert snapshot(db_url) == before
