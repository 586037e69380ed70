"""Fixtures for the risk tests: the bundled extract, and the full sources when present."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from protect.risk.panel import build_panel
from protect.risk.sources import RiskSources, load_sources

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
