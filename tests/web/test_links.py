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
