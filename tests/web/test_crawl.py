"""A crawl of the whole site on the bundled data, as a newcomer finds it after `protect demo`
(the bundled GED sample ingested, an assessment saved) with the real risk extracts: from `/`,
every internal link (`href`, `src`, the `action` of GET forms) is followed breadth-first,
signed out and signed in as an admin, and none may answer an error.

Each route pattern (country codes, ids, months and years replaced) is visited at most
`PER_PATTERN` times (a PDF once), so every kind of page is reached while the crawl stays
short. An error is a 404 or a 5xx, or any other 4xx but the API's 401 to a page's JSON link
when signed in by the pages' cookie (the API takes tokens only)."""

from __future__ import annotations

import re
from collections import Counter, deque
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from protect.engine.documents import load_situations
from protect.service import assessments
from protect.service.roles import local_operator
from protect.storage import Database
from service.conftest import Tokens, csrf_token, tokens  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("events")

RISK = Path(__file__).parent.parent / "data" / "risk"
EXAMPLES = Path(__file__).parents[2] / "src" / "protect" / "examples"
PER_PATTERN = 5
LINK = re.compile(r'(?:href|src|action)="([^"]*)"')
# Not pages: a POST form's action (the crawl only follows GET), the Swagger UI's JavaScript.
SKIP = {"/logout", "/login#"}


def _pattern(url: str) -> str:
    parts = urlsplit(url)
    path = re.sub(r"/kb/([a-z]+)/[^/]+", r"/kb/\1/{id}", parts.path)
    path = re.sub(r"/[A-Z]{3}(?=/|$|\.)", "/{cc}", path)
    path = re.sub(r"/\d{4}-\d{2}(?=/|$)", "/{month}", path)
    path = re.sub(r"/\d+(?=/|$)", "/{n}", path)
    keys = sorted({k.split("=")[0] for k in parts.query.split("&") if k})
    return path + ("?" + "&".join(keys) if keys else "")


def _forms_posting(html: str) -> set[str]:
    return {
        unescape(m.group(1))
        for m in re.finditer(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html, re.I)
    }


def crawl(client: TestClient) -> tuple[dict[str, int], Counter[str]]:
    seen: dict[str, int] = {}
    visits: Counter[str] = Counter()
    queue = deque(["/"])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        pattern = _pattern(url)
        if visits[pattern] >= (1 if ".pdf" in pattern else PER_PATTERN):  # a PDF takes seconds
            continue
        visits[pattern] += 1
        response = client.get(url)
        seen[url] = response.status_code
        if not response.headers.get("content-type", "").startswith("text/html"):
            continue
        posting = _forms_posting(response.text)
        for raw in LINK.findall(response.text):
            link = unescape(raw).split("#")[0]
            if not link.startswith("/") or link.startswith("//") or link in posting:
                continue
            if link not in seen and link not in SKIP:
                queue.append(link)
    return seen, visits


def _error(url: str, status: int) -> bool:
    return status >= 400 and not (status == 401 and url.startswith("/api/"))


@pytest.fixture
def demo(database: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """What `protect demo` leaves behind, plus the risk sources."""
    monkeypatch.setenv("PROTECT_SOURCES", str(RISK))
    first = sorted(EXAMPLES.glob("*.yaml"))[0]
    (situation,), _ = load_situations(first.read_text(encoding="utf-8"))
    assessments.save(
        database, local_operator(), situation.model_dump(mode="json", exclude_none=True)
    )


@pytest.mark.usefixtures("demo")
def test_no_page_or_link_of_the_site_answers_an_error(
    client: TestClient,
    tokens: Tokens,  # noqa: F811 - the fixture, by name
) -> None:
    anonymous, visits = crawl(client)
    broken = {u: s for u, s in anonymous.items() if _error(u, s)}
    assert broken == {}, broken
    # Every kind of page was reached.
    for pattern in (
        "/map?month",
        "/map/risk",
        "/country/{cc}",
        "/country/{cc}/brief.pdf?month",
        "/risk",
        "/alerts",
        "/monitor/{cc}",
        "/situations/{cc}/{month}",
        "/kb/measures/{id}",
        "/kb/instruments/{id}",
        "/kb/actors/{id}",
        "/kb/search",
        "/assess",
        "/login",
        "/docs",
    ):
        assert visits[pattern] >= 1, (pattern, sorted(visits))

    form = {"name": "ada", "token": tokens.admin, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    signed_in, visits = crawl(client)
    broken = {u: s for u, s in signed_in.items() if _error(u, s)}
    assert broken == {}, broken
    assert visits["/assessments/{n}"] >= 1  # the saved assessment, reached from its country
    assert len(anonymous) > 100 and len(signed_in) > 100
