"""The Framework pages: a form per factor with its indicators, the ratings chart, suggestions
kept apart until accepted, errors shown at the factor, no script anywhere, and every form's
hidden fields from the one macro."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from protect.knowledge.foa import framework

from .conftest import Tokens

pytestmark = pytest.mark.usefixtures("data_home")

_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def _csrf(client: TestClient) -> str:
    """The CSRF token every page form carries: the value of the cookie the pages set."""
    if "protect_csrf" not in client.cookies:
        client.get("/login")
    return str(client.cookies["protect_csrf"])


def _login(client: TestClient, name: str, token: str) -> None:
    form = {"csrf_token": _csrf(client), "name": name, "token": token}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303


def _no_script(html: str) -> None:
    assert "<script" not in html.lower()
    assert not _HANDLER.search(html), _HANDLER.search(html)
    assert "javascript:" not in html.lower()


def _seen(html: str) -> str:
    found = re.search(r'name="seen_version" value="(\d+)"', html)
    assert found is not None
    return found.group(1)


def _section(html: str, factor: int) -> str:
    start = html.index(f'<section id="factor-{factor}"')
    return html[start : html.index("</section>", start)]


def test_the_form_page_per_factor_and_the_chart(client: TestClient, tokens: Tokens) -> None:
    assert client.get("/foa", follow_redirects=False).headers["location"] == "/login"
    _login(client, "ana", tokens.analyst)
    listing = client.get("/foa")
    assert listing.status_code == 200 and 'action="/foa"' in listing.text
    _no_script(listing.text)
    created = client.post(
        "/foa",
        data={"csrf_token": _csrf(client), "country": "mmr", "date": "2017-09-30"},
        follow_redirects=False,
    )
    assert created.status_code == 303
    url = created.headers["location"]
    page = client.get(url).text
    _no_script(page)
    fw = framework()
    for factor in fw.factors:
        section = _section(page, factor.number)
        assert f'action="{url}/factors/{factor.number}"' in section
        assert section.count("<li value=") == len(factor.indicators)
        assert factor.indicators[-1].text in section
        assert factor.citation.pinpoint in section
    svg = page[page.index("<svg") : page.index("</svg>")]
    assert svg.count('<g class="cell') == 14 and 'role="img"' in svg
    # Every form that changes this assessment carries the hidden fields of the shared macro.
    forms = re.findall(rf'<form method="post" action="{url}[^"]*"[^>]*>(.*?)</form>', page, re.S)
    assert len(forms) == 14 + 2  # a form per factor, suggest, submit
    token = f'name="csrf_token" value="{_csrf(client)}"'
    assert all('name="seen_version"' in f and token in f for f in forms)

    suggested = client.post(
        f"{url}/suggest",
        data={"csrf_token": _csrf(client), "seen_version": _seen(page)},
        follow_redirects=False,
    )
    assert suggested.status_code == 303
    page = client.get(url).text
    section = _section(page, 11)
    assert "Machine-made suggestion: high" in section and "Accept the suggestion" in section
    assert 'data-factor="11" data-rating="" data-suggested="high"' in page
    accepted = client.post(
        f"{url}/factors/11",
        data={"csrf_token": _csrf(client), "seen_version": _seen(page), "accept": "true"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303 and accepted.headers["location"] == f"{url}#factor-11"
    page = client.get(url).text
    assert 'data-factor="11" data-rating="high"' in page
    assert "accepted the machine-made suggestion" in _section(page, 11)

    bad = client.post(
        f"{url}/factors/4",
        data={
            "csrf_token": _csrf(client),
            "seen_version": _seen(page),
            "rating": "moderate",
            "reasoning": "Group framed as a threat",
            "evidence-0-what": "Officials call them illegal immigrants",
            "evidence-0-source": "FFM report",
            "evidence-0-date": "2018-13",
        },
    )
    assert bad.status_code == 422
    section = _section(bad.text, 4)
    assert "is not a date written YYYY, YYYY-MM or YYYY-MM-DD" in section
    assert "Group framed as a threat" in section  # what was typed is kept
    good = client.post(
        f"{url}/factors/4",
        data={
            "csrf_token": _csrf(client),
            "seen_version": _seen(page),
            "rating": "moderate",
            "reasoning": "Group framed as a threat",
            "evidence-0-what": "Officials call them illegal immigrants",
            "evidence-0-source": "FFM report",
            "evidence-0-date": "2018-08",
            "evidence-1-what": "",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    stale = client.post(
        f"{url}/factors/5",
        data={"csrf_token": _csrf(client), "seen_version": _seen(page), "rating": "low"},
    )
    assert stale.status_code == 409 and "reload it" in stale.text
    page = client.get(url).text
    assert "Officials call them illegal immigrants (FFM report, 2018-08)" in _section(page, 4)

    filtered = client.get("/foa?country=bdi").text
    assert f'href="{url}"' not in filtered and 'href="/foa/history/BDI"' in filtered
    assert f'href="{url}"' in client.get("/foa?country=MMR").text
    assert client.get("/foa?country=12").status_code == 422

    pdf = client.get(f"{url}/export?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    history = client.get("/foa/history/MMR").text
    _no_script(history)
    assert 'id="foa-history-chart-title"' in history and f'href="{url}"' in history


def test_a_viewer_reads_without_forms_and_a_reviewer_gets_the_review_form(
    client: TestClient, tokens: Tokens
) -> None:
    analyst = tokens.header("analyst")
    foa_id = client.post(
        "/api/v1/foa", json={"country": "BDI", "date": "2015-11-30"}, headers=analyst
    ).json()["id"]
    ratings = [{"factor": n, "rating": "unknown"} for n in range(1, 15)]
    client.post(f"/api/v1/foa/{foa_id}/ratings", json={"ratings": ratings}, headers=analyst)
    client.post(f"/api/v1/foa/{foa_id}/submit", json={"note": "see factor 7"}, headers=analyst)

    _login(client, "vic", tokens.viewer)
    page = client.get(f"/foa/{foa_id}").text
    assert 'class="rate-form"' not in page and 'id="review-form"' not in page
    assert "see factor 7" in page

    _login(client, "ana", tokens.analyst)
    assert 'id="review-form"' not in client.get(f"/foa/{foa_id}").text  # the submitter

    _login(client, "ada", tokens.admin)
    page = client.get(f"/foa/{foa_id}").text
    assert 'id="review-form"' in page
    missing = client.post(
        f"/foa/{foa_id}/review",
        data={"csrf_token": _csrf(client), "seen_version": _seen(page), "decision": "return"},
    )
    assert missing.status_code == 422 and "needs a comment" in missing.text
    done = client.post(
        f"/foa/{foa_id}/review",
        data={
            "csrf_token": _csrf(client),
            "seen_version": _seen(page),
            "decision": "return",
            "comment": "Rate factor 1.",
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "ada (return): Rate factor 1." in client.get(f"/foa/{foa_id}").text
