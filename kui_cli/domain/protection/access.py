"""Access on a need-to-know basis (issue 8; the Lejre fine): who may see which youth, in one place.

The rule, established once per command by `invocation.session` and kept in `session.info`:

- The acting user (`--user`, or on PostgreSQL a staff member's own login) is matched once to a
  staff member (`identify`: initials in any case, folded by `domain/initials.py`), and from then on
  the command acts under the member's own initials: they are what the history (`change_log.by`)
  and the audit log record. Where the operating-system account running kui is a staff member's
  login (`staff.os_login`), the command acts as that member and a `--user` naming someone else is
  refused, unless the profile lets the account act for others (`access.act_for_others`: cron, a
  shared service account). The acting user must be a registered, active staff member. Exempt:
  `demo` (a synthetic database only), and `init` and `staff add` while the staff table is empty
  (the bootstrap: the first profile and the first staff member).
- Administration (`ADMINISTRATION`: the profile, staff, their status and logins, team
  membership, meeting series and meetings) is for the roles in `privacy.admin_roles` only;
  `meeting generate` is also the scheduled job's (role `system`). Every administrative change is
  audited (`audit.administered`). On PostgreSQL the database enforces the same (migration 0006):
  only the admin roles' logins and the service account write staff, settings, teams and meetings.
- A staff member sees the youths they work on: coordinator (active or proposed), responsible for
  an active effort (the plan owner is always one of these), member of a team the youth is
  referred to (open referral), and the youths they registered themselves until a coordinator is
  proposed or an effort starts (so a registration can be followed by an assignment or a
  referral). The roles in `privacy.see_all_roles` see everyone.
- "Works on" is decided on the real Danish date (`periods.real_today`), never on `--today`
  (issue 15): a day is the caller's word, so an earlier one would reopen a case that was handed
  over or a one-day join. `--today` moves only what is computed and recorded (ages, deadlines,
  effective dates). PostgreSQL's policies decide on the same real date (migration 0005).
- Joining a case: a staff member who knows the exact CPR number adds their own effort.
- The full CPR number and names on an agenda are for `privacy.reveal_roles` only; the audit,
  retention, backups and reports over the whole register are for the see-all roles.
- The agendas circulated to the teams (`agenda generate`) are written by the roles in
  `agenda.generate_roles` only (the cron account's role), and hold only what every member of the
  team sees (`referred_to`), whoever writes them.

Lookups call `require_youth`, listings add `condition` to their SQL (one query stays one query).
A refusal is a `Refused` error: `invocation.session` rolls the command back and logs the refusal
in a transaction of its own. The rule fails closed: code that asks it without an established
access (every command goes through `invocation.session`; a plain domain test establishes one
itself) is refused, never shown everything.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, CompoundSelect, Select, exists, not_, select, true, union
from sqlmodel import Session

from kui_cli.domain import codes, periods, staff
from kui_cli.domain.initials import fold, spellings
from kui_cli.domain.plan import owners
from kui_cli.domain.protection import row_security
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.protection.refusal import Refused
from kui_cli.models import (
    ChangeLog,
    CoordinatorAssignment,
    Effort,
    Referral,
    Staff,
    TeamMember,
    Youth,
)
from kui_cli.render.i18n import _

KEY = "access"
EXEMPT = {"kui demo"}  # refuses any database but a demo one (domain/demo.py)
# Run by anyone while the staff table is empty: the first profile and the first staff member.
BOOTSTRAP = {"kui init", "kui staff add"}
# Over the whole register (every youth, or figures computed from all of them): see-all roles only.
SEE_ALL_ONLY = {
    "kui audit log",
    "kui audit subject",
    "kui audit verify",
    "kui audit export",
    "kui retention purge",
    "kui db backup",
    "kui export monthly",
    "kui report overview",
    "kui report targets",
    "kui report applications",
}
# Who works here with which role, in which team, when the teams meet, and the profile that says
# who sees and reveals what: the roles in privacy.admin_roles only (any of these could otherwise
# make its runner powerful, or fill or empty the calendar).
ADMINISTRATION = {
    "kui init",  # loads (replaces) the profile: every role, team and meeting rule
    "kui staff add",
    "kui staff activate",
    "kui staff deactivate",
    # Which member an operating-system account acts as (`--login`), the role that decides what
    # they see and administer, and their details: on PostgreSQL only the admin roles' logins
    # write `staff` (migration 0006), so a member asks an administrator to change their phone.
    "kui staff update",
    "kui team member add",  # a team's members see the youths referred to it
    "kui team member remove",
    "kui coordinator handover",  # moves a leaving member's caseload to another
    "kui meeting schedule",
    "kui meeting generate",  # also the scheduled job's (SCHEDULED)
    "kui meeting cancel",
    "kui meeting move",
    "kui db grant",  # gives a database login access (PostgreSQL)
}
# Writes the agendas circulated to the teams: the roles in agenda.generate_roles only.
CIRCULATE = "kui agenda generate"
# Sends every reported youth's CPR number to the national youth database: the roles in
# feed.report_roles only (each a see-all role, `profile._check_report_roles`).
REPORT = "kui feed report"
# Applies the status feed (issue 18): the roles in feed.apply_roles only, to every youth the
# feed names, as the service account on PostgreSQL.
FEED = "kui feed apply"
# Writes or mails every staff member their own worklist (`kui today`, issue 16): the scheduled
# job's account (role `system`) and the roles in privacy.admin_roles only.
DIGEST = "kui digest"
# What a scheduled job's account (role `system`) may run: the agendas, the meetings, the status
# feed, the nightly update import (`register/reimport.py`: with `--update` only, for the
# roles in `import.update_roles`) and the digests, none of which shows anything about a single
# youth chosen by a person (the feed's youths are the national database's; a digest goes to
# the staff member whose youths it names).
SCHEDULED = {CIRCULATE, "kui meeting generate", FEED, "kui youth import", DIGEST}


@dataclass(frozen=True)
class Identity:
    """The acting user matched to a staff member (None: no staff member has these initials).

    `actor` carries the member's own initials (or, for someone who is no staff member, what was
    given, folded): what every change row and audit entry of the command records. `account` is
    the operating-system account whose staff login named the member, and `asked` the `--user`
    given with it (refused by `establish` when it names someone else)."""

    actor: Actor
    member: Staff | None
    account: str | None = None
    asked: str | None = None


@dataclass(frozen=True)
class Access:
    """What the acting user may do in this command; `staff_id` None only for exempt commands."""

    initials: str
    staff_id: int | None
    see_all: bool
    reveal: bool
    # The real Danish date (`periods.real_today`), never `--today`: the day on which the rule
    # decides, taken once so a command that runs over midnight decides alike throughout.
    real_day: dt.date
    administers: bool = False  # holds a role in privacy.admin_roles (or bootstraps)


def identify(session: Session, actor: Actor, asked: str | None = None) -> Identity:
    """Match the acting user to a staff member, once per command: by the operating-system
    account's staff login (`acts_as`) or else by initials (`staff.by_initials`). `asked` is the
    `--user`/`KUI_USER` given, None when the acting user is the account's own name."""
    given = actor.user.strip()
    if actor.command in EXEMPT:
        return Identity(replace(actor, user=fold(given)), None)
    account, member = acts_as(session, asked)
    if member is not None:
        return Identity(replace(actor, user=member.initials), member, account, asked)
    member = staff.by_initials(session, given)
    canonical = member.initials if member is not None else fold(given)
    return Identity(replace(actor, user=canonical), member)


