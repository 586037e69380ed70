"""End to end on the bundled extract: the API and the CLI write the backtest CSV, the report
and the forecast; bad input gets a one-line error and exit code 2."""

from __future__ import annotations

import itertools
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from protect.cli.main import app
from protect.risk.api import RiskDataError, RiskInputError, backtest, forecast
from protect.risk.report import PLOTS

from .conftest import EXTRACT

runner = CliRunner()


def test_backtest_writes_one_row_per_country_year_and_model(
    tmp_path: Path, extract_panel: pd.DataFrame
) -> None:
    out = tmp_path / "bt.csv"
    scores = backtest(out, years=[2012, 2013], sources=EXTRACT, report=tmp_path / "report")
    rows = pd.read_csv(out)
    assert list(rows.columns) == ["country", "year", "model", "risk", "onset", "name"]
    assert set(rows["model"]) == {
        "base_rate",
        "recent_violence",
        "ewp_enet",
        "protect_gbm",
        "ewp_published",
    }
    assert rows["risk"].between(0, 1).all()
    assert not rows.duplicated(["country", "year", "model"]).any()
    # Each model forecasts every country present in both t-1 and t, with the observed onset.
    for year in (2012, 2013):
        expected = extract_panel[extract_panel["year"] == year].set_index("country")["mk_onset"]
        got = rows[(rows["model"] == "protect_gbm") & (rows["year"] == year)]
        assert len(got) == len(expected)
        assert (got.set_index("country")["onset"] == expected.reindex(got["country"])).all()
    # Syria 2012 is an onset in EWP's coding.
    assert rows[(rows["country"] == "SYR") & (rows["year"] == 2012)]["onset"].eq(1).all()
    assert [s.model for s in scores][-1] == "ewp_published"
    assert len({s.country_years for s in scores}) == 1  # same country-years for all
    text = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "| EWP published forecasts (`ewp_published`)" in text
    assert "## How sure (forecast years resampled)" in text
    for plot in PLOTS:
        assert (tmp_path / "report" / plot).stat().st_size > 5_000


def test_forecast_ranks_with_changes_and_drivers() -> None:
    rows = forecast(2025, sources=EXTRACT)
    assert [r.rank for r in rows] == list(range(1, len(rows) + 1))
    assert all(a.risk >= b.risk for a, b in itertools.pairwise(rows))
    assert {r.country for r in rows} >= {"SDN", "MMR", "DEU", "YEM", "SRB"}
    top = rows[0]
    assert top.onset is None  # 2025 not yet observed
    assert top.previous_risk is not None and top.change == pytest.approx(
        top.risk - top.previous_risk
    )
    assert len(top.drivers) == 5
    assert all(d.source for d in top.drivers)
    contribs = [abs(d.points) for d in top.drivers]
    assert contribs == sorted(contribs, reverse=True)


def test_forecast_of_a_past_year_carries_the_observed_onset() -> None:
    rows = forecast(2012, model="ewp_enet", sources=EXTRACT)
    syria = next(r for r in rows if r.country == "SYR")
    assert syria.onset == 1
    assert syria.drivers[0].feature in syria.model_dump()["drivers"][0]["feature"]


def test_the_year_after_next_uses_the_last_data_and_the_same_window() -> None:
    next_year = forecast(2025, model="gbm", sources=EXTRACT)
    after = forecast(2026, model="gbm", sources=EXTRACT)
    assert {r.data_year for r in next_year} == {r.data_year for r in after} == {2024}
    # One model output, "onset in 2025 or 2026", stored for each year it will be scored on.
    assert [(r.country, r.risk) for r in after] == [(r.country, r.risk) for r in next_year]
    assert all(r.onset is None for r in after)
    with pytest.raises(RiskInputError, match="one year ahead"):
        forecast(2026, model="base_rate", sources=EXTRACT)


def test_forecast_rejects_years_without_data() -> None:
    with pytest.raises(RiskInputError, match="year 2030"):
        forecast(2030, sources=EXTRACT)
    with pytest.raises(RiskInputError, match="unknown model"):
        forecast(2020, model="magic", sources=EXTRACT)


def test_cli_forecast_json_is_pure_json() -> None:
    result = runner.invoke(
        app,
        [
            "risk",
            "forecast",
            "--year",
            "2024",
            "--format",
            "json",
            "--top",
            "3",
            "--sources",
            str(EXTRACT),
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)["rows"]
    assert len(data) == 3 and data[0]["rank"] == 1 and data[0]["drivers"]


def test_cli_backtest_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "b.csv"
    ok = runner.invoke(
        app,
        [
            "risk",
            "backtest",
            "--out",
            str(out),
            "--years",
            "2010-2010",
            "--models",
            "base_rate,recent_violence",
            "--sources",
            str(EXTRACT),
        ],
    )
    assert ok.exit_code == 0, ok.output
    assert set(pd.read_csv(out)["model"]) == {"base_rate", "recent_violence", "ewp_published"}
    bad_years = runner.invoke(
        app,
        ["risk", "backtest", "--out", str(out), "--years", "1994-19x", "--sources", str(EXTRACT)],
    )
    assert bad_years.exit_code == 2
    assert "--years" in bad_years.stderr and "Traceback" not in bad_years.output
    early = runner.invoke(
        app, ["risk", "backtest", "--out", str(out), "--years", "1985", "--sources", str(EXTRACT)]
    )
    assert early.exit_code == 2 and "outside" in early.stderr
    missing = runner.invoke(
        app, ["risk", "forecast", "--year", "2020", "--sources", str(tmp_path / "nowhere")]
    )
    assert missing.exit_code == 2
    assert "file not found" in missing.stderr


def test_bad_cell_is_named_by_line_and_column(tmp_path: Path) -> None:
    root = tmp_path / "src"
    shutil.copytree(EXTRACT, root)
    path = root / "ewp" / "statrisk-2025" / "prepared2024predictors-2025-09-03.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[4].split(",")
    cells[header.index("discrimpop")] = "lots"
    lines[4] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RiskDataError, match=r"line 5: column discrimpop is not a number"):
        forecast(2020, sources=root)
    result = runner.invoke(app, ["risk", "forecast", "--year", "2020", "--sources", str(root)])
    assert result.exit_code == 2 and "discrimpop" in result.stderr
