"""Saved assessments: the list, one version with its history and notes, the history of a case
and two versions compared. They need a signed-in reader (viewer or above): the Bearer token's
user, or the session cookie's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Query

from protect.service import assessments, audit
from protect.service.errors import NotFoundError
from protect.service.http import DB, Reader
from protect.service.schemas import (
    AnnotationOut,
    AssessmentDiff,
    AssessmentPage,
    AssessmentRecord,
    AssessmentSummary,
)
from protect.views.base import MAX_ID, AssessmentId, CountryQuery, Limit, Offset, Table, View


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
        "rules_now": audit.rules_version(),  # whether re-assessing would apply other rules
        "note_error": "",
        "note_text": "",
        "json_url": f"/api/v1/assessments/{d.record.id}",
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


def load_history(db: DB, reader: Reader, assessment_id: AssessmentId) -> list[AssessmentSummary]:
    """Every version of the case this assessment belongs to, oldest first."""
    return assessments.history(db, reader, assessment_id)


def _history_context(versions: list[AssessmentSummary]) -> dict[str, Any]:
    first = versions[0]
    return {
        "versions": versions,
        "first": first,
        "json_url": f"/api/v1/assessments/{versions[-1].id}/history",
    }


HISTORY = View(
    name="history",
    path="/assessments/{assessment_id}/history",
    load=load_history,
    response_model=list[AssessmentSummary],
    template="history.html",
    context=_history_context,
    tables=(
        Table("history", lambda vs: [_summary_row(v) for v in vs], "the versions of the case"),
    ),
    access="viewer",
    errors=(404, 422, 503),
    tags=("assessments",),
)


@dataclass(frozen=True)
class Compared:
    """Two versions of a case and the changes between them."""

    diff: AssessmentDiff
    before: AssessmentRecord
    after: AssessmentRecord
    versions: list[AssessmentSummary]


def load_diff(
    db: DB,
    reader: Reader,
    assessment_id: AssessmentId,
    against: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="version to compare with")
    ] = None,
    from_: Annotated[
        int | None,
        Query(alias="from", ge=1, le=MAX_ID, description="the earlier version (as `against`)"),
    ] = None,
    to: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="the later version (default: this one's)"),
    ] = None,
) -> Compared:
    """What changed from another version of the case (default: the previous one) to this one,
    or from version `from` to version `to` of the case."""
    versions = assessments.history(db, reader, assessment_id)
    by_version = {v.version: v for v in versions}
    this = next(v for v in versions if v.id == assessment_id)
    later = to if to is not None else this.version
    if later not in by_version:
        raise NotFoundError(f"to: the case has no version {later} (it has 1 to {len(versions)})")
    earlier = from_ if from_ is not None else against
    found = assessments.diff(db, reader, by_version[later].id, earlier)
    return Compared(
        diff=found,
        before=assessments.get(db, reader, found.from_id),
        after=assessments.get(db, reader, found.to_id),
        versions=versions,
    )


def _diff_context(c: Compared) -> dict[str, Any]:
    facts = [x for x in c.diff.changes if x.path.startswith("situation.")]
    return {
        "found": c.diff,
        "before": c.before,
        "after": c.after,
        "versions": c.versions,
        "facts": facts,
        "rest": [x for x in c.diff.changes if not x.path.startswith("situation.")],
        "json_url": f"/api/v1/assessments/{c.diff.to_id}/diff?against={c.diff.from_version}",
    }


DIFF = View(
    name="diff",
    path="/assessments/{assessment_id}/diff",
    load=load_diff,
    response_model=AssessmentDiff,
    json=lambda c: c.diff,
    template="diff.html",
    context=_diff_context,
    tables=(
        Table(
            "changes",
            lambda c: [
                {
                    "from_version": c.diff.from_version,
                    "to_version": c.diff.to_version,
                    **x.model_dump(),
                }
                for x in c.diff.changes
            ],
            "what changed",
        ),
    ),
    access="viewer",
    errors=(404, 422, 503),
    tags=("assessments",),
)


VIEWS = (ASSESSMENTS, ASSESSMENT, HISTORY, DIFF)
