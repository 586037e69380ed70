"""Framework of Analysis assessments: the list, one assessment (a version of it) and a
country's history. Signed-in readers only; the forms that change an assessment post to the
pages in `web/foa_pages.py` and to /api/v1/foa."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query
from markupsafe import Markup
from pydantic import BaseModel

from protect.knowledge.foa import RATINGS, framework
from protect.service import foa
from protect.service.foa import FoaPage, FoaRecord, FoaSummary, Status, VersionSummary
from protect.service.foa_report import column, ratings_svg
from protect.service.http import DB, Reader
from protect.views.base import MAX_ID, CountryPath, CountryQuery, Limit, Offset, Table, View

FoaId = Annotated[int, Path(ge=1, le=MAX_ID, description="id of a Framework assessment")]
Version = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a version; default latest")]
StatusQuery = Annotated[Status | None, Query(alias="status")]


def _summary_row(a: FoaSummary) -> dict[str, Any]:
    row = a.model_dump(mode="json", exclude={"ratings"})
    return {**row, **{f"factor {k}": v for k, v in a.ratings.items()}}


class FoaListing(BaseModel):
    country: str | None
    page: FoaPage


def load_list(
    db: DB,
    reader: Reader,
    country: CountryQuery = None,
    status: StatusQuery = None,
    limit: Limit = 200,
    offset: Offset = 0,
) -> FoaListing:
    """Assessments in their latest version, newest first."""
    page = foa.list_assessments(
        db, reader, country=country, status=status, limit=limit, offset=offset
    )
    return FoaListing(country=country, page=page)


def list_context(listing: FoaListing) -> dict[str, Any]:
    """The list page's context; the create form's refusal renders it too, with its errors."""
    return {"page": listing.page, "errors": {}, "form": {}, "country": listing.country}


FOA_LIST = View(
    name="foa_list",
    path="/foa",
    load=load_list,
    response_model=FoaPage,
    json=lambda listing: listing.page,
    template="foa_list.html",
    context=list_context,
    tables=(Table("assessments", lambda listing: [_summary_row(a) for a in listing.page.items]),),
    access="viewer",
    errors=(422, 503),
    tags=("framework of analysis",),
)


@dataclass(frozen=True)
class FoaDetail:
    """One assessment as its page shows it: the record, what the reader may do with it now,
    and its versions (read only when the page or a CSV asks; the JSON twin is the record)."""

    record: FoaRecord
    editable: bool
    can_review: bool
    submitter: str | None
    versions: Callable[[], list[VersionSummary]]


def load_one(db: DB, reader: Reader, foa_id: FoaId, version: Version = None) -> FoaDetail:
    """One assessment (a given version, default the latest): ratings, evidence, conclusion."""
    record = foa.get(db, reader, foa_id, version)
    analyst = reader is not None and reader.can("analyst")
    return FoaDetail(
        record=record,
        editable=record.status in ("draft", "returned") and analyst,
        can_review=record.status == "submitted"
        and analyst
        and reader is not None
        and record.updated_by != reader.name,
        submitter=next((c.by for c in reversed(record.comments) if c.action == "submit"), None),
        versions=lambda: foa.versions(db, reader, foa_id),
    )


def one_context(d: FoaDetail) -> dict[str, Any]:
    """The assessment page's context; a refused form renders it too, with its errors."""
    record = d.record
    chart = ratings_svg(
        [column(record)],
        title=f"{record.country} {record.date}, version {record.version}: ratings of the 14 "
        "risk factors",
    )
    return {
        "r": record,
        "fw": framework(),
        "ratings": RATINGS,
        "chart": Markup(chart),  # built from escaped text by ratings_svg
        "versions": d.versions(),
        "editable": d.editable,
        "can_review": d.can_review,
        "submitter": d.submitter,
        "errors": {},
        "form": {},
    }


def _factor_rows(d: FoaDetail) -> list[dict[str, Any]]:
    return [
        {"assessment": d.record.id, "version": d.record.version, **f.model_dump(mode="json")}
        for f in d.record.factors
    ]


FOA_ONE = View(
    name="foa",
    path="/foa/{foa_id}",
    load=load_one,
    response_model=FoaRecord,
    json=lambda d: d.record,
    template="foa.html",
    context=one_context,
    tables=(
        Table("factors", _factor_rows, "the risk factors"),
        Table("versions", lambda d: [v.model_dump(mode="json") for v in d.versions()], "versions"),
    ),
    access="viewer",
    tags=("framework of analysis",),
)


@dataclass(frozen=True)
class FoaHistory:
    """A country's assessments; the full records (for the page's chart) are read only when the
    page asks, so the JSON twin reads the list alone."""

    country: str
    rows: list[FoaSummary]
    records: Callable[[], list[FoaRecord]]


def load_history(db: DB, reader: Reader, country: CountryPath) -> FoaHistory:
    """A country's assessments over time, by date."""
    rows = foa.history(db, reader, country)
    return FoaHistory(
        country=country,
        rows=rows,
        records=lambda: [foa.get(db, reader, r.id) for r in rows],
    )


def _history_context(h: FoaHistory) -> dict[str, Any]:
    chart = ratings_svg(
        [column(r, f"{r.date} #{r.id}") for r in h.records()],
        title=f"{h.country}: ratings of the 14 risk factors in each assessment, by date",
        element_id="foa-history-chart",
    )
    return {"country": h.country, "rows": h.rows, "chart": Markup(chart)}


FOA_HISTORY = View(
    name="foa_history",
    path="/foa/history/{country}",
    load=load_history,
    response_model=list[FoaSummary],
    json=lambda h: h.rows,
    template="foa_history.html",
    context=_history_context,
    tables=(Table("assessments", lambda h: [_summary_row(a) for a in h.rows]),),
    access="viewer",
    errors=(422, 503),
    tags=("framework of analysis",),
)

VIEWS = (FOA_LIST, FOA_HISTORY, FOA_ONE)
