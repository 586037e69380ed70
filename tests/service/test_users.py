"""Users and tokens: hashed at rest, shown once, revocable; the `protect users` commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from typer.testing import CliRunner

from protect.cli.main import app as cli
from protect.service import ConflictError, ForbiddenError, UnauthorizedError, audit, users
from protect.service.errors import TooManyAttemptsError
from protect.service.roles import Principal, local_operator
from protect.storage import Database, User


def test_tokens_are_stored_as_argon2_hashes(database: Database) -> None:
    new = users.add_user(database, local_operator(), "ana", "analyst")
    with database.reading() as session:
        row = session.scalar(select(User).where(User.name == "ana"))
    assert row is not None
    assert row.token_hash.startswith("$argon2id$")
    assert new.token.split("_", 2)[2] not in row.token_hash
    assert users.authenticate(database, new.token) == Principal("ana", "analyst")


def test_production_hasher_uses_the_library_defaults() -> None:
    from importlib import reload

    from protect.service import users as fresh

    reload(fresh)
    try:
        assert fresh._hasher.memory_cost == PasswordHasher().memory_cost
        assert fresh._hasher.time_cost == PasswordHasher().time_cost
    finally:
        reload(fresh)


def test_roles_and_revocation(database: Database) -> None:
    op = local_operator()
    viewer = users.add_user(database, op, "vic", "viewer")
    principal = users.authenticate(database, viewer.token)
    with pytest.raises(ForbiddenError):
        users.add_user(database, principal, "eve", "admin")
    with pytest.raises(ConflictError):
        users.add_user(database, op, "vic", "analyst")
    users.revoke_user(database, op, "vic")
    with pytest.raises(UnauthorizedError):
        users.authenticate(database, viewer.token)
    with pytest.raises(UnauthorizedError):
        users.authenticate(database, "not-a-token")


def test_web_session_ends_when_the_user_is_revoked(database: Database) -> None:
    new = users.add_user(database, local_operator(), "ana", "analyst")
    with pytest.raises(UnauthorizedError):
        users.login(database, "someone-else", new.token)
    key = users.login(database, "ana", new.token)
    assert users.session_principal(database, key) == Principal("ana", "analyst")
    users.revoke_user(database, local_operator(), "ana")
    assert users.session_principal(database, key) is None


def test_users_cli_prints_the_token_once_and_lists_and_revokes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROTECT_HOME", str(tmp_path))
    monkeypatch.delenv("PROTECT_DATABASE_URL", raising=False)
    runner = CliRunner()
    added = runner.invoke(cli, ["users", "add", "ada", "--role", "admin"])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip()
    assert token.startswith("pt_") and "\n" not in token

    db = Database()
    try:
        assert users.authenticate(db, token).role == "admin"
    finally:
        db.dispose()

    listed = runner.invoke(cli, ["users", "list", "--format", "json"])
    assert listed.exit_code == 0
    rows = json.loads(listed.stdout)
    assert [(r["name"], r["role"], r["active"]) for r in rows] == [("ada", "admin", True)]
    assert token not in listed.stdout

    assert runner.invoke(cli, ["users", "add", "ada", "--role", "viewer"]).exit_code == 2
    assert runner.invoke(cli, ["users", "add", "bad name", "--role", "viewer"]).exit_code == 2
    assert runner.invoke(cli, ["users", "add", "x", "--role", "emperor"]).exit_code == 2
    assert runner.invoke(cli, ["users", "revoke", "nobody"]).exit_code == 2
    rotated = runner.invoke(cli, ["users", "rotate", "ada"])
    assert rotated.exit_code == 0, rotated.output
    assert rotated.stdout.strip().startswith("pt_") and rotated.stdout.strip() != token
    db = Database()
    try:
        with pytest.raises(UnauthorizedError):
            users.authenticate(db, token)
        assert users.authenticate(db, rotated.stdout.strip()).name == "ada"
    finally:
        db.dispose()
    assert runner.invoke(cli, ["users", "rotate", "nobody"]).exit_code == 2
    revoked = runner.invoke(cli, ["users", "revoke", "ada"])
    assert revoked.exit_code == 0
    rows = json.loads(runner.invoke(cli, ["users", "list", "--format", "json"]).stdout)
    assert rows[0]["active"] is False


def test_users_cli_reports_an_unreachable_database_in_one_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROTECT_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/protect")
    result = CliRunner().invoke(cli, ["users", "list"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error: database ")
    assert "Traceback" not in result.output


class _Clock:
    """Time that passes only when the test says so (the block lasts minutes)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _wrong(token: str) -> str:
    prefix, token_id, secret = token.split("_", 2)
    return f"{prefix}_{token_id}_{'x' * len(secret)}"


