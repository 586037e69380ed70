"""Parity (issue 12): a page and its JSON twin are one view, so they answer the same parameters
with the same data and refuse the same input with the same status and message; the CSV download
holds the rows of the page's table; and the CLI, the API and the Python API give the same
document and the same errors for the same input.

Real components throughout: the bundled UCDP sample and the CAR extract in the monitor's DuckDB
store, saved assessments and a Framework assessment in the service database (SQLite, and
PostgreSQL when configured), the risk extract under tests/data/risk.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from typer.testing import CliRunner

from protect.views import all_views

from .conftest import PEACE, SUDAN_2004, Tokens

REPO = Path(__file__).resolve().parents[2]
CAR_GED = REPO / "tests" / "data" / "monitor" / "ged231_car_2013_2014.csv"
RISK_EXTRACT = REPO / "tests" / "data" / "risk"

Doc = Any
Expect = Callable[[Doc], list[str]]


@dataclass(frozen=True)
class Case:
    """One view asked one thing: `page` (its JSON twin is found from the view), the text the
    page must show for what the JSON says, and the JSON items the first CSV table lists."""

    view: str
    page: str
    shows: Expect
    items: Callable[[Doc], list[Any]]
    role: str = "viewer"


@dataclass
class World:
    client: TestClient
    tokens: Tokens
    ids: dict[str, int]


@pytest.fixture
def world(client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch) -> World:
    from protect.monitor import api

    api.ingest("ucdp", api.sample_path(), release=api.SAMPLE_RELEASE)
    api.ingest("ucdp", CAR_GED)
    monkeypatch.setenv("PROTECT_SOURCES", str(RISK_EXTRACT))
    analyst = tokens.header("analyst")
    saved = client.post("/api/v1/assessments", json=[SUDAN_2004, PEACE], headers=analyst)
    assert saved.status_code == 201, saved.text
    client.post(
        f"/api/v1/assessments/{saved.json()[0]['id']}/annotations",
        json={"text": "Seen by the desk officer."},
        headers=analyst,
    )
    foa = client.post("/api/v1/foa", json={"country": "MMR", "date": "2017-09-01"}, headers=analyst)
    assert foa.status_code == 201, foa.text
    second = client.post(
        f"/api/v1/assessments/{saved.json()[1]['id']}/reassess",
        json={**PEACE, "armed_conflict": "non-international"},
        headers=analyst,
    )
    assert second.status_code == 201, second.text
    ids = {"assessment": saved.json()[0]["id"], "foa": foa.json()["id"]}
    return World(client, tokens, {**ids, "second": second.json()["id"]})


def _text(page: str) -> str:
    """What a reader sees: the page without its tags, entities decoded, spaces collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page)))


def _json_url(view_name: str, page: str) -> str:
    """The JSON twin of a page URL: the view's JSON path with the page's parameters."""
    view = next(v for v in all_views() if v.name == view_name)
    path, _, query = page.partition("?")
    if view.api_path:
        path = view.api_path
    return "/api/v1" + path + (f"?{query}" if query else "")


