"""`protect brief COUNTRY --month YYYY-MM --out FILE.pdf`: the country briefing as a PDF, the
same file the country page's download gives (`protect.service.briefing`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from protect.cli.output import fail


def brief_cmd(
    country: str = typer.Argument(..., help="ISO3 code, e.g. MMR."),
    month: str = typer.Option(..., "--month", help="YYYY-MM: the month to brief on."),
    out: Path = typer.Option(..., "--out", help="The PDF file to write."),
    db: Path | None = typer.Option(
        None, "--db", help="DuckDB file (default: events.duckdb in PROTECT_HOME)."
    ),
) -> None:
    """Write a briefing PDF: map inset, monthly chart, assessment summary, measures per actor,
    tensions and numbered sources."""
    from protect.monitor.api import MonitorInputError, StoreError
    from protect.service.briefing import briefing_pdf
    from protect.service.errors import ServiceError
    from protect.service.worldmap import month_number

    try:
        month_number(month)
    except ValueError as exc:
        fail(f"--month: {exc}")
    if out.suffix.lower() != ".pdf":
        fail(f"--out: {out} should end in .pdf")
    if not out.parent.is_dir():
        fail(f"--out: folder {out.parent} does not exist")
    from protect.service.briefing import latest_foa
    from protect.service.roles import local_operator
    from protect.storage import Database, DatabaseUnavailableError

    try:
        store = Database()
        foa = latest_foa(store, local_operator(), country)
    except DatabaseUnavailableError:
        foa = None  # the briefing stands without the structured assessment
    try:
        pdf, _name = briefing_pdf(country, month, db_path=db, foa=foa)
    except ServiceError as exc:
        fail(exc.message)
    except (MonitorInputError, StoreError) as exc:
        fail(str(exc).splitlines()[0])
    # Written beside the target and renamed, so a failure never leaves half a file.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(pdf)
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        fail(f"--out: cannot write {out}: {exc.strerror}")
    sys.stderr.write(f"wrote {out} ({len(pdf):,} bytes)\n")


def register(app: typer.Typer) -> None:
    app.command("brief")(brief_cmd)
