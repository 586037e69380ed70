"""Calendar months as whole numbers, the one month arithmetic of the codebase.

A month is `year * 12 + month - 1` (the panel's `m`, the events' `month_start`), so that months
are counted, compared and shifted as integers, and written `YYYY-MM`. It lives in the lowest
layer because treaty entry-into-force rules count months too; every other layer imports it.
The `sql_*` functions write the same arithmetic for DuckDB over a column or expression.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Literal


def index(year: int, month: int) -> int:
    """The month number of a year and a calendar month (1-12)."""
    return year * 12 + month - 1


def of_date(day: dt.date) -> int:
    """The month number a day falls in."""
    return index(day.year, day.month)


def year_month(m: int) -> tuple[int, int]:
    """(year, calendar month 1-12) of a month number."""
    year, month0 = divmod(m, 12)
    return year, month0 + 1


def label(m: int) -> str:
    """A month number written `YYYY-MM`."""
    year, month = year_month(m)
    return f"{year:04d}-{month:02d}"


def parse(text: str) -> int:
    """`YYYY-MM` -> month number; ValueError names what is wrong."""
    parts = text.split("-")
    if (
        len(parts) != 2
        or not (parts[0].isascii() and parts[0].isdigit())
        or not (parts[1].isascii() and parts[1].isdigit())
        or (len(parts[0]), len(parts[1])) != (4, 2)
    ):
        raise ValueError(f"month {text!r} is not YYYY-MM")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"month {text!r} has no month {month}")
    return index(year, month)


def shift(text: str, by: int) -> str:
    """A `YYYY-MM` month moved by `by` months (negative: earlier)."""
    return label(parse(text) + by)


def first_day(m: int) -> dt.date:
    year, month = year_month(m)
    return dt.date(year, month, 1)


def last_day(m: int) -> dt.date:
    year, month = year_month(m)
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(
    day: dt.date, months: int, *, short_month: Literal["last-day", "next-first"] = "last-day"
) -> dt.date:
    """The same day `months` calendar months later. A day the target month lacks (31 April,
    29 February) falls to that month's last day, or with `short_month="next-first"` to the
    first of the month after: treaties count such periods either way, and each rule says
    which."""
    m = of_date(day) + months
    end = last_day(m)
    if day.day <= end.day:
        return end.replace(day=day.day)
    return end if short_month == "last-day" else first_day(m + 1)


def sql_index(date_expr: str) -> str:
    """DuckDB: the month number of a DATE expression."""
    return f"(year({date_expr}) * 12 + month({date_expr}) - 1)"


def sql_year(index_expr: str) -> str:
    """DuckDB: the year of a month-number expression."""
    return f"(({index_expr}) // 12)"


def sql_first_day(index_expr: str) -> str:
    """DuckDB: the first DATE of a month-number expression."""
    return f"make_date(({index_expr})::BIGINT // 12, ({index_expr})::BIGINT % 12 + 1, 1)"
