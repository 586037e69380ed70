"""From a panel row to the assessment contract's input (a situation) and to an alert.

The thresholds come from `thresholds.yaml`; this module only says which figure each one reads.
Every derived field is returned with the figures and the threshold that set it, so that an alert
can be traced back to the panel and from there to the events.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

from protect.knowledge import months
from protect.knowledge.levels import AlertLevel
from protect.monitor.models import Alert

_FIGURES = (
    "sb_best_12m", "ns_best_12m", "os_best_12m", "os_best_3m", "interstate_best_12m",
    "top_perpetrator_12m", "civilians_12m", "civilians_3m",
)  # fmt: skip
Figure = Literal[
    "sb_best_12m", "ns_best_12m", "os_best_12m", "os_best_3m", "interstate_best_12m",
    "top_perpetrator_12m", "civilians_12m", "civilians_3m",
]  # fmt: skip
SEVERITY = ("none", "risk", "imminent", "ongoing")
"""Crime statuses the monitor derives, least to most severe."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Threshold(_Strict):
    value: float = Field(ge=0)
    unit: str
    rationale: str
    sources: list[str] = Field(min_length=1)


class Condition(_Strict):
    at_least: float = Field(ge=0)


class AlertRule(_Strict):
    level: AlertLevel
    rule: str
    description: str
    when: dict[Figure, Condition] = Field(min_length=1)
    rationale: str | None = None
    sources: list[str] = Field(min_length=1)


class ArmedConflictThresholds(_Strict):
    battle_deaths_12m: Threshold
    non_state_deaths_12m: Threshold
    interstate_deaths_12m: Threshold


class AtrocityThresholds(_Strict):
    mass_killing_12m: Threshold
    imminent_3m: Threshold
    one_sided_12m: Threshold
    civilians_in_conflict_12m: Threshold
    civilians_in_conflict_3m: Threshold


class CivilianHarmThresholds(_Strict):
    attacks_sporadic_12m: Threshold
    attacks_widespread_12m: Threshold


class StateRoleThresholds(_Strict):
    perpetrator_12m: Threshold


class Thresholds(_Strict):
    armed_conflict: ArmedConflictThresholds
    atrocities: AtrocityThresholds
    civilian_harm: CivilianHarmThresholds
    state_role: StateRoleThresholds
    alerts: list[AlertRule] = Field(min_length=1)


@cache
def thresholds() -> Thresholds:
    """The bundled thresholds, validated: a typo in the YAML fails at load, not silently."""
    text = resources.files("protect.monitor").joinpath("thresholds.yaml").read_text("utf-8")
    return Thresholds.model_validate(yaml.safe_load(text))


def _fig(row: dict[str, Any], name: str) -> float:
    value = row.get(name)
    return float(value) if value is not None else 0.0


def alert_for(row: dict[str, Any], t: Thresholds | None = None) -> Alert | None:
    """The first alert rule (in YAML order) whose conditions all hold, or None."""
    t = t or thresholds()
    for rule in t.alerts:
        if all(_fig(row, f) >= c.at_least for f, c in rule.when.items()):
            figures: dict[str, Any] = {f: round(_fig(row, f), 2) for f in rule.when}
            figures.update({f"threshold_{f}": c.at_least for f, c in rule.when.items()})
            if "top_perpetrator_12m" in rule.when:
                figures["perpetrator"] = row.get("top_perpetrator")
                figures["perpetrator_is_government"] = bool(row.get("top_perpetrator_is_gov"))
            return Alert(
                level=rule.level, rule=rule.rule, description=rule.description, figures=figures
            )
    return None


def month_end(month_idx: int) -> str:
    return months.last_day(month_idx).isoformat()


