"""Drivers a reader can check: what pushes a country's risk above or below the year's median
country, in percentage points, with the feature's value in its own unit.

A model's contributions (LightGBM SHAP values, or coefficient x standardized value for a logit)
are additive in log-odds. Features that measure one thing (a death count, its change and its
recent peak; three dummies of one party-ban variable) are summed into one driver, which
additivity allows. For each driver, the country's contribution is compared with the median
contribution among all countries of that forecast year; the points shown are how much lower
(or higher) the country's risk would be if that one difference were removed:
risk - sigmoid(log-odds - (contribution - median)). Time trends (year, year squared and the two
dummies for 1989 on) are the same for every country of a year, so they are left out.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from protect.risk.features import describe

# Features that only encode the calendar: never shown as a driver.
TIME_TREND = frozenset({"year", "year_sq", "includesnonstate", "ucdp_covered"})


def _deaths(v: float) -> str:
    return f"{max(0, round(math.expm1(v))):,} deaths"


def _count(v: float) -> str:
    return f"{v:,.0f}"


def _yes(v: float) -> str:
    return "yes" if v >= 0.5 else "no"


def _share(v: float) -> str:
    return f"{100 * v:.0f}%"


def _pop(v: float) -> str:
    return f"{2**v / 1e6:,.1f} million people"


def _imr(v: float) -> str:
    return f"{v * v:.0f} infant deaths per 1,000 live births"


def _growth(v: float) -> str:
    return f"{v:+.1f}% a year"


def _battle(v: float) -> str:
    return f"{max(0, round(2**v - 1)):,} battle deaths"


def _age(v: float) -> str:
    return f"about {2**v:.0f} years"


def _ongoing(v: float) -> str:
    return f"{max(0, round(2**v - 1))} ongoing"


def _score(v: float) -> str:
    return f"{v:.2f}"


@dataclass(frozen=True)
class Group:
    """One driver: the features summed into it and how to show its headline value."""

    key: str
    label: str
    headline: str
    show: Callable[[float], str]


_GROUPS: tuple[tuple[Group, tuple[str, ...]], ...] = (
    (
        Group(
            "civilians_killed",
            "civilians killed in organized violence (UCDP)",
            "ucdp_civilian_deaths",
            _deaths,
        ),
        (
            "ucdp_civilian_deaths",
            "ucdp_sb_civilians",
            "ucdp_ns_civilians",
            "ucdp_os_deaths",
            "ucdp_os_govt",
            "ucdp_os_nonstate",
            "ucdp_os_dyads",
            "ucdp_os_new_perpetrators",
        ),
    ),
    (
        Group(
            "battle_deaths",
            "battle deaths in state-based armed conflict (UCDP)",
            "ucdp_sb_deaths",
            _deaths,
        ),
        ("ucdp_sb_deaths", "ucdp_sb_dyads", "battledeaths.log2"),
    ),
    (
        Group(
            "nonstate_fighting",
            "deaths in fighting between non-state groups (UCDP)",
            "ucdp_ns_deaths",
            _deaths,
        ),
        ("ucdp_ns_deaths", "ucdp_ns_dyads"),
    ),
    (
        Group(
            "all_violence",
            "all organized-violence deaths (UCDP)",
            "ucdp_all_deaths",
            _deaths,
        ),
        ("ucdp_all_deaths",),
    ),
    (
        Group(
            "armed_conflict",
            "armed conflicts located in the country (UCDP/PRIO)",
            "acd_conflicts",
            _count,
        ),
        ("acd_conflicts", "acd_war", "acd_govt_conflict", "acd_new_episode"),
    ),
    (
        Group("party_bans", "political parties banned (V-Dem)", "partyban.new.0", _yes),
        ("partyban.new.0", "partyban.new.1", "partyban.new.2"),
    ),
    (
        Group("region", "region (EWP)", "reg.na", _yes),
        ("reg.na", "reg.eap", "reg.sca", "reg.mna", "reg.eur"),
    ),
)

_UNITS: dict[str, Callable[[float], str]] = {
    "popsize.log2": _pop,
    "un_imr_sqrt": _imr,
    "gdppcgrowth": _growth,
    "battledeaths.log2": _battle,
    "countryage.new.log2": _age,
    "mk_ongoing_count_log2": _ongoing,
    "efindex": _score,
    "freediscussion": _score,
    "ses_power_dist": _score,
    "discrimpop": _share,
    "mean_mk_onset_interaction": _count,
    "judicialreform": _count,
    "religiousfreedom": _count,
}
_REGIONS = {
    "reg.na": "North America",
    "reg.eap": "East Asia and Pacific",
    "reg.sca": "South and Central Asia",
    "reg.mna": "Middle East and North Africa",
    "reg.eur": "Europe",
}
_PARTY_BANS = {"partyban.new.0": "none", "partyban.new.1": "some", "partyban.new.2": "all but one"}


def group_of(feature: str) -> Group | None:
    """The driver a feature is summed into; None for a time trend (never shown)."""
    if feature in TIME_TREND:
        return None
    for group, members in _GROUPS:
        if feature in members:
            return group
    base = feature.removesuffix("_change1").removesuffix("_max3").removesuffix("_max5")
    if base != feature:
        return group_of(base)
    show = _UNITS.get(feature) or (_yes if feature in _BINARY else _score)
    return Group(feature, _PLAIN.get(feature, describe(feature).label), feature, show)


_BINARY = frozenset(
    {
        "widetargeting",
        "narrowtargeting",
        "v2csgender_binary",
        "v2mecenefm_binary",
        "minorityrule",
        "pol_killing_approved",
        "social_inequality",
        "even_civilrights",
        "repress_civilsoc",
        "social_power_dist",
        "ios.iccpr1",
        "coup.try.5yr",
        "mk_onset_prev_year",
        "newcountry",
        "mk_ever",
    }
)


def value_text(group: Group, values: pd.Series) -> str:
    """The driver's value in its own unit, from one row of features."""
    if group.key == "region":
        named = [name for col, name in _REGIONS.items() if values.get(col, 0) >= 0.5]
        return named[0] if named else "Sub-Saharan Africa"
    if group.key == "party_bans":
        named = [name for col, name in _PARTY_BANS.items() if values.get(col, 0) >= 0.5]
        return named[0] if named else "unknown"
    raw = _number(values.get(group.headline))
    if raw is None:
        return "not known"
    year = _number(values.get("year"))
    text = group.show(raw) + (f" in {year:.0f}" if year is not None else "")
    peak = _number(values.get(f"{group.headline}_max5"))
    if group.show is _deaths and peak is not None and peak > raw:
        text += f" (five-year peak {_deaths(peak)})"
    return text


