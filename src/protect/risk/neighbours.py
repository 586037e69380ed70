"""Violence next door: each country-year's land neighbours and what happened in them that year.

Which states border which comes from `data/contiguity.csv`, built from Natural Earth's 1:110m
present-day country shapes by `scripts/build_contiguity.py` (provenance and limits in
`data/README.md`). A shape belongs, in a year, to the panel country with its own code that
year, else to the state that held the territory then (`data/territories.csv`: the USSR,
Yugoslavia, Czechoslovakia, Sudan before 2011, Ethiopia before 1993, Pakistan before 1971, and
renamed states); two panel countries are neighbours when shapes they hold share a border.

Each feature of year y is computed from the neighbours' values of the same year y, which the
country's own features already use: a forecast for y + 1 sees nothing later than its own row.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent / "data"
CONTIGUITY = DATA / "contiguity.csv"
TERRITORIES = DATA / "territories.csv"
# What a neighbour feature depends on beyond the code every variant hashes (variants.code_hash).
NEIGHBOUR_CODE = ("neighbours.py", "data/contiguity.csv", "data/territories.csv")
NEIGHBOURHOOD_SOURCE = "land neighbours (Natural Earth 1:110m) in the same year"

# Feature name -> (label shown to readers, panel column it summarises, how).
NEIGHBOUR_FEATURES: dict[str, tuple[str, str, str]] = {
    "nb_mk_ongoing": (
        "a land neighbour had an ongoing mass killing (EWP)",
        "mk_ongoing_count_log2",
        "any",
    ),
    "nb_acd_conflict": (
        "a land neighbour had an armed conflict on its territory (UCDP/PRIO, 25+ battle deaths)",
        "acd_conflicts",
        "any",
    ),
    "nb_acd_war": (
        "a land neighbour had a war on its territory (UCDP/PRIO, 1,000+ battle deaths)",
        "acd_war",
        "any",
    ),
    "nb_ucdp_os_deaths": (
        "highest one-sided violence deaths in a land neighbour (log1p, UCDP)",
        "ucdp_os_deaths",
        "max",
    ),
    "nb_ucdp_all_deaths": (
        "highest organized-violence deaths in a land neighbour (log1p, UCDP)",
        "ucdp_all_deaths",
        "max",
    ),
}


def code_hash() -> str:
    """SHA-256 of this module and its two tables (hashed into the variants that use them)."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for name in NEIGHBOUR_CODE:
        digest.update(name.encode())
        digest.update((here / name).read_bytes())
    return digest.hexdigest()


@cache
def land_borders() -> tuple[tuple[str, str], ...]:
    """Pairs of present-day shapes (ISO3) sharing a land border, each pair once."""
    with CONTIGUITY.open(newline="", encoding="utf-8") as f:
        return tuple(
            (r["country_a"], r["country_b"]) for r in csv.DictReader(f) if r["kind"] == "land"
        )


@cache
def _territories() -> dict[str, tuple[tuple[str, int, int], ...]]:
    out: dict[str, list[tuple[str, int, int]]] = {}
    with TERRITORIES.open(newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["shape"], []).append(
                (r["holder"], int(r["first_year"]), int(r["last_year"]))
            )
    return {k: tuple(v) for k, v in out.items()}


def holder(shape: str, year: int, present: set[str] | frozenset[str]) -> str | None:
    """The panel country a present-day shape belonged to in `year` (None: no state in the
    panel held it, such as Western Sahara, or Namibia before 1990)."""
    if shape in present:
        return shape
    for name, first, last in _territories().get(shape, ()):
        if first <= year <= last and name in present:
            return name
    return None


def neighbour_pairs(country_years: Iterable[tuple[str, int]]) -> pd.DataFrame:
    """(country, year, neighbour) for every panel country-year with a land neighbour."""
    by_year: dict[int, set[str]] = {}
    for country, year in country_years:
        by_year.setdefault(int(year), set()).add(str(country))
    rows: set[tuple[str, int, str]] = set()
    for year, present in by_year.items():
        for a, b in land_borders():
            ha, hb = holder(a, year, present), holder(b, year, present)
            if ha is None or hb is None or ha == hb:
                continue
            rows.add((ha, year, hb))
            rows.add((hb, year, ha))
    return pd.DataFrame(sorted(rows), columns=["country", "year", "neighbour"])


def add_neighbour_features(panel: pd.DataFrame) -> pd.DataFrame:
    """The panel with the `nb_` features of every summarised column it has (0 when a country
    has no land neighbour in the panel that year)."""
    wanted = {n: spec for n, spec in NEIGHBOUR_FEATURES.items() if spec[1] in panel.columns}
    if not wanted:
        return panel
    pairs = neighbour_pairs(zip(panel["country"], panel["year"], strict=True))
    columns = sorted({spec[1] for spec in wanted.values()})
    values = panel.loc[:, ["country", "year", *columns]].rename(columns={"country": "neighbour"})
    joined = pairs.merge(values, on=["neighbour", "year"], how="inner", validate="many_to_one")
    out: dict[str, pd.Series] = {}
    grouped = joined.groupby(["country", "year"])
    for name, (_label, column, how) in wanted.items():
        peak = grouped[column].max()
        out[name] = (peak > 0).astype(float) if how == "any" else peak.astype(float)
    features = pd.DataFrame(out).reset_index()
    merged = panel.drop(columns=[c for c in wanted if c in panel.columns]).merge(
        features, on=["country", "year"], how="left", validate="many_to_one"
    )
    merged[list(wanted)] = merged[list(wanted)].fillna(0.0)
    return merged
