"""The alerts, monitor, situation, risk and assess pages show what their JSON twins return, on
real DuckDB data (the bundled UCDP sample and extracts under tests/data) and the risk extract;
their errors are pages with the right status; and the SVG chart function draws what it is given.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from protect.server import create_app
from protect.service.knowledge import titles
from protect.storage import Database
from protect.web.charts import ChartMonth, monthly_deaths_svg, nice_ceiling
from protect.web.workflow_pages import STEP_IDS

from .conftest import csrf_token

REPO = Path(__file__).resolve().parents[2]
GED_SAMPLE = REPO / "src" / "protect" / "monitor" / "sample" / "ged_myanmar_2016_2018.csv.gz"
CAR_GED = REPO / "tests" / "data" / "monitor" / "ged231_car_2013_2014.csv"
NGA_HDX = REPO / "tests" / "data" / "monitor" / "hdx201_nga_2014h1.csv"
RISK_EXTRACT = REPO / "tests" / "data" / "risk"
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def plain(sqlite_database: Database) -> Iterator[TestClient]:
    sqlite_database.migrate()
    with TestClient(create_app(sqlite_database), raise_server_exceptions=False) as c:
        yield c


def _form(client: TestClient, values: dict[str, str]) -> dict[str, str]:
    """The form as the /assess page sends it, with the page's CSRF token."""
    return {**values, "csrf_token": csrf_token(client, "/assess")}


@pytest.fixture
def ingested(plain: TestClient) -> TestClient:
    """The bundled Myanmar sample, plus CAR (UCDP) and Nigeria (HDX) for 2014: two countries
    with alerts in the same months, ranked differently from month to month."""
    from protect.monitor import api

    api.ingest("ucdp", GED_SAMPLE)
    api.ingest("ucdp", CAR_GED)
    api.ingest("hxl", NGA_HDX)
    return plain


def _esc(text: str) -> str:
    """Text as Jinja escapes it in a page."""
    return str(escape(text))


def _svg(page: str) -> ET.Element:
    found = re.search(r"<svg.*?</svg>", page, re.S)
    assert found, "no inline SVG on the page"
    return ET.fromstring(found.group(0))


def _groups(svg: ET.Element) -> list[ET.Element]:
    return [g for g in svg.iter(f"{SVG_NS}g") if "month" in g.get("class", "").split()]


# ---- alerts --------------------------------------------------------------------------------


def test_alerts_page_lists_the_json_alerts_in_order(ingested: TestClient) -> None:
    for month in ("2014-02", "2014-05", "2017-09"):
        alerts = ingested.get("/api/v1/alerts", params={"month": month}).json()
        assert alerts, month
        page = ingested.get("/alerts", params={"month": month})
        assert page.status_code == 200
        rows = re.findall(r'<tr data-country="([A-Z]{3})" data-level="([a-z-]+)">', page.text)
        assert rows == [(a["country"], a["level"]) for a in alerts]
        for a in alerts:
            assert f'href="/monitor/{a["country"]}"' in page.text
            assert f'href="/situations/{a["country"]}/{month}"' in page.text
            assert a["rule"] in page.text
        assert f'href="/api/v1/alerts?month={month}"' in page.text
    # The ranking changes between months: CAF leads in February, Nigeria in May.
    may = ingested.get("/alerts", params={"month": "2014-05"}).text
    assert may.index('data-country="NGA"') < may.index('data-country="CAF"')
    # A perpetrator's name among the figures is escaped, not injected.
    assert _esc("Jama'atu Ahlis Sunna Lidda'awati wal-Jihad") in may


def test_alerts_page_defaults_to_the_latest_month_and_says_when_there_are_none(
    ingested: TestClient,
) -> None:
    page = ingested.get("/alerts")
    assert page.status_code == 200
    assert "<h1>Alerts, 2018-12</h1>" in page.text  # MMR runs to 2018-12, the latest month
    assert ingested.get("/api/v1/alerts", params={"month": "2018-12"}).json() == []
    assert "No alerts in 2018-12" in page.text
    assert '<form method="get" action="/alerts"' in page.text
    assert 'name="month" value="2018-12"' in page.text


# ---- monitor -------------------------------------------------------------------------------


