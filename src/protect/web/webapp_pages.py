"""The country's briefing download and the site's 404 page. (The map and the country page are
views: `protect.views.monitor`, registered by `web/views.py`.)"""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from protect.service.briefing import briefing_pdf, latest_foa
from protect.service.http import DB, Reader
from protect.service.monitor import call
from protect.views.base import CountryPath, MonthQuery
from protect.views.monitor import SliderQuery, chosen_month
from protect.web.common import error_page, page_principal
from protect.web.views import PageRoute

# Errors of the parameters and of the service are pages, as on every view (`PageRoute`).
router = APIRouter(include_in_schema=False, route_class=PageRoute)


@router.get("/country/{country}/brief.pdf", response_model=None)
def briefing_download(
    db: DB,
    user: Reader,
    country: CountryPath,
    month: MonthQuery = None,
    m: SliderQuery = None,
) -> Response:
    """The briefing PDF of a country for a month (default: the last month covered); the same
    parameters as the country page."""
    foa = latest_foa(db, user, country)
    pdf, name = call(partial(briefing_pdf, foa=foa), country, chosen_month(month, m))
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
