"""Initial schema: users, web sessions, versioned assessments, annotations, audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

APPEND_ONLY = ("assessments", "annotations", "audit_log")


def _json() -> sa.types.TypeEngine[Any]:
    # JSON keeps the document's key order on PostgreSQL (JSONB would not).
    return sa.JSON()


def _now() -> sa.Column[object]:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("token_id", sa.String(32), nullable=False, unique=True),
        sa.Column("token_hash", sa.String(255), nullable=False),
        _now(),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("role IN ('viewer', 'analyst', 'admin')", name="ck_users_role"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
        _now(),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.String(36), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("name", sa.String(200), nullable=True),
        sa.Column("country", sa.String(3), nullable=False, index=True),
        sa.Column("as_of", sa.String(10), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("situation", _json(), nullable=False),
        sa.Column("document", _json(), nullable=False),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        _now(),
        sa.UniqueConstraint("case_id", "version", name="uq_assessments_case_version"),
    )
    op.create_table(
        "annotations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "assessment_id",
            sa.Integer,
            sa.ForeignKey("assessments.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        _now(),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("actor", sa.String(64), nullable=False, index=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("target", sa.String(128), nullable=True),
        sa.Column("rules_version", sa.String(64), nullable=False),
        sa.Column("detail", _json(), nullable=False),
    )
    _forbid_changes()


def _forbid_changes() -> None:
    """Refuse UPDATE and DELETE on the append-only tables in the database itself."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION protect_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'table % is append-only: % is not allowed',
                    TG_TABLE_NAME, TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION protect_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION protect_append_only()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: "
                    f"{verb} is not allowed'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS protect_append_only()")
    for table in ("audit_log", "annotations", "assessments", "web_sessions", "users"):
        op.drop_table(table)
