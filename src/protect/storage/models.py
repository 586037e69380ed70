"""Tables of the service database.

Assessments, annotations and the audit log are append-only: rows are inserted, never changed or
removed (the migrations add database triggers that refuse UPDATE, DELETE and REPLACE on them), and
each audit entry carries the hash of the one before it (`protect.storage.chain`). Users are the
one mutable table, because revoking a token must be possible.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAME_LENGTH = 200  # the longest `name` a saved assessment keeps; the service refuses longer ones

# Plain JSON, not PostgreSQL's JSONB: JSONB reorders keys, and a saved document must read back
# exactly as the engine wrote it (the same bytes order as `protect assess --format json`).
JSONDoc = JSON()


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        dt.datetime: DateTime(timezone=True),
    }


class User(Base):
    """Someone who may call the API; `token_id` finds the row, `token_hash` proves the token."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_id: Mapped[str] = mapped_column(String(32), unique=True)
    token_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class WebSession(Base):
    """A login of the web pages; the cookie holds a random key, the table only its SHA-256."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column()


class SavedAssessment(Base):
    """One version of the assessment of a case; re-assessing adds the next version."""

    __tablename__ = "assessments"
    __table_args__ = (UniqueConstraint("case_id", "version", name="uq_assessments_case_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(36), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(NAME_LENGTH), default=None)
    country: Mapped[str] = mapped_column(String(3), index=True)
    as_of: Mapped[str] = mapped_column(String(10))
    stage: Mapped[str] = mapped_column(String(32))
    situation: Mapped[Any] = mapped_column(JSONDoc)
    document: Mapped[Any] = mapped_column(JSONDoc)
    rules_version: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Annotation(Base):
    """A note an analyst attaches to one saved version."""

    __tablename__ = "annotations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """One write: who did what to which record, when, under which rules version.

    `stored_bytes` is what the write added to the database (the daily allowance counts it);
    `prev_hash` is the `hash` of the entry before, and `hash` covers this entry's content and
    `prev_hash`, so a changed, removed or inserted entry breaks the chain.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(128), default=None)
    rules_version: Mapped[str] = mapped_column(String(64))
    detail: Mapped[Any] = mapped_column(JSONDoc, default=dict)
    stored_bytes: Mapped[int] = mapped_column(Integer, default=0)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


APPEND_ONLY_TABLES = ("assessments", "annotations", "audit_log")


class FoaAssessment(Base):
    """A structured atrocity-risk assessment of one country at one date (Framework of Analysis,
    2014). The row never changes: its content lives in `foa_versions`, one row per change."""

    __tablename__ = "foa_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    country: Mapped[str] = mapped_column(String(3), index=True)
    as_of: Mapped[str] = mapped_column(String(10))
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class FoaVersion(Base):
    """One state of a Framework assessment: every rating, suggestion, submission and review adds
    the next version with the whole document, so any earlier state can be shown and compared."""

    __tablename__ = "foa_versions"
    __table_args__ = (
        UniqueConstraint("assessment_id", "version", name="uq_foa_versions_assessment_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("foa_assessments.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    document: Mapped[Any] = mapped_column(JSONDoc)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


FOA_APPEND_ONLY_TABLES = ("foa_assessments", "foa_versions")


# ---- risk forecasting: model registry and the prospective record ----------------------------
# All five tables are append-only (triggers in migration 0003_risk_registry): a variant is
# registered before it is scored, a frozen model and a dated forecast never change, and each
# forecast is scored once.


class RiskVariant(Base):
    """A candidate risk model, registered (features, settings, seeds, code hash) before scoring."""

    __tablename__ = "risk_variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), index=True)
    spec_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    spec: Mapped[Any] = mapped_column(JSONDoc)
    description: Mapped[str] = mapped_column(Text, default="")
    registered_by: Mapped[str] = mapped_column(String(64))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RiskVariantScore(Base):
    """A backtest score of a registered variant (never before its registration)."""

    __tablename__ = "risk_variant_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("risk_variants.id"), index=True)
    evaluation: Mapped[str] = mapped_column(String(64), index=True)
    data_hash: Mapped[str] = mapped_column(String(64))
    scores: Mapped[Any] = mapped_column(JSONDoc)
    scored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RiskFrozenModel(Base):
    """The variant chosen by the nested backtest, frozen with its hash for forecasting."""

    __tablename__ = "risk_frozen_models"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("risk_variants.id"), index=True)
    model_hash: Mapped[str] = mapped_column(String(64))
    evidence: Mapped[Any] = mapped_column(JSONDoc)
    frozen_by: Mapped[str] = mapped_column(String(64))
    frozen_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RiskForecast(Base):
    """One dated, hashed forecast of every country for one year, by one model on one data set."""

    __tablename__ = "risk_forecasts"
    __table_args__ = (
        UniqueConstraint("model_hash", "year", "data_hash", name="uq_risk_forecasts_model_year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    model: Mapped[str] = mapped_column(String(64))
    model_hash: Mapped[str] = mapped_column(String(64))
    frozen_id: Mapped[int | None] = mapped_column(ForeignKey("risk_frozen_models.id"))
    data_hash: Mapped[str] = mapped_column(String(64))
    forecast_hash: Mapped[str] = mapped_column(String(64))
    rows: Mapped[Any] = mapped_column(JSONDoc)
    issued_by: Mapped[str] = mapped_column(String(64))
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class RiskForecastScore(Base):
    """The score of a stored forecast once its year's outcome is known (one per forecast)."""

    __tablename__ = "risk_forecast_scores"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    forecast_id: Mapped[int] = mapped_column(ForeignKey("risk_forecasts.id"), unique=True)
    outcome_hash: Mapped[str] = mapped_column(String(64))
    scores: Mapped[Any] = mapped_column(JSONDoc)
    scored_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


RISK_APPEND_ONLY_TABLES = (
    "risk_variants",
    "risk_variant_scores",
    "risk_frozen_models",
    "risk_forecasts",
    "risk_forecast_scores",
)
