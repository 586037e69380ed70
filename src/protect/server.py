"""The web application: the REST API and the pages composed on one server.

This is the one place that knows both HTTP adapters; neither imports the other. `protect serve`
and the tests build the application here.
"""

from __future__ import annotations

from fastapi import FastAPI

from protect.api.app import MAX_BODY_BYTES, build_api
from protect.storage import Database


def create_app(
    database: Database | None = None,
    *,
    max_body_bytes: int = MAX_BODY_BYTES,
    web: bool = True,
) -> FastAPI:
    """The application on `database` (default: the configured one, migrated on first use)."""
    app = build_api(database, max_body_bytes=max_body_bytes)
    if web:
        from starlette.exceptions import HTTPException

        from protect.web.common import CsrfRefusedError, csrf_refused
        from protect.web.pages import router as pages
        from protect.web.webapp_pages import not_found_page

        app.add_exception_handler(HTTPException, not_found_page)
        app.add_exception_handler(CsrfRefusedError, csrf_refused)
        app.include_router(pages)
    return app
