"""Situations, alerts and assessments derived from the panel with the YAML thresholds."""

from __future__ import annotations

from pathlib import Path

import pytest

from protect.monitor import api
from protect.monitor.situations import alert_for, derive, thresholds

from .conftest import SAMPLE


@pytest.fixture
def mmr(db: Path) -> Path:
    api.ingest("ucdp", SAMPLE, db_path=db, release="24.1")
    return db


def test_every_threshold_has_a_rationale_and_sources() -> None:
    t = thresholds()
    assert t.armed_conflict.battle_deaths_12m.value == 25
    assert t.atrocities.mass_killing_12m.value == 1000
    for group in (t.armed_conflict, t.atrocities, t.civilian_harm, t.state_role):
        for item in group.__dict__.values():
            assert item.rationale.strip() and item.sources
    assert t.alerts[0].level == "current-crisis"
    assert all(a.sources for a in t.alerts)


def _row(**figures: float | str | bool | None) -> dict[str, object]:
    base: dict[str, object] = {
        "iso3": "MMR", "month": "2017-09", "m": 2017 * 12 + 8, "source": "ucdp",
        "sb_best_12m": 0.0, "ns_best_12m": 0.0, "os_best_12m": 0.0, "os_best_3m": 0.0,
        "interstate_best_12m": 0.0, "top_perpetrator_12m": 0.0, "top_perpetrator": None,
        "top_perpetrator_is_gov": False, "civilians_12m": 0.0, "civilians_3m": 0.0,
    }  # fmt: skip
    base.update(figures)
    return base


def test_thresholds_are_applied_at_their_boundaries() -> None:
    quiet, _ = derive(_row(sb_best_12m=24.9))
    assert quiet["armed_conflict"] == "none" and quiet["state_role"] == "protecting"
    assert alert_for(_row(sb_best_12m=24.9)) is None
    war, _ = derive(_row(sb_best_12m=25))
    assert war["armed_conflict"] == "non-international" and war["state_role"] == "unable"
    inter, _ = derive(_row(sb_best_12m=40, interstate_best_12m=30))
    assert inter["armed_conflict"] == "international"
    groups, _ = derive(_row(ns_best_12m=30))
    assert groups["armed_conflict"] == "non-international"

    mk = _row(
        top_perpetrator_12m=1000,
        os_best_12m=1000,
        top_perpetrator="Government of X",
        top_perpetrator_is_gov=True,
    )
    sit, steps = derive(mk)
    assert sit["atrocities"]["crimes-against-humanity"] == "ongoing"
    assert sit["atrocities"]["war-crimes"] == "none"  # no armed conflict
    assert sit["atrocities"]["genocide"] == "none"
    assert sit["state_role"] == "perpetrator"
    assert [s["field"] for s in steps] == [
        "armed_conflict", "atrocities", "civilian_harm", "state_role",
    ]  # fmt: skip
    alert = alert_for(mk)
    assert alert is not None and alert.level == "current-crisis"
    assert alert.figures["top_perpetrator_12m"] == 1000
    below = alert_for(_row(top_perpetrator_12m=999, os_best_12m=999))
    assert below is not None and below.level == "imminent-risk"
    surge = alert_for(_row(os_best_3m=250, os_best_12m=250))
    assert surge is not None and surge.rule == "one-sided-surge"
    concern = alert_for(_row(os_best_12m=25))
    assert concern is not None and concern.level == "serious-concern"


def test_myanmar_2017_from_the_bundled_sample(mmr: Path) -> None:
    months = api.monitor("MMR", "2017-06", "2017-09", db_path=mmr)
    assert [r.month for r in months] == ["2017-06", "2017-07", "2017-08", "2017-09"]
    aug = months[2]
    assert aug.deaths_best.one_sided > 1000
    assert aug.alert is not None and aug.alert.level == "current-crisis"
    assert aug.situation["state_role"] == "perpetrator"
    assert months[0].alert is None or months[0].alert.level != "current-crisis"
    dumped = aug.model_dump(mode="json")
    assert set(dumped["deaths_best"]) == {"state-based", "non-state", "one-sided"}
    assert {
        "country",
        "month",
        "deaths_best",
        "deaths_low",
        "deaths_high",
        "deaths_civilians",
        "events",
        "alert",
        "situation",
    } <= set(dumped)

    ranked = api.alerts("2017-09", db_path=mmr)
    assert ranked[0].country == "MMR" and ranked[0].rank == 1

    found = api.situation("MMR", "2017-09", db_path=mmr)
    assert found.assessment["stage"] == "atrocity-crimes"
    assert found.assessment["norms"]["r2p"]["manifest_failure"] is True
    assert found.assessment["situation"]["country"] == "MMR"
    assert found.assessment["situation"]["date"] == "2017-09-30"


