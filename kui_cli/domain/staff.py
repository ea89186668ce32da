"""Staff (fagpersoner): the professionals who work on youths' cases, found by their initials."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from kui_cli.domain import codes
from kui_cli.domain.initials import fold, folded
from kui_cli.domain.plan import owners
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.models import Agreement, CoordinatorAssignment, Effort, Staff
from kui_cli.render.i18n import _

MAX_CAPACITY = 1000
INITIALS = re.compile(r"^[A-ZÆØÅ][A-ZÆØÅ0-9]{0,9}$")
# An operating-system user name as `useradd` takes it by default (shadow-utils' NAME_REGEX).
LOGIN = re.compile(r"^(?=.{1,32}$)[a-z_][a-z0-9_-]*\$?$")


@dataclass
class NewStaff:
    initials: str
    name: str
    role: str
    department: str
    capacity: int | None = None
    phone: str | None = None
    email: str | None = None
    login: str | None = None


def normalise_initials(text: str) -> str:
    """Initials are case-insensitive: stored folded (`initials.fold`, the one rule every
    comparison uses), so `ıb` or `ß` is refused rather than turned into IB or SS by `upper()`."""
    initials = fold((text or "").strip())
    if not INITIALS.match(initials):
        raise KuiError(
            _("initials must be 1-10 letters or digits, starting with a letter: {text}").format(
                text=repr(text)
            )
        )
    return initials


def add(session: Session, actor: Actor, new: NewStaff) -> Staff:
    """Register a staff member; initials are unique whatever their case."""
    initials = normalise_initials(new.initials)
    if session.execute(select(Staff.id).where(Staff.initials == initials)).first():
        raise KuiError(_("staff member {initials} exists already").format(initials=initials))
    if not new.name.strip() or not new.department.strip():
        raise KuiError(_("name and department are required"))
    for option in ("name", "department", "phone", "email"):
        cpr.refuse_in_text(getattr(new, option), f"--{option}")
    member = Staff(
        initials=initials,
        name=new.name.strip(),
        role=checked_role(new.role),
        department=new.department.strip(),
        capacity=checked_capacity(new.capacity),
        phone=(new.phone or "").strip() or None,
        email=codes.email(new.email),
        added_on=actor.today,
        os_login=checked_login(session, new.login),
    )
    session.add(member)
    session.flush()
    audit.administered(session, actor, staff=member.initials, role=member.role, active=True)
    return member


def checked_role(role: str) -> str:
    return codes.checked(role.strip().lower(), codes.ROLES, "role")


def checked_capacity(capacity: int | None) -> int | None:
    """A caseload: 0 (takes no youths as coordinator) up to MAX_CAPACITY, or None (no limit)."""
    if capacity is not None and not 0 <= capacity <= MAX_CAPACITY:
        raise KuiError(
            _("--capacity is a caseload: 0 to {most}, got {capacity}").format(
                most=MAX_CAPACITY, capacity=capacity
            )
        )
    return capacity


@dataclass
class StaffUpdate:
    """The changes of `staff update`; None means unchanged. An empty --phone or --email clears
    it; a name, department, role or capacity is replaced, never cleared."""

    name: str | None = None
    department: str | None = None
    role: str | None = None
    capacity: int | None = None
    phone: str | None = None
    email: str | None = None

    def given(self) -> bool:
        return any(value is not None for value in vars(self).values())

    def wanted(self) -> dict[str, object]:
        """The fields given, validated and as they would be stored."""
        wanted: dict[str, object] = dict(
            cpr.changed_texts({"name": self.name, "department": self.department})
        )
        if self.role is not None:
            wanted["role"] = checked_role(self.role)
        if self.capacity is not None:
            wanted["capacity"] = checked_capacity(self.capacity)
        if self.phone is not None:
            wanted["phone"] = cpr.refuse_in_text(self.phone.strip(), "--phone") or None
        if self.email is not None:
            wanted["email"] = codes.email(self.email)
        return wanted


def update(session: Session, actor: Actor, reference: str, upd: StaffUpdate) -> dict[str, object]:
    """Change a staff member's details: administration (access.ADMINISTRATION), audited with
    what changed. Returns the changed fields with their new values; a change to nothing new is
    refused, and so is one that would leave nobody with an admin role (`require_administrator`,
    asked after the change as for a deactivation)."""
    member = find(session, reference)
    wanted = upd.wanted()
    changed = {key: value for key, value in wanted.items() if getattr(member, key) != value}
    if not changed:
        raise KuiError(
            _("nothing to change: {initials} has these details already").format(
                initials=member.initials
            )
        )
    for key, value in changed.items():
        setattr(member, key, value)
    session.flush()
    if "role" in changed:
        from kui_cli.domain import profile

        require_administrator(session, profile.current(session).value("privacy.admin_roles"))
    audit.administered(session, actor, staff=member.initials, **changed)
    return changed


def checked_login(session: Session, login: str | None, member: Staff | None = None) -> str | None:
    """A staff login as stored: an operating-system user name, no one else's. Case is kept, as
    the system keeps it, and the rule refuses capitals rather than guess."""
    if login is None:
        return None
    name = login.strip()
    if not LOGIN.match(name):
        raise KuiError(
            _(
                "--login must be an operating-system user name (lower-case letters, digits, _ "
                "and -, starting with a letter or _, at most 32): {login}"
            ).format(login=repr(login))
        )
    holder = by_login(session, name)
    if holder is not None and holder is not member:
        raise KuiError(
            _("login {login} is staff member {initials}'s already").format(
                login=name, initials=holder.initials
            )
        )
    return name


def by_login(session: Session, login: str) -> Staff | None:
    """The staff member whose operating-system login this is, active or not, if any."""
    return session.execute(select(Staff).where(Staff.os_login == login)).scalar()


def set_login(session: Session, actor: Actor, reference: str, login: str | None) -> Staff:
    """Give a staff member an operating-system login, or take it away (None): administration,
    audited, since it decides whom an account acts as."""
    member = find(session, reference)
    before = member.os_login
    member.os_login = checked_login(session, login, member)
    session.flush()
    if member.os_login != before:
        audit.administered(session, actor, staff=member.initials, login=member.os_login)
    return member


def find(session: Session, reference: str) -> Staff:
    """A staff member by initials (any case) or id."""
    ref = (reference or "").strip()
    staff_id = codes.parse_id(ref)
    member = session.get(Staff, staff_id) if staff_id is not None else by_initials(session, ref)
    if member is None:
        raise KuiError(_("unknown staff member {reference}").format(reference=repr(reference)))
    return member


def by_initials(session: Session, initials: str) -> Staff | None:
    """The staff member with these initials in any case (`--user ab`, a login named ab), if any."""
    query = select(Staff).where(folded(Staff.initials) == fold(initials.strip()))
    return session.execute(query).scalar()


def all_staff(session: Session) -> list[Staff]:
    return list(session.execute(select(Staff).order_by(Staff.initials)).scalars())


LIST_COLUMNS = [
    "id",
    "initials",
    "name",
    "role",
    "department",
    "caseload",
    "capacity",
    "over_capacity",
    "phone",
    "email",
    "login",
    "active",
]


def listing(session: Session, today: dt.date) -> list[dict[str, object]]:
    """Every staff member with their caseload (active and pending coordinator assignments)
    against their capacity; the counts come from one grouped query."""
    loads = owners.caseloads(session, today)
    return [as_record(m, loads.get(m.id or 0, 0)) for m in all_staff(session)]


def as_record(member: Staff, caseload: int | None = None) -> dict[str, object]:
    return {
        "id": member.id,
        "initials": member.initials,
        "name": member.name,
        "role": member.role,
        "department": member.department,
        "caseload": caseload,
        "capacity": member.capacity,
        "over_capacity": None
        if caseload is None or member.capacity is None
        else caseload > member.capacity,
        "phone": member.phone,
        "email": member.email,
        "login": member.os_login,
        "active": member.active,
    }


def require_administrator(session: Session, roles: list[str]) -> None:
    """Someone must be left to administer (register staff, load a profile): an active staff
    member with one of the admin roles, once there is any staff. Asked after a deactivation and
    before a profile is loaded, so kui never locks its own administrators out."""
    if session.execute(select(Staff.id).limit(1)).first() is None:
        return  # the bootstrap: the first staff member is still to come
    wanted = {str(role).strip().lower() for role in roles}
    query = select(Staff.id).where(Staff.active, func.lower(Staff.role).in_(wanted)).limit(1)
    if session.execute(query).first() is None:
        raise KuiError(
            _(
                "no active staff member would hold an admin role ({roles}, privacy.admin_roles): "
                "nobody could register staff or load a profile any more"
            ).format(roles=", ".join(sorted(wanted)))
        )


def set_active(session: Session, actor: Actor, reference: str, active: bool) -> tuple[Staff, str]:
    """(De)activate a staff member. An inactive one cannot be assigned and owns no plan; what
    they still hold is named so a leader can hand it over (`coordinator assign`, efforts)."""
    member = find(session, reference)
    if member.active == active:
        already = (
            _("{initials} is active already") if active else _("{initials} is inactive already")
        )
        raise KuiError(already.format(initials=member.initials))
    member.active = active
    session.flush()
    if not active:
        from kui_cli.domain import profile

        require_administrator(session, profile.current(session).value("privacy.admin_roles"))
    audit.administered(session, actor, staff=member.initials, role=member.role, active=active)
    return member, "" if active else left_behind(session, member, actor.today)


def left_behind(session: Session, member: Staff, today: dt.date) -> str:
    """What a staff member who leaves still holds (open coordinator assignments, active
    efforts, open agreements), said with the command that hands it over; empty when nothing."""
    youths = session.execute(
        select(func.count(func.distinct(CoordinatorAssignment.youth_id))).where(
            CoordinatorAssignment.staff_id == member.id, owners.open_assignment(today)
        )
    ).scalar()
    efforts = session.execute(
        select(func.count()).where(Effort.staff_id == member.id, owners.active_effort(today))
    ).scalar()
    agreements = session.execute(
        select(func.count()).where(Agreement.staff_id == member.id, Agreement.status == "open")
    ).scalar()
    if not youths and not efforts and not agreements:
        return ""
    # One sentence with three counts: the Danish catalog gives them as figures ("aktive
    # indsatser: 2"), which read right for any number, since no plural form fits three counts.
    if agreements:
        still = _(
            "{initials} is still coordinator (active or proposed) for {youths} youths, "
            "responsible for {efforts} active efforts and for {agreements} open agreements: hand "
            "them over with `kui coordinator handover {initials} TO --efforts --reason ...`; open "
            "agreements stay theirs until done or dropped"
        )
    else:
        still = _(
            "{initials} is still coordinator (active or proposed) for {youths} youths, "
            "responsible for {efforts} active efforts and for {agreements} open agreements: hand "
            "them over with `kui coordinator handover {initials} TO --efforts --reason ...`"
        )
    return still.format(
        initials=member.initials, youths=youths, efforts=efforts, agreements=agreements
    )
