"""The audit chain: each entry's hash covers its content and the hash of the entry before.

Changing an entry changes its hash; removing or inserting one breaks the link of the next. The
entry of each saved assessment or annotation also holds the record's digest, so the chain vouches
for the records it describes. The format is fixed by migration 0002, which chained the entries
written before it: changing these functions needs a migration that re-chains.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from protect.storage.models import Annotation, SavedAssessment

GENESIS = "0" * 64  # the `prev_hash` of the first entry


def utc_text(at: dt.datetime) -> str:
    """A stored time as text that reads the same from every backend (SQLite drops the zone)."""
    aware = at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC)
    return aware.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_hash(
    prev_hash: str,
    at: dt.datetime,
    actor: str,
    action: str,
    target: str | None,
    rules_version: str,
    detail: Any,
    stored_bytes: int,
) -> str:
    """SHA-256 of the entry's fields and `prev_hash`, as canonical JSON."""
    canonical = json.dumps(
        [prev_hash, utc_text(at), actor, action, target, rules_version, detail, stored_bytes],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def _digest(values: list[Any]) -> str:
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def assessment_digest(row: SavedAssessment) -> str:
    """SHA-256 of what a saved version says, kept in its audit entry so that the chain vouches
    for the record too (everything but the id, which the entry's target names)."""
    return _digest(
        [
            row.case_id,
            row.version,
            row.name,
            row.country,
            row.as_of,
            row.stage,
            row.situation,
            row.document,
            row.rules_version,
            row.created_by,
            utc_text(row.created_at),
        ]
    )


def annotation_digest(row: Annotation) -> str:
    """SHA-256 of an annotation, kept in its audit entry like `assessment_digest`."""
    return _digest([row.assessment_id, row.author, row.text, utc_text(row.created_at)])
