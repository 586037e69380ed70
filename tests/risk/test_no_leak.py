"""The backtest cannot see the future: scrambling every source row after year t-1 changes
neither the features of t-1 and before nor any model's forecast for year t."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protect.risk.backtest import feature_rows, fit_for, label_known, training_rows
from protect.risk.features import ucdp_feature_names
from protect.risk.models import MODEL_NAMES, make_model
from protect.risk.panel import build_panel
from protect.risk.sources import RiskSources


def scramble_after(src: RiskSources, cut: int, seed: int) -> RiskSources:
    """A copy of the sources where every row dated after `cut` holds random values."""
    rng = np.random.default_rng(seed)
    pred = src.predictors.copy()
    late = pred["year"] > cut
    for col in src.predictor_names:
        if col != "year":
            pred[col] = pred[col].astype(float)
            pred.loc[late, col] = rng.normal(0, 5, int(late.sum()))
    pred.loc[late, "mk_onset"] = rng.integers(0, 2, int(late.sum()))
    ucdp = src.ucdp.copy()
    late_u = ucdp["year_cy"] > cut
    n = int(late_u.sum())
    for col in ucdp.columns:
        if col.endswith("_cy") and col not in ("country_id_cy", "year_cy", "os_dyad_ids_cy"):
            ucdp.loc[late_u, col] = rng.integers(0, 50_000, n)
    ucdp.loc[late_u, "os_dyad_ids_cy"] = [f"{rng.integers(1, 9)}; 9{i}" for i in range(n)]
    return dataclasses.replace(src, predictors=pred, ucdp=ucdp)


def _features(src: RiskSources) -> list[str]:
    return [*src.predictor_names, *ucdp_feature_names()]


def _assert_no_leak(
    src: RiskSources, panel: pd.DataFrame, cut: int, seed: int, models: list[str]
) -> None:
    changed = build_panel(scramble_after(src, cut, seed))
    cols = ["entity", "year", "country", *_features(src)]
    before = panel.loc[panel["year"] <= cut, cols].reset_index(drop=True)
    after = changed.loc[changed["year"] <= cut, cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after, check_dtype=False)
    # The scramble did reach the later rows (or the test could not fail).
    late = panel["year"] > cut
    assert not panel.loc[late, "ucdp_os_deaths"].equals(changed.loc[late, "ucdp_os_deaths"])
    origin = cut + 1
    for name in models:
        a = fit_for(panel, name, src.predictor_names, origin).predict(feature_rows(panel, origin))
        b = fit_for(changed, name, src.predictor_names, origin).predict(
            feature_rows(changed, origin)
        )
        np.testing.assert_allclose(a, b, rtol=0, atol=0, err_msg=f"{name} moved for {origin}")


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(cut=st.integers(min_value=1996, max_value=2022), seed=st.integers(0, 2**31))
def test_forecast_ignores_everything_after_the_origin(
    extract_sources: RiskSources, extract_panel: pd.DataFrame, cut: int, seed: int
) -> None:
    _assert_no_leak(extract_sources, extract_panel, cut, seed, ["recent_violence", "protect_gbm"])


def test_published_models_ignore_the_future_too(
    extract_sources: RiskSources, extract_panel: pd.DataFrame
) -> None:
    _assert_no_leak(extract_sources, extract_panel, 2008, 7, ["base_rate", "ewp_enet"])


def test_scramble_before_the_origin_does_move_the_forecast(
    extract_sources: RiskSources, extract_panel: pd.DataFrame
) -> None:
    """Control: scrambling from the feature year itself changes the forecast, so the
    comparison above can detect a leak."""
    cut = 2008
    changed = build_panel(scramble_after(extract_sources, cut - 1, 3))
    a = fit_for(extract_panel, "protect_gbm", extract_sources.predictor_names, cut + 1)
    b = fit_for(changed, "protect_gbm", extract_sources.predictor_names, cut + 1)
    assert not np.allclose(
        a.predict(feature_rows(extract_panel, cut + 1)), b.predict(feature_rows(changed, cut + 1))
    )


@given(origin=st.integers(min_value=1990, max_value=2026), name=st.sampled_from(MODEL_NAMES))
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_training_rows_only_hold_known_labels(
    extract_panel: pd.DataFrame, origin: int, name: str
) -> None:
    model = make_model(name, ())
    rows = training_rows(extract_panel, model, origin)
    assert (rows["year"] + model.horizon <= origin - 1).all()
    assert rows[model.label].notna().all()


@pytest.mark.parametrize(
    ("row_year", "horizon", "origin", "known"),
    [(2000, 2, 2003, True), (2001, 2, 2003, False), (2001, 1, 2003, True), (2002, 1, 2003, False)],
)
def test_label_known(row_year: int, horizon: int, origin: int, known: bool) -> None:
    assert label_known(row_year, horizon, origin) is known


def test_armed_conflict_features_use_only_their_own_year(extract_sources: RiskSources) -> None:
    from protect.risk.conflict import ACD_FEATURES

    assert extract_sources.acd is not None
    cut = 2010
    acd = extract_sources.acd.copy()
    late = acd["year"] > cut
    acd.loc[late, "intensity_level"] = 2
    acd.loc[late, "incompatibility"] = "2"
    acd.loc[late, "start_date2"] = acd.loc[late, "year"].astype(str) + "-01-01"
    before = build_panel(extract_sources)
    after = build_panel(dataclasses.replace(extract_sources, acd=acd))
    cols = ["country", "year", *ACD_FEATURES]
    early = before["year"] <= cut
    pd.testing.assert_frame_equal(before.loc[early, cols], after.loc[early, cols])
    assert not before.loc[~early, cols].equals(after.loc[~early, cols])
    # Syria: no conflict located there in 2010, a new war over the government in 2011.
    syria = before[before["country"] == "SYR"].set_index("year")
    assert syria.loc[2010, "acd_conflicts"] == 0
    assert syria.loc[2011, ["acd_war", "acd_govt_conflict", "acd_new_episode"]].tolist() == [
        1,
        1,
        1,
    ]
