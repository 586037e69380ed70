"""Routes over the monitor and the risk forecast, added when those packages provide their API.

They are read-only and open to anyone, like the knowledge base: they publish what the ingested
data sets say, not anything a user saved.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from protect.api.deps import DB, Caller
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
        return call(api.monitor, country.upper(), start, end)

    @router.get("/monitor/{country}/admin1")
    def monitor_admin1(
        country: Country,
        start: Annotated[str, Query(alias="from", pattern=r"^\d{4}-\d{2}$")],
        end: Annotated[str, Query(alias="to", pattern=r"^\d{4}-\d{2}$")],
    ) -> Any:
        """The admin-1 (province) panel of one country between two months (decision 029)."""
        return call(api.monitor_admin1, country.upper(), start, end)

    @router.get("/events/{country}/{month}")
    def events(country: Country, month: Month) -> Any:
        """A country-month's events as a GeoJSON FeatureCollection, for mapping."""
        return call(api.events_geojson, country.upper(), month)

    @router.get("/alerts")
    def alerts(month: MonthQuery) -> Any:
        """The countries with an alert in one month, most severe first."""
        return call(api.alerts, month)

    @router.get("/situations/{country}/{month}")
    def situation(country: Country, month: Month) -> Any:
        """The situation the monitor derives for a country and month, ready to assess."""
        return call(api.situation, country.upper(), month)

    @router.get("/timeline/{country}")
    def timeline(country: Country) -> Any:
        return call(api.timeline, country.upper())

    releases: Any = import_module("protect.monitor.releases")

    @router.get("/releases", tags=["releases"])
    def list_releases() -> Any:
        """Every ingested release: what it covers and how many months it supplies."""
        return call(releases.list_releases)

    @router.get("/releases/{release_id}", tags=["releases"])
    def show_release(release_id: Annotated[int, Path(ge=1)]) -> Any:
        """One release, country by country (decision 026)."""
        return call(releases.show_release, release_id)

    @router.delete("/releases/{release_id}", tags=["releases"])
    def drop_release(release_id: Annotated[int, Path(ge=1)], db: DB, caller: Caller) -> Any:
        """Retire a release (admin; audited). Its months fall back to the next best release."""
        from protect.service.releases import drop_release as drop

        return call(drop, db, caller, release_id)

    return router


def _risk_router() -> APIRouter:
    # Imported with the app, not on the first request: serving a stored forecast stays fast.
    import_module("protect.service.risk")
    router = APIRouter(prefix="/api/v1", tags=["risk"])

    @router.get("/risk/forecast")
    def forecast_route(db: DB, year: Annotated[int, Query(ge=1900, le=2200)]) -> Any:
        """Countries ranked by forecast risk of onset in `year`, with their main drivers, as
        stored: when and from which data and model it was computed, with their hashes."""
        return call(forecast, db, year)

    return router


def optional_routers() -> list[APIRouter]:
    routers = []
    if _has("protect.monitor.api"):
        routers.append(_monitor_router())
    if _has("protect.risk.api"):
        routers.append(_risk_router())
    return routers
