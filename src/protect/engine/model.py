"""The assessment contract as typed models: a `Situation` in, an `Assessment` out.

Field names and ids are fixed by `spec/assessment.md`; other tools depend on them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)
from pydantic_core import PydanticCustomError

from protect.knowledge.schema import ArmedConflict, Citation, CrimeStatus, Stage, StateRole

CrimeId = Literal["crimes-against-humanity", "ethnic-cleansing", "genocide", "war-crimes"]
CRIME_IDS: tuple[CrimeId, ...] = (
    "crimes-against-humanity",
    "ethnic-cleansing",
    "genocide",
    "war-crimes",
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _strict_date(value: Any) -> dt.date:
    """Accept a calendar date or a `YYYY-MM-DD` string, nothing looser (no times, no numbers)."""
    if isinstance(value, dt.datetime):
        raise PydanticCustomError("date_format", "must be a date YYYY-MM-DD, without a time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        if not _ISO_DATE.match(value):
            raise PydanticCustomError("date_format", "must be a date written YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise PydanticCustomError(
                "date_impossible", "{value} is not a real calendar date", {"value": value}
            ) from None
    raise PydanticCustomError("date_type", "must be a date written YYYY-MM-DD")


StrictDate = Annotated[dt.date, BeforeValidator(_strict_date)]


class _Input(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        serialize_by_alias=True,
        validate_by_alias=True,
        validate_by_name=False,
    )


class Atrocities(_Input):
    """The status of each atrocity crime; absent keys are `none`."""

    genocide: CrimeStatus = "none"
    crimes_against_humanity: CrimeStatus = Field(default="none", alias="crimes-against-humanity")
    war_crimes: CrimeStatus = Field(default="none", alias="war-crimes")
    ethnic_cleansing: CrimeStatus = Field(default="none", alias="ethnic-cleansing")

    def by_id(self) -> dict[CrimeId, CrimeStatus]:
        return {
            "crimes-against-humanity": self.crimes_against_humanity,
            "ethnic-cleansing": self.ethnic_cleansing,
            "genocide": self.genocide,
            "war-crimes": self.war_crimes,
        }


class Peacekeeping(_Input):
    present: StrictBool = False
    poc_mandate: StrictBool = False
    chapter_vii: StrictBool = False
    host_consent: StrictBool = False


class SecurityCouncil(_Input):
    seized: StrictBool = False


class Situation(_Input):
    """A concrete situation: a country, a date, and what is happening there."""

    name: str | None = None
    country: str
    date: StrictDate
    armed_conflict: ArmedConflict
    atrocities: Atrocities = Atrocities()
    state_role: StateRole
    post_conflict: StrictBool = False
    peacekeeping: Peacekeeping = Peacekeeping()
    security_council: SecurityCouncil = SecurityCouncil()
    icc_state_party: StrictBool | None = None

    @field_validator("country", mode="before")
    @classmethod
    def _known_country(cls, value: Any) -> Any:
        from protect.knowledge.countries import is_known

        if not isinstance(value, str):
            raise PydanticCustomError("country_type", "must be an ISO 3166-1 alpha-3 code")
        if value == value.upper() and len(value) == 3 and is_known(value):
            return value
        hint = f" (did you mean {value.strip().upper()!r}?)" if is_known(value) else ""
        raise PydanticCustomError(
            "country_unknown",
            "{code} is not an ISO 3166-1 alpha-3 code, current or former (ISO 3166-3){hint}",
            {"code": repr(value), "hint": hint},
        )


# --- output ---------------------------------------------------------------------------------

T = TypeVar("T", bound=BaseModel)


def made(cls: type[T], **values: Any) -> T:
    """Build an output model from values that are already valid, without re-validating them.

    The engine's outputs are made only from a validated `Situation` and the validated knowledge
    base; skipping a second validation keeps assessment throughput where the benchmark needs it.
    The tests validate whole documents against these models to keep this honest.
    """
    obj = cls.__new__(cls)
    object.__setattr__(obj, "__dict__", values)
    object.__setattr__(obj, "__pydantic_fields_set__", set(values))
    object.__setattr__(obj, "__pydantic_extra__", None)
    object.__setattr__(obj, "__pydantic_private__", None)
    return obj


class _Output(BaseModel):
    model_config = ConfigDict(frozen=True, serialize_by_alias=True)


class Derived(_Output):
    icc_state_party: bool
    icc_state_party_source: Literal["input", "ratification-table"]


class R2P(_Output):
    in_force: bool
    pillars: list[int]
    manifest_failure: bool
    response_threshold_met: bool
    citations: list[Citation]


class POC(_Output):
    ihl_applies: bool
    conflict_type: ArmedConflict
    perspectives: list[str]
    tiers: list[int]
    citations: list[Citation]


class Norms(_Output):
    r2p: R2P
    poc: POC


class CrimeFinding(_Output):
    id: CrimeId
    status: CrimeStatus
    armed_conflict_required: bool
    citations: list[Citation]


class MeasureFinding(_Output):
    id: str
    title: str
    actor: str
    phase: str
    norm: str
    available: bool
    reason: str
    citations: list[Citation]


class TensionFinding(_Output):
    id: str
    title: str
    explanation: str
    citations: list[Citation]


class Warning(_Output):
    code: str
    message: str
    fields: list[str]


class TraceEntry(_Output):
    rule: str
    inputs: dict[str, Any]
    result: Any
    citations: list[Citation]


class Assessment(_Output):
    """The document `protect assess --format json` prints; every interface returns the same."""

    situation: Situation
    derived: Derived
    stage: Stage
    norms: Norms
    crimes: list[CrimeFinding]
    measures: list[MeasureFinding]
    tensions: list[TensionFinding]
    warnings: list[Warning]
    trace: list[TraceEntry]
