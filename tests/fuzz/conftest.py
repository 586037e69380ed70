"""The service tests' fixtures (a fresh database on SQLite and on PostgreSQL, users and their
tokens, a private data directory), shared rather than copied."""

from __future__ import annotations

from service.conftest import (
    cheap_argon2,
    database,
    fresh_verification_memory,
    pg_database,
    private_home,
    sqlite_database,
    tokens,
)

__all__ = [
    "cheap_argon2",
    "database",
    "fresh_verification_memory",
    "pg_database",
    "private_home",
    "sqlite_database",
    "tokens",
]
