"""Neighbouring states: the bundled contiguity table, who held which territory in past years,
and neighbourhood features that use nothing dated after their own year."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd

from protect.knowledge.countries import country
from protect.risk.catalogue import candidates
from protect.risk.neighbours import (
    CONTIGUITY,
    NEIGHBOUR_FEATURES,
    add_neighbour_features,
    land_borders,
    neighbour_pairs,
)
from protect.risk.panel import build_panel
from protect.risk.sources import RiskSources, ewp_predictor_names

from .conftest import EXTRACT
from .test_no_leak import scramble_after

ROOT = Path(__file__).resolve().parents[2]


def _table() -> list[dict[str, str]]:
    with CONTIGUITY.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _kind(a: str, b: str) -> str | None:
    x, y = sorted((a, b))
    found = [r["kind"] for r in _table() if (r["country_a"], r["country_b"]) == (x, y)]
    return found[0] if found else None


def test_known_land_borders_and_what_the_scale_misses() -> None:
    for a, b in (("FRA", "ESP"), ("RWA", "COD"), ("USA", "MEX"), ("SDN", "SSD"), ("ETH", "ERI")):
        assert _kind(a, b) == "land", (a, b)
    # Somaliland is counted as Somalia, so Somalia keeps its borders with Ethiopia and Djibouti.
    assert _kind("SOM", "ETH") == "land" and _kind("SOM", "DJI") == "land"
    # Separated by sea: listed as such, never as a land border.
    assert _kind("FRA", "GBR") == "sea" and _kind("RUS", "USA") == "sea"
    # Microstates are not drawn at 1:110m, so their borders are missing.
    codes = {r["country_a"] for r in _table()} | {r["country_b"] for r in _table()}
    assert not {"AND", "LIE", "SMR", "SGP", "BHR"} & codes


def test_the_table_is_well_formed() -> None:
    rows = _table()
    pairs = [(r["country_a"], r["country_b"]) for r in rows]
    assert len(pairs) == len(set(pairs))
    for r in rows:
        assert r["country_a"] < r["country_b"]
        assert r["kind"] in ("land", "sea")
        assert (int(r["km"]) == 0) == (r["kind"] == "land")
        assert 0 <= int(r["km"]) <= 400
        country(r["country_a"])  # a code the knowledge base knows (raises otherwise)
        country(r["country_b"])
    assert len(land_borders()) == sum(r["kind"] == "land" for r in rows) > 250


def _builder() -> ModuleType:
    path = ROOT / "scripts" / "build_contiguity.py"
    spec = importlib.util.spec_from_file_location("build_contiguity", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["build_contiguity"] = module
    spec.loader.exec_module(module)
    return module


def test_the_builder_reads_shared_arcs_points_and_distances() -> None:
    """Squares one degree wide near the equator, named by ISO numeric code (France, Spain,
    Portugal, Iceland): 250 and 724 share an edge, 724 and 620 touch at one corner (where
    TopoJSON cuts arcs), 250 and 620 are a degree apart (about 111 km), 352 ten degrees away."""
    arcs = [
        [[0, 0], [0, 1]],  # 0: the edge 250 | 724 (x = 0)
        [[0, 1], [-1, 0], [0, -1], [1, 0]],  # 1: the rest of 250 (x from -1 to 0)
        [[0, 0], [1, 0], [0, 1]],  # 2: 724 up to the corner (1, 1), where arcs are cut
        [[1, 1], [1, 0], [0, 1], [-1, 0], [0, -1]],  # 3: 620 (x from 1 to 2), from (1, 1)
        [[12, 0], [1, 0], [0, 1], [-1, 0], [0, -1]],  # 4: 352, far away
        [[1, 1], [-1, 0]],  # 5: 724 from the corner back to (0, 1)
    ]
    topo = {
        "transform": {"scale": [1, 1], "translate": [0, 0]},
        "arcs": arcs,
        "objects": {
            "countries": {
                "geometries": [
                    {"type": "Polygon", "id": "250", "properties": {"name": "F"}, "arcs": [[1, 0]]},
                    {
                        "type": "Polygon",
                        "id": "724",
                        "properties": {"name": "S"},
                        "arcs": [[~0, 2, 5]],
                    },
                    {"type": "Polygon", "id": "620", "properties": {"name": "P"}, "arcs": [[3]]},
                    {"type": "Polygon", "id": "352", "properties": {"name": "I"}, "arcs": [[4]]},
                ]
            }
        },
    }
    rows = {(a, b): (kind, km) for a, b, kind, km in _builder().build(topo)}
    assert rows[("ESP", "FRA")] == ("land", 0)
    assert rows[("ESP", "PRT")] == ("land", 0)
    kind, km = rows[("FRA", "PRT")]
    assert kind == "sea" and 100 < km < 125
    assert not any("ISL" in pair for pair in rows)


def test_past_years_use_the_state_that_held_the_territory() -> None:
    years = {
        2005: ["SDN", "UGA", "KEN", "ETH", "TCD"],
        2015: ["SDN", "SSD", "UGA", "KEN", "ETH", "TCD"],
        1980: ["SUN", "FIN", "CHN", "DDR", "DEU", "POL", "CSK"],
        1995: ["YUG", "HRV", "BIH", "SVN", "HUN"],
    }
    pairs = neighbour_pairs((c, y) for y, cs in years.items() for c in cs)

    def of(c: str, y: int) -> set[str]:
        return set(pairs.loc[(pairs["country"] == c) & (pairs["year"] == y), "neighbour"])

    # Before 2011 Sudan held South Sudan's territory, and with it the borders with Uganda and
    # Kenya; from 2011 those belong to South Sudan.
    assert {"UGA", "KEN", "ETH", "TCD"} <= of("SDN", 2005)
    assert "UGA" not in of("SDN", 2015) and {"SSD", "ETH", "TCD"} <= of("SDN", 2015)
    assert {"UGA", "KEN", "SDN"} <= of("SSD", 2015)
    # The USSR borders Finland, China, Poland and Czechoslovakia through its republics.
    assert {"FIN", "CHN", "POL", "CSK"} <= of("SUN", 1980)
    # East Germany shares the present-day German shape with the Federal Republic: the stated
    # limit is that it gets no neighbours and West Germany gets all of Germany's borders.
    assert of("DDR", 1980) == set() and {"POL", "CSK"} <= of("DEU", 1980)
    # Yugoslavia in 1995 is Serbia and Montenegro: Croatia and Bosnia border it, Slovenia not.
    assert {"HRV", "BIH", "HUN"} <= of("YUG", 1995) and "SVN" not in of("YUG", 1995)
    assert of("SVN", 1995) == {"HRV", "HUN"} & set(years[1995])


def test_features_are_the_neighbours_values_of_the_same_year(extract_panel: pd.DataFrame) -> None:
    panel = add_neighbour_features(extract_panel)
    assert len(panel) == len(extract_panel)
    pairs = neighbour_pairs(zip(extract_panel["country"], extract_panel["year"], strict=True))
    values = extract_panel.set_index(["country", "year"])
    checked = 0
    for (c, y), group in pairs.groupby(["country", "year"]):
        row = panel[(panel["country"] == c) & (panel["year"] == y)].iloc[0]
        near = [values.loc[(n, y)] for n in group["neighbour"]]
        assert row["nb_ucdp_os_deaths"] == max(v["ucdp_os_deaths"] for v in near)
        assert row["nb_acd_war"] == float(any(v["acd_war"] > 0 for v in near))
        assert row["nb_mk_ongoing"] == float(any(v["mk_ongoing_count_log2"] > 0 for v in near))
        checked += 1
    assert checked > 100
    # Syria's one neighbour in the extract, Iraq, was at war in 2014.
    syria = panel[(panel["country"] == "SYR") & (panel["year"] == 2014)].iloc[0]
    assert syria["nb_acd_war"] == 1.0 and syria["nb_ucdp_all_deaths"] > 9
    # A country with no neighbour in the panel gets zeros, not gaps.
    assert not panel[list(NEIGHBOUR_FEATURES)].isna().any().any()


def test_neighbour_features_do_not_see_later_years(extract_sources: RiskSources) -> None:
    cut = 2010
    panel = add_neighbour_features(build_panel(extract_sources))
    changed = add_neighbour_features(build_panel(scramble_after(extract_sources, cut, seed=3)))
    cols = ["country", "year", *NEIGHBOUR_FEATURES]
    before = panel.loc[panel["year"] <= cut, cols].reset_index(drop=True)
    after = changed.loc[changed["year"] <= cut, cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(before, after)
    late = panel["year"] > cut
    assert not panel.loc[late, "nb_ucdp_os_deaths"].equals(changed.loc[late, "nb_ucdp_os_deaths"])


def test_the_neighbourhood_candidate_leaves_the_other_hashes_alone() -> None:
    by_name = {v.name: v for v in candidates(ewp_predictor_names(EXTRACT))}
    nb = by_name["gbm_nb"]
    assert set(nb.features) - set(by_name["gbm"].features) == set(NEIGHBOUR_FEATURES)
    assert "neighbour_code" in nb.spec() and "neighbour_code" not in by_name["gbm"].spec()
    assert nb.params == by_name["gbm"].params and nb.seeds == by_name["gbm"].seeds
