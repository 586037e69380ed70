"""Read a historical case file, run the engine on its situation and say in plain words what differs.

Kept apart from the pytest plumbing in `conftest.py` so that the comparison itself can be tested.
A case file is data a lawyer or historian writes; every mistake in it (a misspelt key, a measure id
the knowledge base does not know, a situation the contract rejects) must fail loudly and say where.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from protect import Assessment, Situation, assess
from protect.engine.errors import format_errors
from protect.knowledge import kb

Stage = Literal["peace", "tension", "armed-conflict", "atrocity-crimes", "post-conflict"]
CrimeId = Literal["genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"]
WarningCode = Literal[
    "war-crimes-without-armed-conflict",
    "post-conflict-during-conflict",
    "chapter-vii-without-operation",
    "poc-mandate-without-operation",
    "icc-party-before-in-force",
]
"""The warning codes fixed by spec/assessment.md §3; the knowledge base does not list them."""


class CaseError(Exception):
    """A case file that cannot be read or checked; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectR2P(_Strict):
    in_force: bool | None = None
    pillars: list[int] | None = None
    manifest_failure: bool | None = None
    response_threshold_met: bool | None = None


class ExpectPOC(_Strict):
    ihl_applies: bool | None = None
    conflict_type: Literal["none", "international", "non-international", "occupation"] | None = None
    perspectives: list[str] | None = None
    tiers: list[int] | None = None


