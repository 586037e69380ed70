"""The monitor's public records; `model_dump(mode="json")` is what `--format json` prints."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from protect.knowledge.levels import AlertLevel

ViolenceType = Literal["state-based", "non-state", "one-sided"]
SourceKind = Literal["ucdp", "acled", "hxl"]


class RowError(BaseModel):
    """One rejected input row: where it is and what is wrong with it."""

    model_config = ConfigDict(frozen=True)

    line: int | None = Field(description="physical line in the file (1 = header)")
    field: str
    message: str


class IngestReport(BaseModel):
    """What one ingest did, so a user can trust (or fix) what was stored."""

    source: SourceKind
    path: str
    release_id: int | None
    release: str | None = Field(description="release label, e.g. GED 23.1, inferred or given")
    sha256: str
    status: Literal["loaded", "unchanged"]
    rows_read: int
    rows_loaded: int
    rows_skipped: int
    errors: list[RowError]
    errors_truncated: int = 0
    countries: list[str]
    replaced: list[str] = Field(
        default_factory=list,
        description="countries for which this release now supplies at least one month",
    )
    superseded: list[str] = Field(
        default_factory=list,
        description="countries of which other releases supply every month (decision 026)",
    )
    best_outside_range: int = Field(0, description="rows whose best was outside low..high")
    candidate: bool = Field(False, description="UCDP Candidate events: provisional")
    partial: bool = Field(
        False, description="a sample or partial file: stored, but it supplies no month"
    )
    first_month: str | None = None
    last_month: str | None = None


class DeathsByType(BaseModel):
    """Deaths by UCDP type of violence, keyed as the JSON output spells them."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    state_based: float = Field(alias="state-based")
    non_state: float = Field(alias="non-state")
    one_sided: float = Field(alias="one-sided")

    def total(self) -> float:
        return self.state_based + self.non_state + self.one_sided


class Alert(BaseModel):
    """An alert level with the rule that set it and the figures the rule read."""

    level: AlertLevel
    rule: str
    description: str
    figures: dict[str, Any]


class Provenance(BaseModel):
    """Where a country-month's figures come from (decision 026)."""

    source: str = Field(description="ucdp, acled or hxl")
    release: str | None = Field(description="the release's label, e.g. GED 23.1")
    release_id: int | None = Field(description="`protect releases show ID`")
    provisional: bool = Field(
        description="true for UCDP Candidate events, which are revised before the final release"
    )


class MonthRecord(BaseModel):
    """One country-month of the panel, with its derived situation and alert."""

    model_config = ConfigDict(populate_by_name=True)

    country: str
    month: str
    source: str
    release: str | None = None
    release_id: int | None = None
    provisional: bool = False
    deaths_best: DeathsByType
    deaths_low: DeathsByType
    deaths_high: DeathsByType
    deaths_civilians: float
    events: int
    actors: int
    deaths_best_3m: DeathsByType
    deaths_best_12m: DeathsByType
    deaths_civilians_3m: float
    deaths_civilians_12m: float
    top_perpetrator_12m: str | None
    top_perpetrator_12m_deaths: float
    top_perpetrator_is_government: bool
    alert: Alert | None
    situation: dict[str, Any]


class AlertRecord(BaseModel):
    """One entry of the ranked alert list for a month."""

    rank: int
    country: str
    month: str
    source: str = "ucdp"
    release: str | None = None
    provisional: bool = False
    level: AlertLevel
    rule: str
    description: str
    figures: dict[str, Any]


class CountrySituation(BaseModel):
    """A country-month as the engine sees it: the derived situation and its full assessment."""

    country: str
    month: str
    provenance: Provenance
    record: MonthRecord
    situation: dict[str, Any]
    assessment: dict[str, Any]
    alert: Alert | None
    derivation: list[dict[str, Any]] = Field(
        description="how each situation field was derived from the panel, with thresholds"
    )
