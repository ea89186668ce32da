"""`kui youth`: the youth registry (unge)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption
from kui_cli.render import Format, labels
from kui_cli.render.i18n import _, n_
from kui_cli.render.tables import Layout
from kui_cli.state import optional_date

app = typer.Typer(help="Young people (unge): register, import, list, show, update.")
guardian_app = typer.Typer(help="Custody holders (forældremyndighedsindehavere) of a minor.")
app.add_typer(guardian_app, name="guardian")

Reveal = Annotated[bool, typer.Option("--reveal", help="Show the full CPR number (audited).")]
YouthRef = Annotated[str, typer.Argument(help="The youth's id or CPR number.", show_default=False)]

# What a coordinator reads first when the terminal is narrow: who, how old, where and what they
# need, and who has the case; the dates of the record come last.
LIST_LAYOUT = Layout(
    priority=("id", "name", "age", "status", "need", "coordinator", "cpr", "team", "plan_owner")
)


@app.command("add")
def add(
    ctx: typer.Context,
    cpr: Annotated[str, typer.Option(help="CPR number, DDMMYY-SSSS.", show_default=False)],
    name: Annotated[str, typer.Option(help="Full name.", show_default=False)],
    status: Annotated[str, typer.Option(help="Activity status.")] = "none",
    since: Annotated[str | None, typer.Option(help="Status since YYYY-MM-DD.")] = None,
    need: Annotated[str, typer.Option(help="Need: A none, B single, C multi-discipline.")] = "A",
    school: Annotated[str | None, typer.Option(help="School or education place.")] = None,
    grade: Annotated[int | None, typer.Option(help="Grade (klassetrin).")] = None,
    phone: Annotated[str | None, typer.Option(help="The youth's phone.")] = None,
    email: Annotated[str | None, typer.Option(help="The youth's e-mail.")] = None,
) -> None:
    """Register a young person (ung).

    Example:
        kui youth add --cpr 150311-4321 --name "Ida Jensen" --status primary-school --grade 9
    """
    from kui_cli.domain.register import youths

    new = youths.NewYouth(
        cpr=cpr,
        name=name,
        status=status,
        since=optional_date(since, "--since"),
        need=need,
        school=school,
        grade=grade,
        phone=phone,
        email=email,
    )
    with invocation.session(ctx) as (session, actor):
        youth = youths.register(session, actor, new)
    render.message(_("Registered youth {id}.").format(id=youth.id))
    print(youth.id)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV file with header cpr,name[,status,need,...].")],
    update: Annotated[
        bool,
        typer.Option(
            "--update",
            help="Re-runnable: update registered youths that changed (import.update_roles).",
        ),
    ] = False,
    reason: Annotated[
        str | None, typer.Option(help="Why the youths' data changes (required with --update).")
    ] = None,
    encoding: Annotated[
        str | None,
        typer.Option(help="The file's encoding (default: UTF-8 or Windows-1252, detected)."),
    ] = None,
    fmt: Annotated[
        Format | None,
        typer.Option("--format", "-f", help="Summary: table, csv, json or markdown."),
    ] = None,
) -> None:
    """Import youths from a CSV file: all rows or none.

    Columns: cpr, name, and optionally status, since, need, school, grade, phone, email.
    Every bad row is reported with its line number; nothing is imported unless all are good.
    With --update the import can be run again and again: registered youths are updated where
    the file differs (a blank cell changes nothing), as `youth update` does, with --reason.
    UTF-8 (with or without BOM), UTF-16 with a BOM and Windows-1252/Latin-1 are detected.

    Example:
        kui youth import data/samples/youths.csv
        kui youth import elever.csv --update --reason "Nightly import from the school system"
    """
    from kui_cli.domain.register import importer, reimport
    from kui_cli.render.progress import progress

    if reason is not None and not update:
        raise typer.BadParameter(_("--reason goes with --update"), param_hint="--reason")
    shown = fmt or (Format.table if update else None)
    try:
        with invocation.session(ctx) as (session, actor), progress() as told:
            if update:
                done = reimport.import_update(session, actor, file, reason, told, encoding)
            else:
                done = importer.import_csv(session, actor, file, told, encoding)
    except importer.ImportRejected as exc:
        for bad in exc.bad:
            line = _("{file}: line {line}: {reason}")
            print(line.format(file=file, line=bad.line, reason=bad.reason), file=sys.stderr)
        if shown is Format.json:
            render.record(importer.refused_summary(file, exc.bad), shown)
        raise
    if shown is not None:
        render.record(importer.summary_record(file, done), shown, title=_("Import"))
    if update:
        imported = _(
            "Imported {file}: {new} new, {updated} updated, {unchanged} unchanged ({encoding})."
        )
        render.message(
            imported.format(
                file=file,
                new=done.new,
                updated=done.updated,
                unchanged=done.unchanged,
                encoding=done.encoding,
            )
        )
    else:
        imported = n_(
            "Imported {n} youth from {file}.", "Imported {n} youths from {file}.", done.new
        )
        render.message(imported.format(n=done.new, file=file))


@app.command("list")
def list_(
    ctx: typer.Context,
    group: Annotated[int | None, typer.Option(help="Age group 1-4.")] = None,
    need: Annotated[str | None, typer.Option(help="Need A, B or C.")] = None,
    status: Annotated[str | None, typer.Option(help="Status code.")] = None,
    kui: Annotated[bool, typer.Option("--kui", help="Only KUI youths (the one rule).")] = False,
    coordinator: Annotated[
        str | None, typer.Option(help="Only youths with this active coordinator (initials).")
    ] = None,
    no_coordinator: Annotated[
        bool, typer.Option("--no-coordinator", help="Only youths without an active coordinator.")
    ] = False,
    no_plan_owner: Annotated[
        bool, typer.Option("--no-plan-owner", help="Only youths whose plan has no owner.")
    ] = False,
    search: Annotated[str | None, typer.Option(help="Part of the name, or CPR digits.")] = None,
    team: Annotated[
        str | None, typer.Option(help="Team slug: open referral's or last decision's team.")
    ] = None,
    no_contact_days: Annotated[
        int | None,
        typer.Option(
            "--no-contact-days",
            help="Only youths not reached for N days or more (never reached: since registered).",
        ),
    ] = None,
    reveal: Reveal = False,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """List youths, filtered (every listing is audited with its filter and row count).

    Example:
        kui youth list --group 2 --need C --format json
    """
    from kui_cli import db
    from kui_cli.domain import profile
    from kui_cli.domain.meetings import teams
    from kui_cli.domain.register import youths

    flt = youths.YouthFilter(
        group=group,
        need=need,
        status=status,
        kui=kui,
        search=search,
        coordinator=coordinator,
        no_coordinator=no_coordinator,
        no_plan_owner=no_plan_owner,
        no_contact_days=no_contact_days,
    )
    with invocation.session(ctx) as (session, actor):
        if team:
            flt.team = teams.find(session, team).slug
        found = youths.listing(session, actor, profile.current(session), flt, reveal=reveal)
        session.commit()  # the audit entry first: a listing that is shown is logged
        db.begin_read(session)  # then the rows as they are printed, holding no lock
        render.listing(
            found.records(session),
            fmt,
            columns=youths.LIST_COLUMNS,
            layout=LIST_LAYOUT,
            noun="youths",
            view=render.View.of(wide, pick, fields),
        )


@app.command("show")
def show(
    ctx: typer.Context, youth: YouthRef, reveal: Reveal = False, fmt: FormatOption = Format.table
) -> None:
    """Show one youth: overview, the professionals on the case, contact details, custody holders,
    history and the last contact (days without one, against followup.no_contact_days; audited).

    Example:
        kui youth show 42
    """
    from kui_cli.domain import profile
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        record = youths.details(session, actor, profile.current(session), youth, reveal=reveal)
    render.record(record, fmt, title=_("Youth {id}").format(id=record["id"]))


@app.command("update")
def update(
    ctx: typer.Context,
    youth: YouthRef,
    reason: Annotated[
        str, typer.Option(help="Why the data changes (required).", show_default=False)
    ],
    status: Annotated[str | None, typer.Option(help="New status code.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Status since YYYY-MM-DD (default --today).")
    ] = None,
    hours: Annotated[float | None, typer.Option(help="Weekly hours, with --status job.")] = None,
    need: Annotated[str | None, typer.Option(help="New need A, B or C.")] = None,
    name: Annotated[str | None, typer.Option(help="Corrected name.")] = None,
    applied: Annotated[
        str | None, typer.Option(help="Application: vocational, gymnasium or other.")
    ] = None,
    completed_on: Annotated[
        str | None, typer.Option(help="Date a youth education was completed.")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="New phone.")] = None,
    email: Annotated[str | None, typer.Option(help="New e-mail.")] = None,
    school: Annotated[str | None, typer.Option(help="New school or education place.")] = None,
    grade: Annotated[int | None, typer.Option(help="New grade (klassetrin).")] = None,
) -> None:
    """Change a youth's status, need, name or details; every change is logged with the reason.

    Example:
        kui youth update 42 --status none --since 2026-04-01 --reason "Dropped out of EUD"
    """
    from kui_cli.domain.register import youths

    upd = youths.YouthUpdate(
        reason=reason,
        status=status,
        since=optional_date(since, "--since"),
        hours=hours,
        need=need,
        name=name,
        applied=applied,
        completed_on=optional_date(completed_on, "--completed-on"),
        phone=phone,
        email=email,
        school=school,
        grade=grade,
    )
    with invocation.session(ctx) as (session, actor):
        done = youths.update(session, actor, youth, upd)
    already = ", ".join(
        _("{field} is already empty").format(field=labels.word(field))
        if value is None
        else _("{field} is already {value}").format(field=labels.word(field), value=value)
        for field, value in done.unchanged.items()
    )
    if not done.changed:
        said = _("Nothing changed for youth {id}: {unchanged}.")
    elif already:
        said = _("Updated youth {id}; not changed: {unchanged}.")
    else:
        said = _("Updated youth {id}.")
    render.message(said.format(id=done.youth.id, unchanged=already))


@app.command("assess")
def assess(
    ctx: typer.Context,
    youth: YouthRef,
    grade: Annotated[int, typer.Option(help="Grade: 8 or 9.", show_default=False)],
    result: Annotated[
        str, typer.Option(help="ready or not-ready (ikke-uddannelsesparat).", show_default=False)
    ],
    note: Annotated[str | None, typer.Option(help="A note on the assessment.")] = None,
) -> None:
    """Record an education readiness assessment (uddannelsesparathedsvurdering).

    A not-ready result raises need A to B (at least a single-discipline effort from UU), logged.

    Example:
        kui youth assess 42 --grade 8 --result not-ready --note "Preliminary, December"
    """
    from kui_cli.domain.law import assessments
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        found = youths.find(session, youth)
        assessments.assess(session, actor, found, grade, result, note)
        need = found.need
    render.message(_("Assessment recorded; need is {need}.").format(need=need))


@guardian_app.command("add")
def guardian_add(
    ctx: typer.Context,
    youth: YouthRef,
    name: Annotated[str, typer.Option(help="The custody holder's name.", show_default=False)],
    phone: Annotated[str | None, typer.Option(help="Phone.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail.")] = None,
) -> None:
    """Add a custody holder of a minor: until 18 the plan is revised together with them.

    Example:
        kui youth guardian add 42 --name "Mette Jensen" --phone 12345678
    """
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        guardian = youths.add_guardian(session, actor, youth, name, phone, email)
    added = _("Added custody holder {name} (id {id}).")
    render.message(added.format(name=guardian.name, id=guardian.id))


GuardianRef = Annotated[
    int, typer.Argument(metavar="GUARDIAN", help="The custody holder's id (`youth show`).")
]


@guardian_app.command("update")
def guardian_update(
    ctx: typer.Context,
    guardian: GuardianRef,
    name: Annotated[str | None, typer.Option(help="The custody holder's name.")] = None,
    phone: Annotated[str | None, typer.Option(help='Phone ("" clears it).')] = None,
    email: Annotated[str | None, typer.Option(help='E-mail ("" clears it).')] = None,
) -> None:
    """Correct a custody holder's name, phone or e-mail: in the youth's history (old and new)
    and the plan owner's inbox, audited.

    Example:
        kui youth guardian update 7 --phone 12345678
    """
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        changed = youths.update_guardian(session, actor, guardian, name, phone, email)
    fields = ", ".join(labels.word(field) for field in changed)
    render.message(_("Custody holder {id}: changed {fields}.").format(id=guardian, fields=fields))


@guardian_app.command("remove")
def guardian_remove(
    ctx: typer.Context,
    guardian: GuardianRef,
    reason: Annotated[str, typer.Option(help="Why (required).", show_default=False)],
) -> None:
    """Take a custody holder off a youth's record (custody changed, added by mistake): the
    history keeps who they were and why, audited.

    Example:
        kui youth guardian remove 7 --reason "Forældremyndigheden er overgået til faderen"
    """
    from kui_cli.domain.register import youths

    with invocation.session(ctx) as (session, actor):
        removed = youths.remove_guardian(session, actor, guardian, reason)
    render.message(_("Removed custody holder {name}.").format(name=removed.name))
