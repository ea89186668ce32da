"""CPR numbers (personnummer): validation, birth date, masking.

Validation is python-stdnum's `dk.cpr` (format, a real birth date, the century from the 7th digit)
but judged against the reference date rather than the machine's clock, and without the modulus-11
check: numbers issued since 2007 need not pass it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from stdnum.dk import cpr as stdnum_cpr

from kui_cli.errors import KuiError


def normalise(text: str, today: dt.date) -> str:
    """The compact 10-digit form of a valid CPR number, or a KuiError saying what is wrong."""
    return parse(text, today)[0]


def parse(text: str, today: dt.date) -> tuple[str, dt.date]:
    """The compact form of a valid CPR number and its birth date (what a bulk import needs of
    every row, in one call), or a KuiError saying what is wrong."""
    number = compact(text or "")
    if not number.isdigit() or not number.isascii():
        raise KuiError(f"invalid CPR {text!r}: only digits and one dash (DDMMYY-SSSS)")
    if len(number) != 10:
        raise KuiError(f"invalid CPR {text!r}: it must have 10 digits")
    born = _birth_date_of_prefix(number[:7])
    if born is None:
        raise KuiError(f"invalid CPR {text!r}: {number[:6]} is not a real birth date")
    if born > today:
        raise KuiError(f"invalid CPR {text!r}: the birth date {born} is after {today}")
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
        raise KuiError(f"invalid CPR {masked(number)}: not a real birth date")
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