def acts_as(session: Session, asked: str | None) -> tuple[str, Staff | None]:
    """The operating-system account running kui, and the staff member it acts as by their login.

    One SQLite file that one account may open cannot prove who types: whoever runs kui as that
    account can be anyone the account's owner lets in, and `--user` is only their word. What kui
    can tell is the account itself, from the kernel (`state.os_user`, never USER or LOGNAME,
    which the caller sets). So an account that is a staff member's login is that member, and an
    account that is nobody's login (a single-user install, a test) names its user with `--user`
    as before; the accounts in `access.act_for_others` (cron) choose the member they act for.
    Staff who must not act for one another each use their own account with a login, or, with
    several staff on one database, PostgreSQL with a database login each. There a staff login
    is identified by the database (`row_security.acting`) and this rule is for the service
    account only."""
    from kui_cli import state

    account = state.os_user()
    if row_security.staff_login(session):
        return account, None
    member = staff.by_login(session, account)
    if member is None or asked is None:
        return account, member
    from kui_cli.domain import profile as profiles

    others = profiles.current(session).value("access.act_for_others")
    return account, None if account in others else member


def establish(session: Session, identity: Identity) -> Access:
    """Check that the identified user may run this command at all, and remember what they may
    see."""
    actor, member = identity.actor, identity.member
    day = periods.real_today()
    if actor.command in EXEMPT:
        return _keep(session, Access(actor.user, None, True, True, day, True))
    if identity.account is not None:
        row_security.refuse_other(
            identity.asked,
            actor.user,
            _(
                "your operating-system account {account} is the staff login of "
                "{user}, who you act as"
            ).format(account=identity.account, user=actor.user),
        )
    if member is None:
        if actor.command in BOOTSTRAP and not session.execute(select(Staff.id).limit(1)).first():
            return _keep(session, Access(actor.user, None, True, True, day, True))
        raise Refused(
            _(
                "{user} is not a staff member: only registered, active staff may use kui "
                "(a leader registers you with `kui staff add`)"
            ).format(user=repr(actor.user)),
            "staff-only",
        )
    if not member.active:
        raise Refused(
            _("{initials} is not an active staff member").format(initials=member.initials),
            "active-staff-only",
        )
    if member.role == codes.SYSTEM_ROLE and actor.command not in SCHEDULED:
        commands = _(" and ").join(f"`{c}`" for c in sorted(SCHEDULED))
        raise Refused(
            _(
                "{initials} is a scheduled job's account (role {role}): it runs {commands} only"
            ).format(initials=member.initials, role=codes.SYSTEM_ROLE, commands=commands),
            "system-scheduled-only",
        )
    from kui_cli.domain import profile as profiles

    privacy = profiles.current(session)
    see_all = member.role in _roles(privacy.value("privacy.see_all_roles"))
    reveal = member.role in _roles(privacy.value("privacy.reveal_roles"))
    row_security.refuse_bulk(session, actor, see_all)
    if actor.command in SEE_ALL_ONLY and not see_all:
        raise Refused(
            _(
                "`{command}` covers every youth: only the roles in privacy.see_all_roles may "
                "run it ({initials} is {role})"
            ).format(command=actor.command, initials=member.initials, role=member.role),
            "see-all-only",
        )
    administers = member.role in _roles(privacy.value("privacy.admin_roles"))
    if actor.command in ADMINISTRATION and not administers:
        _require_administration(session, member, actor.command)
    if actor.command == CIRCULATE:
        _require_circulation(session, member, privacy.value("agenda.generate_roles"), see_all)
    if actor.command == DIGEST:
        _require_digest(session, member, administers, see_all)
        see_all = True  # each digest holds its own member's youths, whoever makes them
    if actor.command == REPORT:
        _require_reporting(member, privacy.value("feed.report_roles"), see_all)
    if actor.command == FEED:
        _require_feed(session, member, privacy.value("feed.apply_roles"))
        see_all = True  # the feed's events name their youths, whoever works on them
    access = Access(member.initials, member.id, see_all, reveal, day, administers)
    return _keep(session, access)


