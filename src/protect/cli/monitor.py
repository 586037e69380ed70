"""Monitor commands: `ingest ucdp|acled|hxl`, `monitor`, `alerts`, `situation`.

Heavy imports (duckdb, ibis, pandas) stay inside the commands so `protect --help` stays fast.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from protect.cli.output import Format, TextOrJson, emit_json, fail

if TYPE_CHECKING:
    from protect.monitor.models import IngestReport, MonthRecord


class CoverageName(StrEnum):
    auto = "auto"
    complete = "complete"
    partial = "partial"


def _coverage_option() -> Any:
    return typer.Option(
        CoverageName.auto,
        "--coverage",
        help="complete, partial (a sample: never hides a complete source), or auto-detect.",
    )


class ByName(StrEnum):
    country = "country"
    admin1 = "admin1"


class BackendName(StrEnum):
    duckdb = "duckdb"
    spark = "spark"


def _db_option() -> Any:
    return typer.Option(None, "--db", help="DuckDB file (default: events.duckdb in PROTECT_HOME).")


NO_DATA = 3
"""Exit status when the request is well formed but the data ingested do not cover it."""


def _guard(call: Any) -> Any:
    """Run a service call, turning expected failures into one line: exit 3 when the data do not
    cover the request, 2 for anything else."""
    from protect.monitor.api import IngestError, MonitorInputError, NoDataError, StoreError

    try:
        return call()
    except NoDataError as exc:
        fail(str(exc), code=NO_DATA)
    except (IngestError, MonitorInputError, StoreError, LookupError, ValueError) as exc:
        fail(str(exc))  # ValueError: a misconfigured PROTECT_SOURCE_ORDER


# --- ingest ----------------------------------------------------------------------------------


def _run_ingest(
    kind: str,
    path: Path | None,
    db: Path | None,
    release: str | None,
    fmt: TextOrJson,
    sample: bool = False,
    candidate: bool = False,
    coverage: CoverageName = CoverageName.auto,
) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from protect.monitor import api

    if sample:
        path, release = api.sample_path(), release or api.SAMPLE_RELEASE
    if path is None:
        fail("give a PATH to ingest (or --sample for the bundled GED extract)")
    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err,
        transient=fmt is TextOrJson.json,
    ) as bar:
        task = bar.add_task(f"ingest {kind} {path.name}", total=5)

        def progress(step: str, done: int, total: int) -> None:
            bar.update(task, description=f"{path.name}: {step}", completed=done, total=total)

        failure: str | None = None
        try:
            report = api.ingest(
                kind,  # type: ignore[arg-type]
                path,
                db_path=db,
                progress=progress,
                release=release,
                candidate=candidate,
                coverage=coverage.value,
            )
        except (api.IngestError, api.StoreError) as exc:
            failure = str(exc)
            bar.remove_task(task)
    if failure is not None:
        fail(failure)
    if fmt is TextOrJson.json:
        emit_json(report.model_dump(mode="json"))
        return
    _print_ingest(report)


def _print_ingest(r: IngestReport) -> None:
    from rich.console import Console

    con = Console()
    if r.status == "unchanged":
        con.print(
            f"[bold]{r.path}[/]: already ingested as release {r.release_id} "
            f"({r.release}); nothing changed."
        )
        return
    for e in r.errors:
        where = f"line {e.line}" if e.line is not None else "line ?"
        con.print(f"[yellow]skipped[/] {where}: {e.field}: {e.message}", highlight=False)
    if r.errors_truncated:
        con.print(f"[yellow]... and {r.errors_truncated} more skipped rows[/]")
    con.print(
        f"[bold green]Loaded[/] {r.rows_loaded} of {r.rows_read} rows from {r.path} as release "
        f"{r.release_id} ({r.release}); {r.rows_skipped} skipped."
    )
    con.print(
        f"Countries: {', '.join(r.countries) or '-'}; months {r.first_month} to {r.last_month}."
    )
    if r.candidate:
        con.print("UCDP Candidate events: its months are shown as provisional.")
    if r.partial:
        con.print(
            "Taken as a partial file (a sample): it is stored but supplies no month, as its "
            "empty months would read as peace (`--coverage complete` to say otherwise)."
        )
    if r.superseded:
        con.print(
            f"Other releases supply every month of: {', '.join(r.superseded)} "
            "(this one is kept; see `protect releases show`)."
        )
    if r.best_outside_range:
        con.print(
            f"{r.best_outside_range} rows had best outside low..high; the range was widened "
            "to include best (decision 015)."
        )


def ingest_ucdp(
    path: Path | None = typer.Argument(None, help="GED CSV (plain or .gz), full or per-country."),
    sample: bool = typer.Option(False, "--sample", help="Ingest the bundled Myanmar extract."),
    release: str | None = typer.Option(None, "--release", help="Release version, e.g. 23.1."),
    candidate: bool = typer.Option(
        False, "--candidate", help="The file is UCDP Candidate events (provisional)."
    ),
    coverage: CoverageName = _coverage_option(),
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """Ingest UCDP GED events (with or without an HXL row; candidate events flagged)."""
    _run_ingest("ucdp", path, db, release, fmt, sample, candidate, coverage)


def ingest_acled(
    path: Path = typer.Argument(..., help="ACLED export CSV."),
    release: str | None = typer.Option(None, "--release"),
    coverage: CoverageName = _coverage_option(),
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """Ingest an ACLED export (event types mapped to UCDP categories; decision 016)."""
    _run_ingest("acled", path, db, release, fmt, coverage=coverage)


def ingest_hxl(
    path: Path = typer.Argument(..., help="Any event CSV with an HXL hashtag row."),
    release: str | None = typer.Option(None, "--release"),
    coverage: CoverageName = _coverage_option(),
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """Ingest any HXL-tagged event CSV, mapped by its hashtags (decision 017)."""
    _run_ingest("hxl", path, db, release, fmt, coverage=coverage)


# --- monitor / alerts / situation --------------------------------------------------------------


def _level(rec: MonthRecord) -> str:
    return rec.alert.level if rec.alert else ""


def monitor_cmd(
    country: str = typer.Argument(..., help="ISO3 code, e.g. MMR."),
    start: str = typer.Option(..., "--from", help="First month, YYYY-MM."),
    end: str = typer.Option(..., "--to", help="Last month, YYYY-MM."),
    backend: BackendName = typer.Option(
        BackendName.duckdb, "--backend", help="Compute the panel on duckdb or local spark."
    ),
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
    chart: bool = typer.Option(True, "--chart/--no-chart", help="Draw a terminal chart."),
    by: ByName = typer.Option(ByName.country, "--by", help="country, or admin1 (provinces)."),
) -> None:
    """A country's months: deaths by type, civilians, events, alert, derived situation."""
    from protect.monitor import api

    if by is ByName.admin1:
        _admin1(country, start, end, db, fmt)
        return
    records = _guard(lambda: api.monitor(country, start, end, db_path=db, backend=backend.value))
    if not records:
        span = _guard(lambda: api.coverage(country, db_path=db))
        covered = f"the data cover {span[0]} to {span[1]}" if span else "the data do not cover it"
        fail(f"no data for {country.upper()} from {start} to {end}: {covered}", code=NO_DATA)
    if fmt is TextOrJson.json:
        emit_json([r.model_dump(mode="json") for r in records])
        return
    from rich.console import Console
    from rich.table import Table

    from protect.knowledge.levels import LEVELS, STYLE

    con = Console()
    table = Table(
        title=f"{records[0].country} {start} to {end}",
        caption="source: release id; * = provisional (UCDP Candidate events)",
    )
    for col in (
        "month", "source", "SB", "NS", "OS", "civ", "ev", "top12m", "alert", "AC/CAH/state",
    ):  # fmt: skip
        table.add_column(
            col, justify="left" if col in ("month", "source", "alert") else "right", no_wrap=True
        )
    short: dict[str, str] = {
        "non-international": "NIAC",
        "international": "IAC",
        "occupation": "occ",
        "none": "-",
        **{level: STYLE[level].short for level in LEVELS},
        "perpetrator": "perp",
        "protecting": "prot",
    }
    for r in records:
        b = r.deaths_best
        sit = r.situation
        situation = "/".join(
            short.get(v, v)
            for v in (
                sit["armed_conflict"],
                sit["atrocities"]["crimes-against-humanity"],
                sit["state_role"],
            )
        )
        table.add_row(
            r.month,
            f"{r.source}:{r.release_id}{'*' if r.provisional else ''}",
            f"{b.state_based:.0f}",
            f"{b.non_state:.0f}",
            f"{b.one_sided:.0f}",
            f"{r.deaths_civilians:.0f}",
            str(r.events),
            f"{r.top_perpetrator_12m_deaths:.0f}",
            short.get(_level(r), "-"),
            situation,
        )
    con.print(table)
    if chart and len(records) > 1:
        _chart(records, min(con.width, 110))


