"""What the HTTP adapters (the REST API and the pages) share about a request: the database of
the application serving it, and the user behind the pages' session cookie. Both adapters depend
on this, never on each other."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from protect.service import users
from protect.service.roles import Principal
from protect.storage import Database

SESSION_COOKIE = "protect_session"
# Methods that read: the session cookie authenticates these on the API as on the pages (a page's
# "JSON" link opens its twin in the same browser). Writes through the API still need a token, so
# a form on another site cannot make a logged-in browser write (SameSite=Lax sends the cookie on
# a cross-site top-level GET, never on a cross-site POST, and a GET changes nothing).
READ_METHODS = frozenset({"GET", "HEAD"})


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DB = Annotated[Database, Depends(get_db)]


def session_principal(request: Request, db: Database) -> Principal | None:
    """The logged-in user of the browser's session cookie; None without a live session."""
    key = request.cookies.get(SESSION_COOKIE)
    return users.session_principal(db, key) if key else None
