"""`kui audit`: the audit trail (logning) a data protection officer reads."""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated

import typer

from kui_cli import invocation, render
from kui_cli.errors import KuiError
from kui_cli.invocation import ColumnsOption, FieldsOption, FormatOption, WideOption, output_file
from kui_cli.render import Format
from kui_cli.render.i18n import _, n_
from kui_cli.state import optional_date, parse_date

app = typer.Typer(
    help="The audit trail (logning): who looked at or changed whose data. Reading it is audited."
)


@app.command("log")
def log(
    ctx: typer.Context,
    youth: Annotated[str | None, typer.Option(help="Only this youth (id or CPR).")] = None,
    user: Annotated[str | None, typer.Option(help="Only this user's entries (initials).")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only entries from this date (YYYY-MM-DD, Danish time).")
    ] = None,
    fmt: FormatOption = Format.table,
    wide: WideOption = False,
    pick: ColumnsOption = None,
    fields: FieldsOption = None,
) -> None:
    """List audit entries, oldest first: time (UTC), user, action, command, youth or filter.

    A youth is named only by its pseudonymous key (and its id while it is registered); a listing
    by its filter and row count.

    Example:
        kui audit log --youth 42 --since 2026-01-01 --format csv
    """
    from kui_cli.domain.protection import audit_trail

    start = optional_date(since, "--since")
    with invocation.session(ctx) as (session, actor):
        found = (
            audit_trail.resolve_subject(session, youth, actor.today) if youth is not None else None
        )
        key = found.key if found else None
        flt = audit_trail.AuditFilter(subject=key, user=user, since=start)
        rows = audit_trail.log(session, actor, flt)
    render.listing(
        rows,
        fmt,
        columns=audit_trail.LOG_COLUMNS,
        noun="audit entries",
        view=render.View.of(wide, pick, fields),
    )


@app.command("subject")
def subject(
    ctx: typer.Context,
    youth: Annotated[
        str, typer.Argument(help="The youth's id or CPR (a CPR also finds a deleted youth).")
    ],
    fmt: FormatOption = Format.table,
) -> None:
    """Answer a young person's access request (indsigt): who looked at or changed their data,
    when and with which command, and every recorded change of their data.

    Example:
        kui audit subject 150310-4321 --format json
    """
    from kui_cli.domain.protection import audit_trail

    with invocation.session(ctx) as (session, actor):
        report = audit_trail.subject_report(session, actor, youth)
    render.record(report, fmt, title=_("Access request: {whom}").format(whom=_whom(report)))


def _whom(report: dict[str, object]) -> str:
    """Who the answer is about; a CPR kui never registered has no record (not "deleted")."""
    if report["registered"]:
        return _("youth {id}").format(id=report["youth_id"])
    if report["on_record"]:
        return _("youth (deleted)")
    return _("no record: kui holds no data about this person")


@app.command("verify")
def verify(
    ctx: typer.Context,
    checkpoints: Annotated[
        Path | None,
        typer.Option(
            "--checkpoints",
            envvar="KUI_AUDIT_CHECKPOINTS",
            help="The checkpoint file (mode 0600), outside the database "
            "[default: audit-checkpoints.jsonl in the user's data folder].",
            show_default=False,
        ),
    ] = None,
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            envvar="KUI_AUDIT_KEY_FILE",
            help="The key that signs the checkpoints, created on first use (mode 0600) "
            "[default: audit.key in the user's data folder].",
            show_default=False,
        ),
    ] = None,
    full: Annotated[
        bool,
        typer.Option(
            "--full",
            help="Walk the whole chain from entry 1 instead of from the latest checkpoint.",
        ),
    ] = False,
    fmt: FormatOption = Format.table,
) -> None:
    """Recompute the hash chain of the audit log and check it against the checkpoints of earlier
    verifications; exit 1 naming the first broken entry. An intact log that has grown gets a
    new checkpoint.

    With a checkpoint that still holds (its entry has its hash, as many entries lead up to it)
    only the entries after it are walked, chained to its hash: a daily run takes as long as the
    day's entries. `--full` walks from entry 1 and also finds an entry before the checkpoint
    edited behind kui's back (run it, say, monthly).

    The checkpoints (last id, its hash, the number of entries, the time) are kept outside the
    database and signed with a key outside it: a rewrite of the log up to the last checkpoint
    is found even when the whole chain was recomputed. Keep both files where those who run the
    database cannot write (e.g. the data protection officer's own account).

    Example:
        kui audit verify || mail -s "kui audit log broken" dpo@kommune.dk
        kui audit verify --full
    """
    from kui_cli.domain.protection import audit_trail
    from kui_cli.domain.protection import checkpoints as marks

    store = marks.Store(checkpoints or marks.default_checkpoints(), key_file or marks.key_path())
    with invocation.session(ctx) as (session, actor):
        result = audit_trail.verify(session, actor, store, full=full)
    render.record(result.as_record(), fmt, title=_("Audit log"))
    if result.problem is not None:
        if result.first_broken is None:
            unverified = _("the audit log cannot be verified: {problem}")
            raise KuiError(unverified.format(problem=result.problem))
        broken = _("the audit log is broken at entry {entry}: {problem}")
        raise KuiError(broken.format(entry=result.first_broken, problem=result.problem))
    start = result.from_checkpoint
    if start is None:
        intact = n_(
            "Audit log intact: {n} entry.", "Audit log intact: {n} entries.", result.entries
        )
    else:
        intact = n_(
            "Audit log intact: {n} entry ({checked} after the checkpoint at entry {last}).",
            "Audit log intact: {n} entries ({checked} after the checkpoint at entry {last}).",
            result.entries,
        )
    last = start.last_id if start else None
    render.message(intact.format(n=result.entries, checked=result.checked, last=last))


@app.command("export")
def export(
    ctx: typer.Context,
    before: Annotated[
        str,
        typer.Option(
            help="Export the entries older than this date (YYYY-MM-DD).", show_default=False
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write to this new file (mode 0600) instead of stdout.", parser=output_file
        ),
    ] = None,
) -> None:
    """Archive the entries older than a date as JSON lines, hashes included (re-verifiable).

    The export copies; it never deletes: the audit log is append-only (the database refuses
    deletions) so the entries stay in kui, at least as long as privacy.audit_keep_months says.

    Example:
        kui audit export --before 2026-07-01 --out /srv/arkiv/kui-audit-2026H1.jsonl
    """
    from kui_cli.domain import files
    from kui_cli.domain.protection import audit_trail

    cutoff = parse_date(before, "--before")
    with ExitStack() as stack:
        handle = stack.enter_context(files.private_text(out)) if out else sys.stdout
        session, actor = stack.enter_context(invocation.session(ctx))
        count = render.json_lines(audit_trail.archive(session, cutoff), handle)
        files.sync(handle)  # a full disk fails here, before the export is logged
        audit_trail.record_export(session, actor, cutoff, out.name if out else "stdout", count)
    exported = n_(
        "Exported {n} audit entry older than {date}.",
        "Exported {n} audit entries older than {date}.",
        count,
    )
    render.message(exported.format(n=count, date=cutoff))
