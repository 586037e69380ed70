"""What the HTTP adapters (the REST API and the pages) share about a request: the database of
the application serving it and the user making it. Both adapters depend on this, never on each
other."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from protect.service import users
from protect.service.roles import Principal
from protect.storage import Database

SESSION_COOKIE = "protect_session"

bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `protect users add NAME --role ROLE`.",
)


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DB = Annotated[Database, Depends(get_db)]


def token_principal(
    db: DB,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal | None:
    """The user behind a Bearer token; None for anonymous callers. A token that is sent but not
    valid is an error (401), never silently anonymous."""
    if credentials is None:
        return None
    return users.authenticate(db, credentials.credentials)


def session_principal(request: Request, db: DB) -> Principal | None:
    """The user behind the pages' session cookie; None without one, or when it has ended."""
    key = request.cookies.get(SESSION_COOKIE)
    return users.session_principal(db, key) if key else None


def reader(
    request: Request,
    db: DB,
    token: Annotated[Principal | None, Depends(token_principal)],
) -> Principal | None:
    """Who reads a view (a GET page or its JSON twin): the Bearer token's user if a token is
    sent, else the session cookie's. Both adapters resolve it here, so a page and its twin see
    the same user. Writes through the API still take tokens only (`token_principal`): a cookie
    is sent by the browser on another site's behalf, and only reading is harmless."""
    if token is not None:
        return token
    return session_principal(request, db)


Reader = Annotated[Principal | None, Depends(reader)]
