"""Structured atrocity-risk assessments with the UN Framework of Analysis (2014).

An analyst creates an assessment of a country at a date, rates each of the Framework's 14 risk
factors (`not-present`, `low`, `moderate`, `high`, `unknown`) with evidence and reasoning, may ask
for suggestions from the data (kept apart and marked machine-made until accepted or changed),
and submits it; another analyst reviews it and approves it or returns it with comments. Every
change adds a version (never an update), in the same transaction as its audit entry. The
conclusion (the R2P Monitor's category with its reasons, and the measures linked to the factors
rated high, per actor, from the engine's assessment at the same date) is recomputed and stored
with each version, so an approved assessment keeps the conclusion it was approved with.

Reviewing needs no separate role: a reviewer is any analyst (or admin) other than the one who
submitted the version under review (four eyes).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from protect.knowledge.foa import RATINGS, CategoryId, Framework, Rating, framework
from protect.service import audit
from protect.service.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from protect.service.roles import Principal, require
from protect.service.schemas import Out
from protect.storage import Database
from protect.storage.models import FoaAssessment, FoaVersion

Status = Literal["draft", "submitted", "approved", "returned"]
Decision = Literal["approve", "return"]
_EDITABLE: tuple[Status, ...] = ("draft", "returned")
_VERSION_RETRIES = 20
MAX_ID = 2**31 - 1

# --- shapes ------------------------------------------------------------------------------------

_TEXT = 10_000


class EvidenceIn(Out):
    what: str = Field(min_length=1, max_length=2000, description="what the evidence shows")
    source: str = Field(min_length=1, max_length=500, description="who reported it, and where")
    date: str = Field(max_length=10, description="when: YYYY, YYYY-MM or YYYY-MM-DD")
    link: str | None = Field(default=None, max_length=2000, description="an http(s) address")

    @field_validator("date")
    @classmethod
    def _a_date(cls, value: str) -> str:
        try:
            if re.fullmatch(r"\d{4}", value):
                return value
            if re.fullmatch(r"\d{4}-\d{2}", value):
                dt.date.fromisoformat(value + "-01")
                return value
            dt.date.fromisoformat(value)
            if len(value) == 10:
                return value
        except ValueError:
            pass
        raise ValueError(f"{value!r} is not a date written YYYY, YYYY-MM or YYYY-MM-DD")

    @field_validator("link")
    @classmethod
    def _a_link(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"https?://\S+", value):
            raise ValueError(f"{value!r} is not an http:// or https:// address")
        return value


class Suggestion(Out):
    """A rating the data suggest; machine-made, with the data and their date."""

    rating: Rating
    reasoning: str
    evidence: list[EvidenceIn]
    rules: list[str]
    indicators: list[str]
    data: list[dict[str, Any]]
    as_of: str = Field(description="the period the data describe")
    made_at: str
    machine_made: Literal[True] = True


class FactorState(Out):
    factor: int
    title: str
    kind: str
    rating: Rating | None = Field(description="the analyst's rating; None until rated")
    reasoning: str
    evidence: list[EvidenceIn]
    origin: Literal["analyst", "accepted-suggestion"] | None
    rated_by: str | None
    rated_at: str | None
    suggestion: Suggestion | None
    pending: bool = Field(
        description="a machine-made suggestion no analyst has accepted or changed"
    )


class RatingIn(Out):
    """One factor's rating: a rating with reasoning and evidence, or `accept` of the suggestion."""

    factor: int = Field(ge=1, le=14)
    rating: Rating | None = None
    reasoning: str = Field(default="", max_length=_TEXT)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=100)
    accept: bool = Field(default=False, description="take the pending suggestion as it stands")

    @model_validator(mode="after")
    def _one_way(self) -> RatingIn:
        if self.accept == (self.rating is not None):
            raise ValueError("give either a rating or accept=true (the suggestion), not both")
        return self


class RateIn(Out):
    ratings: list[RatingIn] = Field(min_length=1, max_length=14)


