"""A real browser fills in the Framework form: Playwright drives Debian's Chromium (no browser
download) against the app served by uvicorn on loopback. Skipped when either is missing."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from .conftest import Served, Tokens

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
playwright_api = pytest.importorskip("playwright.sync_api")

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt: chromium)"),
    pytest.mark.usefixtures("data_home"),
]


@pytest.fixture
def page() -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            tab = browser.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda exc: errors.append(str(exc)))
            # Any failed load but the favicon (the app serves none) is a broken page.
            tab.on(
                "response",
                lambda r: (
                    errors.append(f"{r.status} {r.url}")
                    if r.status >= 400 and not r.url.endswith("/favicon.ico")
                    else None
                ),
            )
            yield tab
            assert errors == []
        finally:
            browser.close()


def test_an_analyst_fills_in_the_form_in_a_browser(
    served: Served, tokens: Tokens, page: Any, database: Any
) -> None:
    base = served.base_url
    page.goto(f"{base}/login")
    page.fill('input[name="name"]', "ana")
    page.fill('input[name="token"]', tokens.analyst)
    page.click('main button[type="submit"]')  # not the nav's search
    page.wait_for_url(f"{base}/assessments")

    page.goto(f"{base}/foa")
    page.fill('#new-foa input[name="country"]', "MMR")
    page.fill('#new-foa input[name="date"]', "2017-09-30")
    page.click('#new-foa button[type="submit"]')
    page.wait_for_url(re.compile(rf"{re.escape(base)}/foa/\d+$"))
    url = page.url
    assert page.locator("section.factor").count() == 14
    assert page.locator("#factor-9 ol.indicators li").count() == 6

    page.click("#suggest-form button")
    page.wait_for_load_state()
    assert (
        page.locator("#factor-11 .suggestion")
        .inner_text()
        .startswith("Machine-made suggestion: high")
    )
    page.click("#factor-11 .accept-form button")
    page.wait_for_url(f"{url}#factor-11")
    assert page.locator("#factor-11 .rating").inner_text() == "high"

    form = page.locator("#factor-4 form.rate-form")
    form.locator('select[name="rating"]').select_option("moderate")
    form.locator('textarea[name="reasoning"]').fill("The group is portrayed as a threat.")
    form.locator('input[name="evidence-0-what"]').fill("Officials call them illegal immigrants")
    form.locator('input[name="evidence-0-source"]').fill("FFM report A/HRC/39/64")
    form.locator('input[name="evidence-0-date"]').fill("2018-08")
    form.locator('button[type="submit"]').click()
    page.wait_for_url(f"{url}#factor-4")
    assert page.locator("#factor-4 .rating").inner_text() == "moderate"
    assert "Officials call them illegal immigrants" in page.locator("#factor-4").inner_text()
    cell = page.locator('svg.foa-chart g.cell[data-factor="4"]')
    assert cell.get_attribute("data-rating") == "moderate"
    # The chart still shows factor 1's suggestion as machine-made, not as a rating.
    first = page.locator('svg.foa-chart g.cell[data-factor="1"]')
    assert (
        first.get_attribute("data-rating") == "" and first.get_attribute("data-suggested") == "high"
    )

    from protect.service import foa
    from protect.service.roles import Principal

    foa_id = int(url.rsplit("/", 1)[1])
    stored = foa.get(database, Principal("vic", "viewer"), foa_id)
    assert stored.factors[3].rating == "moderate" and stored.factors[3].rated_by == "ana"
    assert stored.factors[3].evidence[0].source == "FFM report A/HRC/39/64"
