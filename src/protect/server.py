"""The web application: the REST API and the pages composed on one server.

This is the one place that knows both HTTP adapters; neither imports the other. `protect serve`
and the tests build the application here.
"""

from __future__ import annotations

import gc
from typing import Any

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


def _freeze_survivors(phase: str, info: dict[str, Any]) -> None:
    if phase == "stop" and info.get("generation") == 2:
        gc.freeze()


def keep_collections_short() -> None:
    """After each full collection, move its survivors out of the collector's sight.

    A server's heap grows with what it keeps (the knowledge base, the engine's memos, written
    JSON): a full collection walks all of it and, at a few hundred thousand objects, stops
    every request for 0.1-0.4 s, which alone spoils a 50 ms 99th percentile. Survivors of a
    full collection are long-lived by then; frozen, the next collections walk only what came
    since. They are still freed when nothing refers to them; only a reference cycle among
    them would stay. For `protect serve`, not for library users."""
    if _freeze_survivors not in gc.callbacks:
        gc.freeze()  # what start-up loaded
        gc.callbacks.append(_freeze_survivors)
