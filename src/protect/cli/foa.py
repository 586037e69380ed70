"""`protect foa`: structured atrocity-risk assessments with the UN Framework of Analysis (2014).

A thin adapter over `protect.service.foa`. The command line acts as the local operator (an
administrator, `local:<os user>` in the audit log, as for `protect users`), or, with `--as NAME`,
as an existing service user with that user's role: a review must come from someone other than
the analyst who submitted, and whoever can run this command can already write the database.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import typer

from protect.cli.output import emit_json, fail
from protect.knowledge.levels import AlertLevel

if TYPE_CHECKING:
    from protect.service.foa import FoaRecord
    from protect.service.roles import Principal
    from protect.storage import Database

T = TypeVar("T")

foa_app = typer.Typer(
    name="foa",
    help="Atrocity-risk assessments with the UN Framework of Analysis (2014): create, pre-fill "
    "from data, rate, submit, review, compare, export.",
    no_args_is_help=True,
)

AS_USER = typer.Option(
    None, "--as", help="Act as this service user (default: the local operator, an admin)."
)


class ShowFormat(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


class ExportFormat(StrEnum):
    pdf = "pdf"
    json = "json"
    markdown = "markdown"


class Rating(StrEnum):
    not_present = "not-present"
    low = "low"
    moderate = "moderate"
    high = "high"
    unknown = "unknown"


class Decision(StrEnum):
    approve = "approve"
    return_ = "return"


Category = Literal[AlertLevel, "none"]


def _run(as_user: str | None, call: Callable[[Database, Principal], T]) -> T:
    """Run a service call; errors end the command with one line per problem (exit 2), or exit 1
    when the database cannot be reached."""
    from protect.service import ServiceError
    from protect.service.roles import Principal, local_operator
    from protect.storage import Database, DatabaseUnavailableError

    db = Database()
    try:
        principal = local_operator()
        if as_user is not None:
            from protect.service import users

            user = users.get_user(db, as_user)
            if not user.active:
                fail(f"--as: user {as_user!r} is revoked")
            principal = Principal(name=user.name, role=user.role)
        return call(db, principal)
    except DatabaseUnavailableError as exc:
        fail(str(exc), code=1)
    except ServiceError as exc:
        fail(exc.message)
    finally:
        db.dispose()


def _print_record(record: FoaRecord) -> None:
    out = sys.stdout.write
    out(
        f"Framework assessment {record.id}: {record.country} as of {record.date}, version "
        f"{record.version}, {record.status} (created by {record.created_by}, last change by "
        f"{record.updated_by})\n"
    )
    c = record.conclusion
    out(f"Category: {c.category or 'none'}")
    out(f" (rules proposed {c.proposed or 'none'})\n" if c.override else "\n")
    for reason in c.reasons:
        out(f"  - {reason}\n")
    if record.situation_source:
        out(f"Situation facts: {record.situation_source}\n")
    out("\n")
    for f in record.factors:
        if f.rating:
            shown = f.rating + (
                " (accepted suggestion)" if f.origin == "accepted-suggestion" else ""
            )
        elif f.suggestion:
            shown = f"[suggested {f.suggestion.rating}: machine-made, data of {f.suggestion.as_of}]"
        else:
            shown = "not rated"
        out(f"{f.factor:>2}. {f.title}: {shown}\n")
    if c.measures:
        out(f"\n{c.measures_note}\n")
        for group in c.measures:
            names = ", ".join(
                f"{m.id}{'' if m.available else ' (not available)'}" for m in group.measures
            )
            out(f"  {group.actor}: {names}\n")
    for comment in record.comments:
        if comment.text:
            out(f"\n{comment.action} by {comment.by}: {comment.text}")
    if record.comments:
        out("\n")


def _emit(record: FoaRecord, fmt: ShowFormat) -> None:
    if fmt is ShowFormat.json:
        emit_json(record.model_dump(mode="json"))
    elif fmt is ShowFormat.markdown:
        from protect.service.foa_report import to_markdown

        sys.stdout.write(to_markdown(record))
    else:
        _print_record(record)


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"date: {value!r} is not a date written YYYY-MM-DD")


@foa_app.command("new")
def new(
    country: str = typer.Argument(..., help="ISO 3166-1 alpha-3 code, e.g. MMR."),
    date: str = typer.Argument(..., help="The date assessed, YYYY-MM-DD."),
    situation: Path | None = typer.Option(
        None, "--situation", help="Facts as a situation file (YAML or JSON), for the measures."
    ),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """Create a draft assessment with every factor unrated."""
    from protect.service import foa

    payload: dict[str, Any] = {"country": country, "date": _date(date).isoformat()}
    if situation is not None:
        payload["situation"] = _read_situation(situation)
    _emit(_run(as_user, lambda db, p: foa.create(db, p, payload)), fmt)


def _read_situation(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"--situation: cannot read {path}: {exc.strerror}")
    try:
        return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        fail(f"--situation: {path} is not valid YAML or JSON: {str(exc).splitlines()[0]}")


@foa_app.command("show")
def show(
    assessment_id: int = typer.Argument(..., min=1, help="The assessment's id."),
    version: int | None = typer.Option(None, "--version", min=1, help="An earlier version."),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """Show an assessment: ratings, suggestions, conclusion and measures."""
    from protect.service import foa

    _emit(_run(as_user, lambda db, p: foa.get(db, p, assessment_id, version)), fmt)


def _evidence(items: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, item in enumerate(items):
        parts = [p.strip() for p in item.split("|")]
        if len(parts) not in (3, 4):
            fail(f"--evidence {i + 1}: write 'what|source|date' or 'what|source|date|link'")
        out.append(
            {
                "what": parts[0],
                "source": parts[1],
                "date": parts[2],
                "link": parts[3] if len(parts) == 4 else None,
            }
        )
    return out


@foa_app.command("rate")
def rate(
    assessment_id: int = typer.Argument(..., min=1),
    factors: str = typer.Argument(
        ..., help="A factor 1-14, several as 4,5,12, or 'all' (with --accept: every suggestion)."
    ),
    rating: Rating | None = typer.Argument(None, help="not-present, low, moderate, high, unknown"),
    reason: str = typer.Option("", "--reason", help="The analyst's reasoning."),
    evidence: list[str] = typer.Option(
        [], "--evidence", help="'what|source|date[|link]'; repeat for several items."
    ),
    accept: bool = typer.Option(False, "--accept", help="Accept the machine-made suggestion."),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """Rate factors (with reasoning and evidence), or accept their suggestions."""
    from protect.service import foa

    if accept and rating is not None:
        fail("give a rating or --accept, not both")
    if not accept and rating is None:
        fail("give a rating (not-present, low, moderate, high, unknown) or --accept")
    items = _evidence(evidence)

    def call(db: Database, p: Principal) -> FoaRecord:
        if factors.strip().lower() == "all":
            if not accept:
                fail("'all' works with --accept only: rate factors one by one or as a list")
            current = foa.get(db, p, assessment_id)
            numbers = [f.factor for f in current.factors if f.pending]
            if not numbers:
                fail("no pending suggestion to accept: run `protect foa suggest` first")
        else:
            try:
                numbers = [int(n) for n in factors.split(",") if n.strip()]
            except ValueError:
                fail(f"factors: {factors!r} is not a factor number, a list like 4,5 or 'all'")
        ratings = [
            {"factor": n, "accept": True}
            if accept
            else {
                "factor": n,
                "rating": rating.value if rating else None,
                "reasoning": reason,
                "evidence": items,
            }
            for n in numbers
        ]
        return foa.rate(db, p, assessment_id, {"ratings": ratings})

    _emit(_run(as_user, call), fmt)


@foa_app.command("suggest")
def suggest(
    assessment_id: int = typer.Argument(..., min=1),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """Pre-fill suggestions from the monitor's panel, the risk data and the engine."""
    from protect.service import foa

    _emit(_run(as_user, lambda db, p: foa.suggest(db, p, assessment_id)), fmt)