def test_repeated_wrong_secrets_block_the_token_id_for_a_while(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    monkeypatch.setattr(users, "_clock", clock)
    new = users.add_user(database, local_operator(), "ana", "analyst")
    for _ in range(users.FAILURES_BEFORE_BLOCK):
        with pytest.raises(UnauthorizedError):
            users.authenticate(database, _wrong(new.token))
        clock.now += 10
    # Blocked now, even for the right secret, which this process has not verified yet.
    with pytest.raises(TooManyAttemptsError) as blocked:
        users.authenticate(database, new.token)
    assert blocked.value.status == 429
    assert 0 < blocked.value.retry_after <= users.BLOCK_SECONDS
    assert "try again in" in blocked.value.message
    clock.now += users.BLOCK_SECONDS + 1
    assert users.authenticate(database, new.token) == Principal("ana", "analyst")
    # A success clears the count: one more failure does not block again.
    with pytest.raises(UnauthorizedError):
        users.authenticate(database, _wrong(new.token))
    users._verified.clear()
    assert users.authenticate(database, new.token) == Principal("ana", "analyst")


def test_failures_far_apart_never_block(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = _Clock()
    monkeypatch.setattr(users, "_clock", clock)
    new = users.add_user(database, local_operator(), "ana", "analyst")
    for _ in range(3 * users.FAILURES_BEFORE_BLOCK):
        with pytest.raises(UnauthorizedError):
            users.authenticate(database, _wrong(new.token))
        clock.now += users.BLOCK_SECONDS + 1
    assert users.authenticate(database, new.token) == Principal("ana", "analyst")


def test_a_verified_token_keeps_working_while_its_id_is_blocked(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(users, "_clock", _Clock())
    new = users.add_user(database, local_operator(), "ana", "analyst")
    assert users.authenticate(database, new.token) == Principal("ana", "analyst")
    for _ in range(users.FAILURES_BEFORE_BLOCK + 2):
        with pytest.raises((UnauthorizedError, TooManyAttemptsError)):
            users.authenticate(database, _wrong(new.token))
    assert users.authenticate(database, new.token) == Principal("ana", "analyst")
    # Unknown token ids cost no verification and are never blocked.
    for _ in range(20):
        with pytest.raises(UnauthorizedError):
            users.authenticate(database, "pt_0000000000000000_nothing")


def test_rotating_a_token_keeps_the_user_and_ends_the_old_token(database: Database) -> None:
    old = users.add_user(database, local_operator(), "ana", "analyst")
    key = users.login(database, "ana", old.token)
    new = users.rotate_token(database, Principal("ana", "analyst"), "ana")  # her own
    assert new.token != old.token and new.user.name == "ana" and new.user.role == "analyst"
    with pytest.raises(UnauthorizedError):
        users.authenticate(database, old.token)
    assert users.authenticate(database, new.token) == Principal("ana", "analyst")
    assert users.session_principal(database, key) is None  # her web sessions ended too
    with database.reading() as session:
        row = session.scalar(select(User).where(User.name == "ana"))
    assert row is not None and row.token_hash.startswith("$argon2id$")
    assert new.token.split("_", 2)[2] not in row.token_hash
    # Someone else's token: admins only. A revoked user stays revoked.
    users.add_user(database, local_operator(), "vic", "viewer")
    with pytest.raises(ForbiddenError):
        users.rotate_token(database, Principal("ana", "analyst"), "vic")
    users.revoke_user(database, local_operator(), "vic")
    with pytest.raises(ConflictError):
        users.rotate_token(database, local_operator(), "vic")
    rotations = audit.entries(database, local_operator(), action="user.rotate").items
    assert [(e.actor, e.target) for e in rotations] == [("ana", "ana")]
