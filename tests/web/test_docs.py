"""/docs works offline: the page and every file it loads come from this server."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_docs_loads_only_local_files_and_no_inline_script(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    urls = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert urls and all(u.startswith("/") for u in urls), urls
    assert "<script>" not in page.text.replace("<script src=", "")
    for url in urls:
        got = client.get(url)
        assert got.status_code == 200, url
    bundle = client.get("/docs-assets/swagger-ui-bundle.js")
    assert len(bundle.content) > 500_000 and b"SwaggerUIBundle" in bundle.content
    assert b'url: "/openapi.json"' in client.get("/static/swagger-init.js").content
    assert client.get("/redoc").status_code == 404
