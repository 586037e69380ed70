"""The monitor's views: the month's alerts, a country's months, a derived situation, the world
map and the country page. Open to anyone: they publish what the ingested data sets say."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any

from fastapi import Query
from markupsafe import Markup
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from protect.knowledge import months
from protect.monitor.models import AlertRecord, CountrySituation, MonthRecord
from protect.service.country import (
    CountryView,
    actor_titles,
    country_chart,
    country_view,
    risk_chart,
)
from protect.service.http import DB, Reader
from protect.service.monitor import CountryMonths, MonthAlerts, alerts_for, call, monitor_for
from protect.service.worldmap import (
    MonthMap,
    country_name,
    legend,
    month_map,
    month_number,
    month_of,
    world_svg,
)
from protect.views.base import (
    CountryPath,
    FromQuery,
    MonthPath,
    MonthQuery,
    Table,
    ToQuery,
    View,
)

_FIRST, _END = months.index(1900, 1), months.index(2200, 1)


def _slider(value: object) -> object:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.isdigit() or not _FIRST <= int(text) < _END:
        raise PydanticCustomError(
            "slider", "{value} is not a month number from the slider", {"value": repr(text[:200])}
        )
    return int(text)


SliderQuery = Annotated[
    int | None,
    Query(
        ge=_FIRST,
        lt=_END,
        description="the map slider's month number (months since January of year 0), as the "
        "page's form sends it without JavaScript; `month` wins when both are given",
    ),
    BeforeValidator(_slider),
]


def _link(path: str, query: str = "") -> str:
    return path + (f"?{query}" if query else "")


# ---- alerts ---------------------------------------------------------------------------------


def load_alerts(month: MonthQuery = None) -> MonthAlerts:
    """The countries with an alert in one month (default: the latest month the data cover),
    most severe first."""
    result: MonthAlerts = alerts_for(month)
    return result


ALERTS = View(
    name="alerts",
    path="/alerts",
    load=load_alerts,
    response_model=list[AlertRecord],
    json=lambda r: r.alerts,
    template="alerts.html",
    context=lambda r: {
        "month": r.month,
        "span": (r.first_month, r.last_month),
        "alerts": r.alerts,
        "names": {a.country: country_name(a.country) for a in r.alerts},
        "json_url": _link("/api/v1/alerts", f"month={r.month}"),
    },
    tables=(
        Table(
            "alerts",
            lambda r: [
                {
                    "rank": a.rank,
                    "country": a.country,
                    "name": country_name(a.country),
                    "month": a.month,
                    "level": a.level,
                    "rule": a.rule,
                    "description": a.description,
                    "source": a.source,
                    "release": a.release,
                    "provisional": a.provisional,
                    **{f"figures.{k}": v for k, v in a.figures.items()},
                }
                for a in r.alerts
            ],
            "the month's alerts",
        ),
    ),
    errors=(404, 422, 503),
    tags=("monitor",),
)


# ---- a country's months ---------------------------------------------------------------------


def load_monitor(
    country: CountryPath, start: FromQuery = None, end: ToQuery = None
) -> CountryMonths:
    """The country-month panel of one country between two months (default: the last 36 months
    its data cover), as its page shows it."""
    result: CountryMonths = monitor_for(country, start, end)
    return result


def _monitor_context(r: CountryMonths) -> dict[str, Any]:
    from protect.service.charts import chart_month, monthly_deaths_svg

    name = country_name(r.country)
    chart = monthly_deaths_svg(
        [chart_month(m) for m in r.records],
        title=f"{name} ({r.country}): deaths per month by type of violence, {r.start} to {r.end}",
        element_id="monitor-chart",
    )
    return {
        "country": r.country,
        "country_name": name,
        "start": r.start,
        "end": r.end,
        "span": (r.first_month, r.last_month),
        "records": r.records,
        "chart": Markup(chart),  # built from escaped text by monthly_deaths_svg
        "json_url": _link(f"/api/v1/monitor/{r.country}", f"from={r.start}&to={r.end}"),
    }


def _month_rows(r: CountryMonths) -> list[dict[str, Any]]:
    return [
        {
            "country": m.country,
            "month": m.month,
            "source": m.source,
            "release": m.release,
            "provisional": m.provisional,
            "deaths_state_based": m.deaths_best.state_based,
            "deaths_non_state": m.deaths_best.non_state,
            "deaths_one_sided": m.deaths_best.one_sided,
            "deaths_civilians": m.deaths_civilians,
            "events": m.events,
            "actors": m.actors,
            "alert": m.alert.level if m.alert else None,
            "alert_rule": m.alert.rule if m.alert else None,
        }
        for m in r.records
    ]


MONITOR = View(
    name="monitor",
    path="/monitor/{country}",
    load=load_monitor,
    response_model=list[MonthRecord],
    json=lambda r: r.records,
    template="monitor.html",
    context=_monitor_context,
    tables=(Table("months", _month_rows, "the country's months"),),
    tags=("monitor",),
)


# ---- a derived situation --------------------------------------------------------------------


def load_situation(country: CountryPath, month: MonthPath) -> CountrySituation:
    """The situation the monitor derives for a country and month, ready to assess, with its
    assessment."""
    from protect.monitor import api

    found: CountrySituation = call(api.situation, country, month)
    return found


SITUATION = View(
    name="situation",
    path="/situations/{country}/{month}",
    load=load_situation,
    response_model=CountrySituation,
    template="situation.html",
    context=lambda r: {
        "found": r,
        "country_name": country_name(r.country),
        "doc": r.assessment,
        "json_url": f"/api/v1/situations/{r.country}/{r.month}",
    },
    tables=(
        Table(
            "derivation",
            lambda r: [{k: v for k, v in step.items()} for step in r.derivation],
            "how each field was derived",
        ),
        Table(
            "measures",
            lambda r: list(r.assessment.get("measures", [])),
            "the measures the assessment finds",
        ),
    ),
    tags=("monitor",),
)


# ---- the world map --------------------------------------------------------------------------


def chosen_month(month: str | None, slider: int | None) -> str | None:
    """`month`, else the slider's month number (what the form sends without JavaScript)."""
    return month_of(slider) if month is None and slider is not None else month


