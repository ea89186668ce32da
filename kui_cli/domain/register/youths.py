"""The youth registry: registering, finding, updating, listing and showing young people."""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlmodel import Session

from kui_cli.domain import codes, settings
from kui_cli.domain import profile as profiles
from kui_cli.domain import staff as staff_domain
from kui_cli.domain.idlists import among
from kui_cli.domain.law import assessments, duty, transitions
from kui_cli.domain.plan import changes, owners
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import access, audit, lookups
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr, registration
from kui_cli.domain.register.kui import kui_youth_condition
from kui_cli.domain.register.registration import NewYouth
from kui_cli.domain.reports import measures
from kui_cli.errors import KuiError
from kui_cli.models import Guardian, Referral, Staff, Team, Youth
from kui_cli.phrase import Phrase
from kui_cli.render.i18n import _, mark

LIST_COLUMNS = [
    "id",
    "cpr",
    "name",
    "birth_date",
    "age",
    "age_group",
    "status",
    "status_since",
    "need",
    "coordinator",
    "team",
    "plan_owner",
    "registered_on",
]


@dataclass
class YouthFilter:
    """The filters of `youth list`; every one that is set narrows the listing."""

    group: int | None = None
    need: str | None = None
    status: str | None = None
    kui: bool = False
    search: str | None = None
    # coordinator and plan owner (issue 4): the active coordinator, as in the JSON field
    coordinator: str | None = None
    no_coordinator: bool = False
    no_plan_owner: bool = False
    team: str | None = None
    # not reached for at least this many days (issue 16: `contacts.without_contact_since`)
    no_contact_days: int | None = None
    extra: list[ColumnElement[bool]] = field(default_factory=list)

    def audit_form(self) -> dict[str, Any]:
        """The filter as it goes into the audit log: a CPR-like search term is masked."""
        values = {
            "group": self.group,
            "need": self.need,
            "status": self.status,
            "kui": self.kui or None,
            "search": _mask_digits(self.search) if self.search else None,
            "coordinator": self.coordinator,
            "no_coordinator": self.no_coordinator or None,
            "no_plan_owner": self.no_plan_owner or None,
            "team": self.team,
            "no_contact_days": self.no_contact_days,
        }
        return {key: value for key, value in values.items() if value is not None}


def _mask_digits(term: str) -> str:
    digits = sum(ch.isdigit() for ch in term)
    return f"{term[:6]}-xxxx" if digits >= 7 else term


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


def register(session: Session, actor: Actor, new: NewYouth) -> Youth:
    """Register one youth, with the registration as the first row of their history. A number
    registered already is a lookup by CPR (`lookups.py`): limited per day, recorded, audited."""
    window = registration.AgeWindow.of(profiles.current(session), actor.today)
    values = registration.validated(new, window)
    lookups.require_allowance(session, actor, values.cpr, lookups.REGISTER)
    if session.execute(select(Youth.id).where(Youth.cpr == values.cpr)).first():
        raise lookups.duplicate(values.cpr)
    youth = Youth(
        subject_key=settings.new_youth_keyer(session)(values.cpr),
        registered_on=actor.today,
        known_from=values.status_since,  # never after today (`registration.validated`)
        **values._asdict(),
    )
    _insert_new(session, youth)
    assert youth.id is not None
    changes.record(
        session,
        actor,
        youth.id,
        "registered",
        registration.registered_text(youth.status, youth.need),
        new=youth.status,
    )
    if settings.keyed_by_database(session):  # the key the database's trigger gave it
        session.refresh(youth, ["subject_key"])
    duty.status_changed(session, actor, youth)  # the law's clock (issue 5)
    audit.record(session, actor, "create", subject=youth.subject_key)
    return youth


def _insert_new(session: Session, youth: Youth) -> None:
    """Insert a new youth. A PostgreSQL staff login does not see a youth it works not on, so
    the database's unique index is what finds the number registered already."""
    from sqlalchemy.exc import IntegrityError

    try:
        with session.begin_nested():
            session.add(youth)
    except IntegrityError as exc:
        if not any(name in str(exc.orig) for name in ("ix_youth_cpr", "youth.cpr")):
            raise
        raise lookups.duplicate(youth.cpr) from None


