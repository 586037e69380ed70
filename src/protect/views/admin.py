"""The audit log, the users and the signed-in user: each read by one view, the page and its JSON
twin alike. They need a signed-in user (the Bearer token, or the pages' session cookie); the
service checks the role (reading the log: any signed-in user; users: administrators)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query

from protect.service import audit, users
from protect.service.http import DB, Reader
from protect.service.roles import require
from protect.service.schemas import AuditPage, AuditVerification, UserOut
from protect.views.base import Limit, Offset, Table, View

Label = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")]


# ---- the audit log --------------------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    """A page of the audit log; the page also shows the chain's verification, which walks the
    whole log, so it is computed only when the page asks (`verify`), never for the JSON twin."""

    page: AuditPage
    actor: str | None
    action: str | None
    verify: Callable[[], AuditVerification]


def load_audit(
    db: DB,
    reader: Reader,
    actor: Label = None,
    action: Label = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Log:
    """The append-only log of every write, newest first (any authenticated user)."""
    page = audit.entries(db, reader, actor=actor, action=action, limit=limit, offset=offset)
    return Log(page, actor, action, lambda: audit.verify(db, reader))


def _audit_context(log: Log) -> dict[str, Any]:
    from urllib.parse import urlencode

    page = log.page
    query = {k: v for k, v in (("actor", log.actor), ("action", log.action)) if v}

    def link(at: int) -> str:
        return "/audit?" + urlencode({**query, "limit": str(page.limit), "offset": str(at)})

    return {
        "page": page,
        "check": log.verify(),
        "actor": log.actor or "",
        "action": log.action or "",
        "newer": link(max(0, page.offset - page.limit)) if page.offset > 0 else None,
        "older": link(page.offset + page.limit) if page.offset + page.limit < page.total else None,
        "json_url": "/api/v1/audit" + ("?" + urlencode(query) if query else ""),
    }


AUDIT = View(
    name="audit",
    path="/audit",
    load=load_audit,
    response_model=AuditPage,
    json=lambda log: log.page,
    template="audit.html",
    context=_audit_context,
    tables=(
        Table(
            "entries",
            lambda log: [e.model_dump() for e in log.page.items],
            "the entries shown",
        ),
    ),
    access="admin",
    errors=(422, 503),
    tags=("audit",),
)


# ---- users ----------------------------------------------------------------------------------


def load_users(db: DB, reader: Reader) -> list[UserOut]:
    """Every user, active and revoked (admin)."""
    return users.list_users(db, reader)


def users_context(everyone: list[UserOut]) -> dict[str, Any]:
    from protect.service.roles import ROLES

    return {
        "everyone": everyone,
        "roles": ROLES,
        "new_token": None,
        "message": "",
        "json_url": "/api/v1/users",
    }


USERS = View(
    name="users",
    path="/users",
    load=load_users,
    response_model=list[UserOut],
    template="users.html",
    context=users_context,
    tables=(Table("users", lambda us: [u.model_dump() for u in us], "users"),),
    access="admin",
    errors=(403, 503),
    tags=("users",),
)


def load_me(db: DB, reader: Reader) -> UserOut:
    """The user the token (or the session) belongs to."""
    return users.get_user(db, require(reader, "viewer").name)


ME = View(
    name="me",
    path="/me",
    load=load_me,
    response_model=UserOut,
    template="me.html",
    context=lambda me: {"me": me, "new_token": None, "json_url": "/api/v1/me"},
    tables=(Table("me", lambda me: [me.model_dump(mode="json")], "the signed-in user"),),
    access="viewer",
    errors=(503,),
    tags=("users",),
)

VIEWS = (AUDIT, USERS, ME)
