"""Lookups by CPR number: the one rule that keeps kui from being a CPR-existence oracle (issue
15, hole 5).

"Is this number registered?" tells whoever asks that a child is a case of the youth services.
Three paths answer it: joining a case by CPR (`plan effort add CPR --responsible ME`), a
duplicate registration (`youth add`) and the duplicate lines of `youth import`. The rule, for
all three:

- Every such lookup is recorded in `cpr_lookup` (who, when, the real Danish day, the number's
  key, whether it was found): a join whether it finds the youth or not, a registration when the
  number is already registered. A refused lookup is recorded and audited ("refused", with the
  number's key and the rule) in a transaction of its own, so the command is still rolled back.
- Each user has `privacy.cpr_lookups_per_day` lookups a real day (the clock, never `--today`).
  Once they are used up, every path above is refused before anything is looked up (a
  registration too: its success would answer "not registered"), until tomorrow. The service
  account acting for a staff member counts for that staff member.
- An import whose already registered numbers are more than the lookups left to its user today
  is refused as a whole, naming no line and no number (a file of 20,000 guesses learns only
  "too many"); all its registered numbers are recorded as lookups, which uses up the day. An
  import within what is left names each duplicate line, as before, and each counts.
- On PostgreSQL a staff login's lookups go through the database's own functions (migration
  0008: `kui_join_youth`, `kui_subject_key`), which record them and enforce the same limit
  whatever client calls them; such a login cannot write `cpr_lookup` itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from sqlalchemy import func, select, text
from sqlmodel import Session

from kui_cli.domain import periods, settings
from kui_cli.domain import profile as profiles
from kui_cli.domain.protection import audit, row_security
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.protection.refusal import Refused
from kui_cli.domain.register import cpr
from kui_cli.models import CprLookup, Youth
from kui_cli.render.i18n import _, n_

LIMIT_KEY = "privacy.cpr_lookups_per_day"
LIMIT_RULE = "cpr-lookup-limit"
DUPLICATE_RULE = "duplicate"
NOT_FOUND_RULE = "join-not-found"
JOIN, REGISTER = "join", "register"


def limit(session: Session) -> int:
    """The lookups each user has a real day."""
    return int(profiles.current(session).value(LIMIT_KEY))


def used_today(session: Session, actor: Actor) -> int:
    """The lookups `actor.user` made on the real Danish date (a PostgreSQL staff login reads its
    own rows of `cpr_lookup`)."""
    query = select(func.count()).where(
        CprLookup.user == actor.user, CprLookup.day == periods.real_today()
    )
    return int(session.execute(query.select_from(CprLookup)).scalar() or 0)


def left_today(session: Session, actor: Actor) -> int:
    return max(limit(session) - used_today(session, actor), 0)


def require_allowance(session: Session, actor: Actor, number: str | None, purpose: str) -> None:
    """Refused, before anything is looked up, once the user's lookups of the day are used up
    (`number`: the one asked about, None for a file)."""
    if left_today(session, actor) <= 0:
        allowed = limit(session)
        raise Refused(
            n_(
                "{user} has used the {n} lookup by CPR number of today "
                "({key}): no more until tomorrow",
                "{user} has used the {n} lookups by CPR number of today "
                "({key}): no more until tomorrow",
                allowed,
            ).format(user=actor.user, n=allowed, key=LIMIT_KEY),
            LIMIT_RULE,
            looked_up=() if number is None else (number,),
            purpose=purpose,
        )


def require_bulk_allowance(
    session: Session, actor: Actor, registered: Sequence[str], purpose: str = REGISTER
) -> None:
    """An import with more registered numbers than the user's lookups left today: refused as a
    whole, naming none of them."""
    left = left_today(session, actor)
    if len(registered) > left:
        raise Refused(
            n_(
                "the file holds more CPR numbers that are already registered than the {n} "
                "lookup by CPR number left to {user} today ({key}): nothing is "
                "imported and no line is named",
                "the file holds more CPR numbers that are already registered than the {n} "
                "lookups by CPR number left to {user} today ({key}): nothing is "
                "imported and no line is named",
                left,
            ).format(n=left, user=actor.user, key=LIMIT_KEY),
            LIMIT_RULE,
            looked_up=tuple(registered),
            purpose=purpose,
        )


def duplicate(number: str, purpose: str = REGISTER) -> Refused:
    """A registration of a number that is registered already: refused, recorded and audited."""
    return Refused(
        _("a youth with CPR {cpr} is already registered").format(cpr=cpr.masked(number)),
        DUPLICATE_RULE,
        looked_up=(number,),
        purpose=purpose,
        plain=True,
    )


def join(session: Session, actor: Actor, number: str) -> Youth:
    """The youth a staff member joins by exact CPR: one lookup, recorded whether found or not."""
    require_allowance(session, actor, number, JOIN)
    if row_security.staff_login(session):  # the database looks up, records and limits
        youth = row_security.join_target(session, number)
    else:
        youth = session.execute(select(Youth).where(Youth.cpr == number)).scalar()
        if youth is not None:
            _write(session, actor, youth.subject_key, JOIN, True, False)
    if youth is None:
        message = _("no youth with CPR {cpr}").format(cpr=cpr.masked(number))
        raise Refused(message, NOT_FOUND_RULE, looked_up=(number,), purpose=JOIN, plain=True)
    return youth


def record_refusal(session: Session, actor: Actor, refusal: Refused) -> None:
    """A refusal's lookups and audit entries, in the refusal's own transaction: one entry per
    number looked up, named by its key (on a PostgreSQL staff login the database records the
    lookup while it gives the key)."""
    filters = {"rule": refusal.rule}
    if not refusal.looked_up:
        audit.record(session, actor, "refused", subject=refusal.subject, filters=filters)
        return
    refused = refusal.rule == LIMIT_RULE
    found = None if refused else refusal.rule == DUPLICATE_RULE
    by_database = settings.keyed_by_database(session)
    keyer = _database_keyer(session, refusal.purpose) if by_database else _keyer(session)
    for number in refusal.looked_up:
        key = keyer(number)
        if not by_database:
            _write(session, actor, key, refusal.purpose, found, refused)
        audit.record(session, actor, "refused", subject=key, filters=filters)


def _keyer(session: Session) -> Callable[[str], str | None]:
    return audit.subject_keyer(settings.subject_secret(session))


def _database_keyer(session: Session, purpose: str) -> Callable[[str], str | None]:
    """A PostgreSQL staff login's keys: the database records each lookup as it answers (a join
    is looked up again, the first try having been rolled back with the command)."""

    def joined(number: str) -> str | None:
        session.execute(text("SELECT set_config('kui.join_cpr', :n, true)"), {"n": number})
        session.execute(text("SELECT * FROM kui_join_youth()")).all()
        return None

    def keyed(number: str) -> str | None:
        query = text("SELECT kui_subject_key(:cpr, :why)")
        return session.execute(query, {"cpr": number, "why": purpose}).scalar()

    return joined if purpose == JOIN else keyed


def _write(
    session: Session, actor: Actor, key: str, purpose: str, found: bool | None, refused: bool
) -> None:
    session.add(
        CprLookup(
            at=dt.datetime.now(dt.UTC),
            day=periods.real_today(),
            user=actor.user,
            purpose=purpose,
            subject_key=key,
            found=found,
            refused=refused,
        )
    )
    session.flush()
