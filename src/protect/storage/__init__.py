"""Where the service keeps what users save: SQLite by default, PostgreSQL when configured.

Nothing outside `protect.service` should talk to this package directly.
"""

from __future__ import annotations

from protect.storage.database import Database, DatabaseUnavailableError
from protect.storage.models import (
    Annotation,
    AuditEntry,
    Base,
    SavedAssessment,
    User,
    WebSession,
)

__all__ = [
    "Annotation",
    "AuditEntry",
    "Base",
    "Database",
    "DatabaseUnavailableError",
    "SavedAssessment",
    "User",
    "WebSession",
]