def _admin1(country: str, start: str, end: str, db: Path | None, fmt: TextOrJson) -> None:
    """`protect monitor CC --by admin1`: the provinces of each month (decision 029)."""
    from protect.monitor import api

    rows = _guard(lambda: api.monitor_admin1(country, start, end, db_path=db))
    if not rows:
        fail(f"no data for {country.upper()} from {start} to {end}", code=NO_DATA)
    if fmt is TextOrJson.json:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(
        title=f"{rows[0].country} by admin-1, {start} to {end}",
        caption="provinces with no event in the month are left out; * = provisional",
    )
    for col in ("month", "admin-1", "source", "SB", "NS", "OS", "civ", "ev", "civ 12m"):
        table.add_column(col, justify="left" if col in ("month", "admin-1", "source") else "right")
    for r in rows:
        if not r.events and not r.deaths_best.total():
            continue
        b = r.deaths_best
        table.add_row(
            r.month,
            r.admin1,
            f"{r.source}:{r.release_id}{'*' if r.provisional else ''}",
            f"{b.state_based:.0f}",
            f"{b.non_state:.0f}",
            f"{b.one_sided:.0f}",
            f"{r.deaths_civilians:.0f}",
            str(r.events),
            f"{r.deaths_civilians_12m:.0f}",
        )
    Console().print(table)


