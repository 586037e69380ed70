"""Alembic environment: migrations run inside the connection the caller hands over.

`protect.storage.Database.migrate()` opens the connection (and, on PostgreSQL, an advisory lock)
and passes it in `config.attributes["connection"]`; there is no alembic.ini to keep in sync.
"""

from __future__ import annotations

from alembic import context

from protect.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through protect.storage.Database.migrate()")

context.configure(connection=connection, target_metadata=Base.metadata)
with context.begin_transaction():
    context.run_migrations()
