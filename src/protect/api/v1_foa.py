"""REST routes for Framework of Analysis assessments: thin adapters over `protect.service.foa`.

Reading needs a viewer's token, writing an analyst's; a review must come from someone other than
the submitter (the service says 403 otherwise). The JSON mirrors `protect foa ... --format json`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Path, Query, status
from fastapi.responses import Response

from protect.api.deps import DB, Caller
from protect.service import foa
from protect.service.foa import (
    FoaDiff,
    FoaRecord,
    NewFoaIn,
    RateIn,
    ReviewIn,
    SubmitIn,
    VersionSummary,
)

router = APIRouter(prefix="/api/v1/foa", tags=["framework of analysis"])

MAX_ID = 2**31 - 1
FoaId = Annotated[int, Path(ge=1, le=MAX_ID, description="id of a Framework assessment")]
Version = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a version; default latest")]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid token"},
    403: {"description": "the token's role does not allow this, or the reviewer submitted it"},
    404: {"description": "no such assessment or version"},
    409: {"description": "the assessment's status does not allow this change"},
    413: {"description": "request body too large"},
    429: {"description": "too many failed attempts with this token; see Retry-After"},
    503: {"description": "database unavailable"},
}


def _only(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: _ERRORS[code] for code in (*codes, 429)}


@router.get("/framework")
def framework_data() -> dict[str, Any]:
    """The 14 risk factors with their indicators, citations and linked measures (open to all)."""
    from protect.knowledge.foa import framework

    fw = framework()
    return {
        "instrument": fw.instrument,
        "pages_confidence": fw.pages_confidence,
        "factors": [f.model_dump(mode="json") for f in fw.factors],
    }


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=FoaRecord,
    responses=_only(401, 403, 413, 503),
)
def create(db: DB, caller: Caller, new: NewFoaIn) -> FoaRecord:
    """Create a draft assessment of a country at a date (analyst)."""
    return foa.create(db, caller, new)


@router.get(
    "/{foa_id}/versions", response_model=list[VersionSummary], responses=_only(401, 404, 503)
)
def versions(db: DB, caller: Caller, foa_id: FoaId) -> list[VersionSummary]:
    """Every version: who changed what (action) and the status after it."""
    return foa.versions(db, caller, foa_id)


@router.post(
    "/{foa_id}/ratings",
    response_model=FoaRecord,
    responses=_only(401, 403, 404, 409, 413, 503),
)
def rate(db: DB, caller: Caller, foa_id: FoaId, body: RateIn) -> FoaRecord:
    """Rate factors, or accept their suggestions (analyst); one new version."""
    return foa.rate(db, caller, foa_id, body)


@router.post(
    "/{foa_id}/suggest", response_model=FoaRecord, responses=_only(401, 403, 404, 409, 503)
)
def suggest(db: DB, caller: Caller, foa_id: FoaId) -> FoaRecord:
    """Attach machine-made suggestions from the monitor, risk data and engine (analyst)."""
    return foa.suggest(db, caller, foa_id)


@router.post(
    "/{foa_id}/submit", response_model=FoaRecord, responses=_only(401, 403, 404, 409, 413, 503)
)
def submit(
    db: DB, caller: Caller, foa_id: FoaId, body: Annotated[SubmitIn | None, Body()] = None
) -> FoaRecord:
    """Send a fully rated draft for review (analyst)."""
    return foa.submit(db, caller, foa_id, body)


@router.post(
    "/{foa_id}/review", response_model=FoaRecord, responses=_only(401, 403, 404, 409, 413, 503)
)
def review(db: DB, caller: Caller, foa_id: FoaId, body: ReviewIn) -> FoaRecord:
    """Approve or return with comments (an analyst other than the submitter)."""
    return foa.review(db, caller, foa_id, body)


@router.get("/{foa_id}/diff", response_model=FoaDiff, responses=_only(401, 404, 503))
def diff(
    db: DB,
    caller: Caller,
    foa_id: FoaId,
    against: Annotated[int, Query(ge=1, le=MAX_ID, description="the earlier assessment's id")],
    version: Version = None,
    against_version: Version = None,
) -> FoaDiff:
    """Factor by factor, from `against` (before) to this assessment (after)."""
    return foa.diff(db, caller, foa_id, against, version=version, against_version=against_version)


_MEDIA = {"pdf": "application/pdf", "markdown": "text/markdown; charset=utf-8"}


@router.get(
    "/{foa_id}/export",
    responses={
        200: {
            "description": "the assessment as PDF or Markdown",
            "content": {"application/pdf": {}, "text/markdown": {}},
        },
        **_only(401, 404, 503),
    },
)
def export(
    db: DB,
    caller: Caller,
    foa_id: FoaId,
    fmt: Annotated[Literal["pdf", "markdown"], Query(alias="format")] = "pdf",
    version: Version = None,
) -> Response:
    """The assessment as a PDF or as Markdown (the JSON is GET /api/v1/foa/{id})."""
    from protect.service import foa_report

    record = foa.get(db, caller, foa_id, version)
    body = foa_report.to_pdf(record) if fmt == "pdf" else foa_report.to_markdown(record).encode()
    name = f"foa-{foa_id}-v{record.version}.{'pdf' if fmt == 'pdf' else 'md'}"
    return Response(
        body,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


__all__ = ["router"]
