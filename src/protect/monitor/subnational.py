"""Below the country: the admin-1 panel and a country-month's events as GeoJSON (decision 029).

The admin-1 panel is the same Ibis expression as the national one with one more key
(`panel_admin1.sql`), run on the events of the releases the national panel shows for those
months, so each admin-1 row has the same provenance as its country-month. An event counts in a
province only when UCDP places it there: `where_prec` 1-4 (exact place, near it, second- or
first-order division; decision 014); coarser events go to `(imprecise)`, and events without a
province name to `(unknown)`, so the provinces of a month add up to the country's figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from protect.monitor.models import DeathsByType

IMPRECISE = "(imprecise)"
UNKNOWN = "(unknown)"
MAX_WHERE_PREC = 4


class Admin1Month(BaseModel):
    """One province (admin-1) and month of a country."""

    country: str
    admin1: str
    month: str
    source: str
    release_id: int
    provisional: bool
    deaths_best: DeathsByType
    deaths_civilians: float
    events: int
    deaths_best_12m: DeathsByType
    deaths_civilians_12m: float
    top_perpetrator_12m: str | None
    top_perpetrator_12m_deaths: float


def _input(release_months: list[tuple[int, int]], iso3: str) -> str:
    """The events the admin-1 panel reads: those of the releases shown, with the province
    taken only from precise enough places."""
    releases = sorted({r for r, _ in release_months}) or [-1]
    return f"""
    SELECT * REPLACE (
        CASE WHEN coalesce(where_prec, 1) > {MAX_WHERE_PREC} THEN '{IMPRECISE}'
             ELSE coalesce(nullif(trim(admin1), ''), '{UNKNOWN}') END AS admin1
    ) FROM events
    WHERE iso3 = '{iso3}' AND release_id IN ({", ".join(str(int(r)) for r in releases)})
    """


def admin1_rows(con: Any, iso3: str, shown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Admin-1 panel rows of `iso3` for the (release, month) pairs of `shown` national rows."""
    from protect.monitor.panel import ADMIN1_SQL, panel_sql

    picks = {(int(r["release_id"]), int(r["m"])): r for r in shown}
    if not picks:
        return []
    con.execute(f"CREATE OR REPLACE TEMP VIEW panel_input AS {_input(list(picks), iso3)}")
    cur = con.execute(panel_sql(ADMIN1_SQL))
    names = [d[0] for d in cur.description]
    out = []
    for values in cur.fetchall():
        row = dict(zip(names, values, strict=True))
        national = picks.get((int(row["release_id"]), int(row["m"])))
        if national is not None:
            out.append({**row, "provisional": bool(national.get("provisional"))})
    out.sort(key=lambda r: (int(r["m"]), str(r["admin1"])))
    return out


def to_record(row: dict[str, Any]) -> Admin1Month:
    from protect.knowledge.months import label as month_label

    def r2(x: Any) -> float:
        return round(float(x or 0.0), 2)

    def by_type(suffix: str) -> DeathsByType:
        return DeathsByType.model_validate({
            "state-based": r2(row[f"sb_{suffix}"]), "non-state": r2(row[f"ns_{suffix}"]),
            "one-sided": r2(row[f"os_{suffix}"]),
        })  # fmt: skip

    return Admin1Month(
        country=str(row["iso3"]),
        admin1=str(row["admin1"]),
        month=month_label(int(row["m"])),
        source=str(row["source"]),
        release_id=int(row["release_id"]),
        provisional=bool(row["provisional"]),
        deaths_best=by_type("best"),
        deaths_civilians=r2(row["civilians"]),
        events=int(row["events"]),
        deaths_best_12m=by_type("best_12m"),
        deaths_civilians_12m=r2(row["civilians_12m"]),
        top_perpetrator_12m=row["top_perpetrator"],
        top_perpetrator_12m_deaths=r2(row["top_perpetrator_12m"]),
    )


class GeoJson(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946) of one country-month's events."""

    type: str = "FeatureCollection"
    features: list[dict[str, Any]]
    properties: dict[str, Any] = Field(description="country, month, source, release")


_EVENT_COLUMNS = (
    "event_id", "type", "day_start", "day_end", "best", "low", "high", "civilians", "side_a",
    "side_b", "admin1", "admin2", "latitude", "longitude", "where_prec", "date_prec",
    "candidate",
)  # fmt: skip
_TYPES = {1: "state-based", 2: "non-state", 3: "one-sided"}


def geojson(con: Any, national: dict[str, Any]) -> GeoJson:
    """The events that start in a country-month, from the release shown for it. An event
    without coordinates keeps `geometry: null`, as RFC 7946 allows."""
    import datetime as dt

    from protect.knowledge.months import label as month_label

    rows = con.execute(
        f"SELECT {', '.join(_EVENT_COLUMNS)} FROM events WHERE release_id = ? AND iso3 = ? "
        "AND month_start = ? ORDER BY day_start, record_no",
        [int(national["release_id"]), national["iso3"], int(national["m"])],
    ).fetchall()
    epoch = dt.date(1970, 1, 1)
    features = []
    for values in rows:
        e = dict(zip(_EVENT_COLUMNS, values, strict=True))
        lat, lon = e.pop("latitude"), e.pop("longitude")
        e["type_of_violence"] = _TYPES[int(e.pop("type"))]
        e["date_start"] = (epoch + dt.timedelta(days=int(e.pop("day_start")))).isoformat()
        e["date_end"] = (epoch + dt.timedelta(days=int(e.pop("day_end")))).isoformat()
        geometry = (
            {"type": "Point", "coordinates": [float(lon), float(lat)]}
            if lat is not None and lon is not None
            else None
        )
        features.append({"type": "Feature", "geometry": geometry, "properties": e})
    return GeoJson(
        features=features,
        properties={
            "country": national["iso3"],
            "month": month_label(int(national["m"])),
            "source": national["source"],
            "release": national.get("release"),
            "release_id": int(national["release_id"]),
            "provisional": bool(national.get("provisional")),
        },
    )


def write(doc: GeoJson, path: Path) -> None:
    path.write_text(doc.model_dump_json(indent=2), encoding="utf-8")
