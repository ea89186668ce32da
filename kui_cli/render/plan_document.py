"""The young person's own copy of the plan (`plan print`) as Danish markdown or HTML.

It gets the facts of `domain.plan.plan_print` and only words them, in plain Danish: "Din plan",
the goals in the youth's own words, the contact person and how to reach them, "Hvem gør hvad"
and "Det har vi aftalt". The copy speaks to the youth (du); a minor's copy for the custody
holders speaks about the youth by first name ("Idas mål") and follows the youth's copy, after a
`---` in markdown, on a page of its own in HTML. Every text is escaped in HTML.

Like the agenda the copy is Danish whatever the reader's language (`agenda.danish_document`):
its wording is English in the code and Danish in the catalog.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kui_cli.errors import KuiError
from kui_cli.render import labels, prose
from kui_cli.render.agenda import danish_document
from kui_cli.render.i18n import _, language

if TYPE_CHECKING:
    from kui_cli.domain.plan.plan_print import Agreement, Effort, Goal, Person, PlanPrint

FORMATS = {".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown"}

Block = tuple[str, Any]  # ("h1"|"h2"|"p", text) or ("ul", [(level, text), ...])


def format_for(path: Path | None) -> str:
    """markdown on stdout; for a file, the format its name asks for."""
    if path is None:
        return "markdown"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise KuiError(_("--out must end in .html or .md, got {name}").format(name=repr(path.name)))
    return fmt


def possessive(name: str) -> str:
    """A name's possessive: Danish Idas, Mads', Felix' (English Ida's, Mads')."""
    last = name[-1:].lower()
    if language() == "da":
        return f"{name}'" if last in ("s", "x", "z") else f"{name}s"
    return f"{name}'" if last == "s" else f"{name}'s"


@dataclass(frozen=True)
class Voice:
    """The sentences that differ between the youth's copy (du) and the custody holders' copy
    (about the youth by first name)."""

    heading: str
    addressed: str
    intro: str
    goals: str
    contact: str
    is_coordinator: Callable[[str, str], str]  # (name, title): "Person AB er din ..."
    no_contact: str
    no_efforts: str
    changes: str


def youth_voice(plan: PlanPrint) -> Voice:
    """The youth's own copy: it speaks to them (du, din, dine)."""
    return Voice(
        heading=_("Your plan"),
        addressed=f"{plan.name}.",
        intro=_(
            "This is your plan. It brings together your goals and what the municipality does "
            "with you. You should know your plan and take part in making it, so say so if "
            "something is not right."
        ),
        goals=_("Your goals"),
        contact=_("Your contact person"),
        is_coordinator=lambda name, title: _("{name} is your {title}.").format(
            name=name, title=title
        ),
        no_contact=_("You do not have a permanent contact person yet."),
        no_efforts=_("There are no efforts under way for you right now."),
        changes=_(
            "Everyone who works with you must tell the person responsible for the plan when "
            "something changes. Do ask if anything is unclear."
        ),
    )


def guardians_voice(plan: PlanPrint) -> Voice:
    """A minor's copy for the custody holders: about the youth by first name, to them (jer)."""
    assert plan.turns_18 is not None
    first, whose = plan.first_name, possessive(plan.first_name)
    guardians = ", ".join(plan.guardians)
    return Voice(
        heading=_("{whose} plan: copy for the custody holders").format(whose=possessive(plan.name)),
        addressed=_("To {names}.").format(names=guardians) if guardians else "",
        intro=_(
            "This is a copy of {whose} plan. Until {name} turns 18 on {date}, the plan is made "
            "and revised together with you."
        ).format(whose=whose, name=first, date=prose.date(plan.turns_18)),
        goals=_("{whose} goals").format(whose=whose),
        contact=_("{whose} contact person").format(whose=whose),
        is_coordinator=lambda name, title: _("{name} is {whose} {title}.").format(
            name=name, whose=whose, title=title
        ),
        no_contact=_("{name} does not have a permanent contact person yet.").format(name=first),
        no_efforts=_("There are no efforts under way for {name} right now.").format(name=first),
        changes=_(
            "Everyone who works with {name} must tell the person responsible for the plan when "
            "something changes. Do ask if anything is unclear."
        ).format(name=first),
    )


@danish_document
def documents(plan: PlanPrint) -> list[list[Block]]:
    """The youth's copy, and for a minor the custody holders' copy after it."""
    copies = [document(plan, youth_voice(plan))]
    if plan.turns_18 is not None:
        copies.append(document(plan, guardians_voice(plan)))
    return copies


def document(plan: PlanPrint, voice: Voice) -> list[Block]:
    printed = _("Printed {date}.").format(date=prose.date(plan.printed_on))
    return [
        ("h1", voice.heading),
        ("p", f"{voice.addressed} {printed}" if voice.addressed else printed),
        ("p", voice.intro),
        *goals(plan.goals, voice),
        *_contact(plan, voice),
        *_efforts(plan.efforts, voice),
        *_agreements(plan.agreements),
        ("h2", _("If something changes")),
        ("p", voice.changes),
    ]


def goals(shown: list[Goal], voice: Voice) -> list[Block]:
    """The open and achieved goals, a sub-goal under its goal."""
    heading: Block = ("h2", voice.goals)
    if not shown:
        return [heading, ("p", _("There are no goals in the plan yet."))]
    return [heading, ("ul", [(g.level, _goal(g)) for g in shown])]


