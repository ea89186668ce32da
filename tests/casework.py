"""Helpers for the tests of coordinators, plans and the inbox: staff, efforts, JSON calls."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.conftest import KuiRunner, ok

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
