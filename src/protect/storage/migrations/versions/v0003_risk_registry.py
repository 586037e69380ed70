"""Risk model registry and prospective forecast record (append-only).

Revision ID: 0003_risk_registry
Revises: 0002_foa (written on 0001; put after the Framework of Analysis tables when main was
merged, so that the migrations form one line)
Create Date: 2026-12-05
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003_risk_registry"
down_revision = "0002_foa"
branch_labels = None
depends_on = None

TABLES = (
    "risk_variants",
    "risk_variant_scores",
    "risk_frozen_models",
    "risk_forecasts",
    "risk_forecast_scores",
)


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON()


def _at(name: str) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "risk_variants",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, index=True),
        sa.Column("spec_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("spec", _json(), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("registered_by", sa.String(64), nullable=False),
        _at("registered_at"),
    )
    op.create_table(
        "risk_variant_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "variant_id", sa.Integer, sa.ForeignKey("risk_variants.id"), nullable=False, index=True
        ),
        sa.Column("evaluation", sa.String(64), nullable=False, index=True),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("scores", _json(), nullable=False),
        _at("scored_at"),
    )
    op.create_table(
        "risk_frozen_models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "variant_id", sa.Integer, sa.ForeignKey("risk_variants.id"), nullable=False, index=True
        ),
        sa.Column("model_hash", sa.String(64), nullable=False),
        sa.Column("evidence", _json(), nullable=False),
        sa.Column("frozen_by", sa.String(64), nullable=False),
        _at("frozen_at"),
    )
    op.create_table(
        "risk_forecasts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("year", sa.Integer, nullable=False, index=True),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("model_hash", sa.String(64), nullable=False),
        sa.Column("frozen_id", sa.Integer, sa.ForeignKey("risk_frozen_models.id"), nullable=True),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("forecast_hash", sa.String(64), nullable=False),
        sa.Column("rows", _json(), nullable=False),
        sa.Column("issued_by", sa.String(64), nullable=False),
        _at("computed_at"),
        sa.UniqueConstraint("model_hash", "year", "data_hash", name="uq_risk_forecasts_model_year"),
    )
    op.create_table(
        "risk_forecast_scores",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "forecast_id",
            sa.Integer,
            sa.ForeignKey("risk_forecasts.id"),
            nullable=False,
            unique=True,
        ),
        sa.Column("outcome_hash", sa.String(64), nullable=False),
        sa.Column("scores", _json(), nullable=False),
        _at("scored_at"),
    )
    _forbid_changes()


def _forbid_changes() -> None:
    """Refuse UPDATE and DELETE on the registry in the database itself, as 0001 does for the
    assessments (its PostgreSQL function `protect_append_only` is reused)."""
    dialect = op.get_bind().dialect.name
    for table in TABLES:
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION protect_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION protect_append_only()"
            )
        elif dialect == "sqlite":
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: "
                    f"{verb} is not allowed'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    for table in reversed(TABLES):
        op.drop_table(table)
