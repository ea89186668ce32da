"""Age and age group around birthdays, leap days and the profile's upper age."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kui_cli.domain.register import ages

BORN = dt.date(2008, 12, 1)


@pytest.mark.parametrize(
    ("today", "age", "group"),
    [
        (dt.date(2026, 11, 30), 17, 2),
        (dt.date(2026, 12, 1), 18, 3),
        (dt.date(2033, 11, 30), 24, 3),
        (dt.date(2033, 12, 1), 25, 4),
        (dt.date(2038, 11, 30), 29, 4),
        (dt.date(2038, 12, 1), 30, None),
    ],
)
def test_groups_change_on_the_birthday(today: dt.date, age: int, group: int | None) -> None:
    assert ages.age_on(BORN, today) == age
    assert ages.age_group(BORN, "job", today, upper_age=30) == group


def test_primary_school_is_group_1_whatever_the_age() -> None:
    assert ages.age_group(BORN, "primary-school", dt.date(2026, 12, 1), 30) == 1


def test_upper_age_25_ends_kui_at_the_25th_birthday() -> None:
    assert ages.age_group(BORN, "job", dt.date(2033, 11, 30), 25) == 3
    assert ages.age_group(BORN, "job", dt.date(2033, 12, 1), 25) is None


def test_leap_day_birthday_is_first_of_march_in_other_years() -> None:
    born = dt.date(2008, 2, 29)
    assert ages.age_on(born, dt.date(2026, 2, 28)) == 17
    assert ages.age_on(born, dt.date(2026, 3, 1)) == 18
    assert ages.birthday(born, 18) == dt.date(2026, 3, 1)


@given(
    st.dates(dt.date(1990, 1, 1), dt.date(2020, 12, 31)),
    st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)),
    st.integers(0, 35),
)
def test_sql_cutoff_agrees_with_age(born: dt.date, today: dt.date, age: int) -> None:
    """`born <= latest_birth_date_for_age(n)` is exactly `age_on >= n`: SQL filters match Python."""
    cutoff = ages.latest_birth_date_for_age(age, today)
    assert (born <= cutoff) == (ages.age_on(born, today) >= age)


@given(st.dates(dt.date(1990, 1, 1), dt.date(2020, 12, 31)), st.integers(1, 35))
def test_birthday_is_the_first_day_of_the_new_age(born: dt.date, age: int) -> None:
    day = ages.birthday(born, age)
    assert ages.age_on(born, day) == age
    assert ages.age_on(born, day - dt.timedelta(days=1)) == age - 1