def find(session: Session, reference: str) -> Youth:
    """A youth by id or by CPR (with or without the dash), if the acting user may see them
    (domain/protection/access.py)."""
    return access.require_youth(session, _lookup(session, reference))


def join_target(session: Session, actor: Actor, reference: str) -> Youth:
    """The youth whose case the acting user joins by its exact CPR (`plan effort add`): a
    lookup by CPR (`lookups.join`: limited per day, recorded whether found or not)."""
    ref = (reference or "").strip()
    return lookups.join(session, actor, ref.replace("-", "").replace(" ", ""))


def _lookup(session: Session, reference: str) -> Youth:
    ref = (reference or "").strip()
    if cpr.looks_like_cpr(ref):
        number = ref.replace("-", "").replace(" ", "")
        youth = session.execute(select(Youth).where(Youth.cpr == number)).scalar()
        if youth is None:
            raise KuiError(_("no youth with CPR {cpr}").format(cpr=cpr.masked(number)))
        return youth
    youth_id = codes.parse_id(ref)
    if youth_id is not None:
        youth = session.get(Youth, youth_id)
        if youth is None:
            raise KuiError(_("no youth with id {id}").format(id=ref))
        return youth
    raise KuiError(
        _("unknown youth {reference}: give the youth's id or CPR number").format(
            reference=repr(reference)
        )
    )


def conditions(flt: YouthFilter, today: dt.date, profile: Profile) -> list[ColumnElement[bool]]:
    """The SQL conditions of a filter."""
    where: list[ColumnElement[bool]] = list(flt.extra)
    if flt.group is not None:
        where.append(measures.age_group_condition(flt.group, today, profile.upper_age))
    if flt.need is not None:
        where.append(Youth.need == codes.need(flt.need))
    if flt.status is not None:
        where.append(Youth.status == codes.status(flt.status))
    if flt.kui:
        where.append(kui_youth_condition(today))
    if flt.no_coordinator:
        where.append(~owners.has_coordinator(today))
    if flt.no_plan_owner:
        where.append(~owners.has_plan_owner(today))
    if flt.search:
        term = flt.search.strip()
        digits = term.replace("-", "")
        if digits.isdigit():
            where.append(Youth.cpr.startswith(digits))
        else:
            # A literal part of the name: % and _ are what they are, not SQL wildcards.
            where.append(func.lower(Youth.name).contains(term.lower(), autoescape=True))
    if flt.team:
        where.append(measures.team_slug(today) == flt.team)
    if flt.no_contact_days is not None:
        from kui_cli.domain.plan import contacts  # which finds youths here

        if flt.no_contact_days < 1:
            raise KuiError(_("--no-contact-days must be 1 or more"))
        where.append(contacts.without_contact_since(today, flt.no_contact_days))
    return where


# Youths per query of a streamed listing: a batch's cases and teams are asked by id
# (`idlists.among`: one bound list, so a larger batch costs no more to prepare).
LIST_BATCH = 2000
LIST_FIELDS = (
    Youth.id,
    Youth.cpr,
    Youth.name,
    Youth.birth_date,
    Youth.status,
    Youth.status_since,
    Youth.need,
    Youth.registered_on,
)


@dataclass(frozen=True)
class Found:
    """The youths of a listing, found and audited: `records` reads them a batch at a time."""

    ids: array
    today: dt.date
    profile: Profile
    reveal: bool

    def records(self, session: Session) -> Iterator[dict[str, Any]]:
        """The records in id order, as the JSON contract of CLI.md describes them, read and
        built a batch at a time so that memory does not grow with the listing."""
        connection = session.connection()  # Core rows: no ORM object per youth
        members: dict[int, Staff] = {}  # the staff named so far, loaded once for the listing
        for start in range(0, len(self.ids), LIST_BATCH):
            batch = self.ids[start : start + LIST_BATCH].tolist()
            query = select(*LIST_FIELDS).where(among(session, Youth.id, batch)).order_by(Youth.id)
            rows = connection.execute(query).all()
            team_of = team_slugs(session, batch, self.today)
            cases = owners.cases(session, rows, self.today, members)
            for row in rows:
                case, team = cases.get(row.id), team_of.get(row.id)
                yield as_record(row, self.today, self.profile, reveal=self.reveal, case=case,
                                team=team)  # fmt: skip


