"""One handle on the service database: engine, sessions and migrations.

The database is migrated to the newest schema the first time it is used, so `protect serve` needs
no set-up step. A database that cannot be reached raises `DatabaseUnavailableError`, which the
interfaces turn into a clear message (HTTP 503, or a one-line CLI error) instead of a traceback.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from protect import config

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
# Arbitrary constant naming the lock PostgreSQL holds while one process migrates.
_PG_MIGRATION_LOCK = 7_734_201


class DatabaseUnavailableError(RuntimeError):
    """The database cannot be reached or refused the connection."""


def _describe(err: BaseException) -> str:
    text = str(getattr(err, "orig", err) or err).strip().splitlines()
    return text[0] if text else type(err).__name__


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (see the
        # SQLAlchemy SQLite dialect notes on serializable isolation and transactional DDL).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front so that two writers never deadlock while
        # upgrading a read lock; readers stay concurrent.
        if conn.get_execution_options().get("protect_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")

    return engine


def _server_engine(url: str) -> Engine:
    connect_args: dict[str, Any] = {}
    if make_url(url).get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = 5
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=40,
        pool_timeout=20,
        connect_args=connect_args,
    )


class Database:
    """The service database at `url` (default: `protect.config.database_url()`)."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or config.database_url()
        parsed = make_url(self.url)
        self.backend = parsed.get_backend_name()
        if self.backend == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                # Best effort: if this fails, connecting fails and says why.
                with contextlib.suppress(OSError):
                    Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = _sqlite_engine(self.url)
        else:
            self.engine = _server_engine(self.url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(protect_write=True), expire_on_commit=False
        )
        self._ready = False
        self._lock = threading.Lock()

    def describe(self) -> str:
        """The URL without its password, for messages and logs."""
        return make_url(self.url).render_as_string(hide_password=True)

    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        try:
            with self.engine.execution_options(protect_write=True).begin() as conn:
                if self.backend == "postgresql":
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_MIGRATION_LOCK})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except (exc.OperationalError, exc.InterfaceError) as err:
            raise DatabaseUnavailableError(
                f"database {self.describe()} is unavailable: {_describe(err)}"
            ) from err
        self._ready = True

    def ensure_ready(self) -> None:
        """Migrate once per process, on first use; retried later if the database was down."""
        if self._ready:
            return
        with self._lock:
            if not self._ready:
                self.migrate()

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries."""
        self.ensure_ready()
        try:
            with self._read() as session:
                yield session
        except (exc.OperationalError, exc.InterfaceError) as err:
            raise DatabaseUnavailableError(
                f"database {self.describe()} is unavailable: {_describe(err)}"
            ) from err

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """A session whose changes are committed together at the end, or not at all."""
        self.ensure_ready()
        try:
            with self._write() as session, session.begin():
                yield session
        except (exc.OperationalError, exc.InterfaceError) as err:
            raise DatabaseUnavailableError(
                f"database {self.describe()} is unavailable: {_describe(err)}"
            ) from err

    def serialize(self, session: Session, key: str) -> None:
        """Make concurrent transactions that pass the same `key` run one after another.

        SQLite writers are already serialized (BEGIN IMMEDIATE); PostgreSQL takes a transaction
        advisory lock on the key, released at commit.
        """
        if self.backend == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})

    def dispose(self) -> None:
        self.engine.dispose()
