"""Agendas and minutes as documents for circulation: Danish markdown and self-contained HTML.

Both are made from one list of sections, so they always say the same. They get the document of
`domain.agendas.build` (youths already reduced to initials, age and id) and only format it: dates
in Danish with the ISO week ("torsdag 3. december 2026, uge 49"), local wall-clock times. Every
text is escaped in HTML. An item is headed by its own number, the same on every reader's copy:
a referral by the referral id that `agenda decide` takes ("Indstilling nr. 17"), any other item
about a youth by the youth's id; items the reader may not see are counted ("2 punkter ... er
udeladt"), and the reader's own items that are not on the team's agenda come last, apart.
`write_if_changed` puts a file in place by rename (`files`), so a reader (or the mail job after
cron) never sees half a file.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kui_cli import danish

KIND_LABELS = {
    "referral": "Indstilling nr. {id}",
    "handover": "Overgang fra 17 til 18 år",
    "overdue": "Overskredet frist (uddannelsespligt)",
    "at-risk": "I risiko for frafald (ungedatabasen)",
    "no-contact": "Ingen kontakt (opsøgende indsats)",
    "unacknowledged": "Planændringer, ikke kvitteret",
    "carried-over": "Overført indstilling nr. {id}",
}
ASIDE = "Kun til dig, ikke på teamets dagsorden: unge i teamets målgruppe, som ikke er indstillet"


@dataclass
class Section:
    heading: str
    lines: list[str] = field(default_factory=list)


@dataclass
class Document:
    title: str
    when: str
    header: list[str]
    sections: list[Section]
    footer: str
    left_out: str | None = None
    aside: list[Section] = field(default_factory=list)


def document(doc: dict[str, Any], minutes: bool) -> Document:
    meeting = doc["meeting"]
    starts, ends = _datetime(meeting["starts_at"]), _datetime(meeting["ends_at"])
    header = [
        f"{label}: {value}"
        for label, value in (
            ("Sted", meeting.get("place")),
            ("Arrangør", meeting.get("organiser")),
            ("Deltagere", ", ".join(meeting.get("participants") or [])),
        )
        if value
    ]
    if meeting["status"] == "cancelled":
        header.insert(0, f"AFLYST: {meeting.get('note') or 'mødet er aflyst'}")
    elif meeting["status"] == "moved":
        header.insert(0, "Mødet er flyttet til dette tidspunkt.")
    sections = [_section(item, minutes) for item in doc["items"] if item.get("circulated", True)]
    aside = [_section(item, minutes) for item in doc["items"] if not item.get("circulated", True)]
    named = any("name" in item for item in doc["items"])
    footer = (
        "Formandens eget eksemplar med fulde navne: må ikke rundsendes."
        if named
        else "Fortroligt. De unge nævnes kun ved initialer, alder og ungenummer."
    )
    return Document(
        title=f"{'Referat' if minutes else 'Dagsorden'}: {meeting['team_name']}",
        when=danish.when(starts, ends),
        header=header,
        sections=sections,
        footer=footer,
        left_out=left_out(doc),
        aside=aside,
    )


def left_out(doc: dict[str, Any]) -> str | None:
    """The line that says how many of the team's items this reader may not see (None if none)."""
    if "hidden" not in doc or doc["hidden"] == 0:
        return None
    if doc["hidden"] is None:
        return (
            "Punkter om unge, du ikke arbejder med, kan være udeladt: under dit eget "
            "databaselogin kan kui ikke tælle dem."
        )
    if doc["hidden"] == 1:
        return "1 punkt om en ung, du ikke arbejder med, er udeladt."
    return f"{doc['hidden']} punkter om unge, du ikke arbejder med, er udeladt."


