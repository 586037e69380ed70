"""How sure the backtest is: seed sets, nested selection, bootstrap intervals and paired tests.

Every stochastic variant is run with 50 seeds; seed set k averages the log-odds of seeds
5k..5k+4, the same way a forecast averages its five seeds, so the spread over the ten sets is
the spread a reader would see by re-running the published model with other seeds.

The nested (rolling-origin) selection chooses, for each forecast year t, the candidate with
the best AUC-PR on the forecast years before t, using only forecasts whose outcomes were known
by the end of t-1; its forecasts for t are then scored. Scoring the selection, not the winner,
is what keeps the choice among candidates out of the test years.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from math import comb
from typing import Any

import numpy as np
import pandas as pd

from protect.risk.variants import SEED_SET_SIZE, Variant, seed_set_logits

SEED_SETS = 10
METRICS = ("auc_roc", "auc_pr", "brier", "top10", "top20", "top30")
NESTED = "nested"
KEYS = ["year", "country"]


def seed_set_predictions(
    tables: Mapping[str, pd.DataFrame], variants: Sequence[Variant], k: int
) -> dict[str, pd.DataFrame]:
    """Each variant's backtest for seed set k: year, entity, country, name, onset, logit, risk."""
    seeds = range(SEED_SET_SIZE * k, SEED_SET_SIZE * (k + 1))
    out: dict[str, pd.DataFrame] = {}
    for v in variants:
        if v.kind == "blend":
            continue
        out[v.name] = seed_set_logits(tables[v.name], seeds)
    for v in variants:
        if v.kind == "blend":
            base = out[v.parts[0]].copy()
            logits = [out[p].set_index(["year", "entity"])["logit"] for p in v.parts]
            mean = sum(logits) / len(logits)
            assert isinstance(mean, pd.Series)
            base["logit"] = mean.reindex(
                pd.MultiIndex.from_frame(base[["year", "entity"]])
            ).to_numpy()
            out[v.name] = base
    for frame in out.values():
        frame["risk"] = 1.0 / (1.0 + np.exp(-frame["logit"].to_numpy(dtype=float)))
    return out


# ---- fast scores (same definitions as scikit-learn; checked in tests) -------------------------


def auc_roc(y: np.ndarray[Any, Any], p: np.ndarray[Any, Any]) -> float:
    """Mann-Whitney AUC with tied scores counted as half."""
    pos = int(y.sum())
    neg = len(y) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    ranks = pd.Series(p).rank(method="average").to_numpy()
    return float((ranks[y == 1].sum() - pos * (pos + 1) / 2) / (pos * neg))


def average_precision(y: np.ndarray[Any, Any], p: np.ndarray[Any, Any]) -> float:
    """Step-wise area under the precision-recall curve, thresholds at each distinct score."""
    pos = int(y.sum())
    if pos == 0:
        return float("nan")
    order = np.argsort(-p, kind="mergesort")
    ys, ps = y[order], p[order]
    tp = np.cumsum(ys)
    last = np.r_[np.flatnonzero(np.diff(ps)), len(ps) - 1]  # end of each run of equal scores
    tp_at = tp[last]
    precision = tp_at / (last + 1)
    recall_step = np.diff(np.r_[0, tp_at]) / pos
    return float((recall_step * precision).sum())


@dataclass(frozen=True)
class Scored:
    """One model's forecasts on a fixed set of country-years, ready to resample."""

    y: np.ndarray[Any, Any]
    p: np.ndarray[Any, Any]
    hits: dict[int, np.ndarray[Any, Any]]  # k -> expected catch of each row (onsets only)
    years: np.ndarray[Any, Any]
    countries: np.ndarray[Any, Any]

    @classmethod
    def of(cls, rows: pd.DataFrame) -> Scored:
        rows = rows.sort_values(KEYS).reset_index(drop=True)
        hits: dict[int, np.ndarray[Any, Any]] = {}
        for k in (10, 20, 30):
            h = np.zeros(len(rows))
            for _, g in rows.groupby("year", sort=False):
                values = g["risk"].to_numpy(dtype=float)
                for i, (value, onset) in enumerate(
                    zip(values, g["onset"].to_numpy(dtype=int), strict=True)
                ):
                    if onset:
                        h[g.index[i]] = _hit(values, value, k)
            hits[k] = h
        return cls(
            y=rows["onset"].to_numpy(dtype=int),
            p=rows["risk"].to_numpy(dtype=float),
            hits=hits,
            years=rows["year"].to_numpy(dtype=int),
            countries=rows["country"].to_numpy(dtype=str),
        )

    def metrics(self, idx: np.ndarray[Any, Any] | None = None) -> dict[str, float]:
        y = self.y if idx is None else self.y[idx]
        p = self.p if idx is None else self.p[idx]
        onsets = max(int(y.sum()), 1)
        out = {
            "auc_roc": auc_roc(y, p),
            "auc_pr": average_precision(y, p),
            "brier": float(np.mean((p - y) ** 2)),
        }
        for k, h in self.hits.items():
            out[f"top{k}"] = float((h if idx is None else h[idx]).sum() / onsets)
        return out


