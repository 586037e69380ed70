"""Issue 16 on the service: hostile bodies get a 4xx naming the field or the limit (never a 500),
the limits per request and per user hold, assessing leaves the event loop free, and the audit
trail is a hash chain the database will not let anyone rewrite in place. Every test runs on
SQLite and on PostgreSQL (the `database` fixture)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import json
import sqlite3
import time
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from protect.server import create_app
from protect.service import assessments, audit
from protect.service.roles import local_operator
from protect.storage import Database

from .conftest import PEACE, SUDAN_2004, Tokens

ROUTES = ("/api/v1/assess", "/api/v1/assessments", "/api/v1/assessments/{id}/reassess")


def _post_everywhere(
    client: TestClient, tokens: Tokens, body: bytes
) -> list[tuple[str, httpx.Response]]:
    """POST the raw body to the three situation routes (as an analyst, where needed)."""
    saved = client.post("/api/v1/assessments", json=PEACE, headers=tokens.header("analyst"))
    assert saved.status_code == 201
    headers = {**tokens.header("analyst"), "content-type": "application/json"}
    return [
        (route, client.post(route.format(id=saved.json()["id"]), content=body, headers=headers))
        for route in ROUTES
    ]


def _details(response: httpx.Response) -> list[dict[str, Any]]:
    body = response.json()
    assert isinstance(body["detail"], list), body
    return list(body["detail"])


@pytest.mark.parametrize("depth", [30, 900, 100_000])
def test_deep_json_is_422_naming_the_limit(client: TestClient, tokens: Tokens, depth: int) -> None:
    body = json.dumps({**SUDAN_2004, "name": None}).replace("null", "[" * depth + "]" * depth)
    for route, response in _post_everywhere(client, tokens, body.encode()):
        assert response.status_code == 422, (route, response.text[:300])
        assert any("nested deeper than 20 levels" in d["msg"] for d in _details(response))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ('{"name": "\\ud800", "country": "SDN"}', "name"),
        ('[{"country": "SDN"}, {"name": "ok\\udfff"}]', "[1].name"),
        ('{"atrocities": {"\\ud800": "ongoing"}}', "atrocities"),
    ],
)
def test_lone_surrogates_are_422_naming_the_field(
    client: TestClient, tokens: Tokens, body: str, field: str
) -> None:
    for route, response in _post_everywhere(client, tokens, body.encode()):
        if route.endswith("reassess") and field.startswith("["):
            assert response.status_code == 422
            continue
        assert response.status_code == 422, (route, response.text[:300])
        problems = {d["field"]: d["msg"] for d in _details(response)}
        assert "not valid UTF-8 text" in problems[field], problems


def test_lone_surrogate_in_an_annotation_is_422(client: TestClient, tokens: Tokens) -> None:
    saved = client.post("/api/v1/assessments", json=PEACE, headers=tokens.header("analyst"))
    response = client.post(
        f"/api/v1/assessments/{saved.json()['id']}/annotations",
        content=b'{"text": "note \\ud800"}',
        headers={**tokens.header("analyst"), "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "text"


def test_a_key_given_twice_is_422(client: TestClient, tokens: Tokens) -> None:
    body = b'{"country": "NOR", "country": "SWE", "date": "2010-01-01"}'
    for route, response in _post_everywhere(client, tokens, body):
        assert response.status_code == 422, route
        assert "key 'country' is given twice" in _details(response)[0]["msg"]


def test_bad_utf8_and_huge_numbers_are_422(client: TestClient, tokens: Tokens) -> None:
    for body in (b'{"name": "\xff"}', b'{"n": 1' + b"0" * 5000 + b"}", b""):
        for route, response in _post_everywhere(client, tokens, body):
            if route.endswith("reassess") and body == b"":
                assert response.status_code == 201  # no body: the saved facts again
                continue
            assert response.status_code == 422, (route, body[:20], response.text[:200])


def test_name_over_200_characters_is_refused_on_every_route(
    client: TestClient, tokens: Tokens, database: Database
) -> None:
    long = json.dumps({**SUDAN_2004, "name": "n" * 201}).encode()
    for route, response in _post_everywhere(client, tokens, long):
        assert response.status_code == 422, route
        assert _details(response)[0]["field"] == "name"
        assert _details(response)[0]["msg"] == "at most 200 characters, got 201"
    exact = client.post(
        "/api/v1/assessments",
        json={**SUDAN_2004, "name": "é" * 200},
        headers=tokens.header("analyst"),
    )
    assert exact.status_code == 201 and exact.json()["name"] == "é" * 200


def test_situations_per_request_over_the_limit_is_413(
    client: TestClient, tokens: Tokens, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert client.post("/api/v1/assess", json=[PEACE] * 100).status_code == 200  # the default
    too_many = client.post("/api/v1/assess", json=[PEACE] * 101)
    assert too_many.status_code == 413
    assert "at most 100 situations per request" in too_many.json()["detail"]
    monkeypatch.setenv("PROTECT_MAX_SITUATIONS_PER_REQUEST", "3")
    analyst = tokens.header("analyst")
    assert client.post("/api/v1/assessments", json=[PEACE] * 4, headers=analyst).status_code == 413
    assert client.post("/api/v1/assessments", json=[PEACE] * 3, headers=analyst).status_code == 201


def test_daily_storage_allowance_is_429_with_retry_after(
    client: TestClient, tokens: Tokens, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    analyst = tokens.header("analyst")
    first = client.post("/api/v1/assessments", json=PEACE, headers=analyst)
    assert first.status_code == 201
    stored = audit.entries(database, local_operator(), action="assessment.save").items
    with database.reading() as session:
        size = session.execute(
            text("SELECT stored_bytes FROM audit_log WHERE action = 'assessment.save'")
        ).scalar_one()
    assert len(stored) == 1 and size > 10_000  # the facts and the whole document
    monkeypatch.setenv("PROTECT_MAX_STORED_BYTES_PER_DAY", str(int(size * 2.5)))
    assert client.post("/api/v1/assessments", json=PEACE, headers=analyst).status_code == 201
    refused = client.post("/api/v1/assessments", json=PEACE, headers=analyst)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400
    assert "daily storage allowance" in refused.json()["detail"]
    aid = first.json()["id"]
    assert client.post(f"/api/v1/assessments/{aid}/reassess", headers=analyst).status_code == 429
    # Nothing was stored by the refused writes, and another user still has their allowance.
    listed = client.get("/api/v1/assessments?all_versions=true", headers=analyst).json()
    assert listed["total"] == 2
    admin = tokens.header("admin")
    assert client.post("/api/v1/assessments", json=PEACE, headers=admin).status_code == 201


def test_assessing_a_list_leaves_the_event_loop_free(database: Database) -> None:
    """While a request of 100 situations is assessed, the event loop keeps turning: no pause
    between two turns of a 1 ms ticker is as long as half the request. On the loop, the
    whole assessment would be one pause."""
    app = create_app(database)
    # A hundred different situations (countries and dates over three decades), so the request
    # does real work rather than hitting the engine's memos: its length then dwarfs a pause of
    # a few milliseconds that the machine itself may take.
    countries = ["SDN", "MMR", "RWA", "COD", "SYR", "COL", "IRQ", "AFG", "SOM", "NGA"]
    varied = [
        {**SUDAN_2004, "country": countries[i % 10], "date": f"{1995 + i % 30}-0{1 + i % 9}-15"}
        for i in range(100)
    ]

    async def scenario() -> tuple[int, float, float]:
        turns: list[float] = []
        done = asyncio.Event()

        async def ticker() -> None:
            while not done.is_set():
                turns.append(time.perf_counter())
                await asyncio.sleep(0.001)

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await client.post("/api/v1/assess", json=PEACE)  # warm up
            task = asyncio.create_task(ticker())
            await asyncio.sleep(0.01)
            started = time.perf_counter()
            response = await client.post("/api/v1/assess", json=varied)
            ended = time.perf_counter()
            done.set()
            await task
        during = [started] + [t for t in turns if started < t < ended] + [ended]
        longest = max(b - a for a, b in itertools.pairwise(during))
        return response.status_code, ended - started, longest

    status, elapsed, longest = asyncio.run(scenario())
    assert status == 200
    assert longest < elapsed / 2, (longest, elapsed)


# --- the audit chain ---------------------------------------------------------------------------


def _some_writes(database: Database) -> int:
    op = local_operator()
    saved = assessments.save(database, op, [SUDAN_2004, PEACE])
    assessments.annotate(database, op, saved[0].id, "checked")
    assessments.reassess(database, op, saved[1].id)
    return audit.entries(database, op).total


def test_audit_entries_form_a_chain_that_verifies(database: Database) -> None:
    total = _some_writes(database)
    with database.reading() as session:
        rows = session.execute(text("SELECT prev_hash, hash FROM audit_log ORDER BY id")).all()
    assert len(rows) == total == 4
    assert rows[0][0] == "0" * 64
    assert all(rows[i + 1][0] == rows[i][1] for i in range(len(rows) - 1))
    result = audit.verify(database, local_operator())
    assert result.intact and result.entries == 4 and result.head == rows[-1][1]
    assert result.records == 4  # three saved versions and one annotation, each vouched for


def _lift_triggers(database: Database, table: str) -> list[str]:
    """Statements that lift the append-only triggers of `table`, as its owner can."""
    if database.backend == "postgresql":
        return [f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"]
    return [f"DROP TRIGGER {table}_no_{verb}" for verb in ("update", "delete", "replace")]


@pytest.mark.parametrize(
    ("table", "statement", "record"),
    [
        ("assessments", "UPDATE assessments SET stage = 'peace' WHERE id = 1", "assessment/1"),
        (
            "assessments",
            "UPDATE assessments SET created_by = 'someone-else' WHERE id = 2",
            "assessment/2",
        ),
        (
            "annotations",
            "UPDATE annotations SET text = 'nothing to see' WHERE id = 1",
            "annotation/1",
        ),
        (
            "assessments",
            "INSERT INTO assessments (case_id, version, name, country, as_of, stage, situation, "
            "document, rules_version, created_by, created_at) SELECT case_id, 9, 'forged', "
            "country, as_of, stage, situation, document, rules_version, created_by, created_at "
            "FROM assessments WHERE id = 1",
            "assessment/4",
        ),
    ],
)
def test_audit_verify_finds_a_saved_record_changed_or_forged_around_the_service(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    table: str,
    statement: str,
    record: str,
) -> None:
    from protect.cli.main import app as cli

    _some_writes(database)
    with database.engine.begin() as conn:
        for lift in _lift_triggers(database, table):
            conn.execute(text(lift))
        conn.execute(text(statement))
    result = audit.verify(database, local_operator())
    assert not result.intact and result.first_broken is None
    assert result.broken_record == record, result
    monkeypatch.setenv("PROTECT_DATABASE_URL", database.url)
    cli_result = CliRunner().invoke(cli, ["audit", "verify"])
    assert cli_result.exit_code == 3
    assert cli_result.stderr.startswith(f"error: saved record {record}: ")


def _tamper(database: Database, statement: str) -> None:
    """What someone with the database's owner rights can do: lift the trigger and edit."""
    with database.engine.begin() as conn:
        if database.backend == "postgresql":
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            conn.execute(text(statement))
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text(statement))