def listing(
    session: Session, actor: Actor, profile: Profile, flt: YouthFilter, *, reveal: bool = False
) -> Found:
    """The youths that match the filter; the listing is audited with its row count before a
    row is read (`Found.records`), so what is shown was logged even when the reader stops.

    Only the ids are found here (a million fit in 8 MB); coordinator, plan owner and team come
    from a few queries per batch of records, never per youth.
    """
    if reveal:
        access.require_reveal(session, _("--reveal (the full CPR number)"))
    where = [*conditions(flt, actor.today, profile), access.condition(session)]
    if flt.coordinator:
        if flt.no_coordinator:
            raise KuiError(_("--coordinator and --no-coordinator exclude each other"))
        member = staff_domain.find(session, flt.coordinator)
        where.append(owners.has_coordinator(actor.today, member.id))
    query = select(Youth.id).where(*where).order_by(Youth.id)
    ids = array("q")
    for part in session.connection().execute(query).scalars().partitions(10_000):
        ids.extend(part)  # fetchmany: a row at a time costs a tenth of a second at 30,000
    filters = {**flt.audit_form(), **revealed(reveal)}
    audit.record(session, actor, "list", filters=filters, rows=len(ids))
    return Found(ids, actor.today, profile, reveal)


def revealed(reveal: bool) -> dict[str, bool]:
    """What an audit entry adds for `--reveal`: a look at full CPR numbers is told apart from a
    look at masked ones."""
    return {"revealed": True} if reveal else {}


def as_record(
    youth: Youth | Any,
    today: dt.date,
    profile: Profile,
    *,
    reveal: bool,
    case: owners.Case | None = None,
    team: str | None = None,
) -> dict[str, Any]:
    """A youth (or a row of `LIST_FIELDS`) as the JSON contract of CLI.md describes it; `case`
    from `owners.cases`."""
    return {
        "id": youth.id,
        "cpr": cpr.formatted(youth.cpr) if reveal else cpr.masked(youth.cpr),
        "name": youth.name,
        "birth_date": youth.birth_date,
        "age": ages.age_on(youth.birth_date, today),
        "age_group": ages.age_group(youth.birth_date, youth.status, today, profile.upper_age),
        "status": youth.status,
        "status_since": youth.status_since,
        "need": youth.need,
        "coordinator": case.coordinator.initials if case and case.coordinator else None,
        "team": team,
        "plan_owner": case.owner.staff.initials if case and case.owner else None,
        "registered_on": youth.registered_on,
    }


def details(
    session: Session, actor: Actor, profile: Profile, reference: str, *, reveal: bool = False
) -> dict[str, Any]:
    """The one-page overview of `youth show`: the record, contact details, guardians, history."""
    if reveal:
        access.require_reveal(session, _("--reveal (the full CPR number)"))
    youth = find(session, reference)
    case = owners.case_of(session, youth, actor.today)
    team = team_slugs(session, [youth.id], actor.today).get(youth.id) if youth.id else None
    record = as_record(youth, actor.today, profile, reveal=reveal, case=case, team=team)
    record.update(
        hours=youth.hours,
        school=youth.school,
        grade=youth.grade,
        phone=youth.phone,
        email=youth.email,
        applied=youth.applied,
        completed_on=youth.completed_on,
        at_risk=youth.at_risk_since,
        guardians=[
            {"id": g.id, "name": g.name, "phone": g.phone, "email": g.email}
            for g in guardians_of(session, youth.id)
        ],
        professionals=owners.professionals(case),
        history=[
            {"at": c.at, "by": c.by, "what": changes.said(c), "why": changes.reason(c)}
            for c in changes.for_youth(session, youth.id)
        ],
    )
    # The law's clock (issue 5): open deadlines, next transition, readiness assessments.
    record.update(duty.show_fields(session, youth, actor.today))
    record.update(transitions.show_fields(youth, actor.today, profile.upper_age))
    record["assessments"] = assessments.for_youth(session, youth.id)
    from kui_cli.domain.plan import contacts  # which finds youths here

    record.update(contacts.show_fields(session, youth, actor.today, contacts.limit(profile)))
    audit.record(session, actor, "read", subject=youth.subject_key, filters=revealed(reveal))
    return record


