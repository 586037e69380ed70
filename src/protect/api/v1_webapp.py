"""JSON twins of the map and country pages: open to anyone, like the monitor routes they read."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query

from protect.api.deps import Caller
from protect.api.v1_monitor import Country
from protect.service.country import CountryView, country_view
from protect.service.data import call
from protect.service.http import DB
from protect.service.riskview import ForecastMap, forecast_map
from protect.service.worldmap import MonthMap, month_map

router = APIRouter(prefix="/api/v1", tags=["monitor"])


@router.get("/map")
def world_map(
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")] = None,
) -> MonthMap:
    """Every country the data cover in `month` (default: the last month covered) with its alert
    level and reason; countries not listed have no data that month."""
    result: MonthMap = call(month_map, month)
    return result


@router.get("/map/risk")
def risk_map(
    db: DB,
    year: Annotated[int | None, Query(ge=1900, le=2200, description="forecast year")] = None,
) -> ForecastMap:
    """Every country the stored forecast for `year` ranks (default: the latest year the sources
    allow), with its probability band and main drivers; a year with no stored forecast answers
    `stored: false` and is not computed (`protect risk forecast --year` stores it)."""
    result: ForecastMap = call(forecast_map, db, year)
    return result


@router.get("/country/{country}")
def country(
    db: DB,
    caller: Caller,
    country: Country,
    month: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")] = None,
) -> CountryView:
    """One country: latest alert and reason, monthly figures, the derived situation's
    assessment summary at `month` (default: the last month covered), the data's coverage, its
    stored forecasts, and (for a viewer or above) its saved assessments."""
    result: CountryView = call(partial(country_view, db=db, principal=caller), country, month)
    return result
