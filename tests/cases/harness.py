"""Read a historical case file, run the engine on its situation and say in plain words what differs.

Kept apart from the pytest plumbing in `conftest.py` so that the comparison itself can be tested.
A case file is data a lawyer or historian writes; every mistake in it (a misspelt key, a measure id
the knowledge base does not know, a situation the contract rejects) must fail loudly and say where.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from protect import Assessment, Situation, assess
from protect.engine.documents import SituationError, parse_document
from protect.engine.errors import format_errors
from protect.engine.model import IccBasis
from protect.knowledge import kb
from protect.knowledge.schema import HarmKind
from protect.knowledge.treaties import TREATY_INSTRUMENTS, organisations

Stage = Literal["peace", "tension", "armed-conflict", "atrocity-crimes", "post-conflict"]
CrimeId = Literal["genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"]
WarningCode = Literal[
    "war-crimes-without-armed-conflict",
    "post-conflict-during-conflict",
    "chapter-vii-without-operation",
    "poc-mandate-without-operation",
    "icc-party-before-in-force",
    "code-outside-lifetime",
    "crime-period-unknown",
]
"""The warning codes fixed by docs/assessment.md §3, §4.3 and §4.5; the knowledge base does not
list them."""


def _treaty(value: str) -> str:
    if value not in TREATY_INSTRUMENTS:
        raise ValueError(f"{value!r} is not a known treaty id; known: {list(TREATY_INSTRUMENTS)}")
    return value


def _organisation(value: str) -> str:
    known = sorted(o.id for o in organisations().organisations)
    if value not in known:
        raise ValueError(f"{value!r} is not a known organisation id; known: {known}")
    return value


# Ids the knowledge base defines (contract 4.2), checked against it, never restated here.
TreatyId = Annotated[str, AfterValidator(_treaty)]
OrganisationId = Annotated[str, AfterValidator(_organisation)]
"""Ids fixed by docs/assessment.md §4.1 and §4.4 (contract version 2)."""


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
    civilian_harm: dict[HarmKind, Literal["sporadic", "widespread"]] | None = None


class ExpectICC(_Strict):
    """`derived.icc`; `period_from: null` is a value to check, so an absent key is told apart."""

    jurisdiction: bool | None = None
    bases: list[IccBasis] | None = None
    period_from: dt.date | None = None


class ExpectTreaties(_Strict):
    party: list[TreatyId] = Field(default_factory=list)
    not_party: list[TreatyId] = Field(default_factory=list)
    since: dict[TreatyId, dt.date] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _disjoint(self) -> ExpectTreaties:
        both = sorted(set(self.party) & set(self.not_party))
        if both:
            raise ValueError(f"party and not_party both list {', '.join(both)}")
        return self


class CiteRef(_Strict):
    """An instrument and, optionally, a pinpoint in it; without a pinpoint any citation counts."""

    instrument: str
    pinpoint: str | None = None

    def __str__(self) -> str:
        return self.instrument + (f" {self.pinpoint}" if self.pinpoint else "")


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
    # contract version 2 (docs/assessment.md §4)
    icc: ExpectICC | None = None
    treaties: ExpectTreaties | None = None
    regional: list[OrganisationId] | None = None
    applicable_law: list[str] | None = None
    cites: list[CiteRef] = Field(default_factory=list)
    never_cites: list[CiteRef] = Field(default_factory=list)
    in_place: list[str] | None = None
    summary_first: list[str] | None = None
    summary_actors: list[str] = Field(default_factory=list)
    unavailable_to: dict[str, list[str]] = Field(default_factory=dict)
    norm: dict[str, Literal["r2p", "poc", "both"]] = Field(default_factory=dict)
    precedent: dict[str, str | None] = Field(default_factory=dict)
    reasons: dict[str, list[str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ids_known(self) -> Expect:
        knowledge = kb()
        problems: list[str] = []
        for key, ids in (
            ("available", self.available),
            ("unavailable", self.unavailable),
            ("available_to", list(self.available_to)),
            ("unavailable_to", list(self.unavailable_to)),
            ("in_place", self.in_place or []),
            ("summary_first", self.summary_first or []),
            ("norm", list(self.norm)),
            ("precedent", list(self.precedent)),
            ("reasons", list(self.reasons)),
        ):
            problems += [
                f"{key}: {mid!r} is not a measure id in the knowledge base"
                for mid in ids
                if mid not in knowledge.measures
            ]
        actors = set(knowledge.actors)
        problems += [
            f"summary_actors: {actor!r} is not an actor id in the knowledge base"
            for actor in self.summary_actors
            if actor not in actors
        ]
        for key, table in (
            ("available_to", self.available_to),
            ("unavailable_to", self.unavailable_to),
        ):
            for mid, who in table.items():
                problems += [
                    f"{key}.{mid}: {actor!r} is not an actor id in the knowledge base"
                    for actor in who
                    if actor not in actors
                ]
        for key, instruments in (
            ("applicable_law", self.applicable_law or []),
            ("cites", [c.instrument for c in self.cites]),
            ("never_cites", [c.instrument for c in self.never_cites]),
            ("precedent", [i for i in self.precedent.values() if i is not None]),
        ):
            problems += [
                f"{key}: {iid!r} is not an instrument id in the knowledge base"
                for iid in instruments
                if iid not in knowledge.instruments
            ]
        clash = sorted({str(c) for c in self.cites} & {str(c) for c in self.never_cites})
        if clash:
            problems.append(f"cites and never_cites both list {', '.join(clash)}")
        clash = sorted(set(self.available_to) & set(self.unavailable_to))
        problems += [
            f"available_to and unavailable_to both list {mid}; give its actors in one of them"
            for mid in clash
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
    # The same reader as `protect assess`, so a case file is held to the rules of a situation
    # file (contract v2, 4.5: a key given twice or an impossible date is an error, not a guess).
    try:
        raw = parse_document(path.read_text(encoding="utf-8"))
    except SituationError as exc:
        raise CaseError(f"{path.name}: not valid YAML: {'; '.join(exc.problems)}") from None
    except (yaml.YAMLError, ValueError) as exc:
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
    return compare_document(expect, assessment.model_dump(mode="json"))


def compare_document(expect: Expect, doc: dict[str, Any]) -> list[Mismatch]:
    """`compare` on the JSON document `protect assess --format json` prints."""
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

    for mid, actors in expect.unavailable_to.items():
        rows = by_measure.get(mid, [])
        wrongly = sorted(r["actor"] for r in rows if r["available"] and r["actor"] in actors)
        if wrongly:
            out.append(
                Mismatch(
                    f"unavailable_to.{mid}",
                    f"not available to {', '.join(actors)}",
                    "available to " + ", ".join(wrongly),
                    _reasons(rows),
                )
            )

    same("tensions", expect.tensions, [t["id"] for t in doc["tensions"]], as_set=True)
    same("warnings", expect.warnings, [w["code"] for w in doc["warnings"]], as_set=True)
    out += _compare_v2(expect, doc, by_measure)
    return out


_ABSENT = "nothing: the assessment has no such field (contract v2, spec §4.4)"


def _dig(doc: Any, *path: str) -> Any:
    """The value at `path`, or None when any step is missing (an engine without v2 output)."""
    for step in path:
        if not isinstance(doc, dict) or step not in doc:
            return None
        doc = doc[step]
    return doc


def _compare_v2(
    expect: Expect, doc: dict[str, Any], by_measure: dict[str, list[dict[str, Any]]]
) -> list[Mismatch]:
    """The contract-v2 keys: each names the field that is missing when the engine lacks it."""
    out: list[Mismatch] = []
    if expect.poc is not None and expect.poc.civilian_harm is not None:
        got = _dig(doc, "norms", "poc", "civilian_harm")
        if got != expect.poc.civilian_harm:
            out.append(
                Mismatch(
                    "poc.civilian_harm", expect.poc.civilian_harm, _ABSENT if got is None else got
                )
            )
    if expect.icc is not None:
        icc = _dig(doc, "derived", "icc")
        given = expect.icc.model_fields_set
        for field in ("jurisdiction", "bases", "period_from"):
            if field not in given:
                continue
            want = getattr(expect.icc, field)
            if isinstance(want, dt.date):
                want = want.isoformat()
            if icc is None:
                out.append(Mismatch(f"icc.{field}", _null(want), _ABSENT))
                continue
            got = icc.get(field)
            if field == "bases":
                if sorted(want) != sorted(got or []):
                    out.append(Mismatch("icc.bases", want, got))
            elif want != got:
                out.append(Mismatch(f"icc.{field}", _null(want), _null(got)))
    if expect.treaties is not None:
        out += _compare_treaties(expect.treaties, _dig(doc, "derived", "treaties"))
    if expect.regional is not None:
        rows = _dig(doc, "derived", "regional")
        got_ids = None if rows is None else [r["organisation"] for r in rows]
        if got_ids is None or sorted(expect.regional) != sorted(got_ids):
            out.append(
                Mismatch("regional", expect.regional, _ABSENT if got_ids is None else got_ids)
            )
    if expect.applicable_law is not None:
        law = _dig(doc, "norms", "poc", "applicable_law")
        got_ids = None if law is None else sorted({c["instrument"] for c in law})
        if got_ids is None or sorted(set(expect.applicable_law)) != got_ids:
            detail = (
                ""
                if law is None
                else "cited: " + "; ".join(f"{c['instrument']} {c['pinpoint']}" for c in law)
            )
            out.append(
                Mismatch(
                    "applicable_law",
                    expect.applicable_law,
                    _ABSENT if got_ids is None else got_ids,
                    detail,
                )
            )
    cited = list(_citations(doc, ""))
    for ref in expect.cites:
        if not any(cites(c, ref) for _, c in cited):
            same_instrument = sorted(
                {c["pinpoint"] for _, c in cited if c["instrument"] == ref.instrument}
            )
            detail = (
                f"the document cites {ref.instrument} at: {'; '.join(same_instrument)}"
                if same_instrument
                else f"the document never cites {ref.instrument}"
            )
            out.append(Mismatch(f"cites: {ref}", "cited somewhere", "not cited", detail))
    for ref in expect.never_cites:
        where = [f"{path} ({c['pinpoint']})" for path, c in cited if cites(c, ref)]
        if where:
            out.append(
                Mismatch(
                    f"never_cites: {ref}",
                    "never cited",
                    "cited",
                    "at "
                    + "; ".join(where[:6])
                    + (f" and {len(where) - 6} more" if len(where) > 6 else ""),
                )
            )
    if expect.in_place is not None:
        rows = doc["measures"]
        if any("in_place" not in r for r in rows):
            out.append(Mismatch("in_place", expect.in_place, _ABSENT))
        else:
            got_ids = sorted({r["id"] for r in rows if r["in_place"]})
            if sorted(expect.in_place) != got_ids:
                out.append(Mismatch("in_place", expect.in_place, got_ids))
        summary_in_place = _dig(doc, "summary", "in_place")
        if summary_in_place is not None and sorted(expect.in_place) != sorted(summary_in_place):
            out.append(Mismatch("in_place (summary.in_place)", expect.in_place, summary_in_place))
    if expect.summary_first is not None:
        opened = _dig(doc, "summary", "open_measures")
        got_ids = None if opened is None else [m["id"] for m in opened]
        if got_ids is None or got_ids[: len(expect.summary_first)] != expect.summary_first:
            out.append(
                Mismatch(
                    "summary_first",
                    _in_order(expect.summary_first),
                    _ABSENT if got_ids is None else _in_order(got_ids),
                )
            )
    if expect.summary_actors:
        opened = _dig(doc, "summary", "open_measures")
        if opened is None:
            out.append(Mismatch("summary_actors", expect.summary_actors, _ABSENT))
        else:
            listed = {m["actor"] for m in opened}
            missing = [a for a in expect.summary_actors if a not in listed]
            if missing:
                out.append(
                    Mismatch(
                        "summary_actors",
                        f"open measures of {', '.join(missing)} in the summary",
                        "none of theirs",
                        "the summary lists: "
                        + _in_order([f"{m['id']} ({m['actor']})" for m in opened]),
                    )
                )
    for mid, norm in expect.norm.items():
        rows = by_measure.get(mid, [])
        got_norms = sorted({r["norm"] for r in rows})
        if got_norms != [norm]:
            out.append(Mismatch(f"norm.{mid}", norm, got_norms or "no row for this measure"))
    for mid, instrument in expect.precedent.items():
        rows = by_measure.get(mid, [])
        if any("precedent" not in r for r in rows):
            out.append(Mismatch(f"precedent.{mid}", _null(instrument), _ABSENT))
            continue
        got_set = sorted({_null((r["precedent"] or {}).get("instrument")) for r in rows})
        if not rows or got_set != [_null(instrument)]:
            out.append(Mismatch(f"precedent.{mid}", _null(instrument), got_set or "no row"))
    for mid, phrases in expect.reasons.items():
        rows = by_measure.get(mid, [])
        for phrase in phrases:
            if not any(phrase.lower() in r["reason"].lower() for r in rows):
                out.append(
                    Mismatch(
                        f"reasons.{mid}",
                        f"a reason saying {phrase!r}",
                        "no reason saying it",
                        _reasons(rows),
                    )
                )
    return out


def _null(value: Any) -> Any:
    return "null" if value is None else value


def _in_order(ids: list[str]) -> str:
    return " > ".join(ids) if ids else "none"


def _compare_treaties(expect: ExpectTreaties, rows: Any) -> list[Mismatch]:
    if rows is None:
        wanted = [*expect.party, *expect.not_party, *expect.since]
        return [Mismatch("treaties", sorted(set(wanted)), _ABSENT)] if wanted else []
    by_id = {r["instrument"]: r for r in rows}
    out: list[Mismatch] = []
    for iid, want in [*((i, True) for i in expect.party), *((i, False) for i in expect.not_party)]:
        row = by_id.get(iid)
        if row is None:
            out.append(
                Mismatch(
                    f"treaties.{iid}",
                    "party" if want else "not a party",
                    "no entry for it in derived.treaties",
                )
            )
        elif bool(row["party"]) != want:
            out.append(
                Mismatch(
                    f"treaties.{iid}",
                    "party" if want else "not a party",
                    "party" if row["party"] else "not a party",
                    f"since {row.get('since')}, source {row.get('source')}",
                )
            )
    for iid, since in expect.since.items():
        row = by_id.get(iid)
        got = None if row is None else row.get("since")
        if got != since.isoformat():
            out.append(
                Mismatch(
                    f"treaties.since.{iid}",
                    since.isoformat(),
                    "no entry" if row is None else _null(got),
                )
            )
    return out


def _citations(node: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every citation in the document (an object with an instrument and a pinpoint), with where."""
    if isinstance(node, dict):
        if isinstance(node.get("instrument"), str) and isinstance(node.get("pinpoint"), str):
            yield path, node
            return
        for key, value in node.items():
            yield from _citations(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            tag = item.get("id") if isinstance(item, dict) else None
            yield from _citations(item, f"{path}[{tag if isinstance(tag, str) else i}]")


# A pinpoint is compared by what it designates, as a lawyer reads it: "Art. 147" is cited by
# "Art. 147", "Arts. 49, 147" and "Art. 147(1)"; "Art. 8(2)(e)" by "Art. 8(2)(e)(viii)"; "Art. 50"
# by "Arts. 48-58"; a remark in brackets after a space ("Art. 3 (common Article 3)") is ignored.
_KINDS = {
    "art": "art",
    "arts": "art",
    "article": "art",
    "articles": "art",
    "para": "para",
    "paras": "para",
    "paragraph": "para",
    "paragraphs": "para",
    "sec": "sec",
    "secs": "sec",
    "section": "sec",
    "sections": "sec",
    "rule": "rule",
    "rules": "rule",
    "chapter": "chapter",
    "chapters": "chapter",
}
_HEAD = re.compile(r"^\s*(?:common\s+)?([a-z]+)\.?\s*", re.IGNORECASE)
_REMARK = re.compile(r"\s+\((?:[^()]|\([^()]*\))*\)")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_LEAD = re.compile(r"^(\d+)")
_SUBRANGE = re.compile(r"^(.*)\(([a-z]+|\d+)\)-\(([a-z]+|\d+)\)$")


def _designations(pinpoint: str) -> tuple[str, list[str]] | None:
    """(kind, designations) of a pinpoint such as "Arts. 49, 147"; None if not of that form."""
    head = _HEAD.match(pinpoint)
    if head is None or head.group(1).lower() not in _KINDS:
        return None
    rest = _REMARK.sub("", pinpoint[head.end() :]).lower()
    items = [i.strip() for i in re.split(r",|;|\band\b", rest) if i.strip()]
    return _KINDS[head.group(1).lower()], items


def _designates(item: str, wanted: str) -> bool:
    if item == wanted or item.startswith(wanted + "("):
        return True
    span, lead = _RANGE.match(item), _LEAD.match(wanted)
    if span and lead:
        return int(span.group(1)) <= int(lead.group(1)) <= int(span.group(2))
    sub = _SUBRANGE.match(item)  # "8(2)(c)-(f)" designates 8(2)(c), (d), (e) and (f)
    if sub and wanted.startswith(sub.group(1) + "("):
        rest = wanted[len(sub.group(1)) + 1 :].split(")")[0]
        low, high = sub.group(2), sub.group(3)
        if rest.isdigit() and low.isdigit() and high.isdigit():
            return int(low) <= int(rest) <= int(high)
        return len(rest) == len(low) == len(high) == 1 and low <= rest <= high
    return False


def cites(citation: dict[str, Any], ref: CiteRef) -> bool:
    if citation["instrument"] != ref.instrument:
        return False
    if ref.pinpoint is None:
        return True
    wanted, got = _designations(ref.pinpoint), _designations(citation["pinpoint"])
    if wanted is None or got is None:
        norm = " ".join(ref.pinpoint.lower().split())
        return norm in " ".join(citation["pinpoint"].lower().split())
    return wanted[0] == got[0] and all(any(_designates(i, w) for i in got[1]) for w in wanted[1])


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
