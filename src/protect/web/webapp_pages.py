"""The world map, the country pages and the briefing download.

Each page calls the service function its /api/v1 twin calls (`worldmap.month_map`,
`country.country_view`, through the monitor routes' error mapping) and links to that twin. The
map works without JavaScript: the month slider is a form field with a Show button;
`/static/map.js` only makes moving it load the month at once.
"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from starlette.exceptions import HTTPException

from protect.service import ServiceError
from protect.service.briefing import briefing_pdf, latest_foa
from protect.service.country import actor_titles, country_chart, country_view, risk_chart
from protect.service.data import call
from protect.service.errors import InvalidInputError
from protect.service.riskview import band_colours, forecast_map, map_countries, risk_legend
from protect.service.worldmap import legend, month_map, month_number, month_of, world_svg
from protect.storage import DatabaseUnavailableError
from protect.web.common import Viewer, error_page, page_principal, render
from protect.web.data_pages import _failed

router = APIRouter(include_in_schema=False)


def _month_from(request: Request) -> str | None:
    """`?month=YYYY-MM`, or `?m=` (the slider's month number, as the form sends it without
    JavaScript); a malformed value is a 422 naming the field."""
    params = request.query_params
    month = (params.get("month") or "").strip()
    slider = (params.get("m") or "").strip()
    if month:
        try:
            month_number(month)
        except ValueError as exc:
            raise InvalidInputError(f"month: {exc}") from exc
        return month
    if slider:
        if not slider.isdigit() or not 1900 * 12 <= int(slider) < 2200 * 12:
            raise InvalidInputError(f"m: {slider!r} is not a month number from the slider")
        return month_of(int(slider))
    return None


@router.get("/map", response_class=HTMLResponse)
def map_page(request: Request, user: Viewer) -> HTMLResponse:
    """Twin of GET /api/v1/map?month=: alert levels of every country for a month."""
    try:
        found = call(month_map, _month_from(request))
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    by_code = {c.country: c for c in found.countries}
    svg = world_svg(by_code, title=f"Alert levels by country, {found.month}")
    lo, hi = month_number(found.first_month), month_number(found.last_month)
    here = month_number(found.month)
    return render(
        request,
        "map.html",
        user,
        found=found,
        svg=Markup(svg),  # built from escaped text by world_svg
        legend=legend(),
        slider={"min": lo, "max": hi, "value": min(max(here, lo), hi)},
        outside=not lo <= here <= hi,
        json_url=f"/api/v1/map?month={found.month}",
    )


def year_from(text: str | None) -> int | None:
    """`?year=YYYY` (the slider sends the year itself); a malformed value is a 422 naming it."""
    value = (text or "").strip()
    if not value:
        return None
    if not value.isdigit() or not 1900 <= int(value) <= 2200:
        raise InvalidInputError(f"year: {value[:20]!r} is not a year from 1900 to 2200")
    return int(value)


@router.get("/map/risk", response_class=HTMLResponse)
def risk_map_page(request: Request, user: Viewer, year: str | None = None) -> HTMLResponse:
    """Twin of GET /api/v1/map/risk?year=: forecast risk of every country for a year."""
    try:
        found = call(forecast_map, request.app.state.db, year_from(year))
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    shown = map_countries(found)
    top = [c for c in found.countries[:5]]
    svg = world_svg(
        shown,
        title=f"Forecast risk of a mass-killing onset by country, {found.year}",
        colours=band_colours(),
        description=(
            f"{len(shown)} countries ranked by the forecast for {found.year}"
            + (
                "; highest: " + "; ".join(f"{c.name} {c.risk * 100:.1f}%" for c in top)
                if top
                else ""
            )
            + ". Every other country: no data."
        ),
    )
    return render(
        request,
        "map_risk.html",
        user,
        found=found,
        svg=Markup(svg),  # built from escaped text by world_svg
        legend=risk_legend(),
        labels={b.id: b.label for b in found.bands},
        slider={"min": found.years[0], "max": found.years[-1], "value": found.year},
        json_url=f"/api/v1/map/risk?year={found.year}",
    )


@router.get("/country/{code}", response_class=HTMLResponse)
def country_page(request: Request, user: Viewer, code: str) -> HTMLResponse:
    """Twin of GET /api/v1/country/{code}?month=; an unknown code is this site's 404 page."""
    try:
        view = call(
            partial(country_view, db=request.app.state.db, principal=user),
            code,
            _month_from(request),
        )
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    chart = country_chart(view, "country-chart") if view.has_data else ""
    risk = risk_chart(view, "risk-chart")
    return render(
        request,
        "country.html",
        user,
        view=view,
        chart=Markup(chart),  # built from escaped text by monthly_deaths_svg
        risk_chart=Markup(risk),  # built from escaped text by risk_history_svg
        actors=actor_titles(),
        json_url=f"/api/v1/country/{view.country}" + (f"?month={view.month}" if view.month else ""),
    )


@router.get("/country/{code}/brief.pdf", response_model=None)
def briefing_download(request: Request, user: Viewer, code: str) -> Response:
    """The briefing PDF of a country for a month (default: the last month covered)."""
    try:
        month = _month_from(request)
        foa = latest_foa(request.app.state.db, user, code)
        pdf, name = call(partial(briefing_pdf, foa=foa), code, month)
    except (ServiceError, DatabaseUnavailableError) as exc:
        return _failed(request, user, exc)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# Paths whose 404 stays JSON: the API and the files it serves.
_JSON_PATHS = ("/api/", "/openapi.json", "/docs-assets/", "/static/")


async def not_found_page(request: Request, exc: Exception) -> Response:
    """A page that does not exist answers with this site's 404 page, not JSON; the API and
    every other status keep FastAPI's answer."""
    assert isinstance(exc, HTTPException)
    if exc.status_code != 404 or request.url.path.startswith(_JSON_PATHS):
        return await http_exception_handler(request, exc)
    try:
        user = page_principal(request, request.app.state.db)
    except Exception:  # the database is down: the 404 page needs no user
        user = None
    return error_page(request, user, 404, f"there is no page at {request.url.path}")
