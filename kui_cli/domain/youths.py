"""The youth registry: registering, finding, updating, listing and showing young people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlmodel import Session

from kui_cli.domain import ages, audit, changes, codes, cpr, settings
from kui_cli.domain.audit import Actor
from kui_cli.domain.kui import kui_youth_condition
from kui_cli.domain.profile import Profile
from kui_cli.errors import KuiError
from kui_cli.models import Guardian, Youth

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
class NewYouth:
    """What a coordinator gives when registering a youth; validated by `register`."""

    cpr: str
    name: str
    status: str = "none"
    since: dt.date | None = None
    need: str = "A"
    school: str | None = None
    grade: int | None = None
    phone: str | None = None
    email: str | None = None


@dataclass
class YouthFilter:
    """The filters of `youth list`; every one that is set narrows the listing."""

    group: int | None = None
    need: str | None = None
    status: str | None = None
    kui: bool = False
    search: str | None = None
    extra: list[ColumnElement[bool]] = field(default_factory=list)

    def audit_form(self) -> dict[str, Any]:
        """The filter as it goes into the audit log: a CPR-like search term is masked."""
        values = {
            "group": self.group,
            "need": self.need,
            "status": self.status,
            "kui": self.kui or None,
            "search": _mask_digits(self.search) if self.search else None,
        }
        return {key: value for key, value in values.items() if value is not None}


def _mask_digits(term: str) -> str:
    digits = sum(ch.isdigit() for ch in term)
    return f"{term[:6]}-xxxx" if digits >= 7 else term


def validated(new: NewYouth, today: dt.date) -> dict[str, Any]:
    """The column values of a new youth, or a KuiError naming the first bad field."""
    number = cpr.normalise(new.cpr, today)
    name = (new.name or "").strip()
    if not name:
        raise KuiError("name is required")
    status = codes.status(new.status)
    need = codes.need(new.need)
    born = cpr.birth_date(number)
    since = new.since or today
    if since < born:
        raise KuiError(f"status since {since} is before the birth date {born}")
    if new.grade is not None and not 0 <= new.grade <= 10:
        raise KuiError(f"grade must be 0-10, got {new.grade}")
    return {
        "cpr": number,
        "name": name,
        "birth_date": born,
        "status": status,
        "status_since": since,
        "need": need,
        "school": _blank_to_none(new.school),
        "grade": new.grade,
        "phone": _blank_to_none(new.phone),
        "email": _blank_to_none(new.email),
        "registered_on": today,
    }


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value else None


def register(session: Session, actor: Actor, new: NewYouth) -> Youth:
    """Register one youth, with the registration as the first row of their history."""
    values = validated(new, actor.today)
    if session.execute(select(Youth.id).where(Youth.cpr == values["cpr"])).first():
        raise KuiError(f"a youth with CPR {cpr.masked(values['cpr'])} is already registered")
    key = audit.subject_key(settings.subject_secret(session), values["cpr"])
    youth = Youth(subject_key=key, **values)
    session.add(youth)
    session.flush()
    assert youth.id is not None
    changes.record(
        session,
        actor,
        youth.id,
        "registered",
        f"registered with status {youth.status}, need {youth.need}",
        new=youth.status,
    )
    audit.record(session, actor, "create", subject=key)
    return youth


def find(session: Session, reference: str) -> Youth:
    """A youth by id or by CPR (with or without the dash)."""
    ref = (reference or "").strip()
    if cpr.looks_like_cpr(ref):
        number = ref.replace("-", "").replace(" ", "")
        youth = session.execute(select(Youth).where(Youth.cpr == number)).scalar()
        if youth is None:
            raise KuiError(f"no youth with CPR {cpr.masked(number)}")
        return youth
    youth_id = codes.parse_id(ref)
    if youth_id is not None:
        youth = session.get(Youth, youth_id)
        if youth is None:
            raise KuiError(f"no youth with id {ref}")
        return youth
    raise KuiError(f"unknown youth {reference!r}: give the youth's id or CPR number")


def age_group_condition(group: int, today: dt.date, upper_age: int) -> ColumnElement[bool]:
    """SQL for `age_group == group` on `today`, the same rule as `ages.age_group`."""
    born_18 = ages.latest_birth_date_for_age(18, today)
    born_25 = ages.latest_birth_date_for_age(25, today)
    born_upper = ages.latest_birth_date_for_age(upper_age, today)
    in_kui = Youth.birth_date > born_upper
    primary = Youth.status == ages.PRIMARY_SCHOOL
    by_group = {
        1: primary,
        2: and_(~primary, Youth.birth_date > born_18),
        3: and_(~primary, Youth.birth_date <= born_18, Youth.birth_date > born_25),
        4: and_(~primary, Youth.birth_date <= born_25),
    }
    if group not in by_group:
        raise KuiError(f"age group must be 1, 2, 3 or 4, got {group}")
    return and_(in_kui, by_group[group])


def conditions(flt: YouthFilter, today: dt.date, profile: Profile) -> list[ColumnElement[bool]]:
    """The SQL conditions of a filter."""
    where: list[ColumnElement[bool]] = list(flt.extra)
    if flt.group is not None:
        where.append(age_group_condition(flt.group, today, profile.upper_age))
    if flt.need is not None:
        where.append(Youth.need == codes.need(flt.need))
    if flt.status is not None:
        where.append(Youth.status == codes.status(flt.status))
    if flt.kui:
        where.append(kui_youth_condition(today))
    if flt.search:
        term = flt.search.strip()
        digits = term.replace("-", "")
        if digits.isdigit():
            where.append(Youth.cpr.startswith(digits))
        else:
            where.append(func.lower(Youth.name).contains(term.lower()))
    return where


def listing(
    session: Session, actor: Actor, profile: Profile, flt: YouthFilter, *, reveal: bool = False
) -> list[dict[str, Any]]:
    """The youths that match the filter, as records; the listing is audited with its row count."""
    query = select(Youth).where(*conditions(flt, actor.today, profile)).order_by(Youth.id)
    youths = list(session.execute(query).scalars())
    records = [as_record(y, actor.today, profile, reveal=reveal) for y in youths]
    audit.record(session, actor, "list", filters=flt.audit_form(), rows=len(records))
    return records


def as_record(youth: Youth, today: dt.date, profile: Profile, *, reveal: bool) -> dict[str, Any]:
    """A youth as the JSON contract of CLI.md describes it."""
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
        "coordinator": None,
        "team": None,
        "plan_owner": None,
        "registered_on": youth.registered_on,
    }


def details(
    session: Session, actor: Actor, profile: Profile, reference: str, *, reveal: bool = False
) -> dict[str, Any]:
    """The one-page overview of `youth show`: the record, contact details, guardians, history."""
    youth = find(session, reference)
    record = as_record(youth, actor.today, profile, reveal=reveal)
    record.update(
        hours=youth.hours,
        school=youth.school,
        grade=youth.grade,
        phone=youth.phone,
        email=youth.email,
        applied=youth.applied,
        completed_on=youth.completed_on,
        guardians=[
            {"name": g.name, "phone": g.phone, "email": g.email}
            for g in guardians_of(session, youth.id)
        ],
        history=[
            {"at": c.at, "by": c.by, "what": c.what, "why": c.why}
            for c in changes.for_youth(session, youth.id)
        ],
    )
    audit.record(session, actor, "read", subject=youth.subject_key)
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
        raise KuiError("the guardian's name is required")
    if ages.age_on(youth.birth_date, actor.today) >= 18:
        raise KuiError(f"youth {youth.id} is 18 or older: custody holders apply to minors only")
    guardian = Guardian(
        youth_id=youth.id,
        name=name.strip(),
        phone=_blank_to_none(phone),
        email=_blank_to_none(email),
    )
    session.add(guardian)
    session.flush()
    changes.record(session, actor, youth.id, "guardian", f"custody holder {guardian.name} added")
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


def update(session: Session, actor: Actor, reference: str, upd: YouthUpdate) -> Youth:
    """Apply the changes, each as one change-log row with the reason."""
    if not upd.reason or not upd.reason.strip():
        raise KuiError("--reason is required: say why the youth's data changes")
    youth = find(session, reference)
    why = upd.reason.strip()
    made = _apply_status(session, actor, youth, upd, why)
    made |= _apply_simple_fields(session, actor, youth, upd, why)
    if not made:
        raise KuiError("nothing to change: give --status, --need, --name or another field")
    audit.record(session, actor, "update", subject=youth.subject_key)
    return youth


def _apply_status(session: Session, actor: Actor, youth: Youth, upd: YouthUpdate, why: str) -> bool:
    if upd.status is None:
        if upd.since is not None:
            raise KuiError("--since goes with --status")
        if upd.hours is not None:
            raise KuiError("--hours goes with --status job")
        return False
    status = codes.status(upd.status)
    since = upd.since or actor.today
    if since < youth.birth_date:
        raise KuiError(f"--since {since} is before the birth date")
    if upd.hours is not None and (status != "job" or not 0 <= upd.hours <= 80):
        raise KuiError("--hours is the weekly hours of a job: 0-80, with --status job")
    old = f"{youth.status} since {youth.status_since}"
    youth.status, youth.status_since, youth.hours = status, since, upd.hours
    new = f"{status} since {since}" + (f" ({upd.hours:g} h/week)" if upd.hours is not None else "")
    changes.record(session, actor, youth.id, "status", f"status: {new}", old=old, new=new, why=why)
    return True


def _apply_simple_fields(
    session: Session, actor: Actor, youth: Youth, upd: YouthUpdate, why: str
) -> bool:
    wanted: dict[str, Any] = {}
    if upd.need is not None:
        wanted["need"] = codes.need(upd.need)
    if upd.name is not None:
        if not upd.name.strip():
            raise KuiError("--name cannot be empty")
        wanted["name"] = upd.name.strip()
    if upd.applied is not None:
        wanted["applied"] = codes.checked(upd.applied, codes.APPLIED, "application")
        wanted["applied_on"] = actor.today
    if upd.completed_on is not None:
        if upd.completed_on > actor.today:
            raise KuiError("--completed-on cannot be in the future")
        wanted["completed_on"] = upd.completed_on
    for attr in ("phone", "email"):
        if getattr(upd, attr) is not None:
            wanted[attr] = _blank_to_none(getattr(upd, attr))
    for attr, value in wanted.items():
        old = getattr(youth, attr)
        setattr(youth, attr, value)
        if attr != "applied_on":
            changes.record(
                session, actor, youth.id, attr, f"{attr}: {value}", old=old, new=value, why=why
            )
    return bool(wanted)


def count(session: Session, *where: ColumnElement[bool]) -> int:
    """How many youths match; for summaries that need no rows."""
    return session.execute(select(func.count()).select_from(Youth).where(*where)).scalar() or 0
