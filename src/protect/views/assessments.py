"""Saved assessments: the list and one version with its history and notes. They need a
signed-in reader (viewer or above): the Bearer token's user, or the session cookie's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query

from protect.service import assessments
from protect.service.http import DB, Reader
from protect.service.schemas import (
    AnnotationOut,
    AssessmentPage,
    AssessmentRecord,
    AssessmentSummary,
)
from protect.views.base import AssessmentId, CountryQuery, Limit, Offset, Table, View


def load_list(
    db: DB,
    reader: Reader,
    country: CountryQuery = None,
    case: Annotated[str | None, Query(pattern=r"^[0-9a-f-]{36}$")] = None,
    all_versions: bool = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AssessmentPage:
    """Saved assessments, newest first: the latest version of each case unless `all_versions`."""
    return assessments.list_assessments(
        db,
        reader,
        country=country,
        case=case,
        all_versions=all_versions,
        limit=limit,
        offset=offset,
    )


def _summary_row(a: AssessmentSummary) -> dict[str, Any]:
    return a.model_dump(mode="json")


ASSESSMENTS = View(
    name="assessments",
    path="/assessments",
    load=load_list,
    response_model=AssessmentPage,
    template="assessments.html",
    context=lambda page: {"page": page},
    tables=(Table("assessments", lambda page: [_summary_row(a) for a in page.items]),),
    access="viewer",
    errors=(422, 503),
    tags=("assessments",),
)


@dataclass(frozen=True)
class AssessmentDetail:
    """One saved version, and what its page shows beside it: every version of its case and its
    notes, read only when the page or a CSV asks (the JSON twin answers the record alone)."""

    record: AssessmentRecord
    versions: Callable[[], list[AssessmentSummary]]
    notes: Callable[[], list[AnnotationOut]]


def load_one(db: DB, reader: Reader, assessment_id: AssessmentId) -> AssessmentDetail:
    """One saved version: facts, document, rules version, author."""
    return AssessmentDetail(
        record=assessments.get(db, reader, assessment_id),
        versions=lambda: assessments.history(db, reader, assessment_id),
        notes=lambda: assessments.list_annotations(db, reader, assessment_id),
    )


ASSESSMENT = View(
    name="assessment",
    path="/assessments/{assessment_id}",
    load=load_one,
    response_model=AssessmentRecord,
    json=lambda d: d.record,
    template="assessment.html",
    context=lambda d: {
        "record": d.record,
        "doc": d.record.assessment,
        "versions": d.versions(),
        "notes": d.notes(),
    },
    tables=(
        Table(
            "versions", lambda d: [_summary_row(v) for v in d.versions()], "versions of the case"
        ),
        Table("measures", lambda d: list(d.record.assessment.get("measures", [])), "measures"),
        Table("notes", lambda d: [n.model_dump(mode="json") for n in d.notes()], "notes"),
    ),
    access="viewer",
    tags=("assessments",),
)

VIEWS = (ASSESSMENTS, ASSESSMENT)
