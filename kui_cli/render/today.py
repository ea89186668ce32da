"""`kui today` for a person: the worklist as a table grouped by urgency, or as listing rows.

The domain's items name youths by id; here they get the label agendas use (initials, age, id),
never a CPR number or name. On a terminal the table is one rich table per group (overdue, today,
the coming days); at a narrow width the command goes under the item's text instead of in a
column of its own, so both stay readable at 80 columns. Piped, csv and markdown get the rows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from kui_cli.domain.plan import today as domain

COLUMNS = ["when", "due", "kind", "youth", "text", "command"]
HEADINGS = {
    "overdue": "Overdue",
    "today": "Today",
    "upcoming": "Coming days",
}
# The widths of the columns beside the text (due, kind, youth), of the table's borders and
# padding, and the least room the text needs: the command gets a column of its own only when it
# fits beside them whole; otherwise it goes under the text.
BESIDE, FRAME, TEXT_ROOM = 10 + 14 + 20, 16, 40


def rows(worklist: domain.Worklist) -> list[dict[str, Any]]:
    """The items as listing rows: their group, due date, kind, youth label, text, command."""
    return [
        {
            "when": _group(item, worklist.today),
            "due": item.due,
            "kind": item.kind,
            "youth": worklist.labels.get(item.youth_id) if item.youth_id is not None else None,
            "text": item.text,
            "command": item.command,
        }
        for item in worklist.items
    ]


def table(worklist: domain.Worklist, out: TextIO, width: int | None = None) -> None:
    """One rich table per group of urgency, fitted to the console's width."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=width)
    found = rows(worklist)
    longest = max((len(row["command"]) for row in found), default=0)
    wide = console.width >= BESIDE + FRAME + TEXT_ROOM + longest
    if not found:
        console.print(f"Nothing due for {worklist.whose} in the next {worklist.days} days.")
        return
    for when, heading in HEADINGS.items():
        chosen = [row for row in found if row["when"] == when]
        if not chosen:
            continue
        grid = Table(title=heading, title_justify="left", header_style="bold", expand=False)
        grid.add_column("due", no_wrap=True)
        if wide:
            grid.add_column("kind", no_wrap=True)
        grid.add_column("youth", no_wrap=True)
        grid.add_column("text" if wide else "item", overflow="fold", ratio=1)
        if wide:
            grid.add_column("command", no_wrap=True)
        for row in chosen:
            due = row["due"].isoformat() if row["due"] else ""
            youth = row["youth"] or ""
            if wide:
                grid.add_row(due, row["kind"], youth, row["text"], row["command"])
            else:
                grid.add_row(due, youth, f"{row['text']}\n→ {row['command']}")
        console.print(grid)


def _group(item: domain.Item, today: dt.date) -> str:
    from kui_cli.domain.plan import today as rules

    return rules.group(item, today)