def _require_administration(session: Session, member: Staff, command: str) -> None:
    """Administration is the admin roles'; `meeting generate` also the scheduled job's, which on
    PostgreSQL runs as the service account (the database lets only the admin roles' logins and
    the service account write meetings)."""
    if command in SCHEDULED and member.role == codes.SYSTEM_ROLE:
        if not row_security.staff_login(session):
            return
        raise Refused(
            _(
                "on PostgreSQL `{command}` runs as the service account: the database lets only "
                "the logins of the roles in privacy.admin_roles write meetings"
            ).format(command=command),
            "scheduled-service-only",
        )
    raise Refused(
        _(
            "`{command}` is administration (profile, staff, teams, meetings, logins): only the "
            "roles in privacy.admin_roles may run it ({initials} is {role})"
        ).format(command=command, initials=member.initials, role=member.role),
        "admin-only",
    )


def _require_circulation(session: Session, member: Staff, roles: Any, see_all: bool) -> None:
    """`agenda generate` writes every team's circulated agenda, with the youths referred to the
    team, whoever runs it: a grant of its own (`agenda.generate_roles`), not every staff member's.
    On PostgreSQL a staff login is shown only its own youths by the database, so its agendas
    would be silently short: there the job runs as the service account (or a see-all role)."""
    if member.role not in _roles(roles):
        raise Refused(
            _(
                "`{command}` writes the agendas circulated to every team: only the roles in "
                "agenda.generate_roles may run it ({initials} is {role})"
            ).format(command=CIRCULATE, initials=member.initials, role=member.role),
            "generate-roles-only",
        )
    if row_security.staff_login(session) and not see_all:
        raise Refused(
            _(
                "on PostgreSQL `{command}` runs as the service account: the database shows a "
                "staff login only the youths it works on, so the agendas would leave items out"
            ).format(command=CIRCULATE),
            "generate-service-only",
        )


