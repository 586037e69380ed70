"""Request dependencies: the database handle and the principal making the request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from protect.service import Principal, assessments
from protect.service.errors import InvalidInputError
from protect.service.http import DB, bearer, get_db, token_principal

__all__ = ["DB", "Caller", "OptionalSituation", "Situations", "bearer", "get_db", "get_principal"]

get_principal = token_principal  # writes take tokens only (see `service.http.reader`)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


def situation_body(raw: Annotated[bytes, Depends(_raw_body)]) -> Any:
    """The JSON body of the situation routes, read by the service's own parser: it names the
    nesting limit, a repeated key or bad UTF-8 in a 422 where a generic parser gives a 500 or
    takes the last key silently."""
    if not raw.strip():
        raise InvalidInputError(
            "a body is required: one situation or a list of them",
            [{"loc": [], "field": "(document)", "msg": "required", "type": "missing"}],
        )
    return assessments.read_json(raw)


def optional_situation_body(raw: Annotated[bytes, Depends(_raw_body)]) -> Any:
    """As `situation_body`, but an empty body is None (re-assess the saved facts)."""
    return assessments.read_json(raw) if raw.strip() else None


Situations = Annotated[Any, Depends(situation_body)]
OptionalSituation = Annotated[Any, Depends(optional_situation_body)]
Caller = Annotated[Principal | None, Depends(get_principal)]
