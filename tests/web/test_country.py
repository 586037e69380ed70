"""The country page and its JSON twin on the real Myanmar GED sample: alert and reason, chart,
the assessment summary of the derived situation, coverage; 404 page and "no data"."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("events")


def test_the_json_twin_agrees_with_the_monitor_routes(client: TestClient) -> None:
    view = client.get("/api/v1/country/mmr?month=2017-09").json()
    situation = client.get("/api/v1/situations/MMR/2017-09").json()
    timeline = client.get("/api/v1/timeline/MMR").json()
    assert (view["country"], view["name"], view["has_data"]) == ("MMR", "Myanmar", True)
    assert view["summary"] == situation["assessment"]["summary"]
    assert view["stage"] == situation["assessment"]["stage"] == "atrocity-crimes"
    assert view["alert"] == {
        "month": "2017-09",
        "level": situation["alert"]["level"],
        "rule": situation["alert"]["rule"],
        "reason": situation["alert"]["description"],
    }
    # 2016-01 to 2017-09: 21 months, each with the monitor's figures and alert.
    assert [m["month"] for m in view["months"]] == [
        t["month"] for t in timeline if t["month"] <= "2017-09"
    ]
    sept = next(t for t in timeline if t["month"] == "2017-09")
    assert view["months"][-1]["one_sided"] == sept["deaths_best"]["one-sided"]
    # Stores whose records carry the release name it; the sample is one release throughout.
    release = timeline[0].get("release")
    label = "UCDP GED" + (f" (release {release})" if release else "")
    assert {t.get("release") for t in timeline} == {release}
    assert [c["words"] for c in view["coverage"]] == [f"{label}, 2016-01 to 2018-12"]


def test_a_month_without_an_alert_shows_the_latest_alert_before_it(client: TestClient) -> None:
    view = client.get("/api/v1/country/MMR").json()
    timeline = client.get("/api/v1/timeline/MMR").json()
    assert view["month"] == "2018-12" and view["alert"] is None
    last = [t for t in timeline if t["alert"]][-1]
    assert view["latest_alert"]["month"] == last["month"]
    assert view["latest_alert"]["reason"] == last["alert"]["description"]
    page = client.get("/country/MMR").text
    assert "No alert in 2018-12" in page and f"The latest alert before it: {last['month']}" in page


def test_the_page_shows_name_alert_chart_summary_links_and_provenance(
    client: TestClient,
) -> None:
    view = client.get("/api/v1/country/MMR?month=2017-09").json()
    page = client.get("/country/MMR?month=2017-09")
    assert page.status_code == 200
    html = page.text
    assert '<h1>Myanmar <span class="code">(MMR)</span></h1>' in html
    assert 'data-alert="current-crisis"' in html and view["alert"]["reason"] in html
    chart = html[html.index('<svg xmlns="http://www.w3.org/2000/svg" role="img"') :]
    chart = chart[: chart.index("</svg>")]
    assert chart.count('data-month="') == len(view["months"]) == 21
    first = view["summary"]["open_measures"][0]
    assert f'<li data-open-measure="{first["id"]}"><strong>{first["title"]}</strong>' in html
    for link in (
        "/situations/MMR/2017-09",
        "/monitor/MMR",
        "/risk",
        "/map?month=2017-09",
        "/country/MMR/brief.pdf?month=2017-09",
        "/api/v1/country/MMR?month=2017-09",
    ):
        assert f'href="{link}"' in html, link
    assert "Download briefing (PDF)" in html
    assert f"<li>{view['coverage'][0]['words']}</li>" in html
    assert view["coverage"][0]["words"].endswith("2016-01 to 2018-12")


def test_an_unknown_code_is_an_html_404_and_a_known_country_without_data_says_so(
    client: TestClient,
) -> None:
    page = client.get("/country/XYZ")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "not an ISO 3166-1 alpha-3 code" in page.text and "<nav>" in page.text
    assert client.get("/api/v1/country/XYZ").status_code == 404
    assert client.get("/api/v1/country/XY1").status_code == 422
    france = client.get("/country/FRA")
    assert france.status_code == 200 and "data-no-data" in france.text
    assert re.search(r"No data: the conflict-event data ingested do not cover France", france.text)
    assert 'id="country-chart-title"' not in france.text  # no monthly chart without data
    api = client.get("/api/v1/country/FRA").json()
    assert (api["has_data"], api["summary"], api["months"]) == (False, None, [])
    outside = client.get("/country/MMR?month=2030-01")
    assert outside.status_code == 404 and "No panel data for MMR in 2030-01" in outside.text
    assert client.get("/country/MMR?month=2030-13").status_code == 422
