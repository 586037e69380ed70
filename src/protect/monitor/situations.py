"""From a panel row to the assessment contract's input (a situation) and to an alert.

The thresholds come from `thresholds.yaml`; this module only says which figure each one reads.
Every derived field is returned with the figures and the threshold that set it, so that an alert
can be traced back to the panel and from there to the events.
"""

from __future__ import annotations

from dataclasses import dataclass
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


# ---------------------------------------------------------------------------------------------
# The derivation rules, written once; `evaluate` reads them for one row, `bulk.derive_sql`
# compiles them to SQL for the whole panel.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AtLeast:
    """A panel figure (NULL = 0) at or above a threshold."""

    figure: Figure
    value: float


@dataclass(frozen=True)
class IsTrue:
    """A boolean panel column (NULL = false)."""

    column: Literal["top_perpetrator_is_gov"]


@dataclass(frozen=True)
class Equals:
    """A field derived earlier has this value."""

    field: str
    value: str


@dataclass(frozen=True)
class Not:
    test: Test


@dataclass(frozen=True)
class All:
    tests: tuple[Test, ...]


@dataclass(frozen=True)
class AnyOf:
    tests: tuple[Test, ...]


Test = AtLeast | IsTrue | Equals | Not | All | AnyOf


@dataclass(frozen=True)
class Step:
    value: str | int
    when: Test
    why: str


@dataclass(frozen=True)
class Ladder:
    """The value of the first step whose test holds, else `otherwise`."""

    field: str
    steps: tuple[Step, ...]
    otherwise: str | int | None
    why_otherwise: str


@dataclass(frozen=True)
class MoreSevere:
    """The more severe (`SEVERITY`) of two fields derived earlier, where `when` holds; else
    `otherwise`."""

    field: str
    of: tuple[str, str]
    when: Test
    otherwise: str
    why: str


Rule = Ladder | MoreSevere


def rules(t: Thresholds | None = None) -> tuple[Rule, ...]:
    """Every derived field of a country-month, in the order they are derived (a rule reads only
    the fields before it). `alert` is the index of the first alert rule that holds."""
    return _bundled_rules() if t is None or t is thresholds() else _rules(t)


@cache
def _bundled_rules() -> tuple[Rule, ...]:
    return _rules(thresholds())


def _rules(t: Thresholds) -> tuple[Rule, ...]:
    ac, at, ch, sr = t.armed_conflict, t.atrocities, t.civilian_harm, t.state_role

    def at_least(figure: Figure, threshold: Threshold) -> AtLeast:
        return AtLeast(figure, threshold.value)

    return (
        Ladder("armed_conflict", (
            Step("international", at_least("interstate_best_12m", ac.interstate_deaths_12m),
                 "interstate_deaths_12m"),
            Step("non-international", at_least("sb_best_12m", ac.battle_deaths_12m),
                 "battle_deaths_12m"),
            Step("non-international", at_least("ns_best_12m", ac.non_state_deaths_12m),
                 "non_state_deaths_12m"),
        ), "none", "below all armed-conflict thresholds"),
        Ladder("crimes-against-humanity", (
            Step("ongoing", at_least("top_perpetrator_12m", at.mass_killing_12m),
                 "mass_killing_12m"),
            Step("imminent", at_least("os_best_3m", at.imminent_3m), "imminent_3m"),
            Step("risk", at_least("os_best_12m", at.one_sided_12m), "one_sided_12m"),
        ), "none", "below all atrocity thresholds"),
        Ladder("war-crimes-by-civilian-deaths", (
            Step("imminent", at_least("civilians_3m", at.civilians_in_conflict_3m),
                 "civilians_in_conflict_3m"),
            Step("risk", at_least("civilians_12m", at.civilians_in_conflict_12m),
                 "civilians_in_conflict_12m"),
        ), "none", "below the civilian-deaths thresholds"),
        MoreSevere("war-crimes", ("crimes-against-humanity", "war-crimes-by-civilian-deaths"),
                   Not(Equals("armed_conflict", "none")), "none",
                   "inside an armed conflict, the more severe reading"),
        Ladder("attacks-on-civilians", (
            Step("widespread", at_least("civilians_12m", ch.attacks_widespread_12m),
                 "attacks_widespread_12m"),
            Step("sporadic", at_least("civilians_12m", ch.attacks_sporadic_12m),
                 "attacks_sporadic_12m"),
        ), "none", "below the civilian-harm thresholds"),
        Ladder("state_role", (
            Step("perpetrator", All((IsTrue("top_perpetrator_is_gov"),
                                     at_least("top_perpetrator_12m", sr.perpetrator_12m))),
                 "perpetrator_12m"),
            Step("unable", AnyOf((Not(Equals("armed_conflict", "none")),
                                  Not(Equals("crimes-against-humanity", "none")))),
                 "violence above thresholds, government not the main perpetrator"),
        ), "protecting", "no violence above thresholds"),
        Ladder("alert", tuple(
            Step(i, All(tuple(AtLeast(f, c.at_least) for f, c in r.when.items())), r.rule)
            for i, r in enumerate(t.alerts)
        ), None, "no alert rule holds"),
    )  # fmt: skip


