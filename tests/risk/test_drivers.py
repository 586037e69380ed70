"""Drivers read as plain statements: labels match what the data hold, time trends are never
shown, and the points are the change in risk against the year's median country."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from protect.cli.main import app
from protect.risk.api import forecast
from protect.risk.drivers import TIME_TREND, readable_drivers
from protect.risk.features import describe
from protect.risk.sources import load_sources

from .conftest import EXTRACT


def test_labels_say_what_the_two_mislabelled_columns_hold(full_root: Path) -> None:
    pred = load_sources(full_root, with_foos=False).predictors.sort_values(["ccode", "year"])
    # includesnonstate is a calendar dummy, not a property of an ongoing killing.
    assert ((pred["year"] >= 1989) == (pred["includesnonstate"] == 1)).all()
    assert "1989" in describe("includesnonstate").label
    # mean_mk_onset_interaction counts the country's onsets so far (plus any before 1960).
    before = pred["mean_mk_onset_interaction"] - pred.groupby("ccode")["mk_onset"].cumsum()
    per_country = before.groupby(pred["ccode"]).agg(["min", "max"])
    assert (per_country["min"] == per_country["max"]).all() and (per_country["min"] >= 0).all()
    assert "onsets in the country" in describe("mean_mk_onset_interaction").label
    assert "regional" not in describe("mean_mk_onset_interaction").label


def test_forecast_drivers_are_plain_and_leave_out_time_trends() -> None:
    rows = forecast(2025, sources=EXTRACT)
    assert rows and all(len(r.drivers) == 5 for r in rows)
    for r in rows:
        for d in r.drivers:
            assert not set(d.features) & TIME_TREND
            assert "_" not in d.label and ".log2" not in d.label  # words, not feature codes
            assert re.search(r"[+-]\d+\.\d points against the year's median country$", d.text)
            assert d.text.startswith(f"{d.label}: {d.value_text}")
        points = [abs(d.points) for d in r.drivers]
        assert points == sorted(points, reverse=True)
    # A death count is shown as deaths, not as its log.
    deaths = [d for r in rows for d in r.drivers if d.feature == "battle_deaths"]
    assert deaths and all(re.match(r"[\d,]+ deaths in 2024", d.value_text) for d in deaths)


def test_points_are_the_risk_without_the_difference_from_the_median() -> None:
    contrib = pd.DataFrame(
        {
            "ucdp_sb_deaths": [0.0, 0.5, 2.0],
            "ucdp_sb_deaths_max5": [0.0, 0.0, 1.0],  # summed into the same driver
            "year": [3.0, 3.0, 3.0],  # never shown
            "coup.try.5yr": [-0.2, 0.0, 0.0],
        }
    )
    values = pd.DataFrame(
        {
            "ucdp_sb_deaths": [0.0, np.log1p(9), np.log1p(999)],
            "ucdp_sb_deaths_max5": [0.0, np.log1p(9), np.log1p(1999)],
            "year": [2024, 2024, 2024],
            "coup.try.5yr": [0, 1, 1],
        }
    )
    risk = np.array([0.01, 0.02, 0.2])
    out = readable_drivers(contrib, values, risk, n=5)
    top = out[2][0]
    assert top.key == "battle_deaths" and set(top.features) == {
        "ucdp_sb_deaths",
        "ucdp_sb_deaths_max5",
    }
    assert top.log_odds == 2.5  # 3.0 against the median 0.5
    logit = math.log(0.2 / 0.8)
    assert top.points == 100 * (0.2 - 1 / (1 + math.exp(-(logit - 2.5))))
    assert top.value_text == "999 deaths in 2024 (five-year peak 1,999 deaths)"
    assert [d.key for d in out[1]] == ["battle_deaths", "coup.try.5yr"]  # the median: 0 points
    assert all(abs(d.points) < 1e-9 for d in out[1])
    assert out[0][1].key == "coup.try.5yr" and out[0][1].points < 0
    assert all(d.key != "year" for row in out for d in row)


def test_cli_api_and_page_use_the_same_words() -> None:
    rows = forecast(2025, sources=EXTRACT)
    result = CliRunner().invoke(
        app,
        ["risk", "forecast", "--year", "2025", "--top", "1", "--sources", str(EXTRACT)],
        env={"COLUMNS": "400"},
    )
    assert result.exit_code == 0, result.output
    assert rows[0].drivers[0].text in result.stdout
