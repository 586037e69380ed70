"""The forecast map, the country page's forecast, risk history and saved assessments, and the
knowledge base written for people with its search: pages and JSON twins on the real risk
extracts (tests/data/risk, 25 countries) and the bundled monitor data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from protect.service import assessments, kbview, knowledge
from protect.service.risk import SERVER, issue_forecast
from protect.service.riskview import band_of, bands
from protect.storage import Database
from protect.storage.models import RiskForecast
from service.conftest import PEACE, Tokens, csrf_token, tokens  # noqa: F401 - fixture

pytestmark = pytest.mark.usefixtures("events")

RISK = Path(__file__).parent.parent / "data" / "risk"


@pytest.fixture
def sources(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROTECT_SOURCES", str(RISK))
    return RISK


def _stored(db: Database) -> list[int]:
    with db.reading() as session:
        return sorted(session.scalars(select(RiskForecast.year)).all())


def _login(client: TestClient, name: str, token: str) -> None:
    form = {"name": name, "token": token, "csrf_token": csrf_token(client)}
    assert client.post("/login", data=form, follow_redirects=False).status_code == 303


# ---- the forecast map ----------------------------------------------------------------------


def test_the_forecast_map_shows_stored_years_and_the_latest_and_never_computes_others(
    client: TestClient, database: Database, sources: Path
) -> None:
    issue_forecast(database, SERVER, 2022, sources)
    api = client.get("/api/v1/map/risk").json()
    assert (api["year"], api["latest_year"], api["stored"]) == (2025, 2025, True)
    assert api["years"] == [2022, 2025]
    assert _stored(database) == [2022, 2025]  # the latest was computed once, on request
    ranked = api["countries"]
    assert len(ranked) == 25 and [c["rank"] for c in ranked] == list(range(1, 26))
    assert all(c["band"] == band_of(c["risk"]).id for c in ranked)
    assert all(c["drivers"] and "points" in c["drivers"][0] for c in ranked)

    page = client.get("/map/risk")
    assert page.status_code == 200
    html = page.text
    # The slider spans the stored years; the map colours each ranked country by its band and
    # hatches the others; the list beside it has one row per ranked country.
    assert re.search(r'id="map-year-slider" name="year" min="2022" max="2025" value="2025"', html)
    # Without JavaScript the slider is a field of a GET form with a Show button.
    form = html[html.index('<form method="get" action="/map/risk"') :]
    form = form[: form.index("</form>")]
    assert 'name="year"' in form and '<button type="submit">Show</button>' in form
    top = ranked[0]
    assert re.search(rf'data-country="{top["country"]}" data-level="{top["band"]}"', html), (
        "the top country is drawn in its band"
    )
    unranked = next(
        c for c in ("AUS", "BRA", "CAN", "NOR") if c not in {r["country"] for r in ranked}
    )
    assert f'data-country="{unranked}" data-level="no-data"' in html
    assert html.count("<tr data-country=") == 25
    for band in bands():
        assert band.label in html  # the legend names every band
    assert 'href="/map"' in html and "forecast risk by year" in html  # the mode switch

    # A year between the stored ones: said to be not stored, nothing computed.
    gap = client.get("/map/risk?year=2023")
    assert gap.status_code == 200 and "data-not-stored" in gap.text
    assert "No forecast is stored for 2023" in gap.text
    assert client.get("/api/v1/map/risk?year=2023").json()["stored"] is False
    assert _stored(database) == [2022, 2025]
    older = client.get("/api/v1/map/risk?year=2022").json()
    assert older["stored"] and older["data_year"] == 2021

    bad = client.get("/map/risk?year=20x5")
    assert bad.status_code == 422 and "year" in bad.text
    assert client.get("/api/v1/map/risk?year=20x5").status_code == 422


def test_the_forecast_map_without_risk_sources_is_a_503_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PROTECT_SOURCES", str(tmp_path / "nothing"))
    page = client.get("/map/risk")
    assert page.status_code == 503 and "<nav>" in page.text


# ---- the country page ----------------------------------------------------------------------


def test_every_country_of_the_forecast_has_a_page_and_risk_links_to_it(
    client: TestClient, database: Database, sources: Path
) -> None:
    risk = client.get("/risk?year=2025")
    assert risk.status_code == 200
    links = re.findall(r'<td><a href="(/[^"]+)">', risk.text)
    assert len(links) == 25 and all(re.fullmatch(r"/country/[A-Z]{3}", h) for h in links)
    for href in links:
        page = client.get(href)
        assert page.status_code == 200, href
        assert "data-forecast-rank=" in page.text, href
    # South Sudan: no monitor data, yet rank, probability and drivers in words.
    ssd = client.get("/country/SSD").text
    assert "No data: the conflict-event data ingested do not cover South Sudan" in ssd
    view = client.get("/api/v1/country/SSD").json()
    f = view["forecast"]
    assert f["rank"] == 1 and f["of"] == 25 and len(f["drivers"]) == 3
    assert "Rank <strong>1 of 25</strong>" in ssd
    assert f"{f['risk'] * 100:.1f}%" in ssd
    assert all(d.replace("'", "&#39;") in ssd for d in f["drivers"])
    assert view["assessments"] is None and 'data-saved="login"' in ssd


def test_the_risk_history_chart_has_one_point_per_stored_year_and_marks_the_gaps(
    client: TestClient, database: Database, sources: Path
) -> None:
    issue_forecast(database, SERVER, 2022, sources)
    view = client.get("/api/v1/country/MMR?month=2017-09").json()
    history = view["risk_history"]
    assert [y["year"] for y in history] == [2022, 2025]
    assert all(1 <= y["rank"] <= y["of"] == 25 for y in history)
    html = client.get("/country/MMR?month=2017-09").text
    chart = html[html.index('<figure class="risk-chart">') :]
    chart = chart[: chart.index("</figure>")]
    points = re.findall(
        r'<g class="year" data-year="(\d+)" data-risk="([\d.]+)" data-rank="(\d+)"', chart
    )
    assert [(int(y), int(r)) for y, _p, r in points] == [(y["year"], y["rank"]) for y in history]
    assert all(
        abs(float(p) - y["risk"]) < 1e-4 for (_y, p, _r), y in zip(points, history, strict=True)
    )
    # 2023 and 2024 have no stored forecast, but the backtest covers them: no year is blank.
    assert chart.count('class="year missing"') == 0
    assert '<title id="risk-chart-title">' in chart and "forecast probability" in chart
    csv = client.get("/country/MMR.csv?table=risk&month=2017-09")
    assert csv.status_code == 200 and csv.text.splitlines()[0].startswith("country,year,risk")


def test_the_country_page_shows_the_backtest_with_ewp_and_the_onsets(
    client: TestClient, database: Database, sources: Path
) -> None:
    """Myanmar: the backtest's out-of-sample forecast for every year 1994-2024 beside EWP's
    published one, and the onsets of 2016 (the clearance operations against the Rohingya) and
    2021 (the crackdown after the coup of 1 February) marked, as EWP codes them."""
    view = client.get("/api/v1/country/MMR?month=2017-09").json()
    backtest = view["risk_backtest"]
    assert [y["year"] for y in backtest] == list(range(1994, 2025))
    assert [y["year"] for y in backtest if y["onset"]] == [2016, 2021]
    assert all(1 <= y["rank"] <= y["of"] and y["ewp"] is not None for y in backtest)
    html = client.get("/country/MMR?month=2017-09").text
    chart = html[html.index('<figure class="risk-chart">') :]
    chart = chart[: chart.index("</figure>")]
    points = re.findall(
        r'<g class="backtest-year" data-year="(\d+)" data-risk="([\d.]+)" data-rank="(\d+)" '
        r'data-onset="(\d)"',
        chart,
    )
    assert [(int(y), int(r), int(o)) for y, _p, r, o in points] == [
        (y["year"], y["rank"], y["onset"]) for y in backtest
    ]
    assert chart.count(">onset</text>") == 2 and "stroke-dasharray" in chart
    assert "a mass killing began in 2016, 2021" in chart
    csv = client.get("/country/MMR.csv?table=backtest&month=2017-09")
    rows = csv.text.splitlines()
    assert rows[0] == "country,year,risk,rank,of,ewp,onset" and len(rows) == 32
    # Rwanda, 1994: the genocide against the Tutsi began in April; the backtest ranked Rwanda
    # first of its year from the data of 1993.
    rwanda = client.get("/api/v1/country/RWA").json()["risk_backtest"][0]
    assert (rwanda["year"], rwanda["rank"], rwanda["onset"]) == (1994, 1, 1)


def test_saved_assessments_of_the_country_with_their_versions_for_a_logged_in_reader(
    client: TestClient,
    database: Database,
    tokens: Tokens,  # noqa: F811 - the fixture, by name
    sources: Path,
) -> None:
    from protect.service.roles import Principal

    analyst = Principal(name="ana", role="analyst")
    norway = {**PEACE, "name": "Norway at peace"}
    saved = assessments.save(database, analyst, norway)
    again = assessments.reassess(database, analyst, saved.id)
    anonymous = client.get("/country/NOR").text
    assert 'data-saved="login"' in anonymous and "Norway at peace" not in anonymous
    _login(client, "vic", tokens.viewer)
    page = client.get("/country/NOR").text
    rows = re.findall(r'<tr data-case="([^"]+)"><td><a href="/assessments/(\d+)">', page)
    assert rows == [(again.case, str(again.id)), (saved.case, str(saved.id))]
    assert client.get(f"/assessments/{again.id}").status_code == 200
    api = client.get("/api/v1/country/NOR", headers=tokens.header("viewer")).json()
    assert [a["version"] for a in api["assessments"]] == [2, 1]
    client.cookies.clear()  # the twin reads the session cookie too; signed out, it has none
    assert client.get("/api/v1/country/NOR").json()["assessments"] is None


def test_the_country_page_states_provenance_and_links_its_sources(client: TestClient) -> None:
    html = client.get("/country/MMR?month=2017-09").text
    view = client.get("/api/v1/country/MMR?month=2017-09").json()
    assert view["provenance"] == "UCDP GED 24.1 2016-01 to 2018-12"
    assert f"Covered: {view['provenance']}." in html
    assert 'href="https://ucdp.uu.se/downloads/"' in html


# ---- the knowledge base --------------------------------------------------------------------


def _every_entry() -> list[tuple[str, str]]:
    return [
        (kind, str(e.get("id", e.get("number"))))
        for kind in knowledge.KINDS
        for e in knowledge.list_entries(kind)
    ]


def test_every_knowledge_base_entry_is_written_for_people(client: TestClient) -> None:
    snake = re.compile(r"\b[a-z]+_[a-z_]+\b")
    for kind, key in _every_entry():
        page = client.get(f"/kb/{kind}/{key}")
        assert page.status_code == 200, (kind, key)
        main = page.text[page.text.index("<main>") : page.text.index("</main>")]
        text = re.sub(r"https?://\S+", " ", re.sub(r"<[^>]+>", " ", main))  # addresses aside
        assert "<pre>" not in main and "{" not in text, (kind, key)
        assert not re.search(r"\b(True|False|None)\b", text), (kind, key)
        assert not snake.search(text), (kind, key, snake.findall(text))
        for href in re.findall(r'href="(/kb/[^"]+)"', main):
            assert client.get(href).status_code == 200, href


def test_instruments_show_their_dates_and_links_and_measures_their_conditions(
    client: TestClient,
) -> None:
    rome = client.get("/kb/instruments/rome-statute").text
    assert '<dt>Adopted</dt><dd><time datetime="1998-07-17">17 July 1998</time></dd>' in rome
    assert '<dt>In force</dt><dd><time datetime="2002-07-01">1 July 2002</time></dd>' in rome
    assert 'href="/kb/measures/icc-referral"' in rome  # cited by
    res = client.get("/kb/instruments/wsod").text
    assert '<a href="https://undocs.org/en/A/RES/60/1" rel="external">' in res  # from the YAML
    udhr = client.get("/kb/instruments/ga-res-96").text  # an address ending in "(I)"
    assert '<a href="https://undocs.org/en/A/RES/96(I)" rel="external">' in udhr
    referral = client.get("/kb/measures/icc-referral").text
    assert "Available when some atrocity crime is ongoing or in the past." in referral
    early = client.get("/kb/measures/early-warning").text
    assert "Always available: no condition of the situation." in early
    assert (
        "UN Security Council: only when, in addition, some crime falls within the International "
        "Criminal Court&#39;s reach through a referral by the Security Council" in referral
    )
    assert '<a href="/kb/instruments/rome-statute">Rome Statute</a>, Art. 13(b)' in referral
    # Every measure's condition reads as words.
    for measure in knowledge.list_entries("measures"):
        detail = kbview.describe("measures", measure["id"]).condition_detail
        assert detail and "_" not in detail and "True" not in detail, measure["id"]


def test_search_finds_entries_by_title_text_and_citation_with_snippets(
    client: TestClient,
) -> None:
    found = client.get("/api/v1/kb/search", params={"q": "Genocide Convention"}).json()
    assert found["terms"] == ["genocide", "convention"]
    assert found["results"][0]["href"] == "/kb/instruments/genocide-convention"
    assert found["total"] >= 5
    # A word that only a citation's pinpoint or an example holds.
    darfur = client.get("/api/v1/kb/search", params={"q": "darfur"}).json()
    assert "/kb/measures/icc-referral" in [r["href"] for r in darfur["results"]]
    hit = next(r for r in darfur["results"] if r["href"] == "/kb/measures/icc-referral")
    assert any(match and text.lower() == "darfur" for text, match in hit["snippet"])
    # Prefixes of three letters or more; every word must match.
    assert client.get("/api/v1/kb/search", params={"q": "referr icc"}).json()["total"] >= 1
    assert client.get("/api/v1/kb/search", params={"q": "genocide zzzqx"}).json()["total"] == 0

    page = client.get("/kb/search", params={"q": "darfur"})
    assert page.status_code == 200
    assert "<mark>Darfur</mark>" in page.text
    assert page.text.count("<li data-kind=") == len(darfur["results"])
    assert 'href="/api/v1/kb/search?q=darfur"' in page.text
    empty = client.get("/kb/search?q=")
    assert empty.status_code == 200 and "Type words to find" in empty.text
    assert "No entry holds every word" in client.get("/kb/search?q=zzzqx").text
    long = "a" * 201
    assert client.get(f"/kb/search?q={long}").status_code == 422
    assert client.get(f"/api/v1/kb/search?q={long}").status_code == 422
    # The search box is in the nav of every page, and on /kb.
    for path in ("/", "/kb", "/map?month=2017-09"):
        html = client.get(path).text
        assert re.search(r'<form method="get" action="/kb/search"[^>]*role="search"', html), path


def test_the_derived_situation_and_its_assessment_read_as_words(client: TestClient) -> None:
    html = client.get("/situations/MMR/2017-09").text
    main = html[html.index("<main>") : html.index("</main>")]
    # Rule ids (in <code>) and the trace (in <details>) are meant for the record; the rest is
    # for people.
    main = re.sub(r"<details.*?</details>|<code>.*?</code>", " ", main, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", main)
    assert re.findall(r"\b(?:True|False|None)\b|\b[a-z]+_[a-z_]+\b", text) == []
    assert "<th>R2P in force</th><td>yes</td>" in html
    assert "<td><code>armed_conflict</code></td>" in html  # the contract's field name
