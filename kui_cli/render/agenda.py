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

The documents are Danish whatever the reader's language (they are circulated in a Danish
municipality): their wording is English in the code and Danish in the catalog, and each public
function here speaks Danish (`i18n.speaking`). The automatic items' sentences are written here
from the domain's facts (`item_text`); the JSON of `agenda show` gets them as its `text`.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kui_cli.render import prose
from kui_cli.render.i18n import _, language, n_, speaking

DOCUMENT_LANGUAGE = "da"
danish_document = speaking(DOCUMENT_LANGUAGE)
FREE_TEXT = ("fixed", "referral", "carried-over")  # items whose text is a person's own words


def kind_label(kind: str) -> str:
    """An item's heading before the youth it is about."""
    return {
        "referral": _("Referral no. {id}"),
        "handover": _("Transition from 17 to 18"),
        "overdue": _("Deadline passed (education obligation)"),
        "at-risk": _("At risk of drop-out (youth database)"),
        "no-contact": _("No contact (outreach)"),
        "unacknowledged": _("Plan changes, not acknowledged"),
        "carried-over": _("Carried-over referral no. {id}"),
    }.get(kind, kind)


def aside() -> str:
    return _(
        "Only for you, not on the team's agenda: youths in the team's target group who are not "
        "referred"
    )


def confidential() -> str:
    """The footer of a document that names youths by initials (the agenda, the digest)."""
    return _("Confidential. The youths are named only by initials, age and youth number.")


# --- the automatic items' sentences, from the domain's facts ---


def handed_over(what: str, facts: dict[str, Any]) -> str:
    """A transition's sentence, with the teams when the youth is handed over to another."""
    if facts.get("to_team"):
        return _("{what}; handed over from {from_team} to {to_team}.").format(
            what=what, from_team=facts.get("from_team") or _("no team"), to_team=facts["to_team"]
        )
    return f"{what}."


def _handover(facts: dict[str, Any]) -> str:
    what = _(
        "Turns 18 on {date}: the education obligation and the parents' part end, the plan "
        "responsibility passes from UU to the job centre"
    ).format(date=prose.date(facts["date"]))
    return handed_over(what, facts)


def _overdue(facts: dict[str, Any]) -> str:
    steps = {
        "contact": _("contact by {date}"),
        "offer": _("offer of a new activity by {date}"),
    }
    missed = [steps[step].format(date=prose.date(day)) for step, day in facts["missed"].items()]
    joined = (
        missed[0]
        if len(missed) == 1
        else _("{first} and {second}").format(first=missed[0], second=missed[1])
    )
    return _("No activity since {date}; the deadline is passed: {missed}.").format(
        date=prose.date(facts["out_since"]), missed=joined
    )


def at_risk(facts: dict[str, Any]) -> str:
    return _("Reported at risk of drop-out since {date}.").format(date=prose.date(facts["since"]))


def no_contact(facts: dict[str, Any]) -> str:
    """Days without contact, since the last contact or (never reached) the registration."""
    days = facts["days"]
    if facts["last_reached"] is None:
        sentence = n_(
            "No contact for {days} day: not reached since the registration on {date}.",
            "No contact for {days} days: not reached since the registration on {date}.",
            days,
        )
        return sentence.format(days=days, date=prose.date(facts["counted_from"]))
    sentence = n_(
        "No contact for {days} day: last reached on {date}.",
        "No contact for {days} days: last reached on {date}.",
        days,
    )
    return sentence.format(days=days, date=prose.date(facts["last_reached"]))


def _unacknowledged(facts: dict[str, Any]) -> str:
    return n_(
        "{count} change in the plan is not acknowledged by the plan owner {owner}; the oldest "
        "is from {date}.",
        "{count} changes in the plan are not acknowledged by the plan owner {owner}; the oldest "
        "is from {date}.",
        facts["count"],
    ).format(
        count=prose.number(facts["count"]), owner=facts["owner"], date=prose.date(facts["oldest"])
    )


SENTENCES = {
    "handover": _handover,
    "overdue": _overdue,
    "at-risk": at_risk,
    "no-contact": no_contact,
    "unacknowledged": _unacknowledged,
}


def item_text(item: dict[str, Any]) -> str:
    """An item's text: a person's own words, or the sentence of an automatic item."""
    if item["kind"] in FREE_TEXT or item["kind"] not in SENTENCES:
        return item.get("text") or ""
    return SENTENCES[item["kind"]](item["facts"])