def _require_digest(session: Session, member: Staff, administers: bool, see_all: bool) -> None:
    """`kui digest` makes every staff member's worklist, each about their own youths: the
    scheduled job's or an administrator's, nobody else's. On PostgreSQL a staff login is shown
    only its own youths by the database, so the others' digests would be silently short: there
    it runs as the service account (or a see-all role)."""
    if member.role != codes.SYSTEM_ROLE and not administers:
        raise Refused(
            _(
                "`{command}` makes every staff member's worklist: only the scheduled job's "
                "account (role {system}) and the roles in privacy.admin_roles may run it "
                "({initials} is {role})"
            ).format(
                command=DIGEST,
                system=codes.SYSTEM_ROLE,
                initials=member.initials,
                role=member.role,
            ),
            "digest-roles-only",
        )
    if row_security.staff_login(session) and not see_all:
        raise Refused(
            _(
                "on PostgreSQL `{command}` runs as the service account: the database shows a "
                "staff login only the youths it works on, so the others' digests would leave "
                "items out"
            ).format(command=DIGEST),
            "digest-service-only",
        )


def _require_reporting(member: Staff, roles: Any, see_all: bool) -> None:
    """`feed report` writes every reported youth's CPR number into a file for the national
    youth database: a grant of its own (`feed.report_roles`), and only a see-all role's report
    is complete (a report of one's own cases would leave the others out as never contacted)."""
    if member.role not in _roles(roles) or not see_all:
        raise Refused(
            _(
                "`{command}` hands every reported youth's CPR number to the national youth "
                "database: only the roles in feed.report_roles may run it ({initials} is {role})"
            ).format(command=REPORT, initials=member.initials, role=member.role),
            "report-roles-only",
        )


