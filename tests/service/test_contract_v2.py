"""Every contract-v2 field through every interface: the CLI, Python, the REST API and the page.

The situation is Myanmar on 2019-11-11, the day The Gambia filed its case at the ICJ:
deportation of the Rohingya into Bangladesh, a Rome Statute party since 2010-06-01 (ICC
Pre-Trial Chamber I, decision of 2018-09-06 on Art. 12(2)(a); Pre-Trial Chamber III authorised
the investigation on 2019-11-14). The perpetrator's nationality and a referral date are entered
to exercise those fields too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from protect import Situation, assess
from protect.cli.main import app as cli
from protect.server import create_app
from protect.storage import Database

from .conftest import csrf_token

MYANMAR: dict[str, Any] = {
    "name": "Myanmar and Bangladesh, deportation of the Rohingya",
    "country": "MMR",
    "date": "2019-11-11",
    "armed_conflict": "non-international",
    "state_role": "perpetrator",
    "atrocities": {
        "crimes-against-humanity": {
            "status": "past",
            "committed": [{"from": "2017-08-25", "to": "2018-03-31"}],
        },
        "genocide": "risk",
    },
    "perpetrators": [{"kind": "state", "name": "Tatmadaw", "nationality": "MMR"}],
    "conduct_also_in": ["BGD"],
    "civilian_harm": {"displacement": "widespread", "denial-of-humanitarian-access": "sporadic"},
    "security_council": {"seized": True, "veto_blocked": False},
    "in_place": ["commission-of-inquiry"],
}

FORM = {
    "name": MYANMAR["name"],
    "country": "mmr",
    "date": "2019-11-11",
    "armed_conflict": "non-international",
    "state_role": "perpetrator",
    "atrocities.crimes-against-humanity": "past",
    "committed.crimes-against-humanity.from": "2017-08-25",
    "committed.crimes-against-humanity.to": "2018-03-31",
    "atrocities.genocide": "risk",
    "perpetrators": "state, Tatmadaw, mmr",
    "conduct_also_in": "bgd",
    "civilian_harm.displacement": "widespread",
    "civilian_harm.denial-of-humanitarian-access": "sporadic",
    "security_council.seized": "true",
    "in_place": "commission-of-inquiry",
}


@pytest.fixture
def client(sqlite_database: Database) -> Iterator[TestClient]:
    sqlite_database.migrate()
    with TestClient(create_app(sqlite_database), raise_server_exceptions=False) as c:
        yield c


def test_v2_document_is_the_same_through_cli_python_and_api(
    tmp_path: Path, client: TestClient
) -> None:
    path = tmp_path / "myanmar.json"
    path.write_text(json.dumps(MYANMAR))
    result = CliRunner().invoke(cli, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    from_cli = json.loads(result.stdout)
    from_python = assess(Situation.model_validate(MYANMAR)).model_dump(mode="json")
    response = client.post("/api/v1/assess", json=MYANMAR)
    assert response.status_code == 200, response.text
    assert from_cli == from_python == response.json()

    doc = from_python
    # Art. 12(2)(a): deportation completed on a party's territory (Bangladesh, party 2010-06-01).
    assert doc["derived"]["icc"]["bases"] == ["conduct-in-party-territory"]
    assert doc["derived"]["icc"]["period_from"] == "2010-06-01"
    proprio = next(m for m in doc["measures"] if m["id"] == "icc-proprio-motu")
    assert proprio["available"] and "BGD" in proprio["reason"]
    # Myanmar never joined either Protocol: neither is cited anywhere in the document.
    cited = {c["instrument"] for c in _citations(doc)}
    assert not {"ap-i", "ap-ii"} & cited
    party = {t["instrument"]: t["party"] for t in doc["derived"]["treaties"]}
    assert party["ap-ii"] is False and party["genocide-convention"] is True
    assert doc["norms"]["poc"]["civilian_harm"] == {
        "displacement": "widespread",
        "denial-of-humanitarian-access": "sporadic",
    }
    placed = [m for m in doc["measures"] if m["id"] == "commission-of-inquiry"]
    assert placed and all(m["in_place"] for m in placed)
    assert doc["summary"]["in_place"] == ["commission-of-inquiry"]
    assert "commission-of-inquiry" not in {m["id"] for m in doc["summary"]["open_measures"]}


def test_v2_fields_work_through_the_assess_page(client: TestClient) -> None:
    from protect.web.workflow_pages import STEP_IDS

    # The form is a wizard: each field is asked on one of its steps.
    steps = [client.get(f"/assess?step={s}").text for s in STEP_IDS]
    for field in (
        "committed.genocide.from",
        "perpetrators",
        "conduct_also_in",
        "civilian_harm.displacement",
        "security_council.veto_blocked",
        "security_council.icc_referral",
        "in_place",
    ):
        assert any(f'name="{field}"' in page for page in steps), field
    api = client.post("/api/v1/assess", json=MYANMAR).json()
    shown = client.post("/assess", data={**FORM, "csrf_token": csrf_token(client, "/assess")})
    assert shown.status_code == 200, shown.text
    assert "conduct-in-party-territory" in shown.text
    assert "data-summary" in shown.text
    for m in api["summary"]["open_measures"]:
        assert f'data-open-measure="{m["id"]}"' in shown.text


def test_a_bad_v2_field_is_named_on_the_page(client: TestClient) -> None:
    token = csrf_token(client, "/assess")
    shown = client.post("/assess", data={**FORM, "conduct_also_in": "XXX", "csrf_token": token})
    assert shown.status_code == 422
    assert "conduct_also_in" in shown.text and "XXX" in shown.text


def _citations(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from doc["norms"]["r2p"]["citations"]
    yield from doc["norms"]["poc"]["citations"]
    yield from doc["norms"]["poc"]["applicable_law"]
    for group in ("crimes", "measures", "tensions"):
        for item in doc[group]:
            yield from item["citations"]
    for t in doc["trace"]:
        yield from t["citations"]


def test_an_empty_list_is_refused_alike_by_the_api_and_the_cli(
    tmp_path: Path, client: TestClient
) -> None:
    """Issue 12's measured drift: `POST /api/v1/assess []` answered 200 while the CLI exits 2."""
    path = tmp_path / "empty.json"
    path.write_text("[]")
    result = CliRunner().invoke(cli, ["assess", str(path)])
    assert result.exit_code == 2 and "the list of situations is empty" in result.stderr
    response = client.post("/api/v1/assess", json=[])
    assert response.status_code == 422
    assert "the list of situations is empty" in response.text
