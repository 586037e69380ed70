"""The REST API (FastAPI). `create_app()` builds it; `protect serve` runs it with uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from protect.api.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from protect.api.app import create_app

        return create_app
    raise AttributeError(f"module 'protect.api' has no attribute {name!r}")
