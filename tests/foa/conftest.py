"""Fixtures for the Framework of Analysis tests: the service tests' databases, users, clients and
server (imported from tests/service, one definition), real monitor data in a DuckDB file and the
real risk extracts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from protect.service.roles import Principal
from service.conftest import (  # noqa: F401 - fixtures are registered by being imported here
    Served,
    Tokens,
    app,
    cheap_argon2,
    client,
    database,
    fresh_verification_memory,
    pg_database,
    private_home,
    served,
    sqlite_database,
    tokens,
)

HERE = Path(__file__).parent
RISK = HERE / "data" / "risk"
CAR_GED = HERE.parent / "data" / "monitor" / "ged231_car_2013_2014.csv"

ANA = Principal("ana", "analyst")
ADA = Principal("ada", "admin")
VIC = Principal("vic", "viewer")
REV = Principal("rev", "analyst")


@pytest.fixture(scope="session")
def events_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB events store with the bundled Myanmar GED sample and the real CAR extract."""
    from protect.monitor import api

    path = tmp_path_factory.mktemp("events") / "events.duckdb"
    api.ingest("ucdp", api.sample_path(), db_path=path, release=api.SAMPLE_RELEASE)
    api.ingest("ucdp", CAR_GED, db_path=path)
    return path


@pytest.fixture
def events_db(events_file: Path, tmp_path: Path) -> Path:
    """A private copy, so no test changes another's data."""
    copy = tmp_path / "events.duckdb"
    shutil.copyfile(events_file, copy)
    return copy


@pytest.fixture
def data_home(events_file: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PROTECT_HOME (private to the test) holding the events store, PROTECT_SOURCES the risk
    extracts: what `protect foa suggest` and the API read when given no paths."""
    from protect.config import data_dir, events_db_path

    shutil.copyfile(events_file, events_db_path())
    monkeypatch.setenv("PROTECT_SOURCES", str(RISK))
    return data_dir()
