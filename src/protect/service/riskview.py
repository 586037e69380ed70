"""The stored risk forecasts as the map and the country pages show them: a year's forecast in
probability bands for the world map, and one country's rank, probability and drivers with its
history across the stored years.

Only forecasts already in the store are read, plus the latest year the sources allow (computed
and stored once on first request, as /risk does): a page never fits the model for many years.
Without the sources, every stored forecast is served as it is (the forecasts of record).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, Field
from sqlalchemy import select

from protect.service.errors import ServiceError
from protect.service.worldmap import MapCountry, country_name
from protect.storage import Database

if TYPE_CHECKING:
    from protect.service.risk import StoredForecast

BANDS_FILE = Path(__file__).parent / "data" / "risk-bands.yaml"
# The backtest's forecasts, 1994-2024 (`protect risk backtest`, docs/risk/report.md): for each
# year, every model refitted on outcomes known the year before, so each is out of sample.
BACKTEST_FILE = Path(__file__).resolve().parents[1] / "risk" / "data" / "backtest.csv.gz"
BACKTEST_MODEL = "protect_gbm"  # the frozen `gbm` variant, as the backtest names it
BACKTEST_REFERENCE = "ewp_published"


class RiskBand(BaseModel):
    id: str
    label: str = Field(description="the band in words, e.g. '4% to 8%'")
    below: float | None = Field(description="exclusive upper bound of the probability")
    colour: str


class ForecastCountry(BaseModel):
    """One country of a year's forecast, as the map and its ranked list show it."""

    country: str = Field(description="ISO 3166-1 alpha-3")
    name: str
    rank: int
    risk: float = Field(description="probability of a mass-killing onset (0 to 1)")
    band: str = Field(description="id of the band of `risk` (see `bands`)")
    change: float | None = Field(description="change from the risk a year earlier (0 to 1)")
    drivers: list[str] = Field(description="the main drivers, each one sentence")


class ForecastMap(BaseModel):
    """The forecast map's data: every country the year's stored forecast ranks."""

    year: int
    stored: bool = Field(description="a forecast for `year` is in the store")
    years: list[int] = Field(description="years with a stored forecast, and the latest year")
    latest_year: int = Field(description="the last year the sources allow a forecast for")
    data_year: int | None = Field(description="year of the data the forecast is made from")
    model: str | None
    computed_at: str | None = Field(description="when the forecast was computed (UTC, ISO 8601)")
    note: str | None = Field(
        default=None, description="where the forecast comes from, when not from the sources here"
    )
    countries: list[ForecastCountry] = Field(description="ranked, highest risk first")
    bands: list[RiskBand]
    bands_source: str
    no_data: str = "countries not listed: the forecast does not rank them"
    shapes: str


class RiskYear(BaseModel):
    """One stored year of a country's forecast."""

    year: int
    risk: float
    rank: int
    of: int = Field(description="how many countries the year's forecast ranks")
    onset: int | None = Field(description="observed onset in the year (1/0), when known")


class BacktestYear(BaseModel):
    """One year of a country's backtest: what the model would have forecast from the data of
    the year before, fitted only on what was known then, beside EWP's published forecast."""

    year: int
    risk: float = Field(description="protect's out-of-sample forecast probability (0 to 1)")
    rank: int = Field(description="its rank among the countries the backtest scores that year")
    of: int
    ewp: float | None = Field(description="the Early Warning Project's published forecast")
    onset: int = Field(description="1 if a mass killing began that year (EWP's coding)")


@cache
def _backtest() -> dict[str, tuple[BacktestYear, ...]]:
    """Every country's backtest years, read once from the shipped file."""
    import pandas as pd

    table = pd.read_csv(BACKTEST_FILE, usecols=["country", "year", "model", "risk", "onset"])
    ours = table[table["model"] == BACKTEST_MODEL].copy()
    ours["rank"] = (
        ours.sort_values(["year", "risk", "country"], ascending=[True, False, True])
        .groupby("year")
        .cumcount()
        + 1
    )
    ours["of"] = ours.groupby("year")["country"].transform("size")
    theirs = table[table["model"] == BACKTEST_REFERENCE].set_index(["country", "year"])["risk"]
    out: dict[str, list[BacktestYear]] = {}
    for row in ours.sort_values(["country", "year"]).to_dict(orient="records"):
        ewp = theirs.get((row["country"], row["year"]))
        out.setdefault(str(row["country"]), []).append(
            BacktestYear(
                year=int(row["year"]),
                risk=float(row["risk"]),
                rank=int(row["rank"]),
                of=int(row["of"]),
                ewp=None if ewp is None else float(ewp),
                onset=int(row["onset"]),
            )
        )
    return {k: tuple(v) for k, v in out.items()}


