"""The demo's casework (issue 16, part 8): the Sønderborg teams' staff at work on their cases.

Coordinators with accepted, declined and pending consents; plans with goals in the young
people's words (some achieved, some past due), efforts of other departments and agreements
about them (some overdue); contacts, with every fourth young person not reached for months;
and changes by colleagues waiting in the plan owners' inboxes. Everything goes through the same
rules as a typed command (`coordinators`, `plans`, `goals`, `agreements`, `contacts`), each step
dated some days back, so that every command of the README's tour prints something real on the
demo and `kui --user AH today` shows a believable day.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain.plan import agreements, contacts, coordinators, goals, plans
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages
from kui_cli.models import Referral, Youth

SEED = 2016
# The UU counsellor coordinates under-18s, the jobcentre adviser 18-24-year-olds: each then
# owns the plan (`owners.owner_role`).
COORDINATORS = {"AH": (15, 17), "BK": (18, 24)}
CASES_PER_COORDINATOR = 14
GOALS = [
    "Jeg vil gerne starte på FGU efter sommerferien",
    "Jeg vil møde op hver dag i en måned",
    "Jeg vil have et fritidsjob",
    "Jeg vil tage kørekort",
    "Jeg vil finde ud af, hvilken uddannelse der passer til mig",
    "Jeg vil have styr på min økonomi",
]
AGREEMENTS = [
    "Ringer til skolen om fraværet",
    "Sender ansøgning om mentor",
    "Aftaler praktikbesøg med Tech College",
    "Følger op med familien",
]
CHANNELS = ["phone", "sms", "meeting", "home-visit"]
EFFORTS = [
    ("Mentor", "Ungerådgivningen", "serviceloven", "CM"),
    ("Kontaktperson", "Handicap og Psykiatri, myndighed", "serviceloven", "FS"),
    ("Samtaleforløb hos PPR", "PPR", "kui", "DP"),
]


@dataclass(frozen=True)
class Case:
    """A youth of the demo with the coordinator decision taken `days_ago`."""

    youth_id: int
    coordinator: str
    consent: str
    days_ago: int


def build(session: Session, actor: Actor) -> int:
    """Coordinators, goals, efforts and colleagues' changes for the demo; returns the cases."""
    rng = random.Random(SEED)
    cases = _cases(session, actor.today, rng)
    for case in cases:
        _decide(session, actor, case)
    for index, case in enumerate(c for c in cases if c.consent == "accepted"):
        _plan(session, actor, case, index, rng)
    return len(cases)


def _cases(session: Session, today: dt.date, rng: random.Random) -> list[Case]:
    """The referred youths first (their agendas then name them), then other need-B/C youths of
    each coordinator's ages; one in six declines, one in six is still to decide."""
    referred = set(session.execute(select(Referral.youth_id)).scalars())
    query = select(Youth.id, Youth.birth_date).where(Youth.need.in_(("B", "C")))
    candidates = sorted(session.execute(query), key=lambda r: (r.id not in referred, r.id))
    cases = []
    for initials, (low, high) in COORDINATORS.items():
        fitting = [r.id for r in candidates if low <= ages.age_on(r.birth_date, today) <= high]
        for n, youth_id in enumerate(fitting[:CASES_PER_COORDINATOR]):
            consent = {4: "pending", 5: "declined"}.get(n % 6, "accepted")
            cases.append(Case(youth_id, initials, consent, rng.randint(40, 200)))
    return cases


def _decide(session: Session, actor: Actor, case: Case) -> None:
    """The coordinator decision, recorded by the coordinator on the day it was taken."""
    on = _back(actor, case.coordinator, case.days_ago)
    coordinators.assign(session, on, str(case.youth_id), case.coordinator, case.consent)


def _plan(session: Session, actor: Actor, case: Case, index: int, rng: random.Random) -> None:
    """One or two goals by the coordinator (one past due for every third plan, the first
    achieved in every fifth), the coordinator's contacts, and for every other plan an effort
    added by a colleague a few days ago (a change in the owner's inbox) with an agreement."""
    owner = _back(actor, case.coordinator, case.days_ago - 7)
    youth = str(case.youth_id)
    for number, text in enumerate(rng.sample(GOALS, 1 + index % 2)):
        due = actor.today + dt.timedelta(days=-6 if (index + number) % 3 == 0 else 10 + number)
        goal = plans.add_goal(session, owner, youth, text, reason="Samtale med den unge", due=due)
        if number == 0 and index % 5 == 0:
            reached = _back(actor, case.coordinator, rng.randint(1, 5))
            goals.achieve(session, reached, goal.id, "Samtale med den unge")
    _contacts(session, actor, case, index, rng)
    if index % 2:
        return
    title, department, legislation, responsible = EFFORTS[index // 2 % len(EFFORTS)]
    colleague = _back(actor, responsible, rng.randint(1, 6))
    ends = actor.today + dt.timedelta(days=5 + index) if index % 4 == 0 else None
    effort = plans.NewEffort(
        title, department, legislation, responsible, "Aftalt på teammødet", end=ends
    )
    plans.add_effort(session, colleague, youth, effort)
    late = index % 4 == 2  # agreed two weeks ago, due last week, not done
    agreed = _back(actor, case.coordinator, 14 if late else 1)
    due = agreed.today + dt.timedelta(days=7 if late else 3 + index % 5)
    what = rng.choice(AGREEMENTS)
    agreements.add(session, agreed, youth, what, responsible, due, "Aftalt på teammødet")


def _contacts(session: Session, actor: Actor, case: Case, index: int, rng: random.Random) -> None:
    """The coordinator's contacts: a reached one every few weeks since the decision, except for
    every fourth young person, not reached for months, with a recent attempt that failed."""
    lost = index % 4 == 3
    days = list(range(case.days_ago - 3, 0, -rng.randint(12, 25)))
    for days_ago in days[:2] if lost else days:
        if lost and days_ago < 45:
            break
        on = _back(actor, case.coordinator, days_ago)
        contacts.add(session, on, str(case.youth_id), rng.choice(CHANNELS), True)
    if lost:
        tried = _back(actor, case.coordinator, rng.randint(2, 9))
        contacts.add(session, tried, str(case.youth_id), "sms", False, note="Intet svar")


def _back(actor: Actor, user: str, days: int) -> Actor:
    """`user` acting `days` before the demo's day, through the demo command."""
    return Actor(user=user, command=actor.command, today=actor.today - dt.timedelta(days=days))
