"""The backtest report: a Markdown table of scores and four PNG plots (ROC, precision-recall,
calibration, top-k catch), all computed on the country-years every model covers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from protect.risk.models import make_model
from protect.risk.scoring import (
    Scores,
    calibration_bins,
    common_rows,
    expected_rank_hits,
    score_table,
    top_k_catch,
)

PLOTS = ("roc.png", "precision-recall.png", "calibration.png", "top-k.png")


def _title(name: str) -> str:
    if name == "ewp_published":
        return "EWP published forecasts"
    try:
        return make_model(name, ()).title or name
    except ValueError:
        return name


def _plots(rows: pd.DataFrame, models: Sequence[str], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import precision_recall_curve, roc_curve

    subsets = {m: rows[rows["model"] == m] for m in models}
    fig, ax = plt.subplots(figsize=(6, 5))
    for m, sub in subsets.items():
        fpr, tpr, _ = roc_curve(sub["onset"], sub["risk"])
        ax.plot(fpr, tpr, label=_title(m))
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set(xlabel="false positive rate", ylabel="true positive rate", title="ROC")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "roc.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 5))
    for m, sub in subsets.items():
        prec, rec, _ = precision_recall_curve(sub["onset"], sub["risk"])
        ax.step(rec, prec, where="post", label=_title(m))
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall", yscale="log")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "precision-recall.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 5))
    top = 0.0
    for m, sub in subsets.items():
        bins = calibration_bins(sub, bins=10)
        ax.plot(bins["forecast"], bins["observed"], marker="o", label=_title(m))
        top = max(top, float(bins["forecast"].max()), float(bins["observed"].max()))
    ax.plot([0, top], [0, top], color="grey", linestyle=":", linewidth=1)
    ax.set(
        xlabel="mean forecast (decile of risk)",
        ylabel="observed onset rate",
        title="Calibration",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "calibration.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 5))
    ks = list(range(1, 61))
    for m, sub in subsets.items():
        ax.plot(ks, [top_k_catch(sub, k) for k in ks], label=_title(m))
    for k in (10, 20, 30):
        ax.axvline(k, color="grey", linestyle=":", linewidth=1)
    ax.set(
        xlabel="k (countries flagged per year)",
        ylabel="share of onsets in the top k",
        title="Top-k catch",
    )
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "top-k.png", dpi=110)
    plt.close(fig)


def bootstrap_years(
    rows: pd.DataFrame, model: str, baseline: str, draws: int = 500, seed: int = 0
) -> pd.DataFrame:
    """How much the scores move when the forecast years are resampled with replacement.

    With 39 onsets a single forecast can shift AUC-PR by half; this gives, for `model`, its
    baseline and their difference, the 5th and 95th percentiles over `draws` resamples and the
    share of resamples in which `model` scores higher.
    """
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    years = sorted(set(rows["year"]))
    per: dict[str, dict[int, tuple[np.ndarray, np.ndarray, float]]] = {}
    for m in (model, baseline):
        sub = rows[rows["model"] == m]
        per[m] = {}
        for y, g in sub.groupby("year"):
            hits = expected_rank_hits(g["risk"], g["onset"], 30)
            per[m][int(str(y))] = (
                g["risk"].to_numpy(dtype=float),
                g["onset"].to_numpy(dtype=int),
                hits,
            )
    rng = np.random.default_rng(seed)
    out: dict[str, list[float]] = {}
    for _ in range(draws):
        pick = rng.choice(years, len(years))
        vals: dict[str, tuple[float, float, float]] = {}
        for m in (model, baseline):
            risk = np.concatenate([per[m][int(y)][0] for y in pick])
            onset = np.concatenate([per[m][int(y)][1] for y in pick])
            if onset.sum() == 0:
                break
            top = sum(per[m][int(y)][2] for y in pick) / onset.sum()
            vals[m] = (
                float(roc_auc_score(onset, risk)),
                float(average_precision_score(onset, risk)),
                float(top),
            )
        if len(vals) < 2:
            continue
        for i, metric in enumerate(("AUC-ROC", "AUC-PR", "top 30")):
            out.setdefault(f"{metric}|{model}", []).append(vals[model][i])
            out.setdefault(f"{metric}|{baseline}", []).append(vals[baseline][i])
            out.setdefault(f"{metric}|diff", []).append(vals[model][i] - vals[baseline][i])
    table: list[dict[str, str]] = []
    if not out:
        return pd.DataFrame(table)
    for metric in ("AUC-ROC", "AUC-PR", "top 30"):
        a, b, d = (np.array(out[f"{metric}|{k}"]) for k in (model, baseline, "diff"))
        table.append(
            {
                "metric": metric,
                model: f"{np.percentile(a, 5):.3f} to {np.percentile(a, 95):.3f}",
                baseline: f"{np.percentile(b, 5):.3f} to {np.percentile(b, 95):.3f}",
                "difference": f"{np.percentile(d, 5):+.3f} to {np.percentile(d, 95):+.3f}",
                "share better": f"{(d > 0).mean():.0%}",
            }
        )
    return pd.DataFrame(table)


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def scores_markdown(scores: Sequence[Scores]) -> str:
    lines = [
        "| model | country-years | onsets | AUC-ROC | AUC-PR | Brier | top 10 | top 20 | top 30 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in scores:
        lines.append(
            f"| {_title(s.model)} (`{s.model}`) | {s.country_years:,} | {s.onsets} | "
            f"{s.auc_roc:.3f} | {s.auc_pr:.3f} | {s.brier:.5f} | {_pct(s.top10)} | "
            f"{_pct(s.top20)} | {_pct(s.top30)} |"
        )
    return "\n".join(lines)


def onset_ranks(rows: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """The rank each model gave every onset in its year (1 = highest risk)."""
    ranked = rows.copy()
    ranked["rank"] = ranked.groupby(["model", "year"])["risk"].rank(ascending=False, method="min")
    onsets = ranked[ranked["onset"] == 1]
    table = onsets.pivot_table(
        index=["year", "country", "name"], columns="model", values="rank", aggfunc="first"
    )
    return table.reindex(columns=list(models)).reset_index()


def write_report(
    results: pd.DataFrame, models: Sequence[str], out: Path, command: str
) -> list[Scores]:
    """Write report.md and the plots into `out`; return the scores it shows."""
    out.mkdir(parents=True, exist_ok=True)
    rows = common_rows(results, models)
    scores = score_table(results, models)
    _plots(rows, models, out)
    ranks = onset_ranks(rows, models)
    rank_lines = [
        "| year | country | " + " | ".join(f"`{m}`" for m in models) + " |",
        "|---|---|" + "---:|" * len(models),
    ]
    for _, r in ranks.iterrows():
        cells = " | ".join("" if pd.isna(r[m]) else str(int(r[m])) for m in models)
        rank_lines.append(f"| {int(r['year'])} | {r['country']} ({r['name']}) | {cells} |")
    years = sorted(set(rows["year"]))
    uncertainty = ""
    best, base = "protect_gbm", "ewp_published"
    both = best in models and base in models
    boot = bootstrap_years(rows, best, base) if both else pd.DataFrame()
    if len(boot):
        head = "| " + " | ".join(boot.columns) + " |"
        sep = "|---|" + "---:|" * (len(boot.columns) - 1)
        body = ["| " + " | ".join(str(v) for v in r) + " |" for r in boot.itertuples(index=False)]
        uncertainty = f"""
## How sure (forecast years resampled)

The forecast years were resampled with replacement 500 times (seed 0) and every score
recomputed; the cells give the 5th to 95th percentile, and how often `{best}` scored strictly
higher than `{base}` (ties, frequent for top 30, count as not higher).
With so few onsets, differences of this size are not firmly established.

{chr(10).join([head, sep, *body])}
"""
    text = f"""# Backtest: mass-killing onset, forecast years {years[0]}-{years[-1]}

Produced by:

```
{command}
```

Every model is refitted for each forecast year t on outcomes known by the end of t-1 and
predicts year t from data of t-1 (see [method](README.md)). All rows below are scored on exactly
the same {scores[0].country_years:,} country-years ({scores[0].onsets} onsets): those where
every model, including EWP's published forecasts, has a forecast.
AUC-PR is average precision; top k is the share of onsets whose country ranked in the k highest
risks of its year.

{scores_markdown(scores)}

![ROC](roc.png) ![Precision-recall](precision-recall.png)
![Calibration](calibration.png) ![Top-k catch](top-k.png)
{uncertainty}
## Rank of every onset in its year (1 = highest risk)

{chr(10).join(rank_lines)}
"""
    (out / "report.md").write_text(text, encoding="utf-8")
    return scores