def backtest_of(iso3: str) -> list[BacktestYear]:
    """The country's backtest years, oldest first ([] where the backtest does not score it)."""
    return list(_backtest().get(iso3, ()))


class CountryForecast(BaseModel):
    year: int
    data_year: int
    rank: int
    of: int
    risk: float
    band: str
    band_label: str
    change: float | None
    drivers: list[str] = Field(description="the main drivers, each one sentence")
    model: str
    note: str | None = Field(
        default=None, description="where the forecast comes from, when not from the sources here"
    )


@cache
def _bands() -> tuple[tuple[RiskBand, ...], str]:
    raw: dict[str, Any] = yaml.safe_load(BANDS_FILE.read_text(encoding="utf-8"))
    return tuple(RiskBand.model_validate(b) for b in raw["bands"]), str(raw["source"])


def bands() -> list[RiskBand]:
    """The map's bands, lowest first."""
    return list(_bands()[0])


def band_of(risk: float) -> RiskBand:
    every = _bands()[0]
    return next((b for b in every if b.below is not None and risk < b.below), every[-1])


def risk_legend() -> list[tuple[str, str]]:
    """(label, colour) of the forecast map's classes, highest first; `hatch` marks no data."""
    return [*((b.label, b.colour) for b in reversed(bands())), ("no data", "hatch")]


def band_colours() -> dict[str, str]:
    return {b.id: b.colour for b in bands()}


def _root() -> Path | None:
    """The sources folder, or None when the sources are not at hand (stored forecasts only)."""
    from protect.service.risk import sources_at_hand

    return sources_at_hand()


def _stored_ids(db: Database, root: Path | None) -> dict[int, tuple[int, str]]:
    """year -> (id, forecast hash) of the forecast `service.risk.forecast` serves for it: the
    newest from the current source files, by the frozen model once one is frozen; without the
    sources (`root` None), the newest stored."""
    from protect.service.risk import data_hash
    from protect.storage.models import RiskForecast, RiskFrozenModel

    query = select(RiskForecast.year, RiskForecast.id, RiskForecast.forecast_hash)
    if root is None:
        with db.reading() as session:
            found = session.execute(query.order_by(RiskForecast.id)).all()
        return {int(y): (int(i), str(h)) for y, i, h in found}
    query = query.where(RiskForecast.data_hash == data_hash(root))
    with db.reading() as session:
        frozen = session.scalars(
            select(RiskFrozenModel.model_hash).order_by(RiskFrozenModel.id.desc()).limit(1)
        ).first()
        if frozen is not None:
            query = query.where(RiskForecast.model_hash == frozen)
        found = session.execute(query.order_by(RiskForecast.id)).all()
    return {int(y): (int(i), str(h)) for y, i, h in found}  # the newest of a year wins


def stored_years(db: Database) -> list[int]:
    """Years with a forecast served (see `_stored_ids`), oldest first."""
    return sorted(_stored_ids(db, _root()))


Ranks = tuple[int, dict[str, tuple[float, int, int | None]]]
_RANKS: dict[tuple[str, int, str], Ranks] = {}


def _ranks(db: Database, forecast_id: int, digest: str) -> Ranks:
    """(countries ranked, country -> (risk, rank, onset)) of one stored forecast. A stored
    forecast never changes (its hash says so), so each is read once per process."""
    from protect.storage.models import RiskForecast

    key = (db.url, forecast_id, digest)
    if key not in _RANKS:
        with db.reading() as session:
            rows = session.scalars(
                select(RiskForecast.rows).where(RiskForecast.id == forecast_id)
            ).one()
        if len(_RANKS) > 512:
            _RANKS.clear()
        _RANKS[key] = (
            len(rows),
            {r["country"]: (float(r["risk"]), int(r["rank"]), r.get("onset")) for r in rows},
        )
    return _RANKS[key]


