"""The web pages: login by name and token, then the same data as the JSON API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .conftest import PEACE, SUDAN_2004, Tokens, csrf_token


def _login(client: TestClient, name: str, token: str) -> None:
    form = {"name": name, "token": token, "csrf_token": csrf_token(client)}
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/assessments"
    cookie = response.headers["set-cookie"]
    assert "protect_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_pages_need_a_login_and_a_wrong_token_is_refused(
    client: TestClient, tokens: Tokens
) -> None:
    first = client.get("/assessments", follow_redirects=False)
    assert first.status_code == 303 and first.headers["location"] == "/login"
    bad = client.post(
        "/login", data={"name": "vic", "token": tokens.admin, "csrf_token": csrf_token(client)}
    )
    assert bad.status_code == 401
    assert "do not match" in bad.text


def test_assessment_pages_mirror_the_api(client: TestClient, tokens: Tokens) -> None:
    analyst = tokens.header("analyst")
    saved = client.post("/api/v1/assessments", json=[SUDAN_2004, PEACE], headers=analyst).json()
    client.post(
        f"/api/v1/assessments/{saved[0]['id']}/annotations",
        json={"text": "Seen by the desk officer."},
        headers=analyst,
    )
    api_ids = [i["id"] for i in client.get("/api/v1/assessments", headers=analyst).json()["items"]]

    _login(client, "vic", tokens.viewer)
    page = client.get("/assessments")
    assert page.status_code == 200
    page_ids = [int(x) for x in re.findall(r'href="/assessments/(\d+)"', page.text)]
    assert page_ids == api_ids

    detail = client.get(f"/assessments/{saved[0]['id']}")
    assert detail.status_code == 200
    assert "Stage: atrocity-crimes" in detail.text
    assert "Seen by the desk officer." in detail.text
    assert "vic (viewer)" in detail.text
    assert client.get("/assessments/999999").status_code == 404

    client.post("/logout", data={"csrf_token": csrf_token(client, "/")}, follow_redirects=False)
    again = client.get("/assessments", follow_redirects=False)
    assert again.status_code == 303


def test_revoking_a_user_ends_their_web_session(client: TestClient, tokens: Tokens) -> None:
    _login(client, "ana", tokens.analyst)
    assert client.get("/assessments").status_code == 200
    client.post("/api/v1/users/ana/revoke", headers=tokens.header("admin"))
    assert client.get("/assessments", follow_redirects=False).status_code == 303


def test_knowledge_base_pages_are_open_and_mirror_the_api(client: TestClient) -> None:
    index = client.get("/kb")
    assert index.status_code == 200
    tensions = client.get("/api/v1/kb/tensions").json()
    page = client.get("/kb/tensions")
    for tension in tensions:
        assert f'href="/kb/tensions/{tension["id"]}"' in page.text
    entry = client.get("/kb/instruments/rome-statute")
    assert entry.status_code == 200
    assert "Rome Statute" in entry.text
    assert client.get("/kb/instruments/nothing-here").status_code == 404
    assert client.get("/kb/recipes").status_code == 404
