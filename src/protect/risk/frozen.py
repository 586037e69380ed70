"""Fitting a registered variant for a forecast: the models `protect risk forecast` serves.

A blend averages its parts' log-odds, and its drivers average their contributions (both are
log-odds, so the average is the blend's own decomposition up to the parts' intercepts).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protect.risk.backtest import training_rows
from protect.risk.catalogue import candidates
from protect.risk.models import RiskModel, make_model
from protect.risk.variants import Variant, VariantModel


class BlendModel(RiskModel):
    """Mean log-odds of several fitted variants."""

    def __init__(self, variant: Variant, parts: Sequence[RiskModel]) -> None:
        super().__init__(variant.features)
        self.name = variant.name
        self.title = variant.description
        self.label = variant.label
        self.parts = list(parts)

    def fit(self, train: pd.DataFrame) -> None:
        raise NotImplementedError("a blend is fitted through its parts (fit_variant)")

    def predict(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        p = np.clip(np.vstack([m.predict(rows) for m in self.parts]), 1e-9, 1 - 1e-9)
        logit = np.log(p / (1 - p)).mean(axis=0)
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=float)

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        frames = [m.contributions(rows) for m in self.parts]
        cols = list(dict.fromkeys(c for f in frames for c in f.columns))
        total = sum(f.reindex(columns=cols, fill_value=0.0) for f in frames)
        assert isinstance(total, pd.DataFrame)
        return total / len(frames)


def catalogue(ewp_predictors: Sequence[str]) -> dict[str, Variant]:
    return {v.name: v for v in candidates(ewp_predictors)}


def fit_variant(
    panel: pd.DataFrame, variant: Variant, ewp_predictors: Sequence[str], origin: int
) -> RiskModel:
    """The variant fitted on what was known by the end of origin - 1."""
    if variant.kind == "blend":
        known = catalogue(ewp_predictors)
        parts = [fit_variant(panel, known[p], ewp_predictors, origin) for p in variant.parts]
        return BlendModel(variant, parts)
    missing = [f for f in variant.features if f not in panel.columns]
    if missing:
        raise ValueError(
            f"{variant.name}: the sources lack feature(s) {', '.join(missing[:3])} "
            "(the UCDP/PRIO armed-conflict file is needed for acd_ and nb_acd_ features)"
        )
    model = VariantModel(variant, ewp_predictors)
    probe = make_model("base_rate", ())
    probe.label = variant.label
    train = training_rows(panel, probe, origin)
    if train.empty or train[variant.label].nunique() < 2:
        raise ValueError(f"{variant.name}: no training rows with both outcomes before {origin}")
    model.fit(train)
    return model
