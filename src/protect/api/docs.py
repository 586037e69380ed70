"""The API's browsable documentation at /docs, offline: Swagger UI's files come from the
`swagger-ui-bundle-v2` package (Swagger UI 5, Apache-2.0) and are served from this server, so
/docs works with no network. The page is started by a script file, not an inline script."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"

PAGE = (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
    '<meta name="viewport" content="width=device-width, initial-scale=1">'
    "<title>protect - API</title>"
    f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css"></head>'
    '<body><div id="swagger-ui"></div>'
    f'<script src="{ASSETS}/swagger-ui-bundle.js"></script>'
    '<script src="/static/swagger-init.js"></script></body></html>\n'
)


def _docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


def add_docs(app: FastAPI) -> None:
    """Serve /docs and its files; create the app with `docs_url=None` so this one is used."""
    from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-untyped]

    app.mount(ASSETS, StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")
    app.add_api_route("/docs", _docs_page, include_in_schema=False, methods=["GET"])
