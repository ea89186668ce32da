"""`youth import --update`: the re-runnable import, for a periodic file from another system.

The file is validated as a plain import's (every row, every bad line named, nothing written
before all are good). Then its CPR numbers are looked up in batches, never one query per row:
a number that is not registered is a new youth, registered as by the plain import; a registered
one is compared with the register (`youths.changes_nothing`, the rule of `youth update` for a
field given its current value) and, when something differs, changed through the very function
behind `youth update` (`youths.apply_update`): history rows with `--reason`, the plan owner's
inbox, education-obligation episodes. A blank cell of a registered youth changes nothing.
All or nothing: a row that `youth update` would refuse refuses the file.

Who may run it, and what it reveals. An update import legitimately matches many registered CPR
numbers, so it is what a plain import's duplicate lines must never be, an answer to "is this
number registered?". Hence:

- Only the roles in the profile's `import.update_roles` (shipped: `leader`, `system`) run it;
  anyone else is refused before the file is read (nothing looked up), and the refusal audited.
- The see-all roles and the scheduled job's account (role `system`, which can read nothing
  back) match the register as a whole. Any other role named there updates only the youths it
  works on (the access rule, decided for each batch in one query); a registered number it does
  not work on is refused as a plain import's duplicate is: a lookup by CPR, counted against
  `privacy.cpr_lookups_per_day`, recorded and audited by its key, and beyond the day's lookups
  the file is refused naming no line.
- What is audited: every change, per youth by their key (`update`, by `apply_update`, as a
  hand-typed change), and the import as a whole in one entry (`import`: the file, the counts
  of new, updated and unchanged youths, the rows), as a listing is logged by its filter and not
  by the youths it showed. An entry per unchanged youth would answer no question a youth asks
  that the import's entry does not, and at a million youths a night it doubled the re-run's
  time and added a million entries to the log each night.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from kui_cli.domain import codes, profile
from kui_cli.domain.plan import changes
from kui_cli.domain.progress import SILENT, WRITING, Progress
from kui_cli.domain.protection import access, audit, lookups
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.protection.refusal import Refused
from kui_cli.domain.register import cpr, youths
from kui_cli.domain.register.importer import (
    NEED_GIVEN,
    SINCE_GIVEN,
    STATUS_GIVEN,
    AlreadyRegistered,
    BadRow,
    ImportRejected,
    Summary,
    Validated,
    register_rows,
    validated_file,
)
from kui_cli.errors import KuiError
from kui_cli.models import Youth
from kui_cli.render.i18n import _

ROLES_KEY = "import.update_roles"
ROLES_RULE = "import-update-roles"
BATCH = 5_000  # numbers per lookup query: within SQLite's and PostgreSQL's parameter limits
# What the comparison reads of a registered youth.
CURRENT = (
    Youth.id,
    Youth.cpr,
    Youth.subject_key,
    Youth.name,
    Youth.status,
    Youth.status_since,
    Youth.hours,
    Youth.need,
    Youth.school,
    Youth.grade,
    Youth.phone,
    Youth.email,
)


@dataclass
class Plan:
    """The file's rows sorted by what they do to the register."""

    new: list[tuple[Any, ...]]
    unchanged: list[Any]  # the registered youths' rows (CURRENT)
    changed: list[tuple[int, int, youths.YouthUpdate]]  # line, youth id, the update


def import_update(
    session: Session,
    actor: Actor,
    path: Path,
    reason: str | None,
    progress: Progress = SILENT,
    encoding: str | None = None,
) -> Summary:
    """Register the file's new youths and update the registered ones; all or nothing."""
    whole_register = require_update_role(session, actor)
    why = changes.required_reason(reason, _("the youths' data changes (--update)"))
    checked = validated_file(session, actor, path, progress, encoding=encoding, update=True)
    current = registered(session, [row[0] for row in checked.rows])
    if not whole_register:
        refuse_unseen(session, actor, checked, current)
    plan = sort_rows(checked, current, why)
    progress.phase(WRITING, len(plan.new) + len(plan.changed))
    if plan.new:
        register_rows(session, actor, path, checked, plan.new, progress=progress)
    bad = apply_changes(session, actor, plan.changed, progress)
    if bad:
        raise ImportRejected(bad)
    summary = Summary(len(plan.new), len(plan.changed), len(plan.unchanged), 0, checked.encoding)
    counts = {"new": summary.new, "updated": summary.updated, "unchanged": summary.unchanged}
    filters = {"file": path.name, "update": True, **counts}
    audit.record(session, actor, "import", filters=filters, rows=len(checked.rows))
    return summary


