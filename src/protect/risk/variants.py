"""Model variants as data, so that each can be registered (and hashed) before it is scored.

A variant names its kind, features, hyper-parameters, label and the seeds of one forecast (a
"seed set"). `seed_logits` runs the rolling-origin backtest of one variant for any number of
seeds and keeps every seed's log-odds, so that the spread between seed sets can be measured
and the selection of variants can be replayed year by year without refitting. Results are
cached on disk under the variant's hash and the sources' hash: the same inputs give the same
numbers, and a change to either computes them again.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from protect.risk.backtest import feature_rows, training_rows
from protect.risk.models import HORIZON, LABEL_1OR2, RiskModel, make_model

# The code whose change changes what a variant predicts; hashed into every variant.
_CODE_FILES = ("sources.py", "panel.py", "conflict.py", "models.py", "backtest.py", "variants.py")
SEED_SET_SIZE = 5


def code_hash() -> str:
    """SHA-256 over the risk code that turns sources into forecasts."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in _CODE_FILES:
        digest.update(name.encode())
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Variant:
    """One candidate model, fully specified (what the registry stores before scoring)."""

    name: str
    kind: str  # "gbm", "enet", "logit" or "blend"
    features: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    seeds: tuple[int, ...] = tuple(range(SEED_SET_SIZE))
    label: str = LABEL_1OR2
    parts: tuple[str, ...] = ()  # blend: the variants whose log-odds are averaged
    description: str = ""

    @property
    def horizon(self) -> int:
        return HORIZON[self.label]

    @property
    def stochastic(self) -> bool:
        return self.kind == "gbm"

    def spec(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "features": list(self.features),
            "params": self.params,
            "seeds": list(self.seeds),
            "label": self.label,
            "parts": list(self.parts),
        }

    def spec_hash(self, code: str | None = None) -> str:
        """Hash of the specification and of the code that fits it."""
        text = json.dumps(self.spec(), sort_keys=True) + (code or code_hash())
        return hashlib.sha256(text.encode()).hexdigest()


