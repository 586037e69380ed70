"""Typed shapes of what the service returns: the API's response models and the pages' data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from protect.service.roles import Role


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UserOut(Out):
    name: str
    role: Role
    created_at: dt.datetime
    revoked_at: dt.datetime | None
    active: bool


class NewUserIn(Out):
    name: str = Field(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._@-]*$",
        description="letters, digits, '.', '_', '@' and '-'",
    )
    role: Role


class NewUser(Out):
    """A created user and its token; the token is shown this once and stored only as a hash."""

    user: UserOut
    token: str


class AssessmentSummary(Out):
    id: int = Field(description="identifies this one saved version")
    case: str = Field(description="identifies the situation across its versions")
    version: int
    name: str | None
    country: str
    date: str
    stage: str
    rules_version: str
    created_by: str
    created_at: dt.datetime


class AssessmentRecord(AssessmentSummary):
    situation: dict[str, Any] = Field(description="the facts as submitted")
    assessment: dict[str, Any] = Field(
        description="the assessment document, identical to `protect assess --format json`"
    )


class AssessmentPage(Out):
    items: list[AssessmentSummary]
    total: int
    limit: int
    offset: int


class Change(Out):
    path: str
    before: Any = None
    after: Any = None


class AssessmentDiff(Out):
    case: str
    from_id: int
    from_version: int
    from_rules_version: str
    to_id: int
    to_version: int
    to_rules_version: str
    changes: list[Change]


class AnnotationIn(Out):
    text: str = Field(min_length=1, max_length=10_000)


class AnnotationOut(Out):
    id: int
    assessment_id: int
    author: str
    text: str
    created_at: dt.datetime


class AuditEntryOut(Out):
    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    rules_version: str
    detail: dict[str, Any]


class AuditPage(Out):
    items: list[AuditEntryOut]
    total: int
    limit: int
    offset: int


class AuditVerification(Out):
    """The result of walking the audit chain."""

    intact: bool
    entries: int = Field(description="entries checked (up to the first broken one)")
    head: str = Field(description="hash of the last entry that holds; keep it to compare later")
    first_broken: int | None = Field(default=None, description="id of the first broken entry")
    records: int = Field(
        default=0, description="saved assessments and annotations found as their entry says"
    )
    broken_record: str | None = Field(
        default=None, description="the first saved record that does not hold, e.g. assessment/12"
    )
    problem: str | None = None


class Health(Out):
    status: str
    database: str
    rules_version: str
