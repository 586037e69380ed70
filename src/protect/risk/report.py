"""The backtest report: a Markdown table of scores and four PNG plots (ROC, precision-recall,
calibration, top-k catch), all computed on the country-years every model covers."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
## Seed spread, nested selection and the prospective record

The scores above are one seed set of models whose settings were fixed during development, with
the test years in view. [evaluation.md](evaluation.md) (`protect risk evaluate`) scores the
registered candidates over ten seed sets, scores a selection made only from earlier years
(nested), gives paired bootstrap intervals by year and by country and exact tests of onsets
caught against EWP's published forecasts, and re-scores with the onsets EWP coded late. The
prospective record, forecasts stored before their outcome is known and scored later, is in
[src/protect/risk/record/](../../src/protect/risk/record/README.md).

## Rank of every onset in its year (1 = highest risk)

{chr(10).join(rank_lines)}
"""
    (out / "report.md").write_text(text, encoding="utf-8")
    return scores


# ---- the evaluation report (protect risk evaluate) -------------------------------------------

_METRIC_NAMES = {
    "auc_roc": "AUC-ROC",
    "auc_pr": "AUC-PR",
    "brier": "Brier",
    "top10": "top 10",
    "top20": "top 20",
    "top30": "top 30",
}


def _fmt(metric: str, value: float) -> str:
    if metric.startswith("top"):
        return f"{100 * value:.1f}%"
    if metric == "brier":
        return f"{value:.5f}"
    return f"{value:.3f}"


def _dfmt(metric: str, value: float) -> str:
    if metric.startswith("top"):
        return f"{100 * value:+.1f} pt"
    if metric == "brier":
        return f"{value:+.5f}"
    return f"{value:+.3f}"


def _spread(metric: str, values: Sequence[float]) -> str:
    import numpy as np

    arr = np.asarray(values, dtype=float)
    return (
        f"{_fmt(metric, float(arr.mean()))} ({_fmt(metric, float(arr.min()))} to "
        f"{_fmt(metric, float(arr.max()))})"
    )


def _pair_order(pair: str) -> int:
    order = ("nested-ewp_published", "gbm-ewp_published", "gbm_acd-gbm", "gbm_nb-gbm")
    return order.index(pair) if pair in order else len(order)


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    """Whether the nested model beats EWP on AUC-PR with both bootstrap lower bounds above zero,
    in the frozen seed set and in every seed set."""
    sets = result["seed_sets"]
    lows = [
        min(
            s["bootstrap"]["nested-ewp_published|year"]["auc_pr"]["low"],
            s["bootstrap"]["nested-ewp_published|country"]["auc_pr"]["low"],
        )
        for s in sets
    ]
    return {
        "beats_ewp_auc_pr": lows[0] > 0,
        "in_every_seed_set": all(low > 0 for low in lows),
        "lowest_bound": min(lows),
        "frozen_set_bound": lows[0],
    }


