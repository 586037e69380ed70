"""A real browser loads the pages: headless Chromium renders them from the running server.

Uses the Debian `chromium` binary directly (`--dump-dom` prints the DOM after the page loaded),
so no browser download or extra Python package is needed. Skipped when Chromium is absent.
"""

from __future__ import annotations

import shutil
import subprocess

import httpx
import pytest

from .conftest import Served

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (apt: chromium)")


def _load(url: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--enable-logging=stderr",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def _dom(url: str) -> str:
    return _load(url).stdout


def test_chromium_finds_nothing_the_content_security_policy_blocks(served: Served) -> None:
    """The browser enforces the CSP: a page with inline script or style would log a refusal."""
    for path in ("/", "/login", "/assess", "/kb/tensions"):
        result = _load(f"{served.base_url}{path}")
        assert "Content Security Policy" not in result.stderr, (path, result.stderr[-2000:])
        assert "</html>" in result.stdout


def test_chromium_renders_the_knowledge_base_and_login_pages(served: Served) -> None:
    tensions = httpx.get(f"{served.base_url}/api/v1/kb/tensions", timeout=30).json()
    dom = _dom(f"{served.base_url}/kb/tensions")
    assert "<h1>Tensions</h1>" in dom
    for tension in tensions:
        assert f'href="/kb/tensions/{tension["id"]}"' in dom
        assert tension["title"] in dom

    login = _dom(f"{served.base_url}/login")
    assert '<form method="post" action="/login">' in login
    assert 'name="token"' in login


def test_chromium_renders_the_monitor_page_with_its_chart(served: Served) -> None:
    from pathlib import Path

    from protect.monitor import api

    api.ingest("ucdp", Path(api.sample_path()))
    months = httpx.get(f"{served.base_url}/api/v1/timeline/MMR", timeout=30).json()
    dom = _dom(f"{served.base_url}/monitor/MMR")
    assert "<h1>Myanmar (MMR): monitor, 2016-01 to 2018-12</h1>" in dom
    svg = dom[dom.index("<svg") : dom.index("</svg>")]
    assert 'role="img"' in svg
    assert '<title id="monitor-chart-title">' in svg and '<desc id="monitor-chart-desc">' in svg
    assert svg.count('data-month="') == len(months) == 36
    alerts = [m["month"] for m in months if m["alert"]]
    assert svg.count("data-alert=") == len(alerts) > 0
