"""`kui staff`: the professionals (fagpersoner) who work with the youths."""

from __future__ import annotations

from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption
from kui_cli.render import Format, labels
from kui_cli.render.i18n import _

app = typer.Typer(help="Staff (fagpersoner): UU counsellors, jobcentre advisers, social workers...")

LoginOption = Annotated[
    str | None,
    typer.Option(
        help="The operating-system account the member uses: kui run by it acts as them, and "
        "--user naming someone else is refused.",
        show_default=False,
    ),
]


@app.command("add")
def add(
    ctx: typer.Context,
    initials: Annotated[str, typer.Option(help="Unique initials, e.g. AB.", show_default=False)],
    name: Annotated[str, typer.Option(help="Full name.", show_default=False)],
    role: Annotated[
        str,
        typer.Option(
            help="uu, jobcenter, social, ppr, health, mentor, leader or other.", show_default=False
        ),
    ],
    department: Annotated[
        str, typer.Option(help="Centre or department (afdeling).", show_default=False)
    ],
    capacity: Annotated[
        int | None, typer.Option(help="Max youths as coordinator (caseload).")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Phone.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail.")] = None,
    login: LoginOption = None,
) -> None:
    """Register a staff member (fagperson).

    Example:
        kui staff add --initials AB --name "Anne Berg" --role uu --department "UU Sønderborg"
    """
    from kui_cli.domain import staff

    new = staff.NewStaff(initials, name, role, department, capacity, phone, email, login)
    with invocation.session(ctx) as (session, actor):
        member = staff.add(session, actor, new)
    render.message(_("Added staff member {initials}.").format(initials=member.initials))


StaffRef = Annotated[str, typer.Argument(help="Initials or id.", show_default=False)]


@app.command("list")
def list_(
    ctx: typer.Context,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """List the staff members with their caseload against capacity.

    The caseload counts active and pending coordinator assignments (a proposal awaiting
    consent takes a place too).

    Example:
        kui staff list --format json
    """
    from kui_cli.domain import staff

    with invocation.session(ctx) as (session, actor):
        rows = staff.listing(session, actor.today)
    render.listing(
        rows,
        fmt,
        columns=staff.LIST_COLUMNS,
        noun="staff members",
        view=render.View.of(wide, pick, fields),
    )


@app.command("update")
def update(
    ctx: typer.Context,
    member: StaffRef,
    name: Annotated[str | None, typer.Option(help="Full name.")] = None,
    department: Annotated[str | None, typer.Option(help="Centre or department.")] = None,
    role: Annotated[
        str | None,
        typer.Option(help="uu, jobcenter, social, ppr, health, mentor, leader or other."),
    ] = None,
    capacity: Annotated[
        int | None, typer.Option(help="Max youths as coordinator (caseload), 0 or more.")
    ] = None,
    phone: Annotated[str | None, typer.Option(help='Phone ("" clears it).')] = None,
    email: Annotated[str | None, typer.Option(help='E-mail ("" clears it).')] = None,
    login: LoginOption = None,
    no_login: Annotated[
        bool, typer.Option("--no-login", help="Take the member's login away.")
    ] = False,
) -> None:
    """Change a staff member's details or operating-system login: administration (the roles in
    privacy.admin_roles), audited. The last administrator keeps an admin role.

    Example:
        kui staff update AB --phone 74123456 --email ab@sonderborg.dk
        kui staff update AB --role leader
        kui staff update AB --login aberg
    """
    from kui_cli.domain import staff
    from kui_cli.errors import KuiError

    if login is not None and no_login:
        raise KuiError(_("give either --login NAME or --no-login, not both"))
    details = staff.StaffUpdate(name, department, role, capacity, phone, email)
    logins = login is not None or no_login
    if not details.given() and not logins:
        raise KuiError(
            _(
                "nothing to change: give either --login NAME or --no-login, or a detail (--name, "
                "--department, --role, --capacity, --phone, --email)"
            )
        )
    with invocation.session(ctx) as (session, who):
        changed = staff.update(session, who, member, details) if details.given() else {}
        held = staff.set_login(session, who, member, login) if logins else None
        initials = staff.find(session, member).initials
    for key, value in changed.items():
        now = (
            _("{initials}: {field} is now empty.")
            if value is None
            else _("{initials}: {field} is now {value}.")
        )
        render.message(now.format(initials=initials, field=labels.word(key), value=value))
    if held is not None:
        has = _("{initials} has login {login}.") if held.os_login else _("{initials} has no login.")
        render.message(has.format(initials=held.initials, login=held.os_login))


@app.command("deactivate")
def deactivate(ctx: typer.Context, member: StaffRef) -> None:
    """Mark a staff member as no longer active (left, on leave): they cannot be assigned as
    coordinator or made responsible for an effort, and own no plan. What they still hold is
    named in a warning so it can be handed over.

    Example:
        kui staff deactivate AB
    """
    from kui_cli.domain import staff

    with invocation.session(ctx) as (session, actor):
        changed, warning = staff.set_active(session, actor, member, active=False)
    if warning:
        render.warning(warning)
    render.message(_("{initials} is no longer active.").format(initials=changed.initials))


@app.command("activate")
def activate(ctx: typer.Context, member: StaffRef) -> None:
    """Mark a staff member as active again.

    Example:
        kui staff activate AB
    """
    from kui_cli.domain import staff

    with invocation.session(ctx) as (session, actor):
        changed, _warning = staff.set_active(session, actor, member, active=True)
    render.message(_("{initials} is active.").format(initials=changed.initials))
