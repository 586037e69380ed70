"""Every `View` (protect.views) as its JSON route under /api/v1: the same parameters, service
call and errors as its page, answered with the view's `response_model` (the OpenAPI contract)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from fastapi import APIRouter

from protect.views import View, all_views


def json_endpoint(view: View) -> Callable[..., Any]:
    def endpoint(**kwargs: Any) -> Any:
        return view.json(view.load(**kwargs))

    endpoint.__signature__ = view.signature()  # type: ignore[attr-defined]
    return endpoint


def views_router(views: Sequence[View] | None = None) -> APIRouter:
    """The JSON routes of `views` (default: all)."""
    router = APIRouter()
    for view in all_views() if views is None else views:
        router.add_api_route(
            view.json_path,
            json_endpoint(view),
            methods=["GET"],
            response_model=view.response_model,
            responses=view.responses(),
            tags=list(view.tags),
            description=inspect.getdoc(view.load),
            name=view.name,
        )
    return router
