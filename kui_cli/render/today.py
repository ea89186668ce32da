"""`kui today` for a person: the worklist as a table grouped by urgency, or as listing rows.

The domain's items say what they are about as data (`facts`); the sentence a person reads is
written here, in the reader's language (`text`), and is also the `text` of the JSON contract.
Youths are named by the label agendas use (initials, age, id), never a CPR number or name. On a
terminal the table is one rich table per group (overdue, today, the coming days); at a narrow
width the command goes under the item's text instead of in a column of its own, so both stay
readable at 80 columns. Piped, csv and markdown get the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TextIO

from kui_cli.render import agenda, prose
from kui_cli.render.i18n import _, n_

if TYPE_CHECKING:
    from kui_cli.domain.plan import today as domain

FIELDS = ["kind", "youth_id", "due", "text", "command"]  # the JSON contract (CLI.md)
COLUMNS = ["when", "due", "kind", "youth", "text", "command"]
# The widths of the columns beside the text (due, kind, youth), of the table's borders and
# padding, and the least room the text needs: the command gets a column of its own only when it
# fits beside them whole; otherwise it goes under the text.
BESIDE, FRAME, TEXT_ROOM = 10 + 14 + 20, 16, 40


def headings() -> dict[str, str]:
    """The title of each group of urgency."""
    return {"overdue": _("Overdue"), "today": _("Today"), "upcoming": _("Coming days")}


def whose(worklist: domain.Worklist) -> str:
    """Whose day it is, for a person: a member's initials, a team, or everyone."""
    if worklist.scope == "team":
        return _("team {team}").format(team=worklist.whose)
    return _("everyone") if worklist.scope == "all" else worklist.whose


def youth(worklist: domain.Worklist, youth_id: int) -> str:
    """A youth of the worklist by initials, age and id."""
    named = worklist.labels[youth_id]
    return prose.youth(named.initials, named.age, youth_id)


def text(worklist: domain.Worklist, item: domain.Item) -> str:
    """The item's sentence; in a merged worklist, after the initials of the members it is for."""
    sentence = SENTENCES[item.kind](worklist, item.about)
    return f"{', '.join(item.who)}: {sentence}" if item.who else sentence


def _unacknowledged(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    return n_(
        "{count} change in the plan awaits your acknowledgement; the oldest is from {date}.",
        "{count} changes in the plan await your acknowledgement; the oldest is from {date}.",
        facts["count"],
    ).format(count=prose.number(facts["count"]), date=prose.date(facts["oldest"]))


def _duty(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    if facts["step"] == "contact":
        sentence = _("Education obligation: contact the youth (no activity since {date}).")
    else:
        sentence = _("Education obligation: offer a new activity (no activity since {date}).")
    return sentence.format(date=prose.date(facts["out_since"]))


def _consent(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    return _("You were proposed as coordinator on {date}: the consent is missing.").format(
        date=prose.date(facts["proposed_on"])
    )


def _goal(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    return _("Goal: {text}").format(text=facts["text"])


def _agreement(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    return _("Agreement: {text}").format(text=facts["text"])


def _effort_ending(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    return _("The effort «{title}» ends on {date}.").format(
        title=facts["title"], date=prose.date(facts["end_on"])
    )


def _transition(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    from kui_cli.domain.law import transitions

    what = {
        transitions.TURNS_18: _("Turns 18: the education obligation and the parents' part end"),
        transitions.TURNS_25: _("Turns 25: the education plan ends"),
        transitions.LEAVES_KUI: _("Turns {age} and leaves KUI"),
    }[facts["transition"]].format(age=facts["age"])
    return agenda.handed_over(what, facts)


def _meeting(worklist: domain.Worklist, facts: dict[str, Any]) -> str:
    mine = ", ".join(youth(worklist, youth_id) for youth_id in facts["youths"])
    return _("Meeting of {team} {when}; on the agenda: {youths}.").format(
        team=facts["team"],
        when=prose.when(facts["starts_at"], facts["ends_at"]),
        youths=mine or _("none of your youths"),
    )


SENTENCES: dict[str, Callable[[domain.Worklist, dict[str, Any]], str]] = {
    "unacknowledged": _unacknowledged,
    "duty": _duty,
    "consent": _consent,
    "goal": _goal,
    "agreement": _agreement,
    "effort-ending": _effort_ending,
    "transition": _transition,
    "no-contact": lambda worklist, facts: agenda.no_contact(facts),  # the agenda's words
    "at-risk": lambda worklist, facts: agenda.at_risk(facts),
    "meeting": _meeting,
}


def records(worklist: domain.Worklist) -> list[dict[str, Any]]:
    """The items as the JSON contract has them: kind, youth_id, due, text, command."""
    return [
        {
            "kind": item.kind,
            "youth_id": item.youth_id,
            "due": item.due,
            "text": text(worklist, item),
            "command": item.command,
        }
        for item in worklist.items
    ]


def rows(worklist: domain.Worklist) -> list[dict[str, Any]]:
    """The items as listing rows: their group, due date, kind, youth label, text, command."""
    return [
        {
            "when": _group(item, worklist.today),
            "due": item.due,
            "kind": item.kind,
            "youth": youth(worklist, item.youth_id) if item.youth_id is not None else None,
            "text": text(worklist, item),
            "command": item.command,
        }
        for item in worklist.items
    ]


def table(worklist: domain.Worklist, out: TextIO, width: int | None = None) -> None:
    """One rich table per group of urgency, fitted to the console's width."""
    from rich.console import Console
    from rich.table import Table

    from kui_cli.render import labels

    console = Console(file=out, width=width)
    found = rows(worklist)
    longest = max((len(row["command"]) for row in found), default=0)
    wide = console.width >= BESIDE + FRAME + TEXT_ROOM + longest
    if not found:
        console.print(
            n_(
                "Nothing due for {whose} in the next {days} day.",
                "Nothing due for {whose} in the next {days} days.",
                worklist.days,
            ).format(whose=whose(worklist), days=worklist.days)
        )
        return
    for when, heading in headings().items():
        chosen = [row for row in found if row["when"] == when]
        if not chosen:
            continue
        grid = Table(title=heading, title_justify="left", header_style="bold", expand=False)
        grid.add_column(labels.label("due"), no_wrap=True)
        if wide:
            grid.add_column(labels.label("kind"), no_wrap=True)
        grid.add_column(labels.label("youth"), no_wrap=True)
        grid.add_column(labels.label("text" if wide else "item"), overflow="fold", ratio=1)
        if wide:
            grid.add_column(labels.label("command"), no_wrap=True)
        for row in chosen:
            due = row["due"].isoformat() if row["due"] else ""
            youth_label = row["youth"] or ""
            if wide:
                kind = labels.value("kind", row["kind"])
                grid.add_row(due, kind, youth_label, row["text"], row["command"])
            else:
                grid.add_row(due, youth_label, f"{row['text']}\n→ {row['command']}")
        console.print(grid)


def _group(item: domain.Item, today: dt.date) -> str:
    from kui_cli.domain.plan import today as rules

    return rules.group(item, today)
