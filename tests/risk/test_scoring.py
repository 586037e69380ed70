"""Scoring functions against values worked out by hand, and EWP's published figures."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from protect.risk.scoring import common_rows, expected_rank_hits, score, top_k_catch
from protect.risk.sources import load_sources


def _frame(rows: list[tuple[int, float, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["year", "risk", "onset"])


def test_scores_match_hand_computation() -> None:
    # One year, five countries; onsets at the 1st and 4th highest risk.
    f = _frame([(2000, 0.9, 1), (2000, 0.7, 0), (2000, 0.5, 0), (2000, 0.3, 1), (2000, 0.1, 0)])
    s = score(f, "m")
    # Pairs (onset, non-onset) ordered correctly: 0.9 beats all 3; 0.3 beats only 0.1 -> 4/6.
    assert s.auc_roc == pytest.approx(4 / 6)
    # Average precision: precision 1/1 at the first hit, 2/4 at the second, each weight 1/2.
    assert s.auc_pr == pytest.approx((1.0 + 0.5) / 2)
    brier = ((0.9 - 1) ** 2 + 0.7**2 + 0.5**2 + (0.3 - 1) ** 2 + 0.1**2) / 5
    assert s.brier == pytest.approx(brier)
    assert top_k_catch(f, 1) == pytest.approx(0.5)
    assert top_k_catch(f, 3) == pytest.approx(0.5)
    assert top_k_catch(f, 4) == pytest.approx(1.0)
    assert (s.country_years, s.onsets) == (5, 2)


def test_top_k_is_per_year() -> None:
    # The onset of 2001 has a low risk overall but is the highest of its own year.
    f = _frame([(2000, 0.9, 0), (2000, 0.8, 1), (2001, 0.05, 1), (2001, 0.01, 0)])
    assert top_k_catch(f, 1) == pytest.approx(0.5)
    assert top_k_catch(f, 2) == pytest.approx(1.0)


def test_ties_count_in_expectation() -> None:
    # Four countries share one risk (a base rate): an onset is in the top 1 with chance 1/4.
    risk = pd.Series([0.2, 0.2, 0.2, 0.2])
    onset = pd.Series([0, 1, 0, 0])
    assert expected_rank_hits(risk, onset, 1) == pytest.approx(0.25)
    assert expected_rank_hits(risk, onset, 3) == pytest.approx(0.75)
    assert expected_rank_hits(risk, onset, 4) == pytest.approx(1.0)
    # A tie below a strictly higher country: ranks 2-3 share, top 2 catches half.
    assert expected_rank_hits(pd.Series([0.9, 0.5, 0.5]), pd.Series([0, 1, 0]), 2) == 0.5


def test_common_rows_keeps_only_shared_country_years() -> None:
    results = pd.DataFrame(
        {
            "country": ["AAA", "BBB", "AAA", "CCC"],
            "year": [2000, 2000, 2000, 2000],
            "model": ["m1", "m1", "m2", "m2"],
            "risk": [0.1, 0.2, 0.3, 0.4],
            "onset": [0, 1, 0, 0],
        }
    )
    rows = common_rows(results, ["m1", "m2"])
    assert sorted(zip(rows["model"], rows["country"], strict=True)) == [
        ("m1", "AAA"),
        ("m2", "AAA"),
    ]


def test_published_ewp_figures_reproduced(full_root: Path) -> None:
    """The issue's baseline: 5,032 country-years, 39 onsets, AUC 0.838, AUC-PR 0.034, 69.2%."""
    foos = load_sources(full_root).foos
    assert foos is not None
    f = foos[foos["risk_prev"].notna() & foos["year"].between(1994, 2024)]
    s = score(f.rename(columns={"risk_prev": "risk", "mk_onset": "onset"}), "ewp")
    assert (s.country_years, s.onsets) == (5032, 39)
    assert round(s.auc_roc, 3) == 0.838
    assert round(s.auc_pr, 3) == 0.034
    assert round(100 * s.top30, 1) == 69.2
