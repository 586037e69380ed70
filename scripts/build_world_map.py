"""Build the country shapes the world map draws, from Natural Earth's 1:110m countries.

Input: `countries-110m.json` of the npm package `world-atlas` 2.0.2 (TopoJSON made from Natural
Earth, which is in the public domain; the package itself is ISC-licensed). Get it with

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    .venv/bin/python scripts/build_world_map.py package/countries-110m.json

Output: `src/protect/service/data/world-110m.json`, one entry per country: its ISO3 code (from
the ISO numeric id, through the knowledge base's country table), Natural Earth's name, and its
rings as whole tenths of a degree (about 11 km, below what a 1:110m shape can tell apart),
delta-encoded, with consecutive repeats dropped. Antarctica is left out: no data concerns it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from protect.knowledge.countries import iso3_for_numeric

OUT = (
    Path(__file__).resolve().parents[1] / "src" / "protect" / "service" / "data" / "world-110m.json"
)
# Natural Earth's 110m file gives these no ISO numeric code; the knowledge base names Kosovo.
BY_NAME = {"Kosovo": "XKX"}


def _arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """Decode the quantised, delta-encoded arcs into longitude/latitude points."""
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        out.append(points)
    return out


def _ring(indices: list[int], arcs: list[list[tuple[float, float]]]) -> list[int]:
    """One ring as whole tenths of a degree, delta-encoded: lon0, lat0, dlon1, dlat1, ..."""
    points: list[tuple[float, float]] = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc[1:] if points else arc)
    tenths: list[tuple[int, int]] = []
    for lon, lat in points:
        p = (round(lon * 10), round(lat * 10))
        if not tenths or tenths[-1] != p:
            tenths.append(p)
    flat: list[int] = []
    last = (0, 0)
    for p in tenths:
        flat += [p[0] - last[0], p[1] - last[1]]
        last = p
    return flat


def build(topo: dict[str, Any]) -> dict[str, Any]:
    arcs = _arcs(topo)
    countries = []
    for geom in topo["objects"]["countries"]["geometries"]:
        name = geom["properties"]["name"]
        if name == "Antarctica":
            continue
        iso3 = iso3_for_numeric(int(geom["id"])) if "id" in geom else BY_NAME.get(name)
        polygons = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
        rings = [_ring(r, arcs) for poly in polygons for r in poly]
        countries.append({"iso3": iso3, "name": name, "rings": [r for r in rings if len(r) >= 8]})
    return {
        "source": "Natural Earth 1:110m admin-0 countries (public domain), "
        "via the npm package world-atlas 2.0.2 (ISC)",
        "encoding": "rings of tenths of a degree: lon0, lat0, then differences",
        "countries": sorted(countries, key=lambda c: (c["iso3"] or "~", c["name"])),
    }


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: build_world_map.py countries-110m.json", file=sys.stderr)
        return 2
    data = build(json.loads(Path(argv[1]).read_text()))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes, {len(data['countries'])} countries)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
