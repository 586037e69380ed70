"""The FastAPI application: `create_app()` wires the service layer to HTTP.

Every error leaves as JSON with a status that says whose fault it is: 4xx for the request
(422 names the field), 503 when the database is down. A traceback never reaches the client.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DataError
from starlette.middleware.body_limit import RequestBodyLimitMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from protect import __version__
from protect.service import ServiceError
from protect.service.errors import (
    InvalidInputError,
    LimitExceededError,
    TooManyAttemptsError,
    UnauthorizedError,
)
from protect.storage import Database, DatabaseUnavailableError

log = logging.getLogger("protect.api")

MAX_BODY_BYTES = 1_048_576
STATIC_DIR = Path(__file__).resolve().parent.parent / "web" / "static"


def _levels_css() -> Response:
    """The pages' alert-level colours, written from their one definition."""
    from protect.knowledge.levels import css

    return Response(css(), media_type="text/css")


# Pages load only this site's own files: no inline script or style, no framing by other sites.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# /docs runs Swagger UI from this server's files (protect.api.docs); it sets inline styles as it
# renders, so only its page allows them. Inline script stays forbidden.
DOCS_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)

DESCRIPTION = """\
Decision support and early warning for the protection of civilians and the responsibility to
protect. `POST /api/v1/assess` is open to anyone and stores nothing; everything that reads or
writes saved data needs `Authorization: Bearer TOKEN` (tokens come from
`protect users add NAME --role viewer|analyst|admin`).
"""


def _field(loc: list[Any]) -> str:
    from protect.engine.errors import field_path

    return field_path(tuple(loc))


def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        where = loc[1:] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else loc
        detail.append(
            {
                "loc": loc,
                "field": _field(where),
                "msg": str(err.get("msg", "")),
                "type": str(err.get("type", "")),
            }
        )
    return JSONResponse({"detail": detail}, status_code=422)


def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    if isinstance(exc, InvalidInputError):
        detail = [{**err, "loc": ["body", *err.get("loc", [])]} for err in exc.errors] or [
            {"loc": [], "field": "", "msg": exc.message, "type": "value_error"}
        ]
        return JSONResponse({"detail": detail, "message": exc.message}, status_code=422)
    if exc.status == 413:
        request.state.protect_own_413 = True  # not the body limit's: `JsonTooLarge` lets it be
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, UnauthorizedError) else None
    if isinstance(exc, TooManyAttemptsError | LimitExceededError):
        headers = {"Retry-After": str(exc.retry_after)}
    return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=headers)


def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.warning("%s", exc)
    return JSONResponse({"detail": str(exc)}, status_code=503, headers={"Retry-After": "5"})


def _data_error(_request: Request, exc: Exception) -> JSONResponse:
    # The database refused a value the validation let through (e.g. out of its range).
    message = str(getattr(exc, "orig", exc)).splitlines()[0]
    return JSONResponse(
        {"detail": [{"loc": ["body"], "field": "", "msg": message, "type": "value_error"}]},
        status_code=422,
    )


def _internal(_request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=exc)
    return JSONResponse({"detail": "internal error; the server log has the details"}, 500)


class JsonTooLarge:
    """Answer an oversized body (Starlette's `RequestBodyLimitMiddleware`, which replies in plain
    text) with the JSON error shape every other error has; a 413 that is JSON already (too many
    situations) passes as it is."""

    def __init__(self, app: ASGIApp, max_body_size: int) -> None:
        self.app = app
        self.body = json.dumps(
            {"detail": f"request body too large: the limit is {max_body_size} bytes"}
        ).encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_json(message: Message) -> None:
            nonlocal replaced
            if (
                message["type"] == "http.response.start"
                and message["status"] == 413
                and not scope.get("state", {}).get("protect_own_413")
            ):
                replaced = True
                headers = [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(self.body)).encode()),
                ]
                await send({"type": "http.response.start", "status": 413, "headers": headers})
                await send({"type": "http.response.body", "body": self.body})
            elif not replaced:  # the plain-text body of a replaced answer is dropped
                await send(message)

        await self.app(scope, receive, send_json)


class SecurityHeaders:
    """Add the security headers to every answer: a Content-Security-Policy (pages may not be
    framed, may run no inline script and load only this site's files), no MIME sniffing and
    no Referer sent to other sites (`same-origin`, so a form's POST still names its origin)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        csp = (DOCS_CSP if scope["path"] == "/docs" else PAGE_CSP).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() not in _SECURITY_HEADER_NAMES
                ]
                headers += [
                    (b"content-security-policy", csp),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


_SECURITY_HEADER_NAMES = {
    b"content-security-policy",
    b"x-content-type-options",
    b"x-frame-options",
    b"referrer-policy",
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The generated schema, plus the engine's input and output models the routes refer to."""
    if app.openapi_schema:
        return app.openapi_schema
    from protect import Assessment, Situation

    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model, mode in (
        ("Situation", Situation, "validation"),
        ("Assessment", Assessment, "serialization"),
    ):
        js = model.model_json_schema(
            mode=mode,  # type: ignore[arg-type]
            ref_template=f"#/components/schemas/{name}_{{model}}",
        )
        for key, sub in js.pop("$defs", {}).items():
            components[f"{name}_{key}"] = sub
        components[name] = js
    app.openapi_schema = schema
    return schema


def build_api(database: Database | None = None, *, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The REST API on `database` (default: the configured one, migrated on first use); the
    pages are added by `protect.server.create_app`, which composes the whole application."""
    from protect.api.v1 import router
    from protect.api.v1_monitor import optional_routers

    db = database or Database()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        from protect.service.assessments import warm_up

        warm_up()
        try:
            db.ensure_ready()
        except DatabaseUnavailableError as exc:
            # Serve anyway: assessing needs no database, and the rest answers 503 until it is up.
            log.warning("%s; will retry on the next request that needs it", exc)
        yield
        if database is None:
            db.dispose()

    app = FastAPI(
        title="protect",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,  # served by add_docs from local files, without inline script
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
    )
    # Starlette's limiter enforces the size; the wrapper outside it turns its answer into JSON.
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=max_body_bytes)
    app.add_middleware(JsonTooLarge, max_body_size=max_body_bytes)
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_api_route("/levels.css", _levels_css, include_in_schema=False)
    from protect.api.docs import add_docs

    add_docs(app)
    app.state.db = db
    app.include_router(router)
    for extra in optional_routers():
        app.include_router(extra)
    from protect.api.v1_foa import router as foa_router

    app.include_router(foa_router)
    from protect.api.views import views_router

    app.include_router(views_router())
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(DatabaseUnavailableError, _unavailable)
    app.add_exception_handler(DataError, _data_error)
    app.add_exception_handler(Exception, _internal)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app
