"""The one month arithmetic (`protect.knowledge.months`), against the calendar itself: Python's
dates and DuckDB's date functions."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from protect.knowledge import months

days = st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9998, 12, 31))
numbers = st.integers(min_value=months.index(1100, 1), max_value=months.index(9900, 12))


@given(days)
def test_a_day_lies_between_the_first_and_last_day_of_its_month(day: dt.date) -> None:
    m = months.of_date(day)
    assert months.first_day(m) <= day <= months.last_day(m)
    assert months.first_day(m) == day.replace(day=1)
    assert (months.last_day(m) + dt.timedelta(days=1)).day == 1


@given(numbers)
def test_label_and_parse_are_inverse(m: int) -> None:
    text = months.label(m)
    assert months.parse(text) == m
    assert text == months.first_day(m).strftime("%Y-%m")


@given(numbers, st.integers(min_value=-600, max_value=600))
def test_shift_counts_whole_months(m: int, by: int) -> None:
    moved = months.parse(months.shift(months.label(m), by))
    assert moved - m == by
    assert months.first_day(moved) > months.first_day(m) if by > 0 else True


# The latest day leaves room for the 240 months added: Python's dates end with the year 9999.
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9978, 12, 31)),
       st.integers(min_value=0, max_value=240))  # fmt: skip
def test_add_months_keeps_the_day_or_falls_to_the_months_last(day: dt.date, n: int) -> None:
    later = months.add_months(day, n)
    assert months.of_date(later) == months.of_date(day) + n
    assert later.day == min(day.day, months.last_day(months.of_date(later)).day)


def test_add_months_examples() -> None:
    assert months.add_months(dt.date(2001, 1, 31), 1) == dt.date(2001, 2, 28)
    assert months.add_months(dt.date(2004, 1, 31), 1) == dt.date(2004, 2, 29)
    assert months.add_months(dt.date(2001, 11, 15), 3) == dt.date(2002, 2, 15)


@pytest.mark.parametrize(
    "bad", ["2017-13", "2017-00", "17-01", "2017-1", "2017/01", "", "２０１７-01"]
)
def test_parse_names_what_is_wrong(bad: str) -> None:
    with pytest.raises(ValueError, match="month"):
        months.parse(bad)


@given(st.lists(days, min_size=1, max_size=30))
def test_the_sql_forms_agree_with_python(sample: list[dt.date]) -> None:
    con = duckdb.connect()
    rows = con.execute(
        f"SELECT d, {months.sql_index('d')} AS m, {months.sql_year(months.sql_index('d'))}, "
        f"{months.sql_first_day(months.sql_index('d'))} FROM unnest(?::DATE[]) t(d)",
        [sample],
    ).fetchall()
    for day, m, year, first in rows:
        assert m == months.of_date(day)
        assert year == day.year
        assert first == months.first_day(m)


def test_no_other_module_does_month_arithmetic() -> None:
    """Months are counted in one place: a `* 12 +`, `// 12`, `% 12` or `divmod(` elsewhere in the
    Python and SQL sources is a second copy. (The map's script in the browser counts its slider
    months itself; it cannot import Python.)"""
    import re
    from pathlib import Path

    src = Path(months.__file__).resolve().parents[1]
    pattern = re.compile(r"\*\s*12\s*\+|//\s*12\b|%\s*12\b|divmod\(|relativedelta")
    found = [
        f"{path.relative_to(src)}:{n}: {line.strip()}"
        for path in sorted([*src.rglob("*.py"), *src.rglob("*.sql")])
        if path.name != "months.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []


# The latest day leaves room for the 240 months added: Python's dates end with the year 9999.
@given(st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9978, 12, 31)),
       st.integers(min_value=0, max_value=240))  # fmt: skip
def test_add_months_next_first_reading(day: dt.date, n: int) -> None:
    later = months.add_months(day, n, short_month="next-first")
    target = months.of_date(day) + n
    if day.day <= months.last_day(target).day:
        assert later == months.add_months(day, n)
    else:
        assert later == months.first_day(target + 1)


def test_add_months_next_first_examples() -> None:
    assert months.add_months(dt.date(2004, 2, 29), 12, short_month="next-first") == dt.date(
        2005, 3, 1
    )
    assert months.add_months(dt.date(2004, 2, 29), 12) == dt.date(2005, 2, 28)
