"""A staff member's digest (issue 16): their `kui today` as a Danish markdown document, to be
written to a private file or sent to them alone.

It gets the worklist of `domain.plan.today` (youths by id, labelled by initials, age and id as
agendas name them) and only formats it. It never holds a CPR number or a youth's name; the
recipient is named by initials.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from kui_cli import danish

if TYPE_CHECKING:
    from kui_cli.domain.plan import today as domain

HEADINGS = {
    "overdue": "Overskredet",
    "today": "I dag",
    "upcoming": "De kommende dage",
}
KIND_LABELS = {
    "unacknowledged": "Planændringer",
    "duty": "Uddannelsespligt",
    "consent": "Samtykke",
    "goal": "Mål",
    "agreement": "Aftale",
    "effort-ending": "Indsats slutter",
    "transition": "Overgang",
    "no-contact": "Ingen kontakt",
    "at-risk": "Risiko for frafald",
    "meeting": "Møde",
}
FOOTER = "Fortroligt. De unge nævnes kun ved initialer, alder og ungenummer."


def subject(worklist: domain.Worklist) -> str:
    return f"Din dag i KUI {danish.date(worklist.today)} ({len(worklist.items)} punkter)"


def markdown(worklist: domain.Worklist) -> str:
    """`# Din dag i KUI` with a section per group of urgency, one line per item."""
    lines = [
        f"# Din dag i KUI: {worklist.whose}",
        "",
        f"{danish.date(worklist.today, weekday=True).capitalize()}; de næste {worklist.days} dage.",
        "",
    ]
    if not worklist.items:
        lines += ["Intet at gøre i perioden.", ""]
    for when, heading in HEADINGS.items():
        chosen = [i for i in worklist.items if _group(i, worklist.today) == when]
        if not chosen:
            continue
        lines += [f"## {heading}", ""]
        lines += [_line(worklist, item) for item in chosen]
        lines.append("")
    return "\n".join([*lines, FOOTER, ""])


def _line(worklist: domain.Worklist, item: domain.Item) -> str:
    due = f"{danish.date(item.due)}: " if item.due else ""
    youth = f"{worklist.labels[item.youth_id]}: " if item.youth_id is not None else ""
    return f"- **{KIND_LABELS[item.kind]}** {due}{youth}{item.text} `{item.command}`"


def _group(item: domain.Item, today: dt.date) -> str:
    from kui_cli.domain.plan import today as rules

    return rules.group(item, today)
