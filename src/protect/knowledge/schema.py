"""The schema every knowledge-base file is validated against at load.

Knowledge is data: instruments, crimes, pillars, perspectives, tiers, measures, tensions and the
Rome Statute ratification table live in YAML beside this module. Nothing is accepted that does not
name its source to the article or paragraph.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

Norm = Literal["r2p", "poc", "both"]
Phase = Literal["prevent", "respond", "rebuild"]
Confidence = Literal["confirmed", "unverified"]
InstrumentKind = Literal[
    "treaty", "charter", "statute", "resolution", "report", "policy", "judgment", "declaration"
]
ActorId = Literal[
    "state",
    "security-council",
    "general-assembly",
    "secretary-general",
    "human-rights-council",
    "peacekeepers",
    "humanitarians",
    "combatants",
    "icc",
    "regional-organizations",
    "other-states-donors",
]
Stage = Literal["peace", "tension", "armed-conflict", "atrocity-crimes", "post-conflict"]
CrimeStatus = Literal["none", "risk", "imminent", "ongoing", "past"]
ArmedConflict = Literal["none", "international", "non-international", "occupation"]
StateRole = Literal["protecting", "unable", "unwilling", "perpetrator"]

Slug = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Instrument(Strict):
    """A treaty, resolution, report or policy that the knowledge base cites."""

    id: Slug
    title: str = Field(min_length=3, description="full official title")
    short: str = Field(min_length=2, description="the short name analysts use")
    kind: InstrumentKind
    symbol: str | None = Field(default=None, description="UN document symbol, e.g. A/RES/60/1")
    adopted: dt.date
    in_force: dt.date | None = Field(
        default=None, description="general entry into force; None for texts that are not treaties"
    )
    source: str = Field(min_length=3, description="where the dates were checked")
    confidence: Confidence = "confirmed"

    @property
    def effective(self) -> dt.date:
        """The date from which the text has effect: entry into force for treaties, else adoption."""
        return self.in_force or self.adopted

    @model_validator(mode="after")
    def _dates_ordered(self) -> Instrument:
        if self.in_force is not None and self.in_force < self.adopted:
            raise ValueError(f"in_force {self.in_force} is before adopted {self.adopted}")
        return self


class CitationRef(Strict):
    """A pointer into an instrument, resolved against the instrument table at load.

    A citation may bind only in some situations (contract v2): a provision of one type of armed
    conflict (`conflict`), a treaty the state must have joined (`party`), or a regional treaty
    that binds its members only (`member`). Where it does not apply it is left out, and
    `otherwise` (if given) says in the measure's reason what applies instead.
    """

    instrument: Slug
    pinpoint: str = Field(min_length=1, description="Art. 8(2)(e), para. 139, ...")
    conflict: list[ArmedConflict] | None = Field(
        default=None, description="cited only when the armed conflict is of one of these types"
    )
    party: Slug | None = Field(
        default=None,
        description="cited only when the state is a party to this treaty at the date",
    )
    member: Slug | None = Field(
        default=None,
        description="cited only when the state is a member of this organisation at the date",
    )
    otherwise: str | None = Field(
        default=None, description="what applies instead where the citation does not bind"
    )


class Citation(BaseModel):
    """A resolved citation as the assessment prints it: full title and dates."""

    model_config = ConfigDict(frozen=True)

    instrument: str
    title: str
    pinpoint: str
    adopted: dt.date
    in_force: dt.date | None


class R2PBasis(Strict):
    adopted_by: CitationRef
    in_force: list[CitationRef] = Field(min_length=1)
    underlying: list[CitationRef] = Field(min_length=1)


class POCBasis(Strict):
    by_conflict_type: dict[
        Literal["international", "non-international", "occupation"], list[CitationRef]
    ]
    peacetime: list[CitationRef] = Field(min_length=1)


Provision = Literal[
    "r2p-response-threshold",
    "stage-phases",
    "council-threat-to-peace",
    "war-crimes-nexus",
    "icc-temporal",
    "icc-preconditions",
    "icc-declaration",
    "icc-council-referral",
    "icc-state-referral",
    "icc-after-withdrawal",
]
"""The provisions the engine's own words name (reasons, warnings, traces): the Python names the
key, `norms.yaml` holds the pinpoint, so a pinpoint has one home."""


class NormsBasis(Strict):
    r2p: R2PBasis
    poc: POCBasis
    provisions: dict[Provision, CitationRef]

    @model_validator(mode="after")
    def _every_provision(self) -> NormsBasis:
        missing = sorted(set(get_args(Provision)) - set(self.provisions))
        if missing:
            raise ValueError(f"provisions: missing {', '.join(missing)}")
        return self


class Crime(Strict):
    id: Literal["genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"]
    title: str
    plural: bool = Field(
        default=False, description="its name takes a plural verb (war crimes are ongoing)"
    )
    armed_conflict_required: bool
    summary: str = Field(min_length=20)
    citations: list[CitationRef] = Field(min_length=1)


class Pillar(Strict):
    number: Literal[1, 2, 3]
    title: str
    summary: str = Field(min_length=20)
    actors: list[ActorId] = Field(min_length=1)
    citations: list[CitationRef] = Field(min_length=1)


class Perspective(Strict):
    id: Literal["narrow", "broad", "peacekeeping", "security-council", "humanitarian"]
    title: str
    summary: str = Field(min_length=20)
    actors: list[str] = Field(min_length=1)
    needs_consent: str
    coercion: str
    citations: list[CitationRef] = Field(min_length=1)


class Tier(Strict):
    number: Literal[1, 2, 3]
    title: str = Field(description="label in the 2010 operational concept")
    later_title: str = Field(description="label in the 2015 and later POC policies")
    summary: str = Field(min_length=20)
    citations: list[CitationRef] = Field(min_length=1)


class Actor(Strict):
    id: ActorId
    title: str
    summary: str = Field(min_length=10)


# --- measure conditions: a small declarative language evaluated by engine.conditions ---------


HarmKind = Literal[
    "attacks-on-civilians",
    "mistreatment-hors-de-combat",
    "sexual-violence",
    "child-recruitment",
    "displacement",
    "denial-of-humanitarian-access",
]
CrimeKey = Literal["genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"]


class CrimeCondition(Strict):
    id: CrimeKey
    status: list[CrimeStatus] = Field(min_length=1)


class PartyCondition(Strict):
    instrument: Slug
    without_reservation: str | None = Field(
        default=None, description="and without a reservation to this article in effect"
    )


class Condition(Strict):
    """When a measure is available, as data. Exactly one key is set; `any`/`all` nest."""

    always: Literal[True] | None = None
    stage: list[Stage] | None = None
    any_crime: list[CrimeStatus] | None = Field(
        default=None, description="some crime has one of these statuses"
    )
    armed_conflict: list[ArmedConflict] | None = None
    state_role: list[StateRole] | None = None
    post_conflict: bool | None = None
    icc_state_party: bool | None = None
    peacekeeping_present: bool | None = None
    poc_mandate: bool | None = None
    security_council_seized: bool | None = None
    manifest_failure: bool | None = None
    response_threshold_met: bool | None = Field(
        default=None, description="the R2P response threshold of para. 139 is met (R2P route)"
    )
    poc_route: bool | None = Field(
        default=None, description="an armed conflict: the Council may protect civilians in it"
    )
    security_council_veto_blocked: bool | None = Field(
        default=None, description="a veto has blocked a draft resolution on the situation"
    )
    civilian_harm: list[HarmKind] | None = Field(
        default=None, description="some of these kinds of harm to civilians is reported"
    )
    crime: CrimeCondition | None = Field(
        default=None, description="one named crime has one of the statuses"
    )
    party_to: PartyCondition | None = Field(
        default=None, description="the state is a party to a treaty at the date"
    )
    icc_reach: Literal["any", "council", "state"] | None = Field(
        default=None,
        description="some crime falls within the Court's reach on these bases and in time "
        "(Art. 11): any basis, a Council referral (Art. 13(b)) or a state referral (Art. 14)",
    )
    any: list[Condition] | None = None
    all: list[Condition] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Condition:
        set_keys = [k for k, v in self if v is not None]
        if len(set_keys) != 1:
            raise ValueError(f"a condition sets exactly one key, got {set_keys or 'none'}")
        return self

    @property
    def key(self) -> str:
        return next(k for k, v in self if v is not None)

    @property
    def value(self) -> Any:
        return getattr(self, self.key)


class Example(Strict):
    text: str = Field(min_length=10)
    date: dt.date
    source: str = Field(min_length=3, description="document symbol or judgment that records it")


class Measure(Strict):
    id: Slug
    title: str
    actors: list[ActorId] = Field(min_length=1)
    phase: Phase
    norm: Norm
    summary: str = Field(min_length=20)
    legal_basis: list[CitationRef] = Field(min_length=1)
    available_from: CitationRef | None = Field(
        default=None,
        description="the instrument whose effective date opens the measure; None = no date gate",
    )
    condition: Condition
    actor_conditions: dict[ActorId, Condition] = Field(
        default_factory=dict,
        description="a further condition for one actor only (a state referral needs party status)",
    )
    condition_text: str = Field(min_length=5, description="the condition in plain words")
    precedent: CitationRef | None = Field(
        default=None,
        description="a famous first use, shown for context; never a condition (contract v2)",
    )
    requires_body: ActorId | None = Field(
        default=None,
        description="the measure needs this actor's present body itself, not a predecessor",
    )
    priority: int = Field(
        default=50,
        ge=0,
        le=100,
        description="rank among open measures in the summary (lower first), after the actor",
    )
    examples: list[Example] = Field(min_length=1, max_length=3)

    @model_validator(mode="after")
    def _actor_conditions_name_actors(self) -> Measure:
        stray = set(self.actor_conditions) - set(self.actors)
        if stray:
            raise ValueError(f"actor_conditions name actors not in actors: {sorted(stray)}")
        return self


class Tension(Strict):
    id: Literal[
        "impartiality-neutrality", "consent-sovereignty", "mandate-gap", "humanitarian-space"
    ]
    title: str
    explanation: str = Field(min_length=40)
    citations: list[CitationRef] = Field(min_length=1)


# --- Rome Statute ratification table --------------------------------------------------------


class Withdrawal(Strict):
    notified: dt.date
    effective: dt.date | None = Field(
        default=None, description="None when the withdrawal was revoked before taking effect"
    )
    revoked: dt.date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Withdrawal:
        if (self.effective is None) == (self.revoked is None):
            raise ValueError("a withdrawal has either an effective date or a revocation date")
        return self


class StateParty(Strict):
    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    name: str
    deposit: dt.date
    instrument: Literal["ratification", "accession", "acceptance", "approval", "succession"]
    in_force: dt.date = Field(description="the date the Statute entered into force for the state")
    withdrawal: Withdrawal | None = None
    confidence: Confidence = "confirmed"
    note: str | None = None


class Declaration(Strict):
    """An Art. 12(3) acceptance of the Court's jurisdiction by a state, for a stated period.

    It does not make the state a party (no Art. 14 referral), but the Court may exercise its
    jurisdiction over crimes on the state's territory in the period, from the day it is lodged.
    """

    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    lodged: dt.date = Field(description="the day the Registrar received the declaration")
    covers_from: dt.date = Field(description="the first day of the period accepted")
    covers_to: dt.date | None = Field(
        default=None, description="the last day of the period accepted; None when open-ended"
    )
    confidence: Confidence = "confirmed"
    source: str = Field(min_length=3, description="the document that records it")
    note: str | None = None

    @model_validator(mode="after")
    def _period_ordered(self) -> Declaration:
        if self.covers_to is not None and self.covers_to < self.covers_from:
            raise ValueError(
                f"{self.country} lodged {self.lodged}: covers_to {self.covers_to} is before "
                f"covers_from {self.covers_from}"
            )
        return self


class StatuteRule(Strict):
    """The Rome Statute's own rules on when it binds a state and when a withdrawal takes
    effect, as data: each value with the article it comes from."""

    general: dt.date = Field(description="general entry into force; equals instruments.yaml")
    general_pinpoint: str = Field(min_length=1)
    initial_deposits_until: dt.date = Field(
        description="the day of the deposit that completed the number needed for entry into "
        "force; instruments deposited by then take the general date"
    )
    delay_days: int = Field(ge=1, description="days after a later deposit, then the next month")
    for_state_pinpoint: str = Field(min_length=1)
    withdrawal_delay_months: int = Field(ge=1, description="notification to effect, at least")
    withdrawal_pinpoint: str = Field(min_length=1)
    temporal_pinpoint: str = Field(
        min_length=1, description="no jurisdiction over crimes before entry into force"
    )
    source: str = Field(min_length=3)


class RatificationTable(Strict):
    instrument: Literal["rome-statute"]
    entry_into_force: str = Field(min_length=10, description="the rules in words, with articles")
    rule: StatuteRule
    source: str
    as_of: dt.date
    parties: list[StateParty]
    declarations: list[Declaration] = Field(default_factory=list)


class Country(Strict):
    """An ISO 3166-1 alpha-3 code, current or former (ISO 3166-3), with the codes data sets use."""

    iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    name: str
    former: bool = False
    gw: int | None = None
    cow: int | None = None
    iso_numeric: int | None = None
    valid_from: dt.date | None = Field(
        default=None, description="first day the code denotes the entity; None = open"
    )
    valid_to: dt.date | None = Field(
        default=None, description="last day the code denotes the entity; None = still current"
    )
    user_assigned: bool = Field(
        default=False, description="a code outside ISO 3166 that data sets use (XKX for Kosovo)"
    )


class CodeAlias(Strict):
    """A second GW or COW number that denotes a state over a span of days."""

    number: int
    iso3: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    start: dt.date | None = Field(default=None, alias="from", description="first day; None = open")
    end: dt.date | None = Field(default=None, alias="to", description="last day; None = open")
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _ordered(self) -> CodeAlias:
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError(
                f"{self.number} {self.iso3}: to {self.end} is before from {self.start}"
            )
        return self


class CodeAliases(Strict):
    gw: list[CodeAlias]
    cow: list[CodeAlias]


# --- bodies and Council referrals (contract v2, 4.2) ------------------------------------------


class BodyPeriod(Strict):
    """A body that acted for an actor over a span of days (the Commission on Human Rights for
    the Human Rights Council's role until 2006)."""

    body: str = Field(min_length=3)
    start: dt.date = Field(alias="from")
    end: dt.date | None = Field(default=None, alias="to", description="last day; None = exists")
    source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _ordered(self) -> BodyPeriod:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"{self.body}: to {self.end} is before from {self.start}")
        return self


class Body(Strict):
    """When the body behind an actor existed: before its first period the actor cannot act."""

    actor: ActorId
    periods: list[BodyPeriod] = Field(min_length=1)

    @model_validator(mode="after")
    def _sorted_apart(self) -> Body:
        for a, b in zip(self.periods, self.periods[1:], strict=False):
            if a.end is None or b.start <= a.end:
                raise ValueError(f"{self.actor}: periods overlap or are out of order")
        return self


class Referral(Strict):
    """A Security Council referral of a situation to the ICC (Rome Statute Art. 13(b))."""

    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    instrument: Slug = Field(description="instrument id of the resolution")
    pinpoint: str
    adopted: dt.date
    covers_from: dt.date = Field(description="the first day of the situation referred")
    source: str = Field(min_length=3)


class FailedDraft(Strict):
    """A draft resolution on a situation that a permanent member's veto blocked."""

    country: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    date: dt.date
    symbol: str
    subject: str
    vetoed_by: list[Annotated[str, Field(pattern=r"^[A-Z]{3}$")]] = Field(min_length=1)
    source: str = Field(min_length=3)


class CouncilRecord(Strict):
    referrals: list[Referral]
    failed_drafts: list[FailedDraft]
