"""CLI commands for the risk area: backtest, forecast (stored), score, record, load-record and
evaluate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import typer

from protect.cli.output import TextOrJson, emit_json, fail

risk_app = typer.Typer(
    name="risk",
    help="Atrocity-risk forecasting: mass-killing onset model and its backtest.",
    no_args_is_help=True,
)

DEFAULT_MODELS = "base_rate,recent_violence,ewp_enet,protect_gbm"


def _years(spec: str) -> list[int]:
    try:
        if "-" in spec:
            a, b = spec.split("-", 1)
            first, last = int(a), int(b)
        else:
            first = last = int(spec)
    except ValueError:
        fail(f"--years: expected YYYY or YYYY-YYYY, got {spec!r}")
    if last < first:
        fail(f"--years: {spec!r} ends before it starts")
    return list(range(first, last + 1))


@risk_app.command("backtest")
def backtest_cmd(
    out: Path = typer.Option(..., "--out", help="CSV to write: country, year, model, risk, onset"),
    report: Path | None = typer.Option(
        None, "--report", help="folder for the Markdown report and its PNG plots"
    ),
    years: str = typer.Option("1994-2024", "--years", help="forecast years, YYYY-YYYY"),
    models: str = typer.Option(DEFAULT_MODELS, "--models", help="comma-separated model names"),
    sources: Path | None = typer.Option(
        None, "--sources", help="sources folder (default: PROTECT_SOURCES or ../shared/data)"
    ),
) -> None:
    """Rolling backtest: refit each model per forecast year on what was known the year before."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from protect.risk.api import RiskDataError, RiskInputError, backtest

    year_list = _years(years)
    model_list = [m.strip() for m in models.split(",") if m.strip()]
    if not model_list:
        fail("--models: no model named")
    command = "protect risk backtest --out " + str(out)
    if report is not None:
        command += f" --report {report}"
    if years != "1994-2024":
        command += f" --years {years}"
    if models != DEFAULT_MODELS:
        command += f" --models {models}"
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=console
    ) as bar:
        task = bar.add_task("backtest", total=len(year_list) * len(model_list))

        def tick(year: int, model: str) -> None:
            bar.update(task, advance=1, description=f"{year} {model}")

        try:
            scores = backtest(
                out,
                models=model_list,
                years=year_list,
                sources=sources,
                report=report,
                command=command,
                progress=tick,
            )
        except (RiskDataError, RiskInputError) as exc:
            fail(str(exc))
    table = Table(title=f"Backtest {year_list[0]}-{year_list[-1]} (same country-years)")
    for col in ("model", "n", "onsets", "AUC-ROC", "AUC-PR", "Brier", "top10", "top20", "top30"):
        if col == "model":
            table.add_column(col, no_wrap=True)
        else:
            table.add_column(col, justify="right")
    for s in scores:
        table.add_row(
            s.model,
            str(s.country_years),
            str(s.onsets),
            f"{s.auc_roc:.3f}",
            f"{s.auc_pr:.3f}",
            f"{s.brier:.5f}",
            f"{100 * s.top10:.1f}%",
            f"{100 * s.top20:.1f}%",
            f"{100 * s.top30:.1f}%",
        )
    Console().print(table)
    Console().print(f"wrote {out}" + (f" and {report / 'report.md'}" if report else ""))


