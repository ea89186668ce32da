"""Helpers for the tests of coordinators, plans and the inbox: staff, efforts, JSON calls."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import create_engine
from sqlmodel import Session

from kui_cli.models import AuditLog
from tests.conftest import KuiRunner, add_youth, leader, ok, snapshot

BORN_16 = dt.date(2010, 3, 15)  # 16 on 2026-11-22, 18 on 2028-03-15
BIRTHDAY_18 = "2028-03-15"
ROLES = {"AB": "uu", "CD": "social", "EF": "jobcenter", "GH": "uu", "MM": "mentor"}


def add_staff(kui: KuiRunner, initials: str, role: str | None = None, *extra: str) -> None:
    role = role or ROLES.get(initials, "other")
    ok(
        kui(
            "staff",
            "add",
            "--initials",
            initials,
            "--name",
            f"Person {initials}",
            "--role",
            role,
            "--department",
            f"Afdeling {role}",
            *extra,
        )
    )


def as_json(kui: KuiRunner, *args: str, **kwargs: Any) -> Any:
    return json.loads(ok(kui(*args, "--format", "json", **kwargs)).stdout)


def add_effort(
    kui: KuiRunner,
    youth_id: int,
    responsible: str,
    *extra: str,
    user: str | None = None,
    title: str = "Støtte",
    legislation: str = "serviceloven",
    **kwargs: Any,
) -> int:
    result = kui(
        "plan",
        "effort",
        "add",
        str(youth_id),
        "--title",
        title,
        "--department",
        "Familieafdelingen",
        "--legislation",
        legislation,
        "--responsible",
        responsible,
        "--reason",
        f"{title} aftalt",
        *extra,
        user=user or responsible,
        **kwargs,
    )
    return int(ok(result).stdout.strip())


def assign(
    kui: KuiRunner, youth_id: int, staff: str, consent: str = "accepted", *extra: str, **kwargs: Any
):
    return kui(
        "coordinator", "assign", str(youth_id), staff, "--consent", consent, *extra, **kwargs
    )


def shown(kui: KuiRunner, youth_id: int, **kwargs: Any) -> dict[str, Any]:
    return as_json(kui, "youth", "show", str(youth_id), **kwargs)


def shipped_office(kui: KuiRunner) -> int:
    """The shipped profile (access as in production): LE leads, AB coordinates Ida (16), CD
    holds an effort on her case, GH is a UU counsellor on none of it. Returns Ida's id."""
    ok(kui("init"))
    ok(kui("staff", "add", *leader("LE"), user="LE"))
    for initials in ("AB", "CD", "GH"):
        add_staff(lambda *a, **k: kui(*a, user="LE", **k), initials)
    ida = add_youth(kui, BORN_16, "Ida Jensen", "--status", "none")
    ok(assign(kui, ida, "AB", user="LE"))
    add_effort(kui, ida, "CD", user="LE")
    return ida


def refused_and_logged(kui: KuiRunner, db_url: str, args: tuple[str, ...], user: str) -> None:
    """The attack: `kui ARGS` by a staff member not on the youth's case is refused in one line
    by the need-to-know rule, and the database is as it was but for one audit entry of the
    refusal, naming the rule and the youth (by its key)."""
    before = snapshot(db_url)
    result = kui(*args, user=user)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: access refused:"), lines
    assert f"{user} does not work on youth" in lines[0]
    after = snapshot(db_url)
    trail = after.pop("audit_log")[len(before.pop("audit_log")) :]
    assert after == before
    [entry] = [audit_row(db_url, row[0]) for row in trail]
    command = "kui " + " ".join(args[:3])
    assert (entry.user, entry.action, entry.command) == (user, "refused", command)
    assert json.loads(entry.filter or "") == {"rule": "need-to-know"} and entry.subject_key


def audit_row(db_url: str, entry_id: int) -> AuditLog:
    engine = create_engine(db_url)
    with Session(engine) as session:
        entry = session.get(AuditLog, entry_id)
        assert entry is not None
        session.expunge(entry)
    engine.dispose()
    return entry
