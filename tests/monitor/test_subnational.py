"""Below the country (decision 029): places kept with the events, the admin-1 panel, GeoJSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from protect.monitor import api
from protect.monitor.ingest import ingest

from .helpers import query, read_rows


@pytest.fixture
def car(db: Path, data: Path) -> Path:
    ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=db)
    return db


def test_events_keep_coordinates_and_provinces(db: Path, data: Path) -> None:
    rows = read_rows(data / "ged231_car_2013_2014.csv")
    ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=db)
    stored = {
        r[0]: r[1:]
        for r in query(db, "SELECT event_id, latitude, longitude, admin1, admin2 FROM events")
    }
    for r in rows[:50]:
        lat, lon, adm1, adm2 = stored[r["id"]]
        assert (lat, lon) == (float(r["latitude"]), float(r["longitude"]))
        assert (adm1 or "", adm2 or "") == (r["adm_1"], r["adm_2"])
    acled = read_rows(data / "acled_2022h1_sample.csv")
    ingest("acled", data / "acled_2022h1_sample.csv", db_path=db)
    first = next(r for r in acled if r["event_type"] == "Violence against civilians")
    got = query(
        db, "SELECT latitude, longitude, admin1 FROM events WHERE event_id = ?",
        [first["event_id_cnty"]],
    )  # fmt: skip
    assert got == [(float(first["latitude"]), float(first["longitude"]), first["admin1"])]


def test_provinces_add_up_to_the_country(car: Path, data: Path) -> None:
    national = {r.month: r for r in api.monitor("CAF", "2013-01", "2014-12", db_path=car)}
    provinces = api.monitor_admin1("CAF", "2013-01", "2014-12", db_path=car)
    assert len({p.admin1 for p in provinces}) > 10
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0, 0.0])
    for p in provinces:
        s = sums[p.month]
        s[0] += p.deaths_best.state_based
        s[1] += p.deaths_best.non_state
        s[2] += p.deaths_best.one_sided
        s[3] += p.deaths_civilians
        s[4] += p.events
        assert p.release_id == national[p.month].release_id
    assert set(sums) == set(national)
    for month, s in sums.items():
        n = national[month]
        want = [n.deaths_best.state_based, n.deaths_best.non_state, n.deaths_best.one_sided,
                n.deaths_civilians, n.events]  # fmt: skip
        # Each province figure is rounded to 2 decimals: at most 0.005 off each.
        assert s == pytest.approx(want, abs=0.1), month
    # Events placed no closer than the country (where_prec 6-7) are not given a province.
    coarse = query(car, "SELECT count(*) FROM events WHERE where_prec > 4")[0][0]
    imprecise = sum(p.events for p in provinces if p.admin1 == "(imprecise)")
    assert imprecise == coarse


def test_geojson_of_a_country_month(car: Path, data: Path) -> None:
    doc = api.events_geojson("CAF", "2014-01", db_path=car)
    dumped = json.loads(doc.model_dump_json())
    assert dumped["type"] == "FeatureCollection"
    starting = [r for r in read_rows(data / "ged231_car_2013_2014.csv")
                if r["date_start"].startswith("2014-01")]  # fmt: skip
    assert len(dumped["features"]) == len(starting) > 50
    by_id = {r["id"]: r for r in starting}
    for f in dumped["features"]:
        r = by_id[f["properties"]["event_id"]]
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Point"
        assert f["geometry"]["coordinates"] == [float(r["longitude"]), float(r["latitude"])]
        assert f["properties"]["best"] == float(r["best"])
    assert dumped["properties"]["release_id"] == 1
    with pytest.raises(api.NoDataError):
        api.events_geojson("CAF", "2030-01", db_path=car)


def test_cli_by_admin1_and_events_export(tmp_path: Path, data: Path) -> None:
    env = {**os.environ, "PROTECT_HOME": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "protect.cli.main", *args],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    assert run("ingest", "ucdp", str(data / "ged231_car_2013_2014.csv")).returncode == 0
    by = run("monitor", "CAF", "--from", "2014-01", "--to", "2014-01", "--by", "admin1",
             "--format", "json")  # fmt: skip
    assert by.returncode == 0, by.stderr
    names = {r["admin1"] for r in json.loads(by.stdout)}
    assert "Bangui province" in names
    text = run("monitor", "CAF", "--from", "2014-01", "--to", "2014-01", "--by", "admin1")
    assert text.returncode == 0 and "Bangui province" in text.stdout
    out = tmp_path / "caf.geojson"
    done = run("events", "CAF", "2014-01", "--out", str(out))
    assert done.returncode == 0 and "events written" in done.stdout
    assert json.loads(out.read_text())["type"] == "FeatureCollection"
    assert run("events", "CAF", "2030-01").returncode == 3
