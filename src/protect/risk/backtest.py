"""Rolling-origin backtest that cannot see the future.

For a forecast year t every model is refitted on panel rows whose label was known by the end of
t-1 (row year y, horizon h: y + h <= t - 1) and predicts from the features of year t-1. Nothing
about year t or later enters the fit or the features: `tests/risk/test_no_leak.py` perturbs all
later data and checks the forecast does not move.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import pandas as pd

from protect.risk.models import RiskModel, make_model

FIRST_YEAR = 1994
LAST_YEAR = 2024
PUBLISHED = "ewp_published"
RESULT_COLUMNS = ("country", "year", "model", "risk", "onset", "name")


def label_known(row_year: int, horizon: int, origin: int) -> bool:
    """Whether a training row's outcome h years ahead was observed by the end of origin - 1."""
    return row_year + horizon <= origin - 1


def training_rows(panel: pd.DataFrame, model: RiskModel, origin: int) -> pd.DataFrame:
    """Rows the model may learn from when forecasting year `origin`."""
    keep = (panel["year"] + model.horizon <= origin - 1) & panel[model.label].notna()
    if model.min_year is not None:
        keep &= panel["year"] >= model.min_year
    return panel[keep]


def feature_rows(panel: pd.DataFrame, origin: int) -> pd.DataFrame:
    """Features of year origin - 1, with the outcome and ISO3 of year origin where known."""
    rows = panel[panel["year"] == origin - 1].copy()
    target = panel.loc[panel["year"] == origin, ["entity", "country", "mk_onset"]]
    rows = rows.merge(
        target.rename(columns={"country": "target_country", "mk_onset": "target_onset"}),
        on="entity",
        how="left",
    )
    rows["target_country"] = rows["target_country"].fillna(rows["country"])
    rows.index = pd.RangeIndex(len(rows))
    return rows


def fit_for(
    panel: pd.DataFrame, name: str, ewp_predictors: Sequence[str], origin: int
) -> RiskModel:
    """A model fitted on what was known by the end of origin - 1."""
    model = make_model(name, ewp_predictors)
    train = training_rows(panel, model, origin)
    if train.empty or train[model.label].nunique() < 2:
        raise ValueError(
            f"{name}: no training rows with both outcomes before {origin} "
            "(the data start too late for this forecast year)"
        )
    model.fit(train)
    return model


def run_backtest(
    panel: pd.DataFrame,
    ewp_predictors: Sequence[str],
    models: Sequence[str],
    years: Iterable[int],
    foos: pd.DataFrame | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> pd.DataFrame:
    """Long table: one row per country, forecast year and model (see RESULT_COLUMNS)."""
    parts: list[pd.DataFrame] = []
    for origin in years:
        rows = feature_rows(panel, origin)
        rows = rows[rows["target_onset"].notna()]
        for name in models:
            if progress is not None:
                progress(origin, name)
            if rows.empty:
                continue
            model = fit_for(panel, name, ewp_predictors, origin)
            parts.append(
                pd.DataFrame(
                    {
                        "country": rows["target_country"].to_numpy(),
                        "year": origin,
                        "model": name,
                        "risk": model.predict(rows),
                        "onset": rows["target_onset"].astype(int).to_numpy(),
                        "name": rows["name"].to_numpy(),
                    }
                )
            )
    out = pd.concat(parts, ignore_index=True) if parts else _empty()
    if foos is not None and len(out):
        out = pd.concat([out, published(panel, foos, sorted(set(out["year"])))], ignore_index=True)
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RESULT_COLUMNS})


def published(panel: pd.DataFrame, foos: pd.DataFrame, years: Sequence[int]) -> pd.DataFrame:
    """EWP's published out-of-sample forecasts (`risk_prev`) in the same long layout."""
    sub = foos[foos["year"].isin(years) & foos["risk_prev"].notna()]
    keys = panel[["entity", "year", "country"]].rename(columns={"entity": "ccode"})
    sub = sub.merge(keys, on=["ccode", "year"], how="left")
    missing = sub[sub["country"].isna()]
    if len(missing):
        row = missing.iloc[0]
        raise ValueError(f"published forecast {row['ewp_name']} {row['year']} is not in the panel")
    return pd.DataFrame(
        {
            "country": sub["country"].to_numpy(),
            "year": sub["year"].astype(int).to_numpy(),
            "model": PUBLISHED,
            "risk": sub["risk_prev"].astype(float).to_numpy(),
            "onset": sub["mk_onset"].astype(int).to_numpy(),
            "name": sub["ewp_name"].to_numpy(),
        }
    )
