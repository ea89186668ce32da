"""What the young person's own copy of the plan holds (`plan print`), as facts.

The seeds insist that the young person knows the plan and takes part in it. So the copy has
their goals in their own words (open and achieved), their one contact person and how to reach
them, what each professional does and until when, and who does what by when as agreed; no CPR
number, no internal codes, no change log, nothing about anyone else. For a minor a second copy
follows for the custody holders, who until 18 take part in the plan.

This module chooses what is on the copy and returns it as a `PlanPrint`; the words, the
markdown and the HTML are `render.plan_document`'s. Every free text is blanked of CPR numbers
here, the last line of defence as on agendas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from kui_cli.domain.plan import plans
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr, youths


@dataclass(frozen=True)
class Person:
    """A professional as the copy names them: `role` is a role code (`codes.ROLES`)."""

    name: str
    role: str
    department: str
    phone: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Goal:
    """An open or achieved goal; `level` 0 is a main goal, 1 a goal under it, and so on."""

    level: int
    text: str
    status: str
    due: dt.date | None
    closed_on: dt.date | None


@dataclass(frozen=True)
class Effort:
    """An active or planned effort (`state`), with the professional responsible for it."""

    responsible: Person
    title: str
    state: str
    start_on: dt.date
    end_on: dt.date | None


@dataclass(frozen=True)
class Agreement:
    """An open or done agreement (`status`): who does what by when."""

    responsible: Person
    text: str
    status: str
    due: dt.date | None
    closed_on: dt.date | None


@dataclass(frozen=True)
class PlanPrint:
    """The facts of the printed plan. `owner` is the plan owner when not the coordinator;
    `turns_18` is set for a minor, whose custody holders (`guardians`) get a copy of their own."""

    name: str
    first_name: str
    printed_on: dt.date
    coordinator_title: str
    coordinator: Person | None
    owner: Person | None
    goals: list[Goal]
    efforts: list[Effort]
    agreements: list[Agreement]
    turns_18: dt.date | None
    guardians: list[str]


def print_plan(session: Session, actor: Actor, profile: Profile, youth_ref: str) -> PlanPrint:
    """The plan's facts for the youth's copy; printing is audited."""
    youth = youths.find(session, youth_ref)
    plan = plans.overview(session, youth, actor.today, profile)
    minor = ages.age_on(youth.birth_date, actor.today) < 18
    people = {p["initials"]: p for p in plan["professionals"]}
    coordinator = people.get(plan["coordinator"] or "")
    owner = people.get(plan["plan_owner"] or "")
    name = cpr.blanked(youth.name)
    printed = PlanPrint(
        name=name,
        first_name=name.split()[0],
        printed_on=actor.today,
        coordinator_title=cpr.blanked(plans.coordinator_title(profile)),
        coordinator=_person(coordinator) if coordinator else None,
        owner=_person(owner) if owner and owner is not coordinator else None,
        goals=shown_goals(plan["goals"]),
        efforts=[_effort(e) for e in plan["efforts"] if e["state"] != "ended"],
        agreements=[_agreement(a) for a in plan["agreements"] if a["status"] != "dropped"],
        turns_18=ages.birthday(youth.birth_date, 18) if minor else None,
        guardians=[cpr.blanked(g.name) for g in youths.guardians_of(session, youth.id)]
        if minor
        else [],
    )
    audit.record(session, actor, "print", subject=youth.subject_key)
    return printed


def shown_goals(goals: Iterable[dict[str, Any]]) -> list[Goal]:
    """The open and achieved goals in the plan's depth-first order; a dropped goal is left
    out with everything under it."""
    shown, dropped_at = [], None
    for g in goals:
        if dropped_at is not None and g["level"] > dropped_at:
            continue
        dropped_at = g["level"] if g["status"] == "dropped" else None
        if dropped_at is None:
            shown.append(
                Goal(g["level"], cpr.blanked(g["text"]), g["status"], g["due"], g["closed_on"])
            )
    return shown


def _person(found: dict[str, Any]) -> Person:
    return Person(
        name=cpr.blanked(found["name"]),
        role=str(found["role"]),
        department=cpr.blanked(found["department"]),
        phone=cpr.blanked(found["phone"]),
        email=cpr.blanked(found["email"]),
    )


def _effort(effort: dict[str, Any]) -> Effort:
    responsible = Person(
        cpr.blanked(effort["responsible_name"]),
        str(effort["responsible_role"]),
        cpr.blanked(effort["department"]),
    )
    return Effort(
        responsible,
        cpr.blanked(effort["title"]),
        effort["state"],
        effort["start_on"],
        effort["end_on"],
    )


def _agreement(agreement: dict[str, Any]) -> Agreement:
    responsible = Person(
        cpr.blanked(agreement["responsible_name"]),
        str(agreement["responsible_role"]),
        cpr.blanked(agreement["responsible_department"]),
    )
    return Agreement(
        responsible,
        cpr.blanked(agreement["text"]),
        agreement["status"],
        agreement["due"],
        agreement["closed_on"],
    )
