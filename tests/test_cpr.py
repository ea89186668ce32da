"""CPR rules: format, real birth dates, century digits, no modulus-11 demand, no future births."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError

from kui_cli.domain.register import cpr
from kui_cli.errors import KuiError

TODAY = dt.date(2026, 11, 22)


def test_post_2007_number_without_modulus_11_is_accepted() -> None:
    number = "0101094001"
    assert stdnum_cpr.checksum(number) != 0
    assert cpr.normalise("010109-4001", TODAY) == number


def test_normalised_form_is_ten_digits_with_or_without_dash() -> None:
    assert cpr.normalise(" 211062-5629 ", TODAY) == "2110625629"
    assert cpr.normalise("2110625629", TODAY) == "2110625629"


@pytest.mark.parametrize("bad", ["310209-4001", "300211-4001", "011309-4001", "000109-4001"])
def test_impossible_dates_are_rejected(bad: str) -> None:
    with pytest.raises(KuiError, match="not a real birth date"):
        cpr.normalise(bad, TODAY)


def test_leap_day_is_a_real_date() -> None:
    assert cpr.birth_date(cpr.normalise("290208-4001", TODAY)) == dt.date(2008, 2, 29)


def test_future_birth_is_rejected_against_the_reference_date() -> None:
    with pytest.raises(KuiError, match="after 2026-11-22"):
        cpr.normalise("231126-4001", TODAY)
    assert cpr.normalise("221126-4001", TODAY) == "2211264001"


@pytest.mark.parametrize(
    ("number", "year"),
    [
        ("0101090001", 1909),  # 0-3: 1900s
        ("0101373001", 1937),
        ("0101364001", 2036),  # 4 and 9: 2000 up to 36, else 1900s
        ("0101374001", 1937),
        ("0101369001", 2036),
        ("0101379001", 1937),
        ("0101575001", 2057),  # 5-8: 2000 up to 57, else 1800s
        ("0101585001", 1858),
        ("0101588001", 1858),
    ],
)
def test_century_follows_the_seventh_digit(number: str, year: int) -> None:
    assert cpr.birth_date(number).year == year


@pytest.mark.parametrize("bad", ["", "12345", "0101091234567", "0101O91234", "01.01.09-1234"])
def test_bad_formats_are_rejected(bad: str) -> None:
    with pytest.raises(KuiError, match="invalid CPR"):
        cpr.normalise(bad, TODAY)


def test_masking_keeps_the_birth_date_only() -> None:
    assert cpr.masked("2110625629") == "211062-xxxx"


@given(st.text(max_size=14))
def test_agrees_with_stdnum_on_any_text(text: str) -> None:
    """Ours never crashes and accepts exactly what stdnum accepts (stdnum judges on its clock)."""
    try:
        ours = cpr.normalise(text, dt.date.max)
    except KuiError:
        ours = None
    try:
        theirs = stdnum_cpr.validate(text)
        if stdnum_cpr.get_birth_date(theirs) > dt.date.today():
            theirs = None
    except (ValidationError, ValueError):
        theirs = None
    if ours is not None and stdnum_cpr.get_birth_date(ours) > dt.date.today():
        ours = None
    assert ours == theirs


@given(st.from_regex(r"\A[0-3][0-9][01][0-9][0-9]{2}-?[0-9]{4}\Z"))
def test_fast_birth_date_agrees_with_stdnum(text: str) -> None:
    try:
        expected = stdnum_cpr.get_birth_date(text)
    except ValidationError:
        with pytest.raises(KuiError):
            cpr.normalise(text, dt.date.max)
        return
    assert cpr.birth_date(cpr.normalise(text, dt.date.max)) == expected


@given(st.text(alphabet="0123456789 -\u2010\u2013\uff10\t", max_size=14))
def test_fast_compact_agrees_with_stdnum(text: str) -> None:
    """The ASCII fast path gives stdnum's compact form whenever it applies."""
    assert cpr.compact(text) == stdnum_cpr.compact(text)


@given(st.binary(max_size=100), st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_bulk_subject_keys_agree_with_hmac(secret: bytes, number: str) -> None:
    """The import's precomputed HMAC gives the same pseudonymous keys as the one-shot HMAC."""
    from kui_cli.domain.protection import audit

    assert audit.subject_keyer(secret)(number) == audit.subject_key(secret, number)
