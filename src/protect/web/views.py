"""Every `View` (protect.views) as a page and its CSV downloads.

The page parses its parameters with the view's own signature, the same code its JSON twin in
`api/` runs, so both take the same defaults and refuse the same input. Any error, in the
parameters or in the service, becomes this site's error page with the status the twin answers
(a signed-out reader of a page that needs a login is sent to the login page instead).
"""

from __future__ import annotations

import csv
import inspect
import io
import json
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from protect.engine.errors import field_path
from protect.service import Principal, ServiceError, UnauthorizedError
from protect.service.errors import NotFoundError
from protect.service.http import Reader
from protect.storage import DatabaseUnavailableError
from protect.views import View, all_views
from protect.web.common import error_page, page_principal, render

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def validation_message(exc: RequestValidationError) -> str:
    """The problems of a request's parameters, each with the field it names, as one line."""
    parts = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        where = loc[1:] if loc and loc[0] in ("query", "path", "header", "cookie", "body") else loc
        parts.append(f"{field_path(tuple(where))}: {err.get('msg', '')}")
    return "; ".join(parts) or "invalid request"


def _reader_or_none(request: Request) -> Principal | None:
    try:
        return page_principal(request, request.app.state.db)
    except Exception:  # the database is down: the error page needs no user
        return None


class PageRoute(APIRoute):
    """A page route whose every error (parameters, dependencies, service) is a page."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                return error_page(request, _reader_or_none(request), 422, validation_message(exc))
            except UnauthorizedError:
                return RedirectResponse("/login", status_code=303)
            except ServiceError as exc:
                return error_page(request, _reader_or_none(request), exc.status, exc.message)
            except DatabaseUnavailableError as exc:
                return error_page(request, _reader_or_none(request), 503, str(exc).splitlines()[0])

        return page_handler


_REQUEST = inspect.Parameter("_request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
_READER = inspect.Parameter("_reader", inspect.Parameter.KEYWORD_ONLY, annotation=Reader)
_TABLE = inspect.Parameter(
    "table",
    inspect.Parameter.KEYWORD_ONLY,
    default=None,
    annotation=Annotated[
        str | None,
        Query(max_length=64, description="which of the page's tables (default: the first)"),
    ],
)


def _own(view: View, kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if not k.startswith("_") and k != "table"}


def _csv_url(request: Request, context: Mapping[str, Any], table: str | None) -> str:
    """The page's path + `.csv`, with the parameters of the JSON link when the page has one
    (they hold the defaults resolved, e.g. the month shown), else those of the request."""
    json_url = context.get("json_url")
    source = urlsplit(json_url).query if isinstance(json_url, str) else str(request.url.query)
    query = [(k, v) for k, v in parse_qsl(source, keep_blank_values=True) if k != "table"]
    if table is not None:
        query.append(("table", table))
    return request.url.path + ".csv" + ("?" + urlencode(query) if query else "")


def page_endpoint(view: View) -> Callable[..., Response]:
    def page(**kwargs: Any) -> Response:
        request: Request = kwargs["_request"]
        context = view.context(view.load(**_own(view, kwargs)))
        links = [
            {"title": t.title or t.name, "url": _csv_url(request, context, t.name if i else None)}
            for i, t in enumerate(view.tables)
        ]
        return render(request, view.template, kwargs["_reader"], csv_links=links, **context)

    page.__signature__ = view.signature(_REQUEST, _READER)  # type: ignore[attr-defined]
    page.__doc__ = inspect.getdoc(view.load)
    return page


def _cell(value: Any) -> Any:
    """A CSV cell: nested values as JSON; text a spreadsheet would run as a formula is quoted."""
    if value is None:
        return ""
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(rows: Sequence[Mapping[str, Any]]) -> str:
    """Rows as CSV; the columns are every key, in the order they first appear."""
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def csv_endpoint(view: View) -> Callable[..., Response]:
    def download(**kwargs: Any) -> Response:
        chosen = view.table(kwargs.get("table"))
        if chosen is None:
            known = ", ".join(t.name for t in view.tables)
            raise NotFoundError(f"table: no table {kwargs.get('table')!r} here; tables: {known}")
        result = view.load(**_own(view, kwargs))
        return Response(
            csv_text(chosen.rows(result)),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="{view.name}-{chosen.name}.csv"'
            },
        )

    download.__signature__ = view.signature(_TABLE, _READER)  # type: ignore[attr-defined]
    return download


def views_router(views: Sequence[View] | None = None) -> APIRouter:
    """The pages of `views` (default: all) and their CSV downloads. The downloads come first:
    `/country/{country}` would otherwise take `/country/MMR.csv` for itself."""
    chosen = all_views() if views is None else tuple(views)
    router = APIRouter(include_in_schema=False, route_class=PageRoute)
    for view in chosen:
        if view.tables:
            router.add_api_route(
                view.path + ".csv", csv_endpoint(view), methods=["GET"], name=f"{view.name}.csv"
            )
    for view in chosen:
        router.add_api_route(
            view.path,
            page_endpoint(view),
            methods=["GET"],
            response_class=HTMLResponse,
            name=f"{view.name}.page",
        )
    return router