def evaluation_markdown(
    result: dict[str, Any],
    registry: Sequence[dict[str, Any]],
    frozen: dict[str, Any] | None,
    command: str,
) -> str:
    """docs/risk/evaluation.md: the nested backtest with seed spread, intervals, paired tests,
    the vintage sensitivity and the prospective record."""
    sets = result["seed_sets"]
    first = sets[0]
    names = [*result["variants"], "nested", "ewp_published"]
    lines: list[str] = []
    add = lines.append
    y0, y1 = result["years"]
    add(f"# Nested backtest {y0}-{y1}: seed spread, intervals and the prospective record\n")
    add("Produced by:\n\n```\n" + command + "\n```\n")
    add(
        f"Scored on the {first['country_years']:,} country-years ({first['onsets']} onsets) where "
        "every candidate, the nested choice and EWP's published forecasts all have a forecast. "
        f"Every stochastic candidate was run with {len(sets)} seed sets of "
        f"{len(first['seeds'])} seeds each (seed set k = seeds 5k to 5k+4; the frozen model "
        "forecasts with seed set 0). Bootstrap intervals are 95% percentile intervals over "
        f"{result['draws']} paired resamples of forecast years or of countries.\n"
    )
    v = verdict(result)
    add("## What the evidence supports\n")
    if v["beats_ewp_auc_pr"] and v["in_every_seed_set"]:
        add(
            "The nested model's AUC-PR is higher than EWP's published forecasts', and the lower "
            "bound of both bootstrap intervals (years, countries) is above zero in every seed set "
            f"(lowest bound {v['lowest_bound']:+.3f}).\n"
        )
    else:
        add(
            "**We cannot say that protect beats EWP on AUC-PR.** The lower bound of the 95% "
            "bootstrap interval of the difference (nested choice minus EWP published) is "
            f"{v['frozen_set_bound']:+.3f} for the frozen seed set and as low as "
            f"{v['lowest_bound']:+.3f} over the {len(sets)} seed sets: zero, or a loss, is "
            "inside the interval. See the tables below for every metric.\n"
        )
    settled = []
    for key in sorted({k.split("|")[0] for k in first["bootstrap"]}, key=_pair_order):
        for m in _METRIC_NAMES:
            bounds = [s["bootstrap"][f"{key}|{by}"][m] for s in sets for by in ("year", "country")]
            if all(b["low"] > 0 for b in bounds) or all(b["high"] < 0 for b in bounds):
                d = first["bootstrap"][f"{key}|year"][m]["difference"]
                settled.append(f"`{key.replace('-', ' - ')}` {_METRIC_NAMES[m]} {_dfmt(m, d)}")
    add(
        "Differences whose 95% intervals exclude zero for both resamplings in every seed set: "
        + ("; ".join(settled) if settled else "none")
        + ". Every other difference below is not established.\n"
    )
    add("## Registered candidates\n")
    add(
        "Registered in the store (table `risk_variants`, append-only) by `protect risk evaluate` "
        "before any of them was scored. The hashes cover the specification and the risk code.\n"
    )
    add("| name | what it is | spec hash | code hash | registered (UTC) |")
    add("|---|---|---|---|---|")
    for r in registry:
        add(
            f"| `{r['name']}` | {r['description']} | `{r['spec_hash'][:12]}` | "
            f"`{r['code_hash'][:12]}` | {r['registered_at'][:16].replace('T', ' ')} |"
        )
    rule = result["rule"]
    add(
        f"\nSelection rule (fixed in `protect.risk.catalogue`): for each forecast year t, the "
        f"candidate with the highest {_METRIC_NAMES[rule['metric']]} on its own forecasts of "
        f"{rule['first_year']} to t-1; `{result['variants'][0]}` until those years hold "
        f"{rule['min_onsets']} onsets. The `nested` row below scores these choices, year by year.\n"
    )
    add(f"## Scores over {len(sets)} seed sets: mean (lowest to highest)\n")
    add("| model | " + " | ".join(_METRIC_NAMES.values()) + " |")
    add("|---|" + "---:|" * len(_METRIC_NAMES))
    for n in names:
        cells = [_spread(m, [s["metrics"][n][m] for s in sets]) for m in _METRIC_NAMES]
        add(f"| `{n}` | " + " | ".join(cells) + " |")
    add(
        "\n`enet` and `ewp_published` have no seeds, so they do not move. Top k: share of onsets "
        "ranked in the k highest risks of their year.\n"
    )
    add("## Differences between models\n")
    add(
        "Frozen seed set (0): the observed difference and its 95% intervals when forecast years "
        "or countries are resampled (the same draws for both models); then the lowest and "
        "highest lower bound, and upper bound, of the two intervals over all seed sets. "
        "`ewp_published` is EWP's "
        "published forecasts; `gbm_acd - gbm` is what the armed-conflict features add, "
        "`gbm_nb - gbm` what violence in bordering states adds.\n"
    )
    add(
        "| difference | metric | observed | 95% (years) | 95% (countries) "
        "| lower bounds over seed sets | upper bounds over seed sets |"
    )
    add("|---|---|---:|---:|---:|---:|---:|")
    pairs = sorted({key.split("|")[0] for key in first["bootstrap"]}, key=_pair_order)
    for pair in pairs:
        label = pair.replace("-", " - ")
        for m in _METRIC_NAMES:
            by_y = first["bootstrap"][f"{pair}|year"][m]
            by_c = first["bootstrap"][f"{pair}|country"][m]
            lows = [
                min(s["bootstrap"][f"{pair}|{by}"][m]["low"] for by in ("year", "country"))
                for s in sets
            ]
            highs = [
                max(s["bootstrap"][f"{pair}|{by}"][m]["high"] for by in ("year", "country"))
                for s in sets
            ]
            add(
                f"| `{label}` | {_METRIC_NAMES[m]} | {_dfmt(m, by_y['difference'])} | "
                f"{_dfmt(m, by_y['low'])} to {_dfmt(m, by_y['high'])} | "
                f"{_dfmt(m, by_c['low'])} to {_dfmt(m, by_c['high'])} | "
                f"{_dfmt(m, min(lows))} to {_dfmt(m, max(lows))} | "
                f"{_dfmt(m, min(highs))} to {_dfmt(m, max(highs))} |"
            )
    add(
        "\nFor Brier a negative difference is better (lower error); for every other metric a "
        "positive one is.\n"
    )
    add("\n## Onsets caught: paired exact tests\n")
    add(
        "An onset counts as caught when it ranks in the top k of its year. Only the onsets one "
        "model caught and the other missed inform the comparison; the p-value is the exact "
        "two-sided McNemar (binomial) test on them. Frozen seed set; the range of p over all "
        "seed sets in the last column.\n"
    )
    add("| a vs b | k | caught by a | caught by b | a only | b only | p | p over seed sets |")
    add("|---|---:|---:|---:|---:|---:|---:|---:|")
    for pair in pairs:
        for k in (10, 20, 30):
            p = first["paired"][f"{pair}|top{k}"]
            ps = [s["paired"][f"{pair}|top{k}"]["p_value"] for s in sets]
            add(
                f"| `{pair.replace('-', '` vs `')}` | {k} | {p['caught_a']} | {p['caught_b']} | "
                f"{p['a_only']} | {p['b_only']} | {p['p_value']:.2f} | "
                f"{min(ps):.2f} to {max(ps):.2f} |"
            )
    add("\n## What the nested rule chose\n")
    from collections import Counter

    chosen0 = first["chosen_by_year"]
    runs: list[str] = []
    prev, start = None, None
    for year in sorted(chosen0, key=int):
        if chosen0[year] != prev:
            if prev is not None:
                runs.append(f"{start}-{int(year) - 1}: `{prev}`")
            prev, start = chosen0[year], year
    runs.append(f"{start}-{max(chosen0, key=int)}: `{prev}`")
    add("Seed set 0, by forecast year: " + "; ".join(runs) + ".\n")
    counts = Counter(c for s in sets for c in s["chosen_by_year"].values())
    add(
        "Over all seed sets and years: "
        + ", ".join(f"`{n}` {counts.get(n, 0)}" for n in result["variants"])
        + f" (of {sum(counts.values())} year choices).\n"
    )
    nexts = Counter(s["choice_next"] for s in sets)
    add(
        f"Applied at the next origin ({y1 + 1}) on all {y0}-{y1} forecasts, the rule picks "
        f"`{first['choice_next']}` with seed set 0 ("
        + ", ".join(
            f"{n}: {_fmt(rule['metric'], x)}" for n, x in first["choice_next_scores"].items()
        )
        + "); over the seed sets it picks "
        + ", ".join(f"`{n}` {c} times" for n, c in nexts.most_common())
        + ".\n"
    )
    if frozen is not None:
        kept = "" if frozen.get("new", True) else ", kept: the rule picked the model already frozen"
        add(
            f"Frozen: `{frozen['name']}`, model hash `{frozen['model_hash']}`, at "
            f"{frozen['frozen_at'][:16].replace('T', ' ')} UTC (table `risk_frozen_models`"
            f"{kept}).\n"
        )
    add("## Data vintages: onsets EWP coded late\n")
    add(
        "Scoring again with these onsets counted as non-onsets, as an earlier edition of EWP's "
        "list had them (see [decision 053](../decisions/053-data-vintages.md)). The forecasts are "
        "not refitted: the labels of the training rows change only for forecasts made after the "
        "onset year (for Burkina Faso 2022, the 2024 forecast), so this is a scoring "
        "sensitivity.\n"
    )
    add(
        "| run | onsets recoded | AUC-PR `nested` | AUC-PR `gbm` | AUC-PR EWP "
        "| 95% (years) `nested` - EWP |"
    )
    add("|---|---|---:|---:|---:|---:|")
    for label, drop in result["late_onsets"].items():
        sens = [s["sensitivity"][label] for s in sets]
        b = sens[0]["bootstrap"]["nested-ewp_published|year"]["auc_pr"]
        add(
            f"| {label} | {len(drop)}: {', '.join(drop)} | "
            f"{_spread('auc_pr', [x['metrics']['nested']['auc_pr'] for x in sens])} | "
            f"{_spread('auc_pr', [x['metrics']['gbm']['auc_pr'] for x in sens])} | "
            f"{sens[0]['metrics']['ewp_published']['auc_pr']:.3f} | "
            f"{b['low']:+.3f} to {b['high']:+.3f} |"
        )
    add("\n## Prospective record\n")
    add(
        "Every forecast the frozen model issues is stored, dated and hashed (tables "
        "`risk_forecasts` and `risk_forecast_scores`, append-only) and exported with its rows "
        "to [src/protect/risk/record/](../../src/protect/risk/record/README.md); "
        "`protect risk score` scores each one once the sources code its year. The record starts "
        "with the forecasts for 2025 and 2026, both from the data of 2024: the models forecast "
        "an onset in either of the two years after their data, "
        "so they are one model output, scored against 2025's onsets and against 2026's.\n"
    )
    add("\n## Rank of every onset in its year, seed set 0 (1 = highest risk)\n")
    add("| year | country | " + " | ".join(f"`{n}`" for n in names) + " |")
    add("|---|---|" + "---:|" * len(names))
    for r in first["onset_ranks"]:
        add(
            f"| {r['year']} | {r['country']} | "
            + " | ".join(str(r.get(n, "")) for n in names)
            + " |"
        )
    return "\n".join(lines) + "\n"
