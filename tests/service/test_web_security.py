"""Issue 16, item 11: every form that POSTs carries a CSRF token and a cross-site POST is refused
(login and logout included); every answer carries the security headers, and the pages hold no
inline script or style for the Content-Security-Policy to allow."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from protect.server import create_app
from protect.storage import Database

from .conftest import Tokens, csrf_token

PAGES = (
    "/",
    "/login",
    "/kb",
    "/kb/tensions",
    "/kb/tensions/no-such-entry",
    "/assess",
    "/assessments/1",
)


def _login_form(client: TestClient, tokens: Tokens, token: str | None) -> dict[str, str]:
    form = {"name": "vic", "token": tokens.viewer}
    if token is not None:
        form["csrf_token"] = token
    return form


@pytest.mark.parametrize("token", [None, "", "forged-token-of-the-right-length-000000000000"])
def test_login_without_the_pages_token_is_refused(
    client: TestClient, tokens: Tokens, token: str | None
) -> None:
    """Login CSRF: another site's form posting the attacker's name and token."""
    csrf_token(client)  # the browser has visited the site: it holds a CSRF cookie
    response = client.post(
        "/login", data=_login_form(client, tokens, token), follow_redirects=False
    )
    assert response.status_code == 403
    assert "did not come from a page of this site" in response.text
    assert "protect_session" not in response.headers.get("set-cookie", "")


def test_login_from_another_origin_is_refused_even_with_a_token(
    client: TestClient, tokens: Tokens
) -> None:
    form = _login_form(client, tokens, csrf_token(client))
    for headers in (
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
    ):
        refused = client.post("/login", data=form, headers=headers, follow_redirects=False)
        assert refused.status_code == 403, headers
    same = client.post(
        "/login", data=form, headers={"Origin": "http://testserver"}, follow_redirects=False
    )
    assert same.status_code == 303


def test_a_token_from_another_browser_is_refused(database: Database, tokens: Tokens) -> None:
    app = create_app(database)
    with TestClient(app) as mine, TestClient(app) as theirs:
        their_token = csrf_token(theirs)
        csrf_token(mine)
        response = mine.post(
            "/login", data=_login_form(mine, tokens, their_token), follow_redirects=False
        )
        assert response.status_code == 403


def test_logout_needs_the_token(client: TestClient, tokens: Tokens) -> None:
    login = client.post(
        "/login", data=_login_form(client, tokens, csrf_token(client)), follow_redirects=False
    )
    assert login.status_code == 303
    forced = client.post("/logout", follow_redirects=False)
    assert forced.status_code == 403
    assert client.get("/assessments", follow_redirects=False).status_code == 200  # still in
    page = client.get("/")
    assert 'action="/logout"' in page.text and 'name="csrf_token"' in page.text
    out = client.post(
        "/logout", data={"csrf_token": csrf_token(client, "/")}, follow_redirects=False
    )
    assert out.status_code == 303
    assert client.get("/assessments", follow_redirects=False).status_code == 303


def test_assess_form_needs_the_token(client: TestClient) -> None:
    form = {"country": "NOR", "date": "2010-01-01", "armed_conflict": "none"}
    assert client.post("/assess", data={**form, "state_role": "protecting"}).status_code == 403
    token = csrf_token(client, "/assess")
    ok = client.post("/assess", data={**form, "state_role": "protecting", "csrf_token": token})
    assert ok.status_code == 200 and "Stage: peace" in ok.text


def test_the_csrf_cookie_is_strict_and_httponly(client: TestClient) -> None:
    cookie = client.get("/login").headers["set-cookie"]
    assert "protect_csrf=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    # Set once: later pages reuse the browser's token.
    assert "set-cookie" not in client.get("/kb").headers


@pytest.mark.parametrize(
    "path", [*PAGES, "/no-such-page", "/api/v1/kb", "/api/v1/assessments", "/openapi.json"]
)
def test_security_headers_on_every_answer(client: TestClient, path: str) -> None:
    response = client.get(path)
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["frame-ancestors"] == "'none'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", PAGES)
def test_pages_hold_no_inline_script_or_style(client: TestClient, path: str) -> None:
    html = client.get(path).text
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert not re.search(r"<script(?![^>]*\bsrc=)", html, re.I)
    assert not re.search(r"<style|\sstyle=|\son[a-z]+=", html, re.I)
    assert '<link rel="stylesheet" href="/static/protect.css">' in html


def test_the_api_docs_page_runs_no_inline_script(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert not re.search(r"<script(?![^>]*\bsrc=)", docs.text, re.I)
    assert '<script src="/static/swagger-init.js"></script>' in docs.text
    script_src = next(
        d for d in docs.headers["content-security-policy"].split(";") if "script-src" in d
    )
    assert "unsafe-inline" not in script_src and "'self'" in script_src
    assert "frame-ancestors 'none'" in docs.headers["content-security-policy"]
    init = client.get("/static/swagger-init.js")
    assert init.status_code == 200 and "javascript" in init.headers["content-type"]
    assert "/openapi.json" in init.text
    css = client.get("/static/protect.css")
    assert css.status_code == 200 and "svg.chart" in css.text


def test_every_page_that_takes_a_post_refuses_one_without_the_token(
    database: Database, client: TestClient
) -> None:
    """The check sits on the pages router, so a page form added later is covered as well."""
    from fastapi.routing import APIRoute

    def routes(found: list[object]) -> list[APIRoute]:
        """Every route, inside the routers included as routers too (FastAPI 0.165 keeps them)."""
        out: list[APIRoute] = []
        for route in found:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                out += routes(list(inner.routes))
            elif isinstance(route, APIRoute):
                out.append(route)
        return out

    app = create_app(database)
    posts = [
        r.path
        for r in routes(list(app.routes))
        if "POST" in r.methods and not r.path.startswith("/api/")
    ]
    assert {"/login", "/logout", "/assess", "/foa"} <= set(posts)
    csrf_token(client)
    for path in posts:
        url = re.sub(r"\{[^}]+\}", "1", path)
        response = client.post(url, data={"csrf_token": "not-the-cookie"})
        assert response.status_code == 403, (path, response.status_code)
        assert "did not come from a page of this site" in response.text
