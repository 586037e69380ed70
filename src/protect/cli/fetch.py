"""`protect fetch ucdp|acled`: download the latest events through the sources' APIs, resumably,
keep the raw pages and ingest them (decision 028)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from protect.cli.output import TextOrJson, emit_json, fail


def _run(kind: str, call: Any, fmt: TextOrJson) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from protect.monitor.api import IngestError, StoreError
    from protect.monitor.fetch import FetchError

    err = Console(stderr=True)
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=err,
        transient=fmt is TextOrJson.json,
    ) as bar:
        task = bar.add_task(f"fetch {kind}: pages", total=None)

        def progress(done: int, total: int | None) -> None:
            bar.update(task, completed=done, total=total)

        try:
            done = call(progress)
        except (FetchError, IngestError, StoreError) as exc:
            failure: str | None = str(exc)
        else:
            failure = None
    if failure is not None:
        fail(failure, "pages already saved are kept: run the same command again to resume")
    report = done.report
    if fmt is TextOrJson.json:
        emit_json({
            "folder": str(done.folder), "csv": str(done.csv_path), "pages": done.pages,
            "rows": done.rows, "ingest": report.model_dump(mode="json") if report else None,
        })  # fmt: skip
        return
    out = Console()
    out.print(f"Saved {done.pages} pages ({done.rows} rows) in {done.folder}", highlight=False)
    if report is None:
        out.print("Nothing to ingest." if done.rows == 0 else f"Not ingested: {done.csv_path}")
        return
    verb = "already ingested as" if report.status == "unchanged" else "ingested as"
    out.print(
        f"{done.csv_path.name}: {verb} release {report.release_id} ({report.release}); "
        f"{report.rows_loaded} rows, countries {', '.join(report.countries) or '-'}, "
        f"months {report.first_month} to {report.last_month}.",
        highlight=False,
    )


def _since(since: str | None, iso3: str | None, db: Path | None) -> str | None:
    """`--since auto` needs a country given as an ISO3 code."""
    if since != "auto":
        return since
    from protect.monitor.fetch import missing_since

    if iso3 is None:
        fail("--since auto needs --country as an ISO3 code (the months missing for it)")
    return missing_since(iso3, db_path=db)


def _iso3(country: str | None) -> str | None:
    from protect.knowledge.countries import is_known

    if country is None or not is_known(country.strip().upper()):
        return None
    return country.strip().upper()


def _gw(country: str | None) -> int | None:
    if country is None:
        return None
    if country.strip().isdigit():
        return int(country)
    from protect.knowledge.countries import gw_for_iso3, is_known

    iso3 = country.strip().upper()
    gw = gw_for_iso3(iso3) if is_known(iso3) else None
    if gw is None:
        fail(f"--country {country!r} is neither a GW number nor an ISO3 code UCDP uses")
    return gw


def fetch_ucdp(
    version: str = typer.Option(..., "--version", help="GED release (25.1) or Candidate (25.0.7)."),
    country: str | None = typer.Option(None, "--country", help="ISO3 code or GW number."),
    since: str | None = typer.Option(
        None, "--since", help="First month wanted, YYYY-MM, or auto: the months missing."
    ),
    base_url: str = typer.Option("https://ucdpapi.pcr.uu.se", "--base-url", hidden=True),
    no_ingest: bool = typer.Option(False, "--no-ingest", help="Download only."),
    db: Path | None = typer.Option(None, "--db", help="DuckDB file (default in PROTECT_HOME)."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """UCDP GED or Candidate events through UCDP's API (token in UCDP_ACCESS_TOKEN)."""
    from protect.monitor import fetch

    gw = _gw(country)
    _run(
        "ucdp",
        lambda progress: fetch.fetch_ucdp(
            version,
            country=gw,
            since=_since(since, _iso3(country), db),
            base_url=base_url,
            progress=progress,
            db_path=db,
            ingest=not no_ingest,
        ),
        fmt,
    )


def fetch_acled(
    country: str | None = typer.Option(
        None, "--country", help="ISO3 code, or ACLED's country name."
    ),
    since: str | None = typer.Option(
        None, "--since", help="First month wanted, YYYY-MM, or auto: the months missing."
    ),
    until: str | None = typer.Option(None, "--until", help="Last day wanted, YYYY-MM-DD."),
    base_url: str = typer.Option("https://acleddata.com", "--base-url", hidden=True),
    no_ingest: bool = typer.Option(False, "--no-ingest", help="Download only."),
    db: Path | None = typer.Option(None, "--db", help="DuckDB file (default in PROTECT_HOME)."),
    fmt: TextOrJson = typer.Option(TextOrJson.text, "--format", "-f"),
) -> None:
    """ACLED events through ACLED's API (ACLED_EMAIL and ACLED_PASSWORD, or ACLED_KEY)."""
    from protect.monitor import fetch

    iso3 = _iso3(country)
    _run(
        "acled",
        lambda progress: fetch.fetch_acled(
            country=None if iso3 else country,
            iso=_numeric(iso3),
            since=_since(since, iso3, db),
            until=until,
            base_url=base_url,
            progress=progress,
            db_path=db,
            ingest=not no_ingest,
        ),
        fmt,
    )


def _numeric(iso3: str | None) -> int | None:
    """ACLED filters by ISO 3166-1 numeric code (`iso`); Kosovo, which has none, is ACLED's 0."""
    if iso3 is None:
        return None
    from protect.knowledge.countries import numeric_codes

    found = [n for n, code in numeric_codes() if code == iso3]
    if iso3 == "XKX":
        return 0
    if not found:
        fail(f"--country {iso3}: no ISO numeric code to ask ACLED for; give the country name")
    return found[0]


def register(app: typer.Typer) -> None:
    fetch_app = typer.Typer(
        help="Download fresh events from UCDP's or ACLED's API and ingest them.",
        no_args_is_help=True,
    )
    fetch_app.command("ucdp")(fetch_ucdp)
    fetch_app.command("acled")(fetch_acled)
    app.add_typer(fetch_app, name="fetch")