def events_cmd(
    country: str = typer.Argument(..., help="ISO3 code."),
    month: str = typer.Argument(..., help="YYYY-MM."),
    out: Path | None = typer.Option(None, "--out", help="Write the GeoJSON to this file."),
    db: Path | None = _db_option(),
) -> None:
    """A country-month's events as GeoJSON (points with their figures), for mapping."""
    from protect.monitor import api
    from protect.monitor.subnational import write

    doc = _guard(lambda: api.events_geojson(country, month, db_path=db))
    if out is None:
        sys.stdout.write(doc.model_dump_json(indent=2) + "\n")
        return
    write(doc, out)
    sys.stdout.write(f"{len(doc.features)} events written to {out}\n")


def _chart(records: list[MonthRecord], width: int) -> None:
    """Deaths per month by type of violence, drawn in the terminal with plotext."""
    import plotext

    fig = plotext.figure
    fig.clear()
    x = list(range(1, len(records) + 1))
    series = (
        ("state-based", [r.deaths_best.state_based for r in records]),
        ("non-state", [r.deaths_best.non_state for r in records]),
        ("one-sided", [r.deaths_best.one_sided for r in records]),
    )
    for label, ys in series:
        if any(ys):
            signal = fig.signal(x, ys)
            signal.label(label)
            signal.lines()
            fig.draw(signal)
    fig.title(
        f"{records[0].country} deaths per month (best), {records[0].month} to {records[-1].month}"
    )
    step = max(1, len(records) // 6)
    ticks = x[::step]
    fig.ruler("x").ticks(ticks, [records[i - 1].month for i in ticks])
    fig.plot_size(width, 16)
    fig.show(colorless=not sys.stdout.isatty())


def alerts_cmd(
    month: str | None = typer.Option(
        None, "--month", help="YYYY-MM; default: the latest month the data cover."
    ),
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """Countries with an alert in a month, most severe first, with the figures behind each.
    The same service call, default and JSON as GET /api/v1/alerts."""
    from protect.service import NotFoundError, ServiceError
    from protect.service.monitor import alerts_for
    from protect.storage import DatabaseUnavailableError

    try:
        result = alerts_for(month, db_path=db)
    except NotFoundError as exc:
        fail(exc.message, code=NO_DATA)
    except ServiceError as exc:
        fail(exc.message)
    except DatabaseUnavailableError as exc:  # the events store cannot be opened
        fail(str(exc).splitlines()[0])
    found, month = result.alerts, result.month
    if fmt is TextOrJson.json:
        emit_json([a.model_dump(mode="json") for a in found])
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    if not found:
        con.print(f"No alerts in {month} for the countries ingested (data cover the month).")
        return
    table = Table(title=f"Alerts, {month}")
    for col in ("#", "country", "level", "rule", "figures", "source"):
        table.add_column(col, overflow="fold")
    for a in found:
        figs = ", ".join(f"{k}={v}" for k, v in a.figures.items() if not k.startswith("threshold_"))
        origin = f"{a.release or a.source}" + (" (provisional)" if a.provisional else "")
        table.add_row(str(a.rank), a.country, a.level, a.rule, figs, origin)
    con.print(table)


def situation_cmd(
    country: str = typer.Argument(..., help="ISO3 code."),
    month: str = typer.Argument(..., help="YYYY-MM."),
    db: Path | None = _db_option(),
    fmt: Format = typer.Option(Format.text, "--format", "-f"),
) -> None:
    """The situation derived for a country-month and the engine's full assessment of it."""
    from protect.monitor import api

    found = _guard(lambda: api.situation(country, month, db_path=db))
    if fmt is Format.json:
        emit_json(found.model_dump(mode="json"))
        return
    from protect import Assessment
    from protect.engine.report import render_markdown, render_text

    assessment = Assessment.model_validate(found.assessment)
    md = fmt is Format.markdown
    head = [
        f"# Monitor: {found.country} {found.month}"
        if md
        else f"MONITOR: {found.country} {found.month}"
    ]
    alert = found.alert
    origin = found.provenance
    head.append(
        f"Source: {origin.source}, release {origin.release_id} ({origin.release})"
        + (", provisional (UCDP Candidate events)" if origin.provisional else "")
    )
    head.append(
        f"Alert: {alert.level} ({alert.rule}: {alert.description})" if alert else "Alert: none"
    )
    for step in found.derivation:
        figs = ", ".join(f"{k}={v}" for k, v in step["figures"].items())
        head.append(
            f"{'- ' if md else '  '}{step['field']} = {json.dumps(step['value'])} "
            f"[{step['rule']}; {figs}]"
        )
    render = render_markdown if md else render_text
    sys.stdout.write("\n".join(head) + "\n\n" + render(assessment))


# --- releases ------------------------------------------------------------------------------


def releases_list(
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """Every ingested release: what it covers and how many months it supplies."""
    from protect.monitor import releases

    found = _guard(lambda: releases.list_releases(db_path=db))
    if fmt is TextOrJson.json:
        emit_json([r.model_dump(mode="json") for r in found])
        return
    from rich.console import Console
    from rich.table import Table

    if not found:
        Console().print("No releases ingested.")
        return
    table = Table(title="Releases")
    for col in ("id", "source", "release", "countries", "months", "events", "shown", "file"):
        table.add_column(col, overflow="fold")
    for r in found:
        table.add_row(
            str(r.release_id),
            r.source
            + (" (candidate)" if r.candidate else "")
            + (" (partial)" if r.partial else ""),
            r.release or "-",
            str(r.countries),
            f"{r.first_month} to {r.last_month}",
            str(r.events),
            str(r.months_shown),
            Path(r.path).name,
        )
    Console().print(table)


def releases_show(
    release_id: int = typer.Argument(..., help="Release id (see `protect releases list`)."),
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """One release, country by country: months covered, events, provisional years, months shown."""
    from protect.monitor import releases

    found = _guard(lambda: releases.show_release(release_id, db_path=db))
    if fmt is TextOrJson.json:
        emit_json(found.model_dump(mode="json"))
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    con.print(
        f"[bold]Release {found.release_id}[/]: {found.source} {found.release} from {found.path}\n"
        f"sha256 {found.sha256}; {found.rows_loaded} of {found.rows_read} rows loaded; "
        f"ingested {found.ingested_at:%Y-%m-%d %H:%M}",
        highlight=False,
    )
    table = Table()
    for col in ("country", "months", "events", "provisional years", "months shown"):
        table.add_column(col)
    for c in found.coverage:
        table.add_row(
            c.country,
            f"{c.first_month} to {c.last_month}",
            str(c.events),
            ", ".join(str(y) for y in c.provisional_years) or "-",
            str(c.months_shown),
        )
    con.print(table)


def _drop_audited(release_id: int, db: Path | None) -> Any:
    """The drop as the local operator, through the service, so the audit trail records it."""
    from protect.service import ServiceError
    from protect.service.releases import drop_release
    from protect.service.roles import local_operator
    from protect.storage import Database, DatabaseUnavailableError

    try:
        return drop_release(Database(), local_operator(), release_id, events_db=db)
    except DatabaseUnavailableError as exc:
        fail(str(exc), code=1)
    except ServiceError as exc:
        fail(exc.message)


def releases_drop(
    release_id: int = typer.Argument(..., help="Release id (see `protect releases list`)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
    db: Path | None = _db_option(),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """Retire a release: its events and months go; each month falls back to the next best
    release. The same file can be ingested again afterwards. Recorded in the audit trail."""

    if not yes and not typer.confirm(f"Drop release {release_id}?"):
        fail("not dropped")
    dropped = _guard(lambda: _drop_audited(release_id, db))
    if fmt is TextOrJson.json:
        emit_json(dropped.model_dump(mode="json"))
        return
    sys.stdout.write(
        f"Dropped release {dropped.release_id} ({dropped.source} {dropped.release}, "
        f"{dropped.events} events).\n"
    )


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    ingest_app = typer.Typer(
        help="Ingest conflict-event data into the events database.", no_args_is_help=True
    )
    ingest_app.command("ucdp")(ingest_ucdp)
    ingest_app.command("acled")(ingest_acled)
    ingest_app.command("hxl")(ingest_hxl)
    app.add_typer(ingest_app, name="ingest")
    app.command("monitor")(monitor_cmd)
    app.command("alerts")(alerts_cmd)
    app.command("situation")(situation_cmd)
    app.command("events")(events_cmd)
    releases_app = typer.Typer(
        help="See and retire ingested releases (decision 026).", no_args_is_help=True
    )
    releases_app.command("list")(releases_list)
    releases_app.command("show")(releases_show)
    releases_app.command("drop")(releases_drop)
    app.add_typer(releases_app, name="releases")
