"""`kui plan`: the one plan (uddannelsesplan / Min Plan), its change log and the owner's inbox."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.commands.youth import YouthRef
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption, output_file
from kui_cli.render import Format, labels
from kui_cli.render.i18n import _
from kui_cli.state import parse_date

app = typer.Typer(
    help="The one plan: goals, efforts, agreements, change log, the plan owner's inbox."
)
goal_app = typer.Typer(help="Goals and sub-goals (mål, delmål) in the young person's own words.")
effort_app = typer.Typer(help="Efforts (indsatser) of every department, under their legislation.")
agreement_app = typer.Typer(help="Agreements (aftaler): who does what by when, across departments.")
app.add_typer(goal_app, name="goal")
app.add_typer(effort_app, name="effort")
app.add_typer(agreement_app, name="agreement")

Reason = Annotated[
    str,
    typer.Option(help="Why the plan changes (required; the owner sees it).", show_default=False),
]
OptionalReason = Annotated[
    str | None, typer.Option(help="Why or how (optional; the owner sees it).", show_default=False)
]
GoalId = Annotated[int, typer.Argument(help="The goal's id.", show_default=False)]
AgreementId = Annotated[int, typer.Argument(help="The agreement's id.", show_default=False)]


@app.command("show")
def show(ctx: typer.Context, youth: YouthRef, fmt: FormatOption = Format.table) -> None:
    """Show the plan: goals (open, achieved, dropped), efforts, agreements, the team around the
    youth, the coordinator, the plan owner (or why there is none) and the changes the owner has
    not acknowledged (audited).

    Example:
        kui plan show 42
    """
    from kui_cli.domain import profile
    from kui_cli.domain.plan import plans

    with invocation.session(ctx) as (session, actor):
        plan = plans.show(session, actor, profile.current(session), youth)
    render.record(plan, fmt, title=_("Plan of youth {id}").format(id=plan["youth_id"]))


@goal_app.command("add")
def goal_add(
    ctx: typer.Context,
    youth: YouthRef,
    text: Annotated[str, typer.Argument(help="The goal in the young person's words.")],
    reason: Reason,
    parent: Annotated[int | None, typer.Option(help="Goal id: add a sub-goal (delmål).")] = None,
    due: Annotated[str | None, typer.Option(help="Due date YYYY-MM-DD.")] = None,
) -> None:
    """Add a goal or sub-goal to the plan; prints the new goal's id.

    Example:
        kui plan goal add 42 "Jeg vil være tømrer" --reason "Samtale med Ida"
    """
    from kui_cli.domain.plan import plans

    due_on = parse_date(due, "--due") if due else None
    with invocation.session(ctx) as (session, actor):
        goal = plans.add_goal(session, actor, youth, text, reason=reason, parent=parent, due=due_on)
    render.message(_("Added goal {id}.").format(id=goal.id))
    print(goal.id)


@goal_app.command("update")
def goal_update(
    ctx: typer.Context,
    goal: GoalId,
    reason: Reason,
    text: Annotated[str | None, typer.Option(help="The goal in new words.")] = None,
    due: Annotated[str | None, typer.Option(help="New due date YYYY-MM-DD.")] = None,
) -> None:
    """Reword an open goal or move its due date; the old and new value go into the log.

    Example:
        kui plan goal update 5 --due 2027-06-30 --reason "Praktikken blev flyttet"
    """
    from kui_cli.domain.plan import goals

    due_on = parse_date(due, "--due") if due else None
    with invocation.session(ctx) as (session, actor):
        changed = goals.update(session, actor, goal, reason=reason, text=text, due=due_on)
    render.message(_("Updated goal {id}.").format(id=changed.id))


@goal_app.command("achieve")
def goal_achieve(ctx: typer.Context, goal: GoalId, reason: OptionalReason = None) -> None:
    """The young person reached the goal (on --today).

    Example:
        kui plan goal achieve 5 --reason "Bestod 9. klasse"
    """
    from kui_cli.domain.plan import goals

    with invocation.session(ctx) as (session, actor):
        reached = goals.achieve(session, actor, goal, reason)
    render.message(_("Goal {id} achieved.").format(id=reached.id))


@goal_app.command("drop")
def goal_drop(ctx: typer.Context, goal: GoalId, reason: Reason) -> None:
    """Give up a goal (its open sub-goals first); it leaves the young person's printed plan.

    Example:
        kui plan goal drop 5 --reason "Ida vil hellere være frisør"
    """
    from kui_cli.domain.plan import goals

    with invocation.session(ctx) as (session, actor):
        dropped = goals.drop(session, actor, goal, reason)
    render.message(_("Dropped goal {id}.").format(id=dropped.id))


@agreement_app.command("add")
def agreement_add(
    ctx: typer.Context,
    youth: YouthRef,
    text: Annotated[str, typer.Argument(help="What is to be done.", show_default=False)],
    responsible: Annotated[
        str,
        typer.Option(help="Who does it: a staff member on the case.", show_default=False),
    ],
    due: Annotated[str, typer.Option(help="By when, YYYY-MM-DD.", show_default=False)],
    reason: Reason,
) -> None:
    """Agree who does what by when; the responsible person must work on the case. Prints the id.

    Example:
        kui plan agreement add 42 "Ringe til Tech College om praktik" --responsible CD
        --due 2026-12-04 --reason "Aftalt på teammøde"
    """
    from kui_cli.domain.plan import agreements

    due_on = parse_date(due, "--due")
    with invocation.session(ctx) as (session, actor):
        agreement = agreements.add(session, actor, youth, text, responsible, due_on, reason)
    render.message(_("Added agreement {id}.").format(id=agreement.id))
    print(agreement.id)


@agreement_app.command("done")
def agreement_done(
    ctx: typer.Context, agreement: AgreementId, reason: OptionalReason = None
) -> None:
    """The agreement is done (on --today).

    Example:
        kui plan agreement done 3 --reason "Praktikplads fundet"
    """
    from kui_cli.domain.plan import agreements

    with invocation.session(ctx) as (session, actor):
        done = agreements.done(session, actor, agreement, reason)
    render.message(_("Agreement {id} done.").format(id=done.id))


@agreement_app.command("drop")
def agreement_drop(ctx: typer.Context, agreement: AgreementId, reason: Reason) -> None:
    """Drop an agreement that will not be done; say why.

    Example:
        kui plan agreement drop 3 --reason "Ida er startet på FGU"
    """
    from kui_cli.domain.plan import agreements

    with invocation.session(ctx) as (session, actor):
        dropped = agreements.drop(session, actor, agreement, reason)
    render.message(_("Dropped agreement {id}.").format(id=dropped.id))


@effort_app.command("add")
def effort_add(
    ctx: typer.Context,
    youth: YouthRef,
    title: Annotated[str, typer.Option(help="What the effort is.", show_default=False)],
    department: Annotated[str, typer.Option(help="Department (afdeling).", show_default=False)],
    legislation: Annotated[
        str, typer.Option(help="serviceloven, kui, lab or other.", show_default=False)
    ],
    responsible: Annotated[
        str, typer.Option(help="Responsible staff member (initials).", show_default=False)
    ],
    reason: Reason,
    start: Annotated[str | None, typer.Option(help="Start YYYY-MM-DD (default --today).")] = None,
    end: Annotated[
        str | None, typer.Option(help="Planned end YYYY-MM-DD (the first day without it).")
    ] = None,
) -> None:
    """Add an effort (indsats); its responsible staff member joins the case. Prints the id.

    Example:
        kui plan effort add 42 --title "Mentor" --department Jobcenter --legislation lab
        --responsible EF --reason "Aftalt på teammøde"
    """
    from kui_cli.domain.plan import plans

    new = plans.NewEffort(
        title=title,
        department=department,
        legislation=legislation,
        responsible=responsible,
        reason=reason,
        start=parse_date(start, "--start") if start else None,
        end=parse_date(end, "--end") if end else None,
    )
    with invocation.session(ctx) as (session, actor):
        effort = plans.add_effort(session, actor, youth, new)
    render.message(_("Added effort {id}.").format(id=effort.id))
    print(effort.id)


@effort_app.command("update")
def effort_update(
    ctx: typer.Context,
    effort: Annotated[int, typer.Argument(help="The effort's id.", show_default=False)],
    reason: Reason,
    title: Annotated[str | None, typer.Option(help="What the effort is.")] = None,
    department: Annotated[str | None, typer.Option(help="Department (afdeling).")] = None,
    legislation: Annotated[
        str | None, typer.Option(help="serviceloven, kui, lab or other.")
    ] = None,
    responsible: Annotated[
        str | None, typer.Option(help="A new responsible staff member (active).")
    ] = None,
    end: Annotated[
        str | None, typer.Option(help="Planned end YYYY-MM-DD (the first day without it).")
    ] = None,
) -> None:
    """Change an effort that has not ended: title, department, legislation, responsible or
    planned end. Each change is in the plan's history with old and new and the reason.

    Example:
        kui plan effort update 7 --responsible EF --reason "EF overtager forløbet"
    """
    from kui_cli.domain.plan import plans

    upd = plans.EffortUpdate(
        reason=reason,
        title=title,
        department=department,
        legislation=legislation,
        responsible=responsible,
        end=parse_date(end, "--end") if end else None,
    )
    with invocation.session(ctx) as (session, actor):
        changed = plans.update_effort(session, actor, effort, upd)
    fields = ", ".join(labels.word(field) for field in changed)
    render.message(_("Effort {id}: changed {fields}.").format(id=effort, fields=fields))


@effort_app.command("end")
def effort_end(
    ctx: typer.Context,
    effort: Annotated[int, typer.Argument(help="The effort's id.", show_default=False)],
    reason: Reason,
) -> None:
    """End an effort today (--today).

    Example:
        kui plan effort end 7 --reason "Forløbet er afsluttet"
    """
    from kui_cli.domain.plan import plans

    with invocation.session(ctx) as (session, actor):
        ended = plans.end_effort(session, actor, effort, reason)
    render.message(_("Ended effort {id}.").format(id=ended.id))


@app.command("log")
def log(
    ctx: typer.Context,
    youth: YouthRef,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """Every change of the youth's plan and record: when, who, what (old, new), why, and when
    the plan owner acknowledged it (audited).

    Example:
        kui plan log 42 --format json
    """
    from kui_cli.domain.plan import plans

    with invocation.session(ctx) as (session, actor):
        rows = plans.log(session, actor, youth)
    render.listing(
        rows,
        fmt,
        columns=plans.LOG_COLUMNS,
        noun="plan changes",
        view=render.View.of(wide, pick, fields),
    )


@app.command("inbox")
def inbox(
    ctx: typer.Context,
    owner: Annotated[
        str | None, typer.Option(help="Plan owner (initials); default the acting --user.")
    ] = None,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """Plan changes that others made to the plans you own since you became responsible, up to
    --today, that you have not acknowledged, grouped by youth, oldest first (json: one flat list
    in that order). Contact details and the registration itself are no plan changes.

    Example:
        kui --user AB plan inbox --format json
    """
    from kui_cli.domain.plan import inbox as inbox_domain

    with invocation.session(ctx) as (session, actor):
        member, rows = inbox_domain.inbox(session, actor, owner)
        names = inbox_domain.youth_names(session, rows)
    records = [inbox_domain.as_record(row) for row in rows]
    if fmt in (Format.json, Format.csv) or not records:
        render.listing(
            records, fmt, columns=inbox_domain.COLUMNS, view=render.View.of(wide, pick, fields)
        )
    else:
        youths = dict.fromkeys(r["youth_id"] for r in records)
        render.grouped(
            [(names.get(y), [r for r in records if r["youth_id"] == y]) for y in youths],
            fmt,
            columns=inbox_domain.COLUMNS,
            view=render.View.of(wide, pick, fields),
        )
    still_open = _("Open changes for {initials}: {n}.")
    render.message(still_open.format(initials=member.initials, n=len(records)))


@app.command("ack")
def ack(
    ctx: typer.Context,
    changes: Annotated[
        list[int] | None, typer.Argument(metavar="CHANGE...", help="Change ids from the inbox.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Acknowledge everything in your inbox.")
    ] = False,
) -> None:
    """Acknowledge changes in your inbox: you have seen them (the time is recorded).

    Example:
        kui --user AB plan ack 12 13
    """
    from kui_cli.domain.plan import inbox as inbox_domain

    with invocation.session(ctx) as (session, actor):
        done = inbox_domain.acknowledge(session, actor, list(changes or []), everything)
    render.message(_("Acknowledged: {n}.").format(n=len(done)))


@app.command("print")
def print_(
    ctx: typer.Context,
    youth: YouthRef,
    out: Annotated[
        Path | None,
        typer.Option(help="Write to FILE.html or FILE.md (mode 0600).", parser=output_file),
    ] = None,
) -> None:
    """The young person's own copy of the plan in plain Danish (and a copy for the custody
    holders of a minor); markdown on stdout unless --out. Printing is audited.

    Example:
        kui plan print 42 --out ida-plan.html
    """
    from kui_cli.domain import profile
    from kui_cli.domain.files import write_private
    from kui_cli.domain.plan import plan_print
    from kui_cli.render import plan_document

    fmt = plan_document.format_for(out)
    with invocation.session(ctx) as (session, actor):
        printed = plan_print.print_plan(session, actor, profile.current(session), youth)
        text = plan_document.text(printed, fmt)
        if out is not None:
            write_private(out, text)
    if out is None:
        print(text, end="")
    else:
        render.message(_("Wrote {file}.").format(file=out))
