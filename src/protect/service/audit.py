"""The audit trail: one append-only row per write, in the same transaction as the write."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from protect.service.roles import Principal, require
from protect.service.schemas import AuditEntryOut, AuditPage
from protect.storage import AuditEntry, Database


def rules_version() -> str:
    """The version of the assessment rules now in force, recorded with every write."""
    from protect.engine import RULES_VERSION

    return str(RULES_VERSION)


def record(
    session: Session,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the caller's transaction."""
    session.add(
        AuditEntry(
            at=dt.datetime.now(dt.UTC),
            actor=actor,
            action=action,
            target=target,
            rules_version=rules_version(),
            detail=detail or {},
        )
    )


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back without their zone; every stored time is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def entries(
    db: Database,
    principal: Principal | None,
    *,
    actor: str | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> AuditPage:
    """The audit log, newest first; every authenticated user may read it."""
    require(principal, "viewer")
    query = select(AuditEntry)
    count = select(func.count()).select_from(AuditEntry)
    if actor is not None:
        query = query.where(AuditEntry.actor == actor)
        count = count.where(AuditEntry.actor == actor)
    if action is not None:
        query = query.where(AuditEntry.action == action)
        count = count.where(AuditEntry.action == action)
    with db.reading() as session:
        total = session.scalar(count) or 0
        rows = session.scalars(
            query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)
        ).all()
        items = [
            AuditEntryOut(
                id=row.id,
                at=aware(row.at),
                actor=row.actor,
                action=row.action,
                target=row.target,
                rules_version=row.rules_version,
                detail=dict(row.detail or {}),
            )
            for row in rows
        ]
    return AuditPage(items=items, total=total, limit=limit, offset=offset)
