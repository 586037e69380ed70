"""Scores for onset forecasts: AUC-ROC, AUC-PR (average precision), Brier, and top-k catch.

Top-k catch is the share of onsets whose country ranked within the k highest risks of its
forecast year. Ties (a base rate gives every country the same risk) are broken at random in
expectation: an onset sharing ranks a..b with others counts (k - a + 1) / (b - a + 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from pydantic import BaseModel

TOP_K = (10, 20, 30)


class Scores(BaseModel):
    model: str
    country_years: int
    onsets: int
    auc_roc: float
    auc_pr: float
    brier: float
    top10: float
    top20: float
    top30: float


def expected_rank_hits(risk: pd.Series, onset: pd.Series, k: int) -> float:
    """Expected number of onsets among the top k of one year, ties broken at random."""
    values = risk.to_numpy(dtype=float)
    hits = 0.0
    for value in values[onset.to_numpy(dtype=int) == 1]:
        above = int((values > value).sum())
        tied = int((values == value).sum())
        first = above + 1
        hits += min(1.0, max(0.0, (k - first + 1) / tied))
    return hits


def top_k_catch(frame: pd.DataFrame, k: int) -> float:
    """Share of onsets caught in the top k of their year (columns year, risk, onset)."""
    onsets = int(frame["onset"].sum())
    if onsets == 0:
        return float("nan")
    hits = sum(
        expected_rank_hits(g["risk"], g["onset"], k) for _, g in frame.groupby("year", sort=False)
    )
    return hits / onsets


def score(frame: pd.DataFrame, model: str = "") -> Scores:
    """All scores for one model's rows (columns year, risk, onset)."""
    from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

    y = frame["onset"].to_numpy(dtype=int)
    p = frame["risk"].to_numpy(dtype=float)
    both = 0 < y.sum() < len(y)
    return Scores(
        model=model,
        country_years=len(frame),
        onsets=int(y.sum()),
        auc_roc=float(roc_auc_score(y, p)) if both else float("nan"),
        auc_pr=float(average_precision_score(y, p)) if both else float("nan"),
        brier=float(brier_score_loss(y, p)),
        top10=top_k_catch(frame, 10),
        top20=top_k_catch(frame, 20),
        top30=top_k_catch(frame, 30),
    )


def common_rows(results: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Rows of `results` (long: country, year, model, risk, onset) restricted to the
    country-years every listed model scored, so all are compared on exactly the same set."""
    keys: pd.MultiIndex | None = None
    for name in models:
        sub = results[results["model"] == name]
        idx = pd.MultiIndex.from_frame(sub[["country", "year"]])
        keys = idx if keys is None else keys.intersection(idx)
    if keys is None:
        return results.iloc[0:0]
    key = pd.MultiIndex.from_frame(results[["country", "year"]])
    return results[key.isin(keys) & results["model"].isin(list(models))]


def score_table(results: pd.DataFrame, models: Sequence[str]) -> list[Scores]:
    """Scores of each model on the country-years all of them cover."""
    rows = common_rows(results, models)
    return [score(rows[rows["model"] == m], m) for m in models]


def calibration_bins(frame: pd.DataFrame, bins: int = 10) -> pd.DataFrame:
    """Mean forecast and observed onset rate in risk-quantile bins (for the calibration plot)."""
    risk = frame["risk"].to_numpy(dtype=float)
    edges = np.unique(np.quantile(risk, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, risk, side="right") - 1, 0, max(len(edges) - 2, 0))
    grouped = pd.DataFrame({"bin": which, "risk": risk, "onset": frame["onset"].to_numpy()})
    out = grouped.groupby("bin").agg(
        forecast=("risk", "mean"), observed=("onset", "mean"), n=("risk", "size")
    )
    return out.reset_index(drop=True)
