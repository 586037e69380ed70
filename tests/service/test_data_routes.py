"""Monitor and risk routes: the same records as their Python APIs, bad input 422, no data 404."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from protect.server import create_app
from protect.storage import Database

REPO = Path(__file__).resolve().parents[2]
GED_SAMPLE = REPO / "src" / "protect" / "monitor" / "sample" / "ged_myanmar_2016_2018.csv.gz"
RISK_EXTRACT = REPO / "tests" / "data" / "risk"


@pytest.fixture
def plain(sqlite_database: Database) -> Iterator[TestClient]:
    sqlite_database.migrate()
    with TestClient(create_app(sqlite_database), raise_server_exceptions=False) as c:
        yield c


def _json(rows: Any) -> Any:
    if isinstance(rows, list):
        return [r.model_dump(mode="json") for r in rows]
    return rows.model_dump(mode="json")


def test_monitor_routes_mirror_the_monitor_api(plain: TestClient) -> None:
    from protect.monitor import api

    assert plain.get("/api/v1/timeline/MMR").status_code == 404  # nothing ingested yet
    api.ingest("ucdp", GED_SAMPLE)

    timeline = plain.get("/api/v1/timeline/mmr")
    assert timeline.status_code == 200
    assert timeline.json() == _json(api.timeline("MMR"))
    assert len(timeline.json()) >= 36

    window = plain.get("/api/v1/monitor/MMR", params={"from": "2017-01", "to": "2017-12"})
    assert window.status_code == 200
    assert window.json() == _json(api.monitor("MMR", "2017-01", "2017-12"))
    assert [r["month"] for r in window.json()][:2] == ["2017-01", "2017-02"]

    alerts = plain.get("/api/v1/alerts", params={"month": "2017-09"})
    assert alerts.status_code == 200
    assert alerts.json() == _json(api.alerts("2017-09"))

    situation = plain.get("/api/v1/situations/MMR/2017-09")
    assert situation.status_code == 200
    assert situation.json() == _json(api.situation("MMR", "2017-09"))

    assert plain.get("/api/v1/situations/MMR/2030-01").status_code == 404  # not covered
    assert plain.get("/api/v1/timeline/QQQ").status_code == 422
    reversed_window = {"from": "2018-01", "to": "2017-01"}
    assert plain.get("/api/v1/monitor/MMR", params=reversed_window).status_code == 422
    assert plain.get("/api/v1/monitor/MMR", params={"from": "2017-13"}).status_code == 422


def test_risk_forecast_route_mirrors_the_risk_api(
    plain: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from protect.risk.api import forecast

    monkeypatch.setenv("PROTECT_SOURCES", str(RISK_EXTRACT))
    response = plain.get("/api/v1/risk/forecast", params={"year": 2025})
    assert response.status_code == 200
    stored = response.json()
    assert stored["rows"] == _json(forecast(2025, model=stored["model"], sources=RISK_EXTRACT))
    assert stored["computed_at"] and len(stored["forecast_hash"]) == 64
    again = plain.get("/api/v1/risk/forecast", params={"year": 2025}).json()
    assert (again["id"], again["computed_at"]) == (stored["id"], stored["computed_at"])
    assert plain.get("/api/v1/risk/forecast", params={"year": 2199}).status_code == 422
    assert plain.get("/api/v1/risk/forecast", params={"year": "soon"}).status_code == 422


def test_releases_routes_list_show_and_an_admin_drops(
    client: TestClient, tokens: Any, database: Database
) -> None:
    from protect.monitor import api, releases

    report = api.ingest("ucdp", GED_SAMPLE, release="24.1")
    listed = client.get("/api/v1/releases")
    assert listed.status_code == 200
    assert listed.json() == _json(releases.list_releases())
    shown = client.get(f"/api/v1/releases/{report.release_id}")
    assert shown.status_code == 200 and shown.json()["coverage"][0]["country"] == "MMR"
    assert client.get("/api/v1/releases/99").status_code == 404
    url = f"/api/v1/releases/{report.release_id}"
    assert client.delete(url).status_code == 401
    assert client.delete(url, headers=tokens.header("analyst")).status_code == 403
    assert client.get("/api/v1/releases").json() != []  # refused drops changed nothing
    dropped = client.delete(url, headers=tokens.header("admin"))
    assert dropped.status_code == 200 and dropped.json()["events"] == 216
    assert client.get("/api/v1/releases").json() == []
    audit = client.get("/api/v1/audit", headers=tokens.header("admin")).json()
    entries = audit["items"] if isinstance(audit, dict) else audit
    assert any(e["action"] == "monitor.release.drop" and e["actor"] == "ada" for e in entries)
    assert api.ingest("ucdp", GED_SAMPLE, release="24.1").status == "loaded"


def test_admin1_and_geojson_routes_mirror_the_monitor_api(plain: TestClient) -> None:
    from protect.monitor import api

    api.ingest("ucdp", GED_SAMPLE)
    window = {"from": "2017-08", "to": "2017-09"}
    provinces = plain.get("/api/v1/monitor/MMR/admin1", params=window)
    assert provinces.status_code == 200
    assert provinces.json() == _json(api.monitor_admin1("MMR", "2017-08", "2017-09"))
    assert any(r["admin1"].startswith("Rakhine") for r in provinces.json())
    geo = plain.get("/api/v1/events/MMR/2017-08")
    assert geo.status_code == 200 and geo.json()["type"] == "FeatureCollection"
    assert geo.json() == _json(api.events_geojson("MMR", "2017-08"))
    assert plain.get("/api/v1/events/MMR/2030-01").status_code == 404
