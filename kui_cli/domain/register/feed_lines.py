"""The status feed's file format (issue 18): lines of events about young people, as kui reads them.

A feed is CSV with a header row (`,` or `;`, as Danish Excel writes it) or JSON lines (one
object a line), told apart by the extension (`.jsonl`, `.ndjson`) or else by the first
non-blank character (`{`). Its fields, shaped after what Ungedatabasen (STIL) hands the
municipality: `source`, `event_id` (optional), `cpr`, `event_date`, `kind`, `education`,
`institution`, `reason`, `name` and `birth_date` (both optional: they let an unknown youth be
registered). This module only reads and checks a line on its own; what an event does is
`feed.py`'s.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from kui_cli.domain import encodings
from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError
from kui_cli.render.i18n import _

KINDS = (
    "started",
    "dropped-out",
    "completed",
    "at-risk",
    "moved-away",
    "moved-in",
    "job",
    "benefit",
)
FIELDS = (
    "source",
    "event_id",
    "cpr",
    "event_date",
    "kind",
    "education",
    "institution",
    "reason",
    "name",
    "birth_date",
)
REQUIRED = ("cpr", "event_date", "kind")
# A source begins with a letter (never a number to mistake for a CPR number) and fits, with
# AUTHOR, in the 40 characters of an author (`change_log.by`).
SOURCE = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{0,34}$")
# A feed's changes are authored by its source in a namespace that no staff member's initials
# can take (initials are letters and digits, `staff.INITIALS`): `feed:ungedata`. So a source
# named like a staff member neither writes in their name nor hides a change from their inbox,
# and the national report tells the feed's changes from decisions made in kui by one rule.
AUTHOR = "feed:"
EVENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
# The free-text fields of a line besides the source, checked for CPR numbers (`parse`).
FREE_TEXT = ("event_id", "education", "institution", "reason", "name")
MAX_TEXT = 100  # education, institution and reason: codes as the source gives them
JSON_LINES = (".jsonl", ".ndjson")


@dataclass(frozen=True, slots=True)
class Event:
    """One checked line of a feed."""

    line: int
    source: str
    event_id: str | None
    cpr: str  # compact, ten digits
    born: dt.date
    event_date: dt.date
    kind: str
    education: str | None
    institution: str | None
    reason: str | None
    name: str | None


def read_lines(
    path: Path, encoding: str | None = None
) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line number, fields) of every non-blank line after a CSV header, or (line number, the
    reason) for a line that cannot be read as fields at all. The file is read as every text
    file kui reads (`encodings.open_text`: UTF-8, UTF-16 with a BOM, Windows-1252/Latin-1)."""
    with encodings.open_text(path, encoding) as handle:
        text = handle.read()
    if path.suffix.lower() in JSON_LINES or text.lstrip()[:1] == "{":
        yield from _json_lines(text)
    else:
        yield from _csv_lines(text, path)


def _json_lines(text: str) -> Iterator[tuple[int, dict[str, str] | str]]:
    for number, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError:
            yield number, _("not a JSON object")
            continue
        if not isinstance(value, dict):
            yield number, _("not a JSON object")
            continue
        unknown = sorted(set(value) - set(FIELDS))
        if unknown:
            yield (
                number,
                _("unknown field {field}; known: {known}").format(
                    field=_shown(unknown[0]), known=", ".join(FIELDS)
                ),
            )
            continue
        if any(isinstance(v, dict | list | bool | float) for v in value.values()):
            yield (
                number,
                _("a field is not text (every value is a string; event_id may be a number)"),
            )
            continue
        yield number, {k: "" if v is None else str(v) for k, v in value.items()}


def _csv_lines(text: str, path: Path) -> Iterator[tuple[int, dict[str, str] | str]]:
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        _check_header(header, path)
        start = reader.line_num + 1
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                yield line, _("more fields than the header has columns")
                continue
            yield line, dict(zip(header, fields, strict=False))
    except csv.Error as exc:
        raise KuiError(
            _("{path} line {line}: unreadable CSV ({error})").format(
                path=path, line=reader.line_num, error=exc
            )
        ) from None


