"""Each pre-filled suggestion follows from the data it names: the figures it quotes are the
figures of the bundled monitor sample and of the real risk extracts, read here independently;
every rule it cites holds on them; no rule that does not hold is cited; and nothing is read from
after the assessment's date."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import pytest

from protect.knowledge.foa import framework
from protect.monitor import api as monitor_api
from protect.service import foa
from protect.service import foa_prefill as pre
from protect.storage import Database

from .conftest import ANA, RISK

_RANK = {"low": 1, "moderate": 2, "high": 3}


def _ewp_row(ccode: int, year: int) -> dict[str, str]:
    path = RISK / "ewp" / "statrisk-2025" / "prepared2024predictors-2025-09-03.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if int(row["ccode"]) == ccode and int(row["year"]) == year:
                return row
    raise AssertionError(f"no EWP row {ccode} {year}")


def _one_sided_12m_from_ged(last_month: str) -> float:
    """One-sided deaths (best) in the 12 months to `last_month`, summed straight from the GED
    sample by each event's end date (the month the monitor files an event under, decision 012)."""
    year, month = (int(p) for p in last_month.split("-"))
    end = year * 12 + month - 1
    total = 0.0
    with gzip.open(monitor_api.sample_path(), "rt", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["type_of_violence"] != "3" or row["country_id"] != "775":
                continue
            d = dt.date.fromisoformat(row["date_end"][:10])
            if end - 11 <= d.year * 12 + d.month - 1 <= end:
                total += float(row["best"])
    return total


def _engine_readings(record: foa.FoaRecord) -> dict[str, Any]:
    """Treaty and ICC facts straight from the engine's document for the stored situation."""
    from protect import Situation, assess

    assert record.situation is not None
    derived = assess(Situation.model_validate(record.situation)).model_dump(mode="json")["derived"]
    missing = [t["instrument"] for t in derived["treaties"] if not t["party"]]
    return {
        "icc_state_party": derived["icc_state_party"],
        "icc_jurisdiction": derived["icc"]["jurisdiction"],
        "treaties_not_party": len(missing),
        "treaties_missing": ", ".join(missing),
    }


def _suggest(database: Database, country: str, date: str, events_db: Path) -> foa.FoaRecord:
    record = foa.create(database, ANA, {"country": country, "date": date})
    return foa.suggest(database, ANA, record.id, events_db=events_db, sources=RISK)


def _check_follows(record: foa.FoaRecord, readings: dict[str, dict[str, Any]]) -> None:
    """Every suggestion's data are the readings' values, its rules hold on them, its rating is
    the highest of its rules, and every rule that holds is cited."""
    fw = framework()
    rules = {r.id: r for r in fw.prefill}
    for f in record.factors:
        s = f.suggestion
        fired = [
            r.id
            for r in fw.prefill
            if r.factor == f.factor
            and readings.get(r.source) is not None
            and all(t.holds(readings[r.source].get(t.field)) for t in r.when)
        ]
        if s is None:
            assert fired == [], f"factor {f.factor}: rules {fired} hold but nothing suggested"
            continue
        assert s.machine_made is True and f.pending and f.rating is None
        assert s.rules == fired
        assert s.rating == max((rules[i].rating for i in fired), key=_RANK.__getitem__)
        for item in s.data:
            assert item["value"] == readings[item["source"]].get(item["field"]), item
        assert len(s.evidence) == len(fired)


def test_myanmar_september_2017_suggestions_follow_from_the_sample_and_ewp(
    database: Database, events_db: Path
) -> None:
    record = _suggest(database, "MMR", "2017-09-30", events_db)
    month = monitor_api.monitor("MMR", "2017-09", "2017-09", db_path=events_db)[0]
    # The monitor's figure is the GED sample's own sum (read here without the monitor).
    assert month.deaths_best_12m.one_sided == pytest.approx(_one_sided_12m_from_ged("2017-09"))
    ewp = _ewp_row(775, 2016)  # the last year before 2017: data of 2017 describe later days
    readings = {
        "monitor": {
            "armed_conflict": month.situation["armed_conflict"],
            "alert_rule": month.alert.rule if month.alert else None,
            "alert_level": month.alert.level if month.alert else None,
            "one_sided_12m": month.deaths_best_12m.one_sided,
            "civilians_12m": month.deaths_civilians_12m,
            "state_based_12m": month.deaths_best_12m.state_based,
            "top_perpetrator_12m": month.top_perpetrator_12m_deaths,
        },
        "risk": {k: float(v) for k, v in ewp.items() if k not in ("ewp_name",)},
        "engine": _engine_readings(record),
    }
    _check_follows(record, readings)
    s = {f.factor: f.suggestion for f in record.factors}
    # What the data say, checked by hand: an armed conflict, mass killing of civilians (1,818 by
    # one perpetrator in 12 months), an EWP-coded ongoing mass killing, 7.4% of the population
    # discriminated against, not a party to the Rome Statute.
    assert s[1] and s[1].rating == "high" and s[1].rules == ["monitor-armed-conflict"]
    assert s[11] and s[11].rating == "high" and "1,818" in s[11].evidence[0].what
    assert s[2] and s[2].rating == "high"
    assert s[9] and s[9].rating == "high" and s[9].as_of == "2016"
    assert s[3] and s[3].rules == ["engine-not-icc-party", "engine-treaties-missing"]
    assert "ap-ii" in s[3].evidence[1].what and "cat" in s[3].evidence[1].what
    assert s[6] and "engine-no-icc-jurisdiction" in s[6].rules
    # The data cannot speak to motive, capacity, preparation, triggers, intent, plans, aid.
    assert all(s[n] is None for n in (4, 5, 7, 8, 10, 12, 14))
    # The monitor's derived situation is used for the engine, and marked machine-made.
    assert record.situation_source == "monitor (2017-09, machine-made)"
    assert any(n.startswith("monitor:") and "period 2017-09" in n for n in record.prefill_notes)


def test_only_months_that_ended_by_the_date_are_read(database: Database, events_db: Path) -> None:
    """Assessed on 15 September, September's events (most of the killing) are not yet data."""
    assert pre.last_complete_month(dt.date(2017, 9, 15)) == "2017-08"
    assert pre.last_complete_month(dt.date(2017, 9, 30)) == "2017-09"
    assert pre.last_complete_month(dt.date(2017, 1, 1)) == "2016-12"
    june = _suggest(database, "MMR", "2017-07-14", events_db)
    s11 = june.factors[10].suggestion
    assert s11 is not None and s11.as_of == "2017-06"
    # June 2017: 51 killed by the largest perpetrator, a pattern but not mass killing yet.
    assert s11.rating == "moderate" and s11.rules == ["monitor-violence-against-civilians-pattern"]


def test_car_november_2013_from_the_real_ged_extract(database: Database, events_db: Path) -> None:
    record = _suggest(database, "CAF", "2013-11-30", events_db)
    month = monitor_api.monitor("CAF", "2013-11", "2013-11", db_path=events_db)[0]
    assert month.alert is not None and month.alert.rule == "one-sided-surge"
    s = {f.factor: f.suggestion for f in record.factors}
    assert s[11] and s[11].rating == "high"
    assert s[13] and s[13].rating == "high"
    assert s[13].data[1] == {
        "source": "monitor",
        "field": "civilians_12m",
        "value": month.deaths_civilians_12m,
        "period": "2013-11",
    }
    # CAR was a party to the Rome Statute (2001), so the Court had jurisdiction: no suggestion
    # on that ground; the engine's treaty table has it outside two treaties.
    assert s[3] and s[3].rules == ["engine-treaties-missing"]
    assert "genocide-convention" in s[3].evidence[0].what
    # EWP 2012: no mass killing recorded yet (its 2013 onset is in the 2013 row), so none from
    # mk_ever; the media were censored (v2mecenefm_binary = 1).
    assert _ewp_row(482, 2012)["mk_ever"] == "0"
    assert s[6] and s[6].rules == ["risk-media-censored"]


def test_a_country_the_panel_does_not_cover_gets_no_monitor_suggestion(
    database: Database, events_db: Path
) -> None:
    record = _suggest(database, "BDI", "2015-11-30", events_db)
    assert not any(
        f.suggestion and any(d["source"] == "monitor" for d in f.suggestion.data)
        for f in record.factors
    )
    assert any("the panel has no data for BDI" in n for n in record.prefill_notes)
    assert record.situation is None  # no facts invented for the engine
    ewp = _ewp_row(516, 2014)
    assert ewp["pol_killing_approved"] == "1"
    s2 = record.factors[1].suggestion
    assert s2 is not None and s2.rating == "high"
    assert s2.rules == ["risk-mass-killing-ever", "risk-political-killings"]


def test_without_any_data_nothing_is_suggested(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PROTECT_SOURCES", raising=False)
    record = foa.create(database, ANA, {"country": "BDI", "date": "2015-11-30"})
    record = foa.suggest(
        database, ANA, record.id, events_db=tmp_path / "none.duckdb", sources=tmp_path
    )
    assert [f.factor for f in record.factors if f.suggestion] == []
    notes = " ".join(record.prefill_notes)
    assert "monitor:" in notes and "not used" in notes and "file not found" in notes


def test_contract_v2_treaties_and_icc_are_read_when_present_and_skipped_when_absent() -> None:
    fw = framework()
    on = dt.date(2016, 1, 1)
    v1 = pre.read_engine({"derived": {"icc_state_party": True}}, on)
    assert "treaties_not_party" not in v1.values and "icc_jurisdiction" not in v1.values
    assert v1.note is not None and "contract v2" in v1.note
    v2 = pre.read_engine(
        {
            "derived": {
                "icc_state_party": True,
                "icc": {"jurisdiction": False, "bases": [], "period_from": None},
                "treaties": [
                    {"instrument": "genocide-convention", "party": True},
                    {"instrument": "ap-ii", "party": False},
                    {"instrument": "cat", "party": False},
                ],
            }
        },
        on,
    )
    assert v2.values["treaties_not_party"] == 2
    assert v2.values["treaties_missing"] == "ap-ii, cat"
    empty = pre.Readings(
        monitor=pre.SourceReading("monitor", "m", None),
        risk=pre.SourceReading("risk", "r", None),
        engine=v2,
    )
    made = pre.suggestions(fw, empty, dt.datetime(2016, 1, 1, tzinfo=dt.UTC))
    assert made[3]["rules"] == ["engine-treaties-missing"]
    assert "ap-ii, cat" in made[3]["evidence"][0]["what"]
    assert made[6]["rules"] == ["engine-no-icc-jurisdiction"]


def test_suggestions_never_count_in_the_conclusion(database: Database, events_db: Path) -> None:
    record = _suggest(database, "MMR", "2017-09-30", events_db)
    assert sum(1 for f in record.factors if f.pending) >= 6
    assert record.conclusion.category is None and record.conclusion.high_factors == []
