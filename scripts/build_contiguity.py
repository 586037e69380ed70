"""Build the risk model's table of neighbouring states from Natural Earth's 1:110m countries.

Input: `countries-110m.json` of the npm package `world-atlas` 2.0.2 (TopoJSON made from Natural
Earth, which is in the public domain; the package is ISC-licensed), the same file the world map
is built from (`scripts/build_world_map.py`). Get it with

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/build_contiguity.py package/countries-110m.json

Output: `src/protect/risk/data/contiguity.csv`, one row per pair of countries (ISO3, the first
before the second in alphabetical order):

- `land`: the two shapes share a border. In TopoJSON a border drawn once serves both sides (an
  "arc"), so two countries sharing an arc touch; countries meeting only at a point (an arc's
  end, as at a quadripoint) count too, with `km` 0.
- `sea`: no land border, but some point of one shape lies within `SEA_KM` kilometres of some
  point of the other (great-circle distance between the shapes' vertices, so a little more than
  the true shortest distance at this scale); `km` is that distance, rounded.

Natural Earth draws two de facto entities without an ISO code, Northern Cyprus and Somaliland;
they are counted as part of Cyprus and Somalia (the states the ISO and UN lists recognise), so
that Somalia keeps its borders with Ethiopia and Djibouti. Kosovo is XKX, as on the map.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from protect.knowledge.countries import iso3_for_numeric

OUT = Path(__file__).resolve().parents[1] / "src" / "protect" / "risk" / "data" / "contiguity.csv"
BY_NAME = {"Kosovo": "XKX", "N. Cyprus": "CYP", "Somaliland": "SOM"}
SEA_KM = 400
EARTH_KM = 6371.0


def _iso3(geom: dict[str, Any]) -> str | None:
    name = geom["properties"]["name"]
    if name in BY_NAME:
        return BY_NAME[name]
    return iso3_for_numeric(int(geom["id"])) if "id" in geom else None


def _arc_ids(geom: dict[str, Any]) -> set[int]:
    polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
    return {i if i >= 0 else ~i for poly in polygons for ring in poly for i in ring}


def _points(topo: dict[str, Any]) -> list[np.ndarray[Any, Any]]:
    """Each arc's points as (longitude, latitude) in degrees."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        q = np.cumsum(np.asarray(arc, dtype=float), axis=0)
        out.append(np.column_stack([q[:, 0] * sx + tx, q[:, 1] * sy + ty]))
    return out


def _unit(lonlat: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    lon, lat = np.radians(lonlat[:, 0]), np.radians(lonlat[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _min_km(a: np.ndarray[Any, Any], b: np.ndarray[Any, Any]) -> float:
    """Shortest great-circle distance between two sets of unit vectors."""
    best = -1.0
    for start in range(0, len(a), 512):
        best = max(best, float((a[start : start + 512] @ b.T).max()))
    return EARTH_KM * math.acos(min(1.0, best))


def build(topo: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    arcs = _points(topo)
    arcs_of: dict[str, set[int]] = {}
    for geom in topo["objects"]["countries"]["geometries"]:
        iso = _iso3(geom)
        if iso is None or geom["properties"]["name"] == "Antarctica":
            continue
        arcs_of.setdefault(iso, set()).update(_arc_ids(geom))
    # Arc ends: where borders meet, so shapes touching only at a point are found too.
    ends: dict[str, set[tuple[float, float]]] = {
        iso: {tuple(arcs[i][k]) for i in ids for k in (0, -1)} for iso, ids in arcs_of.items()
    }
    vectors = {
        iso: _unit(np.unique(np.vstack([arcs[i] for i in ids]), axis=0))
        for iso, ids in arcs_of.items()
    }
    rows: list[tuple[str, str, str, int]] = []
    for a, b in combinations(sorted(arcs_of), 2):
        if arcs_of[a] & arcs_of[b] or ends[a] & ends[b]:
            rows.append((a, b, "land", 0))
            continue
        km = _min_km(vectors[a], vectors[b])
        if km <= SEA_KM:
            rows.append((a, b, "sea", round(km)))
    return rows


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: build_contiguity.py path/to/countries-110m.json\n")
        return 2
    source = Path(argv[1])
    raw = source.read_bytes()
    rows = build(json.loads(raw))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["country_a", "country_b", "kind", "km"])
        w.writerows(rows)
    land = sum(1 for r in rows if r[2] == "land")
    sys.stdout.write(
        f"wrote {OUT} ({land} land pairs, {len(rows) - land} sea pairs within {SEA_KM} km) from "
        f"{source.name}, sha256 {hashlib.sha256(raw).hexdigest()}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
