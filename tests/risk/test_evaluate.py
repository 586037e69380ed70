"""The evaluation's own scoring, resampling, tests and nested choice, checked against
scikit-learn and the project's scoring on the committed backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score, roc_auc_score

from protect.risk.evaluate import (
    Scored,
    auc_roc,
    average_precision,
    bootstrap_difference,
    common,
    exact_mcnemar,
    nested_selection,
    paired_catch,
)
from protect.risk.scoring import score
from protect.service.riskview import BACKTEST_FILE

COMMITTED = BACKTEST_FILE  # shipped with the package, drawn on the country pages


@pytest.fixture(scope="module")
def backtest() -> dict[str, pd.DataFrame]:
    rows = pd.read_csv(COMMITTED)
    return common({m: g.drop(columns="model") for m, g in rows.groupby("model")})


def test_fast_scores_equal_the_reference_ones(backtest: dict[str, pd.DataFrame]) -> None:
    for name, rows in backtest.items():
        y, p = rows["onset"].to_numpy(), rows["risk"].to_numpy()
        assert auc_roc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12), name
        assert average_precision(y, p) == pytest.approx(average_precision_score(y, p), abs=1e-12)
        mine, ref = Scored.of(rows).metrics(), score(rows, name)
        for k in ("top10", "top20", "top30"):
            assert mine[k] == pytest.approx(getattr(ref, k), abs=1e-12), (name, k)
    published = backtest["ewp_published"]
    assert len(published) == 5032 and published["onset"].sum() == 39


def test_paired_bootstrap_and_exact_test(backtest: dict[str, pd.DataFrame]) -> None:
    gbm, ewp = Scored.of(backtest["protect_gbm"]), Scored.of(backtest["ewp_published"])
    same = bootstrap_difference(ewp, ewp, "year", draws=50)
    assert all(v["low"] == v["high"] == 0 for v in same.values())
    by_year = bootstrap_difference(gbm, ewp, "year", draws=200)
    by_country = bootstrap_difference(gbm, ewp, "country", draws=200)
    for out in (by_year, by_country):
        d = out["auc_pr"]
        assert d["low"] < d["difference"] < d["high"] and d["draws"] == 200
    catch = paired_catch(gbm, ewp, 10)
    assert catch["caught_a"] - catch["caught_b"] == catch["a_only"] - catch["b_only"]
    assert exact_mcnemar(10, 4) == pytest.approx(0.1796, abs=1e-4)  # the audit's 10 vs 4
    assert exact_mcnemar(0, 0) == 1.0 and exact_mcnemar(6, 0) == pytest.approx(2 / 64)
    with pytest.raises(ValueError, match="different country-years"):
        bootstrap_difference(gbm, Scored.of(backtest["ewp_published"].iloc[:-1]), "year")


def test_nested_selection_looks_only_at_earlier_years(backtest: dict[str, pd.DataFrame]) -> None:
    preds = {m: backtest[m] for m in ("protect_gbm", "ewp_enet")}
    nested, chosen = nested_selection(
        preds, ["protect_gbm", "ewp_enet"], first_year=1994, min_onsets=8
    )
    assert chosen[1994] == "protect_gbm"  # no earlier years: the default
    # Changing every outcome from 2010 on cannot change any choice up to 2010.
    flipped = {
        m: f.assign(onset=np.where(f["year"] >= 2010, 1 - f["onset"], f["onset"]))
        for m, f in preds.items()
    }
    _, again = nested_selection(flipped, ["protect_gbm", "ewp_enet"], first_year=1994, min_onsets=8)
    assert {y: c for y, c in again.items() if y <= 2010} == {
        y: c for y, c in chosen.items() if y <= 2010
    }
    for year, pick in chosen.items():
        got = nested[nested["year"] == year]["risk"].to_numpy()
        want = preds[pick][preds[pick]["year"] == year]["risk"].to_numpy()
        assert np.array_equal(got, want)
