"""The lookups that the hot commands are built from, each with the index it must use.

tests/test_query_plans.py checks their plans (EXPLAIN QUERY PLAN on SQLite); bench/run.py times
them at N on SQLite and PostgreSQL, which gives the SQL floor of commands such as `youth list
--coordinator`, `agenda show --next`, `duty check` and `plan inbox` even before they exist.
Parameters are named (`:coordinator`) and filled from `parameters(meta)`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

COORDINATOR_ID = "(SELECT id FROM staff WHERE initials = :coordinator)"
TEAM_ID = "(SELECT id FROM team WHERE slug = :team)"


@dataclass(frozen=True)
class Lookup:
    what: str
    sql: str
    index: str


LOOKUPS = [
    Lookup("a youth by CPR", "SELECT id FROM youth WHERE cpr = :cpr", "ix_youth_cpr"),
    Lookup(
        "a youth's history",
        "SELECT * FROM change_log WHERE youth_id = :youth ORDER BY at, id",
        "ix_change_log_youth_at",
    ),
    Lookup(
        "a coordinator's youths",
        "SELECT y.* FROM youth y JOIN coordinator_assignment a ON a.youth_id = y.id "
        f"WHERE a.staff_id = {COORDINATOR_ID} AND a.consent = 'accepted' AND a.end_on IS NULL "
        "ORDER BY y.id",
        "ix_coordinator_assignment_staff_id",
    ),
    Lookup(
        "a youth's coordinator",
        "SELECT staff_id FROM coordinator_assignment WHERE youth_id = :youth AND end_on IS NULL",
        "ix_coordinator_assignment_youth_id",
    ),
    Lookup(
        "the next meeting of a team",
        f"SELECT id FROM meeting WHERE team_id = {TEAM_ID} AND starts_at >= :now "
        "ORDER BY starts_at LIMIT 1",
        "ix_meeting_team_starts",
    ),
    Lookup(
        "the referrals of a team's next meeting",
        "SELECT r.* FROM referral r WHERE r.meeting_id = (SELECT id FROM meeting "
        f"WHERE team_id = {TEAM_ID} AND starts_at >= :now ORDER BY starts_at LIMIT 1)",
        "ix_referral_meeting_id",
    ),
    Lookup(
        "a youth's referrals",
        "SELECT team_id, outcome FROM referral WHERE youth_id = :youth",
        "ix_referral_youth_id",
    ),
    Lookup(
        "open duty episodes",
        "SELECT d.*, y.name FROM duty_episode d JOIN youth y ON y.id = d.youth_id "
        "WHERE d.closed_on IS NULL",
        "ix_duty_episode_closed_on",
    ),
    Lookup(
        "youths turning 18 within 90 days (handover)",
        "SELECT id, birth_date FROM youth WHERE birth_date > :born_from AND birth_date <= :born_to",
        "ix_youth_birth_date",
    ),
    Lookup(
        "unacknowledged changes of a coordinator's youths",
        "SELECT c.* FROM change_log c JOIN coordinator_assignment a ON a.youth_id = c.youth_id "
        f"WHERE a.staff_id = {COORDINATOR_ID} AND a.end_on IS NULL "
        "AND c.acknowledged_at IS NULL ORDER BY c.at",
        "ix_change_log_youth_at",
    ),
]


def parameters(meta: dict[str, Any], cpr: str) -> dict[str, Any]:
    """Every lookup's parameters for a generated municipality (its meta data) and one CPR."""
    today = dt.date.fromisoformat(meta["today"])
    turned_18 = today.replace(year=today.year - 18)
    return {
        "cpr": cpr,
        "youth": meta["youth"],
        "coordinator": meta["coordinator"],
        "team": meta["team"],
        "now": f"{today.isoformat()} 00:00:00.000000",
        "born_from": turned_18.isoformat(),
        "born_to": (turned_18 + dt.timedelta(days=90)).isoformat(),
    }