def _csv_url(page: str) -> str:
    path, _, query = page.partition("?")
    return path + ".csv" + (f"?{query}" if query else "")


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def _cases(ids: dict[str, int]) -> list[Case]:
    one, foa, second = ids["assessment"], ids["foa"], ids.get("second", 1)
    return [
        Case(
            "alerts",
            "/alerts?month=2017-09",
            lambda d: [a["country"] for a in d] + [a["rule"] for a in d] + [a["level"] for a in d],
            lambda d: d,
        ),
        Case(
            "monitor",
            "/monitor/MMR?from=2017-01&to=2017-12",
            lambda d: [m["month"] for m in d] + [str(m["events"]) for m in d],
            lambda d: d,
        ),
        Case(
            "situation",
            "/situations/MMR/2017-09",
            lambda d: (
                [d["assessment"]["stage"], d["alert"]["rule"]]
                + [s["field"] for s in d["derivation"]]
                + [m["reason"] for m in d["assessment"]["measures"]]
            ),
            lambda d: d["derivation"],
        ),
        Case(
            "map",
            "/map?month=2014-01",
            lambda d: [d["month"]] + [f"{c['name']} ({c['country']})" for c in d["countries"]],
            lambda d: d["countries"],
        ),
        Case(
            "country",
            "/country/MMR?month=2017-09",
            lambda d: (
                [d["name"], d["month"], d["alert"]["level"], d["alert"]["reason"]]
                + [run["words"] for run in d["coverage"]]
            ),
            lambda d: d["months"],
        ),
        Case(
            "risk",
            "/risk?year=2025",
            lambda d: (
                [d["forecast_hash"][:12]]
                + [f"{r['name']} ({r['country']})" for r in d["rows"]]
                + [_pct(r["risk"]) for r in d["rows"]]
            ),
            lambda d: d["rows"],
        ),
        Case(
            "risk_map",
            "/map/risk?year=2025",
            lambda d: (
                [str(d["year"])]
                + [f"{c['name']} ({c['country']})" for c in d["countries"]]
                + [_pct(c["risk"]) for c in d["countries"]]
            ),
            lambda d: d["countries"],
        ),
        Case(
            "kb_search",
            "/kb/search?q=darfur",
            lambda d: (
                [r["title"] for r in d["results"]] + [f'href="{r["href"]}"' for r in d["results"]]
            ),
            lambda d: d["results"],
        ),
        Case(
            "kb",
            "/kb",
            lambda d: [f'href="/kb/{k}"' for k in d] + [f"({n})" for n in d.values()],
            lambda d: list(d),
        ),
        Case(
            "kb_kind",
            "/kb/tensions",
            lambda d: [f'href="/kb/tensions/{t["id"]}"' for t in d],
            lambda d: d,
        ),
        Case(
            "kb_entry",
            "/kb/instruments/rome-statute",
            lambda d: [d["title"], d["in_force"]],
            lambda d: [d],
        ),
        Case(
            "assessments",
            "/assessments?all_versions=true",
            lambda d: (
                [f'href="/assessments/{a["id"]}"' for a in d["items"]]
                + [a["country"] for a in d["items"]]
            ),
            lambda d: d["items"],
        ),
        Case(
            "assessment",
            f"/assessments/{one}",
            lambda d: [d["case"], d["assessment"]["stage"], d["rules_version"]],
            lambda d: [d],  # the versions of the case: one here
        ),
        Case(
            "history",
            f"/assessments/{second}/history",
            lambda d: [v["rules_version"] for v in d] + [f"{v['version']}" for v in d],
            lambda d: d,
        ),
        Case(
            "diff",
            f"/assessments/{second}/diff?from=1&to=2",
            lambda d: [c["path"] for c in d["changes"]] + [f"version {d['from_version']}"],
            lambda d: d["changes"],
        ),
        Case(
            "audit",
            "/audit?limit=3",
            lambda d: [e["action"] for e in d["items"]] + [str(d["total"])],
            lambda d: d["items"],
            role="admin",
        ),
        Case("users", "/users", lambda d: [u["name"] for u in d], lambda d: d, role="admin"),
        Case("me", "/me", lambda d: [d["name"], d["role"]], lambda d: [d]),
        Case(
            "foa_list",
            "/foa?country=MMR",
            lambda d: [f'href="/foa/{a["id"]}"' for a in d["items"]],
            lambda d: d["items"],
        ),
        Case(
            "foa_history",
            "/foa/history/MMR",
            lambda d: [f'href="/foa/{a["id"]}"' for a in d] + [a["date"] for a in d],
            lambda d: d,
        ),
        Case(
            "foa",
            f"/foa/{foa}",
            lambda d: (
                [d["country"], d["date"]] + [f"{f['factor']}. {f['title']}" for f in d["factors"]]
            ),
            lambda d: d["factors"],
        ),
    ]


def test_every_view_has_a_parity_case() -> None:
    """A view added later without a case here fails: parity is checked for every view."""
    covered = {c.view for c in _cases({"assessment": 1, "foa": 1})}
    assert covered == {v.name for v in all_views()}


def test_every_page_shows_what_its_json_twin_and_csv_say(world: World) -> None:
    client = world.client
    problems: list[str] = []
    for case in _cases(world.ids):
        auth = world.tokens.header(case.role)
        twin = client.get(_json_url(case.view, case.page), headers=auth)
        page = client.get(case.page, headers=auth)
        assert twin.status_code == page.status_code == 200, (case.page, twin.text[:300])
        assert page.headers["content-type"].startswith("text/html")
        doc, seen = twin.json(), _text(page.text)
        expected = case.shows(doc)
        assert expected, f"{case.page}: the case checks nothing"
        for token in expected:
            if token not in seen and token not in page.text:
                problems.append(f"{case.page}: JSON says {token!r}, the page does not")
        download = client.get(_csv_url(case.page), headers=auth)
        assert download.status_code == 200, (case.page, download.text[:300])
        assert download.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(download.text)))
        if len(rows) != len(case.items(doc)):
            problems.append(f"{case.page}.csv: {len(rows)} rows, the JSON {len(case.items(doc))}")
        assert 'href="' + html.escape(_csv_url(case.page).split("?")[0]) in page.text
    assert problems == []


