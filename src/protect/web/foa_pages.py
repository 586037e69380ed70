"""The forms of Framework of Analysis assessments: create, rate a factor, accept suggestions,
submit, review, and the export download. The pages that show assessments (the list, one
assessment with a form per risk factor, a country's history) are views (`protect.views.foa`);
a refused form renders its page again through the same view.

Each form calls the service function its /api/v1/foa twin calls. Forms post back here (the
session cookie identifies the user, as on every page) and carry the version they were loaded
at, so a change made meanwhile by someone else is refused instead of overwritten. Every form's
hidden fields come from one macro (`_foa_macros.html`, `hidden_fields`). No page runs script.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response

from protect.service import Principal, ServiceError, UnauthorizedError
from protect.service import foa as service
from protect.service.errors import InvalidInputError
from protect.service.http import DB
from protect.views.foa import list_context, load_list, load_one, one_context
from protect.web.common import Viewer, error_page, render

router = APIRouter(include_in_schema=False)

FoaId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_EVIDENCE = re.compile(r"^evidence-(\d{1,2})-(what|source|date|link)$")
MAX_EVIDENCE_ROWS = 50


def _failed(request: Request, user: Principal | None, exc: ServiceError) -> Response:
    if isinstance(exc, UnauthorizedError):
        return RedirectResponse("/login", status_code=303)
    return error_page(request, user, exc.status, exc.message)


def _page(
    request: Request,
    db: Any,
    user: Principal | None,
    foa_id: int,
    *,
    status: int = 200,
    errors: dict[str, list[str]] | None = None,
    form: dict[str, Any] | None = None,
) -> Response:
    """The assessment's page (the view `FOA_ONE`) again, with a refused form's problems."""
    try:
        detail = load_one(db, user, foa_id)
    except ServiceError as exc:
        return _failed(request, user, exc)
    context = {**one_context(detail), "errors": errors or {}, "form": form or {}}
    return render(request, "foa.html", user, status=status, **context)


def _problems(exc: InvalidInputError, prefix: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for problem in exc.errors or [{"field": "", "msg": exc.message}]:
        found.setdefault(prefix, []).append(
            f"{problem.get('field') or ''}: {problem['msg']}".lstrip(": ")
        )
    return found


def _seen(raw: Any) -> int | None:
    value = str(raw.get("seen_version") or "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@router.post("/foa", response_model=None)
async def create_page(request: Request, db: DB, user: Viewer) -> Response:
    """Twin of POST /api/v1/foa."""
    raw = await request.form()
    form = {k: str(raw.get(k) or "").strip() for k in ("country", "date")}
    try:
        record = service.create(db, user, form)
    except InvalidInputError as exc:
        try:
            context = list_context(load_list(db, user))
        except ServiceError as inner:
            return _failed(request, user, inner)
        context.update(errors=_problems(exc, "new"), form=form)
        return render(request, "foa_list.html", user, status=422, **context)
    except ServiceError as exc:
        return _failed(request, user, exc)
    return RedirectResponse(f"/foa/{record.id}", status_code=303)


@router.post("/foa/{foa_id}/factors/{factor}", response_model=None)
async def rate_page(
    request: Request,
    db: DB,
    user: Viewer,
    foa_id: FoaId,
    factor: Annotated[int, Path(ge=1, le=14)],
) -> Response:
    """Twin of POST /api/v1/foa/{id}/ratings for one factor: a rating, or accepting the
    suggestion."""
    raw = await request.form()
    if raw.get("accept"):
        rating: dict[str, Any] = {"factor": factor, "accept": True}
    else:
        rows: dict[int, dict[str, str]] = {}
        for key, value in raw.multi_items():
            match = _EVIDENCE.match(key)
            if match and int(match.group(1)) < MAX_EVIDENCE_ROWS:
                rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(value).strip()
        evidence = [
            {
                "what": row.get("what", ""),
                "source": row.get("source", ""),
                "date": row.get("date", ""),
                "link": row.get("link") or None,
            }
            for _i, row in sorted(rows.items())
            if any(row.values())  # a blank row is the one left for adding evidence
        ]
        rating = {
            "factor": factor,
            "rating": str(raw.get("rating") or "") or None,
            "reasoning": str(raw.get("reasoning") or ""),
            "evidence": evidence,
        }
    try:
        service.rate(db, user, foa_id, {"ratings": [rating]}, expected_version=_seen(raw))
    except InvalidInputError as exc:
        return _page(
            request,
            db,
            user,
            foa_id,
            status=422,
            errors=_problems(exc, f"factor-{factor}"),
            form={"factor": factor, **rating},
        )
    except ServiceError as exc:
        return _failed(request, user, exc)
    return RedirectResponse(f"/foa/{foa_id}#factor-{factor}", status_code=303)


@router.post("/foa/{foa_id}/suggest", response_model=None)
async def suggest_page(request: Request, db: DB, user: Viewer, foa_id: FoaId) -> Response:
    """Twin of POST /api/v1/foa/{id}/suggest."""
    raw = await request.form()
    try:
        service.suggest(db, user, foa_id, expected_version=_seen(raw))
    except ServiceError as exc:
        return _failed(request, user, exc)
    return RedirectResponse(f"/foa/{foa_id}", status_code=303)


@router.post("/foa/{foa_id}/submit", response_model=None)
async def submit_page(request: Request, db: DB, user: Viewer, foa_id: FoaId) -> Response:
    """Twin of POST /api/v1/foa/{id}/submit."""
    raw = await request.form()
    body = {
        "note": str(raw.get("note") or ""),
        "category": str(raw.get("category") or "") or None,
        "reason": str(raw.get("reason") or ""),
    }
    try:
        service.submit(db, user, foa_id, body, expected_version=_seen(raw))
    except InvalidInputError as exc:
        return _page(
            request, db, user, foa_id, status=422, errors=_problems(exc, "submit"), form=body
        )
    except ServiceError as exc:
        return _failed(request, user, exc)
    return RedirectResponse(f"/foa/{foa_id}", status_code=303)


@router.post("/foa/{foa_id}/review", response_model=None)
async def review_page(request: Request, db: DB, user: Viewer, foa_id: FoaId) -> Response:
    """Twin of POST /api/v1/foa/{id}/review."""
    raw = await request.form()
    body = {"decision": str(raw.get("decision") or ""), "comment": str(raw.get("comment") or "")}
    try:
        service.review(db, user, foa_id, body, expected_version=_seen(raw))
    except InvalidInputError as exc:
        return _page(
            request, db, user, foa_id, status=422, errors=_problems(exc, "review"), form=body
        )
    except ServiceError as exc:
        return _failed(request, user, exc)
    return RedirectResponse(f"/foa/{foa_id}", status_code=303)


@router.get("/foa/{foa_id}/export", response_model=None)
def export_page(
    request: Request, db: DB, user: Viewer, foa_id: FoaId, format: str = "pdf"
) -> Response:
    """Twin of GET /api/v1/foa/{id}/export, for a logged-in browser."""
    from protect.service import foa_report

    try:
        if format not in ("pdf", "markdown"):
            raise InvalidInputError(f"format {format!r} is not pdf or markdown")
        record = service.get(db, user, foa_id)
    except ServiceError as exc:
        return _failed(request, user, exc)
    pdf = format == "pdf"
    body = foa_report.to_pdf(record) if pdf else foa_report.to_markdown(record).encode()
    name = f"foa-{foa_id}-v{record.version}.{'pdf' if pdf else 'md'}"
    return Response(
        body,
        media_type="application/pdf" if pdf else "text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
