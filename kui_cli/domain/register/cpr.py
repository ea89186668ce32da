"""CPR numbers (personnummer): validation, birth date, masking.

Validation is python-stdnum's `dk.cpr` (format, a real birth date, the century from the 7th digit)
but judged against the reference date rather than the machine's clock, and without the modulus-11
check: numbers issued since 2007 need not pass it.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import lru_cache
from typing import TypeVar, cast

from stdnum.dk import cpr as stdnum_cpr

from kui_cli.errors import KuiError
from kui_cli.render.i18n import _


def normalise(text: str, today: dt.date) -> str:
    """The compact 10-digit form of a valid CPR number, or a KuiError saying what is wrong."""
    return parse(text, today)[0]


def parse(text: str, today: dt.date) -> tuple[str, dt.date]:
    """The compact form of a valid CPR number and its birth date (what a bulk import needs of
    every row, in one call), or a KuiError saying what is wrong."""
    number = compact(text or "")
    if not number.isdigit() or not number.isascii():
        raise KuiError(
            _("invalid CPR {cpr}: only digits and one dash (DDMMYY-SSSS)").format(cpr=repr(text))
        )
    if len(number) != 10:
        raise KuiError(_("invalid CPR {cpr}: it must have 10 digits").format(cpr=repr(text)))
    born = _birth_date_of_prefix(number[:7])
    if born is None:
        raise KuiError(
            _("invalid CPR {cpr}: {digits} is not a real birth date").format(
                cpr=repr(text), digits=number[:6]
            )
        )
    if born > today:
        raise KuiError(
            _("invalid CPR {cpr}: the birth date {born} is after {today}").format(
                cpr=repr(text), born=born, today=today
            )
        )
    return number, born


def compact(text: str) -> str:
    """stdnum's `compact`, with a fast path for the usual ASCII `DDMMYY-SSSS` or `DDMMYYSSSS`.

    stdnum maps Unicode look-alikes character by character, which made it most of the cost of
    importing a million rows; plain ASCII digits, dashes and spaces need none of that, so they
    give the same result directly (a property test holds the two together)."""
    quick = text.replace("-", "").replace(" ", "")
    if len(quick) == 10 and quick.isascii() and quick.isdigit():
        return quick
    return stdnum_cpr.compact(text)


@lru_cache(maxsize=1 << 18)
def _birth_date_of_prefix(prefix: str) -> dt.date | None:
    """The birth date depends on the first seven digits only, so a bulk import works it out once
    per date and century digit instead of once per row. The century rule is stdnum's
    `get_birth_date` (a property test holds them together), without its Unicode clean-up."""
    day, month, year, digit = int(prefix[0:2]), int(prefix[2:4]), int(prefix[4:6]), prefix[6]
    if digit in "5678" and year >= 58:
        year += 1800
    elif digit in "0123" or (digit in "49" and year >= 37):
        year += 1900
    else:
        year += 2000
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def birth_date(number: str) -> dt.date:
    """The birth date of a normalised CPR number (century from the 7th digit)."""
    born = _birth_date_of_prefix(number[:7])
    if born is None:
        raise KuiError(_("invalid CPR {cpr}: not a real birth date").format(cpr=masked(number)))
    return born


def formatted(number: str) -> str:
    """`DDMMYY-SSSS`, for the few places that may show the full number."""
    return f"{number[:6]}-{number[6:]}"


def masked(number: str) -> str:
    """`DDMMYY-xxxx`: enough to tell two youths apart on screen, not enough to identify one."""
    return f"{number[:6]}-xxxx"


def looks_like_cpr(text: str) -> bool:
    """Whether a reference is meant as a CPR (10 digits, with or without the dash)."""
    compact = text.replace("-", "").replace(" ", "")
    return len(compact) == 10 and compact.isdigit()


# --- CPR numbers in free text (agendas, minutes, calendars, the printed plan) ---
#
# Free text must never carry a CPR number: a reason, an outcome, a place or a name is printed on
# documents that are circulated. The number is looked for in the text as a reader sees it, so it
# is normalised first: NFKC (fullwidth and superscript digits, look-alike dots), invisible
# characters dropped (format characters such as a zero-width space or a soft hyphen, control
# characters, combining marks), every dash and minus sign read as "-", every space as " ".
#
# A CPR number in text is ten digits written as one run, or as the birth date DDMMYY (whole or
# in pairs) and the serial SSSS (whole or in pairs), with a separator between the groups: spaces,
# "-" (also " - "), "." , "/" or "_". The birth date must be a real date (the century from the
# 7th digit). Digits inside a longer run of digits are no CPR number, nor are digits joined to
# more digits by a dash or a dot ("01.02.26-15.03.26" is a date range). So an 8-digit phone
# number (also with +45: day 45), two of them, a date with a four-digit year and a time
# ("15.03.2027 14.30": the year splits the serial from the date), an amount or an 11-digit
# reference are never taken for one; a date with a two-digit year and a time in the same
# notation ("15.03.27 14.30") is, and is refused: "15.03.27 kl. 14.30" is not.

_DIGIT_RUN = re.compile(r"[0-9]+")
_GAP = re.compile(r"\s+|\s*--?\s*|[./_]")
_DATE_SHAPES = frozenset({(6,), (2, 4), (4, 2), (2, 2, 2)})
_SERIAL_SHAPES = frozenset({(4,), (2, 2)})
_MINUS_SIGNS = frozenset("\u2212\u2043\u02d7\u2796")  # minus, hyphen bullet...: not Pd
_INVISIBLE = frozenset({"Cf", "Cc", "Mn", "Me"})
_TEN_DIGITS = re.compile(r"(?:\D*+\d){10}")  # possessive: one pass, no backtracking
_TEN_DIGITS_IN_A_LINE = re.compile(r"(?:[^\d\n]*+\d){10}")
FreeText = TypeVar("FreeText", bound=str | None)
REMOVED = "[CPR fjernet]"  # what a printed document shows instead


def in_text(text: str | None) -> bool:
    """Whether free text holds what a reader would take for a CPR number."""
    return bool(spans_in_text(text))


def none_in_texts(texts: list[str | None]) -> bool:
    """Whether no text of these can hold a CPR number, told at once for the usual ones (a feed's
    six free-text fields a line): printable ASCII with fewer than ten digits in each, which is
    how `spans_in_text` decides most text. False says only: ask `refuse_in_text` of each."""
    given = [text for text in texts if text]
    whole = "".join(given)
    if not (whole.isascii() and whole.isprintable()):
        return False
    # Printable: no text holds a newline, so a line of the joined text is one text.
    return _TEN_DIGITS_IN_A_LINE.search("\n".join(given)) is None


def refuse_in_text(text: FreeText, field: str) -> FreeText:
    """The text, or a KuiError naming the field (never the number) when it holds a CPR number."""
    if in_text(text):
        raise KuiError(
            _(
                "{field} contains what looks like a CPR number: a CPR number never goes in free "
                "text (refer to a youth by id)"
            ).format(field=field)
        )
    return text


def changed_texts(given: dict[str, str | None]) -> dict[str, str]:
    """The free-text fields an update gives (by option name; None: not given), stripped and
    checked: none may be emptied, none may hold a CPR number. One rule for every `... update`
    of a name, a title or a department."""
    wanted: dict[str, str] = {}
    for option, value in given.items():
        if value is not None:
            if not value.strip():
                raise KuiError(_("--{option} cannot be empty").format(option=option))
            wanted[option] = refuse_in_text(value.strip(), f"--{option}")
    return wanted


def blanked(text: FreeText, replacement: str = REMOVED) -> FreeText:
    """The text with every CPR number in it replaced: the last line of defence of a printed
    document (agenda, minutes, calendar), for text that reached the database another way than
    through kui's input checks (written before them, or by SQL)."""
    spans = spans_in_text(text)
    if not text or not spans:
        return text
    parts, done = [], 0
    for start, end in spans:
        parts += [text[done:start], replacement]
        done = end
    return cast(FreeText, "".join(parts) + text[done:])