def test_the_csv_rows_carry_the_json_values(world: World) -> None:
    """Not just as many rows: the same countries, ranks and figures, in the same order."""
    client = world.client
    alerts = client.get("/api/v1/alerts?month=2014-02").json()
    rows = list(csv.DictReader(io.StringIO(client.get("/alerts.csv?month=2014-02").text)))
    assert [(r["rank"], r["country"], r["level"]) for r in rows] == [
        (str(a["rank"]), a["country"], a["level"]) for a in alerts
    ]
    months = client.get("/api/v1/monitor/MMR?from=2017-07&to=2017-09").json()
    rows = list(
        csv.DictReader(io.StringIO(client.get("/monitor/MMR.csv?from=2017-07&to=2017-09").text))
    )
    assert [float(r["deaths_one_sided"]) for r in rows] == [
        m["deaths_best"]["one-sided"] for m in months
    ]
    country = client.get("/api/v1/country/MMR").json()
    coverage = client.get("/country/MMR.csv?table=coverage").text
    assert [r["words"] for r in csv.DictReader(io.StringIO(coverage))] == [
        c["words"] for c in country["coverage"]
    ]
    unknown = client.get("/country/MMR.csv?table=nothing")
    assert unknown.status_code == 404 and "tables: months, coverage" in unknown.text
    # The page's links download what it shows: the defaults resolved, not "latest".
    page = client.get("/alerts").text
    assert f'href="/alerts.csv?month={country["last_month"]}"' in page


# Bad input, the page and its twin: (page, status, field named or None for a service message).
BAD: list[tuple[str, str, int, str | None]] = [
    ("alerts", "/alerts?month=soon", 422, "month"),
    ("alerts", "/alerts?month=2017-13", 422, "month"),
    ("monitor", "/monitor/MMR?from=2017-13", 422, "from"),
    ("monitor", "/monitor/MMR?from=2018-01&to=2017-01", 422, None),
    ("monitor", "/monitor/QQQ", 422, None),
    ("monitor", "/monitor/XY1", 422, "country"),
    ("monitor", "/monitor/NOR", 404, None),
    ("situation", "/situations/MMR/2030-01", 404, None),
    ("situation", "/situations/MMR/2017-9", 422, "month"),
    ("map", "/map?m=abc", 422, "m"),
    ("map", "/map?month=17-09", 422, "month"),
    ("country", "/country/XYZ", 404, None),
    ("country", "/country/XY1", 422, "country"),
    ("risk", "/risk?year=soon", 422, "year"),
    ("risk", "/risk?year=2199", 422, None),
    ("kb_kind", "/kb/recipes", 404, None),
    ("kb_search", "/kb/search?limit=0", 422, "limit"),
    ("risk_map", "/map/risk?year=soon", 422, "year"),
    ("kb_entry", "/kb/instruments/nothing-here", 404, None),
    ("assessments", "/assessments?limit=0", 422, "limit"),
    ("assessments", "/assessments?country=12", 422, "country"),
    ("assessment", "/assessments/999999", 404, None),
    ("assessment", "/assessments/0", 422, "assessment_id"),
    ("foa_list", "/foa?country=12", 422, "country"),
    ("foa_list", "/foa?status=maybe", 422, "status"),
    ("foa", "/foa/999999", 404, None),
    ("foa_history", "/foa/history/1", 422, "country"),
    ("history", "/assessments/999999/history", 404, None),
    ("diff", "/assessments/999999/diff", 404, None),
    ("diff", "/assessments/1/diff?from=0", 422, "from"),
    ("audit", "/audit?actor=a%20b", 422, "actor"),
    ("audit", "/audit?limit=501", 422, "limit"),
    ("users", "/users", 403, None),  # a viewer asks
    ("audit", "/audit", 403, None),  # the audit log is for administrators
]


def _problems(twin: Any) -> list[str]:
    """The JSON error as the page words it: `field: message` for a parameter, else the message."""
    body = twin.json()
    if isinstance(body.get("detail"), list) and "message" not in body:
        return [f"{d['field']}: {d['msg']}" for d in body["detail"]]
    return [str(body.get("message") or body["detail"])]