def _number(raw: object) -> float | None:
    try:
        value = float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


# Labels without the transform the model applies (the value is shown in its own unit).
_PLAIN = {
    "popsize.log2": "population",
    "un_imr_sqrt": "infant mortality (UN)",
    "gdppcgrowth": "GDP per capita growth",
    "countryage.new.log2": "time since independence",
    "mk_ongoing_count_log2": "mass killings under way (EWP)",
    "religiousfreedom": "religious freedom (V-Dem, 0 none to 4 full)",
    "judicialreform": "attacks on the judiciary (V-Dem, 0 none to 2 many)",
}


@dataclass(frozen=True)
class DriverValue:
    key: str
    label: str
    features: tuple[str, ...]
    value: float | None
    value_text: str
    log_odds: float
    points: float


def readable_drivers(
    contributions: pd.DataFrame, values: pd.DataFrame, risk: np.ndarray, n: int = 5
) -> list[list[DriverValue]]:
    """Per row, the `n` drivers that move the risk most against the year's median country.

    `contributions` holds every row of one forecast year (the median is taken over them);
    `risk` is each row's forecast probability.
    """
    cols = [str(c) for c in contributions.columns]
    groups: dict[str, tuple[Group, list[str]]] = {}
    for c in cols:
        g = group_of(c)
        if g is not None:
            groups.setdefault(g.key, (g, []))[1].append(c)
    if not groups or contributions.empty:
        return [[] for _ in range(len(contributions))]
    summed = pd.DataFrame(
        {k: contributions[m].sum(axis=1) for k, (_, m) in groups.items()},
        index=contributions.index,
    )
    diff = summed - summed.median(axis=0)
    p = np.clip(np.asarray(risk, dtype=float), 1e-12, 1 - 1e-12)
    logit = np.log(p / (1 - p))
    without = 1.0 / (1.0 + np.exp(-(logit[:, None] - diff.to_numpy())))
    points = 100.0 * (p[:, None] - without)
    keys = list(summed.columns)
    out: list[list[DriverValue]] = []
    for i, idx in enumerate(contributions.index):
        order = np.argsort(-np.abs(points[i]), kind="stable")[:n]
        row = values.loc[idx]
        drivers = []
        for j in order:
            g, members = groups[keys[j]]
            raw = None if g.key in ("region", "party_bans") else row.get(g.headline)
            drivers.append(
                DriverValue(
                    key=g.key,
                    label=g.label,
                    features=tuple(members),
                    value=_number(raw),
                    value_text=value_text(g, row),
                    log_odds=float(diff.to_numpy()[i, j]),
                    points=float(points[i, j]),
                )
            )
        out.append(drivers)
    return out


def statement(label: str, value_text: str, points: float) -> str:
    """The one sentence shown for a driver in the CLI, the API and the pages."""
    return f"{label}: {value_text}; {points:+.1f} points against the year's median country"
