"""A small fixture municipality with hand-computed figures for the export and report tests.

Youths are registered and updated through the CLI on the dates of their story (so the change log
is what kui writes); teams, referrals, coordinator assignments, duty episodes and acknowledged
plan changes are inserted straight into their tables, as the other issues' commands would write
them. The expected figures in the tests are computed by hand from the story below.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlmodel import Session

from kui_cli.models import ChangeLog, CoordinatorAssignment, DutyEpisode, Referral, Team
from tests.conftest import KuiRunner, cpr_for, ok

D = dt.date

# name: (born, registered on (--today), status, need)
YOUTHS: dict[str, tuple[dt.date, str, str, str]] = {
    "Anna": (D(2012, 3, 1), "2026-08-15", "primary-school", "B"),
    "Bo": (D(2010, 5, 10), "2026-09-01", "gymnasium", "A"),
    "Carl": (D(2009, 11, 15), "2026-09-20", "none", "B"),
    "Dina": (D(2010, 1, 20), "2026-09-01", "vocational", "A"),
    "Emil": (D(2008, 10, 15), "2026-06-01", "none", "B"),
    "Freja": (D(2001, 10, 1), "2026-01-10", "completed", "A"),
    "Gorm": (D(2001, 3, 3), "2026-01-10", "job", "A"),
    "Hans": (D(2001, 7, 7), "2026-01-10", "vocational", "A"),
    "Ida": (D(1996, 10, 12), "2026-01-10", "benefit-activity-ready", "C"),
    "Jens": (D(2005, 2, 2), "2026-08-01", "vocational", "C"),
    "Karen": (D(2007, 4, 4), "2026-09-01", "gymnasium", "A"),
    "Lars": (D(2010, 8, 8), "2026-11-18", "none", "B"),
}
SINCE = {"Freja": "2025-06-01"}
# The plan owners on 2026-10-31 (`owners.plan_owner`): under 18 the UU coordinator owns the plan;
# Ida's UU coordinator does not own the plan of a 30-year-old, Emil's is only proposed.
PLAN_OWNERS: dict[str, str] = {"Bo": "AB"}

# (youth, options, --today): the youths' stories after registration, through `youth update`.
UPDATES: list[tuple[str, tuple[str, ...], str]] = [
    ("Emil", ("--status", "job", "--since", "2026-06-01", "--hours", "15"), "2026-06-01"),
    ("Hans", ("--completed-on", "2026-06-30"), "2026-07-01"),
    ("Bo", ("--status", "none", "--since", "2026-10-05"), "2026-10-05"),
    ("Bo", ("--need", "C"), "2026-10-06"),
    ("Dina", ("--status", "none", "--since", "2026-10-10"), "2026-10-10"),
    ("Dina", ("--status", "vocational", "--since", "2026-10-14"), "2026-10-14"),
    ("Jens", ("--status", "benefit-education-ready", "--since", "2026-10-15"), "2026-10-15"),
    ("Jens", ("--status", "job", "--since", "2026-11-10"), "2026-11-10"),
]


def utc(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=dt.UTC)


def build(kui: KuiRunner, db_url: str) -> dict[str, int]:
    """The whole municipality; returns the youths' ids by name."""
    for initials, role, capacity in (
        ("AB", "uu", "1"),
        ("CD", "jobcenter", "1"),
        ("EF", "social", None),
    ):
        extra = ("--capacity", capacity) if capacity else ()
        ok(
            kui(
                "staff",
                "add",
                "--initials",
                initials,
                "--name",
                f"{initials} Ansat",
                "--role",
                role,
                "--department",
                "KUI",
                *extra,
            )
        )
    ids = {}
    for name, (born, registered, status, need) in YOUTHS.items():
        since = ("--since", SINCE[name]) if name in SINCE else ()
        args = ("--cpr", cpr_for(born), "--name", f"{name} Testesen", "--status", status)
        result = ok(kui("youth", "add", *args, "--need", need, *since, today=registered))
        ids[name] = int(result.stdout.strip())
    for name, options, today in UPDATES:
        ok(kui("youth", "update", str(ids[name]), *options, "--reason", "story", today=today))
    insert(db_url, _rows(ids, staff_ids(db_url)))
    return ids


def staff_ids(db_url: str) -> dict[str, int]:
    engine = create_engine(db_url)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT initials, id FROM staff")).all())
    engine.dispose()
    return found


