"""The registered candidate variants and the rule that chooses between them.

Written down, and registered in the store, before any of them is scored by the nested backtest
(docs/decisions/054). `gbm` is the model published before (`protect_gbm`); the others are
what a forecaster would try next: armed-conflict features, EWP's own model, and the average of
the two kinds. The selection rule is fixed here too, so it cannot be tuned after the fact.
`gbm_nb` (violence in bordering states) was added, and registered, before its first score
(docs/decisions/055); adding a candidate is a new rule, so the whole nested backtest is run again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from protect.risk.conflict import ACD_FEATURES
from protect.risk.features import describe, ucdp_feature_names
from protect.risk.models import MODEL_NAMES, Boosted, make_model
from protect.risk.neighbours import NEIGHBOUR_FEATURES
from protect.risk.neighbours import code_hash as neighbour_code_hash
from protect.risk.variants import Variant

# Nested selection: at each forecast year t, the candidate with the highest AUC-PR over the
# forecast years before t (all from 1994), once those years hold this many onsets; before
# that, the default (the first candidate).
SELECTION_METRIC = "auc_pr"
SELECTION_MIN_ONSETS = 8
SELECTION_FIRST_YEAR = 1994
VARIANT_NAMES = ("gbm", "gbm_acd", "enet", "blend", "gbm_nb")


@dataclass(frozen=True)
class NeighbourVariant(Variant):
    """A variant using the neighbourhood features: its specification also carries the hash of
    the neighbour code and tables, so a change to either registers (and computes) it anew,
    while the hashes of the other variants stay as they were."""

    def spec(self) -> dict[str, Any]:
        return {**super().spec(), "neighbour_code": neighbour_code_hash()}


def _gbm_params() -> dict[str, object]:
    return {k: v for k, v in Boosted.PARAMS.items() if k not in ("verbose",)}


def candidates(ewp_predictors: Sequence[str]) -> tuple[Variant, ...]:
    ewp = tuple(ewp_predictors)
    ucdp = ucdp_feature_names()
    gbm = Variant(
        name="gbm",
        kind="gbm",
        features=(*ewp, *ucdp),
        params=_gbm_params(),
        description="LightGBM on EWP predictors and UCDP organized violence (protect_gbm)",
    )
    gbm_acd = Variant(
        name="gbm_acd",
        kind="gbm",
        features=(*ewp, *ucdp, *ACD_FEATURES),
        params=_gbm_params(),
        description="gbm plus UCDP/PRIO armed-conflict features",
    )
    enet = Variant(
        name="enet",
        kind="enet",
        features=ewp,
        seeds=(),
        description="EWP's elastic-net logit, reproduced (ewp_enet)",
    )
    blend = Variant(
        name="blend",
        kind="blend",
        features=(*ewp, *ucdp),
        parts=("gbm", "enet"),
        description="mean log-odds of gbm and enet",
    )
    gbm_nb = NeighbourVariant(
        name="gbm_nb",
        kind="gbm",
        features=(*ewp, *ucdp, *NEIGHBOUR_FEATURES),
        params=_gbm_params(),
        description="gbm plus violence in land-bordering states the same year",
    )
    out = (gbm, gbm_acd, enet, blend, gbm_nb)
    assert tuple(v.name for v in out) == VARIANT_NAMES
    return out


def features_markdown(ewp_predictors: tuple[str, ...]) -> str:
    """The feature table of docs/risk/features.md (a test keeps the committed file in step):
    the backtest's models, then the registered candidates that add armed-conflict features and
    violence in neighbouring states."""
    columns = [(m, make_model(m, ewp_predictors).features) for m in MODEL_NAMES]
    columns += [
        (v.name, v.features) for v in candidates(ewp_predictors) if v.name in ("gbm_acd", "gbm_nb")
    ]
    names = list(dict.fromkeys(n for _, features in columns for n in features))
    head = "| feature | meaning | source | " + " | ".join(f"`{m}`" for m, _ in columns) + " |"
    lines = [head, "|---|---|---|" + "---|" * len(columns)]
    for n in names:
        f = describe(n)
        used = " | ".join("x" if n in features else "" for _, features in columns)
        lines.append(f"| `{n}` | {f.label} | {f.source} | {used} |")
    return "\n".join(lines) + "\n"
