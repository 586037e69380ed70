"""Request dependencies: the database handle and the principal making the request."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from protect.service import Principal, assessments, users
from protect.service.errors import InvalidInputError
from protect.service.http import DB, READ_METHODS, get_db, session_principal
from protect.storage import Database

__all__ = ["DB", "Caller", "OptionalSituation", "Situations", "bearer", "get_db", "get_principal"]

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `protect users add NAME --role ROLE`.",
)


def get_principal(
    request: Request,
    db: Annotated[Database, Depends(get_db)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal | None:
    """The user behind a Bearer token, or for a GET the pages' session cookie; None for
    anonymous callers.

    The cookie serves reads only (the "JSON" links of the pages), so a page on another site
    cannot make a logged-in browser write through the API. A token that is sent but not valid
    is an error (401), never silently anonymous.
    """
    if credentials is None:
        if request.method in READ_METHODS:
            return session_principal(request, db)
        return None
    return users.authenticate(db, credentials.credentials)


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
