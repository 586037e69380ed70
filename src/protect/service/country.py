"""One country as an analyst first asks about it: its latest alert and why, its monthly figures,
the situation the monitor derives for a month with the assessment's summary, and where the data
come from. The country page, its JSON twin and the briefing PDF all read this."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from protect.service.charts import chart_month
from protect.service.errors import NotFoundError, ServiceError
from protect.service.riskview import (
    BacktestYear,
    CountryForecast,
    RiskYear,
    backtest_of,
    country_risk,
)
from protect.service.schemas import AssessmentSummary
from protect.service.worldmap import country_name

if TYPE_CHECKING:
    from protect.service.roles import Principal
    from protect.storage import Database

SOURCE_NAMES = {"ucdp": "UCDP GED", "acled": "ACLED", "hxl": "HXL-tagged file"}
# Where each data source is described and published, for the page's links to the sources.
SOURCE_LINKS = {
    "ucdp": (
        "UCDP Georeferenced Event Dataset (Uppsala University)",
        "https://ucdp.uu.se/downloads/",
    ),
    "acled": ("ACLED, Armed Conflict Location & Event Data", "https://acleddata.com/"),
    "hxl": ("Humanitarian Exchange Language (HXL)", "https://hxlstandard.org/"),
    "ewp": (
        "Early Warning Project (risk data the forecast uses)",
        "https://earlywarningproject.ushmm.org/",
    ),
}
CHART_MONTHS = 36  # months drawn up to the month shown, as the monitor page does


class CountryAlert(BaseModel):
    month: str
    level: str
    rule: str
    reason: str = Field(description="the alert's reason in words")


class CoverageRun(BaseModel):
    """Consecutive months whose figures come from one source and release."""

    source: str
    release: str | None
    provisional: bool
    first_month: str
    last_month: str
    words: str


class CountryMonth(BaseModel):
    """One month of the chart: deaths (best estimate) by type, civilian deaths, alert level."""

    month: str
    state_based: float
    non_state: float
    one_sided: float
    civilians: float
    alert: str | None


class SourceLink(BaseModel):
    title: str
    url: str


class CountryView(BaseModel):
    country: str = Field(description="ISO 3166-1 alpha-3")
    name: str
    has_data: bool
    first_month: str | None = Field(description="first month the data cover for the country")
    last_month: str | None
    month: str | None = Field(description="the month whose situation is shown")
    alert: CountryAlert | None = Field(description="the alert of `month`, if any")
    latest_alert: CountryAlert | None = Field(
        description="the last alert up to `month`, with its reason"
    )
    stage: str | None
    summary: dict[str, Any] | None = Field(
        description="contract v2 `summary` of the assessment of the derived situation"
    )
    months: list[CountryMonth] = Field(description=f"up to {CHART_MONTHS} months to `month`")
    coverage: list[CoverageRun] = Field(description="where each stretch of months comes from")
    note: str = Field(description="what the figures are, and what they are not")
    provenance: str | None = Field(
        default=None, description="the coverage in one line: sources, releases, provisional"
    )
    forecast: CountryForecast | None = Field(
        default=None, description="the latest year's forecast: rank, probability, drivers"
    )
    risk_history: list[RiskYear] = Field(
        default_factory=list, description="the country's forecast in every stored year"
    )
    risk_note: str | None = Field(default=None, description="why a forecast is missing")
    risk_backtest: list[BacktestYear] = Field(
        default_factory=list,
        description="the backtest, 1994-2024: each year's out-of-sample forecast (the model "
        "refitted on what was known the year before), EWP's published one, and the onset",
    )
    assessments: list[AssessmentSummary] | None = Field(
        default=None,
        description="saved assessments of the country, every version, newest first; null "
        "when the caller may not read them (log in as a viewer or above)",
    )
    sources: list[SourceLink] = Field(
        default_factory=list, description="where the data shown come from"
    )


def actor_titles() -> dict[str, str]:
    """Actor ids as people read them (`security-council` -> `UN Security Council`)."""
    from protect.service.knowledge import titles

    return titles("actors")


def _alert(record: Any) -> CountryAlert | None:
    if record.alert is None:
        return None
    a = record.alert
    return CountryAlert(month=record.month, level=a.level, rule=a.rule, reason=a.description)


def _coverage(records: list[Any]) -> list[CoverageRun]:
    """Stretches of months by source, release and provisional status. Release and status are
    read when the monitor's records carry them (older stores give the source only)."""
    runs: list[CoverageRun] = []
    for r in records:
        key = (r.source, getattr(r, "release", None), bool(getattr(r, "provisional", False)))
        last = runs[-1] if runs else None
        if last is not None and (last.source, last.release, last.provisional) == key:
            last.last_month = r.month
            continue
        runs.append(
            CoverageRun(
                source=key[0],
                release=key[1],
                provisional=key[2],
                first_month=r.month,
                last_month=r.month,
                words="",
            )
        )
    for run in runs:
        label = SOURCE_NAMES.get(run.source, run.source)
        if run.release:
            label += f" (release {run.release})"
        run.words = f"{label}, {run.first_month} to {run.last_month}" + (
            " (provisional)" if run.provisional else ""
        )
    return runs