def test_monitor_page_mirrors_the_json_window(ingested: TestClient) -> None:
    window = {"from": "2017-01", "to": "2017-12"}
    months = ingested.get("/api/v1/monitor/MMR", params=window).json()
    page = ingested.get("/monitor/mmr", params=window)
    assert page.status_code == 200
    assert re.findall(r'<tr data-month="(\d{4}-\d{2})">', page.text) == [m["month"] for m in months]
    for m in months:
        assert f'href="/situations/MMR/{m["month"]}"' in page.text
    assert 'href="/api/v1/monitor/MMR?from=2017-01&amp;to=2017-12"' in page.text

    svg = _svg(page.text)
    assert svg.get("role") == "img"
    assert svg.find(f"{SVG_NS}title") is not None and svg.find(f"{SVG_NS}desc") is not None
    groups = _groups(svg)
    assert [g.get("data-month") for g in groups] == [m["month"] for m in months]
    marked = {g.get("data-month"): g.get("data-alert") for g in groups if g.get("data-alert")}
    assert marked == {m["month"]: m["alert"]["level"] for m in months if m["alert"]}
    assert len(marked) == 12  # every month of 2017 raised an alert in Myanmar
    # The one-sided bar of August 2017 carries the JSON's figure.
    august = next(g for g in groups if g.get("data-month") == "2017-08")
    one_sided = next(r for r in august if r.get("class") == "one-sided")
    expected = next(m for m in months if m["month"] == "2017-08")["deaths_best"]["one-sided"]
    assert float(one_sided.get("data-value", "nan")) == pytest.approx(expected, abs=0.01)


