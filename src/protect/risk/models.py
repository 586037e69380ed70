"""The four risk models: a base rate, recent violence, EWP's elastic-net logit, and protect's
gradient-boosted model. Each is fitted on panel rows chosen by the backtest and predicts the
probability of a mass-killing onset in the next year or the one after (EWP's outcome)."""

from __future__ import annotations

import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from protect.risk.features import RECENT_VIOLENCE, ucdp_feature_names

LABEL_1OR2 = "onset_next1or2"
LABEL_1 = "onset_next1"
HORIZON = {LABEL_1: 1, LABEL_1OR2: 2}
UCDP_FIRST_YEAR = 1989


class RiskModel(ABC):
    """A model fitted once per forecast origin; `label` and `min_year` pick its training rows."""

    name: str = ""
    title: str = ""
    label: str = LABEL_1OR2
    min_year: int | None = None

    def __init__(self, features: Sequence[str]) -> None:
        self.features = tuple(features)

    @property
    def horizon(self) -> int:
        return HORIZON[self.label]

    def _x(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        return rows.loc[:, list(self.features)].to_numpy(dtype=float)

    @abstractmethod
    def fit(self, train: pd.DataFrame) -> None: ...

    @abstractmethod
    def predict(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]: ...

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Per-row, per-feature contributions to the log-odds (empty when the model has none)."""
        return pd.DataFrame(index=rows.index)


class BaseRate(RiskModel):
    name = "base_rate"
    title = "Base rate"
    label = LABEL_1

    def __init__(self) -> None:
        super().__init__(())
        self.rate = 0.0

    def fit(self, train: pd.DataFrame) -> None:
        self.rate = float(train[self.label].mean())

    def predict(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.full(len(rows), self.rate, dtype=float)


class _Logit(RiskModel):
    """Standardized logistic regression; contributions are coefficient x standardized value."""

    def __init__(self, features: Sequence[str]) -> None:
        super().__init__(features)
        self.pipeline: Any = None

    @abstractmethod
    def _estimator(self) -> Any: ...

    def fit(self, train: pd.DataFrame) -> None:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.impute import SimpleImputer
        from sklearn.pipeline import make_pipeline
        from sklearn.preprocessing import StandardScaler

        self.pipeline = make_pipeline(
            SimpleImputer(strategy="median", keep_empty_features=True),
            StandardScaler(),
            self._estimator(),
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.pipeline.fit(self._x(train), train[self.label].to_numpy(dtype=int))

    def predict(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.asarray(self.pipeline.predict_proba(self._x(rows))[:, 1], dtype=float)

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        z = self.pipeline[:-1].transform(self._x(rows))
        coef = np.ravel(self.pipeline[-1].coef_)
        return pd.DataFrame(z * coef, index=rows.index, columns=list(self.features))


class RecentViolence(_Logit):
    name = "recent_violence"
    title = "Recent violence (UCDP logit)"
    min_year = UCDP_FIRST_YEAR

    def __init__(self) -> None:
        super().__init__(RECENT_VIOLENCE)

    def _estimator(self) -> Any:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=1.0, max_iter=2000)


class EwpElasticNet(_Logit):
    """EWP's model: elastic-net logit (mixing 0.5) on their predictors, penalty chosen by
    5-fold cross-validation inside the training rows, as `cv.glmnet` does."""

    name = "ewp_enet"
    title = "EWP elastic-net logit (reproduced)"
    CS = (0.01, 0.03, 0.1, 0.3)

    def _estimator(self) -> Any:
        from sklearn.linear_model import LogisticRegressionCV
        from sklearn.model_selection import StratifiedKFold

        return LogisticRegressionCV(
            Cs=list(self.CS),
            l1_ratios=(0.5,),
            solver="saga",
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
            scoring="neg_log_loss",
            max_iter=2000,
            tol=1e-3,
            use_legacy_attributes=False,
            random_state=0,
        )


class Boosted(RiskModel):
    """protect's model: LightGBM on EWP predictors plus UCDP violence dynamics.

    Hyper-parameters are fixed (small, shallow, slow-learning trees for a rare outcome), and
    the forecast averages the log-odds of `SEEDS` fits that differ only in their random row and
    column subsamples, so that a single lucky or unlucky draw cannot move a country's rank.
    docs/risk/README.md records what was tried before fixing them.
    """

    name = "protect_gbm"
    title = "protect gradient boosting (EWP + UCDP)"
    SEEDS = 5
    PARAMS: dict[str, Any] = {  # noqa: RUF012
        "n_estimators": 300,
        "learning_rate": 0.02,
        "num_leaves": 7,
        "min_child_samples": 30,
        "subsample": 0.8,
        "subsample_freq": 1,
        "colsample_bytree": 0.7,
        "reg_lambda": 5.0,
        "n_jobs": 1,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }

    def __init__(self, ewp_predictors: Sequence[str]) -> None:
        super().__init__((*ewp_predictors, *ucdp_feature_names()))
        self.models: list[Any] = []

    def fit(self, train: pd.DataFrame) -> None:
        import lightgbm as lgb

        x, y = self._x(train), train[self.label].to_numpy(dtype=int)
        self.models = []
        for seed in range(self.SEEDS):
            model = lgb.LGBMClassifier(**self.PARAMS, random_state=seed)
            model.fit(x, y)
            self.models.append(model)

    def _contrib(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        """Mean SHAP contributions over the seeds; the last column is the bias."""
        x = self._x(rows)
        parts = [np.asarray(m.predict(x, pred_contrib=True), dtype=float) for m in self.models]
        return np.asarray(np.mean(parts, axis=0), dtype=float)

    def predict(self, rows: pd.DataFrame) -> np.ndarray[Any, np.dtype[np.float64]]:
        logit = self._contrib(rows).sum(axis=1)
        return np.asarray(1.0 / (1.0 + np.exp(-logit)), dtype=float)

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame(
            self._contrib(rows)[:, :-1], index=rows.index, columns=list(self.features)
        )


MODEL_NAMES = ("base_rate", "recent_violence", "ewp_enet", "protect_gbm")
BEST = "protect_gbm"


def make_model(name: str, ewp_predictors: Sequence[str]) -> RiskModel:
    """A fresh, unfitted model by name."""
    if name == "base_rate":
        return BaseRate()
    if name == "recent_violence":
        return RecentViolence()
    if name == "ewp_enet":
        return EwpElasticNet(ewp_predictors)
    if name == "protect_gbm":
        return Boosted(ewp_predictors)
    raise ValueError(f"unknown model {name!r}; choose from {', '.join(MODEL_NAMES)}")
