"""The risk forecast's view: countries ranked by forecast risk for a year, as stored."""

from __future__ import annotations

from typing import Any

from protect.service.http import DB
from protect.service.monitor import call
from protect.service.risk import StoredForecast, forecast, latest_forecast_year
from protect.views.base import Table, View, YearQuery


def load_forecast(db: DB, year: YearQuery = None) -> StoredForecast:
    """Countries ranked by forecast risk of onset in `year` (default: the latest year the
    sources allow, or without them the newest stored), with their main drivers, as stored:
    when and from which data and model it was computed, with their hashes. The first request
    for a year computes and stores it; without the sources, only stored forecasts are shown."""
    chosen = year if year is not None else call(latest_forecast_year, db)
    stored: StoredForecast = call(forecast, db, chosen)
    return stored


def _rows(stored: StoredForecast) -> list[dict[str, Any]]:
    return [
        {
            **row.model_dump(exclude={"drivers"}),
            "drivers": "; ".join(d.text for d in row.drivers),
            "forecast_hash": stored.forecast_hash,
        }
        for row in stored.rows
    ]


RISK = View(
    name="risk",
    path="/risk",
    api_path="/risk/forecast",
    load=load_forecast,
    response_model=StoredForecast,
    template="risk.html",
    context=lambda stored: {
        "year": stored.year,
        "rows": stored.rows,
        "stored": stored,
        "model": stored.model,
        "json_url": f"/api/v1/risk/forecast?year={stored.year}",
    },
    tables=(Table("forecast", _rows, "the ranked countries"),),
    errors=(422, 503),
    tags=("risk",),
)

VIEWS = (RISK,)
