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
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from protect.service import ServiceError
from protect.service.briefing import briefing_pdf, latest_foa
from protect.service.data import call
from protect.service.errors import InvalidInputError
from protect.service.worldmap import month_number, month_of
from protect.storage import DatabaseUnavailableError
from protect.web.common import Viewer, error_page, page_principal
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
