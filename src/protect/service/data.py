"""Reading the monitor's store and the risk forecasts for the HTTP adapters: one mapping of their
errors (bad input 422, absent data 404, no store 503) and one way to get a year's forecast, so a
page and its JSON twin cannot answer differently."""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from pathlib import Path as FilePath
from typing import Any

from protect.knowledge import months
from protect.service.errors import InvalidInputError, NotFoundError
from protect.storage import DatabaseUnavailableError


class DataUnavailableError(DatabaseUnavailableError):
    """The monitor's events store is missing or busy (reported as 503, like the database)."""


def call(fn: Any, *args: Any) -> Any:
    """Call into the monitor or risk API: bad input is 422, absent data 404, no store 503."""
    store_error: Any = getattr(import_module("protect.monitor.store"), "StoreError", OSError)
    try:
        return fn(*args)
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


def _sources_root() -> str:
    from protect.config import sources_dir

    found = sources_dir()
    if found is not None:
        return str(found.resolve())  # without importing the risk readers (pandas)
    from protect.risk.sources import RiskDataError, require_sources_dir

    try:
        return str(require_sources_dir().resolve())
    except RiskDataError as exc:
        raise DataUnavailableError(str(exc).splitlines()[0]) from exc


def forecast(db: Any, year: int) -> Any:
    """The stored forecast for `year` (protect.service.risk.StoredForecast): read from the store,
    or, the first time a year is asked for, computed with the frozen model and stored, dated
    and hashed, for every later request and process. Call it through `call`."""
    from protect.service.risk import SERVER, issue_forecast

    root = FilePath(_sources_root())
    try:
        return issue_forecast(db, SERVER, year, root)
    except ValueError as exc:
        # Named only when raised: importing the risk readers (pandas) costs a second.
        from protect.risk.sources import RiskDataError

        if isinstance(exc, RiskDataError):
            raise DataUnavailableError(str(exc).splitlines()[0]) from exc
        raise


@lru_cache(maxsize=8)
def _latest_year(root: str, stamp: int) -> int:
    import pandas as pd

    from protect.risk.files import PREDICTORS

    try:
        years = pd.read_csv(f"{root}/{PREDICTORS.as_posix()}", usecols=["year"])["year"]
    except (OSError, ValueError) as exc:
        raise DataUnavailableError(f"{root}/{PREDICTORS}: cannot read its years: {exc}") from exc
    if years.empty:
        raise DataUnavailableError(f"{root}/{PREDICTORS}: no rows")
    return int(years.max()) + 1


def latest_forecast_year() -> int:
    """The last year the sources allow a forecast for: features come from the year before."""
    from protect.risk.files import PREDICTORS

    root = _sources_root()
    path = FilePath(root) / PREDICTORS
    if not path.is_file():
        raise DataUnavailableError(f"{path}: file not found (the risk model needs it)")
    return _latest_year(root, path.stat().st_mtime_ns)



DEFAULT_WINDOW = 36  # months shown for a country when no range is asked for


def check_month(value: str | None, field: str) -> None:
    if value is None:
        return
    try:
        months.parse(value)
    except ValueError:
        raise InvalidInputError(f"{field}: {value!r} is not a month written YYYY-MM") from None


def alerts_for(month: str | None) -> tuple[str, Any]:
    """The alerts of a month, by default the latest month the panel covers: the page and its
    JSON twin take the same default here, so they cannot drift."""
    api: Any = import_module("protect.monitor.api")
    month = month.strip() if month and month.strip() else None
    check_month(month, "month")
    span = call(api.coverage)
    if span is None:
        raise NotFoundError("no events ingested yet: run `protect ingest ucdp --sample`")
    chosen = month or span[1]
    return chosen, call(api.alerts, chosen)


def monitor_for(iso3: str, start: str | None, end: str | None) -> tuple[str, str, Any]:
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
    return start, end, call(api.monitor, iso3, start, end)
