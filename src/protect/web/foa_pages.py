"""Pages for Framework of Analysis assessments: the list, one assessment with a form per risk
factor (its indicators beside it), the ratings chart, review, export, and a country's history.

Each page calls the service function its /api/v1/foa twin calls. Forms post back here (the
session cookie identifies the user, as on every page) and carry the version they were loaded
at, so a change made meanwhile by someone else is refused instead of overwritten. Every form's
hidden fields come from one macro (`_foa_macros.html`, `hidden_fields`). No page runs script.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from protect.knowledge.foa import RATINGS, framework
from protect.service import Principal, ServiceError, UnauthorizedError
from protect.service import foa as service
from protect.service.errors import InvalidInputError
from protect.service.foa_report import column, ratings_svg
from protect.service.http import DB
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
    try:
        record = service.get(db, user, foa_id)
        versions = service.versions(db, user, foa_id)
    except ServiceError as exc:
        return _failed(request, user, exc)
    chart = ratings_svg(
        [column(record)],
        title=f"{record.country} {record.date}, version {record.version}: ratings of the 14 "
        "risk factors",
    )
    submitter = next((c.by for c in reversed(record.comments) if c.action == "submit"), None)
    return render(
        request,
        "foa.html",
        user,
        status=status,
        r=record,
        fw=framework(),
        ratings=RATINGS,
        chart=Markup(chart),  # built from escaped text by ratings_svg
        versions=versions,
        editable=record.status in ("draft", "returned")
        and user is not None
        and user.can("analyst"),
        can_review=record.status == "submitted"
        and user is not None
        and user.can("analyst")
        and record.updated_by != user.name,
        submitter=submitter,
        errors=errors or {},
        form=form or {},
    )


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


@router.get("/foa", response_model=None)
def list_page(request: Request, db: DB, user: Viewer, country: str | None = None) -> Response:
    """Twin of GET /api/v1/foa."""
    wanted = country.strip().upper() if country and country.strip() else None
    try:
        if wanted is not None and not re.fullmatch(r"[A-Z]{3}", wanted):
            raise InvalidInputError(f"country {country!r} is not an ISO 3166-1 alpha-3 code")
        page = service.list_assessments(db, user, country=wanted, limit=200)
    except ServiceError as exc:
        return _failed(request, user, exc)
    return render(request, "foa_list.html", user, page=page, errors={}, form={}, country=wanted)


@router.post("/foa", response_model=None)
async def create_page(request: Request, db: DB, user: Viewer) -> Response:
    """Twin of POST /api/v1/foa."""
    raw = await request.form()
    form = {k: str(raw.get(k) or "").strip() for k in ("country", "date")}
    try:
        record = service.create(db, user, form)
    except InvalidInputError as exc:
        try:
            page = service.list_assessments(db, user, limit=200)
        except ServiceError as inner:
            return _failed(request, user, inner)
        return render(
            request,
            "foa_list.html",
            user,
            status=422,
            page=page,
            errors=_problems(exc, "new"),
            form=form,
            country=None,
        )
    except ServiceError as exc:
        return _failed(request, user, exc)
    return RedirectResponse(f"/foa/{record.id}", status_code=303)


@router.get("/foa/history/{country}", response_model=None)
def history_page(request: Request, db: DB, user: Viewer, country: str) -> Response:
    """Twin of GET /api/v1/foa/history/{country}: every assessment of the country over time."""
    iso3 = country.strip().upper()
    try:
        if not re.fullmatch(r"[A-Z]{3}", iso3):
            raise InvalidInputError(f"country {country!r} is not an ISO 3166-1 alpha-3 code")
        rows = service.history(db, user, iso3)
        records = [service.get(db, user, r.id) for r in rows]
    except ServiceError as exc:
        return _failed(request, user, exc)
    chart = ratings_svg(
        [column(r, f"{r.date} #{r.id}") for r in records],
        title=f"{iso3}: ratings of the 14 risk factors in each assessment, by date",
        element_id="foa-history-chart",
    )
    return render(request, "foa_history.html", user, country=iso3, rows=rows, chart=Markup(chart))


@router.get("/foa/{foa_id}", response_model=None)
def assessment_page(request: Request, db: DB, user: Viewer, foa_id: FoaId) -> Response:
    """Twin of GET /api/v1/foa/{id}, with a form per factor while it is a draft."""
    return _page(request, db, user, foa_id)


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
