"""Routes over the monitor and the risk forecast, added when those packages provide their API.

They are read-only and open to anyone, like the knowledge base: they publish what the ingested
data sets say, not anything a user saved.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from protect.service.errors import InvalidInputError, NotFoundError
from protect.storage import DatabaseUnavailableError


class DataUnavailableError(DatabaseUnavailableError):
    """The monitor's events store is missing or busy (reported as 503, like the database)."""


Country = Annotated[str, Path(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3")]
Month = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
MonthQuery = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def _has(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _call(fn: Any, *args: Any) -> Any:
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


def _monitor_router() -> APIRouter:
    api: Any = import_module("protect.monitor.api")

    router = APIRouter(prefix="/api/v1", tags=["monitor"])

    @router.get("/monitor/{country}")
    def monitor(
        country: Country,
        start: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}$")],
        end: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}$")],
    ) -> Any:
        """The country-month panel of one country between two months."""
        return _call(api.monitor, country.upper(), start, end)

    @router.get("/alerts")
    def alerts(month: MonthQuery) -> Any:
        """The countries with an alert in one month, most severe first."""
        return _call(api.alerts, month)

    @router.get("/situations/{country}/{month}")
    def situation(country: Country, month: Month) -> Any:
        """The situation the monitor derives for a country and month, ready to assess."""
        return _call(api.situation, country.upper(), month)

    @router.get("/timeline/{country}")
    def timeline(country: Country) -> Any:
        return _call(api.timeline, country.upper())

    return router


def _risk_router() -> APIRouter:
    api: Any = import_module("protect.risk.api")
    data_error: Any = getattr(import_module("protect.risk.sources"), "RiskDataError", OSError)

    # A forecast fits a model on the source data sets, which takes seconds; the sources do not
    # change while the server runs, so each year's answer is computed once per process.
    @lru_cache(maxsize=64)
    def cached(year: int) -> Any:
        try:
            return api.forecast(year)
        except data_error as exc:
            raise DataUnavailableError(str(exc).splitlines()[0]) from exc

    router = APIRouter(prefix="/api/v1", tags=["risk"])

    @router.get("/risk/forecast")
    def forecast(year: Annotated[int, Query(ge=1900, le=2200)]) -> Any:
        """Countries ranked by forecast risk of onset in `year`, with their main drivers."""
        return _call(cached, year)

    return router


def optional_routers() -> list[APIRouter]:
    routers = []
    if _has("protect.monitor.api"):
        routers.append(_monitor_router())
    if _has("protect.risk.api"):
        routers.append(_risk_router())
    return routers