def test_bad_input_is_the_same_error_on_the_page_and_its_twin(world: World) -> None:
    client, auth = world.client, world.tokens.header("viewer")
    for view, page_url, status, field in BAD:
        twin = client.get(_json_url(view, page_url), headers=auth)
        page = client.get(page_url, headers=auth)
        assert (twin.status_code, page.status_code) == (status, status), page_url
        assert page.headers["content-type"].startswith("text/html"), page_url
        if field is not None:
            assert [d["field"] for d in twin.json()["detail"]] == [field], page_url
        seen = _text(page.text).lower().replace("`", "")
        for problem in _problems(twin):
            assert problem.lower().replace("`", "") in seen, (page_url, problem)
        assert "Traceback" not in page.text


def test_a_signed_out_reader_is_sent_to_log_in_and_the_twin_says_401(world: World) -> None:
    client = world.client
    for view, page in (
        ("assessments", "/assessments"),
        ("assessment", f"/assessments/{world.ids['assessment']}"),
        ("foa_list", "/foa"),
        ("foa", f"/foa/{world.ids['foa']}"),
        ("foa_history", "/foa/history/MMR"),
        ("audit", "/audit"),
        ("users", "/users"),
        ("me", "/me"),
    ):
        twin = client.get(_json_url(view, page))
        assert twin.status_code == 401 and twin.headers["www-authenticate"] == "Bearer"
        answer = client.get(page, follow_redirects=False)
        assert (answer.status_code, answer.headers["location"]) == (303, "/login"), page
    # A wrong token is refused on both, never read as signed out.
    bad = {"Authorization": "Bearer pt_0000000000000000_nothing"}
    assert client.get("/api/v1/assessments", headers=bad).status_code == 401
    assert client.get("/assessments", headers=bad, follow_redirects=False).status_code == 303


