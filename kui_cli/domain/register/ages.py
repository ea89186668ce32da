"""Age and age group, always derived on the reference date, never stored.

A youth born on 29 February becomes a year older on 1 March in other years (the tuple comparison
below does that by itself), and SQL filters use the same rule through `born_on_or_before`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, Integer, func, literal, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from kui_cli.domain import codes

DEFAULT_UPPER_AGE = 30


def age_on(born: dt.date, today: dt.date) -> int:
    """Completed years on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def age_group(born: dt.date, status: str, today: dt.date, upper_age: int) -> int | None:
    """KUI's groups: 1 primary school, 2 under 18, 3 18-24, 4 from 25 up to the upper age."""
    age = age_on(born, today)
    if age >= upper_age:
        return None
    if status in codes.PRIMARY_SCHOOL:
        return 1
    if age < 18:
        return 2
    if age < 25:
        return 3
    return 4


def latest_birth_date_for_age(age: int, today: dt.date) -> dt.date:
    """Youths born on or before this date are at least `age` years old on `today`."""
    return today - relativedelta(years=age)


def birthday(born: dt.date, age: int) -> dt.date:
    """The day a youth turns `age` (29 February becomes 1 March in other years)."""
    try:
        return born.replace(year=born.year + age)
    except ValueError:
        return dt.date(born.year + age, 3, 1)


class birthday_of(FunctionElement[dt.date]):
    """SQL: `birthday(born, age)` of a date column and a whole number of years.

    Each database adds years its own way on 29 February (SQLite rolls over to 1 March, PostgreSQL
    stops at the 28th), so each gets its own form of the one rule."""

    type = Date()
    name = "birthday_of"
    inherit_cache = True

    def __init__(self, born: Any, age: int) -> None:
        super().__init__(born, literal(int(age), Integer))


@compiles(birthday_of)
def _birthday_sqlite(element: birthday_of, compiler: Any, **kw: Any) -> str:
    """SQLite's date() overflows 29 February into 1 March in other years, as `birthday` does."""
    born, age = element.clauses
    years = literal_column("'+'").concat(age).concat(literal_column("' years'"))
    return str(compiler.process(func.date(born, years), **kw))


@compiles(birthday_of, "postgresql")
def _birthday_postgresql(element: birthday_of, compiler: Any, **kw: Any) -> str:
    """PostgreSQL's date + interval stops at 28 February: one day on when the youth was born on
    29 February and the year has none, so that it lands on 1 March (every other day, 1 March
    too, lands on itself)."""
    born, age = (compiler.process(clause, **kw) for clause in element.clauses)
    moved = f"CAST({born} + {age} * INTERVAL '1 year' AS DATE)"
    leap = f"to_char({born}, 'MM-DD') = '02-29' AND to_char({moved}, 'MM-DD') <> '02-29'"
    return f"({moved} + CASE WHEN {leap} THEN 1 ELSE 0 END)"