def test_monitor_page_defaults_to_the_last_months_of_the_country(
    ingested: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    full = ingested.get("/monitor/MMR")
    assert full.status_code == 200
    timeline = ingested.get("/api/v1/timeline/MMR").json()
    assert len(timeline) == 36  # the sample covers 2016-01 to 2018-12: all of it fits
    assert len(_groups(_svg(full.text))) == 36

    from protect.service import monitor

    monkeypatch.setattr(monitor, "DEFAULT_WINDOW", 12)
    short = ingested.get("/monitor/MMR")
    rows = re.findall(r'<tr data-month="(\d{4}-\d{2})">', short.text)
    assert rows == [m["month"] for m in timeline[-12:]]
    # Its JSON twin takes the same default (issue 12: they answered 200 and 422 before).
    twin = ingested.get("/api/v1/monitor/MMR")
    assert twin.status_code == 200
    assert [r["month"] for r in twin.json()] == rows
    alerts = ingested.get("/api/v1/alerts")
    page = ingested.get("/alerts")
    assert alerts.status_code == page.status_code == 200
    until = ingested.get("/monitor/MMR", params={"to": "2017-06"})
    assert re.findall(r'<tr data-month="(\d{4}-\d{2})">', until.text)[-1] == "2017-06"
    assert len(re.findall(r'<tr data-month="', until.text)) == 12
    # Nigeria's panel comes from the HDX file: its own span, not Myanmar's.
    nga = ingested.get("/monitor/NGA")
    assert re.findall(r'<tr data-month="(\d{4}-\d{2})">', nga.text) == [
        f"2014-0{i}" for i in range(1, 7)
    ]


def test_monitor_and_alert_errors_are_pages(plain: TestClient) -> None:
    for url in ("/alerts", "/monitor/MMR", "/situations/MMR/2017-09"):
        page = plain.get(url)
        assert page.status_code == 404, url
        assert "text/html" in page.headers["content-type"]
        assert "<code>protect ingest ucdp --sample</code>" in page.text

    from protect.monitor import api

    api.ingest("ucdp", GED_SAMPLE)
    cases = {
        "/monitor/QQQ": (422, "not an ISO 3166-1 alpha-3 code"),
        "/monitor/NOR": (404, "No panel data for NOR"),
        "/monitor/MMR?from=2017-13": (422, "from: &#39;2017-13&#39; is not a month"),
        "/monitor/MMR?from=2018-01&to=2017-01": (422, "from 2018-01 is after to 2017-01"),
        "/alerts?month=soon": (422, "Month: &#39;soon&#39; is not a month"),
        "/situations/MMR/2030-01": (404, "no panel data for MMR in 2030-01"),
        "/situations/QQQ/2017-09": (422, "not an ISO 3166-1 alpha-3 code"),
    }
    for url, (status, message) in cases.items():
        page = plain.get(url)
        assert page.status_code == status, url
        assert message.lower() in page.text.lower(), url
        assert 'class="error"' in page.text and "Traceback" not in page.text


def test_an_unreadable_events_store_is_a_503_page(plain: TestClient) -> None:
    from protect.config import events_db_path

    path = events_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a DuckDB file\n" * 64)
    for url in ("/alerts", "/monitor/MMR"):
        page = plain.get(url)
        assert page.status_code == 503, url
        assert "cannot open the events database" in page.text.lower()


# ---- situation -----------------------------------------------------------------------------


def test_situation_page_shows_the_json_assessment(ingested: TestClient) -> None:
    found = ingested.get("/api/v1/situations/MMR/2017-09").json()
    page = ingested.get("/situations/mmr/2017-09")
    assert page.status_code == 200
    doc = found["assessment"]
    assert f"<h2>Stage: {doc['stage']}</h2>" in page.text
    assert found["alert"]["level"] in page.text and found["alert"]["rule"] in page.text
    for step in found["derivation"]:
        assert f"<code>{step['field']}</code>" in page.text
    measures = re.findall(r'<tr data-measure="([a-z0-9-]+)" data-actor="([a-z0-9-]+)">', page.text)
    assert measures == [(m["id"], m["actor"]) for m in doc["measures"]]
    for m in doc["measures"]:
        assert _esc(m["reason"]) in page.text
    for tension in doc["tensions"]:
        assert f"<strong>{_esc(tension['title'])}</strong>" in page.text
    names = titles("crimes")
    for crime in doc["crimes"]:
        row = f'<tr data-crime="{crime["id"]}"><td>{names[crime["id"]]}</td><td>{crime["status"]}'
        assert row in page.text
    assert f"Trace: {len(doc['trace'])} rules" in page.text
    # Myanmar was never a party and lodged no declaration.
    assert "ICC jurisdiction over the territory on this date: no." in page.text
    assert 'href="/kb/instruments/rome-statute"' in page.text
    assert 'href="/api/v1/situations/MMR/2017-09"' in page.text


# ---- risk ----------------------------------------------------------------------------------


def test_risk_page_mirrors_the_forecast_and_shares_the_stored_one(
    plain: TestClient, sqlite_database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from protect.service.risk import forecasts

    monkeypatch.setenv("PROTECT_SOURCES", str(RISK_EXTRACT))
    page = plain.get("/risk")  # default: the latest year the extract allows (data to 2024)
    assert page.status_code == 200
    assert "<h1>Risk of a mass-killing onset, 2025</h1>" in page.text
    stored = plain.get("/api/v1/risk/forecast", params={"year": 2025}).json()
    assert len(forecasts(sqlite_database)) == 1  # stored once, read by both
    assert f"Computed {stored['computed_at'][:10]}" in page.text
    assert stored["forecast_hash"][:12] in page.text
    rows = stored["rows"]

    assert re.findall(r'<tr data-country="([A-Z]{3})">', page.text) == [r["country"] for r in rows]
    top = rows[0]
    assert f"{top['risk'] * 100:.1f}%" in page.text
    assert f"{top['change'] * 100:+.1f}" in page.text
    for driver in top["drivers"]:
        assert _esc(driver["text"]) in page.text
    assert 'href="/api/v1/risk/forecast?year=2025"' in page.text

    assert plain.get("/risk", params={"year": "2025"}).text == page.text
    bad_year = plain.get("/risk", params={"year": "2199"})
    assert bad_year.status_code == 422 and "choose a year from" in bad_year.text
    assert plain.get("/risk", params={"year": "soon"}).status_code == 422


def test_risk_page_without_sources_is_a_503_page(
    plain: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    empty = tmp_path / "no-sources"
    empty.mkdir()
    monkeypatch.setenv("PROTECT_SOURCES", str(empty))
    for url in ("/risk", "/risk?year=2025"):
        page = plain.get(url)
        assert page.status_code == 503, url
        # Nothing stored and nothing to issue from: the page says how to get a forecast.
        assert "load-record" in page.text and "Traceback" not in page.text
    assert plain.get("/api/v1/risk/forecast", params={"year": 2025}).status_code == 503


# ---- assess --------------------------------------------------------------------------------

DARFUR_FORM = {
    "name": "Darfur",
    "country": "sdn",
    "date": "2004-07-01",
    "armed_conflict": "non-international",
    "state_role": "perpetrator",
    "atrocities.crimes-against-humanity": "ongoing",
    "atrocities.war-crimes": "ongoing",
    "security_council.seized": "true",
}


def _api_body(form: dict[str, str]) -> dict[str, Any]:
    return {
        "name": form["name"],
        "country": form["country"].upper(),  # the form takes the code in either case
        "date": form["date"],
        "armed_conflict": form["armed_conflict"],
        "state_role": form["state_role"],
        "atrocities": {"crimes-against-humanity": "ongoing", "war-crimes": "ongoing"},
        "security_council": {"seized": True},
    }


def test_assess_form_renders_the_same_assessment_as_the_api(
    plain: TestClient, sqlite_database: Database
) -> None:
    form = plain.get("/assess")
    assert form.status_code == 200
    # The form is a wizard: each field is asked on one of its steps.
    steps = [plain.get(f"/assess?step={s}").text for s in STEP_IDS]
    for field in (
        "country",
        "date",
        "armed_conflict",
        "state_role",
        "post_conflict",
        "atrocities.genocide",
        "atrocities.ethnic-cleansing",
        "peacekeeping.present",
        "peacekeeping.host_consent",
        "security_council.seized",
        "icc_state_party",
    ):
        assert any(f'name="{field}"' in page for page in steps), field

    doc = plain.post("/api/v1/assess", json=_api_body(DARFUR_FORM)).json()
    page = plain.post("/assess", data=_form(plain, DARFUR_FORM))
    assert page.status_code == 200
    assert f"<h2>Stage: {doc['stage']}</h2>" in page.text
    available = sum(1 for m in doc["measures"] if m["available"])
    assert f"{available} of {len(doc['measures'])} available" in page.text
    assert "security-council" in page.text  # the Council perspective the seized flag adds
    assert doc["derived"]["icc_state_party_source"] == "ratification-table"
    assert "(from ratification-table)" in page.text

    party = plain.post("/assess", data=_form(plain, {**DARFUR_FORM, "icc_state_party": "true"}))
    assert "yes (from input)" in party.text
    # Ukraine in 2022: not a party, but within the Court's reach by its second Art. 12(3)
    # declaration (lodged 2015-09-08, from 2014-02-20).
    ukraine = plain.post(
        "/assess", data=_form(plain, {**DARFUR_FORM, "country": "UKR", "date": "2022-03-15"})
    )
    assert ukraine.status_code == 200
    assert (
        "on this date: yes, from 2014-02-20, by an Art. 12(3) declaration lodged 2015-09-08"
        in ukraine.text
    )
    # Stores nothing, like POST /api/v1/assess.
    from protect.service import assessments
    from protect.service.roles import local_operator

    assert assessments.list_assessments(sqlite_database, local_operator()).total == 0


def test_assess_form_with_bad_fields_is_shown_again_with_422(plain: TestClient) -> None:
    bad = {**DARFUR_FORM, "country": "QQQ", "armed_conflict": "skirmish", "date": "2004-02-30"}
    api = plain.post("/api/v1/assess", json={**_api_body(bad)})
    assert api.status_code == 422
    fields = {d["field"] for d in api.json()["detail"]}
    assert fields == {"country", "armed_conflict", "date"}

    page = plain.post("/assess", data=_form(plain, bad))
    assert page.status_code == 422
    for d in api.json()["detail"]:
        assert f"<li><code>{d['field']}</code>: {_esc(d['msg'])}</li>" in page.text
    assert 'value="QQQ"' in page.text and 'value="2004-02-30"' in page.text  # kept for fixing
    assert "<h2>Stage:" not in page.text

    unknown = plain.post(
        "/assess", data=_form(plain, {**DARFUR_FORM, "atrocities.genocide": "rumoured"})
    )
    assert unknown.status_code == 422 and "atrocities.genocide" in unknown.text
    icc = plain.post("/assess", data=_form(plain, {**DARFUR_FORM, "icc_state_party": "maybe"}))
    assert icc.status_code == 422 and "icc_state_party" in icc.text


# ---- the chart function --------------------------------------------------------------------


def _month(
    label: str, sb: float, ns: float, os_: float, civ: float, alert: str | None = None
) -> ChartMonth:
    return ChartMonth(
        label, state_based=sb, non_state=ns, one_sided=os_, civilians=civ, alert=alert
    )


def _bars(svg: ET.Element, month: str) -> dict[str, float]:
    group = next(g for g in _groups(svg) if g.get("data-month") == month)
    return {
        str(r.get("class")): float(r.get("height", "nan"))
        for r in group.iter(f"{SVG_NS}rect")
        if r.get("class") in ("state-based", "non-state", "one-sided")
    }


def test_chart_bars_scale_with_the_values_and_stack() -> None:
    svg = ET.fromstring(
        monthly_deaths_svg(
            [
                _month("2020-01", 40, 20, 40, 10),
                _month("2020-02", 20, 10, 20, 80, "serious-concern"),
                _month("2020-03", 0, 0, 0, 0),
            ],
            title="test",
        )
    )
    jan, feb, mar = (_bars(svg, m) for m in ("2020-01", "2020-02", "2020-03"))
    assert jan["state-based"] == pytest.approx(2 * feb["state-based"])
    assert jan["one-sided"] == pytest.approx(2 * jan["non-state"])
    assert mar == {}  # a month with no deaths draws no bar but keeps its slot
    assert [g.get("data-month") for g in _groups(svg)] == ["2020-01", "2020-02", "2020-03"]
    # Stacked: in January the non-state bar sits right on top of the state-based one.
    group = next(g for g in _groups(svg) if g.get("data-month") == "2020-01")
    rects = {r.get("class"): r for r in group.iter(f"{SVG_NS}rect")}
    sb, ns = rects["state-based"], rects["non-state"]
    assert float(ns.get("y", "0")) + float(ns.get("height", "0")) == pytest.approx(
        float(sb.get("y", "0")), abs=0.02
    )
    # Only February is flagged, and the civilians are one mark per month.
    alerts = [g.get("data-month") for g in _groups(svg) if g.get("data-alert")]
    assert alerts == ["2020-02"]
    marks = [c for c in svg.iter(f"{SVG_NS}circle") if c.get("class") == "civilians"]
    assert len(marks) == 3
    assert float(marks[1].get("cy", "0")) < float(marks[0].get("cy", "0"))  # 80 is above 10


def test_chart_keeps_a_slot_for_missing_months_and_summarises_for_screen_readers() -> None:
    svg_text = monthly_deaths_svg(
        [_month("2019-11", 5, 0, 0, 0), _month("2020-02", 0, 0, 7, 7, "current-crisis")],
        title="gap",
    )
    svg = ET.fromstring(svg_text)
    groups = _groups(svg)
    assert [g.get("data-month") for g in groups] == ["2019-11", "2019-12", "2020-01", "2020-02"]
    assert [("missing" in g.get("class", "")) for g in groups] == [False, True, True, False]
    desc = svg.find(f"{SVG_NS}desc")
    assert desc is not None and desc.text is not None
    assert "2019-11 to 2020-02" in desc.text
    assert "1 month with an alert: current-crisis 1" in desc.text
    assert "2 months without data" in desc.text
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-title chart-desc"


def test_chart_escapes_its_text_and_handles_no_data() -> None:
    nasty = '<script>alert("x")</script> & co'
    svg_text = monthly_deaths_svg(
        [_month("2021-05", 1, 2, 3, 4, '"><b>')], title=nasty, element_id='a"b'
    )
    assert "<script>" not in svg_text and "<b>" not in svg_text
    svg = ET.fromstring(svg_text)  # well-formed XML
    title = svg.find(f"{SVG_NS}title")
    assert title is not None and title.text == nasty
    empty = ET.fromstring(monthly_deaths_svg([], title="nothing"))
    assert _groups(empty) == [] and empty.get("role") == "img"


def test_nice_ceiling_is_a_round_number_at_or_above_the_value() -> None:
    assert nice_ceiling(0) == 1
    assert nice_ceiling(1) == 1
    assert nice_ceiling(7) == 8
    assert nice_ceiling(2219) == 2500
    assert nice_ceiling(100) == 100
    assert nice_ceiling(101) == 150


def test_pages_say_which_release_each_month_comes_from(ingested: TestClient) -> None:
    months = ingested.get("/api/v1/monitor/CAF", params={"from": "2014-01", "to": "2014-01"})
    release = months.json()[0]["release"]
    assert release and release.startswith("GED 23.1")
    page = ingested.get("/monitor/CAF", params={"from": "2014-01", "to": "2014-01"})
    assert _esc(release) in page.text
    alerts = ingested.get("/alerts", params={"month": "2014-01"})
    assert _esc(release) in alerts.text
    situation = ingested.get("/situations/CAF/2014-01")
    assert f"Source: {_esc(release)} (release " in situation.text
