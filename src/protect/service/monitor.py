"""The monitor as a resource: the alerts of a month and a country's months, with the defaults
every interface takes, and `call`, the one mapping of the monitor's and the risk model's errors
to the service's (bad input 422, absent data 404, no store 503)."""

from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path as FilePath
from typing import Any

from pydantic import BaseModel, Field

from protect.knowledge import months
from protect.monitor.models import AlertRecord, MonthRecord
from protect.service.errors import InvalidInputError, NotFoundError
from protect.storage import DatabaseUnavailableError


def call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call into the monitor or risk API: bad input is 422, absent data 404, no store 503."""
    store_error: Any = getattr(import_module("protect.monitor.store"), "StoreError", OSError)
    try:
        return fn(*args, **kwargs)
    except store_error as exc:
        from protect.config import events_db_path

        if not events_db_path().exists():
            # Nothing ingested yet: the data asked for does not exist (yet), the server is fine.
            raise NotFoundError(str(exc)) from exc
        raise DataUnavailableError(str(exc)) from exc
    except LookupError as exc:
        raise NotFoundError(str(exc) or "no data") from exc
    except ValueError as exc:
        raise InvalidInputError(str(exc).splitlines()[0] if str(exc) else "invalid input") from exc


class DataUnavailableError(DatabaseUnavailableError):
    """The monitor's events store or the risk model's source files are missing or busy
    (reported as 503, like the database)."""


DEFAULT_WINDOW = 36  # months shown for a country when no range is asked for
_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def month_problem(value: str) -> str | None:
    """What is wrong with `value` as a month (None if nothing): the words every interface
    uses, after the field's name."""
    if _MONTH.fullmatch(value):
        return None
    return f"{value[:200]!r} is not a month written YYYY-MM"


def check_month(value: str | None, field: str) -> None:
    problem = None if value is None else month_problem(value)
    if problem:
        raise InvalidInputError(
            f"{field}: {problem}",
            [{"loc": [field], "field": field, "msg": problem, "type": "month"}],
        )


class MonthAlerts(BaseModel):
    """The alerts of one month, and the months the panel covers (any country)."""

    month: str
    first_month: str
    last_month: str
    alerts: list[AlertRecord] = Field(description="most severe first")


class CountryMonths(BaseModel):
    """A country's monthly records between two months, and the months its data cover."""

    country: str
    start: str
    end: str
    first_month: str
    last_month: str
    records: list[MonthRecord]


def alerts_for(month: str | None, *, db_path: FilePath | None = None) -> MonthAlerts:
    """The alerts of a month, by default the latest month the panel covers: the page, its
    JSON twin and the CLI take the same default here, so they cannot drift."""
    api: Any = import_module("protect.monitor.api")
    month = month.strip() if month and month.strip() else None
    check_month(month, "month")
    span = call(api.coverage, db_path=db_path)
    if span is None:
        raise NotFoundError("no events ingested yet: run `protect ingest ucdp --sample`")
    chosen = month or span[1]
    found = call(api.alerts, chosen, db_path=db_path)
    return MonthAlerts(month=chosen, first_month=span[0], last_month=span[1], alerts=found)


def monitor_for(iso3: str, start: str | None, end: str | None) -> CountryMonths:
    """A country's monthly records between two months; by default the last `DEFAULT_WINDOW`
    months its data cover (page and JSON twin alike)."""
    api: Any = import_module("protect.monitor.api")
    start = start.strip() if start and start.strip() else None
    end = end.strip() if end and end.strip() else None
    check_month(start, "from")
    check_month(end, "to")
    span = call(api.coverage, iso3)
    if span is None:
        raise NotFoundError(f"no panel data for {iso3}: ingest events covering it")
    if end is None:
        end = span[1] if start is None or start <= span[1] else start
    if start is None:
        start = max(span[0], months.shift(end, -(DEFAULT_WINDOW - 1)))
    if start > end:
        raise InvalidInputError(f"from {start} is after to {end}")
    return CountryMonths(
        country=iso3,
        start=start,
        end=end,
        first_month=span[0],
        last_month=span[1],
        records=call(api.monitor, iso3, start, end),
    )
