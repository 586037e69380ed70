"""Storage: migrations run on first use; append-only tables refuse changes in the database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from protect.service import assessments
from protect.service.roles import local_operator
from protect.storage import Database, DatabaseUnavailableError

from .conftest import SUDAN_2004


def test_migrations_create_the_schema_and_are_idempotent(database: Database) -> None:
    database.migrate()  # a second run changes nothing
    tables = set(inspect(database.engine).get_table_names())
    assert {"users", "web_sessions", "assessments", "annotations", "audit_log"} <= tables
    from alembic.script import ScriptDirectory

    from protect.storage.database import MIGRATIONS_DIR

    heads = ScriptDirectory(str(MIGRATIONS_DIR)).get_heads()
    assert len(heads) == 1, f"migrations must form one line, got heads {heads}"
    with database.reading() as session:
        assert session.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [
            heads[0]
        ]


def test_default_database_is_a_sqlite_file_in_protect_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROTECT_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PROTECT_DATABASE_URL", raising=False)
    db = Database()
    try:
        db.ensure_ready()
        assert db.backend == "sqlite"
        assert (tmp_path / "home" / "protect.sqlite3").is_file()
    finally:
        db.dispose()


@pytest.mark.parametrize("table", ["assessments", "annotations", "audit_log"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_append_only_tables_refuse_update_and_delete(
    database: Database, table: str, statement: str
) -> None:
    saved = assessments.save(database, local_operator(), SUDAN_2004)
    assessments.annotate(database, local_operator(), saved.id, "checked against the panel")
    with pytest.raises(DBAPIError, match="append-only"), database.engine.begin() as conn:
        conn.execute(text(statement.format(t=table)))
    with database.reading() as session:
        assert session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() >= 1


def test_unreachable_sqlite_file_is_reported_as_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where a directory should be")
    db = Database(f"sqlite:///{blocker}/protect.sqlite3")
    with pytest.raises(DatabaseUnavailableError, match="unavailable"):
        db.ensure_ready()


def test_postgres_server_that_is_down_is_reported_as_unavailable() -> None:
    # Port 9 (discard) on loopback: nothing listens there, the connection is refused at once.
    db = Database("postgresql+psycopg://nobody@127.0.0.1:9/protect")
    with pytest.raises(DatabaseUnavailableError, match=r"127\.0\.0\.1"):
        db.ensure_ready()
