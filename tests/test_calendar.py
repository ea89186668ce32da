"""The working-day calendar: Danish holidays, weekends and the profile's extra closing days."""

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kui_cli.domain.law import calendar
from kui_cli.domain.law.calendar import nth_working_day_after, working_days
from kui_cli.errors import KuiError

D = dt.date


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 4, 1), 5, D(2026, 4, 13)),  # Skærtorsdag, Langfredag, 2. påskedag
        (D(2026, 4, 28), 5, D(2026, 5, 5)),  # no Store Bededag from 2024
        (D(2023, 5, 1), 5, D(2023, 5, 9)),  # Store Bededag 5 May 2023 still a holiday
        (D(2026, 12, 23), 1, D(2026, 12, 24)),  # 24 December is no public holiday
        (D(2026, 12, 24), 1, D(2026, 12, 28)),  # 25-26 December, then the weekend
        (D(2026, 5, 13), 1, D(2026, 5, 15)),  # Kristi himmelfartsdag
        (D(2026, 11, 20), 1, D(2026, 11, 23)),  # Friday to Monday
        (D(2026, 11, 21), 1, D(2026, 11, 23)),  # a Saturday start counts from Monday
    ],
)
def test_nth_working_day_examples(start: dt.date, n: int, expected: dt.date) -> None:
    assert nth_working_day_after(start, n) == expected


def test_store_bededag_ends_with_2023() -> None:
    days = working_days()
    assert not days.is_working_day(D(2023, 5, 5))
    assert days.holiday_name(D(2023, 5, 5)) == "Store bededag"
    assert days.is_working_day(D(2024, 4, 26))
    assert days.is_working_day(D(2026, 5, 1))


def test_extra_closing_days_every_year_and_once() -> None:
    assert nth_working_day_after(D(2026, 12, 22), 3) == D(2026, 12, 28)
    assert nth_working_day_after(D(2026, 12, 22), 3, ["12-24", "12-31"]) == D(2026, 12, 29)
    assert not working_days(("12-24",)).is_working_day(D(2031, 12, 24))
    once = working_days(("2026-04-07",))
    assert nth_working_day_after(D(2026, 4, 1), 5, ["2026-04-07"]) == D(2026, 4, 14)
    assert once.is_working_day(D(2027, 4, 7))
    assert working_days(("06-05",)).holiday_name(D(2026, 6, 5)) == "Lukkedag"


def test_29_february_closes_only_in_leap_years() -> None:
    days = working_days(("02-29",))
    assert not days.is_working_day(D(2028, 2, 29))
    assert days.is_working_day(D(2027, 3, 1))


@pytest.mark.parametrize("bad", ["12-32", "13-01", "1224", "24-12-2026", "2026-02-30", "", "xx-yy"])
def test_bad_closing_days_are_refused(bad: str) -> None:
    with pytest.raises(KuiError, match="MM-DD"):
        calendar.closing_days([bad])


def test_n_must_be_positive() -> None:
    with pytest.raises(ValueError):
        nth_working_day_after(D(2026, 1, 5), 0)


CLOSING = st.lists(
    st.sampled_from(["12-24", "12-31", "06-05", "05-01", "2026-04-07", "2027-01-04", "02-29"]),
    max_size=4,
).map(lambda days: tuple(sorted(set(days))))
DATES = st.dates(min_value=D(2015, 1, 1), max_value=D(2035, 12, 31))


def reference_working_day(day: dt.date, extra: tuple[str, ...]) -> bool:
    """Independent of the implementation: weekday, not a public holiday, not a closing day."""
    import holidays

    public = holidays.country_holidays("DK", years=day.year)
    closed = calendar.closing_days(extra)
    return day.weekday() < 5 and day not in public and day not in closed


@settings(max_examples=200, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=40), extra=CLOSING)
def test_nth_working_day_counts_exactly_n_working_days(
    start: dt.date, n: int, extra: tuple[str, ...]
) -> None:
    result = nth_working_day_after(start, n, extra)
    assert result > start
    assert result.weekday() < 5
    assert reference_working_day(result, extra)
    between = [start + dt.timedelta(days=i) for i in range(1, (result - start).days + 1)]
    assert sum(reference_working_day(d, extra) for d in between) == n


@settings(max_examples=100, deadline=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=30), extra=CLOSING)
def test_more_days_or_more_closing_days_never_give_an_earlier_deadline(
    start: dt.date, n: int, extra: tuple[str, ...]
) -> None:
    assert nth_working_day_after(start, n + 1, extra) > nth_working_day_after(start, n, extra)
    assert nth_working_day_after(start, n, extra) >= nth_working_day_after(start, n)
    # at most 2 calendar weeks per 5 working days plus the holidays of Easter and Christmas
    assert (nth_working_day_after(start, n, extra) - start).days <= 2 * n + 12


@given(st.text(max_size=12))
def test_any_text_is_a_closing_day_or_a_clear_error(text: str) -> None:
    try:
        parsed = calendar.parse_closing_day(text)
    except ValueError:
        return
    assert isinstance(parsed, dt.date | tuple)
