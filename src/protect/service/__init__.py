"""The one service layer: every interface (REST API, web pages, CLI) calls these functions.

Each function takes the `Database` and, for anything that needs it, the `Principal` acting; it
checks the role, does the work in one transaction and writes the audit entry in that same
transaction, so a write and its audit record are stored together or not at all.
"""

from __future__ import annotations

from protect.service.errors import (
    ConflictError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    ServiceError,
    UnauthorizedError,
)
from protect.service.roles import ROLES, Principal, Role

__all__ = [
    "ROLES",
    "ConflictError",
    "ForbiddenError",
    "InvalidInputError",
    "NotFoundError",
    "Principal",
    "Role",
    "ServiceError",
    "UnauthorizedError",
]
