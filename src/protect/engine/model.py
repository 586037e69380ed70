"""The assessment contract as typed models: a `Situation` in, an `Assessment` out.

Field names and ids are fixed by `docs/assessment.md`; other tools depend on them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, get_args

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    SerializerFunctionWrapHandler,
    StrictBool,
    model_serializer,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

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


class Period(_Input):
    """When crimes were (or are being) committed; `to: null` means still going on."""

    from_: StrictDate = Field(alias="from", description="First day the crimes were committed.")
    to: StrictDate | None = Field(
        default=None, description="Last day; leave it empty while they are still going on."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.to is not None and self.to < self.from_:
            raise PydanticCustomError(
                "period_order",
                "to {to} is before from {start}",
                {"to": self.to.isoformat(), "start": self.from_.isoformat()},
            )
        return self


class CrimeReport(_Input):
    """The long form of a crime's entry (contract v2, 4.1): its status and when it was committed.

    A crime with a `committed` period counts as committed in the past for the rules that need
    past crimes, whatever its current status (Kenya 2013: at risk again, committed in 2007-2008).
    """

    status: CrimeStatus = Field(
        default="none",
        description="Where the crime stands at the date: none; risk (signs it may come); "
        "imminent (about to be committed); ongoing (being committed now); past (committed "
        "before the date, not now).",
    )
    committed: tuple[Period, ...] = Field(
        default=(),
        description="The days the crime was committed. Give them for a past crime: the "
        "International Criminal Court reaches only crimes within its time limits, and "
        "without the days its measures stay open with a warning.",
    )


def _crime_entry(value: Any) -> Any:
    """The short form (a status string) stays valid and means `{status: ...}` with no period."""
    if isinstance(value, str):
        if value not in get_args(CrimeStatus):
            raise PydanticCustomError(
                "crime_status",
                "{value} is not allowed; allowed values: {allowed}",
                {"value": repr(value[:200]), "allowed": ", ".join(get_args(CrimeStatus))},
            )
        return {"status": value}
    return value


CrimeEntry = Annotated[CrimeReport, BeforeValidator(_crime_entry)]
_NONE = CrimeReport()


class Atrocities(_Input):
    """The status of each atrocity crime, short or long form; absent keys are `none`."""

    genocide: CrimeEntry = _NONE
    crimes_against_humanity: CrimeEntry = Field(default=_NONE, alias="crimes-against-humanity")
    war_crimes: CrimeEntry = Field(default=_NONE, alias="war-crimes")
    ethnic_cleansing: CrimeEntry = Field(default=_NONE, alias="ethnic-cleansing")

    def reports(self) -> dict[CrimeId, CrimeReport]:
        return {
            "crimes-against-humanity": self.crimes_against_humanity,
            "ethnic-cleansing": self.ethnic_cleansing,
            "genocide": self.genocide,
            "war-crimes": self.war_crimes,
        }

    def by_id(self) -> dict[CrimeId, CrimeStatus]:
        return {k: v.status for k, v in self.reports().items()}

    @model_serializer(mode="wrap")
    def _short_when_possible(self, handler: SerializerFunctionWrapHandler) -> Any:
        """Echo a crime without periods in the short form, as version-1 documents have it."""
        out = handler(self)
        return {
            k: (v.get("status", "none") if isinstance(v, dict) and not v.get("committed") else v)
            for k, v in out.items()
        }


class Peacekeeping(_Input):
    """A United Nations peace operation in the country, and what its mandate says."""

    present: StrictBool = Field(
        default=False, description="A United Nations peace operation is deployed in the country."
    )
    poc_mandate: StrictBool = Field(
        default=False, description="Its mandate tells it to protect civilians."
    )
    chapter_vii: StrictBool = Field(
        default=False,
        description="The mandate is given under Chapter VII of the Charter (it may use force "
        "without the host state's agreement).",
    )
    host_consent: StrictBool = Field(
        default=False, description="The host state agrees to the operation's presence."
    )


class SecurityCouncil(_Input):
    """What the Security Council has done about the situation."""

    seized: StrictBool = Field(
        default=False,
        description="The Council has the situation on its agenda (it has met or decided on it).",
    )
    veto_blocked: StrictBool = Field(
        default=False,
        description="A permanent member's veto has blocked a draft resolution on the situation "
        "(this opens the General Assembly's Uniting for Peace route).",
    )
    icc_referral: StrictDate | None = Field(
        default=None,
        description="The day the Council referred the situation to the International Criminal "
        "Court. Leave it empty to use the bundled table of referrals.",
    )


class _OneOf:
    """Publishes the allowed ids of a field in its JSON schema (the OpenAPI contract), read from
    the knowledge base when a schema is made, not when the model is imported."""

    def __init__(self, ids: Callable[[], list[str]], description: str) -> None:
        self.ids, self.description = ids, description

    def __get_pydantic_json_schema__(
        self, core: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "enum": self.ids(), "description": self.description}


def _country_codes() -> list[str]:
    from protect.knowledge.countries import all_countries

    return [c.iso3 for c in all_countries()]


def _measure_ids() -> list[str]:
    from protect.knowledge import kb

    return sorted(kb().measures)


Iso3 = Annotated[
    str,
    BeforeValidator(lambda v: _known_country(v)),
    _OneOf(_country_codes, "ISO 3166-1 alpha-3, current or former (ISO 3166-3), or XKX"),
]

PerpetratorKind = Literal["state", "non-state", "foreign-state"]


class Perpetrator(_Input):
    """Who commits the crimes: the state, a non-state armed group, or a foreign state."""

    kind: PerpetratorKind = Field(
        description="state (the state's own forces or agents), non-state (an armed group or "
        "militia) or foreign-state (another state's forces)."
    )
    name: str | None = Field(default=None, max_length=200, description="A label, for the reader.")
    nationality: Iso3 | None = Field(
        default=None,
        description="The perpetrators' nationality (ISO3): if that state is a party to the "
        "Rome Statute, the Court may act on that basis (Art. 12(2)(b)).",
    )


HarmLevel = Literal["none", "sporadic", "widespread"]


class CivilianHarm(_Input):
    """Harm below the atrocity threshold that POC addresses (seeds, section 6.2)."""

    attacks_on_civilians: HarmLevel = Field(
        default="none",
        alias="attacks-on-civilians",
        description="Civilians or civilian objects attacked, or attacks that do not spare them.",
    )
    mistreatment_hors_de_combat: HarmLevel = Field(
        default="none",
        alias="mistreatment-hors-de-combat",
        description="Detainees, the wounded or those who surrendered are mistreated.",
    )
    sexual_violence: HarmLevel = Field(
        default="none", alias="sexual-violence", description="Conflict-related sexual violence."
    )
    child_recruitment: HarmLevel = Field(
        default="none",
        alias="child-recruitment",
        description="Children recruited or used by armed forces or groups.",
    )
    displacement: HarmLevel = Field(
        default="none", description="People forced to flee their homes, inside or across borders."
    )
    denial_of_humanitarian_access: HarmLevel = Field(
        default="none",
        alias="denial-of-humanitarian-access",
        description="Humanitarian relief kept from reaching civilians who need it.",
    )

    def present(self) -> tuple[tuple[str, str], ...]:
        """(kind, level) for every kind of harm that is not `none`, in key order."""
        d = self.__dict__
        if "sporadic" not in d.values() and "widespread" not in d.values():
            return ()
        return tuple(
            (field.alias or name, level)
            for name, field in CivilianHarm.model_fields.items()
            if (level := getattr(self, name)) != "none"
        )


def _known_country(value: Any) -> Any:
    from protect.knowledge.countries import is_known

    if not isinstance(value, str):
        raise PydanticCustomError("country_type", "must be an ISO 3166-1 alpha-3 code")
    if value == value.upper() and len(value) == 3 and is_known(value):
        return value
    hint = f" (did you mean {value.strip().upper()!r}?)" if is_known(value) else ""
    raise PydanticCustomError(
        "country_unknown",
        "{code} is not an ISO 3166-1 alpha-3 code, current or former (ISO 3166-3){hint}",
        {"code": repr(value[:20]), "hint": hint},
    )


def _measure_id(value: Any) -> Any:
    from protect.knowledge import kb

    if not isinstance(value, str):
        raise PydanticCustomError("measure_type", "must be a measure id")
    if value not in kb().measures:
        raise PydanticCustomError(
            "measure_unknown",
            "{id} is not a measure of the catalogue (see `protect kb list measures`)",
            {"id": repr(value[:60])},
        )
    return value


MeasureId = Annotated[
    str, BeforeValidator(_measure_id), _OneOf(_measure_ids, "a measure id of the catalogue")
]


class Situation(_Input):
    """A concrete situation: a country, a date, and what is happening there."""

    name: str | None = Field(
        default=None, description="A label for the situation, shown as the report's title."
    )
    country: Iso3 = Field(
        description="The state whose population is at risk: an ISO 3166-1 alpha-3 code, "
        "current or former (YUG, ZAR, SUN, ...), or XKX for Kosovo."
    )
    date: StrictDate = Field(
        description="The day the assessment is made as of: only law in force and bodies that "
        "exist on that day apply."
    )
    armed_conflict: ArmedConflict = Field(
        description="Whether there is an armed conflict on the territory: none; international "
        "(between states); non-international (the state against armed groups, or groups among "
        "themselves); occupation. In an armed conflict the law of war applies in full."
    )
    atrocities: Atrocities = Field(
        default=Atrocities(),
        description="Where each of the four atrocity crimes stands at the date.",
    )
    state_role: StateRole = Field(
        description="What the state does for its population: protecting; unable (wants to but "
        "cannot); unwilling (can but does not); perpetrator (its own forces commit the crimes)."
    )
    post_conflict: StrictBool = Field(
        default=False, description="The violence has ended and recovery is under way."
    )
    peacekeeping: Peacekeeping = Field(
        default=Peacekeeping(), description="A United Nations peace operation and its mandate."
    )
    security_council: SecurityCouncil = Field(
        default=SecurityCouncil(), description="What the Security Council has done."
    )
    icc_state_party: StrictBool | None = Field(
        default=None,
        description="Whether the state is a party to the Rome Statute of the International "
        "Criminal Court. Leave it empty to read it from the ratification table at the date.",
    )
    perpetrators: tuple[Perpetrator, ...] | None = Field(
        default=None,
        description="Who commits the crimes. Left out, it is the state when the state is the "
        "perpetrator, else no one named.",
    )
    conduct_also_in: tuple[Iso3, ...] = Field(
        default=(),
        description="Other states where part of the conduct took place (a deportation across "
        "a border): if one is a party to the Rome Statute, the Court may act (Art. 12(2)(a)).",
    )
    civilian_harm: CivilianHarm = Field(
        default=CivilianHarm(),
        description="Harm to civilians below the atrocity threshold, each none, sporadic or "
        "widespread: protection of civilians measures answer it even without atrocity crimes.",
    )
    in_place: tuple[MeasureId, ...] = Field(
        default=(),
        description="Measures already taken: the report marks them and leaves them out of the "
        "first measures to take.",
    )

    @model_validator(mode="after")
    def _default_perpetrators(self) -> Situation:
        """Contract v2: `[{kind: state}]` when the state is the perpetrator, else `[]`."""
        if self.perpetrators is None:
            default = (Perpetrator(kind="state"),) if self.state_role == "perpetrator" else ()
            object.__setattr__(self, "perpetrators", default)
        return self

    @property
    def perpetrator_list(self) -> tuple[Perpetrator, ...]:
        return self.perpetrators or ()


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


class Treaty(_Output):
    """Whether one treaty of contract 4.2 binds the state at the date."""

    instrument: str
    party: bool
    since: dt.date | None
    reservations: list[str]
    source: str


class Membership(_Output):
    organisation: str
    name: str
    since: dt.date


IccBasis = Literal[
    "territory-party",
    "conduct-in-party-territory",
    "nationality-party",
    "art-12-3-declaration",
    "security-council-referral",
]


class IccJurisdiction(_Output):
    """Where the Court may act (Arts. 11-13): its bases at the date and the earliest day of
    crimes it can reach."""

    jurisdiction: bool
    bases: list[IccBasis]
    period_from: dt.date | None


class Derived(_Output):
    icc_state_party: bool
    icc_state_party_source: Literal["input", "ratification-table"]
    treaties: list[Treaty]
    icc: IccJurisdiction
    regional: list[Membership]


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
    applicable_law: list[Citation]
    civilian_harm: dict[str, str]


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
    in_place: bool
    precedent: Citation | None


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


class OpenMeasure(_Output):
    id: str
    actor: str
    title: str
    reason: str


class Summary(_Output):
    """The digest for a reader in a hurry (contract v2, 4.4): reports open with it."""

    stage: Stage
    binds: list[str]
    open_measures: list[OpenMeasure]
    in_place: list[str]
    main_tension: str | None
    warnings: list[str]


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
    summary: Summary
    trace: list[TraceEntry]
