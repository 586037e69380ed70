"""What every page module shares: the templates, the viewer behind the session cookie, the
CSRF token of the forms, and rendering a template or an error page."""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Callable
from pathlib import Path as FilePath
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from protect.engine.report import jurisdiction_words
from protect.knowledge.levels import LEVELS
from protect.service import Principal
from protect.service.http import session_principal
from protect.service.knowledge import pinpoint, titles
from protect.service.worldmap import country_name

CSRF_COOKIE = "protect_csrf"
CSRF_FIELD = "csrf_token"
templates = Jinja2Templates(directory=str(FilePath(__file__).parent / "templates"))


def _code_spans(text: object) -> Markup:
    """Escape a message and show its `backquoted` commands as code, as the CLI's help does."""
    return Markup(re.sub(r"`([^`]+)`", r"<code>\1</code>", str(escape(str(text)))))


def _number(value: object) -> str:
    """Deaths and counts: whole numbers with separators, fractions (spread events) to one place."""
    if value is None:
        return ""
    text = f"{float(str(value)):,.1f}"
    return text.removesuffix(".0")


def _sentence(text: object) -> str:
    s = str(text)
    return s[:1].upper() + s[1:]


def _titled(kind: str, field: str = "title") -> Callable[[object], str]:
    """A filter that shows an id of `kind` by its title (`{{ m.actor|actor }}`)."""

    def show(value: object) -> str:
        return titles(kind, field).get(str(value), str(value))

    return show


def _country(code: object) -> str:
    """`MMR` -> `Myanmar (MMR)`; a code the tables do not know stays as it is."""
    name = country_name(str(code))
    return f"{name} ({code})" if name and name != code else str(code)


templates.env.filters["actor"] = _titled("actors")
templates.env.filters["measure"] = _titled("measures")
templates.env.filters["crime"] = _titled("crimes")
templates.env.filters["tension"] = _titled("tensions")
templates.env.filters["perspective"] = _titled("perspectives")
templates.env.filters["instrument"] = _titled("instruments", "short")
templates.env.filters["country"] = _country
templates.env.globals["pinpoint"] = pinpoint
templates.env.filters["code_spans"] = _code_spans
templates.env.filters["number"] = _number
templates.env.filters["sentence"] = _sentence
templates.env.globals["jurisdiction_words"] = jurisdiction_words
templates.env.globals["alert_levels"] = LEVELS


page_principal = session_principal  # the pages' user: the session cookie's

Viewer = Annotated[Principal | None, Depends(page_principal)]


def _csrf_token(request: Request) -> tuple[str, bool]:
    """The browser's CSRF token and whether it is new (then the response sets the cookie)."""
    token = request.cookies.get(CSRF_COOKIE, "")
    if re.fullmatch(r"[A-Za-z0-9_-]{43}", token):
        return token, False
    return secrets.token_urlsafe(32), True


def csrf_ok(request: Request, submitted: object) -> bool:
    """Whether a form POST comes from one of this site's own pages.

    Double-submit: the form's hidden field must equal the browser's `protect_csrf` cookie, which
    another site can neither read nor set (SameSite=Strict, HttpOnly). A browser's Origin header
    naming another host, or Sec-Fetch-Site saying cross-site, is refused as well.
    """
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    if not hmac.compare_digest(cookie.encode(), submitted.encode()):
        return False
    if request.headers.get("sec-fetch-site") == "cross-site":
        return False
    origin = request.headers.get("origin")
    return origin is None or urlsplit(origin).netloc == request.headers.get("host", "")


def render(
    request: Request, name: str, user: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    token, new = _csrf_token(request)
    response = templates.TemplateResponse(
        request, name, {"user": user, "csrf_token": token, **context}, status_code=status
    )
    if new:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
    return response


def error_page(request: Request, user: Principal | None, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", user, status=status, message=message)


class CsrfRefusedError(Exception):
    """A POST to a page without the page's CSRF token (see `require_csrf`)."""


async def require_csrf(request: Request) -> None:
    """Dependency of every page route: a POST must carry the CSRF token of one of our pages.

    Set on the pages router, so every form that posts (login, logout, assess, the Framework of
    Analysis) is covered, including those added later. The form is parsed once: Starlette keeps
    it for the route.
    """
    if request.method != "POST":
        return
    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        raise CsrfRefusedError


def csrf_refused(request: Request, _exc: Exception) -> HTMLResponse:
    """The page a refused POST gets (403); registered as the app's handler of the error."""
    return error_page(
        request,
        None,
        403,
        "This form did not come from a page of this site, or the page is too old: "
        "reload the page and send the form again.",
    )