def require_update_role(session: Session, actor: Actor) -> bool:
    """Refused unless the acting user's role is in `import.update_roles`; returns whether they
    match the register as a whole (a see-all role, or the scheduled job's account)."""
    role = access.role_of(session)
    allowed = profile.current(session).value(ROLES_KEY)
    if role not in allowed:
        raise Refused(
            _(
                "`youth import --update` matches the file against every registered CPR number: "
                "only the roles in {key} may run it ({user} is {role})"
            ).format(key=ROLES_KEY, user=actor.user, role=role),
            ROLES_RULE,
        )
    return access.established(session).see_all or role == codes.SYSTEM_ROLE


def registered(session: Session, numbers: list[str]) -> dict[str, Any]:
    """The registered youths among `numbers`, by CPR: one query per BATCH numbers."""
    found: dict[str, Any] = {}
    connection = session.connection()  # Core rows: the ORM's loading costs more than the query
    for start in range(0, len(numbers), BATCH):
        chunk = numbers[start : start + BATCH]
        for row in connection.execute(select(*CURRENT).where(Youth.cpr.in_(chunk))):
            found[row.cpr] = row
    return found


def refuse_unseen(
    session: Session, actor: Actor, checked: Validated, current: dict[str, Any]
) -> None:
    """A registered number whose youth the user does not work on is a duplicate to them, as in
    a plain import: named by line within the day's lookups, else the file refused whole."""
    ids = [row.id for row in current.values()]
    seen: set[int] = set()
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        query = select(Youth.id).where(Youth.id.in_(chunk), access.condition(session))
        seen.update(session.execute(query).scalars())
    unseen = sorted(
        (row.cpr for row in current.values() if row.id not in seen), key=checked.line_of.get
    )
    if not unseen:
        return
    lookups.require_bulk_allowance(session, actor, unseen)
    why = _(
        "CPR {cpr} is registered on a case {user} does not work on: only its own case updates it"
    )
    bad = [
        BadRow(checked.line_of[n], why.format(cpr=cpr.masked(n), user=actor.user)) for n in unseen
    ]
    raise AlreadyRegistered(bad, unseen)


def sort_rows(checked: Validated, current: dict[str, Any], why: str) -> Plan:
    """New, unchanged and changed rows, in the file's order."""
    plan = Plan([], [], [])
    for params, given in zip(checked.rows, checked.given, strict=True):
        now = current.get(params[0])
        if now is None:
            plan.new.append(params)
            continue
        upd = update_of(params, given, why)
        if youths.changes_nothing(now, upd):
            plan.unchanged.append(now)
        else:
            plan.changed.append((checked.line_of[params[0]], now.id, upd))
    return plan


def update_of(params: tuple[Any, ...], given: int, why: str) -> youths.YouthUpdate:
    """A registered youth's row (importer.COLUMNS order) as the `youth update` it asks for: a
    blank cell gives nothing (the plain import's defaults are for new youths only)."""
    since = params[5] if given & SINCE_GIVEN else None
    return youths.YouthUpdate(
        reason=why,
        status=params[4] if given & STATUS_GIVEN else None,
        since=dt.date.fromisoformat(since) if since else None,
        need=params[6] if given & NEED_GIVEN else None,
        name=params[2],
        school=params[7],
        grade=params[8],
        phone=params[9],
        email=params[10],
    )


def apply_changes(
    session: Session,
    actor: Actor,
    changed: list[tuple[int, int, youths.YouthUpdate]],
    progress: Progress = SILENT,
) -> list[BadRow]:
    """Each change through `youths.apply_update`, in a savepoint of its own so that a refused
    row leaves nothing half-done while the others are still checked; the youths are loaded in
    batches. Returns the refused rows (then the caller rolls everything back)."""
    bad: list[BadRow] = []
    for start in range(0, len(changed), BATCH):
        batch = changed[start : start + BATCH]
        query = select(Youth).where(Youth.id.in_([youth_id for _line, youth_id, _update in batch]))
        loaded = {youth.id: youth for youth in session.execute(query).scalars()}
        for line, youth_id, upd in batch:
            try:
                with session.begin_nested():
                    youths.apply_update(session, actor, loaded[youth_id], upd)
            except KuiError as exc:
                bad.append(BadRow(line, str(exc)))
        progress.advance(len(batch))
    return bad
