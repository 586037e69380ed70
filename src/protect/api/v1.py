"""The REST API, version 1: thin routes over `protect.service`; JSON mirrors the CLI's JSON.

The routes that read saved assessments, their history and diffs, the audit log and users are
views (`protect.views.assessments`, `protect.views.admin`), registered with their pages by
`api/views.py`; the writes are here."""

from __future__ import annotations

import asyncio
import weakref
from typing import Annotated, Any

import anyio
import anyio.to_thread
from fastapi import APIRouter, Path, Query, status
from fastapi.responses import Response

from protect.api.deps import DB, Caller, OptionalSituation, Situations
from protect.service import assessments, audit, users
from protect.service.http import Reader
from protect.service.schemas import (
    AnnotationIn,
    AnnotationOut,
    AssessmentRecord,
    AuditVerification,
    Health,
    NewUser,
    NewUserIn,
    UserOut,
)

router = APIRouter(prefix="/api/v1")

MAX_ID = 2**31 - 1
AssessmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="id of one saved version")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Label = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")]

_SITUATIONS = {"$ref": "#/components/schemas/Situation"}
_ASSESSMENT = {"$ref": "#/components/schemas/Assessment"}


def _body(description: str, required: bool = True) -> dict[str, Any]:
    return {
        "requestBody": {
            "required": required,
            "description": description,
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [_SITUATIONS, {"type": "array", "items": _SITUATIONS}],
                    }
                }
            },
        }
    }


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "no valid token"},
    403: {"description": "the token's role does not allow this"},
    404: {"description": "not found"},
    413: {"description": "request body too large, or too many situations in one request"},
    429: {
        "description": "too many failed attempts with this token, or the user's daily storage "
        "allowance is used up; see Retry-After"
    },
    503: {"description": "database unavailable"},
}


