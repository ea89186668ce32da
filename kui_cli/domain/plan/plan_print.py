"""The young person's own copy of the plan, in plain Danish (`plan print`).

The seeds insist that the young person knows the plan and takes part in it. So this copy has
their goals in their own words (open and achieved), their one contact person and how to reach
them, what each professional does and until when, and who does what by when as agreed ("Det har
vi aftalt"); no CPR number, no internal codes, no change log, nothing about anyone else. For a
minor a second copy follows for the custody holders, who until 18 take part in the plan.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlmodel import Session

from kui_cli import danish
from kui_cli.domain import codes
from kui_cli.domain.plan import plans
from kui_cli.domain.profile import Profile
from kui_cli.domain.protection import audit
from kui_cli.domain.protection.audit import Actor
from kui_cli.domain.register import ages, cpr, youths
from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

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


def genitive(name: str) -> str:
    """Danish possessive: Idas, Mads', Felix'."""
    return f"{name}'" if name[-1:].lower() in ("s", "x", "z") else f"{name}s"


@dataclass(frozen=True)
class Voice:
    """Who the copy speaks to: the youth (du) or the custody holders (about the youth)."""

    subject: str  # "Du" / "Ida"
    you: str  # "dig" / "Ida"
    your: str  # "Din" / "Idas"
    yours_plural: str  # "Dine" / "Idas"
    your_lower: str  # "din" / "Idas"
    intro: str


YOUTH_VOICE = Voice(
    "Du",
    "dig",
    "Din",
    "Dine",
    "din",
    "Det her er din plan. Den samler dine mål og det, kommunen gør sammen med dig. Du skal kende "
    "din plan og være med til at lave den, så sig til, hvis noget ikke passer.",
)


def print_plan(session: Session, actor: Actor, profile: Profile, youth_ref: str, fmt: str) -> str:
    """The printed plan as markdown or html; printing is audited."""
    youth = youths.find(session, youth_ref)
    plan = plans.overview(session, youth, actor.today, profile)
    first = youth.name.split()[0]
    title = plans.coordinator_title(profile)
    documents = [_document(plan, title, actor.today, YOUTH_VOICE, [])]
    if ages.age_on(youth.birth_date, actor.today) < 18:
        guardians = [g.name for g in youths.guardians_of(session, youth.id)]
        gen = genitive(first)
        turns_18 = danish.date(ages.birthday(youth.birth_date, 18))
        intro = (
            f"Dette er en kopi af {gen} plan. Indtil {first} fylder 18 år den {turns_18}, "
            "bliver planen lavet og revideret sammen med jer."
        )
        voice = Voice(first, first, gen, gen, gen, intro)
        documents.append(_document(plan, title, actor.today, voice, guardians))
    audit.record(session, actor, "print", subject=youth.subject_key)
    text = to_html(documents) if fmt == "html" else to_markdown(documents)
    return cpr.blanked(text)  # the last line of defence, as on agendas


def _document(
    plan: dict[str, Any], title: str, today: dt.date, voice: Voice, guardians: list[str]
) -> list[Block]:
    printed = f"Udskrevet {danish.date(today)}."
    if voice is YOUTH_VOICE:
        blocks: list[Block] = [("h1", "Din plan"), ("p", f"{plan['name']}. {printed}")]
    else:
        heading = f"{genitive(plan['name'])} plan: kopi til forældremyndighedsindehaverne"
        addressed = f"Til {', '.join(guardians)}. " if guardians else ""
        blocks = [("h1", heading), ("p", f"{addressed}{printed}")]
    return [
        *blocks,
        ("p", voice.intro),
        *_goals(plan, voice),
        *_contact(plan, title, voice),
        *_efforts(plan, voice),
        *_agreements(plan),
        ("h2", "Hvis noget ændrer sig"),
        (
            "p",
            f"Alle, der arbejder med {voice.you}, skal fortælle det til den, der har ansvaret "
            "for planen, når noget ændrer sig. Spørg endelig, hvis noget er uklart.",
        ),
    ]


def _goals(plan: dict[str, Any], voice: Voice) -> list[Block]:
    """The open and achieved goals; a dropped goal (with what was under it) is left out."""
    blocks: list[Block] = [("h2", f"{voice.yours_plural} mål")]
    items, dropped_at = [], None
    for g in plan["goals"]:
        if dropped_at is not None and g["level"] > dropped_at:
            continue
        dropped_at = g["level"] if g["status"] == "dropped" else None
        if dropped_at is None:
            items.append((g["level"], g["text"] + _goal_note(g)))
    if not items:
        return [*blocks, ("p", "Der står ingen mål i planen endnu.")]
    return [*blocks, ("ul", items)]


def _goal_note(goal: dict[str, Any]) -> str:
    if goal["status"] == "achieved":
        return f" (nået {danish.date(goal['closed_on'])})"
    return f" (inden {danish.date(goal['due'])})" if goal["due"] else ""


def _contact(plan: dict[str, Any], title: str, voice: Voice) -> list[Block]:
    people = {p["initials"]: p for p in plan["professionals"]}
    blocks: list[Block] = [("h2", f"{voice.your} kontaktperson")]
    coordinator = people.get(plan["coordinator"] or "")
    owner = people.get(plan["plan_owner"] or "")
    if coordinator:
        blocks.append(("p", f"{coordinator['name']} er {voice.your_lower} {title}."))
        blocks.append(("ul", _reach(coordinator)))
    else:
        blocks.append(("p", f"{voice.subject} har ikke en fast kontaktperson endnu."))
    if owner and owner is not coordinator:
        blocks.append(("p", f"{_who(owner)} har ansvaret for planen."))
        blocks.append(("ul", _reach(owner)))
    if not coordinator and not owner:
        blocks.append(("p", "Kontakt kommunens ungeindsats, hvis der er brug for hjælp."))
    return blocks


def _reach(person: dict[str, Any]) -> list[tuple[int, str]]:
    lines = [(0, f"Telefon: {person['phone']}")] if person["phone"] else []
    if person["email"]:
        lines.append((0, f"E-mail: {person['email']}"))
    return lines or [(0, f"Afdeling: {person['department']}")]


def _who(person: dict[str, Any]) -> str:
    role = codes.ROLES.get(str(person["role"]), "fagperson")
    return f"{person['name']} ({role}, {person['department']})"


def _efforts(plan: dict[str, Any], voice: Voice) -> list[Block]:
    blocks: list[Block] = [("h2", "Hvem gør hvad")]
    items = []
    for effort in plan["efforts"]:
        if effort["state"] == "ended":
            continue
        role = codes.ROLES.get(effort["responsible_role"], "fagperson")
        when = ("fra " if effort["state"] == "active" else "starter ") + danish.date(
            effort["start_on"]
        )
        if effort["end_on"]:
            when += f", slutter {danish.date(effort['end_on'])}"
        who = f"{effort['responsible_name']} ({role}, {effort['department']})"
        items.append((0, f"{who}: {effort['title']}, {when}."))
    if not items:
        return [*blocks, ("p", f"Der er ingen indsatser i gang for {voice.you} lige nu.")]
    return [*blocks, ("ul", items)]


def _agreements(plan: dict[str, Any]) -> list[Block]:
    """Who does what by when: the open agreements, and the done ones marked as done."""
    blocks: list[Block] = [("h2", "Det har vi aftalt")]
    items = []
    for agreement in plan["agreements"]:
        if agreement["status"] == "dropped":
            continue
        who = _who(
            {
                "name": agreement["responsible_name"],
                "role": agreement["responsible_role"],
                "department": agreement["responsible_department"],
            }
        )
        if agreement["status"] == "done":
            when = f"Klaret {danish.date(agreement['closed_on'])}."
        else:
            when = f"Senest {danish.date(agreement['due'])}."
        what = agreement["text"].rstrip(" .")
        items.append((0, f"{who}: {what}. {when}"))
    if not items:
        return [*blocks, ("p", "Der står ingen aftaler i planen lige nu.")]
    return [*blocks, ("ul", items)]


def to_markdown(documents: list[list[Block]]) -> str:
    parts = []
    for blocks in documents:
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


HTML_HEAD = """<!DOCTYPE html>
<html lang="da">
<head>
<meta charset="utf-8">
<title>Din plan</title>
<style>
body { font-family: sans-serif; max-width: 40em; margin: 2em auto; line-height: 1.5; }
section + section { break-before: page; page-break-before: always; }
</style>
</head>
<body>
"""


def to_html(documents: list[list[Block]]) -> str:
    body = [HTML_HEAD]
    for blocks in documents:
        body.append("<section>\n")
        for kind, value in blocks:
            if kind in ("h1", "h2", "p"):
                body.append(f"<{kind}>{html.escape(value)}</{kind}>\n")
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