def spans_in_text(text: str | None) -> list[tuple[int, int]]:
    """Where in `text` (start, end) each CPR number is."""
    if not text:
        return []
    if text.isascii() and text.isprintable():  # the usual text: already as it is read
        clean, origin = text, range(len(text))
    elif _TEN_DIGITS.match(unicodedata.normalize("NFKC", text)):  # superscripts become digits
        clean, origin = _as_read(text)
    else:
        return []
    if not _TEN_DIGITS.match(clean):  # most text, names and phone numbers: decided here
        return []
    runs = list(_DIGIT_RUN.finditer(clean))
    found: list[tuple[int, int]] = []
    for chain in _chains(clean, runs):
        lengths = [run.end() - run.start() for run in chain]
        if sum(lengths) < 10:
            continue
        for end in range(len(chain)):
            start = _cpr_ending_at(chain, lengths, end)
            if start is not None and _stands_apart(clean, chain, start, end):
                found.append((origin[chain[start].start()], origin[chain[end].end() - 1] + 1))
    return _merged(found)


def _chains(clean: str, runs: list[re.Match[str]]) -> list[list[re.Match[str]]]:
    """The digit runs, grouped where only separators stand between them."""
    chains: list[list[re.Match[str]]] = []
    for run in runs:
        if chains and _GAP.fullmatch(clean, chains[-1][-1].end(), run.start()):
            chains[-1].append(run)
        else:
            chains.append([run])
    return chains