def _hit(values: np.ndarray[Any, Any], value: float, k: int) -> float:
    """Expected catch of one onset in the top k, ties broken at random (as
    `scoring.expected_rank_hits`)."""
    above = int((values > value).sum())
    tied = int((values == value).sum())
    return min(1.0, max(0.0, (k - above) / tied))


def common(preds: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every model restricted to the country-years all of them forecast."""
    keys: pd.MultiIndex | None = None
    for frame in preds.values():
        idx = pd.MultiIndex.from_frame(frame[KEYS])
        keys = idx if keys is None else keys.intersection(idx)
    assert keys is not None
    out = {}
    for name, frame in preds.items():
        keep = pd.MultiIndex.from_frame(frame[KEYS]).isin(keys)
        out[name] = frame.loc[keep, [*KEYS, "risk", "onset"]].reset_index(drop=True)
    return out


# ---- nested selection ---------------------------------------------------------------------------


def nested_selection(
    preds: Mapping[str, pd.DataFrame],
    candidates: Sequence[str],
    *,
    first_year: int,
    min_onsets: int,
    metric: str = "auc_pr",
) -> tuple[pd.DataFrame, dict[int, str]]:
    """Forecasts of the rolling choice, and the candidate chosen for each year.

    For year t the candidates are compared on their own forecasts of years first_year..t-1
    (all outcomes known by the end of t-1); until those years hold `min_onsets` onsets the
    first candidate is used. Ties go to the earlier candidate.
    """
    years = sorted(set(preds[candidates[0]]["year"]))
    chosen: dict[int, str] = {}
    parts = []
    for t in years:
        pick = candidates[0]
        inner = {
            c: preds[c][(preds[c]["year"] >= first_year) & (preds[c]["year"] < t)]
            for c in candidates
        }
        if int(inner[candidates[0]]["onset"].sum()) >= min_onsets:
            best = -np.inf
            for c in candidates:
                rows = inner[c]
                score = _metric(rows, metric)
                if score > best:
                    best, pick = score, c
        chosen[t] = pick
        parts.append(preds[pick][preds[pick]["year"] == t])
    return pd.concat(parts, ignore_index=True), chosen


def _metric(rows: pd.DataFrame, metric: str) -> float:
    y = rows["onset"].to_numpy(dtype=int)
    p = rows["risk"].to_numpy(dtype=float)
    if metric == "auc_pr":
        return average_precision(y, p)
    if metric == "auc_roc":
        return auc_roc(y, p)
    raise ValueError(f"unknown selection metric {metric!r}")


def choose_now(
    preds: Mapping[str, pd.DataFrame], candidates: Sequence[str], *, first_year: int, metric: str
) -> tuple[str, dict[str, float]]:
    """The rule applied at the next origin, on every forecast year scored so far."""
    scores = {c: _metric(preds[c][preds[c]["year"] >= first_year], metric) for c in candidates}
    best = max(candidates, key=lambda c: (scores[c], -candidates.index(c)))
    return best, scores


# ---- resampling ---------------------------------------------------------------------------------


def _groups(values: np.ndarray[Any, Any]) -> list[np.ndarray[Any, Any]]:
    order = np.argsort(values, kind="mergesort")
    _, starts = np.unique(values[order], return_index=True)
    return np.split(order, starts[1:])


def bootstrap_difference(
    a: Scored,
    b: Scored,
    by: str,
    draws: int = 1000,
    seed: int = 0,
    metrics: Sequence[str] = METRICS,
) -> dict[str, dict[str, float]]:
    """Percentile intervals of a - b when forecast years (or countries) are resampled.

    `a` and `b` must hold the same country-years in the same order; each draw takes the same
    clusters for both (a paired bootstrap). Returns, per metric, the observed difference, the
    2.5th and 97.5th percentiles and the share of draws where a is higher.
    """
    if not (np.array_equal(a.years, b.years) and np.array_equal(a.countries, b.countries)):
        raise ValueError("bootstrap_difference: the two models cover different country-years")
    clusters = _groups(a.years if by == "year" else a.countries)
    rng = np.random.default_rng(seed)
    diffs: dict[str, list[float]] = {m: [] for m in metrics}
    for _ in range(draws):
        pick = rng.integers(0, len(clusters), len(clusters))
        idx = np.concatenate([clusters[i] for i in pick])
        if a.y[idx].sum() == 0:
            continue
        ma, mb = a.metrics(idx), b.metrics(idx)
        for m in metrics:
            diffs[m].append(ma[m] - mb[m])
    full_a, full_b = a.metrics(), b.metrics()
    out = {}
    for m in metrics:
        d = np.array(diffs[m])
        out[m] = {
            "difference": full_a[m] - full_b[m],
            "low": float(np.percentile(d, 2.5)),
            "high": float(np.percentile(d, 97.5)),
            "share_higher": float((d > 0).mean()),
            "draws": len(d),
        }
    return out


def paired_catch(a: Scored, b: Scored, k: int) -> dict[str, float]:
    """Onsets caught in the top k by a only and by b only, with the exact two-sided McNemar
    (binomial) p-value; an onset is caught when its expected catch is at least one half."""
    onset = a.y == 1
    ca = a.hits[k][onset] >= 0.5
    cb = b.hits[k][onset] >= 0.5
    only_a, only_b = int((ca & ~cb).sum()), int((cb & ~ca).sum())
    return {
        "onsets": int(onset.sum()),
        "caught_a": int(ca.sum()),
        "caught_b": int(cb.sum()),
        "a_only": only_a,
        "b_only": only_b,
        "p_value": exact_mcnemar(only_a, only_b),
    }


def exact_mcnemar(b: int, c: int) -> float:
    """Two-sided exact binomial test of b successes in b + c trials at one half."""
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(comb(n, i) for i in range(min(b, c) + 1)) / 2**n
    return float(min(1.0, 2 * tail))


def summary(values: Sequence[float]) -> dict[str, float]:
    arr = np.asarray(values, dtype=float)
    return {
        "mean": float(arr.mean()),
        "sd": float(arr.std(ddof=1)) if len(arr) > 1 else 0.0,
        "min": float(arr.min()),
        "max": float(arr.max()),
        "n": len(arr),
    }


ProgressFn = Callable[[str], None]


# ---- the whole evaluation -----------------------------------------------------------------------

BASELINE = "ewp_published"
# The differences measured: protect against EWP's published forecasts (the nested choice and
# the former protect_gbm), and what the armed-conflict and the neighbourhood features add to
# the same model.
PAIRS = (("nested", BASELINE), ("gbm", BASELINE), ("gbm_acd", "gbm"), ("gbm_nb", "gbm"))


def late_onsets(root: Any, panel: pd.DataFrame, years: Sequence[int]) -> dict[str, list[str]]:
    """Onsets (ISO3 year) for the vintage sensitivity runs, from EWP's own episode list.

    - `bfa2022`: Burkina Faso 2022, coded as an onset only in the 2025 edition (the 2024
      edition's list did not have it; see docs/decisions/053).
    - `state_led_only`: every non-state-led onset, a category EWP's 2015 edition (state-led
      killings only, `statrisk-2015/mkl.csv`) did not code at all; a country-year where a
      state-led episode also began stays an onset.
    """
    from protect.knowledge.countries import iso3_for_cow
    from protect.risk.files import EVENTS

    events = pd.read_csv(root / EVENTS)
    nonstate: set[str] = set()
    state: set[str] = set()
    for cow, start, kind in zip(
        events["mk_location_cow"],
        events["startyear"],
        events["State-Led or Non-State-Led"],
        strict=True,
    ):
        iso = iso3_for_cow(int(cow), int(start))
        if iso is not None and int(start) in set(years):
            led_by_state = not str(kind).strip().lower().startswith("non")
            (state if led_by_state else nonstate).add(f"{iso} {int(start)}")
    onsets = panel[(panel["mk_onset"] == 1) & panel["year"].isin(list(years))]
    observed = {f"{c} {y}" for c, y in zip(onsets["country"], onsets["year"], strict=True)}
    return {
        "bfa2022": [k for k in ("BFA 2022",) if k in observed],
        "state_led_only": sorted(k for k in nonstate - state if k in observed),
    }


def _recode(frame: pd.DataFrame, drop: Sequence[str]) -> pd.DataFrame:
    keys = frame["country"].astype(str) + " " + frame["year"].astype(str)
    out = frame.copy()
    out.loc[keys.isin(list(drop)), "onset"] = 0
    return out


def run(
    root: Any,
    variants: Sequence[Variant],
    cache: Any,
    years: Sequence[int],
    *,
    first_year: int,
    min_onsets: int,
    metric: str,
    draws: int = 1000,
    seed_sets: int = SEED_SETS,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Seed-set scores, nested selection, intervals, paired tests and vintage sensitivity."""
    from protect.risk.backtest import published
    from protect.risk.files import FORECAST_FILES, files_hash
    from protect.risk.neighbours import add_neighbour_features
    from protect.risk.panel import build_panel
    from protect.risk.sources import load_sources
    from protect.risk.variants import compute_key, seed_logits

    say = progress or (lambda _m: None)
    src = load_sources(root)
    panel = add_neighbour_features(build_panel(src))
    data = files_hash(root, FORECAST_FILES)
    tables = {
        v.name: seed_logits(
            panel,
            v,
            src.predictor_names,
            years,
            range(SEED_SET_SIZE * seed_sets),
            cache,
            compute_key(v, data),
            say,
        )
        for v in variants
        if v.kind != "blend"
    }
    assert src.foos is not None
    ewp = published(panel, src.foos, list(years))[[*KEYS, "risk", "onset"]]
    names = [v.name for v in variants]
    late = late_onsets(root, panel, years)
    per_set: list[dict[str, Any]] = []
    for k in range(seed_sets):
        say(f"seed set {k}")
        preds = seed_set_predictions(tables, variants, k)
        nested, chosen = nested_selection(
            preds, names, first_year=first_year, min_onsets=min_onsets, metric=metric
        )
        now, now_scores = choose_now(preds, names, first_year=first_year, metric=metric)
        rows = common({**preds, NESTED: nested, BASELINE: ewp})
        scored = {n: Scored.of(f) for n, f in rows.items()}
        result: dict[str, Any] = {
            "seed_set": k,
            "seeds": list(range(SEED_SET_SIZE * k, SEED_SET_SIZE * (k + 1))),
            "chosen_by_year": {str(y): c for y, c in chosen.items()},
            "choice_next": now,
            "choice_next_scores": now_scores,
            "metrics": {n: s.metrics() for n, s in scored.items()},
            "country_years": len(rows[BASELINE]),
            "onsets": int(rows[BASELINE]["onset"].sum()),
            "bootstrap": {
                f"{a}-{b}|{by}": bootstrap_difference(scored[a], scored[b], by, draws, seed=k)
                for a, b in PAIRS
                for by in ("year", "country")
            },
            "paired": {
                f"{a}-{b}|top{kk}": paired_catch(scored[a], scored[b], kk)
                for a, b in PAIRS
                for kk in (10, 20, 30)
            },
            "onset_ranks": _onset_ranks(rows, [*names, NESTED, BASELINE]),
            "sensitivity": {},
        }
        for label, drop in late.items():
            recoded = {n: Scored.of(_recode(f, drop)) for n, f in rows.items()}
            result["sensitivity"][label] = {
                "metrics": {n: s.metrics() for n, s in recoded.items()},
                "bootstrap": {
                    f"{a}-{b}|year": bootstrap_difference(
                        recoded[a], recoded[b], "year", draws, seed=k
                    )
                    for a, b in PAIRS
                    if b == BASELINE
                },
            }
        per_set.append(result)
    return {
        "years": [int(min(years)), int(max(years))],
        "data_hash": data,
        "variants": names,
        "rule": {"metric": metric, "first_year": first_year, "min_onsets": min_onsets},
        "late_onsets": late,
        "draws": draws,
        "seed_sets": per_set,
    }


def _onset_ranks(rows: Mapping[str, pd.DataFrame], names: Sequence[str]) -> list[dict[str, Any]]:
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for n in names:
        frame = rows[n].copy()
        frame["rank"] = frame.groupby("year")["risk"].rank(ascending=False, method="min")
        for y, c, r in frame.loc[frame["onset"] == 1, ["year", "country", "rank"]].itertuples(
            index=False
        ):
            out.setdefault((int(y), str(c)), {"year": int(y), "country": str(c)})[n] = int(r)
    return [out[key] for key in sorted(out)]
