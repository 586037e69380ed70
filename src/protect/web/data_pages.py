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

from protect.service import Principal, ServiceError
from protect.service.data import (
    call,
    forecast,
    latest_forecast_year,
)
from protect.service.errors import InvalidInputError
from protect.storage import DatabaseUnavailableError
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
