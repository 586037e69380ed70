"""Suggestions for a Framework of Analysis assessment, read from the data at its date.

Three sources speak, each only about what it measures: the monitor's country-month panel
(fighting and violence against civilians), the Early Warning Project's predictors behind the
risk forecast (regime practices, discrimination, past mass killing, coups), and the assessment
engine (treaty participation and the International Criminal Court). The rules that turn their
figures into a suggested rating are data (`knowledge/data/foa.yaml`, `prefill`); this module only
gathers the figures, applies the rules and records what it read, when, and what it could not.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from protect.knowledge.foa import Framework, PrefillRule, SuggestedRating

_RANK: dict[str, int] = {"low": 1, "moderate": 2, "high": 3}
_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


@dataclass
class SourceReading:
    """What one source said at the date: its values, the period they describe, or why not."""

    source: str
    dataset: str
    period: str | None
    values: dict[str, Any] = field(default_factory=dict)
    note: str | None = None

    @property
    def available(self) -> bool:
        return self.period is not None


@dataclass
class Readings:
    monitor: SourceReading
    risk: SourceReading
    engine: SourceReading
    situation: dict[str, Any] | None = None  # the monitor's derived situation, when it has one

    def of(self, source: str) -> SourceReading:
        reading: SourceReading = getattr(self, source)
        return reading


def last_complete_month(on: dt.date) -> str:
    """The last calendar month that ended on or before `on`: data of a month still running would
    describe days after the assessment's date."""
    if on.day == calendar.monthrange(on.year, on.month)[1]:
        return f"{on.year:04d}-{on.month:02d}"
    first = on.replace(day=1) - dt.timedelta(days=1)
    return f"{first.year:04d}-{first.month:02d}"


def read_monitor(country: str, on: dt.date, db_path: Path | None = None) -> SourceReading:
    """The monitor's panel for the last complete month before `on`, if the data cover it."""
    from protect.monitor import api

    month = last_complete_month(on)
    dataset = "UCDP/ACLED events via the protect monitor panel"
    try:
        span = api.coverage(country, db_path=db_path)
    except (api.StoreError, OSError) as exc:
        return SourceReading("monitor", dataset, None, note=str(exc).splitlines()[0])
    if span is None:
        return SourceReading("monitor", dataset, None, note=f"the panel has no data for {country}")
    if not span[0] <= month <= span[1]:
        return SourceReading(
            "monitor",
            dataset,
            None,
            note=f"the panel covers {country} from {span[0]} to {span[1]}, not {month}",
        )
    try:
        records = api.monitor(country, month, month, db_path=db_path)
    except (api.StoreError, LookupError, ValueError) as exc:
        return SourceReading("monitor", dataset, None, note=str(exc).splitlines()[0])
    if not records:
        return SourceReading("monitor", dataset, None, note=f"the panel has no row for {month}")
    record = records[0]
    values = {
        "armed_conflict": record.situation.get("armed_conflict"),
        "alert_rule": record.alert.rule if record.alert else None,
        "alert_level": record.alert.level if record.alert else None,
        "one_sided_12m": record.deaths_best_12m.one_sided,
        "civilians_12m": record.deaths_civilians_12m,
        "state_based_12m": record.deaths_best_12m.state_based,
        "top_perpetrator_12m": record.top_perpetrator_12m_deaths,
    }
    return SourceReading("monitor", f"{dataset} ({record.source})", month, values)


def monitor_situation(country: str, on: dt.date, db_path: Path | None = None) -> dict[str, Any]:
    """The situation the monitor derives for the month `read_monitor` reads (same month)."""
    from protect.monitor import api

    found = api.situation(country, last_complete_month(on), db_path=db_path)
    situation: dict[str, Any] = dict(found.situation)
    situation["date"] = on.isoformat()
    return situation


@lru_cache(maxsize=4)
def _predictors(root: Path, stamp: tuple[int, int]) -> Any:
    from protect.risk.sources import load_sources

    return load_sources(root, with_foos=False).predictors


