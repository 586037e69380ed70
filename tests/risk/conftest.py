"""Fixtures for the risk tests: the bundled extract, and the full sources when present."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from protect.risk.panel import build_panel
from protect.risk.sources import RiskSources, load_sources
from protect.storage import Database

EXTRACT = Path(__file__).resolve().parent.parent / "data" / "risk"


@pytest.fixture(scope="session")
def extract_sources() -> RiskSources:
    return load_sources(EXTRACT)


@pytest.fixture(scope="session")
def extract_panel(extract_sources: RiskSources) -> pd.DataFrame:
    return build_panel(extract_sources)


@pytest.fixture(scope="session")
def full_root() -> Path:
    """The real sources folder (../shared/data beside the checkout, or PROTECT_SOURCES)."""
    from protect.config import sources_dir

    root = sources_dir()
    if root is None or not (root / "ewp" / "statrisk-2025").is_dir():
        pytest.skip("no sources folder with ewp/statrisk-2025 (set PROTECT_SOURCES)")
    return root


@pytest.fixture(autouse=True)
def private_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Keep every test away from the user's data directory and database."""
    home = tmp_path / "protect-home"
    monkeypatch.setenv("PROTECT_HOME", str(home))
    monkeypatch.delenv("PROTECT_DATABASE_URL", raising=False)
    return home


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated service database: SQLite, and PostgreSQL when
    PROTECT_TEST_POSTGRES_URL names a server (a database is created and dropped per test)."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'risk.sqlite3'}")
        db.migrate()
        yield db
        db.dispose()
        return
    raw = os.environ.get("PROTECT_TEST_POSTGRES_URL")
    if not raw:
        pytest.skip("PROTECT_TEST_POSTGRES_URL is not set")
    admin_url = make_url(raw).set(drivername="postgresql+psycopg")
    name = f"protect_risk_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database(admin_url.set(database=name).render_as_string(hide_password=False))
    try:
        db.migrate()
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
