"""What the HTTP adapters (the REST API and the pages) share about a request: the database of
the application serving it. Both adapters depend on this, never on each other."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from protect.storage import Database


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


DB = Annotated[Database, Depends(get_db)]