def load_map(month: MonthQuery = None, m: SliderQuery = None) -> MonthMap:
    """Every country the data cover in `month` (default: the last month covered) with its alert
    level and reason; countries not listed have no data that month."""
    found: MonthMap = call(month_map, chosen_month(month, m))
    return found


def _map_context(found: MonthMap) -> dict[str, Any]:
    svg = world_svg(
        {c.country: c for c in found.countries}, title=f"Alert levels by country, {found.month}"
    )
    lo, hi = month_number(found.first_month), month_number(found.last_month)
    here = month_number(found.month)
    return {
        "found": found,
        "svg": Markup(svg),  # built from escaped text by world_svg
        "legend": legend(),
        "slider": {"min": lo, "max": hi, "value": min(max(here, lo), hi)},
        "outside": not lo <= here <= hi,
        "json_url": f"/api/v1/map?month={found.month}",
    }


MAP = View(
    name="map",
    path="/map",
    load=load_map,
    response_model=MonthMap,
    template="map.html",
    context=_map_context,
    tables=(
        Table(
            "countries",
            lambda r: [{"month": r.month, **c.model_dump()} for c in r.countries],
            "countries with data",
        ),
    ),
    tags=("monitor",),
)


# ---- the country page -----------------------------------------------------------------------


def load_country(
    db: DB,
    reader: Reader,
    country: CountryPath,
    month: MonthQuery = None,
    m: SliderQuery = None,
) -> CountryView:
    """One country: latest alert and reason, monthly figures, the derived situation's
    assessment summary at `month` (default: the last month covered), the data's coverage, its
    stored forecasts (rank, probability, drivers, history) and, for a viewer or above, its saved
    assessments; 404 for an unknown code, `has_data: false` for a known country without data."""
    view: CountryView = call(
        partial(country_view, db=db, principal=reader), country, chosen_month(month, m)
    )
    return view


def _country_context(view: CountryView) -> dict[str, Any]:
    chart = country_chart(view, "country-chart") if view.has_data else ""
    return {
        "view": view,
        "chart": Markup(chart),  # built from escaped text by monthly_deaths_svg
        "risk_chart": Markup(risk_chart(view, "risk-chart")),  # escaped by risk_history_svg
        "actors": actor_titles(),
        "json_url": f"/api/v1/country/{view.country}"
        + (f"?month={view.month}" if view.month else ""),
    }


COUNTRY = View(
    name="country",
    path="/country/{country}",
    load=load_country,
    response_model=CountryView,
    template="country.html",
    context=_country_context,
    tables=(
        Table(
            "months",
            lambda v: [{"country": v.country, **m.model_dump()} for m in v.months],
            "monthly figures",
        ),
        Table(
            "coverage",
            lambda v: [{"country": v.country, **c.model_dump()} for c in v.coverage],
            "where the figures come from",
        ),
        Table(
            "risk",
            lambda v: [{"country": v.country, **y.model_dump()} for y in v.risk_history],
            "the forecast of each stored year",
        ),
        Table(
            "backtest",
            lambda v: [{"country": v.country, **y.model_dump()} for y in v.risk_backtest],
            "the backtest's forecast of each year, 1994-2024",
        ),
    ),
    tags=("monitor",),
)

VIEWS = (ALERTS, MONITOR, SITUATION, MAP, COUNTRY)
