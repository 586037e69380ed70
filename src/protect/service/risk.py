"""The risk forecast's record in the store: registered variants, the frozen model, dated and
hashed forecasts, and their scores once the outcome is known.

Serving a stored forecast reads one row and hashes the source files (to tell whether they
changed since), so it needs neither pandas nor a model fit; issuing one fits the model once
and stores the result. Every write is audited in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from protect.risk.schemas import ForecastRow
from protect.service import audit
from protect.service.errors import ConflictError, InvalidInputError
from protect.service.monitor import DataUnavailableError
from protect.service.roles import Principal, require
from protect.storage import Database
from protect.storage.models import (
    AuditEntry,
    RiskForecast,
    RiskForecastScore,
    RiskFrozenModel,
    RiskVariant,
    RiskVariantScore,
)

DEFAULT_VARIANT = "gbm"  # served until a nested backtest has frozen a model
# Who stores a forecast first asked for through the API or a page (anyone may read forecasts;
# computing one is deterministic given the model and data hashes it records).
SERVER = Principal(name="system:server", role="analyst")
# The forecasts of record: computed from the full sources with the frozen model, exported by
# `protect risk record --export`, shipped with the package so a machine without the sources
# still has the forecasts to show.
RECORD_DIR = Path(__file__).resolve().parents[1] / "risk" / "record"
LOAD_RECORD = "risk.load_record"  # the audit action that marks a forecast imported from a file


class StoredForecast(BaseModel):
    id: int
    year: int
    model: str
    model_hash: str = Field(description="SHA-256 of the model's specification and code")
    frozen: bool = Field(description="made by the frozen model (else by the default variant)")
    data_hash: str = Field(description="SHA-256 of the source files it was computed from")
    forecast_hash: str = Field(description="SHA-256 of the forecast itself")
    computed_at: dt.datetime
    issued_by: str
    current: bool = Field(description="the source files are still those it was computed from")
    of_record: bool = Field(
        default=False, description="loaded from a forecast of record file, not computed here"
    )
    note: str | None = Field(
        default=None, description="where the forecast comes from, when not from the sources here"
    )
    rows: list[ForecastRow]


class RecordFile(BaseModel):
    """A forecast of record as `export_record` writes it (other keys are ignored)."""

    year: int
    model: str
    model_hash: str
    frozen: bool = False
    data_hash: str
    forecast_hash: str
    computed_at: dt.datetime
    issued_by: str
    rows: list[dict[str, Any]]


class LoadedRecord(BaseModel):
    file: str
    forecast: StoredForecast
    new: bool = Field(description="stored by this load (else it was already in the store)")


class ForecastScore(BaseModel):
    forecast_id: int
    year: int
    model: str
    computed_at: dt.datetime
    scored_at: dt.datetime
    scores: dict[str, Any]


class RegisteredVariant(BaseModel):
    id: int
    name: str
    description: str
    spec_hash: str
    code_hash: str
    registered_at: dt.datetime
    new: bool


# ---- hashes ----------------------------------------------------------------------------------


@lru_cache(maxsize=16)
def _hash_cached(root: str, stamp: tuple[tuple[int, int], ...]) -> str:
    from protect.risk.files import FORECAST_FILES, files_hash

    return files_hash(Path(root), FORECAST_FILES)


def data_hash(root: Path) -> str:
    """SHA-256 of the files a forecast reads, recomputed only when one changes on disk."""
    from protect.risk.files import FORECAST_FILES

    stamp = []
    for rel in FORECAST_FILES:
        path = root / rel
        st = path.stat() if path.is_file() else None
        stamp.append((st.st_mtime_ns, st.st_size) if st else (0, -1))
    return _hash_cached(str(root.resolve()), tuple(stamp))


def forecast_hash(model_hash: str, data: str, year: int, rows: list[dict[str, Any]]) -> str:
    payload = {"model_hash": model_hash, "data_hash": data, "year": year, "rows": rows}
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


# ---- registry --------------------------------------------------------------------------------


def register(
    db: Database, principal: Principal | None, variants: Sequence[Any]
) -> list[RegisteredVariant]:
    """Register each variant (a `protect.risk.variants.Variant`) unless its hash is already in
    the registry; returns the registry rows, oldest registration kept."""
    from protect.risk.variants import code_hash

    actor = require(principal, "analyst")
    code = code_hash()
    out: list[RegisteredVariant] = []
    with db.writing() as session:
        db.serialize(session, "risk-registry")
        for v in variants:
            spec_hash = v.spec_hash(code)
            row = session.scalars(
                select(RiskVariant).where(RiskVariant.spec_hash == spec_hash)
            ).first()
            new = row is None
            if row is None:
                row = RiskVariant(
                    name=v.name,
                    spec_hash=spec_hash,
                    code_hash=code,
                    spec=v.spec(),
                    description=v.description,
                    registered_by=actor.name,
                    registered_at=dt.datetime.now(dt.UTC),
                )
                session.add(row)
                session.flush()
                audit.record(
                    session,
                    actor.name,
                    "risk.register",
                    f"risk_variant:{row.id}",
                    {"name": v.name, "spec_hash": spec_hash},
                )
            out.append(
                RegisteredVariant(
                    id=row.id,
                    name=row.name,
                    description=row.description,
                    spec_hash=row.spec_hash,
                    code_hash=row.code_hash,
                    registered_at=audit.aware(row.registered_at),
                    new=new,
                )
            )
    return out


def record_scores(
    db: Database,
    principal: Principal | None,
    evaluation: str,
    data: str,
    scores: dict[str, dict[str, Any]],
) -> None:
    """Store backtest scores by variant hash; a variant not registered first is refused."""
    actor = require(principal, "analyst")
    with db.writing() as session:
        now = dt.datetime.now(dt.UTC)
        for spec_hash, values in scores.items():
            row = session.scalars(
                select(RiskVariant).where(RiskVariant.spec_hash == spec_hash)
            ).first()
            if row is None:
                raise InvalidInputError(
                    f"variant {spec_hash[:12]} is not registered: register it before scoring it"
                )
            if audit.aware(row.registered_at) > now:
                raise InvalidInputError(f"variant {row.name} is registered after its score")
            session.add(
                RiskVariantScore(
                    variant_id=row.id,
                    evaluation=evaluation,
                    data_hash=data,
                    scores=values,
                    scored_at=now,
                )
            )
        audit.record(
            session, actor.name, "risk.score_variants", evaluation, {"variants": len(scores)}
        )


def freeze(
    db: Database, principal: Principal | None, spec_hash: str, evidence: dict[str, Any]
) -> int:
    """Freeze a registered, scored variant as the model that issues forecasts."""
    actor = require(principal, "analyst")
    with db.writing() as session:
        row = session.scalars(select(RiskVariant).where(RiskVariant.spec_hash == spec_hash)).first()
        if row is None:
            raise InvalidInputError(f"variant {spec_hash[:12]} is not registered")
        scored = session.scalars(
            select(RiskVariantScore.id).where(RiskVariantScore.variant_id == row.id)
        ).first()
        if scored is None:
            raise InvalidInputError(
                f"variant {row.name} has no backtest score: score it before freezing it"
            )
        frozen = RiskFrozenModel(
            variant_id=row.id,
            model_hash=spec_hash,
            evidence=evidence,
            frozen_by=actor.name,
            frozen_at=dt.datetime.now(dt.UTC),
        )
        session.add(frozen)
        session.flush()
        audit.record(
            session,
            actor.name,
            "risk.freeze",
            f"risk_frozen_model:{frozen.id}",
            {"name": row.name, "model_hash": spec_hash},
        )
        return frozen.id


def _frozen(session: Session) -> tuple[RiskFrozenModel, RiskVariant] | None:
    found = session.execute(
        select(RiskFrozenModel, RiskVariant)
        .join(RiskVariant, RiskVariant.id == RiskFrozenModel.variant_id)
        .order_by(RiskFrozenModel.id.desc())
    ).first()
    return None if found is None else (found[0], found[1])


def serving_model(db: Database, sources: Path) -> tuple[str, str, int | None]:
    """(variant name, model hash, frozen id) of the model forecasts are issued with: the last
    frozen one, else the default variant under the current code."""
    with db.reading() as session:
        found = _frozen(session)
    if found is not None:
        frozen, variant = found
        return variant.name, frozen.model_hash, frozen.id
    from protect.risk.catalogue import candidates
    from protect.risk.sources import ewp_predictor_names

    names = ewp_predictor_names(sources)
    default = next(v for v in candidates(names) if v.name == DEFAULT_VARIANT)
    return default.name, default.spec_hash(), None


# ---- forecasts -------------------------------------------------------------------------------


def _record_marks(session: Session, forecast_id: int | None = None) -> dict[int, dict[str, Any]]:
    """forecast id -> audit detail of every forecast (or the one) loaded from a forecast of
    record."""
    query = select(AuditEntry.target, AuditEntry.detail).where(AuditEntry.action == LOAD_RECORD)
    if forecast_id is not None:
        query = query.where(AuditEntry.target == f"risk_forecast:{forecast_id}")
    found = session.execute(query).all()
    return {int(t.split(":", 1)[1]): dict(d or {}) for t, d in found if t}


def _mark(session: Session, forecast_id: int) -> dict[str, Any] | None:
    return _record_marks(session, forecast_id).get(forecast_id)


def record_note(computed_at: dt.datetime) -> str:
    return (
        f"Forecast of record, computed {computed_at:%Y-%m-%d}; the risk sources are not at "
        "hand here, so no new forecast can be issued."
    )


def _stored(
    row: RiskForecast, current: str | None, mark: dict[str, Any] | None = None
) -> StoredForecast:
    """`current` None: no sources here to compare with, so the stored forecast is served as
    the record it is, with a note saying so."""
    computed_at = audit.aware(row.computed_at)
    return StoredForecast(
        id=row.id,
        year=row.year,
        model=row.model,
        model_hash=row.model_hash,
        frozen=row.frozen_id is not None
        or bool(mark and mark.get("frozen"))
        or row.model_hash in frozen_of_record(),
        data_hash=row.data_hash,
        forecast_hash=row.forecast_hash,
        computed_at=computed_at,
        issued_by=row.issued_by,
        current=row.data_hash == current,
        of_record=mark is not None,
        note=record_note(computed_at) if current is None else None,
        rows=[ForecastRow.model_validate(r) for r in row.rows],
    )


def stored_forecast(db: Database, year: int, sources: Path) -> StoredForecast | None:
    """The newest stored forecast for `year` computed from the current source files, by the
    frozen model once one is frozen (an older model's forecasts stay in the record)."""
    current = data_hash(sources)

    def read(session: Session) -> StoredForecast | None:
        query = select(RiskForecast).where(
            RiskForecast.year == year, RiskForecast.data_hash == current
        )
        frozen = _frozen(session)
        if frozen is not None:
            query = query.where(RiskForecast.model_hash == frozen[0].model_hash)
        row = session.scalars(query.order_by(RiskForecast.id.desc())).first()
        return None if row is None else _stored(row, current, _mark(session, row.id))

    # A store that already holds forecasts is read as it is: checking the migrations first
    # (Alembic) would cost more than the read. Anything else goes through the migrated path.
    try:
        with Session(db.engine) as session:
            return read(session)
    except DBAPIError:
        pass
    with db.reading() as session:
        return read(session)


def issue_forecast(
    db: Database, principal: Principal | None, year: int, sources: Path, *, refresh: bool = False
) -> StoredForecast:
    """The stored forecast for `year` from the current sources, computing and storing it with
    the serving model when there is none (or when `refresh`)."""
    if not refresh:
        found = stored_forecast(db, year, sources)
        if found is not None:
            return found
    actor = require(principal, "analyst")
    from protect.risk.api import forecast
    from protect.risk.catalogue import candidates
    from protect.risk.sources import ewp_predictor_names

    name, model_hash, frozen_id = serving_model(db, sources)
    variant = next(v for v in candidates(ewp_predictor_names(sources)) if v.name == name)
    if variant.spec_hash() != model_hash:
        raise ConflictError(
            f"the frozen model {name} ({model_hash[:12]}) no longer matches the code "
            f"({variant.spec_hash()[:12]}): run `protect risk evaluate` to register, score and "
            "freeze a model under the current code"
        )
    data = data_hash(sources)
    rows = forecast(year, model=name, sources=sources)
    dumped = [r.model_dump(mode="json") for r in rows]
    with db.writing() as session:
        db.serialize(session, f"risk-forecast-{year}")
        existing = session.scalars(
            select(RiskForecast).where(
                RiskForecast.model_hash == model_hash,
                RiskForecast.year == year,
                RiskForecast.data_hash == data,
            )
        ).first()
        if existing is not None:
            return _stored(existing, data, _mark(session, existing.id))
        row = RiskForecast(
            year=year,
            model=name,
            model_hash=model_hash,
            frozen_id=frozen_id,
            data_hash=data,
            forecast_hash=forecast_hash(model_hash, data, year, dumped),
            rows=dumped,
            issued_by=actor.name,
            computed_at=dt.datetime.now(dt.UTC),
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor.name,
            "risk.forecast",
            f"risk_forecast:{row.id}",
            {"year": year, "model": name, "forecast_hash": row.forecast_hash},
        )
        return _stored(row, data)


def bundled_record() -> list[Path]:
    """The forecasts of record shipped with the package, oldest year first."""
    return sorted(RECORD_DIR.glob("*.json"))


@cache
def frozen_of_record() -> frozenset[str]:
    """Model hashes the shipped forecasts of record were frozen with: a store that has not run
    the nested backtest itself still knows a forecast made by the same model is the frozen one."""
    out = set()
    for path in bundled_record():
        raw = json.loads(path.read_text(encoding="utf-8"))
        if raw.get("frozen"):
            out.add(str(raw["model_hash"]))
    return frozenset(out)


def _read_record(path: Path) -> RecordFile:
    """A forecast of record, parsed and checked against its own forecast hash."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read it ({exc.strerror})") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: not JSON (line {exc.lineno}: {exc.msg})") from exc
    where = ""
    try:
        found = RecordFile.model_validate(raw)
        for i, row in enumerate(found.rows):
            where = f"rows.{i}."
            ForecastRow.model_validate(row)
    except ValidationError as exc:
        first = exc.errors()[0]
        where += ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(f"{path}: field {where}: {first['msg']}") from exc
    expected = forecast_hash(found.model_hash, found.data_hash, found.year, found.rows)
    if expected != found.forecast_hash:
        raise InvalidInputError(
            f"{path}: the rows do not match its forecast_hash ({found.forecast_hash[:16]} "
            f"recorded, {expected[:16]} computed): the file was changed after it was exported"
        )
    return found


def load_record(
    db: Database, principal: Principal | None, paths: Sequence[Path] | None = None
) -> list[LoadedRecord]:
    """Store forecasts of record (default: the bundled ones) as they were computed: their time
    of computation, issuer and hashes kept, each marked by a `risk.load_record` audit entry.
    Every file is checked against its forecast hash before anything is stored; a forecast
    already in the store is not stored again."""
    actor = require(principal, "analyst")
    files = list(paths) if paths is not None else bundled_record()
    if not files:
        raise InvalidInputError(f"no forecast of record to load (none in {RECORD_DIR})")
    records = [(path, _read_record(path)) for path in files]
    out: list[LoadedRecord] = []
    with db.writing() as session:
        db.serialize(session, "risk-load-record")
        marks = _record_marks(session)
        for path, rec in records:
            existing = session.scalars(
                select(RiskForecast).where(
                    RiskForecast.model_hash == rec.model_hash,
                    RiskForecast.year == rec.year,
                    RiskForecast.data_hash == rec.data_hash,
                )
            ).first()
            if existing is not None:
                if existing.forecast_hash != rec.forecast_hash:
                    raise ConflictError(
                        f"{path}: the store holds another forecast for {rec.year} from the same "
                        f"model and data (forecast {existing.forecast_hash[:16]})"
                    )
                stored = _stored(existing, existing.data_hash, marks.get(existing.id))
                out.append(LoadedRecord(file=path.name, forecast=stored, new=False))
                continue
            row = RiskForecast(
                year=rec.year,
                model=rec.model,
                model_hash=rec.model_hash,
                frozen_id=None,  # the frozen model's registry row is not in this store
                data_hash=rec.data_hash,
                forecast_hash=rec.forecast_hash,
                rows=rec.rows,
                issued_by=rec.issued_by,
                computed_at=rec.computed_at,
            )
            session.add(row)
            session.flush()
            mark = {
                "file": path.name,
                "year": rec.year,
                "forecast_hash": rec.forecast_hash,
                "frozen": rec.frozen,
                "issued_by": rec.issued_by,
            }
            audit.record(session, actor.name, LOAD_RECORD, f"risk_forecast:{row.id}", mark)
            out.append(
                LoadedRecord(file=path.name, forecast=_stored(row, row.data_hash, mark), new=True)
            )
    return out


class ServedForecast(BaseModel):
    forecast: StoredForecast
    origin: str = Field(description="'computed now', 'stored' or 'of record'")


def latest_or_record(
    db: Database, principal: Principal | None, progress: Callable[[str], None] | None = None
) -> ServedForecast:
    """The latest year's forecast: with the sources at hand, the stored one or, the first time,
    issued and stored (`progress` is told first: it takes seconds to a minute); without them,
    the newest of the bundled forecasts of record, loaded into the store once."""
    root = sources_at_hand()
    if root is None:
        loaded = load_record(db, principal)
        newest = stored_as_record(db, max(r.forecast.year for r in loaded))
        assert newest is not None  # just loaded
        return ServedForecast(forecast=newest, origin="of record")
    year = latest_forecast_year()
    found = stored_forecast(db, year, root)
    if found is not None:
        return ServedForecast(forecast=found, origin="of record" if found.of_record else "stored")
    if progress is not None:
        progress(f"issuing the forecast for {year} from {root} (seconds to a minute)")
    issued = issue_forecast(db, principal, year, root)
    return ServedForecast(forecast=issued, origin="computed now")


def forecasts(db: Database) -> list[tuple[StoredForecast, ForecastScore | None]]:
    """Every stored forecast (the prospective record), oldest first, with its score if any."""
    with db.reading() as session:
        found = session.execute(
            select(RiskForecast, RiskForecastScore)
            .outerjoin(RiskForecastScore, RiskForecastScore.forecast_id == RiskForecast.id)
            .order_by(RiskForecast.id)
        ).all()
        out: list[tuple[StoredForecast, ForecastScore | None]] = []
        marks = _record_marks(session)
        for fc, sc in found:
            stored = _stored(fc, fc.data_hash, marks.get(fc.id))
            score = (
                None
                if sc is None
                else ForecastScore(
                    forecast_id=fc.id,
                    year=fc.year,
                    model=fc.model,
                    computed_at=stored.computed_at,
                    scored_at=audit.aware(sc.scored_at),
                    scores=sc.scores,
                )
            )
            out.append((stored, score))
        return out


def score_forecasts(
    db: Database, principal: Principal | None, sources: Path
) -> list[ForecastScore]:
    """Score every stored forecast whose year's outcome the sources now hold, once each."""
    actor = require(principal, "analyst")
    from protect.risk.api import outcomes
    from protect.risk.files import PREDICTORS, files_hash

    known = outcomes(sources)
    outcome_hash = files_hash(sources, (PREDICTORS,))
    done: list[ForecastScore] = []
    for stored, score in forecasts(db):
        if score is not None or stored.year not in known:
            continue
        values = score_rows(stored.rows, known[stored.year])
        now = dt.datetime.now(dt.UTC)
        with db.writing() as session:
            db.serialize(session, f"risk-score-{stored.id}")
            again = session.scalars(
                select(RiskForecastScore).where(RiskForecastScore.forecast_id == stored.id)
            ).first()
            if again is not None:
                continue
            session.add(
                RiskForecastScore(
                    forecast_id=stored.id, outcome_hash=outcome_hash, scores=values, scored_at=now
                )
            )
            audit.record(
                session,
                actor.name,
                "risk.score_forecast",
                f"risk_forecast:{stored.id}",
                {"year": stored.year},
            )
        done.append(
            ForecastScore(
                forecast_id=stored.id,
                year=stored.year,
                model=stored.model,
                computed_at=stored.computed_at,
                scored_at=now,
                scores=values,
            )
        )
    return done


def score_rows(rows: Sequence[ForecastRow], onsets: dict[str, int]) -> dict[str, Any]:
    """Scores of one stored forecast against the observed onsets (ISO3 -> 0/1)."""
    import pandas as pd

    from protect.risk.scoring import expected_rank_hits, score

    frame = pd.DataFrame(
        [
            {"year": r.year, "country": r.country, "risk": r.risk, "onset": onsets.get(r.country)}
            for r in rows
        ]
    )
    missing = frame["onset"].isna()
    frame = frame[~missing].astype({"onset": int})
    s = score(frame, rows[0].model if rows else "")
    onset_rows = frame[frame["onset"] == 1]
    ranks = {
        str(c): int((frame["risk"] > r).sum()) + 1
        for c, r in zip(onset_rows["country"], onset_rows["risk"], strict=True)
    }
    return {
        "countries": len(frame),
        "unmatched": int(missing.sum()),
        "onsets": int(frame["onset"].sum()),
        "onset_ranks": ranks,
        "caught_top10": expected_rank_hits(frame["risk"], frame["onset"], 10),
        "caught_top30": expected_rank_hits(frame["risk"], frame["onset"], 30),
        "auc_roc": s.auc_roc,
        "auc_pr": s.auc_pr,
        "brier": s.brier,
    }


# ---- the nested evaluation and the exported record ---------------------------------------------


def evaluate(
    db: Database,
    principal: Principal | None,
    sources: Path,
    cache: Path,
    out: Path,
    *,
    draws: int = 1000,
    years: Sequence[int] | None = None,
    seed_sets: int | None = None,
    command: str = "protect risk evaluate",
    progress: Any = None,
) -> dict[str, Any]:
    """Register the candidates, run the nested backtest over the seed sets, store every
    candidate's scores, freeze the model the rule picks at the next origin (seed set 0) unless
    it is the one already frozen, and write evaluation.md and evaluation.json into `out`."""
    from collections import Counter

    from protect.risk import catalogue
    from protect.risk import evaluate as ev
    from protect.risk.backtest import FIRST_YEAR, LAST_YEAR
    from protect.risk.report import evaluation_markdown, verdict
    from protect.risk.sources import ewp_predictor_names

    require(principal, "analyst")
    variants = catalogue.candidates(ewp_predictor_names(sources))
    registered = register(db, principal, variants)
    result = ev.run(
        sources,
        variants,
        cache,
        years if years is not None else range(FIRST_YEAR, LAST_YEAR + 1),
        first_year=catalogue.SELECTION_FIRST_YEAR,
        min_onsets=catalogue.SELECTION_MIN_ONSETS,
        metric=catalogue.SELECTION_METRIC,
        draws=draws,
        seed_sets=seed_sets if seed_sets is not None else ev.SEED_SETS,
        progress=progress,
    )
    sets = result["seed_sets"]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    evaluation = f"nested-{result['years'][0]}-{result['years'][1]}-{stamp}"
    by_name = {r.name: r for r in registered}
    record_scores(
        db,
        principal,
        evaluation,
        result["data_hash"],
        {
            by_name[v.name].spec_hash: {
                "seed_sets": [s["metrics"][v.name] for s in sets],
                "country_years": sets[0]["country_years"],
                "onsets": sets[0]["onsets"],
            }
            for v in variants
        },
    )
    chosen = sets[0]["choice_next"]
    evidence = {
        "evaluation": evaluation,
        "rule": result["rule"],
        "scores_at_next_origin": sets[0]["choice_next_scores"],
        "picked_over_seed_sets": dict(Counter(s["choice_next"] for s in sets)),
        "nested_metrics_seed_set_0": sets[0]["metrics"]["nested"],
        "verdict": verdict(result),
    }
    # The model stays frozen when the rule picks it again: a freeze is a change of model, and
    # the forecasts already stored (the prospective record) stay those of the serving model.
    with db.reading() as session:
        before = _frozen(session)
    changed = before is None or before[0].model_hash != by_name[chosen].spec_hash
    if changed:
        freeze(db, principal, by_name[chosen].spec_hash, evidence)
    with db.reading() as session:
        found = _frozen(session)
        assert found is not None
        frozen = {
            "name": found[1].name,
            "model_hash": found[0].model_hash,
            "frozen_at": audit.aware(found[0].frozen_at).isoformat(),
            "new": changed,
        }
    registry = [r.model_dump(mode="json") for r in registered]
    out.mkdir(parents=True, exist_ok=True)
    result["evaluation"] = evaluation
    result["registry"] = registry
    result["frozen"] = frozen
    (out / "evaluation.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    text = evaluation_markdown(result, registry, frozen, command)
    (out / "evaluation.md").write_text(text, encoding="utf-8")
    return result


def export_record(db: Database, out: Path) -> list[Path]:
    """Write every stored forecast (rows, hashes, time of computation, score) as JSON into
    `out`, with a README table; the forecast hash can be recomputed from each file."""
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    lines = [
        "# Prospective record",
        "",
        "Every forecast stored by `protect risk forecast` (tables `risk_forecasts` and",
        "`risk_forecast_scores`), written by `protect risk record --export`. `forecast_hash`",
        "is the SHA-256 of the JSON of `model_hash`, `data_hash`, `year` and `rows` (sorted",
        "keys).",
        "",
        "These files ship with the package: `protect risk load-record` (and `protect demo`",
        "where the risk sources are not at hand) stores them as they were computed, after",
        "checking each file's rows against its `forecast_hash`.",
        "",
        "| year | data of | model | computed (UTC) | forecast hash | score |",
        "|---:|---:|---|---|---|---|",
    ]
    for stored, score in forecasts(db):
        data = stored.model_dump(mode="json")
        data["score"] = None if score is None else score.model_dump(mode="json")
        name = f"{stored.year}-{stored.model}-{stored.forecast_hash[:16]}.json"
        path = out / name
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
        data_year = stored.rows[0].data_year if stored.rows else stored.year - 1
        text = (
            "not yet known"
            if score is None
            else f"{score.scores['onsets']} onset(s), ranks {score.scores['onset_ranks']}"
        )
        lines.append(
            f"| {stored.year} | {data_year} | `{stored.model}` `{stored.model_hash[:12]}` | "
            f"{stored.computed_at:%Y-%m-%d %H:%M} | [`{stored.forecast_hash[:16]}`]({name}) | "
            f"{text} |"
        )
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written


# ---- the forecast the pages and the API serve ---------------------------------------------


def _sources_root() -> str:
    from protect.config import sources_dir

    found = sources_dir()
    if found is not None:
        return str(found.resolve())  # without importing the risk readers (pandas)
    from protect.risk.sources import RiskDataError, require_sources_dir

    try:
        return str(require_sources_dir().resolve())
    except RiskDataError as exc:
        raise DataUnavailableError(str(exc).splitlines()[0]) from exc


def sources_at_hand() -> Path | None:
    """The sources folder when it holds the file forecasts are made from, else None (then only
    stored forecasts, e.g. the forecasts of record, can be served)."""
    from protect.config import sources_dir
    from protect.risk.files import PREDICTORS

    root = sources_dir()
    return root if root is not None and (root / PREDICTORS).is_file() else None


def stored_as_record(db: Database, year: int) -> StoredForecast | None:
    """The newest stored forecast for `year`, whatever data it came from, as served where
    the sources are not at hand."""
    with db.reading() as session:
        row = session.scalars(
            select(RiskForecast).where(RiskForecast.year == year).order_by(RiskForecast.id.desc())
        ).first()
        return None if row is None else _stored(row, None, _mark(session, row.id))


def stored_record_years(db: Database) -> list[int]:
    """Years with any stored forecast, oldest first."""
    with db.reading() as session:
        return sorted(set(session.scalars(select(RiskForecast.year)).all()))


def _no_sources(year: int | None = None) -> DataUnavailableError:
    what = "no forecast is stored" if year is None else f"no forecast for {year} is stored"
    return DataUnavailableError(
        f"{what} and the risk sources are not at hand; `protect risk load-record` loads the "
        "bundled forecasts of record"
    )


def forecast(db: Database, year: int) -> StoredForecast:
    """The stored forecast for `year`: read from the store, or, the first time a year is asked
    for, computed with the frozen model and stored, dated and hashed, for every later request
    and process. Without the sources, only what is stored is served. Call it through
    `service.monitor.call` (the risk model's errors mapped)."""
    if sources_at_hand() is None:
        found = stored_as_record(db, year)
        if found is None:
            raise _no_sources(year)
        return found
    root = Path(_sources_root())
    try:
        return issue_forecast(db, SERVER, year, root)
    except ValueError as exc:
        # Named only when raised: importing the risk readers (pandas) costs a second.
        from protect.risk.sources import RiskDataError

        if isinstance(exc, RiskDataError):
            raise DataUnavailableError(str(exc).splitlines()[0]) from exc
        raise


@lru_cache(maxsize=8)
def _latest_year(root: str, stamp: int) -> int:
    import pandas as pd

    from protect.risk.files import PREDICTORS

    try:
        years = pd.read_csv(f"{root}/{PREDICTORS.as_posix()}", usecols=["year"])["year"]
    except (OSError, ValueError) as exc:
        raise DataUnavailableError(f"{root}/{PREDICTORS}: cannot read its years: {exc}") from exc
    if years.empty:
        raise DataUnavailableError(f"{root}/{PREDICTORS}: no rows")
    return int(years.max()) + 1


def latest_forecast_year(db: Database | None = None) -> int:
    """The last year the sources allow a forecast for (features come from the year before);
    without the sources, the newest stored forecast's year when `db` is given."""
    from protect.risk.files import PREDICTORS

    if db is not None and sources_at_hand() is None:
        years = stored_record_years(db)
        if not years:
            raise _no_sources()
        return years[-1]
    root = _sources_root()
    path = Path(root) / PREDICTORS
    if not path.is_file():
        raise DataUnavailableError(f"{path}: file not found (the risk model needs it)")
    return _latest_year(root, path.stat().st_mtime_ns)