def _fig(row: dict[str, Any], name: str) -> float:
    value = row.get(name)
    return float(value) if value is not None else 0.0


def _holds(test: Test, row: dict[str, Any], done: dict[str, Any]) -> bool:
    match test:
        case AtLeast(figure, value):
            return _fig(row, figure) >= value
        case IsTrue(column):
            return bool(row.get(column))
        case Equals(field, value):
            return bool(done[field] == value)
        case Not(inner):
            return not _holds(inner, row, done)
        case All(tests):
            return all(_holds(x, row, done) for x in tests)
        case AnyOf(tests):
            return any(_holds(x, row, done) for x in tests)
    raise TypeError(f"not a condition: {test!r}")


def evaluate(row: dict[str, Any], t: Thresholds | None = None) -> dict[str, tuple[Any, str]]:
    """(value, the threshold or reason that set it) of every derived field of one panel row."""
    done: dict[str, Any] = {}
    out: dict[str, tuple[Any, str]] = {}
    for rule in rules(t):
        if isinstance(rule, Ladder):
            step = next((s for s in rule.steps if _holds(s.when, row, done)), None)
            value, why = (step.value, step.why) if step else (rule.otherwise, rule.why_otherwise)
        elif _holds(rule.when, row, done):
            value = max((done[f] for f in rule.of), key=SEVERITY.index)
            why = rule.why
        else:
            value, why = rule.otherwise, rule.why
        done[rule.field] = value
        out[rule.field] = (value, why)
    return out


def alert_for(row: dict[str, Any], t: Thresholds | None = None) -> Alert | None:
    """The first alert rule (in YAML order) whose conditions all hold, or None."""
    t = t or thresholds()
    index = evaluate(row, t)["alert"][0]
    if index is None:
        return None
    rule = t.alerts[index]
    figures: dict[str, Any] = {f: round(_fig(row, f), 2) for f in rule.when}
    figures.update({f"threshold_{f}": c.at_least for f, c in rule.when.items()})
    if "top_perpetrator_12m" in rule.when:
        figures["perpetrator"] = row.get("top_perpetrator")
        figures["perpetrator_is_government"] = bool(row.get("top_perpetrator_is_gov"))
    return Alert(level=rule.level, rule=rule.rule, description=rule.description, figures=figures)


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
    derived = evaluate(row, t)
    steps: list[dict[str, Any]] = []

    conflict, why = derived["armed_conflict"]
    steps.append({
        "field": "armed_conflict", "value": conflict, "rule": why,
        "figures": {"sb_best_12m": round(sb, 2), "ns_best_12m": round(ns, 2),
                    "interstate_best_12m": round(inter, 2)},
        "thresholds": {"battle_deaths_12m": ac.battle_deaths_12m.value,
                       "non_state_deaths_12m": ac.non_state_deaths_12m.value,
                       "interstate_deaths_12m": ac.interstate_deaths_12m.value},
    })  # fmt: skip

    cah, why = derived["crimes-against-humanity"]
    civ12, civ3 = _fig(row, "civilians_12m"), _fig(row, "civilians_3m")
    war_crimes = derived["war-crimes"][0]
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
    attacks, why = derived["attacks-on-civilians"]
    steps.append({
        "field": "civilian_harm", "value": {"attacks-on-civilians": attacks}, "rule": why,
        "figures": {"civilians_12m": round(civ12, 2)},
        "thresholds": {"attacks_sporadic_12m": ch.attacks_sporadic_12m.value,
                       "attacks_widespread_12m": ch.attacks_widespread_12m.value},
        "note": "civilian deaths in state-based, non-state and one-sided events; the other kinds "
                "of harm (sexual violence, displacement, ...) are not in event data and stay "
                "'none' for an analyst to set",
    })  # fmt: skip

    role, why = derived["state_role"]
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
