"""What every page module shares: the templates, the viewer behind the session cookie, and
rendering a template or an error page."""

from __future__ import annotations

import re
from pathlib import Path as FilePath
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from protect.api.deps import DB
from protect.engine.report import jurisdiction_words
from protect.service import Principal, users

SESSION_COOKIE = "protect_session"
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


templates.env.filters["code_spans"] = _code_spans
templates.env.filters["number"] = _number
templates.env.filters["sentence"] = _sentence
templates.env.globals["jurisdiction_words"] = jurisdiction_words


def page_principal(request: Request, db: DB) -> Principal | None:
    key = request.cookies.get(SESSION_COOKIE)
    return users.session_principal(db, key) if key else None


Viewer = Annotated[Principal | None, Depends(page_principal)]


def render(
    request: Request, name: str, user: Principal | None, status: int = 200, **context: Any
) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"user": user, **context}, status_code=status)


def error_page(request: Request, user: Principal | None, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", user, status=status, message=message)
