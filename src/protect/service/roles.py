"""Roles and the principal acting in a service call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from protect.service.errors import ForbiddenError, UnauthorizedError

Role = Literal["viewer", "analyst", "admin"]
ROLES: tuple[Role, ...] = get_args(Role)
_RANK = {role: rank for rank, role in enumerate(ROLES)}


@dataclass(frozen=True)
class Principal:
    """Who is acting: a user of the service, or the local operator at the command line."""

    name: str
    role: Role

    def can(self, role: Role) -> bool:
        return _RANK[self.role] >= _RANK[role]


# The command line runs on the machine that holds the database: whoever can run it can already
# read and write the file, so it acts as an administrator under a name that says where it came from.
def local_operator() -> Principal:
    import getpass

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return Principal(name=f"local:{user}"[:64], role="admin")


def require(principal: Principal | None, role: Role) -> Principal:
    """The principal, if it holds `role` or higher; else the matching error."""
    if principal is None:
        raise UnauthorizedError("authentication required: send 'Authorization: Bearer TOKEN'")
    if not principal.can(role):
        raise ForbiddenError(
            f"role {principal.role!r} may not do this; {role!r} or higher is needed"
        )
    return principal