def _drivers(row: Any, top: int = 3) -> list[str]:
    return [d.text for d in row.drivers[:top]]


def forecast_map(db: Database, year: int | None = None) -> ForecastMap:
    """The map of `year` (default: the latest year the sources allow). A year that is neither
    stored nor the latest is answered with `stored` false and no countries: it is not computed
    here (`protect risk forecast --year` stores it)."""
    from protect.service.risk import forecast, latest_forecast_year
    from protect.service.worldmap import _shape_file

    root = _root()
    latest = latest_forecast_year(db)
    years = sorted({*_stored_ids(db, root), latest})
    chosen = latest if year is None else year
    every, source = _bands()
    empty = ForecastMap(
        year=chosen,
        stored=False,
        years=years,
        latest_year=latest,
        data_year=None,
        model=None,
        computed_at=None,
        countries=[],
        bands=list(every),
        bands_source=source,
        shapes=str(_shape_file()["source"]),
    )
    if chosen not in years:
        return empty
    from protect.service.risk import stored_forecast

    if chosen == latest or root is None:
        stored: StoredForecast | None = forecast(db, chosen)
    else:
        stored = stored_forecast(db, chosen, root)
    if stored is None:  # stored by a model no longer served: not recomputed here
        return empty
    rows = stored.rows
    return empty.model_copy(
        update={
            "stored": True,
            "years": sorted({*years, chosen}),
            "data_year": rows[0].data_year if rows else chosen - 1,
            "model": stored.model,
            "computed_at": stored.computed_at.isoformat(),
            "note": stored.note,
            "countries": [
                ForecastCountry(
                    country=r.country,
                    name=country_name(r.country) if r.country else r.name,
                    rank=r.rank,
                    risk=r.risk,
                    band=band_of(r.risk).id,
                    change=r.change,
                    drivers=_drivers(r),
                )
                for r in rows
            ],
        }
    )


def map_countries(found: ForecastMap) -> dict[str, MapCountry]:
    """The forecast as the world map draws it: the band as the level, the drivers as reason."""
    labels = {b.id: b.label for b in found.bands}
    return {
        c.country: MapCountry(
            country=c.country,
            name=c.name,
            level=c.band,
            rank=c.rank,
            rule=None,
            reason=f"rank {c.rank}, risk {c.risk * 100:.1f}% ({labels[c.band]})"
            + (". " + "; ".join(c.drivers) if c.drivers else ""),
            source="forecast",
        )
        for c in found.countries
    }


def country_risk(
    db: Database, iso3: str
) -> tuple[CountryForecast | None, list[RiskYear], str | None]:
    """A country's forecast for the latest year, its history over the stored years, and a note
    when there is nothing to show (sources missing, or the country not ranked)."""
    from protect.service.monitor import DataUnavailableError
    from protect.service.risk import forecast, latest_forecast_year

    try:
        root = _root()
        latest = latest_forecast_year(db)
        history: list[RiskYear] = []
        current: CountryForecast | None = None
        stored = forecast(db, latest)  # computed and stored once if it is not yet
        row = next((r for r in stored.rows if r.country == iso3), None)
        if row is not None:
            band = band_of(row.risk)
            current = CountryForecast(
                year=latest,
                data_year=row.data_year,
                rank=row.rank,
                of=len(stored.rows),
                risk=row.risk,
                band=band.id,
                band_label=band.label,
                change=row.change,
                drivers=_drivers(row),
                model=stored.model,
                note=stored.note,
            )
        for year, (forecast_id, digest) in sorted(_stored_ids(db, root).items()):
            of, ranks = _ranks(db, forecast_id, digest)
            if iso3 in ranks:
                risk, rank, onset = ranks[iso3]
                history.append(RiskYear(year=year, risk=risk, rank=rank, of=of, onset=onset))
    except DataUnavailableError as exc:
        return None, [], f"No forecast: the risk sources are not available ({exc})."
    except ServiceError as exc:  # e.g. a frozen model that no longer matches the code
        return None, [], f"No forecast: {exc.message}"
    if not history:
        return None, [], f"The risk forecast does not rank {country_name(iso3)}."
    note = None if current else f"The forecast for {latest} does not rank {country_name(iso3)}."
    return current, history, note
