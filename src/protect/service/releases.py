"""Retiring a monitor release through the service: an administrator's act, audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from protect.service.audit import record
from protect.service.roles import Principal, require
from protect.storage import Database


def drop_release(
    db: Database, principal: Principal | None, release_id: int, events_db: Path | None = None
) -> Any:
    """Drop one release of the events store (`protect releases drop`, `DELETE
    /api/v1/releases/ID`) and record who did it. The events store is a separate DuckDB file, so
    the drop commits first and the audit entry follows; a failed drop writes no entry."""
    actor = require(principal, "admin")
    from protect.monitor.releases import drop_release as drop

    dropped = drop(release_id, db_path=events_db)
    with db.writing() as session:
        record(
            session,
            actor.name,
            "monitor.release.drop",
            target=str(release_id),
            detail={"source": dropped.source, "release": dropped.release, "sha256": dropped.sha256},
        )
    return dropped
