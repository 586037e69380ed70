"""The /api/v1/foa routes on both databases: roles as the other routes have them, 422 naming the
field, the same JSON as the service, and the PDF and Markdown exports."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from .conftest import Tokens

pytestmark = pytest.mark.usefixtures("data_home")


def _create(
    client: TestClient, tokens: Tokens, country: str = "MMR", date: str = "2017-09-30"
) -> int:
    response = client.post(
        "/api/v1/foa", json={"country": country, "date": date}, headers=tokens.header("analyst")
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_roles_and_the_workflow_over_http(client: TestClient, tokens: Tokens) -> None:
    body = {"country": "MMR", "date": "2017-09-30"}
    assert client.post("/api/v1/foa", json=body).status_code == 401
    assert client.post("/api/v1/foa", json=body, headers=tokens.header("viewer")).status_code == 403
    foa_id = _create(client, tokens)
    analyst, admin, viewer = (tokens.header(r) for r in ("analyst", "admin", "viewer"))
    assert client.get(f"/api/v1/foa/{foa_id}").status_code == 401
    assert client.get(f"/api/v1/foa/{foa_id}", headers=viewer).json()["status"] == "draft"

    suggested = client.post(f"/api/v1/foa/{foa_id}/suggest", headers=analyst)
    assert suggested.status_code == 200
    factors = suggested.json()["factors"]
    assert factors[10]["suggestion"]["machine_made"] is True and factors[10]["pending"] is True
    assert client.post(f"/api/v1/foa/{foa_id}/suggest", headers=viewer).status_code == 403

    pending = [f["factor"] for f in factors if f["pending"]]
    rest = [n for n in range(1, 15) if n not in pending]
    ratings = [{"factor": n, "accept": True} for n in pending] + [
        {"factor": n, "rating": "unknown", "reasoning": "not assessed"} for n in rest
    ]
    rated = client.post(f"/api/v1/foa/{foa_id}/ratings", json={"ratings": ratings}, headers=analyst)
    assert rated.status_code == 200 and rated.json()["conclusion"]["category"] == "current-crisis"

    submitted = client.post(f"/api/v1/foa/{foa_id}/submit", headers=analyst)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    again = client.post(
        f"/api/v1/foa/{foa_id}/ratings", json={"ratings": ratings[:1]}, headers=analyst
    )
    assert again.status_code == 409
    own = client.post(f"/api/v1/foa/{foa_id}/review", json={"decision": "approve"}, headers=analyst)
    assert own.status_code == 403 and "someone other" in own.json()["detail"]
    approved = client.post(
        f"/api/v1/foa/{foa_id}/review", json={"decision": "approve", "comment": "ok"}, headers=admin
    )
    assert approved.status_code == 200 and approved.json()["status"] == "approved"

    # The JSON is the service's record, as `protect foa show --format json` prints it.
    from protect.service import foa
    from protect.service.roles import Principal

    db = client.app.state.db  # type: ignore[attr-defined]
    record = foa.get(db, Principal("vic", "viewer"), foa_id).model_dump(mode="json")
    assert client.get(f"/api/v1/foa/{foa_id}", headers=viewer).json() == record

    versions = client.get(f"/api/v1/foa/{foa_id}/versions", headers=viewer).json()
    assert [v["action"] for v in versions] == ["create", "suggest", "rate", "submit", "approve"]
    history = client.get("/api/v1/foa/history/mmr", headers=viewer).json()
    assert [h["id"] for h in history] == [foa_id]
    listed = client.get("/api/v1/foa?status=approved&country=MMR", headers=viewer).json()
    assert listed["total"] == 1

    other = _create(client, tokens, "MMR", "2017-06-30")
    diff = client.get(f"/api/v1/foa/{foa_id}/diff?against={other}", headers=viewer).json()
    assert diff["category_before"] is None and diff["category_after"] == "current-crisis"
    assert len(diff["factors"]) == 14

    pdf = client.get(f"/api/v1/foa/{foa_id}/export", headers=viewer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert f'filename="foa-{foa_id}-v5.pdf"' in pdf.headers["content-disposition"]
    md = client.get(f"/api/v1/foa/{foa_id}/export?format=markdown", headers=viewer)
    assert md.status_code == 200 and md.text.startswith("# Atrocity-risk assessment: MMR")


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/foa", {"country": "MM", "date": "2017-09-30"}, "country"),
        ("/api/v1/foa", {"country": "MMR", "date": "someday"}, "date"),
        (
            "/api/v1/foa/{id}/ratings",
            {"ratings": [{"factor": 0, "rating": "low"}]},
            "ratings[0].factor",
        ),
        (
            "/api/v1/foa/{id}/ratings",
            {
                "ratings": [
                    {
                        "factor": 1,
                        "rating": "low",
                        "evidence": [{"what": "x", "source": "y", "date": "2017-9"}],
                    }
                ]
            },
            "ratings[0].evidence[0].date",
        ),
        ("/api/v1/foa/{id}/review", {"decision": "maybe"}, "decision"),
        (
            "/api/v1/foa/{id}/ratings",
            {"ratings": [{"factor": 1, "rating": "low", "reasoning": "a\u0000b"}]},
            "ratings[0].reasoning",
        ),
        ("/api/v1/foa/{id}/submit", {"category": "imminent-risk"}, "(document)"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(
    client: TestClient, tokens: Tokens, path: str, body: dict[str, object], field: str
) -> None:
    foa_id = _create(client, tokens)
    response = client.post(
        path.replace("{id}", str(foa_id)), json=body, headers=tokens.header("admin")
    )
    assert response.status_code == 422, response.text
    fields = [d["field"] for d in response.json()["detail"]]
    assert field in fields, fields


def test_unknown_ids_are_404_and_the_framework_is_open(client: TestClient, tokens: Tokens) -> None:
    assert client.get("/api/v1/foa/12345", headers=tokens.header("viewer")).status_code == 404
    assert client.get("/api/v1/foa/0", headers=tokens.header("viewer")).status_code == 422
    framework = client.get("/api/v1/foa/framework").json()
    assert [f["number"] for f in framework["factors"]] == list(range(1, 15))
    assert framework["factors"][5]["title"] == "Absence of mitigating factors"
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/foa", "/api/v1/foa/{foa_id}/ratings", "/api/v1/foa/{foa_id}/export"} <= set(
        paths
    )
