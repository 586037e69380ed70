"""The forecasts of record on a machine without the risk sources: loaded into the store with
their hashes checked, once, and served by the map, the ranking and the country pages."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from protect.service.errors import InvalidInputError
from protect.service.risk import (
    LOAD_RECORD,
    RECORD_DIR,
    bundled_record,
    latest_or_record,
    load_record,
)
from protect.service.roles import local_operator
from protect.storage import Database
from protect.storage.models import AuditEntry, RiskForecast

pytestmark = pytest.mark.usefixtures("events")

RECORD_2026 = RECORD_DIR / "2026-gbm-33b00d63a66c0d81.json"


@pytest.fixture
def no_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PROTECT_SOURCES pointing at an empty folder: the risk sources are not at hand."""
    empty = tmp_path / "no-sources"
    empty.mkdir()
    monkeypatch.setenv("PROTECT_SOURCES", str(empty))
    return empty


def _counts(db: Database) -> tuple[int, int]:
    """(stored forecasts, load-record audit entries)."""
    with db.reading() as session:
        forecasts = session.scalar(select(func.count()).select_from(RiskForecast))
        marks = session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == LOAD_RECORD)
        )
    return int(forecasts or 0), int(marks or 0)


def test_the_record_ships_with_the_package() -> None:
    names = [p.name for p in bundled_record()]
    assert names == ["2025-gbm-5fd8f9aeee74d02e.json", "2026-gbm-33b00d63a66c0d81.json"]


@pytest.mark.usefixtures("no_sources")
def test_without_sources_the_pages_serve_the_forecast_of_record(
    client: TestClient, database: Database
) -> None:
    assert client.get("/map/risk").status_code == 503  # nothing stored, nothing to show
    served = latest_or_record(database, local_operator())
    assert (served.origin, served.forecast.year, served.forecast.of_record) == (
        "of record",
        2026,
        True,
    )
    record = json.loads(RECORD_2026.read_text(encoding="utf-8"))
    # Stored as computed: time, issuer and hashes of the file, not of this load.
    f = served.forecast
    assert f.computed_at.isoformat().startswith(record["computed_at"][:19])
    assert (f.issued_by, f.forecast_hash, f.data_hash, f.model_hash, f.frozen) == (
        record["issued_by"],
        record["forecast_hash"],
        record["data_hash"],
        record["model_hash"],
        True,
    )

    api = client.get("/api/v1/map/risk?year=2026")
    assert api.status_code == 200
    body = api.json()
    assert (body["stored"], body["latest_year"], body["years"]) == (True, 2026, [2025, 2026])
    assert [(c["country"], c["rank"]) for c in body["countries"]] == [
        (r["country"], r["rank"]) for r in record["rows"]
    ]
    assert body["countries"][0]["country"] == "SSD"
    assert "forecast of record, computed 2026-12-05" in body["note"].lower()

    page = client.get("/map/risk?year=2026")
    assert page.status_code == 200
    assert "the risk sources are not at hand here" in page.text
    assert re.search(r'<tr data-country="SSD"', page.text)
    assert client.get("/map/risk").status_code == 200  # the newest stored year by default

    ranking = client.get("/risk")
    assert ranking.status_code == 200
    assert "Risk of a mass-killing onset, 2026" in ranking.text
    assert "Forecast of record, computed 2026-12-05" in ranking.text

    country = client.get("/country/SSD")
    assert country.status_code == 200
    assert 'data-forecast-rank="1"' in country.text
    assert "Forecast of record, computed 2026-12-05" in country.text
    assert "the risk sources are not available" not in country.text
    # Its history spans both stored years.
    history = client.get("/api/v1/country/SSD").json()["risk_history"]
    assert [(y["year"], y["rank"]) for y in history] == [(2025, 1), (2026, 1)]


@pytest.mark.usefixtures("no_sources")
def test_loading_the_record_twice_stores_it_once(database: Database) -> None:
    first = load_record(database, local_operator())
    assert [r.new for r in first] == [True, True]
    again = load_record(database, local_operator())
    assert [r.new for r in again] == [False, False]
    assert [r.forecast.id for r in again] == [r.forecast.id for r in first]
    assert _counts(database) == (2, 2)


@pytest.mark.usefixtures("no_sources")
def test_a_tampered_record_is_refused_and_nothing_is_stored(
    database: Database, tmp_path: Path
) -> None:
    record = json.loads(RECORD_2026.read_text(encoding="utf-8"))
    record["rows"][1]["risk"] = 0.5  # India moved up by hand
    tampered = tmp_path / "2026-tampered.json"
    tampered.write_text(json.dumps(record), encoding="utf-8")
    good = RECORD_DIR / "2025-gbm-5fd8f9aeee74d02e.json"
    with pytest.raises(InvalidInputError) as raised:
        load_record(database, local_operator(), [good, tampered])
    assert str(tampered) in raised.value.message and "forecast_hash" in raised.value.message
    assert _counts(database) == (0, 0)  # the good file before it was not stored either

    record["rows"][1]["risk"] = "high"
    tampered.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"field rows\.1\.risk"):
        load_record(database, local_operator(), [tampered])
    assert _counts(database) == (0, 0)


def test_the_cli_refuses_a_tampered_record_in_one_line(tmp_path: Path, no_sources: Path) -> None:
    record = json.loads(RECORD_2026.read_text(encoding="utf-8"))
    record["rows"][0]["rank"] = 2
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(record), encoding="utf-8")
    exe = [sys.executable, "-m", "protect.cli.main"]
    bad = subprocess.run(
        [*exe, "risk", "load-record", str(tampered)], capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert str(tampered) in bad.stderr and "forecast_hash" in bad.stderr
    ok = subprocess.run([*exe, "risk", "load-record"], capture_output=True, text=True, check=True)
    assert "stored as forecast 2 for 2026" in ok.stdout
    again = subprocess.run(
        [*exe, "risk", "load-record"], capture_output=True, text=True, check=True
    )
    assert "already stored as forecast 2 for 2026" in again.stdout


@pytest.mark.usefixtures("no_sources")
def test_another_forecast_from_the_same_model_and_data_is_refused(
    database: Database, tmp_path: Path
) -> None:
    from protect.service.errors import ConflictError
    from protect.service.risk import forecast_hash

    load_record(database, local_operator(), [RECORD_2026])
    record = json.loads(RECORD_2026.read_text(encoding="utf-8"))
    record["rows"] = record["rows"][:10]  # consistent with its own hash, but not the one stored
    record["forecast_hash"] = forecast_hash(
        record["model_hash"], record["data_hash"], record["year"], record["rows"]
    )
    other = tmp_path / "other.json"
    other.write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(ConflictError, match="another forecast for 2026"):
        load_record(database, local_operator(), [other])
    assert _counts(database) == (1, 1)
