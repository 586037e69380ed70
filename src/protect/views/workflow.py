"""The saved assessments, their history and diffs, the audit log, the users and the signed-in
user: each read by one view, the page and its JSON twin alike. They need a signed-in user (the
Bearer token, or the pages' session cookie); the service checks the role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Path, Query

from protect.service import assessments, audit, users
from protect.service.errors import NotFoundError
from protect.service.http import DB, Reader
from protect.service.roles import require
from protect.service.schemas import (
    AnnotationOut,
    AssessmentDiff,
    AssessmentPage,
    AssessmentRecord,
    AssessmentSummary,
    AuditPage,
    AuditVerification,
    UserOut,
)
from protect.views.base import Table, View

MAX_ID = 2**31 - 1
AssessmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="id of one saved version")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Label = Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9._:@-]+$")]
Version = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a version of the case")]


# ---- saved assessments ----------------------------------------------------------------------


def load_assessments(
    db: DB,
    reader: Reader,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3}$")] = None,
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


ASSESSMENTS = View(
    name="assessments",
    path="/assessments",
    load=load_assessments,
    response_model=AssessmentPage,
    template="assessments.html",
    context=lambda page: {"page": page, "json_url": "/api/v1/assessments"},
    tables=(
        Table("assessments", lambda p: [i.model_dump() for i in p.items], "saved assessments"),
    ),
    access="viewer",
    errors=(404, 422, 503),
    tags=("assessments",),
)


@dataclass(frozen=True)
class Saved:
    """One saved version, and what its page shows beside it: the case's versions and the notes,
    read only when the page or a CSV asks (the JSON twin answers the record alone)."""

    record: AssessmentRecord
    versions: Callable[[], list[AssessmentSummary]]
    notes: Callable[[], list[AnnotationOut]]


def load_assessment(db: DB, reader: Reader, assessment_id: AssessmentId) -> Saved:
    """One saved version: facts, document, rules version, author."""
    return Saved(
        record=assessments.get(db, reader, assessment_id),
        versions=lambda: assessments.history(db, reader, assessment_id),
        notes=lambda: assessments.list_annotations(db, reader, assessment_id),
    )


def _assessment_context(saved: Saved) -> dict[str, Any]:
    return {
        "record": saved.record,
        "doc": saved.record.assessment,
        "versions": saved.versions(),
        "notes": saved.notes(),
        "rules_now": audit.rules_version(),
        "note_error": "",
        "note_text": "",
        "json_url": f"/api/v1/assessments/{saved.record.id}",
    }


def _history_rows(versions: list[AssessmentSummary]) -> list[dict[str, Any]]:
    return [v.model_dump() for v in versions]


ASSESSMENT = View(
    name="assessment",
    path="/assessments/{assessment_id}",
    load=load_assessment,
    response_model=AssessmentRecord,
    json=lambda saved: saved.record,
    template="assessment.html",
    context=_assessment_context,
    tables=(
        Table("measures", lambda s: list(s.record.assessment.get("measures", [])), "measures"),
        Table("history", lambda s: _history_rows(s.versions()), "the versions of the case"),
        Table("annotations", lambda s: [n.model_dump() for n in s.notes()], "annotations"),
    ),
    access="viewer",
    errors=(404, 422, 503),
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
    tables=(Table("history", _history_rows, "the versions of the case"),),
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


# ---- the audit log --------------------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    """A page of the audit log; the page also shows the chain's verification, which walks the
    whole log, so it is computed only when the page asks (`verify`), never for the JSON twin."""

    page: AuditPage
    actor: str | None
    action: str | None
    verify: Callable[[], AuditVerification]


def load_audit(
    db: DB,
    reader: Reader,
    actor: Label = None,
    action: Label = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> Log:
    """The append-only log of every write, newest first (any authenticated user)."""
    page = audit.entries(db, reader, actor=actor, action=action, limit=limit, offset=offset)
    return Log(page, actor, action, lambda: audit.verify(db, reader))


def _audit_context(log: Log) -> dict[str, Any]:
    from urllib.parse import urlencode

    page = log.page
    query = {k: v for k, v in (("actor", log.actor), ("action", log.action)) if v}

    def link(at: int) -> str:
        return "/audit?" + urlencode({**query, "limit": str(page.limit), "offset": str(at)})

    return {
        "page": page,
        "check": log.verify(),
        "actor": log.actor or "",
        "action": log.action or "",
        "newer": link(max(0, page.offset - page.limit)) if page.offset > 0 else None,
        "older": link(page.offset + page.limit) if page.offset + page.limit < page.total else None,
        "json_url": "/api/v1/audit" + ("?" + urlencode(query) if query else ""),
    }


AUDIT = View(
    name="audit",
    path="/audit",
    load=load_audit,
    response_model=AuditPage,
    json=lambda log: log.page,
    template="audit.html",
    context=_audit_context,
    tables=(
        Table(
            "entries",
            lambda log: [e.model_dump() for e in log.page.items],
            "the entries shown",
        ),
    ),
    access="viewer",
    errors=(422, 503),
    tags=("audit",),
)


# ---- users ----------------------------------------------------------------------------------


def load_users(db: DB, reader: Reader) -> list[UserOut]:
    """Every user, active and revoked (admin)."""
    return users.list_users(db, reader)


def users_context(everyone: list[UserOut]) -> dict[str, Any]:
    from protect.service.roles import ROLES

    return {
        "everyone": everyone,
        "roles": ROLES,
        "new_token": None,
        "message": "",
        "json_url": "/api/v1/users",
    }


USERS = View(
    name="users",
    path="/users",
    load=load_users,
    response_model=list[UserOut],
    template="users.html",
    context=users_context,
    tables=(Table("users", lambda us: [u.model_dump() for u in us], "users"),),
    access="admin",
    errors=(403, 503),
    tags=("users",),
)


def load_me(db: DB, reader: Reader) -> UserOut:
    """The user the token (or the session) belongs to."""
    return users.get_user(db, require(reader, "viewer").name)


ME = View(
    name="me",
    path="/me",
    load=load_me,
    response_model=UserOut,
    template="me.html",
    context=lambda me: {"me": me, "new_token": None, "json_url": "/api/v1/me"},
    access="viewer",
    errors=(503,),
    tags=("users",),
)

VIEWS = (ASSESSMENTS, ASSESSMENT, HISTORY, DIFF, AUDIT, USERS, ME)
