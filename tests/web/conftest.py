"""Fixtures for the map, country and briefing tests: the service tests' databases, clients and
server (imported from tests/service, one definition), and a monitor store holding the bundled
Myanmar GED sample (2016-2018) and the real Central African Republic extract (2013-2014).

These pages read the monitor's DuckDB store, not the service database, so the database is
SQLite only here (the service tests run every route on PostgreSQL too)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from protect.storage import Database
from service.conftest import (  # noqa: F401 - fixtures are registered by being imported here
    Served,
    app,
    cheap_argon2,
    client,
    fresh_verification_memory,
    private_home,
    served,
    sqlite_database,
)


@pytest.fixture
def database(sqlite_database: Database) -> Database:  # noqa: F811 - the fixture, by name
    sqlite_database.migrate()
    return sqlite_database


CAR_GED = Path(__file__).parent.parent / "data" / "monitor" / "ged231_car_2013_2014.csv"
RISK = Path(__file__).parent.parent / "data" / "risk"


@pytest.fixture(autouse=True)
def risk_sources(monkeypatch: pytest.MonkeyPatch) -> Path:
    """The real risk extracts (25 countries): the country pages show their forecast, fitted in
    seconds, whatever lies beside the checkout."""
    monkeypatch.setenv("PROTECT_SOURCES", str(RISK))
    return RISK


@pytest.fixture(scope="session")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from protect.monitor import api

    path = tmp_path_factory.mktemp("events") / "events.duckdb"
    api.ingest("ucdp", api.sample_path(), db_path=path, release=api.SAMPLE_RELEASE)
    api.ingest("ucdp", CAR_GED, db_path=path)
    return path


@pytest.fixture
def events(events_file: Path) -> Path:
    """The store copied into this test's PROTECT_HOME, where the pages and the CLI read it."""
    from protect.config import events_db_path

    target = events_db_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(events_file, target)
    return target
