"""Which release supplies each country-month (decision 026).

Every release keeps its own panel rows; the monitor shows, for each country and month, the
panel row of the best release that covers it: the first tier of `sources.yaml` (final GED, GED
candidate, ACLED, other HXL by default), then the release with the most events in that country
and year (an extract never hides a fuller file of the same tier), then the higher version, then
the file's hash. A partial release (a sample: `--coverage partial`, or detected as such at
ingest) supplies no month: its empty months would read as peace. Nothing in the choice depends
on the order of ingest.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from protect.knowledge import months

Tier = Literal["ucdp-final", "ucdp-candidate", "acled", "hxl"]
TIERS: tuple[Tier, ...] = ("ucdp-final", "ucdp-candidate", "acled", "hxl")


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    tier: Tier
    rationale: str
    sources: list[str] = Field(min_length=1)


class Precedence(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    precedence: list[_Entry]

    @field_validator("precedence")
    @classmethod
    def _every_tier_once(cls, value: list[_Entry]) -> list[_Entry]:
        if sorted(e.tier for e in value) != sorted(TIERS):
            raise ValueError(f"precedence must list each of {', '.join(TIERS)} once")
        return value


ENV_ORDER = "PROTECT_SOURCE_ORDER"
"""A comma-separated order of the four tiers that replaces the bundled one, e.g.
`acled,ucdp-final,ucdp-candidate,hxl` to prefer ACLED everywhere."""


@cache
def _bundled() -> tuple[Tier, ...]:
    text = resources.files("protect.monitor").joinpath("sources.yaml").read_text("utf-8")
    return tuple(e.tier for e in Precedence.model_validate(yaml.safe_load(text)).precedence)


def precedence() -> tuple[Tier, ...]:
    """The order of tiers: `PROTECT_SOURCE_ORDER` when set (checked), else `sources.yaml`."""
    import os

    given = os.environ.get(ENV_ORDER, "").strip()
    if not given:
        return _bundled()
    try:
        return check_order(tuple(t.strip() for t in given.split(",")))
    except ValueError as exc:
        raise ValueError(f"{ENV_ORDER}: {exc}") from exc


def check_order(order: tuple[str, ...]) -> tuple[Tier, ...]:
    """A user-given order (e.g. `--prefer acled,ucdp-final,...`); ValueError names the problem."""
    if sorted(order) != sorted(TIERS):
        raise ValueError(f"source order must list each of {', '.join(TIERS)} once, got {order}")
    return tuple(t for t in order if t in TIERS)


def tier_sql(source: str, provisional: str) -> str:
    """SQL giving a row's tier as a text, from its source and its provisional flag."""
    return (
        f"CASE WHEN {source} = 'ucdp' AND {provisional} THEN 'ucdp-candidate' "
        f"WHEN {source} = 'ucdp' THEN 'ucdp-final' ELSE {source} END"
    )


def _rank(order: tuple[Tier, ...]) -> str:
    whens = " ".join(f"WHEN '{t}' THEN {i}" for i, t in enumerate(order))
    return f"CASE tier {whens} ELSE 99 END"


def shown_sql(where: str = "true", order: tuple[Tier, ...] | None = None) -> str:
    """A SELECT of the panel rows the monitor shows, with their provenance (`release`,
    `release_sha256`, `provisional`, `tier`). `where` filters panel rows `p` by country or
    month before the choice, which is exact: the choice is made per country and month."""
    order = order or precedence()
    return f"""
    SELECT * EXCLUDE (rn, year_events, version_major, version_minor) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY iso3, m
            ORDER BY {_rank(order)}, year_events DESC,
                     version_major DESC, version_minor DESC, release_sha256
        ) AS rn
        FROM (
            SELECT p.*, r.release, r.sha256 AS release_sha256, r.version_major,
                   r.version_minor,
                   coalesce(y.provisional, r.candidate) AS provisional,
                   coalesce(y.events, 0) AS year_events,
                   {tier_sql("p.source", "coalesce(y.provisional, r.candidate)")} AS tier
            FROM panel p JOIN releases r ON r.release_id = p.release_id
            LEFT JOIN release_years y ON y.release_id = p.release_id AND y.iso3 = p.iso3
                AND y.year = {months.sql_year("p.m")}
            WHERE NOT r.partial AND ({where})
        )
    ) WHERE rn = 1
    """


def current_events_view() -> str:
    """`current_events`: the events of the release shown for each country-month, counted in
    the month they start (for inspection and the Spark check)."""
    return f"""
    CREATE OR REPLACE VIEW current_events AS
    SELECT e.* FROM events e
    JOIN ({shown_sql()}) s ON e.release_id = s.release_id AND e.iso3 = s.iso3
        AND e.month_start = s.m
    """
