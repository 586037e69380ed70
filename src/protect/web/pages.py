"""The site's router: the home page, logging in and out, and every other page mounted here: the
views (each page that reads, with its CSV downloads: `web/views.py`), the assess wizard and the
forms of the assessment workflow, users and tokens (`workflow_pages`), the Framework of Analysis
forms (`foa_pages`), the briefing (`webapp_pages`).

Pages identify the user by a session cookie set at login (name and API token); the cookie is
HttpOnly and SameSite=Lax. Every form that POSTs (login, logout, assess, ...) carries a CSRF
token (`common.csrf_ok`), checked by this router's dependency.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from protect.service import UnauthorizedError, users
from protect.service.errors import TooManyAttemptsError
from protect.service.http import DB, SESSION_COOKIE
from protect.web.common import (
    CSRF_FIELD,
    Viewer,
    page_principal,
    require_csrf,
)
from protect.web.common import render as _render
from protect.web.foa_pages import router as foa_router
from protect.web.views import views_router
from protect.web.webapp_pages import router as webapp_router
from protect.web.workflow_pages import router as workflow_router

__all__ = ["CSRF_FIELD", "SESSION_COOKIE", "page_principal", "router"]

# Every POST to a page (this router's and those included below) needs the page's CSRF token.
router = APIRouter(include_in_schema=False, dependencies=[Depends(require_csrf)])


@router.get("/", response_class=HTMLResponse)
def home(request: Request, user: Viewer) -> HTMLResponse:
    return _render(request, "home.html", user)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: Viewer) -> HTMLResponse:
    return _render(request, "login.html", user)


@router.post("/login", response_model=None)
def login(
    request: Request,
    db: DB,
    name: Annotated[str, Form(max_length=64)],
    token: Annotated[str, Form(max_length=200)],
) -> Response:
    try:
        key = users.login(db, name.strip(), token.strip())
    except UnauthorizedError:
        return _render(
            request, "login.html", None, status=401, message="Name and token do not match."
        )
    except TooManyAttemptsError as exc:
        page = _render(
            request,
            "login.html",
            None,
            status=429,
            message=f"Too many failed attempts with this token; try again in {exc.retry_after} s.",
        )
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    response = RedirectResponse("/assessments", status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        key,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(users.SESSION_LIFETIME.total_seconds()),
    )
    return response


@router.post("/logout", response_model=None)
def logout(request: Request, db: DB) -> Response:
    key = request.cookies.get(SESSION_COOKIE)
    if key:
        users.logout(db, key)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


router.include_router(views_router())
router.include_router(foa_router)
router.include_router(webapp_router)
router.include_router(workflow_router)