def test_bad_arguments_are_clear_errors(mmr: Path) -> None:
    with pytest.raises(api.MonitorInputError, match="ISO 3166"):
        api.monitor("XYZ", "2017-01", "2017-02", db_path=mmr)
    with pytest.raises(api.MonitorInputError, match="YYYY-MM"):
        api.monitor("MMR", "2017-1", "2017-02", db_path=mmr)
    with pytest.raises(api.MonitorInputError, match="after"):
        api.monitor("MMR", "2017-05", "2017-02", db_path=mmr)
    with pytest.raises(api.MonitorInputError, match="no panel data"):
        api.situation("MMR", "1990-01", db_path=mmr)


def test_nothing_ingested_yet(tmp_path: Path) -> None:
    with pytest.raises(api.StoreError, match="ingest"):
        api.alerts("2017-09", db_path=tmp_path / "none.duckdb")


def test_timeline_covers_every_month_of_the_sample(mmr: Path) -> None:
    months = api.timeline("MMR", db_path=mmr)
    assert months[0].month == "2016-01" and months[-1].month == "2018-12"
    assert len(months) == 36
    assert sum(r.events for r in months) == 216


def test_coverage_is_the_span_the_monitor_shows(mmr: Path) -> None:
    months = api.timeline("MMR", db_path=mmr)
    assert api.coverage("MMR", db_path=mmr) == (months[0].month, months[-1].month)
    assert api.coverage(db_path=mmr) == ("2016-01", "2018-12")
    assert api.coverage("NOR", db_path=mmr) is None  # a country the data do not cover
    with pytest.raises(api.MonitorInputError, match="ISO 3166"):
        api.coverage("XYZ", db_path=mmr)
    with pytest.raises(api.StoreError, match="ingest"):
        api.coverage(db_path=mmr.parent / "none.duckdb")


def test_civilian_deaths_in_all_violence_reach_war_crimes_harm_and_alerts() -> None:
    """Issue 11: Syria 2016 had 8,336 civilians killed in state-based events and 37 one-sided
    deaths by the government; reading one-sided violence alone said "risk"."""
    t = thresholds()
    at, ch = t.atrocities, t.civilian_harm
    syria = _row(sb_best_12m=20000, os_best_12m=37, civilians_12m=8336, civilians_3m=2100)
    sit, steps = derive(syria)
    assert sit["atrocities"]["crimes-against-humanity"] == "risk"  # one-sided reading
    assert sit["atrocities"]["war-crimes"] == "imminent"  # civilians killed in the fighting
    assert sit["civilian_harm"] == {"attacks-on-civilians": "widespread"}
    step = next(s for s in steps if s["field"] == "civilian_harm")
    assert step["rule"] == "attacks_widespread_12m" and step["figures"]["civilians_12m"] == 8336
    alert = alert_for(syria)
    assert alert is not None and (alert.level, alert.rule) == ("imminent-risk", "civilian-toll")

    lo = ch.attacks_sporadic_12m.value
    assert derive(_row(civilians_12m=lo - 0.01))[0]["civilian_harm"] == {
        "attacks-on-civilians": "none"
    }
    sporadic, _ = derive(_row(civilians_12m=lo))
    assert sporadic["civilian_harm"] == {"attacks-on-civilians": "sporadic"}
    assert sporadic["atrocities"]["war-crimes"] == "none"  # no armed conflict: no war crimes
    in_war, _ = derive(_row(sb_best_12m=100, civilians_12m=at.civilians_in_conflict_12m.value))
    assert in_war["atrocities"]["war-crimes"] == "risk"
    # Civilian deaths never make war crimes "ongoing"; one perpetrator's mass killing does.
    mk, _ = derive(_row(sb_best_12m=100, top_perpetrator_12m=1000, civilians_3m=5000))
    assert mk["atrocities"]["war-crimes"] == "ongoing"
    assert alert_for(_row(civilians_12m=999.99)) is None