def test_both_adapters_read_the_session_cookie_and_the_token_alike(world: World) -> None:
    """One way to find the reader (`service.http.reader`): the page and its twin see the same."""
    client = world.client
    with_token = client.get("/api/v1/assessments", headers=world.tokens.header("viewer")).json()
    form = {"name": "vic", "token": world.tokens.viewer, "csrf_token": _csrf(client)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303
    with_cookie = client.get("/api/v1/assessments").json()
    assert with_cookie == with_token
    assert "vic (viewer)" in client.get("/assessments").text


def _csrf(client: TestClient) -> str:
    from .conftest import csrf_token

    return csrf_token(client)


def test_each_page_and_its_twin_take_the_same_parameters() -> None:
    """Read off the routes each adapter builds: the page, its CSV download and its JSON twin
    parse the same query and path parameters, of the same kind (the CSV adds only `table`)."""
    from fastapi.routing import APIRoute

    from protect.api.views import views_router as json_routes
    from protect.web.views import views_router as page_routes

    routes = [r for r in [*page_routes().routes, *json_routes().routes] if isinstance(r, APIRoute)]

    def params(path: str) -> set[tuple[str, str]]:
        (route,) = [r for r in routes if r.path == path]
        found = route.dependant.query_params + route.dependant.path_params
        return {(p.alias, type(p.field_info).__name__) for p in found}

    seen = set()
    for view in all_views():
        page = params(view.path)
        assert page == params(view.json_path), view.name
        if view.tables:
            assert params(view.path + ".csv") == page | {("table", "Query")}, view.name
        seen |= page
    assert {("month", "Query"), ("from", "Query"), ("country", "Path")} <= seen


def test_openapi_documents_each_view_once_with_its_model(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    for view in all_views():
        operation = schema["paths"][view.json_path]["get"]
        assert "200" in operation["responses"], view.name
        assert operation["responses"]["200"]["content"]["application/json"]["schema"], view.name
        names = [p["name"] for p in operation.get("parameters", [])]
        assert len(names) == len(set(names)), view.name
    month = next(
        p for p in schema["paths"]["/api/v1/alerts"]["get"]["parameters"] if p["name"] == "month"
    )
    assert "pattern" in json.dumps(month["schema"])


# ---- the CLI, the API and the Python API -----------------------------------------------------

BAD_SITUATION = {
    "country": "SDN",
    "date": "2004-07-01",
    "armed_conflict": "sometimes",
    "state_role": "perpetrator",
    "atrocities": {"genocide": "maybe"},
}


def _cli(*args: str) -> Any:
    from protect.cli.main import app

    return CliRunner().invoke(app, list(args))


def test_cli_api_and_python_give_the_same_assessment(client: TestClient, tmp_path: Path) -> None:
    from protect import Situation, assess

    for payload in (SUDAN_2004, [SUDAN_2004, PEACE]):
        path = tmp_path / "situation.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        done = _cli("assess", str(path), "--format", "json")
        assert done.exit_code == 0, done.output
        api = client.post("/api/v1/assess", json=payload)
        assert api.status_code == 200
        items = payload if isinstance(payload, list) else [payload]
        python = [assess(Situation.model_validate(p)).model_dump(mode="json") for p in items]
        expected = python if isinstance(payload, list) else python[0]
        assert json.loads(done.stdout) == api.json() == expected


def test_cli_api_and_python_refuse_the_same_input_naming_the_same_fields(
    client: TestClient, tmp_path: Path
) -> None:
    from protect import Situation
    from protect.engine.errors import field_path, format_errors

    path = tmp_path / "bad.json"
    path.write_text(json.dumps(BAD_SITUATION), encoding="utf-8")
    done = _cli("assess", str(path), "--format", "json")
    assert done.exit_code == 2 and done.stdout == ""
    cli_lines = [line.removeprefix(f"error: {path}: ") for line in done.stderr.splitlines() if line]

    api = client.post("/api/v1/assess", json=BAD_SITUATION)
    assert api.status_code == 422
    api_lines = [f"{d['field']}: {d['msg']}" for d in api.json()["detail"]]

    with pytest.raises(ValidationError) as caught:
        Situation.model_validate(BAD_SITUATION)
    fields = [field_path(tuple(e["loc"])) for e in caught.value.errors()]

    assert fields == ["armed_conflict", "atrocities.genocide"]
    assert sorted(cli_lines) == sorted(api_lines) == sorted(format_errors(caught.value))


def test_cli_api_and_python_give_the_same_alerts_and_errors(client: TestClient) -> None:
    from protect.monitor import api

    api.ingest("ucdp", api.sample_path(), release=api.SAMPLE_RELEASE)
    api.ingest("ucdp", CAR_GED)
    for month in ("2014-02", "2017-09", None):
        args = ["alerts", "--format", "json"] + (["--month", month] if month else [])
        done = _cli(*args)
        assert done.exit_code == 0, done.output
        twin = client.get("/api/v1/alerts", params={"month": month} if month else {})
        python = [a.model_dump(mode="json") for a in api.alerts(month or "2018-12")]
        assert json.loads(done.stdout) == twin.json() == python, month
    # The country's months and a derived situation: the same document from the CLI and the API.
    months = _cli("monitor", "MMR", "--from", "2017-01", "--to", "2017-03", "--format", "json")
    twin = client.get("/api/v1/monitor/MMR", params={"from": "2017-01", "to": "2017-03"})
    assert months.exit_code == 0 and json.loads(months.stdout) == twin.json()
    situation = _cli("situation", "MMR", "2017-09", "--format", "json")
    assert json.loads(situation.stdout) == client.get("/api/v1/situations/MMR/2017-09").json()
    bad = _cli("alerts", "--month", "17-09", "--format", "json")
    twin = client.get("/api/v1/alerts", params={"month": "17-09"})
    assert bad.exit_code == 2 and twin.status_code == 422
    (detail,) = twin.json()["detail"]
    assert bad.stderr.strip() == f"error: {detail['field']}: {detail['msg']}"


def test_cli_and_api_read_the_same_knowledge_base(client: TestClient) -> None:
    shown = _cli("kb", "show", "rome-statute", "--format", "json")
    assert shown.exit_code == 0, shown.output
    entry = client.get("/api/v1/kb/instruments/rome-statute").json()
    assert json.loads(shown.stdout) == {"instruments": entry}
    listed = _cli("kb", "list", "tensions", "--format", "json")
    ids = sorted(t["id"] for t in client.get("/api/v1/kb/tensions").json())
    assert json.loads(listed.stdout) == {"tensions": ids}


def test_csv_cells_are_safe_to_open_in_a_spreadsheet() -> None:
    """Text a spreadsheet would run as a formula is quoted; numbers, nested values and empty
    cells keep their meaning; a column missing from some rows is left blank there."""
    from protect.web.views import csv_text

    text = csv_text(
        [
            {"name": '=HYPERLINK("http://x")', "deaths": -3.5, "figures": {"a": 1}},
            {"name": "@SUM(A1)", "deaths": None, "extra": "+1"},
        ]
    )
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == ["name", "deaths", "figures", "extra"]
    assert rows[0]["name"] == '\'=HYPERLINK("http://x")' and rows[1]["name"] == "'@SUM(A1)"
    assert rows[0]["deaths"] == "-3.5" and rows[1]["deaths"] == ""
    assert json.loads(rows[0]["figures"]) == {"a": 1}
    assert (rows[0]["extra"], rows[1]["extra"]) == ("", "'+1")
