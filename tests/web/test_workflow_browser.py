"""The assessment workflow in a real browser at desktop (1280 px) and phone (390 px) width: log
in as an analyst, walk the wizard step by step, assess, save, re-assess, annotate and compare
two versions, never scrolling sideways. Playwright drives Debian's Chromium (no browser
download) against the app served by uvicorn on loopback; requests to other hosts are refused.

Set PROTECT_SCREENSHOTS=DIR to save the wizard screenshots committed under docs/screenshots/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from protect.service import users
from protect.service.roles import local_operator
from protect.storage import Database

from .conftest import Served
from .test_browser import CHROMIUM, OVERFLOW, WIDTHS, _shoot, _tab, browser  # noqa: F401

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt: chromium)")


def _no_sideways(tab: Any, where: str, size: str) -> None:
    assert tab.evaluate(OVERFLOW), f"{where} scrolls sideways at {size} width"


def _next(tab: Any, expected: str) -> None:
    tab.get_by_role("button", name="Next", exact=True).click()
    tab.locator(f'fieldset[data-step="{expected}"]').wait_for()


@pytest.mark.parametrize("size", WIDTHS)
def test_wizard_save_reassess_annotate_compare(
    served: Served,
    database: Database,
    browser: Any,  # noqa: F811 - the fixture, by name
    size: str,
) -> None:
    token = users.add_user(database, local_operator(), "ana", "analyst").token
    base = served.base_url
    errors: list[str] = []
    tab = _tab(browser, base, *WIDTHS[size], errors)

    tab.goto(f"{base}/login")
    tab.get_by_label("Name").fill("ana")
    tab.get_by_label("Token").fill(token)
    tab.get_by_role("button", name="Log in").click()
    tab.wait_for_url(f"{base}/assessments")

    tab.get_by_role("link", name="Assess", exact=True).click()
    tab.locator('fieldset[data-step="where"]').wait_for()
    # The country is chosen by its name; the help under each field comes from the model.
    tab.locator("#f-country").select_option(label="Sudan (SDN)")
    tab.get_by_label("As of").fill("2004-07-01")
    tab.get_by_label("Name (optional)").fill("Darfur")
    assert tab.locator("#help-date").inner_text().startswith("The day the assessment is made")
    _no_sideways(tab, "the wizard's first step", size)
    _next(tab, "crimes")
    tab.locator('select[name="atrocities.crimes-against-humanity"]').select_option("ongoing")
    tab.locator('input[name="committed.crimes-against-humanity.from"]').fill("2003-04-25")
    _shoot(tab, f"wizard-{size}")
    _no_sideways(tab, "the crimes step", size)
    _next(tab, "conflict")
    tab.locator("#f-armed_conflict").select_option("non-international")
    tab.locator("#f-state_role").select_option("perpetrator")
    tab.locator("#f-perpetrators").fill("non-state, Janjaweed, SDN")
    _next(tab, "harm")
    tab.locator('select[name="civilian_harm.displacement"]').select_option("widespread")
    _next(tab, "council")
    tab.get_by_label("The Security Council is seized of the situation").check()
    _next(tab, "in_place")
    tab.get_by_label("Commission of inquiry", exact=False).first.check()
    _no_sideways(tab, "the measures step", size)
    _next(tab, "review")
    review = tab.locator("dl.review").inner_text()
    assert "Sudan (SDN), as of 2004-07-01" in review
    assert "crimes-against-humanity: ongoing (2003-04-25 to now)" in review
    _no_sideways(tab, "the review step", size)

    tab.get_by_role("button", name="Assess", exact=True).click()
    tab.locator("#result").wait_for()
    assert tab.locator("#result h2").first.inner_text().startswith("Assessment of Darfur")
    assert tab.locator("#result [data-summary]").count() == 1
    _no_sideways(tab, "the assessment", size)

    tab.get_by_role("button", name="Save", exact=True).click()
    tab.wait_for_url(re.compile(r"/assessments/\d+$"))
    first = tab.url
    assert tab.locator("h1").inner_text() == "Darfur as of 2004-07-01"
    _no_sideways(tab, "the saved assessment", size)

    tab.get_by_role("button", name="Re-assess with today's rules").click()
    tab.wait_for_url(re.compile(r"/assessments/\d+$"))
    assert tab.url != first
    assert tab.locator('tr.current[data-version="2"]').count() == 1

    tab.get_by_label("Add a note to version 2").fill("Rules unchanged; nothing moved.")
    tab.get_by_role("button", name="Add note").click()
    tab.wait_for_url(re.compile(r"/assessments/\d+#annotations$"))
    assert "Rules unchanged; nothing moved." in tab.locator("ul.notes").inner_text()

    tab.get_by_role("link", name="with 1").click()
    tab.wait_for_url(re.compile(r"/diff\?from=1&to=2$"))
    assert "Nothing: the two versions hold the same facts" in tab.locator("main").inner_text()

    # Change a fact of version 2 in the wizard and save the result as version 3.
    tab.get_by_role("link", name="Back to version 2").click()
    tab.get_by_role("link", name="change the facts and re-assess").click()
    tab.locator('fieldset[data-step="review"]').wait_for()
    tab.locator('button[value="to:harm"]').click()
    tab.locator('select[name="civilian_harm.denial-of-humanitarian-access"]').select_option(
        "widespread"
    )
    tab.get_by_role("button", name="Assess now").click()
    tab.locator("#result").wait_for()
    tab.get_by_role("button", name="Save as the next version of this case").click()
    tab.wait_for_url(re.compile(r"/assessments/\d+$"))
    assert tab.locator('tr.current[data-version="3"]').count() == 1

    tab.get_by_role("link", name="with 2").click()
    tab.wait_for_url(re.compile(r"/diff\?from=2&to=3$"))
    assert tab.locator("section.version").count() == 2
    changed = tab.locator('tr[data-path="situation.civilian_harm.denial-of-humanitarian-access"]')
    assert changed.locator("del").inner_text() == "none"
    assert changed.locator("ins").inner_text() == "widespread"
    _shoot(tab, f"compare-{size}")
    _no_sideways(tab, "the comparison", size)
    if size == "desktop":  # the two versions stand side by side
        left, right = (tab.locator("section.version").nth(i).bounding_box() for i in (0, 1))
        assert left is not None and right is not None and left["x"] < right["x"]
        assert abs(left["y"] - right["y"]) < 1
    assert errors == []
