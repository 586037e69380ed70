"""Every link on the map and country pages leads somewhere: no 404 and no 500."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("events")

RISK = Path(__file__).parent.parent / "data" / "risk"


def test_no_link_from_the_map_or_a_country_page_is_broken(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROTECT_SOURCES", str(RISK))  # the real risk extracts, for /risk
    start = [
        "/map?month=2017-09",
        "/map?month=2014-01",
        "/country/MMR?month=2017-09",
        "/country/CAF",
    ]
    seen: dict[str, int] = {}
    for page in start:
        html = client.get(page).text
        for href in re.findall(r'href="(/[^"#]*)"', html):
            href = href.replace("&amp;", "&")
            if href in seen or href in ("/logout",):
                continue
            seen[href] = client.get(href).status_code
    broken = {h: s for h, s in seen.items() if s >= 400}
    assert broken == {}
    countries = [h for h in seen if re.fullmatch(r"/country/[A-Z]{3}", h)]
    assert len(countries) > 170  # every country on the map is linked, with or without data


def test_an_unknown_page_is_the_html_404_page_and_the_api_keeps_json(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "There is no page at /no/such/page" in page.text and '<a href="/map">' in page.text
    api = client.get("/api/v1/no-such-route")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    assert client.get("/static/nothing.js").status_code == 404
    assert client.post("/map").status_code == 405  # other statuses are unchanged
