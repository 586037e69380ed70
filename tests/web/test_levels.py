"""The pages take the alert levels' colours from their one definition."""

from __future__ import annotations

from fastapi.testclient import TestClient

from protect.knowledge import levels


def test_the_pages_link_the_level_colours_and_they_are_served(client: TestClient) -> None:
    answer = client.get("/levels.css")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/css")
    assert answer.text == levels.css()
    assert '<link rel="stylesheet" href="/levels.css">' in client.get("/").text
