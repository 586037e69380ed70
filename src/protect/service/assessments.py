"""Assess situations, and save, list, re-assess, diff and annotate saved assessments.

A saved assessment is never changed: re-assessing a case (with the same facts under the current
rules, or with new facts) adds the next version, and the versions of a case form its history.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from protect import config
from protect.service import audit
from protect.service.diff import diff as json_diff
from protect.service.errors import InvalidInputError, NotFoundError, TooLargeError
from protect.service.roles import Principal, require
from protect.service.schemas import (
    AnnotationOut,
    AssessmentDiff,
    AssessmentPage,
    AssessmentRecord,
    AssessmentSummary,
)
from protect.storage import Annotation, Database, SavedAssessment
from protect.storage.chain import annotation_digest, assessment_digest
from protect.storage.models import NAME_LENGTH

if TYPE_CHECKING:
    from protect.engine.model import Situation

_VERSION_RETRIES = 20


class _RepeatedKeyError(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _RepeatedKeyError(key)
            seen.add(key)
    return found


def _body_error(msg: str, kind: str) -> InvalidInputError:
    return InvalidInputError(
        f"invalid request body: {msg}",
        [{"loc": [], "field": "(document)", "msg": msg, "type": kind}],
    )


def read_json(raw: bytes) -> Any:
    """A request body as JSON, refused (422) when it is not UTF-8, not JSON, nested too deep for
    the parser, or gives a key twice in one object (as the YAML reader refuses it)."""
    from protect.engine.documents import MAX_DEPTH
    from protect.engine.errors import quote

    try:
        text_ = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _body_error(f"not UTF-8 text (byte {exc.start})", "json_invalid") from None
    try:
        return json.loads(text_, object_pairs_hook=_unique_keys)
    except _RepeatedKeyError as exc:
        raise _body_error(
            f"key {quote(exc.key)} is given twice in one object", "key_repeated"
        ) from None
    except RecursionError:
        raise _body_error(f"nested deeper than {MAX_DEPTH} levels", "too_deep") from None
    except json.JSONDecodeError as exc:
        raise _body_error(
            f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", "json_invalid"
        ) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise _body_error(
            f"cannot read a value: {str(exc).split(':')[0]}", "json_invalid"
        ) from None


def _field(loc: tuple[int | str, ...]) -> str:
    """The field path as the CLI prints it: `atrocities.genocide`, `[1].country`."""
    from protect.engine.errors import field_path

    return field_path(loc)


def _problems(exc: ValidationError, prefix: tuple[int | str, ...]) -> list[dict[str, Any]]:
    """Each problem with its location, and the same field path and message as the CLI prints."""
    from protect.engine.errors import format_errors

    problems = []
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    for err, line in zip(errors, format_errors(exc, prefix), strict=True):
        loc = (*prefix, *err["loc"])
        field = _field(loc)
        problems.append(
            {
                "loc": list(loc),
                "field": field,
                "msg": line.removeprefix(f"{field}: "),
                "type": err["type"],
            }
        )
    return problems


def parse(payload: Any) -> tuple[list[Situation], bool]:
    """The situations in a request body (one mapping or a list), and whether it was a list.

    Every problem in every situation is reported, each with its dotted field path (prefixed by
    the item's index in a list).
    """
    from protect.engine.documents import unfit_values
    from protect.engine.model import Situation

    many = isinstance(payload, list)
    items = payload if many else [payload]
    if many and not items:
        # The same answer as `protect assess` on a file holding an empty list.
        problem = {"loc": [], "field": "(document)", "msg": "the list of situations is empty"}
        raise InvalidInputError(
            "invalid situation: (document): the list of situations is empty",
            [{**problem, "type": "empty_list"}],
        )
    most = config.limits().situations_per_request
    if len(items) > most:
        raise TooLargeError(
            f"at most {most} situations per request ({config.ENV_MAX_SITUATIONS}), "
            f"got {len(items)}: send them in several requests"
        )
    unfit = [
        {"loc": list(loc), "field": _field(loc), "msg": msg, "type": kind}
        for loc, msg, kind in unfit_values(payload, forbid_nul=True)
    ]
    if unfit:
        summary = "; ".join(f"{p['field']}: {p['msg']}" for p in unfit[:5])
        raise InvalidInputError(f"invalid situation: {summary}", unfit)
    situations: list[Situation] = []
    problems: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        prefix: tuple[int | str, ...] = (index,) if many else ()
        if not isinstance(item, dict):
            problems.append(
                {
                    "loc": list(prefix),
                    "field": _field(prefix),
                    "msg": "a situation must be a JSON object",
                    "type": "model_type",
                }
            )
            continue
        try:
            situation = Situation.model_validate(item)
        except ValidationError as exc:
            problems.extend(_problems(exc, prefix))
            continue
        if situation.name is not None and len(situation.name) > NAME_LENGTH:
            problems.append(
                {
                    "loc": [*prefix, "name"],
                    "field": _field((*prefix, "name")),
                    "msg": f"at most {NAME_LENGTH} characters, got {len(situation.name)}",
                    "type": "string_too_long",
                }
            )
        situations.append(situation)
    if problems:
        summary = "; ".join(f"{p['field']}: {p['msg']}" for p in problems[:5])
        raise InvalidInputError(f"invalid situation: {summary}", problems)
    return situations, many


def _assess(situation: Situation) -> dict[str, Any]:
    from protect.engine.assess import assess

    document: dict[str, Any] = assess(situation).model_dump(mode="json")
    return document


def warm_up() -> None:
    """Load the knowledge base and rules now, so that the first requests do not all race to."""
    from protect.engine.model import Situation

    _assess(
        Situation.model_validate(
            {
                "country": "CHE",
                "date": "2020-01-01",
                "armed_conflict": "none",
                "state_role": "protecting",
            }
        )
    )


def assess_payload(payload: Any) -> Any:
    """Assess one situation or a list of them; stores nothing, so anyone may call it."""
    situations, many = parse(payload)
    documents = [_assess(s) for s in situations]
    return documents if many else documents[0]


def assess_payload_json(payload: Any) -> bytes:
    """The same as `assess_payload`, as JSON bytes (the hot path): the parts of a document that
    assessments share are written once (`engine.documents.assessment_json`)."""
    from protect.engine.assess import assess
    from protect.engine.documents import assessment_json

    situations, many = parse(payload)
    parts = [assessment_json(assess(s)) for s in situations]
    return b"[" + b",".join(parts) + b"]" if many else parts[0]


def _summary(row: SavedAssessment) -> AssessmentSummary:
    return AssessmentSummary(
        id=row.id,
        case=row.case_id,
        version=row.version,
        name=row.name,
        country=row.country,
        date=row.as_of,
        stage=row.stage,
        rules_version=row.rules_version,
        created_by=row.created_by,
        created_at=audit.aware(row.created_at),
    )


def _record(row: SavedAssessment) -> AssessmentRecord:
    return AssessmentRecord(
        **_summary(row).model_dump(),
        situation=dict(row.situation),
        assessment=dict(row.document),
    )


def _row(
    situation: Situation, case_id: str, version: int, actor: str, rules: str
) -> SavedAssessment:
    facts = situation.model_dump(mode="json", by_alias=True, exclude_unset=True)
    document = _assess(situation)
    normalised = situation.model_dump(mode="json")
    return SavedAssessment(
        case_id=case_id,
        version=version,
        name=normalised.get("name"),
        country=str(normalised["country"]),
        as_of=str(normalised["date"]),
        stage=str(document["stage"]),
        situation=facts,
        document=document,
        rules_version=rules,
        created_by=actor,
        created_at=dt.datetime.now(dt.UTC),
    )


def save(db: Database, principal: Principal | None, payload: Any) -> Any:
    """Assess and save each situation as version 1 of a new case (analyst or admin)."""
    actor = require(principal, "analyst")
    situations, many = parse(payload)
    rules = audit.rules_version()
    rows = [_row(s, str(uuid.uuid4()), 1, actor.name, rules) for s in situations]
    sizes = [audit.size_of(row.situation, row.document) for row in rows]
    with db.writing() as session:
        audit.charge(db, session, actor.name, sum(sizes))
        for row in rows:
            session.add(row)
        session.flush()
        for row, size in zip(rows, sizes, strict=True):
            audit.record(
                session,
                actor.name,
                "assessment.save",
                f"assessment/{row.id}",
                {
                    "case": row.case_id,
                    "version": row.version,
                    "stage": row.stage,
                    "sha256": assessment_digest(row),
                },
                stored_bytes=size,
            )
        records = [_record(r) for r in rows]
    return records if many else records[0]


def _load(db: Database, assessment_id: int) -> SavedAssessment:
    with db.reading() as session:
        row = session.get(SavedAssessment, assessment_id)
        if row is None:
            raise NotFoundError(f"no saved assessment with id {assessment_id}")
        return row


def get(db: Database, principal: Principal | None, assessment_id: int) -> AssessmentRecord:
    require(principal, "viewer")
    return _record(_load(db, assessment_id))


def list_assessments(
    db: Database,
    principal: Principal | None,
    *,
    country: str | None = None,
    case: str | None = None,
    all_versions: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> AssessmentPage:
    """Saved assessments, newest first; by default only the latest version of each case."""
    require(principal, "viewer")
    query = select(SavedAssessment)
    if not all_versions:
        latest = (
            select(SavedAssessment.case_id, func.max(SavedAssessment.version).label("v"))
            .group_by(SavedAssessment.case_id)
            .subquery()
        )
        query = query.join(
            latest,
            (SavedAssessment.case_id == latest.c.case_id) & (SavedAssessment.version == latest.c.v),
        )
    if country is not None:
        query = query.where(SavedAssessment.country == country.upper())
    if case is not None:
        query = query.where(SavedAssessment.case_id == case)
    with db.reading() as session:
        total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
        rows = session.scalars(
            query.order_by(SavedAssessment.id.desc()).limit(limit).offset(offset)
        ).all()
        items = [_summary(r) for r in rows]
    return AssessmentPage(items=items, total=total, limit=limit, offset=offset)


def reassess(
    db: Database, principal: Principal | None, assessment_id: int, payload: Any = None
) -> AssessmentRecord:
    """Add the next version of the case of `assessment_id`.

    Without a payload the saved facts are assessed again under the rules now in force; with one,
    the new facts are assessed. Concurrent re-assessments of one case each get their own version
    number (the unique constraint on case and version decides; the loser retries).
    """
    actor = require(principal, "analyst")
    base = _load(db, assessment_id)
    if payload is None:
        situations, _ = parse(dict(base.situation))
    else:
        situations, many = parse(payload)
        if many or len(situations) != 1:
            raise InvalidInputError(
                "re-assess takes one situation, not a list",
                [{"loc": [], "field": "", "msg": "expected one situation", "type": "model_type"}],
            )
    situation = situations[0]
    rules = audit.rules_version()
    for _attempt in range(_VERSION_RETRIES):
        try:
            with db.writing() as session:
                db.serialize(session, f"case:{base.case_id}")
                latest = session.scalar(
                    select(func.max(SavedAssessment.version)).where(
                        SavedAssessment.case_id == base.case_id
                    )
                )
                row = _row(situation, base.case_id, (latest or 0) + 1, actor.name, rules)
                size = audit.size_of(row.situation, row.document)
                audit.charge(db, session, actor.name, size)
                session.add(row)
                session.flush()
                audit.record(
                    session,
                    actor.name,
                    "assessment.reassess",
                    f"assessment/{row.id}",
                    {
                        "case": row.case_id,
                        "version": row.version,
                        "from": assessment_id,
                        "new_facts": payload is not None,
                        "stage": row.stage,
                        "sha256": assessment_digest(row),
                    },
                    stored_bytes=size,
                )
                return _record(row)
        except IntegrityError:
            continue
    raise InvalidInputError("too many concurrent re-assessments of this case; try again")


def history(
    db: Database, principal: Principal | None, assessment_id: int
) -> list[AssessmentSummary]:
    """Every version of the case that `assessment_id` belongs to, oldest first."""
    require(principal, "viewer")
    base = _load(db, assessment_id)
    with db.reading() as session:
        rows = session.scalars(
            select(SavedAssessment)
            .where(SavedAssessment.case_id == base.case_id)
            .order_by(SavedAssessment.version)
        ).all()
        return [_summary(r) for r in rows]


def diff(
    db: Database,
    principal: Principal | None,
    assessment_id: int,
    against: int | None = None,
) -> AssessmentDiff:
    """What changed from version `against` (default: the previous one) to this one."""
    require(principal, "viewer")
    to = _load(db, assessment_id)
    with db.reading() as session:
        wanted = against if against is not None else to.version - 1
        before = session.scalar(
            select(SavedAssessment).where(
                SavedAssessment.case_id == to.case_id, SavedAssessment.version == wanted
            )
        )
    if before is None:
        raise NotFoundError(
            f"case {to.case_id} has no version {wanted} to compare version {to.version} with"
        )
    return AssessmentDiff(
        case=to.case_id,
        from_id=before.id,
        from_version=before.version,
        from_rules_version=before.rules_version,
        to_id=to.id,
        to_version=to.version,
        to_rules_version=to.rules_version,
        changes=json_diff(
            {"situation": before.situation, "assessment": before.document},
            {"situation": to.situation, "assessment": to.document},
        ),
    )


def _annotation(row: Annotation) -> AnnotationOut:
    return AnnotationOut(
        id=row.id,
        assessment_id=row.assessment_id,
        author=row.author,
        text=row.text,
        created_at=audit.aware(row.created_at),
    )


def annotate(
    db: Database, principal: Principal | None, assessment_id: int, text: str
) -> AnnotationOut:
    from protect.engine.documents import unfit_values

    actor = require(principal, "analyst")
    unfit = unfit_values(text, forbid_nul=True)
    if unfit:
        _loc, msg, kind = unfit[0]
        raise InvalidInputError(
            f"text: {msg}", [{"loc": ["text"], "field": "text", "msg": msg, "type": kind}]
        )
    if not text.strip():
        raise InvalidInputError(
            "an annotation needs some text",
            [{"loc": ["text"], "field": "text", "msg": "must not be blank", "type": "value_error"}],
        )
    with db.writing() as session:
        if session.get(SavedAssessment, assessment_id) is None:
            raise NotFoundError(f"no saved assessment with id {assessment_id}")
        size = len(text.encode("utf-8"))
        audit.charge(db, session, actor.name, size)
        row = Annotation(
            assessment_id=assessment_id,
            author=actor.name,
            text=text,
            created_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor.name,
            "annotation.add",
            f"assessment/{assessment_id}",
            {"annotation": row.id, "sha256": annotation_digest(row)},
            stored_bytes=size,
        )
        return _annotation(row)


def list_annotations(
    db: Database, principal: Principal | None, assessment_id: int
) -> list[AnnotationOut]:
    require(principal, "viewer")
    _load(db, assessment_id)
    with db.reading() as session:
        rows = session.scalars(
            select(Annotation)
            .where(Annotation.assessment_id == assessment_id)
            .order_by(Annotation.id)
        ).all()
        return [_annotation(r) for r in rows]