def _require_feed(session: Session, member: Staff, roles: Any) -> None:
    """`feed apply` writes what the national youth database reports about any youth: a grant
    of its own (`feed.apply_roles`). On PostgreSQL it runs as the service account: the history
    it writes names the feed's source as author, which a staff login may not (its rows are
    written in its own name, migration 0003)."""
    if member.role not in _roles(roles):
        raise Refused(
            _(
                "`{command}` writes what the status feed reports about any youth: only the roles "
                "in feed.apply_roles may run it ({initials} is {role})"
            ).format(command=FEED, initials=member.initials, role=member.role),
            "feed-roles-only",
        )
    if row_security.staff_login(session):
        raise Refused(
            _(
                "on PostgreSQL `{command}` runs as the service account: the history it writes "
                "names the feed's source as its author"
            ).format(command=FEED),
            "feed-service-only",
        )


def role_of(session: Session) -> str | None:
    """The acting staff member's role (None for an exempt command's user)."""
    granted = established(session)
    if granted.staff_id is None:
        return None
    member = session.get(Staff, granted.staff_id)
    return member.role if member is not None else None


def may_write_meetings(session: Session) -> bool:
    """Whether the command may create meetings on demand (the next meeting of a team that has
    none yet): on PostgreSQL the database lets only the logins of the admin roles and the
    service account write meetings (migration 0006); there the scheduled job creates them."""
    access = current(session)
    return not row_security.staff_login(session) or (access is not None and access.administers)


def _roles(value: Any) -> set[str]:
    return {str(role).strip().lower() for role in value or []}


def _keep(session: Session, access: Access) -> Access:
    session.info[KEY] = access
    return access


def current(session: Session) -> Access | None:
    """The access of the running command, or None outside a command."""
    return session.info.get(KEY)


def established(session: Session) -> Access:
    """The access of the running command; without one the rule refuses (it fails closed)."""
    access = current(session)
    if access is None:
        raise Refused(
            _(
                "no acting user was established for this work: the access rule shows nothing "
                "without one"
            ),
            "no-access",
        )
    return access


def sees(staff_id: int, initials: str, today: dt.date) -> ColumnElement[bool]:
    """SQL on `youth`: the staff member works on the youth's case on `today` (for access, the
    real date: `condition` passes `Access.real_day`, never `--today`)."""
    return Youth.id.in_(works_on(staff_id, initials, today))


def works_on(staff_id: int, initials: str, today: dt.date) -> CompoundSelect:
    """The ids of the youths whose case the staff member works on on `today`: `cases_of`."""
    return union(*cases_of(staff_id, initials, today))


def cases_of(staff_id: int, initials: str, today: dt.date) -> list[Select[Any]]:
    """The ids of the youths whose case the staff member works on on `today` (the rule of
    `sees`): found from the member's own rows (assignments, efforts, teams' open referrals, the
    registrations they wrote), each by its index, so a listing starts from a caseload of dozens
    instead of testing every youth in the register."""
    coordinator = select(CoordinatorAssignment.youth_id).where(
        CoordinatorAssignment.staff_id == staff_id, owners.open_assignment(today)
    )
    effort = select(Effort.youth_id).where(Effort.staff_id == staff_id, owners.active_effort(today))
    team = (
        select(Referral.youth_id)
        .join(TeamMember, TeamMember.team_id == Referral.team_id)
        .where(TeamMember.staff_id == staff_id, Referral.decided_on.is_(None))
    )
    # Registered by them (whatever the case it was typed in: `spellings` is every text that
    # folds to their initials, so the index on author and kind finds them) and on nobody's case.
    registered = select(ChangeLog.youth_id).where(
        ChangeLog.kind == "registered",
        ChangeLog.by.in_(spellings(fold(initials))),
        not_(
            exists().where(
                CoordinatorAssignment.youth_id == ChangeLog.youth_id,
                owners.open_assignment(today),
            )
        ),
        not_(exists().where(Effort.youth_id == ChangeLog.youth_id, owners.active_effort(today))),
    )
    return [coordinator, effort, team, registered]  # SQLite: a UNION's parts are not nested


