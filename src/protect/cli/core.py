"""Core commands: assess, validate, browse the knowledge base, and the demo."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from protect.cli.output import Format, emit_json, fail
from protect.service.knowledge import KINDS

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"


# The kinds the service serves (and the API's /kb routes), as the option's choices.
KbKind = StrEnum("KbKind", [(k, k) for k in KINDS])  # type: ignore[misc]


def _read(path: Path) -> str:
    try:
        if str(path) == "-":
            return sys.stdin.read()
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"{path}: cannot read the file: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{path}: cannot read the file: it is not UTF-8 text")


def _load(path: Path) -> tuple[list[Any], bool]:
    from protect.engine.documents import SituationError, load_situations

    try:
        return load_situations(_read(path))
    except SituationError as exc:
        fail(*(f"{path}: {p}" for p in exc.problems))


def assess_cmd(
    file: Path = typer.Argument(..., help="A situation file (YAML or JSON; '-' for stdin)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="Output format."),
) -> None:
    """Assess a situation: stage, norms, crimes, measures by actor, tensions, warnings, sources."""
    from protect.engine.report import render_markdown, render_text
    from protect.service.assessments import assess_all

    situations, many = _load(file)
    results = assess_all(situations)
    if fmt is Format.json:
        docs = [r.model_dump(mode="json") for r in results]
        emit_json(docs if many else docs[0])
        return
    render = render_markdown if fmt is Format.markdown else render_text
    sys.stdout.write(("\n" + "-" * 78 + "\n\n").join(render(r) for r in results))


def validate_cmd(
    file: Path = typer.Argument(..., help="A situation file (YAML or JSON; '-' for stdin)."),
) -> None:
    """Check a situation file against the assessment contract without assessing it."""
    situations, _ = _load(file)
    n = len(situations)
    sys.stdout.write(f"{file}: {n} situation{'s' if n != 1 else ''} valid\n")


def _entries(kind: KbKind) -> dict[str, Any]:
    """The entries the API's /kb routes read (`service.knowledge`), by id."""
    from protect.service import knowledge

    return knowledge.entries(kind.value)


def kb_list(
    kind: KbKind | None = typer.Argument(None, help="Which part; all parts when omitted."),
    fmt: Format = typer.Option(Format.text, "--format", "-f"),
) -> None:
    """List the knowledge base: instruments, crimes, pillars, perspectives, tiers, actors,
    measures, tensions."""
    kinds = [kind] if kind else list(KbKind)
    if fmt is Format.json:
        emit_json({k.value: sorted(_entries(k)) for k in kinds})
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for k in kinds:
        table = Table(title=k.value, title_justify="left", show_lines=False)
        table.add_column("id", style="bold")
        table.add_column("title")
        table.add_column("details")
        for key, item in sorted(_entries(k).items()):
            details = ""
            if k == "instruments":
                details = f"adopted {item.adopted}" + (
                    f", in force {item.in_force}" if item.in_force else ""
                )
            elif k == "measures":
                details = f"{item.phase}, {item.norm}; {', '.join(item.actors)}"
            elif k == "crimes":
                details = "needs armed conflict" if item.armed_conflict_required else ""
            table.add_row(key, getattr(item, "title", ""), details)
        console.print(table)


def kb_show(
    entry_id: str = typer.Argument(..., metavar="ID", help="An id (e.g. icc-referral, genocide)."),
    fmt: Format = typer.Option(Format.text, "--format", "-f"),
) -> None:
    """Show one knowledge-base entry in full, with its sources."""
    matches = [(k, _entries(k)[entry_id]) for k in KbKind if entry_id in _entries(k)]
    if not matches:
        fail(f"ID: no knowledge-base entry has the id {entry_id!r} (see `protect kb list`)")
    if fmt is Format.json:
        emit_json({k.value: item.model_dump(mode="json") for k, item in matches})
        return
    import yaml

    for k, item in matches:
        sys.stdout.write(f"# {k.value}: {entry_id}\n")
        sys.stdout.write(
            yaml.safe_dump(
                item.model_dump(mode="json"), sort_keys=False, allow_unicode=True, width=98
            )
        )


