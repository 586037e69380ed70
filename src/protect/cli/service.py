"""CLI commands for the service: `protect serve`, `protect users add|list|rotate|revoke` and
`protect audit verify`.

Heavy imports (FastAPI, SQLAlchemy, uvicorn, argon2) stay inside the commands so that
`protect --help` starts fast.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, TypeVar

import typer

from protect.cli.output import fail

if TYPE_CHECKING:
    from protect.service.roles import Principal
    from protect.storage import Database

T = TypeVar("T")


class Role(StrEnum):
    viewer = "viewer"
    analyst = "analyst"
    admin = "admin"


class ListFormat(StrEnum):
    table = "table"
    json = "json"


users_app = typer.Typer(
    name="users",
    help="Manage who may use the service and with which role.",
    no_args_is_help=True,
)


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Run the web app and REST API (docs at /docs, schema at /openapi.json)."""
    import uvicorn

    from protect import config
    from protect.server import create_app, keep_collections_short
    from protect.storage import Database, DatabaseUnavailableError

    try:
        limits = config.limits()
    except config.ConfigError as exc:
        fail(str(exc), code=2)
    db = Database()
    try:
        db.ensure_ready()
        state = "ready"
    except DatabaseUnavailableError as exc:
        # Decision 030: serve anyway; assessing needs no database, the rest answers 503 until
        # the database is back, and the schema is migrated then.
        state = f"UNAVAILABLE ({exc}); answering 503 where it is needed until it is back"
    sys.stderr.write(
        f"protect: database {db.describe()} {state}\n"
        f"protect: limits: {limits.situations_per_request} situations per request, "
        f"{limits.stored_bytes_per_day} bytes stored per user per day\n"
        f"protect: serving on http://{host}:{port}/\n"
    )
    app = create_app(db)
    keep_collections_short()
    uvicorn.run(app, host=host, port=port, log_level="info")


def _as_local_admin(call: Callable[[Database, Principal], T]) -> T:
    """Run a users call as the local operator; a database or service error ends the command with
    one line (exit 1 when the database is unreachable, 2 for a refused request)."""
    from protect.service import ServiceError
    from protect.service.roles import local_operator
    from protect.storage import Database, DatabaseUnavailableError

    try:
        return call(Database(), local_operator())
    except DatabaseUnavailableError as exc:
        fail(str(exc), code=1)
    except ServiceError as exc:
        fail(exc.message, code=2)


@users_app.command("add")
def users_add(
    name: str = typer.Argument(..., help="Login name (letters, digits, '.', '_', '@', '-')."),
    role: Role = typer.Option(..., "--role", help="viewer reads; analyst also saves; admin all."),
) -> None:
    """Create a user and print its API token (shown once, stored only as a hash)."""
    from protect.service import users

    new = _as_local_admin(lambda db, op: users.add_user(db, op, name, role.value))
    sys.stderr.write(
        f"created {new.user.name} ({new.user.role}); the token below is shown only once:\n"
    )
    sys.stdout.write(new.token + "\n")


@users_app.command("list")
def users_list(
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="Output format."),
) -> None:
    """List users, their roles and whether their token is revoked."""
    from protect.service import users

    rows = _as_local_admin(users.list_users)
    if fmt is ListFormat.json:
        sys.stdout.write(json.dumps([r.model_dump(mode="json") for r in rows], indent=2) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "role", "created", "status")
    for r in rows:
        status = "active" if r.active else f"revoked {r.revoked_at:%Y-%m-%d %H:%M}"
        table.add_row(r.name, r.role, f"{r.created_at:%Y-%m-%d %H:%M}", status)
    Console().print(table)


@users_app.command("revoke")
def users_revoke(name: str = typer.Argument(..., help="The user whose token to revoke.")) -> None:
    """Revoke a user's token at once; the user stays listed, for the audit trail."""
    from protect.service import users

    user = _as_local_admin(lambda db, op: users.revoke_user(db, op, name))
    sys.stderr.write(f"revoked {user.name}\n")


@users_app.command("rotate")
def users_rotate(name: str = typer.Argument(..., help="The user who gets a new token.")) -> None:
    """Give a user a new token (printed once) and end the old one at once."""
    from protect.service import users

    new = _as_local_admin(lambda db, op: users.rotate_token(db, op, name))
    sys.stderr.write(
        f"new token for {new.user.name}; the old one no longer works; shown only once:\n"
    )
    sys.stdout.write(new.token + "\n")


audit_app = typer.Typer(
    name="audit",
    help="Check the audit trail.",
    no_args_is_help=True,
)

BROKEN_CHAIN = 3  # exit status of `audit verify` when an entry does not hold


@audit_app.command("verify")
def audit_verify(
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", "-f", help="Output format."),
) -> None:
    """Walk the audit chain and check the saved records against it: exit 0 when all holds, 3
    naming the first entry or record that does not."""
    from protect.service import audit

    result = _as_local_admin(audit.verify)
    if fmt is ListFormat.json:
        sys.stdout.write(json.dumps(result.model_dump(mode="json"), indent=2) + "\n")
    elif result.intact:
        sys.stdout.write(
            f"audit trail intact: {result.entries} entries, {result.records} saved records; "
            f"newest hash {result.head}\n"
        )
    if result.first_broken is not None:
        fail(
            f"audit trail broken at entry {result.first_broken} (entry {result.entries} in "
            f"order): {result.problem}",
            code=BROKEN_CHAIN,
        )
    if result.broken_record is not None:
        fail(f"saved record {result.broken_record}: {result.problem}", code=BROKEN_CHAIN)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("serve")(serve)
    app.add_typer(users_app)
    app.add_typer(audit_app)
