"""One declaration per resource, read by both HTTP adapters: the page (`web/`) and its JSON twin
(`api/`) are the same `View`, rendered as HTML or JSON at the very end, so they cannot drift.

A view's `load` function has a FastAPI signature: its typed parameters (query, path, the
database, the reader) are parsed by the same code for both adapters, with the same defaults and
the same errors. It calls the service and returns one result; `json` picks what the JSON route
answers (its `response_model` is the OpenAPI contract), `context` what the template needs, and
each `Table` turns the result into the rows of one CSV download.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Path, Query
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

from protect.service.monitor import month_problem

Access = Literal["anyone", "viewer", "admin"]
Rows = Callable[[Any], Sequence[Mapping[str, Any]]]

# What an error status means, for the OpenAPI `responses` of every view that may answer it.
ERRORS: dict[int, str] = {
    401: "no valid token or session",
    403: "the user's role does not allow this",
    404: "not found, or no data for it",
    422: "a parameter is malformed; `field` names it",
    429: "too many failed attempts with this token; see Retry-After",
    503: "the database or the data files are unavailable",
}


@dataclass(frozen=True)
class Table:
    """One table a page shows, as CSV: `rows` flattens the view's result into dicts whose keys
    are the columns (nested values are written as JSON)."""

    name: str
    rows: Rows
    title: str = ""


@dataclass(frozen=True)
class View:
    """A resource read over HTTP: one declaration for the page and its JSON twin.

    `path` is the page's path; the JSON route is `/api/v1` + (`api_path` or `path`). `access`
    says who may read it ("viewer": a signed-in user). The service checks the role; this only
    documents it (401 in OpenAPI). `errors` are the other statuses the JSON route documents.
    """

    name: str
    path: str
    load: Callable[..., Any]
    response_model: Any
    template: str
    context: Callable[[Any], dict[str, Any]]
    json: Callable[[Any], Any] = lambda result: result
    tables: tuple[Table, ...] = ()
    api_path: str | None = None
    access: Access = "anyone"
    errors: tuple[int, ...] = (404, 422, 503)
    tags: tuple[str, ...] = ()

    @property
    def json_path(self) -> str:
        return "/api/v1" + (self.api_path or self.path)

    def responses(self) -> dict[int | str, dict[str, Any]]:
        """The error answers the JSON route documents (FastAPI documents its own 422)."""
        codes = (*self.errors, 401, 429) if self.access != "anyone" else self.errors
        return {code: {"description": ERRORS[code]} for code in sorted(set(codes)) if code != 422}

    def signature(self, *extra: inspect.Parameter) -> inspect.Signature:
        """`load`'s parameters, keyword-only with their annotations resolved, and an adapter's
        own (`extra`): what FastAPI reads to parse a request for this view."""
        own = inspect.signature(self.load, eval_str=True).parameters.values()
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in own]
        return inspect.Signature([*params, *extra])

    def table(self, name: str | None) -> Table | None:
        """The table called `name` (default: the first)."""
        if name is None:
            return self.tables[0] if self.tables else None
        return next((t for t in self.tables if t.name == name), None)


# ---- parameters, parsed alike for the page and its twin --------------------------------------

MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
COUNTRY_PATTERN = r"^[A-Za-z]{3}$"


def _blank_is_none(value: object) -> object:
    """An empty form field (`?month=`) means the default, as if it were not sent."""
    return None if isinstance(value, str) and not value.strip() else value


def _month(value: object) -> object:
    value = _blank_is_none(value)
    if value is None:
        return None
    text = str(value).strip()
    problem = month_problem(text)
    if problem:
        raise PydanticCustomError("month", "{problem}", {"problem": problem})
    return text


def _country(value: object) -> object:
    text = str(value).strip()
    if not re.fullmatch(COUNTRY_PATTERN, text):
        raise PydanticCustomError(
            "country",
            "{value} is not a three-letter country code (ISO 3166-1 alpha-3)",
            {"value": repr(text[:200])},
        )
    return text.upper()


def _optional_country(value: object) -> object:
    value = _blank_is_none(value)
    return None if value is None else _country(value)


def _year(value: object) -> object:
    value = _blank_is_none(value)
    if value is None:
        return None
    text = str(value).strip()
    if not text.isdigit() or not 1900 <= int(text) <= 2200:
        raise PydanticCustomError(
            "year", "{value} is not a year from 1900 to 2200", {"value": repr(text[:200])}
        )
    return int(text)


# Query/Path first, then the validator: the schema states the pattern, and the validator (which
# pydantic runs before the pattern) gives the message.
MonthQuery = Annotated[
    str | None,
    Query(pattern=MONTH_PATTERN, description="YYYY-MM; default: the latest month covered"),
    BeforeValidator(_month),
]
FromQuery = Annotated[
    str | None,
    Query(alias="from", pattern=MONTH_PATTERN, description="YYYY-MM; the first month shown"),
    BeforeValidator(_month),
]
ToQuery = Annotated[
    str | None,
    Query(alias="to", pattern=MONTH_PATTERN, description="YYYY-MM; the last month shown"),
    BeforeValidator(_month),
]
MonthPath = Annotated[
    str, Path(pattern=MONTH_PATTERN, description="YYYY-MM"), BeforeValidator(_month)
]
CountryPath = Annotated[
    str, Path(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-3"), BeforeValidator(_country)
]
YearQuery = Annotated[
    int | None,
    Query(ge=1900, le=2200, description="default: the latest year the sources allow"),
    BeforeValidator(_year),
]

MAX_ID = 2**31 - 1
Limit = Annotated[int, Query(ge=1, le=500, description="at most this many")]
Offset = Annotated[int, Query(ge=0, le=MAX_ID, description="skip this many")]
AssessmentId = Annotated[int, Path(ge=1, le=MAX_ID, description="id of one saved version")]
CountryQuery = Annotated[
    str | None,
    Query(pattern=COUNTRY_PATTERN, description="ISO 3166-1 alpha-3; default: every country"),
    BeforeValidator(_optional_country),
]
