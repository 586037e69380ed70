"""Python API of the risk area: `forecast(year)` and `backtest(out)`.

Both read the raw sources from `protect.config.sources_dir()` unless a folder is given, and
raise `RiskDataError` (bad or missing data) or `RiskInputError` (a year or model that cannot
be served) with a one-line message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from protect.risk.backtest import (
    FIRST_YEAR,
    LAST_YEAR,
    PUBLISHED,
    RESULT_COLUMNS,
    feature_rows,
    fit_for,
    run_backtest,
)
from protect.risk.catalogue import VARIANT_NAMES
from protect.risk.drivers import DriverValue, readable_drivers, statement
from protect.risk.features import describe
from protect.risk.files import FORECAST_FILES
from protect.risk.models import BEST, MODEL_NAMES
from protect.risk.schemas import Driver, ForecastRow
from protect.risk.scoring import Scores
from protect.risk.sources import (
    RiskDataError,
    load_sources,
    require_sources_dir,
)

__all__ = [
    "Driver",
    "ForecastRow",
    "RiskDataError",
    "RiskInputError",
    "backtest",
    "forecast",
]


class RiskInputError(ValueError):
    """A request the risk model cannot serve (year out of range, unknown model)."""


def to_driver(d: DriverValue) -> Driver:
    sources = sorted({describe(f).source for f in d.features})
    return Driver(
        feature=d.key,
        label=d.label,
        source="; ".join(sources),
        features=list(d.features),
        value=d.value,
        value_text=d.value_text,
        points=d.points,
        log_odds=d.log_odds,
        text=statement(d.label, d.value_text, d.points),
    )


def _check_models(models: Sequence[str], *, variants: bool = False) -> None:
    known = [*MODEL_NAMES, *(VARIANT_NAMES if variants else ())]
    for m in models:
        if m not in known:
            raise RiskInputError(f"unknown model {m!r}; choose from {', '.join(known)}")


def _stamp(root: Path) -> tuple[tuple[str, int, int], ...]:
    """Identity of the source files, so a cached forecast is dropped when they change."""
    out = []
    for rel in FORECAST_FILES:
        path = root / rel
        st = path.stat() if path.is_file() else None
        out.append((str(path), st.st_mtime_ns if st else 0, st.st_size if st else -1))
    return tuple(out)


def forecast(
    year: int,
    *,
    model: str = BEST,
    sources: Path | None = None,
    drivers: int = 5,
) -> list[ForecastRow]:
    """Countries ranked by risk for `year`, from data of year - 1, with their main drivers.

    Results are cached per process (fitting the boosted model takes seconds), keyed by the
    source files' size and modification time.
    """
    _check_models([model], variants=True)
    root = (sources if sources is not None else require_sources_dir()).resolve()
    cached = _forecast(root, _stamp(root), year, model, drivers)
    return [row.model_copy(deep=True) for row in cached]


@lru_cache(maxsize=16)
def _forecast(
    root: Path, stamp: tuple[tuple[str, int, int], ...], year: int, model: str, drivers: int
) -> tuple[ForecastRow, ...]:
    from protect.risk.neighbours import add_neighbour_features
    from protect.risk.panel import build_panel

    src = load_sources(root, with_foos=False)
    panel = add_neighbour_features(build_panel(src))
    first, last = int(panel["year"].min()), int(panel["year"].max())
    if not first + 10 <= year - 1 <= last + 1:
        raise RiskInputError(
            f"year {year}: features come from year - 1 (or year - 2 for the year after the "
            f"data), and the data cover {first}-{last}; choose a year from {first + 11} to "
            f"{last + 2}"
        )
    # The models learn "onset in the next year or the one after", so the year after next is
    # still inside what they forecast: its forecast uses the last year of data.
    origin = min(year, last + 1)
    try:
        if model in MODEL_NAMES:
            if year > origin and model == "base_rate":
                raise ValueError("the base rate looks one year ahead only")
            fitted = fit_for(panel, model, src.predictor_names, origin)
        else:
            from protect.risk.frozen import catalogue, fit_variant

            variant = catalogue(src.predictor_names)[model]
            fitted = fit_variant(panel, variant, src.predictor_names, origin)
    except ValueError as exc:
        raise RiskInputError(f"year {year}: {exc}") from None
    rows = feature_rows(panel, origin)
    risk = fitted.predict(rows)
    before = feature_rows(panel, origin - 1)
    prev = dict(zip(before["entity"], fitted.predict(before), strict=True)) if len(before) else {}
    tops = readable_drivers(fitted.contributions(rows), rows, risk, drivers)
    observed = rows["target_onset"].to_numpy(dtype=float)
    order = sorted(range(len(rows)), key=lambda i: (-risk[i], str(rows.at[i, "target_country"])))
    out: list[ForecastRow] = []
    for rank, i in enumerate(order, start=1):
        p = prev.get(rows.at[i, "entity"])
        out.append(
            ForecastRow(
                rank=rank,
                country=str(rows.at[i, "target_country"]),
                name=str(rows.at[i, "name"]),
                year=year,
                data_year=origin - 1,
                risk=float(risk[i]),
                previous_risk=None if p is None else float(p),
                change=None if p is None else float(risk[i] - p),
                onset=None if year > origin or np.isnan(observed[i]) else int(observed[i]),
                model=model,
                drivers=[to_driver(d) for d in tops[i]],
            )
        )
    return tuple(out)


def backtest(
    out: Path,
    *,
    models: Sequence[str] = MODEL_NAMES,
    years: Sequence[int] = tuple(range(FIRST_YEAR, LAST_YEAR + 1)),
    sources: Path | None = None,
    report: Path | None = None,
    command: str = "protect risk backtest",
    progress: Callable[[int, str], None] | None = None,
) -> list[Scores]:
    """Run the rolling backtest, write the long CSV to `out` (and the report to `report`), and
    return the scores on the country-years every model and EWP's published forecasts share."""
    from protect.risk.panel import build_panel
    from protect.risk.report import write_report
    from protect.risk.scoring import score_table

    _check_models(models)
    if not years:
        raise RiskInputError("no forecast years given")
    root = sources if sources is not None else require_sources_dir()
    src = load_sources(root)
    panel = build_panel(src)
    first, last = int(panel["year"].min()), int(panel["year"].max())
    bad = [y for y in years if not first + 10 <= y - 1 < last]
    if bad:
        raise RiskInputError(
            f"forecast year {bad[0]} is outside what the data allow ({first + 11}-{last})"
        )
    try:
        results = run_backtest(panel, src.predictor_names, models, years, src.foos, progress)
    except ValueError as exc:
        raise RiskInputError(str(exc)) from None
    results = results.loc[:, list(RESULT_COLUMNS)].sort_values(["model", "year", "country"])
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    if out.suffix == ".gz":
        results.to_csv(
            tmp,
            index=False,
            float_format="%.6g",
            compression={"method": "gzip", "mtime": 0},  # same data, same bytes
        )
    else:
        results.to_csv(tmp, index=False, float_format="%.6g")
    tmp.replace(out)
    compared = [*models, PUBLISHED] if (results["model"] == PUBLISHED).any() else list(models)
    if report is not None:
        return write_report(results, compared, report, command)
    return score_table(results, compared)


def outcomes(sources: Path | None = None) -> dict[int, dict[str, int]]:
    """Observed onsets by year and ISO3 code, for every year the sources code."""
    from protect.risk.panel import build_panel

    root = sources if sources is not None else require_sources_dir()
    panel = build_panel(load_sources(root, with_foos=False))
    out: dict[int, dict[str, int]] = {}
    for year, country, onset in zip(
        panel["year"], panel["country"], panel["mk_onset"], strict=True
    ):
        out.setdefault(int(year), {})[str(country)] = int(onset)
    return out