@danish_document
def for_scripts(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as `agenda show --format json` gives it (CLI.md): each item with its
    `text`, in Danish as the document."""
    return {**doc, "items": rows(doc)}


@danish_document
def rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The items as listing rows: the domain's facts written as their `text`."""
    return [
        {**{k: v for k, v in item.items() if k != "facts"}, "text": item_text(item)}
        for item in doc["items"]
    ]


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


@danish_document
def document(doc: dict[str, Any], minutes: bool) -> Document:
    meeting = doc["meeting"]
    starts, ends = _datetime(meeting["starts_at"]), _datetime(meeting["ends_at"])
    header = [
        f"{label}: {value}"
        for label, value in (
            (_("Place"), meeting.get("place")),
            (_("Organiser"), meeting.get("organiser")),
            (_("Participants"), ", ".join(meeting.get("participants") or [])),
        )
        if value
    ]
    if meeting["status"] == "cancelled":
        note = meeting.get("note") or _("the meeting is cancelled")
        header.insert(0, _("CANCELLED: {note}").format(note=note))
    elif meeting["status"] == "moved":
        header.insert(0, _("The meeting has been moved to this time."))
    sections = [_section(item, minutes) for item in doc["items"] if item.get("circulated", True)]
    aside = [_section(item, minutes) for item in doc["items"] if not item.get("circulated", True)]
    named = any("name" in item for item in doc["items"])
    footer = (
        _("The chair's own copy with full names: not to be circulated.")
        if named
        else confidential()
    )
    title = _("Minutes: {team}") if minutes else _("Agenda: {team}")
    return Document(
        title=title.format(team=meeting["team_name"]),
        when=prose.when(starts, ends),
        header=header,
        sections=sections,
        footer=footer,
        left_out=left_out(doc),
        aside=aside,
    )


@danish_document
def left_out(doc: dict[str, Any]) -> str | None:
    """The line that says how many of the team's items this reader may not see (None if none)."""
    if "hidden" not in doc or doc["hidden"] == 0:
        return None
    if doc["hidden"] is None:
        return _(
            "Items about youths you do not work on may be left out: under your own database "
            "login kui cannot count them."
        )
    return n_(
        "{n} item about a youth you do not work on is left out.",
        "{n} items about youths you do not work on are left out.",
        doc["hidden"],
    ).format(n=prose.number(doc["hidden"]))


def _datetime(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def _date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _section(item: dict[str, Any], minutes: bool) -> Section:
    if item.get("youth_id") is None:
        return Section(item_text(item), _outcome(item) if minutes else [])
    label = kind_label(item["kind"]).format(id=item.get("id"))
    who = _("{initials}, {age} years (youth no. {id})").format(
        initials=item["initials"], age=item["age"], id=item["youth_id"]
    )
    if item.get("name"):
        who = f"{item['name']}, {who}"
    lines = []
    if item["kind"] in ("referral", "carried-over"):
        if item.get("from_meeting"):
            day = prose.date(_date(item["from_meeting"]), weekday=True)
            lines.append(_("From the meeting on {date}.").format(date=day))
        lines.append(_("Reason: {text}").format(text=item["text"]))
        if item.get("referred_on"):
            referred = _("Referred by {who} on {date}").format(
                who=item["referred_by"], date=prose.date(_date(item["referred_on"]))
            )
        else:
            referred = _("Referred by {who}").format(who=item["referred_by"])
        if item.get("leader"):
            referred = _("{referred}; leader: {leader}").format(
                referred=referred, leader=item["leader"]
            )
        lines.append(f"{referred}.")
    else:
        lines.append(item_text(item))
    if minutes:
        lines += _outcome(item)
    return Section(f"{label}: {who}", lines)


def _outcome(item: dict[str, Any]) -> list[str]:
    if item.get("id") is None:
        return []
    if not item.get("outcome"):
        return [_("Not decided: carried over to the next meeting.")]
    first, *rest = str(item["outcome"]).splitlines()
    return [_("Decision: {text}").format(text=first), *rest]


@danish_document
def markdown(doc: dict[str, Any], minutes: bool = False) -> str:
    d = document(doc, minutes)
    out = [f"# {_md(d.title)}", "", f"**{d.when}**", ""]
    if d.header:
        out += ["  \n".join(_md(line) for line in d.header), ""]
    if not d.sections:
        out += [_("No items."), ""]
    for section in d.sections:
        out += _md_section(section, "##")
    if d.left_out:
        out += [f"*{_md(d.left_out)}*", ""]
    if d.aside:
        out += [f"## {_md(aside())}", ""]
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


@danish_document
def to_html(doc: dict[str, Any], minutes: bool = False) -> str:
    d = document(doc, minutes)
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{language()}">',
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
        parts.append(f"<p>{e(_('No items.'))}</p>")
    for section in d.sections:
        parts += _html_section(section, "h2")
    if d.left_out:
        parts.append(f'<p class="left-out">{e(d.left_out)}</p>')
    if d.aside:
        parts.append(f"<h2>{e(aside())}</h2>")
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


@danish_document
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
