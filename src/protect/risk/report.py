"""The backtest report: a Markdown table of scores and four PNG plots (ROC, precision-recall,
calibration, top-k catch), all computed on the country-years every model covers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from protect.risk.models import make_model
from protect.risk.scoring import Scores, calibration_bins, common_rows, score_table, top_k_catch

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

## Rank of every onset in its year (1 = highest risk)

{chr(10).join(rank_lines)}
"""
    (out / "report.md").write_text(text, encoding="utf-8")
    return scores