def _provenance(runs: list[CoverageRun]) -> str | None:
    """The coverage in one line, e.g. "UCDP GED 25.1 to 2024-12, then ACLED (provisional)
    2025-01 to 2025-06"."""
    if not runs:
        return None
    parts = []
    for i, run in enumerate(runs):
        label = SOURCE_NAMES.get(run.source, run.source) + (
            f" {run.release}" if run.release else ""
        )
        span = f"{run.first_month} to {run.last_month}"
        parts.append(
            ("then " if i else "") + f"{label}{' (provisional)' if run.provisional else ''} {span}"
        )
    return ", ".join(parts)


def _saved(db: Database, principal: Principal | None, code: str) -> list[AssessmentSummary] | None:
    from protect.service.assessments import list_assessments

    if principal is None:
        return None
    try:
        page = list_assessments(db, principal, country=code, all_versions=True, limit=200)
    except ServiceError:
        return None
    return page.items


def _with_store(view: CountryView, db: Database | None, principal: Principal | None) -> CountryView:
    """The parts read from the service database: forecast, risk history, saved assessments."""
    sources = [
        SourceLink(title=SOURCE_LINKS[s][0], url=SOURCE_LINKS[s][1])
        for s in dict.fromkeys(run.source for run in view.coverage)
        if s in SOURCE_LINKS
    ]
    backtest = backtest_of(view.country)
    if db is None:
        return view.model_copy(update={"sources": sources, "risk_backtest": backtest})
    current, history, note = country_risk(db, view.country)
    if history or backtest:
        sources.append(SourceLink(title=SOURCE_LINKS["ewp"][0], url=SOURCE_LINKS["ewp"][1]))
    return view.model_copy(
        update={
            "forecast": current,
            "risk_history": history,
            "risk_note": note,
            "risk_backtest": backtest,
            "assessments": _saved(db, principal, view.country),
            "sources": sources,
        }
    )


def country_view(
    iso3: str,
    month: str | None = None,
    *,
    db_path: Path | None = None,
    db: Database | None = None,
    principal: Principal | None = None,
) -> CountryView:
    """The view of `iso3` at `month` (default: the last month the data cover for it). An
    unknown code is NotFoundError; a known country without data is a view with has_data false.
    With `db`, the view also holds the stored forecasts of the country and, for a `principal`
    who may read them, its saved assessments."""
    from protect.config import events_db_path
    from protect.knowledge.countries import is_known
    from protect.monitor import api

    code = iso3.strip().upper()
    if not is_known(code):
        raise NotFoundError(f"country {iso3!r} is not an ISO 3166-1 alpha-3 code")
    note = (
        "Event counts from conflict-event data sets are evidence of violence, not legal "
        "findings; the derived situation is a starting point for an analyst to correct."
    )
    try:
        span = api.coverage(code, db_path=db_path)
    except api.StoreError:
        if (db_path or events_db_path()).exists():
            raise
        span = None  # nothing ingested: this country, like every other, has no data
    empty = CountryView(
        country=code,
        name=country_name(code),
        has_data=False,
        first_month=None,
        last_month=None,
        month=None,
        alert=None,
        latest_alert=None,
        stage=None,
        summary=None,
        months=[],
        coverage=[],
        note=note,
    )
    if span is None:
        return _with_store(empty, db, principal)
    chosen = month.strip() if month and month.strip() else span[1]
    found = api.situation(code, chosen, db_path=db_path)
    every = api.timeline(code, db_path=db_path)
    records = [r for r in every if r.month <= found.month]
    shown = records[-CHART_MONTHS:]
    latest = next((a for a in (_alert(r) for r in reversed(records)) if a), None)
    coverage = _coverage(every)
    view = empty.model_copy(
        update={
            "has_data": True,
            "first_month": span[0],
            "last_month": span[1],
            "month": found.month,
            "alert": _alert(found.record),
            "latest_alert": latest,
            "stage": found.assessment.get("stage"),
            "summary": found.assessment.get("summary"),
            "months": [CountryMonth.model_validate(asdict(chart_month(r))) for r in shown],
            "coverage": coverage,
            "provenance": _provenance(coverage),
        }
    )
    return _with_store(view, db, principal)


def country_chart(view: CountryView, element_id: str) -> str:
    """The monthly chart of a country, as its page and its briefing show it ("" without data)."""
    if not view.months:
        return ""
    from protect.service.charts import ChartMonth, monthly_deaths_svg

    return monthly_deaths_svg(
        [ChartMonth(**m.model_dump()) for m in view.months],
        title=f"{view.name} ({view.country}): deaths per month by type of violence, "
        f"{view.months[0].month} to {view.months[-1].month}",
        element_id=element_id,
    )


def risk_chart(view: CountryView, element_id: str) -> str:
    """The country's backtest years and stored forecasts: probability and rank per year ("" when
    there is neither)."""
    if not view.risk_history and not view.risk_backtest:
        return ""
    from protect.service.charts import ChartBacktestYear, ChartYear, risk_history_svg

    years = [y.year for y in view.risk_history] + [y.year for y in view.risk_backtest]
    first, last = min(years), max(years)
    return risk_history_svg(
        [ChartYear(y.year, y.risk, y.rank, y.of, y.onset) for y in view.risk_history],
        backtest=[
            ChartBacktestYear(y.year, y.risk, y.rank, y.of, y.ewp, y.onset)
            for y in view.risk_backtest
        ],
        title=f"{view.name} ({view.country}): forecast probability of a mass-killing onset, "
        f"{first} to {last}",
        element_id=element_id,
    )