def member_works_on(session: Session, member: Staff, youth_id: int) -> bool:
    """Whether another staff member works on the youth's case (`sees`, on the real date): the
    person an agreement names as responsible must be on the case already."""
    assert member.id is not None, "a staff member from the database"
    day = established(session).real_day
    query = select(Youth.id).where(Youth.id == youth_id, sees(member.id, member.initials, day))
    return session.execute(query).first() is not None


def referred_to(team_id: int) -> ColumnElement[bool]:
    """SQL on `youth`: an open referral to the team. Every member of the team sees such a youth
    (the team term of `sees`), so this is what an agenda circulated to the team may show."""
    return Youth.id.in_(referred_ids(team_id))


def referred_ids(team_id: int) -> Select[Any]:
    """The ids of the youths with an open referral to the team (`referred_to`)."""
    return select(Referral.youth_id).where(
        Referral.team_id == team_id, Referral.decided_on.is_(None)
    )


def condition_or_referred(session: Session, team_id: int) -> ColumnElement[bool]:
    """SQL on `youth`: `condition` or `referred_to` (a reader's agenda of a team: their own
    youths and the team's), as one set of ids, so that the database starts from the few youths
    in it rather than from the team's whole target group."""
    access = established(session)
    if access.see_all or access.staff_id is None:
        return true()
    mine = cases_of(access.staff_id, access.initials, access.real_day)
    return Youth.id.in_(union(*mine, referred_ids(team_id)))


def condition(session: Session) -> ColumnElement[bool]:
    """SQL on `youth` for the listings: what the acting user may see (everything for see-all);
    refused when no access is established."""
    access = established(session)
    if access.see_all or access.staff_id is None:
        return true()
    return sees(access.staff_id, access.initials, access.real_day)


def youth_ids(session: Session) -> Any:
    """`column.in_(youth_ids(session))` restricts a listing of rows that refer to a youth."""
    return select(Youth.id).where(condition(session))


def may_see(session: Session, youth: Youth) -> bool:
    """Whether the acting user may see this youth's personal data (refused when no access is
    established)."""
    access = established(session)
    if access.see_all or access.staff_id is None:
        return True
    query = select(Youth.id).where(Youth.id == youth.id, condition(session))
    return session.execute(query).first() is not None


def require_youth(session: Session, youth: Youth | None) -> Youth:
    """The youth, if the acting user works on their case; otherwise a logged refusal."""
    assert youth is not None, "a row refers to an existing youth"
    if not may_see(session, youth):
        who = established(session).initials
        raise Refused(
            _(
                "{initials} does not work on youth {id}: a staff member sees only the youths "
                "they work on (coordinator, effort, plan owner, team of an open referral, or "
                "registered by them and not yet on anyone's case); the roles in "
                "privacy.see_all_roles see everyone. To join the case, add your own effort with "
                "the youth's CPR number (`kui plan effort add CPR --responsible YOU ...`)"
            ).format(initials=who, id=youth.id),
            "need-to-know",
            subject=youth.subject_key,
        )
    return youth


def require_reveal(session: Session, what: str) -> None:
    """Full CPR numbers and names on agendas: the roles in `privacy.reveal_roles` only. `what`
    is the option with its translated explanation ("--names (full names on an agenda)")."""
    access = established(session)
    if not access.reveal:
        raise Refused(
            _("{what} is for the roles in privacy.reveal_roles only ({initials} may not)").format(
                what=what, initials=access.initials
            ),
            "reveal-roles-only",
        )


def may_join(session: Session, reference: str, responsible_id: int | None) -> bool:
    """Joining a case: the acting user names the youth by exact CPR and makes themselves the
    responsible of a new effort (they then have their own case there)."""
    from kui_cli.domain.register import cpr

    access = current(session)
    return (
        access is not None
        and access.staff_id is not None
        and access.staff_id == responsible_id
        and cpr.looks_like_cpr((reference or "").strip())
    )
