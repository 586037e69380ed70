"""Routes over the monitor and the risk forecast, added when those packages provide their API.

They are read-only and open to anyone, like the knowledge base: they publish what the ingested
data sets say, not anything a user saved.
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from protect.api.deps import DB, Caller
from protect.service.data import call, forecast

Country = Annotated[str, Path(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3")]
Month = Annotated[str, Path(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]
MonthQuery = Annotated[str, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")]


def _has(module: str) -> bool:
    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _monitor_router() -> APIRouter:
    api: Any = import_module("protect.monitor.api")

    router = APIRouter(prefix="/api/v1", tags=["monitor"])

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
