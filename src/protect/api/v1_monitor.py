"""The monitor's routes that have no page (admin-1 panel, events as GeoJSON, a country's whole
timeline, releases); the monitor's pages and their JSON twins are views (`protect.views`).

They are open to anyone, like the knowledge base: they publish what the ingested data sets say,
not anything a user saved (retiring a release is an admin's, and audited).
"""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from protect.api.deps import DB, Caller
from protect.service.monitor import call
from protect.views.base import CountryPath, MonthPath

# The parameters as every view parses them (protect.views.base): the same messages.
Country = CountryPath
Month = MonthPath


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


def optional_routers() -> list[APIRouter]:
    routers = []
    if _has("protect.monitor.api"):
        routers.append(_monitor_router())
    return routers