@foa_app.command("submit")
def submit(
    assessment_id: int = typer.Argument(..., min=1),
    note: str = typer.Option("", "--note", help="A note for the reviewer."),
    category: Category | None = typer.Option(
        None, "--category", help="Your category, when it differs from the rules' proposal."
    ),
    reason: str = typer.Option("", "--reason", help="Why (needed with --category)."),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """Send a fully rated draft for review."""
    from protect.service import foa

    body = {"note": note, "category": category, "reason": reason}
    _emit(_run(as_user, lambda db, p: foa.submit(db, p, assessment_id, body)), fmt)


@foa_app.command("review")
def review(
    assessment_id: int = typer.Argument(..., min=1),
    decision: Decision = typer.Argument(..., help="approve, or return (with --comment)."),
    comment: str = typer.Option("", "--comment", help="What to change (needed to return)."),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """Approve or return a submitted assessment (not its submitter)."""
    from protect.service import foa

    body = {"decision": decision.value, "comment": comment}
    _emit(_run(as_user, lambda db, p: foa.review(db, p, assessment_id, body)), fmt)


@foa_app.command("diff")
def diff(
    before: int = typer.Argument(..., min=1, help="The earlier assessment's id."),
    after: int = typer.Argument(..., min=1, help="The later one's id (the same id: versions)."),
    before_version: int | None = typer.Option(None, "--before-version", min=1),
    after_version: int | None = typer.Option(None, "--after-version", min=1),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """Compare two assessments (or two versions of one) factor by factor."""
    from protect.service import foa

    found = _run(
        as_user,
        lambda db, p: foa.diff(
            db, p, after, before, version=after_version, against_version=before_version
        ),
    )
    if fmt is ShowFormat.json:
        emit_json(found.model_dump(mode="json"))
        return
    b, a = found.before, found.after
    sys.stdout.write(
        f"From {b['id']} v{b['version']} ({b['country']} {b['date']}, {b['status']}) to "
        f"{a['id']} v{a['version']} ({a['country']} {a['date']}, {a['status']})\n"
        f"Category: {found.category_before or 'none'} -> {found.category_after or 'none'}\n"
    )
    for f in found.factors:
        mark = "  " if not f.changed else "* "
        what = f" ({', '.join(f.changed)} changed)" if f.changed else ""
        sys.stdout.write(f"{mark}{f.factor:>2}. {f.title}: {f.before} -> {f.after}{what}\n")


@foa_app.command("history")
def history(
    country: str = typer.Argument(..., help="ISO 3166-1 alpha-3 code."),
    fmt: ShowFormat = typer.Option(ShowFormat.text, "--format", "-f"),
    as_user: str | None = AS_USER,
) -> None:
    """A country's assessments over time, each in its latest version."""
    from protect.service import foa

    rows = _run(as_user, lambda db, p: foa.history(db, p, country))
    if fmt is ShowFormat.json:
        emit_json([r.model_dump(mode="json") for r in rows])
        return
    for r in rows:
        ratings = " ".join(f"{k}:{(v or '-')[:4]}" for k, v in r.ratings.items())
        sys.stdout.write(
            f"{r.id:>4} {r.date} v{r.version} {r.status:<9} {r.category or 'none':<15} {ratings}\n"
        )
    if not rows:
        sys.stdout.write(f"no Framework assessments of {country.upper()}\n")


@foa_app.command("export")
def export(
    assessment_id: int = typer.Argument(..., min=1),
    fmt: ExportFormat = typer.Option(ExportFormat.pdf, "--format", "-f"),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="File to write (default foa-ID.pdf|.json|.md; '-' = stdout)."
    ),
    version: int | None = typer.Option(None, "--version", min=1),
    as_user: str | None = AS_USER,
) -> None:
    """Export an assessment to PDF, JSON or Markdown."""
    from protect.service import foa, foa_report

    record = _run(as_user, lambda db, p: foa.get(db, p, assessment_id, version))
    if fmt is ExportFormat.pdf:
        data = foa_report.to_pdf(record)
    elif fmt is ExportFormat.json:
        data = (
            json.dumps(record.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
        ).encode()
    else:
        data = foa_report.to_markdown(record).encode()
    suffix = {"pdf": "pdf", "json": "json", "markdown": "md"}[fmt.value]
    target = out or Path(f"foa-{assessment_id}.{suffix}")
    if str(target) == "-":
        if fmt is ExportFormat.pdf and sys.stdout.isatty():
            fail("refusing to write a PDF to a terminal: give --out FILE")
        sys.stdout.buffer.write(data)
        return
    try:
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    except OSError as exc:
        fail(f"--out: cannot write {target}: {exc.strerror}")
    sys.stderr.write(f"wrote {target} ({len(data):,} bytes)\n")


def register(app: typer.Typer) -> None:
    """Add `protect foa` to the main app."""
    app.add_typer(foa_app)