def _only(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers; a route that checks a token may also answer 429."""
    with_429 = (*codes, 429) if 401 in codes else codes
    return {code: _ERRORS[code] for code in with_429}


@router.get("/health", response_model=Health, tags=["service"], responses=_only(503))
def health(db: DB) -> Health:
    """Whether the service can reach its database."""
    from sqlalchemy import text

    with db.reading() as session:
        session.execute(text("SELECT 1"))
    return Health(status="ok", database=db.backend, rules_version=audit.rules_version())


@router.post(
    "/assess",
    tags=["assess"],
    response_model=None,
    openapi_extra=_body("one situation, or a list of situations"),
    responses={
        200: {
            "description": "the assessment (or a list, for a list of situations)",
            "content": {
                "application/json": {
                    "schema": {"anyOf": [_ASSESSMENT, {"type": "array", "items": _ASSESSMENT}]}
                }
            },
        },
        **_only(413),
    },
)
async def assess(payload: Situations) -> Response:
    """Assess without saving; open to anonymous callers. Same JSON as `protect assess`."""
    # A fraction of a millisecond per situation once the rules for its facts have run, more the
    # first time, and a list takes longer: in a worker thread, so the event loop keeps answering
    # meanwhile. Two threads at most: the work holds the GIL, so more threads add no throughput,
    # only more contenders that keep the event loop waiting for the interpreter.
    document = await anyio.to_thread.run_sync(
        assessments.assess_payload_json, payload, limiter=_assessing()
    )
    return Response(document, media_type="application/json")


_LIMITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)


def _assessing() -> anyio.CapacityLimiter:
    """The limiter of the running event loop (a limiter waits on its loop; tests run several)."""
    loop = asyncio.get_running_loop()
    limiter = _LIMITERS.get(loop)
    if limiter is None:
        limiter = _LIMITERS[loop] = anyio.CapacityLimiter(2)
    return limiter


@router.post(
    "/assessments",
    tags=["assessments"],
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRecord | list[AssessmentRecord],
    openapi_extra=_body("one situation, or a list of situations, each saved as a new case"),
    responses=_only(401, 403, 413, 503),
)
def save_assessment(
    db: DB, caller: Caller, payload: Situations
) -> AssessmentRecord | list[AssessmentRecord]:
    """Assess and save (analyst or admin); each situation becomes version 1 of a new case."""
    saved: AssessmentRecord | list[AssessmentRecord] = assessments.save(db, caller, payload)
    return saved


@router.post(
    "/assessments/{assessment_id}/reassess",
    tags=["assessments"],
    status_code=status.HTTP_201_CREATED,
    response_model=AssessmentRecord,
    openapi_extra={
        "requestBody": {
            "required": False,
            "description": "new facts; without a body the saved facts are assessed again",
            "content": {"application/json": {"schema": _SITUATIONS}},
        }
    },
    responses=_only(401, 403, 404, 413, 503),
)
def reassess(
    db: DB,
    caller: Caller,
    assessment_id: AssessmentId,
    payload: OptionalSituation,
) -> AssessmentRecord:
    """Save the next version of this case; the earlier versions stay as they were."""
    return assessments.reassess(db, caller, assessment_id, payload)


@router.get(
    "/assessments/{assessment_id}/annotations",
    tags=["assessments"],
    response_model=list[AnnotationOut],
    responses=_only(401, 404, 503),
)
def list_annotations(db: DB, reader: Reader, assessment_id: AssessmentId) -> list[AnnotationOut]:
    """The notes on one saved version, oldest first (token, or the pages' session)."""
    return assessments.list_annotations(db, reader, assessment_id)


@router.post(
    "/assessments/{assessment_id}/annotations",
    tags=["assessments"],
    status_code=status.HTTP_201_CREATED,
    response_model=AnnotationOut,
    responses=_only(401, 403, 404, 413, 503),
)
def annotate(
    db: DB, caller: Caller, assessment_id: AssessmentId, note: AnnotationIn
) -> AnnotationOut:
    """Attach a note to one saved version (analyst or admin)."""
    return assessments.annotate(db, caller, assessment_id, note.text)


@router.get(
    "/audit/verify",
    tags=["audit"],
    response_model=AuditVerification,
    responses=_only(401, 503),
)
def audit_verify(db: DB, reader: Reader) -> AuditVerification:
    """Walk the audit chain: whether every entry still holds, and the first that does not."""
    return audit.verify(db, reader)


@router.post(
    "/users",
    tags=["users"],
    status_code=status.HTTP_201_CREATED,
    response_model=NewUser,
    responses={**_only(401, 403, 503), 409: {"description": "the name is taken"}},
)
def add_user(db: DB, caller: Caller, new: NewUserIn) -> NewUser:
    """Create a user (admin); the response holds its token, which is not shown again."""
    return users.add_user(db, caller, new.name, new.role)


@router.post(
    "/users/{name}/revoke",
    tags=["users"],
    response_model=UserOut,
    responses=_only(401, 403, 404, 503),
)
def revoke_user(
    db: DB,
    caller: Caller,
    name: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")],
) -> UserOut:
    """Revoke a user's token (admin); the user row stays, for the audit trail."""
    return users.revoke_user(db, caller, name)


_ROTATED = "the new token, shown this once; the old one stops working at once"


@router.post(
    "/users/{name}/token",
    tags=["users"],
    response_model=NewUser,
    responses={**_only(401, 403, 404, 503), 409: {"description": "the user is revoked"}},
    response_description=_ROTATED,
)
def rotate_token(
    db: DB,
    caller: Caller,
    name: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$")],
) -> NewUser:
    """Replace a user's token (admin, or the user themselves); the response holds the new
    token, which is not shown again. Name, role and history stay."""
    return users.rotate_token(db, caller, name)


@router.post(
    "/me/token",
    tags=["users"],
    response_model=NewUser,
    responses=_only(401, 503),
    response_description=_ROTATED,
)
def rotate_my_token(db: DB, caller: Caller) -> NewUser:
    """Replace the caller's own token; the response holds the new one."""
    from protect.service.roles import require

    return users.rotate_token(db, caller, require(caller, "viewer").name)


__all__ = ["router"]