def _datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _section(item: dict[str, Any], minutes: bool) -> Section:
    if item.get("youth_id") is None:
        return Section(item["text"], _outcome(item) if minutes else [])
    label = KIND_LABELS.get(item["kind"], item["kind"]).format(id=item.get("id"))
    who = f"{item['initials']}, {item['age']} år (ung nr. {item['youth_id']})"
    if item.get("name"):
        who = f"{item['name']}, {who}"
    lines = []
    if item["kind"] in ("referral", "carried-over"):
        if item.get("from_meeting"):
            lines.append(f"Fra mødet {danish.date(_date(item['from_meeting']), weekday=True)}.")
        lines.append(f"Begrundelse: {item['text']}")
        referred = f"Indstillet af {item['referred_by']}"
        if item.get("referred_on"):
            referred += f" den {danish.date(_date(item['referred_on']))}"
        if item.get("leader"):
            referred += f"; leder: {item['leader']}"
        lines.append(f"{referred}.")
    else:
        lines.append(item["text"])
    if minutes:
        lines += _outcome(item)
    return Section(f"{label}: {who}", lines)


def _outcome(item: dict[str, Any]) -> list[str]:
    if item.get("id") is None:
        return []
    if not item.get("outcome"):
        return ["Ikke afgjort: overføres til næste møde."]
    first, *rest = str(item["outcome"]).splitlines()
    return [f"Beslutning: {first}", *rest]


def markdown(doc: dict[str, Any], minutes: bool = False) -> str:
    d = document(doc, minutes)
    out = [f"# {_md(d.title)}", "", f"**{d.when}**", ""]
    if d.header:
        out += ["  \n".join(_md(line) for line in d.header), ""]
    if not d.sections:
        out += ["Ingen punkter.", ""]
    for section in d.sections:
        out += _md_section(section, "##")
    if d.left_out:
        out += [f"*{_md(d.left_out)}*", ""]
    if d.aside:
        out += [f"## {_md(ASIDE)}", ""]
    for section in d.aside:
        out += _md_section(section, "###")
    out += ["---", "", f"*{_md(d.footer)}*", ""]
    return "\n".join(out)


def _md_section(section: Section, level: str) -> list[str]:
    out = [f"{level} {_md(section.heading)}", ""]
    if section.lines:
        out += ["  \n".join(_md(line) for line in section.lines), ""]
    return out


def _md(text: str) -> str:
    """Free text cannot break the document's structure: no raw HTML, no line that starts a
    heading, a list or a quote of its own."""
    cleaned = " ".join(str(text).split())
    cleaned = cleaned.replace("<", "&lt;").replace(">", "&gt;")
    return cleaned.replace("*", "\\*").replace("_", "\\_").replace("#", "\\#")


STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:50em;margin:2em auto;line-height:1.4}"
    "h1{font-size:1.5em}h2{font-size:1.1em;margin-top:1.5em}"
    ".when{font-weight:bold}.left-out{font-style:italic}footer{margin-top:2em;font-style:italic;color:#555}"
)


def to_html(doc: dict[str, Any], minutes: bool = False) -> str:
    d = document(doc, minutes)
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="da">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{e(d.title)}</title>",
        f"<style>{STYLE}</style>",
        "</head>",
        "<body>",
        f"<h1>{e(d.title)}</h1>",
        f'<p class="when">{e(d.when)}</p>',
    ]
    if d.header:
        parts.append("<p>" + "<br>".join(e(line) for line in d.header) + "</p>")
    if not d.sections:
        parts.append("<p>Ingen punkter.</p>")
    for section in d.sections:
        parts += _html_section(section, "h2")
    if d.left_out:
        parts.append(f'<p class="left-out">{e(d.left_out)}</p>')
    if d.aside:
        parts.append(f"<h2>{e(ASIDE)}</h2>")
    for section in d.aside:
        parts += _html_section(section, "h3")
    parts += [f"<footer>{e(d.footer)}</footer>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _html_section(section: Section, tag: str) -> list[str]:
    e = html.escape
    parts = [f"<{tag}>{e(section.heading)}</{tag}>"]
    if section.lines:
        parts.append("<p>" + "<br>".join(e(line) for line in section.lines) + "</p>")
    return parts


def table_title(doc: dict[str, Any], minutes: bool = False) -> str:
    d = document(doc, minutes)
    return f"{d.title}, {d.when}"


def write_if_changed(path: Path, text: str) -> bool:
    """Write atomically and privately (`files.write_private`: temporary file, then rename), unless
    the file already holds exactly this text: a cron re-run touches nothing. True when written."""
    from kui_cli.domain.files import write_private

    if path.is_file() and path.read_bytes() == text.encode("utf-8"):  # a pipe is never read
        return False
    write_private(path, text)
    return True