def _service_call(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a risk service call as the local operator; bad data or input exit 2, an unreachable
    database exits 1, each with one line. Reading a stored forecast must stay fast, so the risk
    modules (pandas, models) are imported only if one of their errors has to be named."""
    from protect.service import ServiceError
    from protect.service.roles import local_operator
    from protect.storage import Database, DatabaseUnavailableError

    db = Database()
    try:
        return fn(db, local_operator(), *args, **kwargs)
    except DatabaseUnavailableError as exc:
        fail(str(exc), code=1)
    except ServiceError as exc:
        fail(exc.message)
    except ValueError as exc:
        from protect.risk.api import RiskDataError, RiskInputError

        if isinstance(exc, RiskDataError | RiskInputError):
            fail(str(exc))
        raise
    finally:
        db.dispose()


def _sources(sources: Path | None) -> Path:
    from protect.config import sources_dir

    found = sources if sources is not None else sources_dir()
    if found is None:
        from protect.risk.sources import RiskDataError, require_sources_dir

        try:
            require_sources_dir()  # says how to point at one
        except RiskDataError as exc:
            fail(str(exc))
    assert found is not None
    return found.resolve()


@risk_app.command("forecast")
def forecast_cmd(
    year: int = typer.Option(..., "--year", help="forecast year (features from the year before)"),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json"),
    top: int = typer.Option(30, "--top", min=1, help="how many countries to list"),
    model: str | None = typer.Option(
        None,
        "--model",
        help="compute with this model instead (not stored); default: the stored forecast of "
        "the frozen model, issued and stored on first request",
    ),
    refresh: bool = typer.Option(False, "--refresh", help="compute again even if stored"),
    sources: Path | None = typer.Option(
        None, "--sources", help="sources folder (default: PROTECT_SOURCES or ../shared/data)"
    ),
) -> None:
    """Rank countries by the risk of a mass-killing onset, with the features driving each.

    The forecast of the frozen model is stored, dated and hashed, the first time it is asked
    for; later calls read it from the store.
    """
    head = ""
    if model is None:
        from protect.service.risk import issue_forecast

        stored = _service_call(issue_forecast, year, _sources(sources), refresh=refresh)
        rows = stored.rows[:top]
        if fmt is TextOrJson.json:
            data = stored.model_dump(mode="json")
            data["rows"] = data["rows"][:top]
            emit_json(data)
            return
        state = "frozen model" if stored.frozen else "default model, not yet frozen"
        head = (
            f"computed {stored.computed_at:%Y-%m-%d %H:%M} UTC by {stored.model} ({state}), "
            f"model {stored.model_hash[:12]}, data {stored.data_hash[:12]}, "
            f"forecast {stored.forecast_hash[:12]}"
        )
        model = stored.model
    else:
        from protect.risk.api import RiskDataError, RiskInputError, forecast

        try:
            rows = forecast(year, model=model, sources=sources)[:top]
        except (RiskDataError, RiskInputError) as exc:
            fail(str(exc))
        if fmt is TextOrJson.json:
            emit_json([r.model_dump(mode="json") for r in rows])
            return
        head = f"computed now with {model} (not stored)"
    from rich.console import Console
    from rich.table import Table

    data_year = rows[0].data_year if rows else year - 1
    table = Table(
        title=f"Mass-killing onset risk for {year} (model {model}, data of {data_year})",
        caption=head,
    )
    drivers_head = "main drivers (points of risk against the year's median country)"
    for col in ("#", "country", "risk", "change", drivers_head):
        table.add_column(col, justify="right" if col in ("#", "risk", "change") else "left")
    for r in rows:
        change = "" if r.change is None else f"{100 * r.change:+.1f} pt"
        drivers = "\n".join(d.text for d in r.drivers[:3])
        onset = " [onset]" if r.onset == 1 else ""
        table.add_row(
            str(r.rank), f"{r.name} ({r.country}){onset}", f"{100 * r.risk:.1f}%", change, drivers
        )
    Console().print(table)


@risk_app.command("score")
def score_cmd(
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json"),
    sources: Path | None = typer.Option(
        None, "--sources", help="sources folder (default: PROTECT_SOURCES or ../shared/data)"
    ),
) -> None:
    """Score every stored forecast whose year's outcome the sources now hold (once each)."""
    from protect.service.risk import score_forecasts

    done = _service_call(score_forecasts, _sources(sources))
    if fmt is TextOrJson.json:
        emit_json([d.model_dump(mode="json") for d in done])
        return
    if not done:
        sys.stdout.write("no stored forecast awaits a known outcome\n")
    for d in done:
        s = d.scores
        sys.stdout.write(
            f"forecast {d.forecast_id} ({d.year}, {d.model}, computed {d.computed_at:%Y-%m-%d}): "
            f"{s['onsets']} onset(s), {s['caught_top10']:.1f} in the top 10, "
            f"{s['caught_top30']:.1f} in the top 30, ranks {s['onset_ranks']}\n"
        )


@risk_app.command("record")
def record_cmd(
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json"),
    export: Path | None = typer.Option(
        None, "--export", help="also write each forecast as JSON, with a README, into this folder"
    ),
) -> None:
    """The prospective record: every stored forecast, when it was made, and its score."""
    from protect.service.risk import export_record, forecasts

    if export is not None:

        def exporting(db: Any, _who: Any) -> Any:
            return export_record(db, export)

        written = _service_call(exporting)
        sys.stderr.write(f"wrote {len(written)} forecast(s) and README.md into {export}\n")

    def listing(db: Any, _who: Any) -> Any:
        return forecasts(db)

    found = _service_call(listing)
    if fmt is TextOrJson.json:
        emit_json(
            [
                {
                    **{k: v for k, v in f.model_dump(mode="json").items() if k != "rows"},
                    "score": None if s is None else s.model_dump(mode="json"),
                }
                for f, s in found
            ]
        )
        return
    for f, s in found:
        result = "not yet scored" if s is None else f"scored {s.scored_at:%Y-%m-%d}: {s.scores}"
        sys.stdout.write(
            f"{f.id}: {f.year} by {f.model} ({f.model_hash[:12]}), computed "
            f"{f.computed_at:%Y-%m-%d %H:%M} UTC, forecast {f.forecast_hash[:12]}; {result}\n"
        )


@risk_app.command("load-record")
def load_record_cmd(
    files: list[Path] | None = typer.Argument(
        None, help="forecast of record JSON files (default: the ones bundled with the package)"
    ),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", help="text or json"),
) -> None:
    """Store forecasts of record as they were computed (hashes checked first), so the pages
    show them where the risk sources are not at hand. Loading one again stores nothing."""
    from protect.service.risk import load_record

    loaded = _service_call(load_record, files or None)
    if fmt is TextOrJson.json:
        emit_json(
            [
                {
                    "file": r.file,
                    "new": r.new,
                    **{k: v for k, v in r.forecast.model_dump(mode="json").items() if k != "rows"},
                }
                for r in loaded
            ]
        )
        return
    for r in loaded:
        f = r.forecast
        sys.stdout.write(
            f"{r.file}: {'stored' if r.new else 'already stored'} as forecast {f.id} for "
            f"{f.year} ({f.model} {f.model_hash[:12]}, computed {f.computed_at:%Y-%m-%d %H:%M} "
            f"UTC, forecast {f.forecast_hash[:12]})\n"
        )


@risk_app.command("evaluate")
def evaluate_cmd(
    out: Path = typer.Option(
        Path("docs/risk"), "--out", help="folder for evaluation.md and evaluation.json"
    ),
    cache: Path | None = typer.Option(
        None,
        "--cache",
        help="folder for the per-seed backtests (default: risk-cache in the data directory)",
    ),
    draws: int = typer.Option(1000, "--draws", min=50, help="bootstrap resamples"),
    years: str = typer.Option("1994-2024", "--years", help="forecast years, YYYY-YYYY"),
    seed_sets: int = typer.Option(10, "--seed-sets", min=2, help="seed sets of five seeds"),
    sources: Path | None = typer.Option(
        None, "--sources", help="sources folder (default: PROTECT_SOURCES or ../shared/data)"
    ),
) -> None:
    """Register the candidate models, score them in the nested backtest over ten seed sets,
    and freeze the one the pre-registered rule picks (about 20 minutes on one core; cached)."""
    from protect.config import data_dir
    from protect.service.risk import evaluate

    command = f"protect risk evaluate --out {out}"
    if draws != 1000:
        command += f" --draws {draws}"
    if years != "1994-2024":
        command += f" --years {years}"
    if seed_sets != 10:
        command += f" --seed-sets {seed_sets}"

    def tick(message: str) -> None:
        sys.stderr.write(f"{message}\n")

    result = _service_call(
        evaluate,
        _sources(sources),
        cache if cache is not None else data_dir() / "risk-cache",
        out,
        draws=draws,
        years=_years(years),
        seed_sets=seed_sets,
        command=command,
        progress=tick,
    )
    frozen = result["frozen"]
    sys.stdout.write(
        f"frozen {frozen['name']} ({frozen['model_hash'][:12]}); wrote {out / 'evaluation.md'}\n"
    )


def register(app: typer.Typer) -> None:
    """Add the `risk` sub-app to the main app."""
    app.add_typer(risk_app, name="risk")
