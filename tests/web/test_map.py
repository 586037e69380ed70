"""The world map: its JSON twin, the page's SVG, legend, slider and ranked list, on the real
Myanmar (2016-2018) and Central African Republic (2013-2014) GED data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from protect.service.charts import LEVEL_COLOURS
from protect.service.worldmap import SHAPES, shapes

pytestmark = pytest.mark.usefixtures("events")


def _paths(html: str) -> dict[str, tuple[str, str, str]]:
    """data-country -> (data-level, title text, fill) of every linked country path."""
    found = {}
    for m in re.finditer(
        r'<a href="/country/([A-Z]{3})"><path class="country level-[a-z-]+" d="[^"]+" '
        r'fill="([^"]+)"[^>]* data-country="\1" data-level="([a-z-]+)"><title>([^<]*)</title>',
        html,
    ):
        found[m.group(1)] = (m.group(3), m.group(4), m.group(2))
    return found


def test_the_json_twin_ranks_as_the_alerts_route_and_lists_only_countries_with_data(
    client: TestClient,
) -> None:
    for month in ("2017-09", "2014-01", "2018-12"):
        got = client.get(f"/api/v1/map?month={month}").json()
        alerts = client.get(f"/api/v1/alerts?month={month}").json()
        listed = [c for c in got["countries"] if c["level"]]
        assert [(c["country"], c["level"], c["rank"], c["reason"]) for c in listed] == [
            (a["country"], a["level"], a["rank"], a["description"]) for a in alerts
        ]
        covered = {c["country"] for c in got["countries"]}
        # The data cover Myanmar from 2016 and the Central African Republic in 2013-2014 only.
        assert covered == ({"CAF"} if month.startswith("2014") else {"MMR"})
    sept = client.get("/api/v1/map?month=2017-09").json()
    assert sept["countries"][0]["level"] == "current-crisis"
    assert (sept["first_month"], sept["last_month"]) == ("2013-01", "2018-12")
    assert client.get("/api/v1/map").json()["month"] == "2018-12"
    bad = client.get("/api/v1/map?month=2017-9")
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "month"


def test_the_map_colours_alerts_greys_out_no_data_and_links_every_country(
    client: TestClient,
) -> None:
    page = client.get("/map?month=2017-09")
    assert page.status_code == 200
    html = page.text
    paths = _paths(html)
    level, title, fill = paths["MMR"]
    reason = client.get("/api/v1/map?month=2017-09").json()["countries"][0]["reason"]
    assert level == "current-crisis" and fill == LEVEL_COLOURS["current-crisis"]
    assert title == f"Myanmar (MMR): current-crisis. {reason}" and "1,000 civilians" in reason
    # CAR has data, but not in 2017: it is drawn as no data, like a country never ingested.
    assert paths["CAF"][0] == "no-data" and paths["FRA"][0] == "no-data"
    assert paths["CAF"][1].endswith(": no data")
    assert len(paths) == sum(1 for s in shapes() if s.iso3)
    legend = re.search(r'<ul class="map-legend".*?</ul>', html, re.S)
    assert legend is not None
    for label in (*LEVEL_COLOURS, "no alert", "no data"):
        assert f"</svg> {label}</li>" in legend.group(0)
    rows = re.findall(r'<tr data-country="([A-Z]{3})" data-level="([a-z-]+)">', html)
    assert rows == [("MMR", "current-crisis")]
    assert '<script src="/static/map.js" defer></script>' in html
    assert "<script>" not in html and " onclick=" not in html

    car = _paths(client.get("/map?month=2014-01").text)
    alerts = {a["country"]: a["level"] for a in client.get("/api/v1/alerts?month=2014-01").json()}
    assert car["CAF"][0] == alerts.get("CAF", "no-alert") and car["MMR"][0] == "no-data"


def test_the_slider_works_without_javascript_and_bad_months_are_named(
    client: TestClient,
) -> None:
    page = client.get("/map?month=2017-09").text
    slider = re.search(
        r'<input type="range" id="map-slider" name="m" min="(\d+)" max="(\d+)" '
        r'value="(\d+)"',
        page,
    )
    assert slider is not None
    lo, hi, value = (int(g) for g in slider.groups())
    assert (lo, hi, value) == (2013 * 12, 2018 * 12 + 11, 2017 * 12 + 8)
    # What the form sends when the Show button is pressed: the slider's month number.
    assert (
        _paths(client.get(f"/map?m={value - 8}").text)["MMR"][0]
        == _paths(client.get("/map?month=2017-01").text)["MMR"][0]
    )
    assert (
        'id="map-month-shown" for="map-slider">2017-01<' in client.get(f"/map?m={value - 8}").text
    )
    outside = client.get("/map?month=2030-01")
    assert outside.status_code == 200 and "outside the data" in outside.text
    assert {lvl for lvl, _t, _f in _paths(outside.text).values()} == {"no-data"}
    for query, field in (("month=2017-13", "month"), ("m=abc", "m")):
        bad = client.get(f"/map?{query}")
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("text/html")
        assert f"{field}: " in bad.text.lower()


def test_the_bundled_shapes_are_small_and_every_code_is_a_known_country() -> None:
    from protect.knowledge.countries import is_known

    assert SHAPES.stat().st_size < 100_000
    codes = [s.iso3 for s in shapes() if s.iso3]
    assert len(codes) >= 170 and all(is_known(c) for c in codes)
    myanmar = next(s for s in shapes() if s.iso3 == "MMR")
    lons = [p[0] for r in myanmar.rings for p in r]
    lats = [p[1] for r in myanmar.rings for p in r]
    assert 92 <= min(lons) < max(lons) <= 101.5 and 9.5 <= min(lats) < max(lats) <= 28.6


def test_the_map_with_nothing_ingested_says_how_to_ingest(client: TestClient, events: Path) -> None:
    events.unlink()
    page = client.get("/map")
    assert page.status_code == 404 and "protect ingest ucdp --sample" in page.text