class NewFoaIn(Out):
    country: str = Field(pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3")
    date: dt.date
    situation: dict[str, Any] | None = Field(
        default=None,
        description="the facts in the assessment contract's input form, for the engine's "
        "measures; default: what the monitor derives at suggest time",
    )


class SubmitIn(Out):
    note: str = Field(default="", max_length=_TEXT)
    category: CategoryId | Literal["none"] | None = Field(
        default=None, description="the analyst's category when it differs from the proposal"
    )
    reason: str = Field(default="", max_length=_TEXT)

    @model_validator(mode="after")
    def _reasoned(self) -> SubmitIn:
        if self.category is not None and not self.reason.strip():
            raise ValueError("a category chosen by the analyst needs a reason")
        return self


class ReviewIn(Out):
    decision: Decision
    comment: str = Field(default="", max_length=_TEXT)

    @model_validator(mode="after")
    def _explained(self) -> ReviewIn:
        if self.decision == "return" and not self.comment.strip():
            raise ValueError("returning an assessment needs a comment saying what to change")
        return self


class Comment(Out):
    by: str
    at: str
    action: str
    text: str


class ProposedMeasure(Out):
    id: str
    title: str
    available: bool
    reason: str
    factors: list[int] = Field(description="the factors rated high that this measure addresses")


class ActorMeasures(Out):
    actor: str
    measures: list[ProposedMeasure]


class Conclusion(Out):
    category: CategoryId | None = Field(description="the category that applies (None: none)")
    proposed: CategoryId | None = Field(description="what the rules of foa.yaml propose")
    reasons: list[str]
    override: dict[str, Any] | None
    high_factors: list[int]
    measures: list[ActorMeasures]
    measures_note: str
    rules_version: str


class FoaSummary(Out):
    id: int
    country: str
    date: str
    version: int
    status: Status
    created_by: str
    created_at: dt.datetime
    updated_by: str
    updated_at: dt.datetime
    ratings: dict[str, Rating | None]
    category: CategoryId | None


class FoaRecord(FoaSummary):
    framework: dict[str, str]
    situation: dict[str, Any] | None
    situation_source: str | None
    factors: list[FactorState]
    prefill_notes: list[str]
    comments: list[Comment]
    conclusion: Conclusion


class FoaPage(Out):
    items: list[FoaSummary]
    total: int
    limit: int
    offset: int


class VersionSummary(Out):
    version: int
    status: Status
    action: str
    created_by: str
    created_at: dt.datetime


class FactorChange(Out):
    factor: int
    title: str
    before: Rating | None
    after: Rating | None
    changed: list[str] = Field(description="rating, reasoning, evidence: what differs")


class FoaDiff(Out):
    before: dict[str, Any]
    after: dict[str, Any]
    factors: list[FactorChange]
    category_before: CategoryId | None
    category_after: CategoryId | None


# --- helpers -----------------------------------------------------------------------------------


def _problems(exc: ValidationError, prefix: tuple[str | int, ...] = ()) -> InvalidInputError:
    from protect.engine.errors import field_path

    errors = []
    for err in exc.errors(include_url=False, include_context=False, include_input=False):
        loc = (*prefix, *err["loc"])
        errors.append(
            {
                "loc": list(loc),
                "field": field_path(loc),
                "msg": err["msg"].removeprefix("Value error, "),
                "type": err["type"],
            }
        )
    summary = "; ".join(f"{e['field'] or 'body'}: {e['msg']}" for e in errors[:5])
    return InvalidInputError(f"invalid input: {summary}", errors)


def _validate(model: type[Any], data: Any) -> Any:
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _problems(exc) from exc


def _no_nul(value: Any, where: str) -> None:
    """NUL characters cannot be stored by PostgreSQL; refuse them with their field."""
    if isinstance(value, BaseModel):
        value = value.model_dump()
    if isinstance(value, str) and "\x00" in value:
        raise InvalidInputError(
            f"{where}: text must not contain NUL characters",
            [{"loc": [where], "field": where, "msg": "contains NUL", "type": "string_nul"}],
        )
    if isinstance(value, dict):
        for k, v in value.items():
            _no_nul(v, f"{where}.{k}" if where else str(k))
    if isinstance(value, list):
        for i, v in enumerate(value):
            _no_nul(v, f"{where}[{i}]")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _blank_factors(fw: Framework) -> list[dict[str, Any]]:
    return [
        {
            "factor": f.number,
            "rating": None,
            "reasoning": "",
            "evidence": [],
            "origin": None,
            "rated_by": None,
            "rated_at": None,
            "suggestion": None,
        }
        for f in fw.factors
    ]


def _situation(payload: dict[str, Any], country: str, on: dt.date) -> dict[str, Any]:
    """The facts for the engine, checked by the engine's own model; country and date are the
    assessment's."""
    from protect.service.assessments import parse

    for key, want in (("country", country), ("date", on.isoformat())):
        given = payload.get(key)
        if given is not None and str(given).upper() != want.upper():
            raise InvalidInputError(
                f"situation.{key}: {given!r} differs from the assessment's {key} {want}",
                [
                    {
                        "loc": ["situation", key],
                        "field": f"situation.{key}",
                        "msg": f"differs from the assessment's {key} {want}",
                        "type": "value_error",
                    }
                ],
            )
    facts = {**payload, "country": country, "date": on.isoformat()}
    try:
        situations, _ = parse(facts)
    except InvalidInputError as exc:
        errors = [{**e, "field": f"situation.{e['field']}"} for e in exc.errors]
        raise InvalidInputError(f"situation: {exc.message}", errors) from exc
    return dict(situations[0].model_dump(mode="json", by_alias=True, exclude_unset=True))


def _engine_document(situation: dict[str, Any] | None, country: str, on: dt.date) -> dict[str, Any]:
    """The engine's assessment of the situation; without one, of the bare country and date (the
    treaty and ICC facts it derives depend on nothing else)."""
    from protect import Situation, assess

    facts = situation or {
        "country": country,
        "date": on.isoformat(),
        "armed_conflict": "none",
        "state_role": "protecting",
    }
    document: dict[str, Any] = assess(Situation.model_validate(facts)).model_dump(mode="json")
    return document


def conclude(
    fw: Framework,
    factors: list[dict[str, Any]],
    document: dict[str, Any] | None,
    override: dict[str, Any] | None,
) -> Conclusion:
    """The R2P Monitor category the ratings place the country in, and the measures linked to
    the factors rated high, per actor, as the engine finds them at the date."""
    from protect.engine import RULES_VERSION

    rated = {int(f["factor"]): f["rating"] for f in factors if f["rating"] is not None}
    proposed: CategoryId | None = None
    reasons: list[str] = []
    for category in fw.categories:
        for rule in category.rules:
            parts = []
            for cond in rule:
                hit = [n for n in cond.factors if rated.get(n) in cond.rated]
                if len(hit) < cond.at_least:
                    break
                parts.append(
                    f"{len(hit)} of factors {_numbers(cond.factors)} rated "
                    f"{' or '.join(cond.rated)} ({_numbers(hit)}; at least {cond.at_least} needed)"
                )
            else:
                proposed = category.id
                reasons = [f"{category.title}: {category.meaning.strip()}", *parts]
                break
        if proposed is not None:
            break
    if proposed is None:
        reasons = ["The ratings meet none of the R2P Monitor categories' rules (foa.yaml)."]
    chosen = proposed
    if override is not None:
        chosen = None if override["category"] == "none" else override["category"]
        reasons.append(f"Analyst's category: {override['category']} ({override['reason']}).")
    high = sorted(n for n, r in rated.items() if r == "high")
    linked: dict[str, list[int]] = {}
    for n in high:
        for measure in fw.factor(n).measures:
            linked.setdefault(measure, []).append(n)
    by_actor: dict[str, list[ProposedMeasure]] = {}
    if document is None:
        note = "No situation facts: give them (assessment contract) to see the engine's measures."
    elif not high:
        note = "No factor is rated high, so no measure is proposed."
    else:
        note = (
            f"Measures linked to factor{'s' if len(high) > 1 else ''} {_numbers(high)} rated high "
            "(foa.yaml), as the engine finds "
            f"them for {document['situation']['country']} on {document['situation']['date']}."
        )
        for m in document.get("measures", []):
            if m["id"] in linked:
                by_actor.setdefault(m["actor"], []).append(
                    ProposedMeasure(
                        id=m["id"],
                        title=m["title"],
                        available=bool(m["available"]),
                        reason=m["reason"],
                        factors=linked[m["id"]],
                    )
                )
    measures = [
        ActorMeasures(actor=a, measures=sorted(ms, key=lambda m: (not m.available, m.id)))
        for a, ms in by_actor.items()
    ]
    return Conclusion(
        category=chosen,
        proposed=proposed,
        reasons=reasons,
        override=override,
        high_factors=high,
        measures=measures,
        measures_note=note,
        rules_version=str(RULES_VERSION),
    )


def _numbers(ns: list[int]) -> str:
    return ", ".join(str(n) for n in ns) or "none"


def _with_conclusion(
    fw: Framework, head: FoaAssessment, document: dict[str, Any]
) -> dict[str, Any]:
    on = dt.date.fromisoformat(head.as_of)
    situation = document.get("situation")
    engine = _engine_document(situation, head.country, on) if situation else None
    document["conclusion"] = conclude(
        fw, document["factors"], engine, document.get("override")
    ).model_dump(mode="json")
    return document


def _factor_state(fw: Framework, raw: dict[str, Any]) -> FactorState:
    factor = fw.factor(int(raw["factor"]))
    suggestion = Suggestion.model_validate(raw["suggestion"]) if raw["suggestion"] else None
    return FactorState(
        factor=factor.number,
        title=factor.title,
        kind=factor.kind,
        rating=raw["rating"],
        reasoning=raw["reasoning"],
        evidence=[EvidenceIn.model_validate(e) for e in raw["evidence"]],
        origin=raw["origin"],
        rated_by=raw["rated_by"],
        rated_at=raw["rated_at"],
        suggestion=suggestion,
        pending=suggestion is not None and raw["rating"] is None,
    )


def _summary(head: FoaAssessment, row: FoaVersion) -> FoaSummary:
    doc = row.document
    return FoaSummary(
        id=head.id,
        country=head.country,
        date=head.as_of,
        version=row.version,
        status=row.status,
        created_by=head.created_by,
        created_at=audit.aware(head.created_at),
        updated_by=row.created_by,
        updated_at=audit.aware(row.created_at),
        ratings={str(f["factor"]): f["rating"] for f in doc["factors"]},
        category=doc["conclusion"]["category"],
    )


def _record(head: FoaAssessment, row: FoaVersion) -> FoaRecord:
    fw = framework()
    doc = row.document
    instrument = fw.instrument
    return FoaRecord(
        **_summary(head, row).model_dump(),
        framework={"instrument": instrument, "title": _instrument_title(instrument)},
        situation=doc.get("situation"),
        situation_source=doc.get("situation_source"),
        factors=[_factor_state(fw, f) for f in doc["factors"]],
        prefill_notes=list(doc.get("prefill_notes", [])),
        comments=[Comment.model_validate(c) for c in doc.get("comments", [])],
        conclusion=Conclusion.model_validate(doc["conclusion"]),
    )


def _instrument_title(instrument: str) -> str:
    from protect.knowledge import kb

    return kb().instruments[instrument].title


def _head(session: Session, assessment_id: int) -> FoaAssessment:
    head = session.get(FoaAssessment, assessment_id)
    if head is None:
        raise NotFoundError(f"no Framework assessment with id {assessment_id}")
    return head


def _version(session: Session, assessment_id: int, version: int | None = None) -> FoaVersion:
    query = select(FoaVersion).where(FoaVersion.assessment_id == assessment_id)
    if version is None:
        query = query.order_by(FoaVersion.version.desc()).limit(1)
    else:
        query = query.where(FoaVersion.version == version)
    row = session.scalar(query)
    if row is None:
        raise NotFoundError(f"Framework assessment {assessment_id} has no version {version}")
    return row


def _add_version(
    db: Database,
    actor: Principal,
    assessment_id: int,
    action: str,
    change: Any,
    expected_version: int | None = None,
) -> FoaRecord:
    """Apply `change(head, latest_row, document)` -> (status, document, audit detail) and store
    the result as the next version, with its audit entry, in one transaction. Two writers never
    get the same number: the unique constraint decides and the loser retries."""
    import copy

    for _attempt in range(_VERSION_RETRIES):
        try:
            with db.writing() as session:
                db.serialize(session, f"foa:{assessment_id}")
                head = _head(session, assessment_id)
                latest = _version(session, assessment_id)
                if expected_version is not None and latest.version != expected_version:
                    raise ConflictError(
                        f"assessment {assessment_id} changed since version {expected_version} "
                        f"(it is at version {latest.version}, by {latest.created_by}); "
                        "reload it and try again"
                    )
                document = copy.deepcopy(dict(latest.document))
                status, document, detail = change(head, latest, document)
                document = _with_conclusion(framework(), head, document)
                row = FoaVersion(
                    assessment_id=assessment_id,
                    version=latest.version + 1,
                    status=status,
                    action=action,
                    document=document,
                    created_by=actor.name,
                    created_at=_now(),
                )
                session.add(row)
                session.flush()
                audit.record(
                    session,
                    actor.name,
                    f"foa.{action}",
                    f"foa/{assessment_id}",
                    {"version": row.version, "status": status, **detail},
                )
                return _record(head, row)
        except IntegrityError:
            continue
    raise ConflictError("too many concurrent changes to this assessment; try again")


def _editable(latest: FoaVersion, what: str) -> None:
    if latest.status not in _EDITABLE:
        raise ConflictError(
            f"cannot {what}: the assessment is {latest.status}; only a draft or a returned "
            "assessment can be changed (create a new assessment to revise an approved one)"
        )


# --- the workflow ------------------------------------------------------------------------------


def create(db: Database, principal: Principal | None, payload: Any) -> FoaRecord:
    """A new draft with every factor unrated (analyst)."""
    from protect.knowledge.countries import is_known

    actor = require(principal, "analyst")
    _no_nul(payload, "")
    data: NewFoaIn = _validate(NewFoaIn, payload)
    country = data.country.upper()
    if not is_known(country):
        raise InvalidInputError(
            f"country: {data.country!r} is not an ISO 3166-1 alpha-3 code",
            [{"loc": ["country"], "field": "country", "msg": "unknown country", "type": "value"}],
        )
    situation = _situation(data.situation, country, data.date) if data.situation else None
    fw = framework()
    document: dict[str, Any] = {
        "factors": _blank_factors(fw),
        "situation": situation,
        "situation_source": "analyst" if situation else None,
        "prefill_notes": [],
        "comments": [],
        "override": None,
    }
    now = _now()
    with db.writing() as session:
        head = FoaAssessment(
            country=country, as_of=data.date.isoformat(), created_by=actor.name, created_at=now
        )
        session.add(head)
        session.flush()
        document = _with_conclusion(fw, head, document)
        row = FoaVersion(
            assessment_id=head.id,
            version=1,
            status="draft",
            action="create",
            document=document,
            created_by=actor.name,
            created_at=now,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor.name,
            "foa.create",
            f"foa/{head.id}",
            {"version": 1, "country": country, "date": head.as_of},
        )
        return _record(head, row)


def get(
    db: Database, principal: Principal | None, assessment_id: int, version: int | None = None
) -> FoaRecord:
    require(principal, "viewer")
    with db.reading() as session:
        head = _head(session, assessment_id)
        return _record(head, _version(session, assessment_id, version))


def rate(
    db: Database,
    principal: Principal | None,
    assessment_id: int,
    payload: Any,
    *,
    expected_version: int | None = None,
) -> FoaRecord:
    """Rate one or more factors (analyst), as one new version. Accepting takes the pending
    suggestion's rating, reasoning and evidence; rating changes it, and the suggestion stays
    beside the analyst's rating for comparison."""
    actor = require(principal, "analyst")
    _no_nul(payload, "")
    data: RateIn = _validate(RateIn, payload)
    numbers = [r.factor for r in data.ratings]
    if len(set(numbers)) != len(numbers):
        raise InvalidInputError(
            "each factor may be rated once per call",
            [{"loc": ["ratings"], "field": "ratings", "msg": "duplicate factor", "type": "value"}],
        )

    def change(
        _head: FoaAssessment, latest: FoaVersion, doc: dict[str, Any]
    ) -> tuple[Status, dict[str, Any], dict[str, Any]]:
        _editable(latest, "rate")
        stamp = _now().isoformat()
        for i, r in enumerate(data.ratings):
            entry = doc["factors"][r.factor - 1]
            if r.accept:
                suggestion = entry["suggestion"]
                if suggestion is None:
                    raise InvalidInputError(
                        f"factor {r.factor} has no suggestion to accept; rate it instead",
                        [
                            {
                                "loc": ["ratings", i, "accept"],
                                "field": f"ratings[{i}].accept",
                                "msg": "no suggestion",
                                "type": "value",
                            }
                        ],
                    )
                entry.update(
                    rating=suggestion["rating"],
                    reasoning=suggestion["reasoning"],
                    evidence=list(suggestion["evidence"]),
                    origin="accepted-suggestion",
                )
            else:
                entry.update(
                    rating=r.rating,
                    reasoning=r.reasoning,
                    evidence=[e.model_dump() for e in r.evidence],
                    origin="analyst",
                )
            entry.update(rated_by=actor.name, rated_at=stamp)
        return "draft", doc, {"factors": numbers}

    return _add_version(db, actor, assessment_id, "rate", change, expected_version)


def suggest(
    db: Database,
    principal: Principal | None,
    assessment_id: int,
    *,
    events_db: Any = None,
    sources: Any = None,
    expected_version: int | None = None,
) -> FoaRecord:
    """Attach the data's suggestions to the factors (analyst), as one new version. A factor
    already rated keeps the analyst's rating; the suggestion is shown beside it."""
    from protect.service import foa_prefill as pre

    actor = require(principal, "analyst")
    with db.reading() as session:
        head = _head(session, assessment_id)
        country, on = head.country, dt.date.fromisoformat(head.as_of)
        _editable(_version(session, assessment_id), "add suggestions")
        current = _version(session, assessment_id).document.get("situation")
    monitor = pre.read_monitor(country, on, events_db)
    situation = current
    situation_source = None
    if current is None and monitor.available:
        from protect.monitor.api import StoreError

        try:
            derived = pre.monitor_situation(country, on, events_db)
        except (StoreError, LookupError, ValueError):
            derived = None  # the panel changed since it was read: go on without its facts
        if derived is not None:
            situation = _situation(derived, country, on)
            situation_source = f"monitor ({monitor.period}, machine-made)"
    engine = pre.read_engine(_engine_document(situation, country, on), on)
    readings = pre.Readings(
        monitor=monitor, risk=pre.read_risk(country, on, sources), engine=engine
    )
    made = pre.suggestions(framework(), readings, _now())
    notes = [
        f"{r.source}: {r.dataset}, "
        + (f"period {r.period}" if r.available else "not used")
        + (f" ({r.note})" if r.note else "")
        for r in (readings.monitor, readings.risk, readings.engine)
    ]

    def change(
        _head: FoaAssessment, latest: FoaVersion, doc: dict[str, Any]
    ) -> tuple[Status, dict[str, Any], dict[str, Any]]:
        _editable(latest, "add suggestions")
        for entry in doc["factors"]:
            entry["suggestion"] = made.get(int(entry["factor"]))
        doc["prefill_notes"] = notes
        if doc.get("situation") is None and situation_source is not None:
            doc["situation"], doc["situation_source"] = situation, situation_source
        detail = {"suggested": {str(k): v["rating"] for k, v in made.items()}}
        return "draft", doc, detail

    return _add_version(db, actor, assessment_id, "suggest", change, expected_version)


def submit(
    db: Database,
    principal: Principal | None,
    assessment_id: int,
    payload: Any = None,
    *,
    expected_version: int | None = None,
) -> FoaRecord:
    """Send a complete draft for review (analyst). Every factor needs the analyst's rating
    (`unknown` is a rating); a pending suggestion is not one."""
    actor = require(principal, "analyst")
    _no_nul(payload, "")
    data: SubmitIn = _validate(SubmitIn, payload or {})

    def change(
        _head: FoaAssessment, latest: FoaVersion, doc: dict[str, Any]
    ) -> tuple[Status, dict[str, Any], dict[str, Any]]:
        _editable(latest, "submit")
        unrated = [f["factor"] for f in doc["factors"] if f["rating"] is None]
        if unrated:
            pending = [
                f["factor"] for f in doc["factors"] if f["rating"] is None and f["suggestion"]
            ]
            raise InvalidInputError(
                f"factors {_numbers(unrated)} are not rated"
                + (
                    f" (factors {_numbers(pending)} have machine-made suggestions to accept or "
                    "change)"
                    if pending
                    else ""
                )
                + "; rate every factor, `unknown` where the evidence is lacking",
                [
                    {
                        "loc": ["factors", n],
                        "field": f"factors.{n}",
                        "msg": "not rated",
                        "type": "missing",
                    }
                    for n in unrated
                ],
            )
        stamp = _now().isoformat()
        doc["override"] = (
            {"category": data.category, "reason": data.reason, "by": actor.name, "at": stamp}
            if data.category is not None
            else None
        )
        doc.setdefault("comments", []).append(
            {"by": actor.name, "at": stamp, "action": "submit", "text": data.note}
        )
        return "submitted", doc, {"override": data.category}

    return _add_version(db, actor, assessment_id, "submit", change, expected_version)


def review(
    db: Database,
    principal: Principal | None,
    assessment_id: int,
    payload: Any,
    *,
    expected_version: int | None = None,
) -> FoaRecord:
    """Approve or return a submitted assessment: an analyst or admin other than its submitter."""
    actor = require(principal, "analyst")
    _no_nul(payload, "")
    data: ReviewIn = _validate(ReviewIn, payload)

    def change(
        _head: FoaAssessment, latest: FoaVersion, doc: dict[str, Any]
    ) -> tuple[Status, dict[str, Any], dict[str, Any]]:
        if latest.status != "submitted":
            raise ConflictError(
                f"only a submitted assessment can be reviewed; this one is {latest.status}"
            )
        if latest.created_by == actor.name:
            raise ForbiddenError(
                "a reviewer must be someone other than the analyst who submitted the assessment"
            )
        doc.setdefault("comments", []).append(
            {
                "by": actor.name,
                "at": _now().isoformat(),
                "action": data.decision,
                "text": data.comment,
            }
        )
        status: Status = "approved" if data.decision == "approve" else "returned"
        return status, doc, {"decision": data.decision}

    action = "approve" if data.decision == "approve" else "return"
    return _add_version(db, actor, assessment_id, action, change, expected_version)


def versions(db: Database, principal: Principal | None, assessment_id: int) -> list[VersionSummary]:
    require(principal, "viewer")
    with db.reading() as session:
        _head(session, assessment_id)
        rows = session.scalars(
            select(FoaVersion)
            .where(FoaVersion.assessment_id == assessment_id)
            .order_by(FoaVersion.version)
        ).all()
        return [
            VersionSummary(
                version=r.version,
                status=r.status,
                action=r.action,
                created_by=r.created_by,
                created_at=audit.aware(r.created_at),
            )
            for r in rows
        ]


def _latest_rows(session: Session) -> Any:
    latest = (
        select(FoaVersion.assessment_id, func.max(FoaVersion.version).label("v"))
        .group_by(FoaVersion.assessment_id)
        .subquery()
    )
    return (
        select(FoaAssessment, FoaVersion)
        .join(FoaVersion, FoaVersion.assessment_id == FoaAssessment.id)
        .join(
            latest,
            (FoaVersion.assessment_id == latest.c.assessment_id)
            & (FoaVersion.version == latest.c.v),
        )
    )


def list_assessments(
    db: Database,
    principal: Principal | None,
    *,
    country: str | None = None,
    status: Status | None = None,
    limit: int = 50,
    offset: int = 0,
) -> FoaPage:
    """Assessments in their latest version, newest first."""
    require(principal, "viewer")
    with db.reading() as session:
        query = _latest_rows(session)
        if country is not None:
            query = query.where(FoaAssessment.country == country.upper())
        if status is not None:
            query = query.where(FoaVersion.status == status)
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.execute(
            query.order_by(FoaAssessment.id.desc()).limit(limit).offset(offset)
        ).all()
        items = [_summary(h, v) for h, v in rows]
    return FoaPage(items=items, total=total, limit=limit, offset=offset)


def history(db: Database, principal: Principal | None, country: str) -> list[FoaSummary]:
    """A country's assessments over time: each in its latest version, by date then id."""
    require(principal, "viewer")
    with db.reading() as session:
        rows = session.execute(
            _latest_rows(session)
            .where(FoaAssessment.country == country.upper())
            .order_by(FoaAssessment.as_of, FoaAssessment.id)
        ).all()
        return [_summary(h, v) for h, v in rows]


def latest_approved(db: Database, principal: Principal | None, country: str) -> FoaRecord | None:
    """The country's approved assessment with the latest date, for briefings."""
    require(principal, "viewer")
    with db.reading() as session:
        row = session.execute(
            _latest_rows(session)
            .where(FoaAssessment.country == country.upper(), FoaVersion.status == "approved")
            .order_by(FoaAssessment.as_of.desc(), FoaAssessment.id.desc())
            .limit(1)
        ).first()
        return _record(row[0], row[1]) if row else None


def _evidence_key(items: list[EvidenceIn]) -> list[tuple[str, str, str, str | None]]:
    return [(e.what, e.source, e.date, e.link) for e in items]


def diff(
    db: Database,
    principal: Principal | None,
    assessment_id: int,
    against: int,
    *,
    version: int | None = None,
    against_version: int | None = None,
) -> FoaDiff:
    """Factor by factor, what differs from assessment `against` (before) to `assessment_id`
    (after), each in its latest version unless one is named. The same id twice compares two
    versions of one assessment."""
    before = get(db, principal, against, against_version)
    after = get(db, principal, assessment_id, version)
    changes: list[FactorChange] = []
    for b, a in zip(before.factors, after.factors, strict=True):
        changed = [
            name
            for name, x, y in (
                ("rating", b.rating, a.rating),
                ("reasoning", b.reasoning, a.reasoning),
                ("evidence", _evidence_key(b.evidence), _evidence_key(a.evidence)),
                (
                    "suggestion",
                    b.suggestion.rating if b.suggestion else None,
                    a.suggestion.rating if a.suggestion else None,
                ),
            )
            if x != y
        ]
        changes.append(
            FactorChange(
                factor=a.factor, title=a.title, before=b.rating, after=a.rating, changed=changed
            )
        )

    def side(r: FoaRecord) -> dict[str, Any]:
        return {
            "id": r.id,
            "version": r.version,
            "country": r.country,
            "date": r.date,
            "status": r.status,
        }

    return FoaDiff(
        before=side(before),
        after=side(after),
        factors=changes,
        category_before=before.conclusion.category,
        category_after=after.conclusion.category,
    )


__all__ = [
    "RATINGS",
    "Conclusion",
    "EvidenceIn",
    "FoaDiff",
    "FoaPage",
    "FoaRecord",
    "FoaSummary",
    "NewFoaIn",
    "RateIn",
    "RatingIn",
    "ReviewIn",
    "SubmitIn",
    "VersionSummary",
    "conclude",
    "create",
    "diff",
    "get",
    "history",
    "latest_approved",
    "list_assessments",
    "rate",
    "review",
    "submit",
    "suggest",
    "versions",
]
