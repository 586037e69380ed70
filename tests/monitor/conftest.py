"""Shared fixtures for the monitor tests: real extracts under tests/data/monitor, a fresh
DuckDB file per test."""

from __future__ import annotations

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data" / "monitor"
SAMPLE = (
    Path(__file__).resolve().parents[2]
    / "src" / "protect" / "monitor" / "sample" / "ged_myanmar_2016_2018.csv.gz"
)  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "events.duckdb"


@pytest.fixture
def data() -> Path:
    return DATA
