"""Request dependencies: the database handle and the principal making the request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from protect.service import Principal, users
from protect.storage import Database

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `protect users add NAME --role ROLE`.",
)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def get_principal(
    db: Annotated[Database, Depends(get_db)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal | None:
    """The user behind a Bearer token; None for anonymous callers.

    The API takes tokens only (the web pages' session cookie is not accepted here, so a page on
    another site cannot make a browser write through the API). A token that is sent but not
    valid is an error (401), never silently anonymous.
    """
    if credentials is None:
        return None
    return users.authenticate(db, credentials.credentials)


DB = Annotated[Database, Depends(get_db)]
Caller = Annotated[Principal | None, Depends(get_principal)]