class Expect(_Strict):
    """What the assessment must say. Every key is optional; a key that is given must match."""

    stage: Stage | None = None
    r2p: ExpectR2P | None = None
    poc: ExpectPOC | None = None
    icc_state_party: bool | None = None
    icc_state_party_source: Literal["input", "ratification-table"] | None = None
    crimes: list[CrimeId] | None = None
    available: list[str] = Field(default_factory=list)
    unavailable: list[str] = Field(default_factory=list)
    available_to: dict[str, list[str]] = Field(default_factory=dict)
    tensions: list[str] | None = None
    warnings: list[WarningCode] | None = None

    @model_validator(mode="after")
    def _ids_known(self) -> Expect:
        knowledge = kb()
        problems: list[str] = []
        for key, ids in (
            ("available", self.available),
            ("unavailable", self.unavailable),
            ("available_to", list(self.available_to)),
        ):
            problems += [
                f"{key}: {mid!r} is not a measure id in the knowledge base"
                for mid in ids
                if mid not in knowledge.measures
            ]
        actors = set(knowledge.actors)
        for mid, who in self.available_to.items():
            problems += [
                f"available_to.{mid}: {actor!r} is not an actor id in the knowledge base"
                for actor in who
                if actor not in actors
            ]
        both = sorted(set(self.available) & set(self.unavailable))
        if both:
            problems.append(f"available and unavailable both list {', '.join(both)}")
        problems += [
            f"tensions: {tid!r} is not a tension id in the knowledge base"
            for tid in self.tensions or []
            if tid not in knowledge.tensions
        ]
        problems += [
            f"poc.perspectives: {pid!r} is not a perspective id in the knowledge base"
            for pid in (self.poc.perspectives if self.poc and self.poc.perspectives else [])
            if pid not in knowledge.perspectives
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Case(_Strict):
    """One historical situation as the facts stood on `situation.date`, with its sources."""

    name: str
    period: str
    sources: list[str] = Field(min_length=1)
    situation: dict[str, Any]
    expect: Expect

    @field_validator("period", mode="before")
    @classmethod
    def _period_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted `2002-07-01` or `1994` as a date or a number; both are fine here.
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        return value


@dataclass(frozen=True)
class Mismatch:
    key: str
    expected: Any
    got: Any
    detail: str = ""

    def __str__(self) -> str:
        line = (
            f"expect.{self.key}: the case expects {_show(self.expected)},"
            f" the engine gave {_show(self.got)}"
        )
        return f"{line}\n      ({self.detail})" if self.detail else line


def _show(value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        return "[" + ", ".join(str(v) for v in sorted(value, key=str)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def load_cases(path: Path) -> list[Case]:
    """A file holds one case (a mapping) or several (a list of mappings)."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseError(f"{path.name}: not valid YAML: {exc}") from None
    items = raw if isinstance(raw, list) else [raw]
    cases: list[Case] = []
    for index, item in enumerate(items):
        where = f"{path.name}" + (f"[{index}]" if isinstance(raw, list) else "")
        if not isinstance(item, dict):
            raise CaseError(
                f"{where}: a case must be a mapping with name, period, sources, situation, expect"
            )
        try:
            cases.append(Case.model_validate(item))
        except ValidationError as exc:
            lines = [_case_error_line(err) for err in exc.errors()]
            raise CaseError(f"{where}: " + "; ".join(lines)) from None
    return cases


def _case_error_line(err: Any) -> str:
    loc = ".".join(str(p) for p in err["loc"])
    if err["type"] == "extra_forbidden":
        return f"{loc}: unknown key (check the spelling against tests/cases/README.md)"
    if err["type"] == "missing":
        return f"{loc}: required key is missing"
    return f"{loc}: {err['msg']}" if loc else str(err["msg"])


def situation_of(case: Case) -> Situation:
    """The case's situation, validated exactly as `protect assess` validates a file."""
    try:
        return Situation.model_validate(case.situation)
    except ValidationError as exc:
        raise CaseError("; ".join(format_errors(exc, ("situation",)))) from None


def compare(expect: Expect, assessment: Assessment) -> list[Mismatch]:
    """Every expected key the assessment contradicts, in the order the case file lists them."""
    doc = assessment.model_dump(mode="json")
    out: list[Mismatch] = []

    def same(key: str, want: Any, got: Any, *, as_set: bool = False) -> None:
        if want is None:
            return
        differs = sorted(want) != sorted(got) if as_set else want != got
        if differs:
            out.append(Mismatch(key, want, got))

    same("stage", expect.stage, doc["stage"])
    if expect.r2p is not None:
        r2p = doc["norms"]["r2p"]
        for field in ("in_force", "manifest_failure", "response_threshold_met"):
            same(f"r2p.{field}", getattr(expect.r2p, field), r2p[field])
        same("r2p.pillars", expect.r2p.pillars, r2p["pillars"])
    if expect.poc is not None:
        poc = doc["norms"]["poc"]
        same("poc.ihl_applies", expect.poc.ihl_applies, poc["ihl_applies"])
        same("poc.conflict_type", expect.poc.conflict_type, poc["conflict_type"])
        same("poc.perspectives", expect.poc.perspectives, poc["perspectives"], as_set=True)
        same("poc.tiers", expect.poc.tiers, poc["tiers"])
    same("icc_state_party", expect.icc_state_party, doc["derived"]["icc_state_party"])
    same(
        "icc_state_party_source",
        expect.icc_state_party_source,
        doc["derived"]["icc_state_party_source"],
    )
    same("crimes", expect.crimes, [c["id"] for c in doc["crimes"]], as_set=True)

    by_measure: dict[str, list[dict[str, Any]]] = {}
    for row in doc["measures"]:
        by_measure.setdefault(row["id"], []).append(row)
    for mid in expect.available:
        rows = by_measure.get(mid, [])
        if not any(r["available"] for r in rows):
            out.append(
                Mismatch(
                    f"available: {mid}",
                    "available to some actor",
                    "available to no actor",
                    _reasons(rows),
                )
            )
    for mid in expect.unavailable:
        rows = by_measure.get(mid, [])
        open_to = [r for r in rows if r["available"]]
        if open_to:
            out.append(
                Mismatch(
                    f"unavailable: {mid}",
                    "available to no actor",
                    "available to " + ", ".join(r["actor"] for r in open_to),
                    _reasons(open_to),
                )
            )
    for mid, actors in expect.available_to.items():
        rows = by_measure.get(mid, [])
        got = sorted(r["actor"] for r in rows if r["available"])
        if sorted(actors) != got:
            out.append(Mismatch(f"available_to.{mid}", actors, got, _reasons(rows)))

    same("tensions", expect.tensions, [t["id"] for t in doc["tensions"]], as_set=True)
    same("warnings", expect.warnings, [w["code"] for w in doc["warnings"]], as_set=True)
    return out


def _reasons(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "the assessment does not list this measure at all"
    return "; ".join(f"{r['actor']}: {r['reason'].rstrip('.')}" for r in rows)


def check(case: Case) -> list[Mismatch]:
    """Validate the situation, assess it and compare; raises CaseError on a bad situation."""
    return compare(case.expect, assess(situation_of(case)))


def report(path: Path, case: Case, mismatches: list[Mismatch]) -> str:
    """The failure text a domain expert reads: file, case, then one entry per differing key."""
    date = case.situation.get("date", "?")
    head = f"{path.name}: case {case.name!r} (as of {date}) does not match the engine:"
    return "\n".join([head, *(f"  - {m}" for m in mismatches)])