@pytest.mark.parametrize(
    ("statement", "broken", "words"),
    [
        ("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2", 2, "content does not match"),
        ("DELETE FROM audit_log WHERE id = 2", 3, "link to the entry before"),
    ],
)
def test_audit_verify_names_the_first_broken_entry(
    database: Database,
    monkeypatch: pytest.MonkeyPatch,
    statement: str,
    broken: int,
    words: str,
) -> None:
    from protect.cli.main import app as cli

    _some_writes(database)
    monkeypatch.setenv("PROTECT_DATABASE_URL", database.url)
    ok = CliRunner().invoke(cli, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert ok.stdout.startswith("audit trail intact: 4 entries, 4 saved records; newest hash ")

    _tamper(database, statement)
    result = audit.verify(database, local_operator())
    assert not result.intact and result.first_broken == broken
    assert words in (result.problem or "")
    cli_result = CliRunner().invoke(cli, ["audit", "verify"])
    assert cli_result.exit_code == 3
    assert f"audit trail broken at entry {broken}" in cli_result.stderr
    assert "Traceback" not in cli_result.output


def test_audit_verify_over_the_api(client: TestClient, tokens: Tokens) -> None:
    assert client.get("/api/v1/audit/verify").status_code == 401
    assert client.get("/api/v1/audit/verify", headers=tokens.header("analyst")).status_code == 403
    response = client.get("/api/v1/audit/verify", headers=tokens.header("admin"))
    assert response.status_code == 200
    assert response.json()["intact"] is True and response.json()["entries"] == 3  # 3 users


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT OR REPLACE INTO audit_log (id, at, actor, action, target, rules_version, detail, "
        "stored_bytes, prev_hash, hash) SELECT id, at, 'forger', action, target, rules_version, "
        "detail, stored_bytes, prev_hash, hash FROM audit_log WHERE id = 1",
        "REPLACE INTO assessments (id, case_id, version, name, country, as_of, stage, situation, "
        "document, rules_version, created_by, created_at) SELECT id, case_id, version, 'forged', "
        "country, as_of, 'peace', situation, document, rules_version, created_by, created_at "
        "FROM assessments WHERE id = 1",
        "REPLACE INTO assessments (case_id, version, name, country, as_of, stage, situation, "
        "document, rules_version, created_by, created_at) SELECT case_id, version, 'forged', "
        "country, as_of, 'peace', situation, document, rules_version, created_by, created_at "
        "FROM assessments WHERE id = 1",
        "INSERT INTO annotations (id, assessment_id, author, text, created_at) "
        "SELECT id, assessment_id, author, 'forged', created_at FROM annotations WHERE id = 1 "
        "ON CONFLICT (id) DO UPDATE SET text = 'forged'",
    ],
)
def test_sqlite_append_only_tables_refuse_replace(
    sqlite_database: Database, statement: str
) -> None:
    """With a plain sqlite3 connection to the file, as anyone with file access has."""
    _some_writes(sqlite_database)
    path = sqlite_database.engine.url.database
    assert path
    with sqlite3.connect(path) as conn, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute(statement)
    assert audit.verify(sqlite_database, local_operator()).intact
    with sqlite3.connect(path) as conn:
        assert conn.execute(
            "SELECT count(*) FROM assessments WHERE name = 'forged'"
        ).fetchone() == (0,)