def derive(
    row: dict[str, Any], t: Thresholds | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(situation in the contract's input form, derivation steps) for one panel row."""
    t = t or thresholds()
    ac, at, sr = t.armed_conflict, t.atrocities, t.state_role
    sb, ns = _fig(row, "sb_best_12m"), _fig(row, "ns_best_12m")
    inter = _fig(row, "interstate_best_12m")
    os12, os3 = _fig(row, "os_best_12m"), _fig(row, "os_best_3m")
    top = _fig(row, "top_perpetrator_12m")
    top_gov = bool(row.get("top_perpetrator_is_gov"))
    steps: list[dict[str, Any]] = []

    if inter >= ac.interstate_deaths_12m.value:
        conflict, why = "international", "interstate_deaths_12m"
    elif sb >= ac.battle_deaths_12m.value:
        conflict, why = "non-international", "battle_deaths_12m"
    elif ns >= ac.non_state_deaths_12m.value:
        conflict, why = "non-international", "non_state_deaths_12m"
    else:
        conflict, why = "none", "below all armed-conflict thresholds"
    steps.append({
        "field": "armed_conflict", "value": conflict, "rule": why,
        "figures": {"sb_best_12m": round(sb, 2), "ns_best_12m": round(ns, 2),
                    "interstate_best_12m": round(inter, 2)},
        "thresholds": {"battle_deaths_12m": ac.battle_deaths_12m.value,
                       "non_state_deaths_12m": ac.non_state_deaths_12m.value,
                       "interstate_deaths_12m": ac.interstate_deaths_12m.value},
    })  # fmt: skip

    if top >= at.mass_killing_12m.value:
        cah, why = "ongoing", "mass_killing_12m"
    elif os3 >= at.imminent_3m.value:
        cah, why = "imminent", "imminent_3m"
    elif os12 >= at.one_sided_12m.value:
        cah, why = "risk", "one_sided_12m"
    else:
        cah, why = "none", "below all atrocity thresholds"
    civ12, civ3 = _fig(row, "civilians_12m"), _fig(row, "civilians_3m")
    if civ3 >= at.civilians_in_conflict_3m.value:
        by_civilians = "imminent"
    elif civ12 >= at.civilians_in_conflict_12m.value:
        by_civilians = "risk"
    else:
        by_civilians = "none"
    war_crimes = (
        max(cah, by_civilians, key=SEVERITY.index) if conflict != "none" else "none"
    )
    atrocities = {
        "genocide": "none",
        "crimes-against-humanity": cah,
        "war-crimes": war_crimes,
        "ethnic-cleansing": "none",
    }
    steps.append({
        "field": "atrocities", "value": atrocities, "rule": why,
        "figures": {"top_perpetrator_12m": round(top, 2), "os_best_3m": round(os3, 2),
                    "os_best_12m": round(os12, 2), "perpetrator": row.get("top_perpetrator"),
                    "civilians_12m": round(civ12, 2), "civilians_3m": round(civ3, 2)},
        "thresholds": {"mass_killing_12m": at.mass_killing_12m.value,
                       "imminent_3m": at.imminent_3m.value,
                       "one_sided_12m": at.one_sided_12m.value,
                       "civilians_in_conflict_12m": at.civilians_in_conflict_12m.value,
                       "civilians_in_conflict_3m": at.civilians_in_conflict_3m.value},
        "note": "inside an armed conflict, war-crimes take the more severe of the one-sided "
                "reading and the civilian deaths of all violence (never 'ongoing' from the "
                "latter); genocide and ethnic cleansing turn on intent and are never derived "
                "from event counts",
    })  # fmt: skip

    ch = t.civilian_harm
    if civ12 >= ch.attacks_widespread_12m.value:
        attacks, why = "widespread", "attacks_widespread_12m"
    elif civ12 >= ch.attacks_sporadic_12m.value:
        attacks, why = "sporadic", "attacks_sporadic_12m"
    else:
        attacks, why = "none", "below the civilian-harm thresholds"
    steps.append({
        "field": "civilian_harm", "value": {"attacks-on-civilians": attacks}, "rule": why,
        "figures": {"civilians_12m": round(civ12, 2)},
        "thresholds": {"attacks_sporadic_12m": ch.attacks_sporadic_12m.value,
                       "attacks_widespread_12m": ch.attacks_widespread_12m.value},
        "note": "civilian deaths in state-based, non-state and one-sided events; the other kinds "
                "of harm (sexual violence, displacement, ...) are not in event data and stay "
                "'none' for an analyst to set",
    })  # fmt: skip

    if top_gov and top >= sr.perpetrator_12m.value:
        role, why = "perpetrator", "perpetrator_12m"
    elif conflict != "none" or cah != "none":
        role, why = "unable", "violence above thresholds, government not the main perpetrator"
    else:
        role, why = "protecting", "no violence above thresholds"
    steps.append({
        "field": "state_role", "value": role, "rule": why,
        "figures": {"top_perpetrator_12m": round(top, 2),
                    "top_perpetrator_is_government": top_gov},
        "thresholds": {"perpetrator_12m": sr.perpetrator_12m.value},
    })  # fmt: skip

    situation = {
        "name": f"{row['iso3']} {row['month']} (monitor, {row.get('source', 'ucdp')})",
        "country": row["iso3"],
        "date": month_end(int(row["m"])),
        "armed_conflict": conflict,
        "atrocities": atrocities,
        "state_role": role,
        "civilian_harm": {"attacks-on-civilians": attacks},
    }
    return situation, steps


__all__ = ["_FIGURES", "alert_for", "derive", "month_end", "thresholds"]
