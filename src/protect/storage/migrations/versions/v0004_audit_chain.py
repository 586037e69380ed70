"""Audit chain and bytes stored per entry; append-only tables also refuse REPLACE on SQLite.

Each audit entry gets `prev_hash` and `hash` (`protect.storage.chain`) and `stored_bytes`; the
entries already written are chained here, in id order. SQLite's `INSERT OR REPLACE` and
`REPLACE INTO` delete the row they replace without firing DELETE triggers, so a BEFORE INSERT
trigger refuses an insert that would replace a row. On PostgreSQL the only upsert,
`INSERT ... ON CONFLICT DO UPDATE`, fires the UPDATE trigger of migration 0001 and is refused.

Revision ID: 0004_audit_chain
Revises: 0003_risk_registry
Create Date: 2026-12-05

Written against 0001 and placed last at the merge (after 0002_foa and 0003_risk_registry), so
that a database already at either still gets it. The REPLACE guard goes on every table that is
append-only at this point (each has a `<table>_no_update` trigger), keyed on its primary key and
unique constraints as the database reports them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from protect.storage.chain import GENESIS, entry_hash

revision = "0004_audit_chain"
down_revision = "0003_risk_registry"
branch_labels = None
depends_on = None

_audit = sa.table(
    "audit_log",
    sa.column("id", sa.Integer),
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor", sa.String),
    sa.column("action", sa.String),
    sa.column("target", sa.String),
    sa.column("rules_version", sa.String),
    sa.column("detail", sa.JSON),
    sa.column("stored_bytes", sa.Integer),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def _sqlite_update_trigger(create: bool) -> None:
    if create:
        op.execute(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'table audit_log is append-only: "
            "UPDATE is not allowed'); END"
        )
    else:
        op.execute("DROP TRIGGER audit_log_no_update")


def _chain_existing() -> None:
    """Chain the entries written before this migration (their `stored_bytes` is 0)."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
    elif dialect == "sqlite":
        _sqlite_update_trigger(create=False)
    prev = GENESIS
    rows = bind.execute(sa.select(_audit).order_by(_audit.c.id)).mappings().all()
    for row in rows:
        digest = entry_hash(
            prev,
            row["at"],
            row["actor"],
            row["action"],
            row["target"],
            row["rules_version"],
            row["detail"],
            0,
        )
        bind.execute(
            sa.update(_audit)
            .where(_audit.c.id == row["id"])
            .values(prev_hash=prev, hash=digest, stored_bytes=0)
        )
        prev = digest
    if dialect == "postgresql":
        op.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")
    elif dialect == "sqlite":
        _sqlite_update_trigger(create=True)


def upgrade() -> None:
    op.add_column(
        "audit_log", sa.Column("stored_bytes", sa.Integer, nullable=False, server_default="0")
    )
    op.add_column(
        "audit_log", sa.Column("prev_hash", sa.String(64), nullable=False, server_default="")
    )
    op.add_column("audit_log", sa.Column("hash", sa.String(64), nullable=False, server_default=""))
    _chain_existing()
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in _sqlite_append_only(bind):
            op.execute(
                f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
                f"WHEN EXISTS (SELECT 1 FROM {table} WHERE {_replaces(bind, table)}) "
                f"BEGIN SELECT RAISE(ABORT, 'table {table} is append-only: "
                "a row cannot be replaced'); END"
            )


def _sqlite_append_only(bind: sa.engine.Connection) -> list[str]:
    """The tables whose UPDATE trigger makes them append-only (migrations 0001, 0003, 0004)."""
    names = bind.execute(
        sa.text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")
    ).all()
    return sorted(table for table, name in names if name == f"{table}_no_update")


def _replaces(bind: sa.engine.Connection, table: str) -> str:
    """The condition under which inserting NEW would replace a row: a key it shares with one."""
    inspector = sa.inspect(bind)
    keys = [inspector.get_pk_constraint(table)["constrained_columns"]]
    keys += [u["column_names"] for u in inspector.get_unique_constraints(table)]
    keys += [
        [str(c) for c in i["column_names"]] for i in inspector.get_indexes(table) if i["unique"]
    ]
    return " OR ".join(
        "(" + " AND ".join(f'"{c}" = NEW."{c}"' for c in cols) + ")" for cols in keys if cols
    )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for table in _sqlite_append_only(bind):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
    for column in ("hash", "prev_hash", "stored_bytes"):
        op.drop_column("audit_log", column)
