"""Pages over the monitor and the risk forecast.

Each page calls what its /api/v1 twin calls (`protect.service.data.call` over the monitor and
risk APIs, with the same error mapping and the same forecast cache) and links to that twin. Like
their twins they are open to anyone and store nothing. The assess wizard is in `workflow_pages`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from protect.service import Principal, ServiceError
from protect.service.data import (
    alerts_for,
    call,
    forecast,
    latest_forecast_year,
    monitor_for,
)
from protect.service.errors import InvalidInputError
from protect.storage import DatabaseUnavailableError
from protect.web.charts import ChartMonth, monthly_deaths_svg
from protect.web.common import Viewer, error_page, render

router = APIRouter(include_in_schema=False)


def _monitor() -> Any:
    from protect.monitor import api

    return api


def _failed(request: Request, user: Principal | None, exc: Exception) -> HTMLResponse:
    if isinstance(exc, ServiceError):
        return error_page(request, user, exc.status, exc.message)
    return error_page(request, user, 503, str(exc).splitlines()[0])


def _country_name(iso3: str) -> str:
    from protect.knowledge.countries import UnknownCountryError, country

    try:
        return str(getattr(country(iso3), "name", iso3))
    except UnknownCountryError:
        return iso3


def _json_link(path: str, **params: str) -> str:
    return path + ("?" + urlencode(params) if params else "")


@router.get("/alerts", response_class=HTMLResponse)
def alerts_page(request: Request, user: Viewer, month: str | None = None) -> HTMLResponse:
    """Twin of GET /api/v1/alerts?month=; the default month is the latest the panel covers."""
    api = _monitor()
    try:
        chosen, found = alerts_for(month)
        span = call(api.coverage)
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    return render(
        request,
        "alerts.html",
        user,
        month=chosen,
        span=span,
        alerts=found,
        names={a.country: _country_name(a.country) for a in found},
        json_url=_json_link("/api/v1/alerts", month=chosen),
    )


@router.get("/monitor/{country}", response_class=HTMLResponse)
def monitor_page(
    request: Request,
    user: Viewer,
    country: str,
) -> HTMLResponse:
    """Twin of GET /api/v1/monitor/{country}?from=&to=; the default is the last 36 months the
    data cover for the country. `from` and `to` are read from the query string by hand:
    `from` is a Python keyword, and a bad value must give this page's 422, not the JSON one."""
    api = _monitor()
    params = request.query_params
    start = (params.get("from") or "").strip() or None
    end = (params.get("to") or "").strip() or None
    iso3 = country.strip().upper()
    try:
        start, end, records = monitor_for(iso3, start, end)
        span = call(api.coverage, iso3)
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    name = _country_name(iso3)
    chart = monthly_deaths_svg(
        [
            ChartMonth(
                month=r.month,
                state_based=r.deaths_best.state_based,
                non_state=r.deaths_best.non_state,
                one_sided=r.deaths_best.one_sided,
                civilians=r.deaths_civilians,
                alert=r.alert.level if r.alert else None,
            )
            for r in records
        ],
        title=f"{name} ({iso3}): deaths per month by type of violence, {start} to {end}",
        element_id="monitor-chart",
    )
    return render(
        request,
        "monitor.html",
        user,
        country=iso3,
        country_name=name,
        start=start,
        end=end,
        span=span,
        records=records,
        chart=Markup(chart),  # built from escaped text by monthly_deaths_svg
        json_url=_json_link(f"/api/v1/monitor/{iso3}", **{"from": start, "to": end}),
    )


@router.get("/situations/{country}/{month}", response_class=HTMLResponse)
def situation_page(request: Request, user: Viewer, country: str, month: str) -> HTMLResponse:
    """Twin of GET /api/v1/situations/{country}/{month}: the derived situation, assessed."""
    iso3 = country.strip().upper()
    try:
        found = call(_monitor().situation, iso3, month)
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    return render(
        request,
        "situation.html",
        user,
        found=found,
        country_name=_country_name(iso3),
        doc=found.assessment,
        json_url=f"/api/v1/situations/{iso3}/{found.month}",
    )


@router.get("/risk", response_class=HTMLResponse)
def risk_page(request: Request, user: Viewer, year: str | None = None) -> HTMLResponse:
    """Twin of GET /api/v1/risk/forecast?year=; the default is the latest year the sources
    allow. Both read the forecast the store holds (computed and stored on first request)."""
    try:
        if year is None or not year.strip():
            chosen = call(latest_forecast_year)
        elif year.strip().isdigit() and 1900 <= int(year) <= 2200:
            chosen = int(year)
        else:
            raise InvalidInputError(f"year {year!r} is not a year from 1900 to 2200")
        stored = call(forecast, request.app.state.db, chosen)
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    return render(
        request,
        "risk.html",
        user,
        year=chosen,
        rows=stored.rows,
        stored=stored,
        model=stored.model,
        json_url=_json_link("/api/v1/risk/forecast", year=str(chosen)),
    )