@pytest.mark.postgres
def test_postgres_upsert_is_refused(pg_database: Database) -> None:
    pg_database.migrate()
    _some_writes(pg_database)
    for table, column in (("audit_log", "actor"), ("assessments", "name"), ("annotations", "text")):
        with pytest.raises(DBAPIError, match="append-only"), pg_database.engine.begin() as conn:
            conn.execute(
                text(
                    f"INSERT INTO {table} SELECT * FROM {table} WHERE id = 1 "
                    f"ON CONFLICT (id) DO UPDATE SET {column} = 'forged'"
                )
            )
    assert audit.verify(pg_database, local_operator()).intact


def test_migration_chains_the_entries_written_before_it(database: Database) -> None:
    """A database at revision 0001 with audit entries is chained by the upgrade."""
    from alembic import command
    from alembic.config import Config

    from protect.storage.database import MIGRATIONS_DIR

    fresh = Database(database.url)
    with fresh.engine.begin() as conn:  # the fixture migrated it: start again from nothing
        tables = sa.inspect(conn).get_table_names()
        for table in tables:  # children first on SQLite, whose foreign keys are enforced
            if table not in ("users", "assessments", "foa_assessments"):
                conn.execute(
                    text(f'DROP TABLE "{table}"' + " CASCADE" * (database.backend == "postgresql"))
                )
        for table in ("foa_assessments", "assessments", "users"):
            if table in tables:
                conn.execute(
                    text(f'DROP TABLE "{table}"' + " CASCADE" * (database.backend == "postgresql"))
                )
        if database.backend == "postgresql":
            conn.execute(text("DROP FUNCTION IF EXISTS protect_append_only() CASCADE"))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with fresh.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        old_audit = sa.table(
            "audit_log",
            sa.column("at", sa.DateTime(timezone=True)),
            sa.column("actor", sa.String),
            sa.column("action", sa.String),
            sa.column("target", sa.String),
            sa.column("rules_version", sa.String),
            sa.column("detail", sa.JSON),
        )
        for i, at in enumerate(
            (
                dt.datetime(2026, 11, 29, 10, 0, 0, 123456, tzinfo=dt.UTC),
                dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=dt.UTC),
                dt.datetime(2026, 12, 1, 0, 0, 0, 1, tzinfo=dt.UTC),
            )
        ):
            conn.execute(
                sa.insert(old_audit).values(
                    at=at,
                    actor=f"user{i}",
                    action="user.add",
                    target=f"user{i}",
                    rules_version="0.1",
                    detail={"role": "viewer", "n": i},
                )
            )
    fresh.migrate()
    result = audit.verify(fresh, local_operator())
    assert result.intact and result.entries == 3
    _some_writes(fresh)  # new entries chain onto the migrated ones
    assert audit.verify(fresh, local_operator()).entries == 7
    assert audit.verify(fresh, local_operator()).intact
    fresh.dispose()


def test_every_append_only_sqlite_table_refuses_replace(sqlite_database: Database) -> None:
    """Tables that later migrations made append-only (Framework of Analysis, risk registry) get
    the REPLACE guard too, keyed on each of their unique keys."""
    sqlite_database.migrate()
    path = sqlite_database.engine.url.database
    assert path
    with sqlite3.connect(path) as conn:
        triggers = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        guarded = {t.removesuffix("_no_update") for t in triggers if t.endswith("_no_update")}
        assert {"assessments", "annotations", "audit_log", "foa_versions"} <= guarded
        assert all(f"{table}_no_replace" in triggers for table in guarded)
        insert = (
            "{verb} INTO risk_variants (name, spec_hash, code_hash, spec, description, "
            "registered_by, registered_at) VALUES (?, 'h', 'c', '[]', 'd', 'test', "
            "'2026-12-05 10:00:00')"
        )
        conn.execute(insert.format(verb="INSERT"), ("v",))
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):  # same spec_hash
            conn.execute(insert.format(verb="REPLACE"), ("forged",))