def read_risk(country: str, on: dt.date, sources: Path | None = None) -> SourceReading:
    """The EWP predictors of the country for the last year before the date's year."""
    from protect.knowledge.countries import UnknownCountryError
    from protect.knowledge.countries import country as lookup
    from protect.risk.files import PREDICTORS
    from protect.risk.sources import RiskDataError, require_sources_dir

    dataset = "Early Warning Project prepared predictors (statistical risk assessment 2025)"
    try:
        root = (sources if sources is not None else require_sources_dir()).resolve()
        path = root / PREDICTORS
        st = path.stat() if path.is_file() else None
        frame = _predictors(root, (st.st_mtime_ns, st.st_size) if st else (0, -1))
    except RiskDataError as exc:
        return SourceReading("risk", dataset, None, note=str(exc).splitlines()[0])
    try:
        cow = lookup(country).cow
    except UnknownCountryError:
        cow = None
    if cow is None:
        return SourceReading("risk", dataset, None, note=f"{country} has no COW code to join EWP")
    wanted = on.year - 1
    rows = frame[(frame["ccode"] == cow) & (frame["year"] <= wanted)]
    if rows.empty:
        return SourceReading("risk", dataset, None, note=f"no EWP row for {country} up to {wanted}")
    row = rows.sort_values("year").iloc[-1]
    year = int(row["year"])
    values = {str(k): _plain(v) for k, v in row.items() if k not in ("ewp_name", "ccode", "year")}
    values["year"] = year
    note = None if year == wanted else f"the latest EWP year for {country} is {year}"
    return SourceReading("risk", dataset, str(year), values, note=note)


def _plain(value: Any) -> Any:
    """numpy scalars as Python numbers (NaN as None), so they store as JSON."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_engine(document: dict[str, Any], on: dt.date) -> SourceReading:
    """Treaty participation and ICC status from the engine's document, read defensively: the
    contract v2 fields (`derived.treaties`, `derived.icc`) may be absent."""
    from protect.engine import RULES_VERSION

    derived = document.get("derived") or {}
    values: dict[str, Any] = {"icc_state_party": derived.get("icc_state_party")}
    icc = derived.get("icc")
    if isinstance(icc, dict) and isinstance(icc.get("jurisdiction"), bool):
        values["icc_jurisdiction"] = icc["jurisdiction"]
    treaties = derived.get("treaties")
    notes = []
    if isinstance(treaties, list) and treaties:
        missing = [
            str(t.get("instrument"))
            for t in treaties
            if isinstance(t, dict) and t.get("party") is False
        ]
        values["treaties_not_party"] = len(missing)
        values["treaties_missing"] = ", ".join(missing) or "none"
    else:
        notes.append("the engine does not report treaty participation (contract v2) yet")
    if "icc_jurisdiction" not in values:
        notes.append("the engine does not report ICC jurisdiction (contract v2) yet")
    return SourceReading(
        "engine",
        f"protect assessment engine (rules {RULES_VERSION})",
        on.isoformat(),
        values,
        note="; ".join(notes) or None,
    )


def _fill(template: str, values: dict[str, Any]) -> str:
    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if isinstance(value, float):
            return f"{value:,.2f}".rstrip("0").rstrip(".")
        return "unknown" if value is None else str(value)

    return _PLACEHOLDER.sub(one, template)


def fires(rule: PrefillRule, reading: SourceReading) -> bool:
    return reading.available and all(t.holds(reading.values.get(t.field)) for t in rule.when)


def suggestions(
    fw: Framework, readings: Readings, made_at: dt.datetime
) -> dict[int, dict[str, Any]]:
    """For each factor some rule speaks to, the suggestion: the highest rating any firing rule
    gives, with every firing rule's evidence, data and date."""
    fired: dict[int, list[tuple[PrefillRule, SourceReading]]] = {}
    for rule in fw.prefill:
        reading = readings.of(rule.source)
        if fires(rule, reading):
            fired.setdefault(rule.factor, []).append((rule, reading))
    out: dict[int, dict[str, Any]] = {}
    for factor, hits in sorted(fired.items()):
        rating: SuggestedRating = max((r.rating for r, _ in hits), key=lambda x: _RANK[x])
        evidence, data, lines = [], [], []
        for rule, reading in hits:
            context = {**reading.values, "month": reading.period, "year": reading.period}
            context["date"] = reading.period
            says = _fill(rule.says, context)
            evidence.append(
                {"what": says, "source": reading.dataset, "date": reading.period, "link": None}
            )
            lines.append(
                f"{rule.rating} by rule {rule.id} (indicators {', '.join(rule.indicators)}): "
                f"{says}. {rule.rationale.strip()}"
            )
            data += [
                {
                    "source": rule.source,
                    "field": t.field,
                    "value": reading.values.get(t.field),
                    "period": reading.period,
                }
                for t in rule.when
            ]
        out[factor] = {
            "rating": rating,
            "reasoning": " ".join(lines),
            "evidence": evidence,
            "rules": [r.id for r, _ in hits],
            "indicators": sorted({i for r, _ in hits for i in r.indicators}),
            "data": data,
            "as_of": max(str(rd.period) for _, rd in hits),
            "made_at": made_at.isoformat(),
        }
    return out
