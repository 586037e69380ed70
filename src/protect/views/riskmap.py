"""The world map of forecast risk for a year: open to anyone, like the forecast it reads. Only
stored forecasts are shown, plus the latest year (computed and stored once, as /risk does)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from protect.service.http import DB
from protect.service.monitor import call
from protect.service.riskview import (
    ForecastMap,
    band_colours,
    forecast_map,
    map_countries,
    risk_legend,
)
from protect.service.worldmap import world_svg
from protect.views.base import Table, View, YearQuery


def load_risk_map(db: DB, year: YearQuery = None) -> ForecastMap:
    """Every country the stored forecast for `year` ranks (default: the latest year the sources
    allow), with its probability band and main drivers; a year with no stored forecast answers
    `stored: false` and is not computed (`protect risk forecast --year` stores it)."""
    found: ForecastMap = call(forecast_map, db, year)
    return found


def _context(found: ForecastMap) -> dict[str, Any]:
    top = found.countries[:5]
    description = (
        f"{len(found.countries)} countries ranked by the forecast for {found.year}"
        + ("; highest: " + "; ".join(f"{c.name} {c.risk * 100:.1f}%" for c in top) if top else "")
        + ". Every other country: no data."
    )
    svg = world_svg(
        map_countries(found),
        title=f"Forecast risk of a mass-killing onset by country, {found.year}",
        colours=band_colours(),
        description=description,
    )
    return {
        "found": found,
        "svg": Markup(svg),  # built from escaped text by world_svg
        "legend": risk_legend(),
        "labels": {b.id: b.label for b in found.bands},
        "slider": {"min": found.years[0], "max": found.years[-1], "value": found.year},
        "json_url": f"/api/v1/map/risk?year={found.year}",
    }


RISK_MAP = View(
    name="risk_map",
    path="/map/risk",
    load=load_risk_map,
    response_model=ForecastMap,
    template="map_risk.html",
    context=_context,
    tables=(
        Table(
            "countries",
            lambda r: [
                {
                    "year": r.year,
                    "rank": c.rank,
                    "country": c.country,
                    "name": c.name,
                    "risk": c.risk,
                    "band": c.band,
                    "change": c.change,
                    "drivers": c.drivers,
                }
                for c in r.countries
            ],
            "countries by forecast risk",
        ),
    ),
    errors=(422, 503),
    tags=("risk",),
)

VIEWS = (RISK_MAP,)
