"""The REST API on a real database: assess, save, version, diff, annotate, audit, roles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from protect import Situation, assess
from protect.server import create_app
from protect.storage import Database

from .conftest import PEACE, SUDAN_2004, Tokens, csrf_token


def _engine_json(situation: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = assess(Situation.model_validate(situation)).model_dump(mode="json")
    return doc


def test_assess_is_anonymous_and_returns_the_cli_document(
    client: TestClient, tmp_path: Path
) -> None:
    from protect.cli.main import app as cli

    path = tmp_path / "sudan.json"
    path.write_text(json.dumps(SUDAN_2004))
    result = CliRunner().invoke(cli, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output

    response = client.post("/api/v1/assess", json=SUDAN_2004)
    assert response.status_code == 200
    assert response.json() == json.loads(result.stdout)
    assert response.json()["stage"] == "atrocity-crimes"


def test_assess_takes_a_list_and_stores_nothing(
    client: TestClient, tokens: Tokens, database: Database
) -> None:
    response = client.post("/api/v1/assess", json=[SUDAN_2004, PEACE])
    assert response.status_code == 200
    assert response.json() == [_engine_json(SUDAN_2004), _engine_json(PEACE)]
    listed = client.get("/api/v1/assessments", headers=tokens.header("viewer")).json()
    assert listed["total"] == 0


def test_validation_errors_are_422_with_the_field_path(client: TestClient) -> None:
    bad = {**SUDAN_2004, "armed_conflict": "skirmish", "atrocities": {"genocide": "maybe"}}
    response = client.post("/api/v1/assess", json=[PEACE, bad])
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["detail"]}
    assert fields == {"[1].armed_conflict", "[1].atrocities.genocide"}
    messages = {e["field"]: e["msg"] for e in response.json()["detail"]}
    assert "allowed values" in messages["[1].armed_conflict"]  # as the CLI words it
    assert all(e["loc"][0] == "body" for e in response.json()["detail"])


def test_malformed_json_and_wrong_shapes_are_422_not_500(client: TestClient) -> None:
    for body in (b"{", b"42", b'"text"', b"[1, 2]", b"null", b'{"country": "SDN\\u0000"}'):
        response = client.post(
            "/api/v1/assess", content=body, headers={"content-type": "application/json"}
        )
        assert response.status_code == 422, (body, response.text)


def test_body_over_the_limit_is_413(database: Database) -> None:
    with TestClient(create_app(database, max_body_bytes=2048)) as small:
        response = small.post("/api/v1/assess", json={**SUDAN_2004, "name": "x" * 4096})
        assert response.status_code == 413
        # Like every other error, as JSON that says what the limit is.
        assert response.headers["content-type"] == "application/json"
        assert response.json() == {"detail": "request body too large: the limit is 2048 bytes"}

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
            for _ in range(8):
                yield b" " * 512

        streamed = small.post(
            "/api/v1/assess", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413 and "2048 bytes" in streamed.json()["detail"]
        assert small.post("/api/v1/assess", json=SUDAN_2004).status_code == 200


def test_no_write_without_a_valid_token(client: TestClient, tokens: Tokens) -> None:
    assert client.post("/api/v1/assessments", json=SUDAN_2004).status_code == 401
    bad = {"Authorization": "Bearer pt_0000_notatoken"}
    assert client.post("/api/v1/assessments", json=SUDAN_2004, headers=bad).status_code == 401
    prefix, token_id, _secret = tokens.analyst.split("_", 2)
    wrong_secret = f"{prefix}_{token_id}_forged"
    response = client.post(
        "/api/v1/assessments", json=SUDAN_2004, headers={"Authorization": f"Bearer {wrong_secret}"}
    )
    assert response.status_code == 401
    assert client.get("/api/v1/assessments").status_code == 401


def test_viewer_reads_but_cannot_write(client: TestClient, tokens: Tokens) -> None:
    saved = client.post("/api/v1/assessments", json=SUDAN_2004, headers=tokens.header("analyst"))
    assert saved.status_code == 201
    aid = saved.json()["id"]
    viewer = tokens.header("viewer")
    assert client.post("/api/v1/assessments", json=PEACE, headers=viewer).status_code == 403
    assert client.post(f"/api/v1/assessments/{aid}/reassess", headers=viewer).status_code == 403
    note = client.post(f"/api/v1/assessments/{aid}/annotations", json={"text": "x"}, headers=viewer)
    assert note.status_code == 403
    assert client.get(f"/api/v1/assessments/{aid}", headers=viewer).status_code == 200
    users_add = client.post("/api/v1/users", json={"name": "eve", "role": "admin"}, headers=viewer)
    assert users_add.status_code == 403


def test_save_fetch_and_list(client: TestClient, tokens: Tokens) -> None:
    analyst = tokens.header("analyst")
    saved = client.post("/api/v1/assessments", json=[SUDAN_2004, PEACE], headers=analyst)
    assert saved.status_code == 201
    first, second = saved.json()
    assert first["version"] == 1 and first["created_by"] == "ana"
    assert first["assessment"] == _engine_json(SUDAN_2004)
    assert first["situation"] == SUDAN_2004

    fetched = client.get(f"/api/v1/assessments/{first['id']}", headers=tokens.header("viewer"))
    assert fetched.json() == first
    # Read back from the database in the engine's own key order, not just as an equal mapping.
    assert json.dumps(fetched.json()["assessment"]) == json.dumps(_engine_json(SUDAN_2004))
    listed = client.get("/api/v1/assessments", headers=analyst).json()
    assert [i["id"] for i in listed["items"]] == [second["id"], first["id"]]
    by_country = client.get("/api/v1/assessments?country=sdn", headers=analyst).json()
    assert [i["id"] for i in by_country["items"]] == [first["id"]]
    assert client.get("/api/v1/assessments/999999", headers=analyst).status_code == 404


def test_reassess_adds_a_version_and_history_diffs_it(client: TestClient, tokens: Tokens) -> None:
    analyst = tokens.header("analyst")
    v1 = client.post("/api/v1/assessments", json=PEACE, headers=analyst).json()
    worse = {**PEACE, "armed_conflict": "non-international", "state_role": "unwilling"}
    v2 = client.post(f"/api/v1/assessments/{v1['id']}/reassess", json=worse, headers=analyst)
    assert v2.status_code == 201
    v2 = v2.json()
    assert (v2["case"], v2["version"]) == (v1["case"], 2)
    v3 = client.post(f"/api/v1/assessments/{v2['id']}/reassess", headers=analyst).json()
    assert v3["version"] == 3 and v3["situation"] == worse

    # The first version is unchanged.
    again = client.get(f"/api/v1/assessments/{v1['id']}", headers=analyst).json()
    assert again == v1

    history = client.get(f"/api/v1/assessments/{v1['id']}/history", headers=analyst).json()
    assert [h["version"] for h in history] == [1, 2, 3]
    assert [h["stage"] for h in history] == ["peace", "armed-conflict", "armed-conflict"]

    diff = client.get(f"/api/v1/assessments/{v2['id']}/diff", headers=analyst).json()
    changes = {c["path"]: (c["before"], c["after"]) for c in diff["changes"]}
    assert changes["situation.armed_conflict"] == ("none", "non-international")
    assert changes["assessment.stage"] == ("peace", "armed-conflict")
    assert changes["assessment.norms.poc.ihl_applies"] == (False, True)
    same = client.get(f"/api/v1/assessments/{v3['id']}/diff", headers=analyst).json()
    assert same["changes"] == []
    first = client.get(f"/api/v1/assessments/{v3['id']}/diff?against=1", headers=analyst).json()
    assert first["from_version"] == 1 and first["changes"]
    none = client.get(f"/api/v1/assessments/{v1['id']}/diff", headers=analyst)
    assert none.status_code == 404


def test_annotations(client: TestClient, tokens: Tokens) -> None:
    analyst = tokens.header("analyst")
    saved = client.post("/api/v1/assessments", json=SUDAN_2004, headers=analyst).json()
    url = f"/api/v1/assessments/{saved['id']}/annotations"
    made = client.post(url, json={"text": "Confirmed by the panel of experts."}, headers=analyst)
    assert made.status_code == 201
    assert made.json()["author"] == "ana"
    assert client.post(url, json={"text": ""}, headers=analyst).status_code == 422
    listed = client.get(url, headers=tokens.header("viewer")).json()
    assert [n["text"] for n in listed] == ["Confirmed by the panel of experts."]


def test_audit_log_records_every_write_with_the_rules_version(
    client: TestClient, tokens: Tokens
) -> None:
    from protect.engine import RULES_VERSION

    analyst = tokens.header("analyst")
    saved = client.post("/api/v1/assessments", json=SUDAN_2004, headers=analyst).json()
    client.post(f"/api/v1/assessments/{saved['id']}/reassess", headers=analyst)
    client.post(
        f"/api/v1/assessments/{saved['id']}/annotations", json={"text": "n"}, headers=analyst
    )
    client.post("/api/v1/users/vic/revoke", headers=tokens.header("admin"))
    client.post("/api/v1/assess", json=SUDAN_2004)  # stores nothing, so logs nothing

    assert client.get("/api/v1/audit", headers=analyst).status_code == 403  # admins only
    admin = tokens.header("admin")
    log = client.get("/api/v1/audit", headers=admin).json()
    actions = [(e["actor"], e["action"]) for e in log["items"]]
    assert actions[:4] == [
        ("ada", "user.revoke"),
        ("ana", "annotation.add"),
        ("ana", "assessment.reassess"),
        ("ana", "assessment.save"),
    ]
    assert [a for _, a in actions[4:]] == ["user.add"] * 3
    assert {e["rules_version"] for e in log["items"]} == {RULES_VERSION}
    assert saved["rules_version"] == RULES_VERSION
    only_ana = client.get("/api/v1/audit?actor=ana", headers=admin).json()
    assert only_ana["total"] == 3
    assert client.get("/api/v1/audit").status_code == 401


def test_revoked_token_stops_working_at_once(client: TestClient, tokens: Tokens) -> None:
    viewer = tokens.header("viewer")
    assert client.get("/api/v1/me", headers=viewer).json()["name"] == "vic"
    revoked = client.post("/api/v1/users/vic/revoke", headers=tokens.header("admin"))
    assert revoked.status_code == 200 and revoked.json()["active"] is False
    assert client.get("/api/v1/me", headers=viewer).status_code == 401


def test_admin_creates_users_over_the_api(client: TestClient, tokens: Tokens) -> None:
    admin = tokens.header("admin")
    made = client.post("/api/v1/users", json={"name": "zoe", "role": "analyst"}, headers=admin)
    assert made.status_code == 201
    token = made.json()["token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["role"] == "analyst"
    dup = client.post("/api/v1/users", json={"name": "zoe", "role": "viewer"}, headers=admin)
    assert dup.status_code == 409
    names = [u["name"] for u in client.get("/api/v1/users", headers=admin).json()]
    assert names == ["ada", "ana", "vic", "zoe"]


def test_knowledge_base_browse(client: TestClient) -> None:
    from protect.knowledge import kb

    index = client.get("/api/v1/kb").json()
    assert index["instruments"] == len(kb().instruments)
    tensions = client.get("/api/v1/kb/tensions").json()
    assert {t["id"] for t in tensions} == set(kb().tensions)
    one = client.get("/api/v1/kb/instruments/rome-statute")
    assert one.status_code == 200
    assert one.json()["in_force"] == "2002-07-01"
    assert client.get("/api/v1/kb/instruments/no-such-thing").status_code == 404
    # An unknown kind is no resource, as on its page (issue 12: the page said 404, this 422).
    recipes = client.get("/api/v1/kb/recipes")
    assert recipes.status_code == 404 and "known kinds: instruments" in recipes.json()["detail"]


def test_openapi_is_served_and_names_the_engine_models(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "/api/v1/assess" in schema["paths"]
    assert "Situation" in schema["components"]["schemas"]
    assert "Assessment" in schema["components"]["schemas"]


def test_database_down_gives_503_and_assess_still_works() -> None:
    down = Database("postgresql+psycopg://nobody@127.0.0.1:9/protect")
    with TestClient(create_app(down), raise_server_exceptions=False) as c:
        response = c.get("/api/v1/assessments", headers={"Authorization": "Bearer pt_a_b"})
        assert response.status_code == 503
        assert "unavailable" in response.json()["detail"]
        assert c.get("/api/v1/health").status_code == 503
        assert c.post("/api/v1/assess", json=PEACE).status_code == 200


def test_repeated_wrong_secrets_answer_429_with_retry_after(
    client: TestClient, tokens: Tokens
) -> None:
    prefix, token_id, secret = tokens.analyst.split("_", 2)
    wrong = {"Authorization": f"Bearer {prefix}_{token_id}_{'x' * len(secret)}"}
    statuses = [client.get("/api/v1/assessments", headers=wrong).status_code for _ in range(7)]
    assert statuses[:5] == [401] * 5 and statuses[5:] == [429, 429]
    blocked = client.get("/api/v1/assessments", headers=wrong)
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "too many failed attempts" in blocked.json()["detail"]
    # The web login says the same in words.
    page = client.post(
        "/login",
        data={"name": "ana", "token": tokens.analyst, "csrf_token": csrf_token(client)},
    )
    assert page.status_code == 429 and "Too many failed attempts" in page.text


def test_tokens_are_rotated_by_their_owner_or_an_admin(client: TestClient, tokens: Tokens) -> None:
    own = client.post("/api/v1/me/token", headers=tokens.header("viewer"))
    assert own.status_code == 200
    fresh = own.json()["token"]
    assert own.json()["user"]["name"] == "vic"
    assert client.get("/api/v1/me", headers=tokens.header("viewer")).status_code == 401
    assert (
        client.get("/api/v1/me", headers={"Authorization": f"Bearer {fresh}"}).json()["name"]
        == "vic"
    )
    # Not someone else's, unless admin.
    refused = client.post("/api/v1/users/ana/token", headers={"Authorization": f"Bearer {fresh}"})
    assert refused.status_code == 403
    by_admin = client.post("/api/v1/users/ana/token", headers=tokens.header("admin"))
    assert by_admin.status_code == 200
    assert client.get("/api/v1/me", headers=tokens.header("analyst")).status_code == 401
    assert (
        client.post("/api/v1/users/nobody/token", headers=tokens.header("admin")).status_code == 404
    )