def guardians_of(session: Session, youth_id: int | None) -> list[Guardian]:
    query = select(Guardian).where(Guardian.youth_id == youth_id).order_by(Guardian.id)
    return list(session.execute(query).scalars())


def add_guardian(
    session: Session,
    actor: Actor,
    reference: str,
    name: str,
    phone: str | None = None,
    email: str | None = None,
) -> Guardian:
    """Record a custody holder of a minor (until 18 the plan is revised with them)."""
    youth = find(session, reference)
    if not name.strip():
        raise KuiError(_("the guardian's name is required"))
    cpr.refuse_in_text(name, "--name")  # printed on the plan's copy for the custody holders
    if ages.age_on(youth.birth_date, actor.today) >= 18:
        raise KuiError(
            _("youth {id} is 18 or older: custody holders apply to minors only").format(id=youth.id)
        )
    guardian = Guardian(
        youth_id=youth.id,
        name=name.strip(),
        phone=_blank_to_none(phone),
        email=codes.email(email),
    )
    session.add(guardian)
    session.flush()
    what = Phrase(mark("history", "custody holder {name} added"), {"name": guardian.name})
    changes.record(session, actor, youth.id, "guardian", what)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return guardian


def guardian_of(session: Session, guardian_id: int) -> tuple[Guardian, Youth]:
    """A custody holder and their youth, if the acting user works on the youth's case (the
    guardian's details are the youth's personal data: need-to-know, as for the youth)."""
    guardian = session.get(Guardian, guardian_id)
    if guardian is None:
        raise KuiError(
            _("no custody holder with id {id} (`kui youth show` lists them)").format(id=guardian_id)
        )
    return guardian, access.require_youth(session, session.get(Youth, guardian.youth_id))