def _goal(goal: Goal) -> str:
    if goal.status == "achieved" and goal.closed_on:
        return _("{goal} (achieved {date})").format(goal=goal.text, date=prose.date(goal.closed_on))
    if goal.due:
        return _("{goal} (by {date})").format(goal=goal.text, date=prose.date(goal.due))
    return goal.text


def _contact(plan: PlanPrint, voice: Voice) -> list[Block]:
    blocks: list[Block] = [("h2", voice.contact)]
    if plan.coordinator:
        name, title = plan.coordinator.name, labels.value("task", plan.coordinator_title)
        blocks.append(("p", voice.is_coordinator(name, title)))
        blocks.append(("ul", _reach(plan.coordinator)))
    else:
        blocks.append(("p", voice.no_contact))
    if plan.owner:
        blocks.append(("p", _("{who} is responsible for the plan.").format(who=_who(plan.owner))))
        blocks.append(("ul", _reach(plan.owner)))
    if not plan.coordinator and not plan.owner:
        blocks.append(("p", _("Contact the municipality's youth effort if help is needed.")))
    return blocks


def _reach(person: Person) -> list[tuple[int, str]]:
    lines = [(0, _("Phone: {phone}").format(phone=person.phone))] if person.phone else []
    if person.email:
        lines.append((0, _("E-mail: {email}").format(email=person.email)))
    return lines or [(0, _("Department: {department}").format(department=person.department))]


def _who(person: Person) -> str:
    """A professional by name, role and department: "Person CD (socialrådgiver,
    Familieafdelingen)"; a role the code list does not name is "fagperson"."""
    role = labels.value("role", person.role)
    if role == person.role:  # a role the code list does not name
        role = _("professional")
    return _("{name} ({role}, {department})").format(
        name=person.name, role=role, department=person.department
    )


def _efforts(efforts: list[Effort], voice: Voice) -> list[Block]:
    heading: Block = ("h2", _("Who does what"))
    if not efforts:
        return [heading, ("p", voice.no_efforts)]
    return [heading, ("ul", [(0, _effort(e)) for e in efforts])]


def _effort(effort: Effort) -> str:
    start = prose.date(effort.start_on)
    when = (_("from {date}") if effort.state == "active" else _("starts {date}")).format(date=start)
    if effort.end_on:
        when = _("{when}, ends {date}").format(when=when, date=prose.date(effort.end_on))
    return _("{who}: {what}, {when}.").format(
        who=_who(effort.responsible), what=effort.title, when=when
    )


def _agreements(agreements: list[Agreement]) -> list[Block]:
    """Who does what by when: the open agreements, and the done ones marked as done."""
    heading: Block = ("h2", _("What we have agreed"))
    if not agreements:
        return [heading, ("p", _("There are no agreements in the plan right now."))]
    return [heading, ("ul", [(0, _agreement(a)) for a in agreements])]


def _agreement(agreement: Agreement) -> str:
    if agreement.status == "done" and agreement.closed_on:
        when = _("Done {date}.").format(date=prose.date(agreement.closed_on))
    else:
        when = _("By {date} at the latest.").format(date=prose.date(agreement.due))
    return _("{who}: {what}. {when}").format(
        who=_who(agreement.responsible), what=agreement.text.rstrip(" ."), when=when
    )


@danish_document
def markdown(plan: PlanPrint) -> str:
    parts = []
    for blocks in documents(plan):
        lines: list[str] = []
        for kind, value in blocks:
            if kind == "h1":
                lines += [f"# {value}", ""]
            elif kind == "h2":
                lines += [f"## {value}", ""]
            elif kind == "p":
                lines += [value, ""]
            else:
                lines += [f"{'  ' * level}- {text}" for level, text in value] + [""]
        parts.append("\n".join(lines))
    return "\n---\n\n".join(parts)


STYLE = """
body { font-family: sans-serif; max-width: 40em; margin: 2em auto; line-height: 1.5; }
section + section { break-before: page; page-break-before: always; }
"""


@danish_document
def to_html(plan: PlanPrint) -> str:
    e = html.escape
    title = _("Your plan")
    body = [
        f'<!DOCTYPE html>\n<html lang="{language()}">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    ]
    for blocks in documents(plan):
        body.append("<section>\n")
        for kind, value in blocks:
            if kind in ("h1", "h2", "p"):
                body.append(f"<{kind}>{e(value)}</{kind}>\n")
            else:
                body.append(_html_list(value))
        body.append("</section>\n")
    body.append("</body>\n</html>\n")
    return "".join(body)


def _html_list(items: list[tuple[int, str]]) -> str:
    """Nested <ul> from (level, text) items in depth-first order."""
    out, depth = [], -1
    for level, text in items:
        while depth < level:
            out.append("<ul>")
            depth += 1
        while depth > level:
            out.append("</li></ul>")
            depth -= 1
        if out[-1] != "<ul>":
            out.append("</li>")
        out.append(f"<li>{html.escape(text)}")
    while depth >= 0:
        out.append("</li></ul>")
        depth -= 1
    return "".join(out) + "\n"


def text(plan: PlanPrint, fmt: str) -> str:
    """The printed plan in the format `format_for` chose."""
    return to_html(plan) if fmt == "html" else markdown(plan)
