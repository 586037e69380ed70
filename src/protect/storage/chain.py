"""The audit chain: each entry's hash covers its content and the hash of the entry before.

Changing an entry changes its hash; removing or inserting one breaks the link of the next. The
format is fixed by migration 0002, which chained the entries written before it: changing this
function needs a migration that re-chains.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

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