def compute_key(variant: Variant, data: str) -> str:
    """Cache key of a variant's per-seed backtest: everything but its seed set, the code, the
    sources."""
    spec = {k: v for k, v in variant.spec().items() if k not in ("seeds", "name", "parts")}
    text = json.dumps(spec, sort_keys=True) + code_hash() + data
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class VariantModel(RiskModel):
    """A fitted variant: log-odds averaged over its seeds (one model when deterministic)."""

    def __init__(self, variant: Variant, ewp_predictors: Sequence[str]) -> None:
        super().__init__(variant.features)
        self.variant = variant
        self.name = variant.name
        self.title = variant.description or variant.name
        self.label = variant.label
        self.ewp_predictors = tuple(ewp_predictors)
        self.boosters: list[Any] = []
        self.inner: RiskModel | None = None

    def fit(self, train: pd.DataFrame) -> None:
        if self.variant.kind == "gbm":
            self.boosters = fit_boosters(self.variant, train, self.variant.seeds)
        else:
            self.inner = _linear(self.variant, self.ewp_predictors)
            self.inner.fit(train)

    def seed_logits(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Log-odds per seed (rows: seeds, columns: countries)."""
        if self.variant.kind == "gbm":
            x = self._x(rows)
            return np.vstack([np.asarray(b.predict(x, raw_score=True)) for b in self.boosters])
        assert self.inner is not None
        return _logit(self.inner.predict(rows))[None, :]

    def predict(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        return _sigmoid(self.seed_logits(rows).mean(axis=0))

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        if self.variant.kind == "gbm":
            x = self._x(rows)
            parts = [np.asarray(b.predict(x, pred_contrib=True)) for b in self.boosters]
            mean = np.mean(parts, axis=0)[:, :-1]
            return pd.DataFrame(mean, index=rows.index, columns=list(self.features))
        assert self.inner is not None
        return self.inner.contributions(rows)


def _sigmoid(x: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    return np.asarray(1.0 / (1.0 + np.exp(-np.asarray(x, dtype=float))), dtype=float)


def _logit(p: np.ndarray[Any, Any]) -> np.ndarray[Any, np.dtype[np.float64]]:
    q = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.asarray(np.log(q / (1 - q)), dtype=float)


def _linear(variant: Variant, ewp_predictors: Sequence[str]) -> RiskModel:
    name = {"enet": "ewp_enet", "logit": "recent_violence"}.get(variant.kind)
    if name is None:
        raise ValueError(f"variant {variant.name}: kind {variant.kind!r} cannot be fitted alone")
    model = make_model(name, ewp_predictors)
    model.features = variant.features
    return model


def _dataset(variant: Variant, train: pd.DataFrame) -> Any:
    import lightgbm as lgb

    x = train.loc[:, list(variant.features)].to_numpy(dtype=float)
    y = train[variant.label].to_numpy(dtype=int)
    return lgb.Dataset(x, y, params={"verbose": -1, **variant.params}, free_raw_data=False)


def fit_boosters(variant: Variant, train: pd.DataFrame, seeds: Sequence[int]) -> list[Any]:
    """One LightGBM booster per seed on the same binned training set."""
    data = _dataset(variant, train)
    return [_boost(variant, data, s) for s in seeds]


def _train(panel: pd.DataFrame, variant: Variant, origin: int) -> pd.DataFrame:
    probe = make_model("base_rate", ())
    probe.label = variant.label
    train = training_rows(panel, probe, origin)
    if train.empty or train[variant.label].nunique() < 2:
        raise ValueError(f"{variant.name}: no training rows with both outcomes before {origin}")
    return train


def target_rows(panel: pd.DataFrame, origin: int) -> pd.DataFrame:
    """Rows of features of origin - 1 whose outcome in `origin` is observed."""
    rows = feature_rows(panel, origin)
    return rows[rows["target_onset"].notna()].reset_index(drop=True)


def _frame(rows: pd.DataFrame, origin: int, seed: int, logits: Any) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": origin,
            "entity": rows["entity"].to_numpy(dtype=int),
            "country": rows["target_country"].to_numpy(),
            "name": rows["name"].to_numpy(),
            "onset": rows["target_onset"].to_numpy(dtype=int),
            "seed": seed,
            "logit": np.asarray(logits, dtype=float),
        }
    )


def seed_logits(
    panel: pd.DataFrame,
    variant: Variant,
    ewp_predictors: Sequence[str],
    years: Sequence[int],
    seeds: Sequence[int],
    cache: Path | None = None,
    key: str = "",
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Long table (year, entity, country, name, onset, seed, logit) of a variant's backtest.

    A deterministic variant is fitted once (seed -1). With `cache`, each seed's table is kept
    in `cache/<key>/seed<k>.parquet`, so an interrupted run resumes where it stopped.
    """
    wanted = list(seeds) if variant.stochastic else [-1]
    folder = cache / key if cache is not None else None
    found: dict[int, pd.DataFrame] = {}
    if folder is not None:
        for s in wanted:
            path = folder / f"seed{s}.parquet"
            if path.is_file():
                found[s] = pd.read_parquet(path)
    todo = [s for s in wanted if s not in found]
    if todo:
        per_year: dict[int, tuple[pd.DataFrame, Any]] = {}
        for origin in years:
            rows = target_rows(panel, origin)
            if not rows.empty:
                per_year[origin] = (rows, None)
        for s in todo:
            parts = []
            for origin, (rows, data) in per_year.items():
                train = _train(panel, variant, origin)
                if variant.kind == "gbm":
                    if data is None:
                        data = _dataset(variant, train)
                        per_year[origin] = (rows, data)
                    booster = _boost(variant, data, s)
                    logits = booster.predict(
                        rows.loc[:, list(variant.features)].to_numpy(dtype=float), raw_score=True
                    )
                else:
                    model = _linear(variant, ewp_predictors)
                    model.fit(train)
                    logits = _logit(model.predict(rows))
                parts.append(_frame(rows, origin, s, logits))
            table = pd.concat(parts, ignore_index=True)
            if folder is not None:
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f"seed{s}.parquet.part"
                table.to_parquet(tmp, index=False)
                tmp.replace(folder / f"seed{s}.parquet")
            found[s] = table
            if progress is not None:
                progress(f"{variant.name} seed {s}")
    return pd.concat([found[s] for s in wanted], ignore_index=True)


def _boost(variant: Variant, data: Any, seed: int) -> Any:
    import lightgbm as lgb

    params = {"objective": "binary", "verbose": -1, **variant.params}
    rounds = int(params.pop("n_estimators", 100))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return lgb.train({**params, "seed": seed}, data, num_boost_round=rounds)


def seed_set_logits(table: pd.DataFrame, seeds: Sequence[int]) -> pd.DataFrame:
    """Mean log-odds over `seeds` per country-year (a deterministic table has seed -1 only)."""
    sub = table[table["seed"].isin([*seeds, -1])]
    keys = ["year", "entity", "country", "name", "onset"]
    return sub.groupby(keys, as_index=False, sort=True).agg(logit=("logit", "mean"))