def demo_cmd(
    month: str = typer.Option("2017-09", help="The month whose alerts the demo lists."),
) -> None:
    """The main job on the embedded defaults: assess the bundled historical situations, ingest the
    bundled UCDP GED sample into DuckDB and list its alerts, save an assessment to the SQLite
    store with its audit entry, and store the latest risk forecast (issued from the sources when
    at hand, else the bundled forecasts of record; all in PROTECT_HOME)."""
    from rich.console import Console

    from protect import config
    from protect.engine.assess import assess
    from protect.engine.documents import load_situations
    from protect.engine.report import render_text

    console = Console()
    console.rule("[bold]1. Assessments of the bundled historical situations")
    files = sorted(EXAMPLES_DIR.glob("*.yaml"))
    first_doc: dict[str, Any] = {}
    for i, path in enumerate(files):
        (situation,), _ = load_situations(path.read_text(encoding="utf-8"))
        result = assess(situation)
        if i == 0:
            sys.stdout.write(render_text(result))
            first_doc = situation.model_dump(mode="json", exclude_none=True)
            console.print()
        else:
            open_ = sum(m.available for m in result.measures)
            console.print(
                f"[bold]{situation.name}[/]: stage {result.stage}, pillars "
                f"{result.norms.r2p.pillars or '-'}, {open_} measure entries open, "
                f"tensions {[t.id for t in result.tensions] or '-'}"
            )
    console.print(f"Assessed {len(files)} bundled situations from {EXAMPLES_DIR}.")

    from protect.monitor import api as monitor

    console.rule("[bold]2. Monitor: the bundled UCDP GED sample in DuckDB")
    report = monitor.ingest("ucdp", monitor.sample_path(), release=monitor.SAMPLE_RELEASE)
    console.print(
        f"{config.events_db_path()}: {report.status}, {report.rows_loaded} events of "
        f"{', '.join(report.countries)} ({report.first_month} to {report.last_month}), "
        f"{report.rows_skipped} rows skipped"
    )
    ranked = monitor.alerts(month)
    console.print(f"Alerts for {month}: {len(ranked)}")
    for a in ranked[:5]:
        console.print(f"  {a.rank}. {a.country} [bold]{a.level}[/]: {a.description}")

    from protect.service import assessments, audit
    from protect.service.roles import local_operator
    from protect.storage.database import Database

    console.rule("[bold]3. Store: a saved assessment and its audit entry in SQLite")
    db = Database()
    db.ensure_ready()
    operator = local_operator()
    saved = assessments.save(db, operator, first_doc)
    log = audit.entries(db, operator, limit=1)
    console.print(
        f"{db.describe()}: saved {saved.name!r} as assessment {saved.id} (case "
        f"{saved.case}, version {saved.version}, stage {saved.stage})"
    )
    latest = log.items[0]
    console.print(
        f"Audit log: {log.total} entries; latest {latest.at:%Y-%m-%d %H:%M} "
        f"{latest.actor} {latest.action} {latest.target} (rules {latest.rules_version})"
    )

    from protect.service import ServiceError
    from protect.service.risk import latest_or_record
    from protect.storage import DatabaseUnavailableError

    console.rule("[bold]4. Risk forecast: the latest year's forecast in the store")
    try:
        with console.status("Risk forecast") as status:
            served = latest_or_record(db, operator, progress=status.update)
    except (ServiceError, DatabaseUnavailableError, ValueError) as exc:  # unreadable sources
        console.print(f"No forecast: {getattr(exc, 'message', exc)}")
    else:
        f = served.forecast
        when = "computed now," if served.origin == "computed now" else f"{served.origin}, computed"
        console.print(
            f"Forecast for {f.year} ({when} {f.computed_at:%Y-%m-%d %H:%M} UTC by {f.model}, "
            f"forecast hash {f.forecast_hash[:12]}), top 5 of {len(f.rows)}:"
        )
        for r in f.rows[:5]:
            console.print(f"  {r.rank}. {r.name} ({r.country}): {r.risk * 100:.1f}%")
        if f.note:
            console.print(f.note)
    console.print(
        "\nNext: protect assess FILE --format json | protect monitor MMR --from 2017-01 "
        "--to 2017-12 | protect risk forecast | protect serve"
    )


def register(app: typer.Typer) -> None:
    app.command("assess")(assess_cmd)
    app.command("validate")(validate_cmd)
    app.command("demo")(demo_cmd)
    kb_app = typer.Typer(help="Browse the knowledge base.", no_args_is_help=True)
    kb_app.command("list")(kb_list)
    kb_app.command("show")(kb_show)
    app.add_typer(kb_app, name="kb")