def insert(db_url: str, rows: list[Any]) -> None:
    """Insert model rows in order, flushing each so later rows can use earlier ids."""
    engine = create_engine(db_url)
    with Session(engine) as session:
        for row in rows:
            if callable(row):
                row = row()
            if isinstance(row, DutyEpisode) and _record_steps(session, row):
                continue
            if isinstance(row, Team):  # the profile's teams exist since `kui init`: reuse them
                existing = session.execute(select(Team.id).where(Team.slug == row.slug)).scalar()
                if existing is not None:
                    row.id = existing
                    continue
            session.add(row)
            session.flush()
        session.commit()
    engine.dispose()


def _record_steps(session: Session, wanted: DutyEpisode) -> bool:
    """`youth add/update` opened the episode already (the law's clock): check that its deadlines
    are the hand-computed ones and record the steps on it. False when there is none to update."""
    query = select(DutyEpisode).where(
        DutyEpisode.youth_id == wanted.youth_id, DutyEpisode.out_since == wanted.out_since
    )
    opened = session.execute(query).scalar()
    if opened is None:
        return False
    assert (opened.contact_deadline, opened.offer_deadline) == (
        wanted.contact_deadline,
        wanted.offer_deadline,
    )
    for step in ("contacted_on", "offered_on", "closed_on"):
        if getattr(wanted, step) is not None:
            setattr(opened, step, getattr(wanted, step))
    return True


def _rows(ids: dict[str, int], staff: dict[str, int]) -> list[Any]:
    team2 = Team(slug="team-2", name="Team 2")
    team3 = Team(slug="team-3", name="Team 3")

    def referral(who: str, team: Team, on: dt.date, decided: dt.date | None) -> Any:
        return lambda: Referral(
            youth_id=ids[who],
            team_id=team.id,
            reason="test",
            referred_by="AB",
            referred_on=on,
            decided_on=decided,
            outcome="decided" if decided else None,
        )

    def assignment(who: str, by: str, consent: str, proposed: dt.date, **kw: Any) -> Any:
        return CoordinatorAssignment(
            youth_id=ids[who],
            staff_id=staff[by],
            consent=consent,
            proposed_on=proposed,
            recorded_by="AB",
            **kw,
        )

    def episode(who: str, out: dt.date, contact: dt.date, offer: dt.date, **kw: Any) -> Any:
        return DutyEpisode(
            youth_id=ids[who], out_since=out, contact_deadline=contact, offer_deadline=offer, **kw
        )

    def change(who: str, kind: str, by: str, on: dt.date, at: dt.datetime, ack: Any) -> Any:
        return ChangeLog(
            youth_id=ids[who],
            at=at,
            by=by,
            kind=kind,
            what=f"{kind} added",
            effective_on=on,
            acknowledged_at=ack,
            acknowledged_by="AB" if ack else None,
        )

    return [
        team2,
        team3,
        referral("Bo", team2, D(2026, 10, 6), D(2026, 10, 20)),
        referral("Karen", team3, D(2026, 10, 28), None),
        referral("Carl", team2, D(2026, 9, 22), D(2026, 9, 30)),
        assignment("Bo", "AB", "accepted", D(2026, 10, 8), start_on=D(2026, 10, 10)),
        assignment("Ida", "AB", "accepted", D(2026, 5, 1), start_on=D(2026, 5, 1)),
        assignment("Emil", "CD", "pending", D(2026, 10, 20)),
        assignment(
            "Carl", "CD", "accepted", D(2026, 9, 1), start_on=D(2026, 9, 1), end_on=D(2026, 10, 15)
        ),
        episode("Bo", D(2026, 10, 5), D(2026, 10, 12), D(2026, 11, 4), contacted_on=D(2026, 10, 8)),
        episode(
            "Carl",
            D(2026, 9, 20),
            D(2026, 9, 25),
            D(2026, 10, 20),
            contacted_on=D(2026, 10, 2),
            offered_on=D(2026, 10, 25),
        ),
        episode(
            "Dina", D(2026, 10, 10), D(2026, 10, 16), D(2026, 11, 9), closed_on=D(2026, 10, 14)
        ),
        episode(
            "Lars", D(2026, 11, 18), D(2026, 11, 25), D(2026, 12, 18), contacted_on=D(2026, 11, 20)
        ),
        change("Bo", "effort", "CD", D(2026, 10, 12), utc(2026, 10, 12, 10), utc(2026, 10, 13, 10)),
        change("Bo", "goal", "AB", D(2026, 10, 20), utc(2026, 10, 20, 8), utc(2026, 10, 23, 8)),
        change("Jens", "effort", "CD", D(2026, 10, 25), utc(2026, 10, 25, 12), utc(2026, 11, 2)),
        change("Ida", "goal", "EF", D(2026, 10, 30), utc(2026, 10, 30, 9), None),
    ]
