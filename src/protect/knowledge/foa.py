"""The UN Framework of Analysis for Atrocity Crimes (2014) as data: `data/foa.yaml`.

Loaded once and checked against the rest of the knowledge base, so that a typo in a measure id,
an indicator number or a pre-fill field fails at load with the file and the entry named, not
later in an analyst's report.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError

from protect.knowledge.base import kb
from protect.knowledge.levels import LEVELS, AlertLevel
from protect.knowledge.loader import KnowledgeError, read_yaml
from protect.knowledge.schema import CitationRef, Confidence, Slug, Strict

FILE = "foa.yaml"

FactorKind = Literal["common", "genocide", "crimes-against-humanity", "war-crimes"]
Rating = Literal["not-present", "low", "moderate", "high", "unknown"]
RATINGS: tuple[Rating, ...] = ("not-present", "low", "moderate", "high", "unknown")
SuggestedRating = Literal["low", "moderate", "high"]
PrefillSource = Literal["monitor", "risk", "engine"]
CategoryId = AlertLevel

# The Framework's own grouping of its fourteen factors (Part II): 1-8 common, then two factors
# for each crime. A file that numbers them otherwise is refused.
KIND_OF: dict[int, FactorKind] = {
    **dict.fromkeys(range(1, 9), "common"),
    9: "genocide",
    10: "genocide",
    11: "crimes-against-humanity",
    12: "crimes-against-humanity",
    13: "war-crimes",
    14: "war-crimes",
}

# What each source offers to the pre-fill rules (built by protect.service.foa_prefill). The risk
# source offers any column of the EWP predictors file, so it is not listed.
SOURCE_FIELDS: dict[PrefillSource, frozenset[str]] = {
    "monitor": frozenset(
        {
            "armed_conflict",
            "alert_rule",
            "alert_level",
            "one_sided_12m",
            "civilians_12m",
            "state_based_12m",
            "top_perpetrator_12m",
        }
    ),
    "engine": frozenset(
        {"icc_state_party", "icc_jurisdiction", "treaties_not_party", "treaties_missing"}
    ),
}

FactorNumber = Annotated[int, Field(ge=1, le=14)]


class Indicator(Strict):
    number: str = Field(pattern=r"^\d{1,2}\.\d{1,2}$")
    text: str = Field(min_length=10)


class Factor(Strict):
    number: FactorNumber
    kind: FactorKind
    title: str = Field(min_length=5)
    summary: str = Field(min_length=20)
    citation: CitationRef
    indicators_confidence: Confidence
    indicators: list[Indicator] = Field(min_length=1)
    measures: list[Slug] = Field(min_length=1)


class Test(Strict):
    field: str = Field(min_length=1)
    op: Literal["eq", "gt", "gte", "in", "not_in"]
    value: Any

    def holds(self, actual: Any) -> bool:
        if actual is None:
            return False
        if self.op == "eq":
            return bool(actual == self.value)
        if self.op == "in":
            return bool(actual in self.value)
        if self.op == "not_in":
            return bool(actual not in self.value)
        if isinstance(actual, bool) or not isinstance(actual, int | float):
            return False
        return bool(actual > self.value if self.op == "gt" else actual >= self.value)


class PrefillRule(Strict):
    id: Slug
    factor: FactorNumber
    indicators: list[str] = Field(min_length=1)
    source: PrefillSource
    when: list[Test] = Field(min_length=1)
    rating: SuggestedRating
    says: str = Field(min_length=10, description="evidence text; {field} takes the data's value")
    rationale: str = Field(min_length=10)
    sources: list[str] = Field(min_length=1)


class Condition(Strict):
    factors: list[FactorNumber] = Field(min_length=1)
    rated: list[Rating] = Field(min_length=1)
    at_least: int = Field(ge=1)


class Category(Strict):
    id: CategoryId
    title: str
    meaning: str = Field(min_length=10)
    source: str = Field(min_length=3)
    rules: list[list[Condition]] = Field(min_length=1)


class Framework(Strict):
    instrument: Slug
    pages_confidence: Confidence
    factors: list[Factor] = Field(min_length=14, max_length=14)
    prefill: list[PrefillRule]
    categories: list[Category] = Field(min_length=3, max_length=3)

    def factor(self, number: int) -> Factor:
        return self.factors[number - 1]


def _cross_check(fw: Framework) -> list[str]:
    """Problems between the file and itself or the rest of the knowledge base."""
    base = kb()
    problems: list[str] = []
    if fw.instrument not in base.instruments:
        problems.append(f"instrument {fw.instrument!r} is not in instruments.yaml")
    for position, factor in enumerate(fw.factors, start=1):
        where = f"factors[{position - 1}] (risk factor {factor.number})"
        if factor.number != position:
            problems.append(f"{where}: factors must be numbered 1-14 in order, got {factor.number}")
        elif factor.kind != KIND_OF[position]:
            problems.append(
                f"{where}: the Framework makes factor {position} {KIND_OF[position]!r}, "
                f"not {factor.kind!r}"
            )
        if factor.citation.instrument != fw.instrument:
            problems.append(f"{where}: cites {factor.citation.instrument!r}, not {fw.instrument!r}")
        expected = [f"{factor.number}.{i}" for i in range(1, len(factor.indicators) + 1)]
        got = [i.number for i in factor.indicators]
        if got != expected:
            problems.append(
                f"{where}: indicators must be numbered {', '.join(expected)}; got {got}"
            )
        for measure in factor.measures:
            if measure not in base.measures:
                problems.append(f"{where}: unknown measure id {measure!r} (not in measures.yaml)")
        if len(set(factor.measures)) != len(factor.measures):
            problems.append(f"{where}: a measure is listed twice")
    known = {i.number for f in fw.factors for i in f.indicators}
    seen: set[str] = set()
    for rule in fw.prefill:
        where = f"prefill {rule.id!r}"
        if rule.id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(rule.id)
        for number in rule.indicators:
            if number not in known or not number.startswith(f"{rule.factor}."):
                problems.append(f"{where}: indicator {number} is not one of factor {rule.factor}")
        allowed = SOURCE_FIELDS.get(rule.source)
        for test in rule.when:
            if allowed is not None and test.field not in allowed:
                problems.append(
                    f"{where}: source {rule.source!r} has no field {test.field!r} "
                    f"(it offers {', '.join(sorted(allowed))})"
                )
            if test.op in ("in", "not_in") and not isinstance(test.value, list):
                problems.append(f"{where}: {test.op} needs a list")
    order = [c.id for c in fw.categories]
    if order != list(LEVELS):
        problems.append(f"categories must be {', '.join(LEVELS)}, in this order: {order}")
    return problems


def parse(data: Any, name: str = FILE) -> Framework:
    """Validate and cross-check Framework data (the parsed YAML); every problem names its place."""
    try:
        fw = Framework.model_validate(data)
    except ValidationError as exc:
        lines = [
            f"{name}: {'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()
        ]
        raise KnowledgeError("\n".join(lines)) from exc
    problems = _cross_check(fw)
    if problems:
        raise KnowledgeError("\n".join(f"{name}: {p}" for p in problems))
    return fw


@cache
def framework() -> Framework:
    """The bundled Framework (loaded and checked once per process)."""
    return parse(read_yaml(FILE))


__all__ = [
    "KIND_OF",
    "RATINGS",
    "Category",
    "Factor",
    "Framework",
    "Indicator",
    "PrefillRule",
    "Rating",
    "framework",
    "parse",
]
