"""Fixtures for the service tests: a fresh database on each backend, users, a client, a server.

`database` is parametrised over SQLite (a file in tmp_path) and PostgreSQL (a fresh database
created on the server named by PROTECT_TEST_POSTGRES_URL and dropped afterwards). Without that
variable the PostgreSQL half is skipped, unless PROTECT_REQUIRE_POSTGRES=1, where it fails.
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from protect.server import create_app
from protect.service import users
from protect.service.roles import local_operator
from protect.storage import Database

PG_ENV = "PROTECT_TEST_POSTGRES_URL"
REQUIRE_ENV = "PROTECT_REQUIRE_POSTGRES"

SUDAN_2004: dict[str, Any] = {
    "name": "Darfur",
    "country": "SDN",
    "date": "2004-07-01",
    "armed_conflict": "non-international",
    "state_role": "perpetrator",
    "atrocities": {"crimes-against-humanity": "ongoing", "war-crimes": "ongoing"},
}
PEACE: dict[str, Any] = {
    "country": "NOR",
    "date": "2010-01-01",
    "armed_conflict": "none",
    "state_role": "protecting",
}


def _pg_admin_url() -> URL | None:
    raw = os.environ.get(PG_ENV)
    if not raw:
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"{REQUIRE_ENV}=1 but {PG_ENV} is not set")
        pytest.skip(f"{PG_ENV} is not set")
    url = make_url(raw)
    return url.set(drivername="postgresql+psycopg")


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test away from the user's real data directory and database."""
    home = tmp_path / "protect-home"
    monkeypatch.setenv("PROTECT_HOME", str(home))
    monkeypatch.delenv("PROTECT_DATABASE_URL", raising=False)
    return home


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hash tokens with argon2's own profile for tests: same code path, far fewer rounds.

    The production parameters are checked by test_users.py::test_tokens_are_stored_as_argon2.
    """
    from argon2 import PasswordHasher, profiles

    monkeypatch.setattr(users, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))


@pytest.fixture(autouse=True)
def fresh_verification_memory() -> Iterator[None]:
    """Each test starts with no remembered verifications and no failed attempts."""
    users._verified.clear()
    users._failures.clear()
    yield
    users._verified.clear()
    users._failures.clear()


@pytest.fixture
def pg_database() -> Iterator[Database]:
    admin_url = _pg_admin_url()
    assert admin_url is not None
    name = f"protect_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        if os.environ.get(REQUIRE_ENV) == "1":
            pytest.fail(f"PostgreSQL at {admin_url!r} is required but unusable: {exc}")
        pytest.skip(f"PostgreSQL unusable: {exc}")
    db = Database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'service.sqlite3'}")
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> Database:
    """A fresh, migrated database on each backend."""
    name = "sqlite_database" if request.param == "sqlite" else "pg_database"
    db: Database = request.getfixturevalue(name)
    db.migrate()
    return db


@dataclass
class Tokens:
    admin: str
    analyst: str
    viewer: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


@pytest.fixture
def tokens(database: Database) -> Tokens:
    op = local_operator()
    return Tokens(
        admin=users.add_user(database, op, "ada", "admin").token,
        analyst=users.add_user(database, op, "ana", "analyst").token,
        viewer=users.add_user(database, op, "vic", "viewer").token,
    )


@pytest.fixture
def app(database: Database) -> FastAPI:
    return create_app(database)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@dataclass
class Served:
    base_url: str
    server: Any


@pytest.fixture
def served(app: FastAPI) -> Iterator[Served]:
    """The app behind a real uvicorn server on a free loopback port."""
    import uvicorn

    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Served(base_url=f"http://127.0.0.1:{port}", server=server)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def csrf_token(client: TestClient, page: str = "/login") -> str:
    """The CSRF token a page's forms carry (the page also sets the matching cookie)."""
    found = re.search(r'name="csrf_token" value="([A-Za-z0-9_-]+)"', client.get(page).text)
    assert found, f"no CSRF token on {page}"
    return found.group(1)