def update_guardian(
    session: Session,
    actor: Actor,
    guardian_id: int,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> list[str]:
    """Correct a custody holder's name, phone or e-mail (an empty phone or e-mail clears it):
    one change-log row per field with old and new (a guardian change reaches the plan owner),
    audited. Returns the fields changed; a change to nothing new is refused."""
    guardian, youth = guardian_of(session, guardian_id)
    wanted: dict[str, str | None] = dict(cpr.changed_texts({"name": name}))
    if phone is not None:
        wanted["phone"] = cpr.refuse_in_text(_blank_to_none(phone), "--phone")
    if email is not None:
        wanted["email"] = codes.email(email)
    changed = [key for key, value in wanted.items() if getattr(guardian, key) != value]
    if not changed:
        raise KuiError(
            _("nothing to change: custody holder {id} has these details already").format(
                id=guardian.id
            )
        )
    for key in changed:
        old = getattr(guardian, key)
        setattr(guardian, key, wanted[key])
        what = Phrase(
            mark("history", "custody holder {id}: {field} changed"),
            {"id": guardian.id, "field": key},
        )
        changes.record(session, actor, youth.id, "guardian", what, old=old, new=wanted[key])
    audit.record(session, actor, "update", subject=youth.subject_key)
    return changed


def remove_guardian(session: Session, actor: Actor, guardian_id: int, reason: str) -> Guardian:
    """Take a custody holder off the youth's record (custody changed, registered by mistake):
    the row goes, the change log keeps who they were and why, audited."""
    why = changes.required_reason(reason, _("the custody holder is removed"))
    guardian, youth = guardian_of(session, guardian_id)
    session.delete(guardian)
    session.flush()
    what = Phrase(mark("history", "custody holder {name} removed"), {"name": guardian.name})
    changes.record(session, actor, youth.id, "guardian", what, old=guardian.name, why=why)
    audit.record(session, actor, "update", subject=youth.subject_key)
    return guardian


@dataclass
class YouthUpdate:
    """The changes of `youth update`; None means unchanged. A reason is always required."""

    reason: str
    status: str | None = None
    since: dt.date | None = None
    hours: float | None = None
    need: str | None = None
    name: str | None = None
    applied: str | None = None
    completed_on: dt.date | None = None
    phone: str | None = None
    email: str | None = None
    school: str | None = None
    grade: int | None = None


@dataclass
class Updated:
    """What `update` did: the youth, and the fields given that already had the value given
    (field -> current value), which are neither changed nor logged."""

    youth: Youth
    changed: list[str]
    unchanged: dict[str, Any]


def update(session: Session, actor: Actor, reference: str, upd: YouthUpdate) -> Updated:
    """Apply the changes, each as one change-log row with the reason; a field given the value it
    already has is no change: nothing is logged for it (no row in the owner's inbox), and when
    nothing changed at all the youth was only read."""
    _check_texts(upd)  # before the youth is looked up, as always
    return apply_update(session, actor, find(session, reference), upd)


def apply_update(session: Session, actor: Actor, youth: Youth, upd: YouthUpdate) -> Updated:
    """`update` of a youth the caller may change, audited: found by `find`, or by the update
    import, which decides access for a whole batch of youths at once."""
    done = apply_changes(session, actor, youth, upd)
    if not done.changed and not done.unchanged:
        raise KuiError(_("nothing to change: give --status, --need, --name or another field"))
    action = "update" if done.changed else "read"
    audit.record(session, actor, action, subject=youth.subject_key)
    return done


def apply_changes(session: Session, actor: Actor, youth: Youth, upd: YouthUpdate) -> Updated:
    """The changes of `update` to a youth already found, each logged with the reason; not
    audited (the caller audits: `apply_update` one youth, the status feed all it touched at
    once)."""
    _check_texts(upd)
    why = upd.reason.strip()
    done = Updated(youth, [], {})
    _apply_status(session, actor, youth, upd, why, done)
    if done.changed:  # a status change opens, keeps or closes the education obligation (issue 5)
        duty.status_changed(session, actor, youth, why)
    _apply_simple_fields(session, actor, youth, upd, why, done)
    return done


def _check_texts(upd: YouthUpdate) -> None:
    if not upd.reason or not upd.reason.strip():
        raise KuiError(_("--reason is required: say why the youth's data changes"))
    cpr.refuse_in_text(upd.reason, "--reason")
    cpr.refuse_in_text(upd.name, "--name")
    cpr.refuse_in_text(upd.school, "--school")  # shown by `youth show` to all on the case


def changes_nothing(youth: Any, upd: YouthUpdate) -> bool:
    """Whether `apply_update` would change nothing about `youth` (a Youth, or a row with its
    columns): every field given already has the value given. The update import asks it of every
    registered row before it loads any youth."""
    if upd.status is None:
        if upd.since is not None or upd.hours is not None:
            return False  # refused by `apply_update`, which says why
    elif not _same_status(youth, codes.status(upd.status), upd.since, upd.hours):
        return False
    return all(getattr(youth, attr) == value for attr, value in _wanted(upd).items())


def _same_status(youth: Any, status: str, since: dt.date | None, hours: float | None) -> bool:
    """A status given is no change when it is the current one, from the same day (or no day
    given) and with the same hours (or none given)."""
    same_hours = hours is None or hours == youth.hours
    return status == youth.status and since in (None, youth.status_since) and same_hours


def _apply_status(
    session: Session, actor: Actor, youth: Youth, upd: YouthUpdate, why: str, done: Updated
) -> None:
    if upd.status is None:
        if upd.since is not None:
            raise KuiError(_("--since goes with --status"))
        if upd.hours is not None:
            raise KuiError(_("--hours goes with --status job"))
        return
    status = codes.status(upd.status)
    if upd.hours is not None and (status not in codes.WEEKLY_HOURS or not 0 <= upd.hours <= 80):
        raise KuiError(_("--hours is the weekly hours of a job: 0-80, with --status job"))
    if _same_status(youth, status, upd.since, upd.hours):
        done.unchanged["status"] = youth.status
        return
    since = upd.since or actor.today
    changes.add(session, set_status(actor, youth, status, since, upd.hours, why))
    done.changed.append("status")


def set_status(
    actor: Actor, youth: Any, status: str, since: dt.date, hours: float | None, why: str | Phrase
) -> dict[str, Any]:
    """The rule of a status change, on a `Youth` or the status feed's row of one: the start is
    checked, status, start and hours are set, an at-risk mark ends, and the change-log row that
    records it (`changes.row`) is returned."""
    if since > actor.today:
        # As at registration: the status column is what the youth does now, not a plan.
        raise KuiError(
            _("--since {since} is after {today}: record a status once it has begun").format(
                since=since, today=actor.today
            )
        )
    if since < youth.status_since:
        # A status follows the current one: starting earlier would run the history backwards
        # and close an education-obligation episode on a day nobody entered.
        raise KuiError(
            _(
                "--since {since} is before {start}, the start of the current status {status}: a "
                "new status starts on or after it"
            ).format(since=since, start=youth.status_since, status=youth.status)
        )
    old = youth.status
    youth.status, youth.status_since, youth.hours = status, since, hours
    if youth.at_risk_since is not None and youth.at_risk_since <= since:
        youth.at_risk_since = None  # a risk of drop-out is of the status before: it is past
    args = {"status": status, "since": since, "old_status": old}
    if hours is None:
        what = Phrase(mark("history", "status: {status} since {since} (was {old_status})"), args)
    else:
        template = mark(
            "history", "status: {status} ({hours} h/week) since {since} (was {old_status})"
        )
        what = Phrase(template, {**args, "hours": f"{hours:g}"})
    return changes.row(
        actor, youth.id, "status", what, old=old, new=status, why=why, effective_on=since
    )


def _wanted(upd: YouthUpdate) -> dict[str, Any]:
    """The fields besides the status that `upd` gives, as they would be stored."""
    wanted: dict[str, Any] = {}
    if upd.need is not None:
        wanted["need"] = codes.need(upd.need)
    wanted.update(cpr.changed_texts({"name": upd.name}))
    if upd.applied is not None:
        wanted["applied"] = codes.checked(upd.applied, codes.APPLIED, "application")
    if upd.completed_on is not None:
        wanted["completed_on"] = upd.completed_on
    if upd.grade is not None:
        wanted["grade"] = registration.checked_grade(upd.grade)
    for attr in ("school", "phone", "email"):
        if getattr(upd, attr) is not None:
            wanted[attr] = _blank_to_none(getattr(upd, attr))
    return wanted


def _apply_simple_fields(
    session: Session, actor: Actor, youth: Youth, upd: YouthUpdate, why: str, done: Updated
) -> None:
    for attr, value in _wanted(upd).items():
        if value == getattr(youth, attr):
            done.unchanged[attr] = value
            continue
        changes.add(session, set_field(actor, youth, attr, value, why))
        done.changed.append(attr)


# The history's sentence of each field `set_field` sets, the field's value named as the field.
FIELD_CHANGED = {
    "need": mark("history", "need: {need}"),
    "name": mark("history", "name: {name}"),
    "applied": mark("history", "applied: {applied}"),
    "completed_on": mark("history", "completed_on: {completed_on}"),
    "grade": mark("history", "grade: {grade}"),
    "school": mark("history", "school: {school}"),
    "phone": mark("history", "phone: {phone}"),
    "email": mark("history", "email: {email}"),
}


def set_field(actor: Actor, youth: Any, attr: str, value: Any, why: str | Phrase) -> dict[str, Any]:
    """One field of `youth update` set (on a `Youth` or the status feed's row of one), and the
    change-log row that records it."""
    if attr == "completed_on" and value > actor.today:
        raise KuiError(_("--completed-on cannot be in the future"))
    old = getattr(youth, attr)
    setattr(youth, attr, value)
    if attr == "applied":
        youth.applied_on = actor.today
    what = Phrase(FIELD_CHANGED[attr], {attr: value})
    return changes.row(actor, youth.id, attr, what, old=old, new=value, why=why)


def count(session: Session, *where: ColumnElement[bool]) -> int:
    """How many youths match; for summaries that need no rows."""
    return session.execute(select(func.count()).select_from(Youth).where(*where)).scalar() or 0


def team_slugs(session: Session, youth_ids: list[int], on: dt.date) -> dict[int, str]:
    """The team slug (`measures.team_on`) of each youth that has one, in one query (no N+1)."""
    query = (
        select(Referral.youth_id, Referral.id, Team.slug, Referral.referred_on, Referral.decided_on)
        .join(Team, Team.id == Referral.team_id)
        .where(among(session, Referral.youth_id, youth_ids))
    )
    referrals: dict[int, list[measures.TeamReferral]] = {}
    for youth_id, *facts in session.execute(query):
        referrals.setdefault(youth_id, []).append(measures.TeamReferral(*facts))
    found = {youth_id: measures.team_on(refs, on) for youth_id, refs in referrals.items()}
    return {youth_id: slug for youth_id, slug in found.items() if slug is not None}