def _stands_apart(clean: str, chain: list[re.Match[str]], start: int, end: int) -> bool:
    """Digits joined to the number by a dash, dot... belong to something else: a date range
    ("01.02.26-15.03.26") holds no CPR number. Digits apart by spaces do not ("00 150310-4321")."""
    before = start == 0 or clean[chain[start - 1].end() : chain[start].start()].isspace()
    after = end == len(chain) - 1 or clean[chain[end].end() : chain[end + 1].start()].isspace()
    return before and after


def _as_read(text: str) -> tuple[str, list[int]]:
    """The text as a reader sees it (see above), with the index in `text` of each character."""
    chars: list[str] = []
    origin: list[int] = []
    for index, raw in enumerate(text):
        for char in unicodedata.normalize("NFKC", raw):
            category = unicodedata.category(char)
            if char.isspace():
                char = " "
            elif category in _INVISIBLE:
                continue
            elif category == "Nd":
                char = str(unicodedata.decimal(char))
            elif category == "Pd" or char in _MINUS_SIGNS:
                char = "-"
            chars.append(char)
            origin.append(index)
    return "".join(chars), origin


def _cpr_ending_at(chain: list[re.Match[str]], lengths: list[int], end: int) -> int | None:
    """The run where a CPR number ending with run `end` of the chain starts, if one does: one run
    of ten digits, or a birth date and a serial of the shapes above (`lengths`: of the runs)."""
    if lengths[end] == 10:
        return end if _real_date(chain[end].group()) else None
    for split in range(end, 0, -1):
        serial = tuple(lengths[split : end + 1])
        if sum(serial) > 4:
            return None
        if serial not in _SERIAL_SHAPES:
            continue
        for start in range(split - 1, -1, -1):
            date = tuple(lengths[start:split])
            if sum(date) > 6:
                return None
            if date in _DATE_SHAPES:
                digits = "".join(run.group() for run in chain[start : end + 1])
                return start if _real_date(digits) else None
    return None


def _real_date(digits: str) -> bool:
    return len(digits) == 10 and _birth_date_of_prefix(digits[:7]) is not None


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping finds (a chain of pairs can hold two readings) as one span each."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged
