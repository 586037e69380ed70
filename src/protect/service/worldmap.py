"""The world map of alert levels for a month: which countries the monitor covers, each one's
alert and its reason, and the map drawn as SVG on the server (no map library, works offline).

Country shapes are Natural Earth's 1:110m countries (public domain), bundled as
`data/world-110m.json` by `scripts/build_world_map.py`, drawn in an equirectangular projection.
A country the data do not cover that month is drawn hatched grey as "no data", never as calm.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from protect.service.charts import LEVEL_COLOURS

SHAPES = Path(__file__).parent / "data" / "world-110m.json"
NO_ALERT_COLOUR = "#f2f0f7"  # covered, no alert: the palest step of the alert ramp
NO_DATA_COLOUR = "#d9d9d9"
LAT_TOP, LAT_BOTTOM = 84.0, -58.0  # Antarctica is not drawn
SCALE = 2.5  # SVG units per degree


class MapCountry(BaseModel):
    """One country the data cover in the month, with its alert (if any) and why."""

    country: str = Field(description="ISO 3166-1 alpha-3")
    name: str
    level: str | None = Field(description="alert level, or null for no alert")
    rank: int | None = Field(description="rank in the month's alert list (as /alerts)")
    rule: str | None
    reason: str = Field(description="the alert's reason in words, or why there is none")
    source: str = Field(description="the event source the figures come from")


class MonthMap(BaseModel):
    """The map's data: every country with data that month; all others are `no data`."""

    month: str
    first_month: str = Field(description="first month the monitor covers (any country)")
    last_month: str = Field(description="last month the monitor covers (any country)")
    countries: list[MapCountry] = Field(
        description="countries with data this month: alerts first by rank, then by name"
    )
    no_data: str = "countries not listed: the data ingested do not cover them this month"
    shapes: str = Field(description="where the country shapes come from")


@dataclass(frozen=True)
class Shape:
    iso3: str | None
    name: str
    rings: tuple[tuple[tuple[float, float], ...], ...]  # (lon, lat)


@cache
def _shape_file() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHAPES.read_text())
    return data


@cache
def shapes() -> tuple[Shape, ...]:
    """The bundled country shapes, decoded from tenths of a degree, delta-encoded."""
    out = []
    for c in _shape_file()["countries"]:
        rings = []
        for flat in c["rings"]:
            x = y = 0
            points = []
            for i in range(0, len(flat), 2):
                x += flat[i]
                y += flat[i + 1]
                points.append((x / 10, y / 10))
            rings.append(tuple(points))
        out.append(Shape(c["iso3"], c["name"], tuple(rings)))
    return tuple(out)


def country_name(iso3: str) -> str:
    """The knowledge base's name for a code, else the code itself."""
    from protect.knowledge.countries import UnknownCountryError, country

    try:
        return str(getattr(country(iso3), "name", iso3))
    except UnknownCountryError:
        return iso3


def month_map(month: str | None = None, *, db_path: Path | None = None) -> MonthMap:
    """The map's data for `month` (default: the last month the monitor covers). Monitor errors
    pass through: StoreError when nothing is ingested, MonitorInputError for a bad month."""
    from protect.monitor import api

    span = api.coverage(db_path=db_path)
    if span is None:
        raise api.NoDataError("no events ingested yet: run `protect ingest ucdp --sample`")
    chosen = month.strip() if month and month.strip() else span[1]
    records = api.month_records(chosen, db_path=db_path)
    ranked = {a.country: a for a in api.alerts(chosen, db_path=db_path)} if records else {}
    rows = []
    for r in records:
        a = ranked.get(r.country)
        rows.append(
            MapCountry(
                country=r.country,
                name=country_name(r.country),
                level=a.level if a else None,
                rank=a.rank if a else None,
                rule=a.rule if a else None,
                reason=a.description if a else "no alert: the month's figures cross no threshold",
                source=r.source,
            )
        )
    rows.sort(key=lambda c: (c.rank if c.rank is not None else 10**6, c.name))
    return MonthMap(
        month=chosen,
        first_month=span[0],
        last_month=span[1],
        countries=rows,
        shapes=str(_shape_file()["source"]),
    )


def month_number(label: str) -> int:
    """`YYYY-MM` as the slider counts months (a month number of `protect.knowledge.months`, as
    the monitor's panel counts them); ValueError names what is wrong."""
    from protect.knowledge import months

    return months.parse(label)


def month_of(number: int) -> str:
    from protect.knowledge import months

    return months.label(number)


def legend() -> list[tuple[str, str]]:
    """(label, colour) of the map's classes, most severe first; `hatch` marks no data."""
    return [
        *((level, colour) for level, colour in LEVEL_COLOURS.items()),
        ("no alert", NO_ALERT_COLOUR),
        ("no data", "hatch"),
    ]


def _project(lon: float, lat: float) -> tuple[float, float]:
    return (lon + 180.0) * SCALE, (LAT_TOP - lat) * SCALE


def _unwrapped(ring: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """The ring without jumps across the antimeridian (Russia's and Fiji's cross it): each
    point within 180 degrees of the one before, so the ring may run past +-180."""
    out: list[tuple[float, float]] = []
    for lon, lat in ring:
        if out:
            while lon - out[-1][0] > 180:
                lon -= 360
            while out[-1][0] - lon > 180:
                lon += 360
        out.append((lon, lat))
    return out


def _path(rings: Sequence[Sequence[tuple[float, float]]]) -> str:
    """SVG path data; a ring running past +-180 is drawn again shifted by 360 degrees, and the
    view box clips both copies to the map."""
    parts = []
    for ring in rings:
        flat = _unwrapped(ring)
        lons = [lon for lon, _lat in flat]
        shifts = [0.0]
        if max(lons) > 180:
            shifts.append(-360.0)
        if min(lons) < -180:
            shifts.append(360.0)
        for shift in shifts:
            pts = [_project(lon + shift, lat) for lon, lat in flat]
            parts.append("M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


@cache
def _shape_paths() -> tuple[str, ...]:
    """Every shape's path data, projected once per process."""
    return tuple(_path(s.rings) for s in shapes())


def _box(iso3: str) -> tuple[float, float, float, float] | None:
    """The country's bounding box in SVG units, widened to show its neighbours."""
    found = [s for s in shapes() if s.iso3 == iso3]
    if not found:
        return None
    lons = [p[0] for s in found for r in s.rings for p in r]
    lats = [p[1] for s in found for r in s.rings for p in r]
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    pad = max(4.0, 0.35 * max(east - west, north - south))
    x0, y0 = _project(max(west - pad, -180), min(north + pad, LAT_TOP))
    x1, y1 = _project(min(east + pad, 180), max(south - pad, LAT_BOTTOM))
    return x0, y0, x1 - x0, y1 - y0


def world_svg(
    countries: Mapping[str, MapCountry],
    *,
    title: str,
    element_id: str = "world-map",
    focus: str | None = None,
    links: bool = True,
    colours: Mapping[str, str] | None = None,
    description: str | None = None,
) -> str:
    """The map: each country coloured by its level, linked to its country page, with a <title>
    giving name, level and reason. `focus` crops to one country's surroundings (the briefing's
    inset) and outlines it. `colours` maps other classes than the alert levels (the forecast's
    bands; their <title> is then name and reason) and `description` replaces the summary for
    screen readers. All text is escaped."""
    eid = escape(element_id, quote=True)
    width, height = 360 * SCALE, (LAT_TOP - LAT_BOTTOM) * SCALE
    box = _box(focus) if focus else None
    vx, vy, vw, vh = box if box else (0.0, 0.0, width, height)
    k = vw / width  # lines and hatching keep their printed size when cropped
    with_data = len(countries)
    alerted = [c for c in countries.values() if c.level]
    desc = (
        f"{with_data} countr{'y' if with_data == 1 else 'ies'} with data, "
        f"{len(alerted)} with an alert"
        + (": " + "; ".join(f"{c.name} {c.level}" for c in alerted) if alerted else "")
        + ". Every other country: no data."
    )
    if description is not None:
        desc = description
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="world-map" '
        f'viewBox="{vx:.1f} {vy:.1f} {vw:.1f} {vh:.1f}" aria-labelledby="{eid}-title {eid}-desc">',
        f'<title id="{eid}-title">{escape(title)}</title>',
        f'<desc id="{eid}-desc">{escape(desc)}</desc>',
        f'<defs><pattern id="{eid}-hatch" width="{4 * k:.2f}" height="{4 * k:.2f}" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="{4 * k:.2f}" height="{4 * k:.2f}" fill="{NO_DATA_COLOUR}"/>'
        f'<line x1="0" y1="0" x2="0" y2="{4 * k:.2f}" stroke="#a6a6a6" '
        f'stroke-width="{1.2 * k:.2f}"/></pattern>'
        f'<clipPath id="{eid}-clip"><rect x="{vx:.1f}" y="{vy:.1f}" width="{vw:.1f}" '
        f'height="{vh:.1f}"/></clipPath></defs>',
        f'<rect x="{vx:.1f}" y="{vy:.1f}" width="{vw:.1f}" height="{vh:.1f}" fill="#ffffff"/>',
        f'<g clip-path="url(#{eid}-clip)">',
    ]
    focused = []
    for shape, d in zip(shapes(), _shape_paths(), strict=True):
        c = countries.get(shape.iso3) if shape.iso3 else None
        if c is None:
            level, fill = "no-data", f"url(#{eid}-hatch)"
            tip = f"{shape.name}: no data"
        elif c.level and colours is not None:
            level, fill = c.level, colours.get(c.level, "#555")
            tip = f"{c.name} ({c.country}): {c.reason}"
        elif c.level:
            level, fill = c.level, LEVEL_COLOURS.get(c.level, "#555")
            tip = f"{c.name} ({c.country}): {c.level}. {c.reason}"
        else:
            level, fill = "no-alert", NO_ALERT_COLOUR
            tip = f"{c.name} ({c.country}): no alert. {c.reason}"
        body = (
            f'<path class="country level-{level}" d="{d}" fill="{fill}" stroke="#666" '
            f'stroke-width="{0.3 * k:.2f}"'
            + (f' data-country="{escape(shape.iso3, quote=True)}"' if shape.iso3 else "")
            + f' data-level="{level}"><title>{escape(tip)}</title></path>'
        )
        if links and shape.iso3:
            body = f'<a href="/country/{escape(shape.iso3, quote=True)}">{body}</a>'
        out.append(body)
        if focus and shape.iso3 == focus:
            focused.append(d)
    for d in focused:
        out.append(f'<path d="{d}" fill="none" stroke="#000" stroke-width="{1.2 * k:.2f}"/>')
    out.append("</g></svg>")
    return "".join(out)
