"""CPR numbers (personnummer): validation, birth date, masking.

Validation is python-stdnum's `dk.cpr` (format, a real birth date, the century from the 7th digit)
but judged against the reference date rather than the machine's clock, and without the modulus-11
check: numbers issued since 2007 need not pass it.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError

from kui_cli.errors import KuiError


def normalise(text: str, today: dt.date) -> str:
    """The compact 10-digit form of a valid CPR number, or a KuiError saying what is wrong."""
    number = stdnum_cpr.compact(text or "")
    if not number.isdigit() or not number.isascii():
        raise KuiError(f"invalid CPR {text!r}: only digits and one dash (DDMMYY-SSSS)")
    if len(number) != 10:
        raise KuiError(f"invalid CPR {text!r}: it must have 10 digits")
    born = _birth_date_of_prefix(number[:7])
    if born is None:
        raise KuiError(f"invalid CPR {text!r}: {number[:6]} is not a real birth date")
    if born > today:
        raise KuiError(f"invalid CPR {text!r}: the birth date {born} is after {today}")
    return number


@lru_cache(maxsize=65536)
def _birth_date_of_prefix(prefix: str) -> dt.date | None:
    """The birth date depends on the first seven digits only, so a bulk import asks stdnum once
    per date and century instead of once per row."""
    try:
        return stdnum_cpr.get_birth_date(prefix + "000")
    except ValidationError:
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
