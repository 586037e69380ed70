"""Hostile JSON bodies and form fields against the API and the pages, in process with
FastAPI's TestClient, on SQLite and on PostgreSQL: every answer is a 2xx or a 4xx with a JSON
(or page) error, never a 500 or a traceback, and no request grows the process's peak resident
memory by more than `GROWTH_LIMIT_KB`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protect.server import create_app
from protect.storage import Database

from .limits import peak_rss_kb, reset_peak
from .strategies import VALID, hostile_json

GROWTH_LIMIT_KB = 256_000
FUZZ = settings(
    max_examples=100,
    deadline=dt.timedelta(seconds=20),
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database), raise_server_exceptions=False) as c:
        yield c


def _bounded_post(client: TestClient, url: str, **kwargs: object) -> tuple[int, str, int]:
    """POST and return (status, body, growth of peak RSS in kB)."""
    reset_peak()
    before = peak_rss_kb()  # the resident memory now
    response = client.post(url, **kwargs)  # type: ignore[arg-type]
    growth = peak_rss_kb() - before
    return response.status_code, response.text, growth


def _check_json_answer(status: int, body: str, growth: int, allowed: set[int]) -> None:
    assert status in allowed, (status, body[:500])
    assert "Traceback" not in body
    assert growth < GROWTH_LIMIT_KB, growth
    if status >= 400:
        detail = json.loads(body)["detail"]
        assert detail, body[:500]
        assert len(body) < 200_000


def test_hostile_json_on_the_situation_routes(client: TestClient, tokens: object) -> None:
    headers = {**tokens.header("analyst"), "content-type": "application/json"}  # type: ignore[attr-defined]
    saved = client.post("/api/v1/assessments", json=VALID, headers=headers)
    assert saved.status_code == 201
    reassess = f"/api/v1/assessments/{saved.json()['id']}/reassess"

    @FUZZ
    @given(body=hostile_json())
    def run(body: bytes) -> None:
        for url, ok in (
            ("/api/v1/assess", 200),
            ("/api/v1/assessments", 201),
            (reassess, 201),
        ):
            status, text, growth = _bounded_post(client, url, content=body, headers=headers)
            _check_json_answer(status, text, growth, {ok, 413, 422, 429})

    run()


def test_hostile_json_on_the_other_write_routes(client: TestClient, tokens: object) -> None:
    admin = {**tokens.header("admin"), "content-type": "application/json"}  # type: ignore[attr-defined]
    saved = client.post("/api/v1/assessments", json=VALID, headers=admin)
    note = f"/api/v1/assessments/{saved.json()['id']}/annotations"

    @FUZZ
    @given(body=hostile_json(), url=st.sampled_from([note, "/api/v1/users"]))
    def run(body: bytes, url: str) -> None:
        status, text, growth = _bounded_post(client, url, content=body, headers=admin)
        _check_json_answer(status, text, growth, {201, 400, 409, 413, 422, 429})

    run()


form_text = st.one_of(
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
    st.builds(lambda n: "x" * n, st.integers(1_000, 200_000)),
    st.sampled_from(["2011-02-30", "0000-01-01", "\x00", "KEN\x00", "<script>alert(1)</script>"]),
)


def test_hostile_form_fields_on_the_pages(client: TestClient) -> None:
    import re

    page = client.get("/assess")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token

    @FUZZ
    @given(
        field=st.sampled_from(
            [
                "name",
                "country",
                "date",
                "armed_conflict",
                "state_role",
                "icc_state_party",
                "atrocities.genocide",
                "csrf_token",
                "name_",
            ]
        ),
        value=form_text,
        url=st.sampled_from(["/assess", "/login"]),
    )
    def run(field: str, value: str, url: str) -> None:
        form = {
            **VALID,
            "csrf_token": token.group(1),
            "token": "pt_0_x",
            field: value,
        }
        status, text, growth = _bounded_post(client, url, data=form)
        assert status in {200, 401, 403, 413, 422, 429}, (status, text[:500])
        assert "Traceback" not in text and "<script>alert" not in text
        assert growth < GROWTH_LIMIT_KB, growth

    run()
