"""The audit trail: one append-only row per write, in the same transaction as the write.

The rows form a hash chain (`protect.storage.chain`); `verify` walks it. Each row also records
the bytes its write stored, which the daily allowance per user (`charge`) adds up.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from protect import config
from protect.service.errors import LimitExceededError
from protect.service.roles import Principal, require
from protect.service.schemas import AuditEntryOut, AuditPage, AuditVerification
from protect.storage import Annotation, AuditEntry, Database, SavedAssessment
from protect.storage.chain import GENESIS, annotation_digest, assessment_digest, entry_hash

_HEAD = "protect.audit_head"
# Arbitrary constant naming the PostgreSQL lock that orders audit entries into one chain.
_PG_CHAIN_LOCK = 7_734_202


def rules_version() -> str:
    """The version of the rules now in force, recorded with every write: the package version
    and a digest of every file that decides a conclusion (`protect.engine.RULE_FILES`)."""
    from protect.engine import RULES_VERSION

    return str(RULES_VERSION)


def _head(session: Session) -> str:
    """The hash of the newest entry, taken under a lock held to the end of the transaction.

    SQLite writers already run one at a time (BEGIN IMMEDIATE); PostgreSQL takes an advisory
    lock, so two transactions never chain onto the same entry.
    """
    head = session.info.get(_HEAD)
    if head is None:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})
        newest = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
        head = newest or GENESIS
    return str(head)


def record(
    session: Session,
    actor: str,
    action: str,
    target: str | None = None,
    detail: dict[str, Any] | None = None,
    stored_bytes: int = 0,
) -> None:
    """Add an audit entry, chained onto the newest one, to the caller's transaction."""
    prev = _head(session)
    entry = AuditEntry(
        at=dt.datetime.now(dt.UTC),
        actor=actor,
        action=action,
        target=target,
        rules_version=rules_version(),
        detail=detail or {},
        stored_bytes=stored_bytes,
        prev_hash=prev,
    )
    entry.hash = entry_hash(
        prev,
        entry.at,
        actor,
        action,
        target,
        entry.rules_version,
        entry.detail,
        stored_bytes,
    )
    session.add(entry)
    session.info[_HEAD] = entry.hash


def size_of(*values: Any) -> int:
    """The bytes `values` take stored as JSON (what the allowance counts)."""
    return sum(len(json.dumps(v).encode("utf-8")) for v in values)


def charge(db: Database, session: Session, actor: str, stored_bytes: int) -> None:
    """Refuse a write that would take what `actor` stored today (UTC) past the daily allowance.

    Runs inside the write's transaction, serialized per user, so concurrent writes of one user
    cannot both pass on the same remainder.
    """
    allowance = config.limits().stored_bytes_per_day
    now = dt.datetime.now(dt.UTC)
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    db.serialize(session, f"allowance:{actor}")
    used = session.scalar(
        select(func.coalesce(func.sum(AuditEntry.stored_bytes), 0)).where(
            AuditEntry.actor == actor, AuditEntry.at >= day
        )
    )
    if int(used or 0) + stored_bytes > allowance:
        renews = int((day + dt.timedelta(days=1) - now).total_seconds()) + 1
        raise LimitExceededError(
            f"daily storage allowance reached: {actor} stored {int(used or 0)} bytes today "
            f"(UTC) and this write needs {stored_bytes} more; the allowance is {allowance} "
            f"bytes a day ({config.ENV_MAX_STORED_BYTES}) and renews in {renews} s",
            retry_after=renews,
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
    """The audit log, newest first: who did what is for administrators only."""
    require(principal, "admin")
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


def verify(db: Database, principal: Principal | None) -> AuditVerification:
    """Walk the whole chain in id order, then check each saved assessment and annotation against
    the digest its audit entry holds; report the first thing that does not hold."""
    require(principal, "admin")
    expected = GENESIS
    count = 0
    vouched: dict[str, str | None] = {}  # "assessment/12" -> digest (None: written before 0002)
    with db.reading() as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        for row in rows.yield_per(500):
            count += 1
            problem = None
            if row.prev_hash != expected:
                problem = (
                    "its link to the entry before does not match: an entry before it was "
                    "removed, inserted or changed"
                )
            elif row.hash != entry_hash(
                row.prev_hash,
                row.at,
                row.actor,
                row.action,
                row.target,
                row.rules_version,
                row.detail,
                row.stored_bytes,
            ):
                problem = "its content does not match its hash: it was changed after it was written"
            if problem is not None:
                return AuditVerification(
                    intact=False, entries=count, head=expected, first_broken=row.id, problem=problem
                )
            expected = row.hash
            _vouch(vouched, row)
        checked = 0
        for kind, query, digest in (
            ("assessment", select(SavedAssessment).order_by(SavedAssessment.id), assessment_digest),
            ("annotation", select(Annotation).order_by(Annotation.id), annotation_digest),
        ):
            record: Any
            for record in session.execute(query).scalars().yield_per(200):
                key = f"{kind}/{record.id}"
                if key not in vouched:
                    problem = "no audit entry records it: it was written around the service"
                elif vouched[key] is not None and vouched[key] != digest(record):
                    problem = "it does not match the digest its audit entry holds: it was changed"
                else:
                    checked += 1
                    continue
                return AuditVerification(
                    intact=False,
                    entries=count,
                    head=expected,
                    records=checked,
                    broken_record=key,
                    problem=problem,
                )
    return AuditVerification(intact=True, entries=count, head=expected, records=checked)


def _vouch(vouched: dict[str, str | None], row: AuditEntry) -> None:
    """Note which saved record an entry writes, and the digest it holds for it."""
    detail = row.detail if isinstance(row.detail, dict) else {}
    digest = detail.get("sha256")
    if row.action in ("assessment.save", "assessment.reassess") and row.target:
        vouched[row.target] = digest
    elif row.action == "annotation.add" and "annotation" in detail:
        vouched[f"annotation/{detail['annotation']}"] = digest
