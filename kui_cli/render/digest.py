"""A staff member's digest (issue 16): their `kui today` as a Danish markdown document, to be
written to a private file or sent to them alone.

It gets the worklist of `domain.plan.today` (youths by id, labelled by initials, age and id as
agendas name them) and only formats it, with the sentences of `render.today`. It never holds a
CPR number or a youth's name; the recipient is named by initials. Like the agenda it is Danish
whatever the reader's language (`agenda.danish_document`), its wording in the catalog.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kui_cli.render import agenda, prose
from kui_cli.render import today as worklists
from kui_cli.render.i18n import _, n_

if TYPE_CHECKING:
    from kui_cli.domain.plan import today as domain


def kind_label(kind: str) -> str:
    """The bold word before each item."""
    return {
        "unacknowledged": _("Plan changes"),
        "duty": _("Education obligation"),
        "consent": _("Consent"),
        "goal": _("Goal"),
        "agreement": _("Agreement"),
        "effort-ending": _("Effort ends"),
        "transition": _("Transition"),
        "no-contact": _("No contact"),
        "at-risk": _("Risk of drop-out"),
        "meeting": _("Meeting"),
    }[kind]


@agenda.danish_document
def subject(worklist: domain.Worklist) -> str:
    count = len(worklist.items)
    return n_(
        "Your day in KUI {date} ({n} item)", "Your day in KUI {date} ({n} items)", count
    ).format(date=prose.date(worklist.today), n=prose.number(count))


@agenda.danish_document
def markdown(worklist: domain.Worklist) -> str:
    """`# Din dag i KUI` with a section per group of urgency, one line per item."""
    day = prose.date(worklist.today, weekday=True)
    lines = [
        _("# Your day in KUI: {whose}").format(whose=worklists.whose(worklist)),
        "",
        n_("{date}; the next {n} day.", "{date}; the next {n} days.", worklist.days).format(
            date=day[:1].upper() + day[1:], n=worklist.days
        ),
        "",
    ]
    if not worklist.items:
        lines += [_("Nothing to do in the period."), ""]
    for when, heading in worklists.headings().items():
        chosen = [i for i in worklist.items if _group(i, worklist.today) == when]
        if not chosen:
            continue
        lines += [f"## {heading}", ""]
        lines += [_line(worklist, item) for item in chosen]
        lines.append("")
    return "\n".join([*lines, agenda.confidential(), ""])


def _line(worklist: domain.Worklist, item: domain.Item) -> str:
    due = f"{prose.date(item.due)}: " if item.due else ""
    youth = f"{worklists.youth(worklist, item.youth_id)}: " if item.youth_id is not None else ""
    text = worklists.text(worklist, item)
    return f"- **{kind_label(item.kind)}** {due}{youth}{text} `{item.command}`"


def _group(item: domain.Item, today: dt.date) -> str:
    from kui_cli.domain.plan import today as rules

    return rules.group(item, today)