def _check_header(header: list[str], path: Path) -> None:
    if not header or header == [""]:
        raise KuiError(
            _("{path} is empty: the first line must be a header with cpr,event_date,kind").format(
                path=path
            )
        )
    unknown = [c for c in header if c not in FIELDS]
    if unknown:
        raise KuiError(
            _("{path}: unknown column {column}; known: {known}").format(
                path=path, column=_shown(unknown[0]), known=", ".join(FIELDS)
            )
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise KuiError(
            _("{path}: the header lacks column {column}").format(path=path, column=repr(missing[0]))
        )
    if len(set(header)) != len(header):
        raise KuiError(_("{path}: a column appears twice in the header").format(path=path))


def parse(fields: Mapping[str, str], line: int, source: str | None, today: dt.date) -> Event:
    """One line's fields as an event, or a KuiError with the first thing wrong. `source` is
    `--source`: the source of lines without one (a line naming another source is refused)."""
    given = _text(fields, "source")
    if given and source and given != source:
        raise KuiError(
            _("source {given} differs from --source {source}").format(
                given=_shown(given), source=_shown(source)
            )
        )
    name_of_source = given or source
    if not name_of_source:
        raise KuiError(_("no source: give a source column or --source"))
    texts = {key: _text(fields, key) for key in FREE_TEXT}
    # One test of the line's free text first; only a line it cannot clear is checked field by
    # field, in the order of the rules below (the first field with a CPR number is named).
    cleared = cpr.none_in_texts([name_of_source, *texts.values()])
    refuse = _as_given if cleared else cpr.refuse_in_text
    refuse(name_of_source, "source")  # before any message repeats it
    if not SOURCE.match(name_of_source):
        raise KuiError(
            _(
                "source {source} must begin with a letter and be up to 35 letters, digits, '.', "
                "'_' or '-'"
            ).format(source=repr(name_of_source))
        )
    event_id = refuse(texts["event_id"], "event_id")
    if event_id is not None and not EVENT_ID.match(event_id):
        raise KuiError(
            _("event_id {event_id} must be up to 64 letters, digits or . _ : / -").format(
                event_id=_shown(event_id)
            )
        )
    number, born = cpr.parse(_text(fields, "cpr") or "", today)
    day = _date(fields, "event_date", required=True)
    assert day is not None
    if not born <= day <= today:
        raise KuiError(
            _("event_date {day} is not between the birth date {born} and {today}").format(
                day=day, born=born, today=today
            )
        )
    birth_date = _date(fields, "birth_date")
    if birth_date is not None and birth_date != born:
        raise KuiError(
            _("birth_date {day} is not the birth date of the CPR number").format(day=birth_date)
        )
    kind = (_text(fields, "kind") or "").lower()
    if kind not in KINDS:
        raise KuiError(
            _("unknown kind {kind}: use one of {kinds}").format(
                kind=_shown(kind), kinds=", ".join(KINDS)
            )
        )
    return Event(
        line,
        name_of_source,
        event_id,
        number,
        born,
        day,
        kind,
        _code(texts, "education", refuse),
        _code(texts, "institution", refuse),
        _code(texts, "reason", refuse),
        refuse(texts["name"], "name"),
    )


def _text(fields: Mapping[str, str], key: str) -> str | None:
    value = fields.get(key, "").strip()
    return value or None


def _as_given(text: str | None, field: str) -> str | None:
    """`cpr.refuse_in_text` of a text already cleared (`cpr.none_in_texts`)."""
    return text


def _code(
    texts: Mapping[str, str | None], key: str, refuse: Callable[[str | None, str], str | None]
) -> str | None:
    """A code as given (education, institution, reason): short, and never a CPR number, as it
    goes into the history every reader of the youth sees."""
    value = texts[key]
    if value is not None and len(value) > MAX_TEXT:
        raise KuiError(
            _("{field} is longer than {most} characters").format(field=key, most=MAX_TEXT)
        )
    return refuse(value, key)


def _date(fields: Mapping[str, str], key: str, *, required: bool = False) -> dt.date | None:
    value = _text(fields, key)
    if value is None:
        if required:
            raise KuiError(_("{field} is required (YYYY-MM-DD)").format(field=key))
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise KuiError(
            _("{field} {value} is not a date YYYY-MM-DD").format(field=key, value=_shown(value))
        ) from None


def author(source: str) -> str:
    """Who a feed's changes are by (`AUTHOR`): `feed:ungedata` for the source `ungedata`."""
    return f"{AUTHOR}{source}"


def _shown(value: str) -> str:
    """A value repeated in a message (stderr reaches cron's mail): quoted, any CPR number in it
    blanked."""
    return repr(cpr.blanked(value))
