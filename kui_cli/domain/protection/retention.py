"""Storage limitation (opbevaring): young people past the retention age leave the register.

A youth is due when they have reached the profile's `privacy.retention_age` (default 30: status,
education orders and plans may be kept to 30) on the reference date and have no open duty
episode. Depending on `privacy.retention_mode` they are deleted with everything that hangs on
them (plan, history, referrals, custody holders...: every table that refers to `youth`), or
anonymised: the row stays for statistics (birth year, status, need, completion) with no name,
CPR, contact details or history, and with a new random key so it cannot be linked to the audit
trail. Audit entries are never touched: they only ever held the pseudonymous key, so the chain
stays whole and `audit subject CPR` still answers for a deleted youth.

Who is due is decided on the real Danish date (`periods.real_today`), never on `--today`
(issue 15): `--today 2099-01-01 retention purge` deletes exactly who is due today. A DPO needs
the deletion to follow the law, which speaks of the real day both ways (delete once due, never
before), and not the caller's word about the day. The purge ignores `--today` rather than
refusing it: a scheduled purge whose `KUI_TODAY` is stale then still deletes who is really due
(refusing would stop storage limitation silently in cron), and the audit entry records the day
it decided on. Only the dry run, which deletes nothing, may look ahead: `--today` moves the
preview.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, select
from sqlmodel import Session

from kui_cli.domain import periods
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages
from kui_cli.errors import KuiError
from kui_cli.models import DutyEpisode, Youth, metadata
from kui_cli.render.i18n import _

MIN_RETENTION_AGE = 25
ANONYMOUS_PREFIX = "X"
ANONYMOUS_NAME = "(anonymiseret)"
COLUMNS = ["id", "age", "registered_on", "action"]
CHUNK = 500


@dataclass(frozen=True)
class Due:
    """A youth the purge will remove: only what the dry-run may show, and the audit key."""

    id: int
    subject_key: str
    birth_date: dt.date
    registered_on: dt.date


def due(session: Session, today: dt.date, retention_age: int) -> list[Due]:
    """Youths at or past the retention age with no open duty episode (not yet anonymised)."""
    cutoff = ages.latest_birth_date_for_age(retention_age, today)
    open_episode = (
        select(DutyEpisode.id)
        .where(DutyEpisode.youth_id == Youth.id, DutyEpisode.closed_on.is_(None))
        .exists()
    )
    query = (
        select(Youth.id, Youth.subject_key, Youth.birth_date, Youth.registered_on)
        .where(
            Youth.birth_date <= cutoff,
            ~open_episode,
            ~Youth.cpr.startswith(ANONYMOUS_PREFIX),
        )
        .order_by(Youth.id)
    )
    return [Due(*row) for row in session.execute(query)]


def settings_of(profile: Profile) -> tuple[int, str]:
    """The retention age and mode of the profile; no age below 25 (the plan runs to 25)."""
    age = int(profile.value("privacy.retention_age"))
    if age < MIN_RETENTION_AGE:
        raise KuiError(
            _(
                "privacy.retention_age is {age}: it must be at least {min} "
                "(the education plan is kept until 25)"
            ).format(age=age, min=MIN_RETENTION_AGE)
        )
    return age, str(profile.value("privacy.retention_mode"))


def decision_day(actor: Actor, *, dry_run: bool) -> dt.date:
    """The day on which due-ness is decided: the real date for a purge, `--today` only for the
    preview of a dry run (see the module's docstring)."""
    return actor.today if dry_run else periods.real_today()


def pending(session: Session, actor: Actor, profile: Profile) -> tuple[int, str]:
    """How many youths a purge would remove now, and how: what the question before it says."""
    age, mode = settings_of(profile)
    return len(due(session, decision_day(actor, dry_run=False), age)), mode


def purge(
    session: Session, actor: Actor, profile: Profile, *, dry_run: bool = False
) -> list[dict[str, Any]]:
    """Delete or anonymise every youth that is due; returns what went (or would go)."""
    age, mode = settings_of(profile)
    day = decision_day(actor, dry_run=dry_run)
    found = due(session, day, age)
    rows = [
        {
            "id": d.id,
            "age": ages.age_on(d.birth_date, day),
            "registered_on": d.registered_on,
            "action": mode,
        }
        for d in found
    ]
    if not dry_run and found:
        audit.record_many(session, actor, mode, [d.subject_key for d in found])
        remove = _anonymise if mode == "anonymise" else _delete
        for start in range(0, len(found), CHUNK):
            remove(session, [d.id for d in found[start : start + CHUNK]])
    flt: dict[str, Any] = {"retention_age": age, "mode": mode, "on": day.isoformat()} | (
        {"dry_run": True} if dry_run else {}
    )
    audit.record(session, actor, "purge", filters=flt, rows=len(rows))
    return rows


def youth_references() -> list[tuple[Table, Column[Any]]]:
    """Every column that refers to `youth`, dependants before what they depend on."""
    found = []
    for table in reversed(metadata.sorted_tables):
        for key in table.foreign_keys:
            if key.column.table.name == Youth.__tablename__:
                found.append((table, key.parent))
    return found


def _remove_dependants(session: Session, ids: list[int]) -> None:
    """Every row that refers to these youths (their own dependants go by ON DELETE CASCADE)."""
    for table, column in youth_references():
        session.execute(delete(table).where(column.in_(ids)))


def _delete(session: Session, ids: list[int]) -> None:
    _remove_dependants(session, ids)
    session.execute(delete(Youth.__table__).where(Youth.__table__.c.id.in_(ids)))


def _anonymise(session: Session, ids: list[int]) -> None:
    _remove_dependants(session, ids)
    births = dict(
        session.execute(select(Youth.id, Youth.birth_date).where(Youth.id.in_(ids))).all()
    )
    table = Youth.__table__
    statement = (
        table.update()
        .where(table.c.id == bindparam("row_id"))
        .values(
            cpr=bindparam("new_cpr"),
            subject_key=bindparam("new_key"),
            birth_date=bindparam("new_birth"),
            name=ANONYMOUS_NAME,
            school=None,
            grade=None,
            phone=None,
            email=None,
            hours=None,
        )
    )
    session.execute(
        statement,
        [
            {
                "row_id": youth_id,
                "new_cpr": f"{ANONYMOUS_PREFIX}{youth_id:09d}",
                "new_key": f"anon-{secrets.token_hex(8)}",
                # 1 January keeps the birth year and never makes anyone younger.
                "new_birth": dt.date(births[youth_id].year, 1, 1),
            }
            for youth_id in ids
        ],
    )
