"""Users, their API tokens and the web pages' login sessions.

A token reads `pt_<token id>_<secret>`. The token id is stored in clear so that a request finds
its user with one indexed lookup; the secret is stored only as an argon2 hash. Argon2 is slow on
purpose, so a process remembers which exact tokens it has verified (keyed by their SHA-256, never
the token itself), while the user row is still read on every request: a revoked token stops
working at once.

Repeated failed verifications of one token id (whose holder, or whoever learnt the id, is trying
secrets) block that id's verification for a while: each failure costs a core and 64 MiB, and
only two run at once, so a stream of wrong secrets would otherwise keep every new login waiting.
Tokens this process has already verified keep working throughout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from typing import cast

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from protect.service import audit
from protect.service.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    TooManyAttemptsError,
    UnauthorizedError,
)
from protect.service.roles import Principal, Role, require
from protect.service.schemas import NewUser, NewUserIn, UserOut
from protect.storage import Database, User, WebSession

SESSION_LIFETIME = dt.timedelta(hours=12)
_hasher = PasswordHasher()
_verified: OrderedDict[str, str] = OrderedDict()
_verified_lock = threading.Lock()
_VERIFIED_MAX = 1024
# Each argon2 verification takes 64 MiB and a core for a moment: a burst of requests with a new
# token must not run dozens at once. The waiting ones then find the token already verified.
_argon2_slots = threading.BoundedSemaphore(2)
# After this many failed verifications of one token id, each less than the block apart, the id's
# verification is refused until the block has passed since the last failure.
FAILURES_BEFORE_BLOCK = 5
BLOCK_SECONDS = 300.0
_failures: OrderedDict[str, tuple[int, float]] = OrderedDict()  # token id -> (count, last)
_FAILURES_MAX = 10_000
_clock = time.monotonic  # replaced in tests that need time to pass


def _refuse_if_blocked(token_id: str) -> None:
    with _verified_lock:
        count, last = _failures.get(token_id, (0, 0.0))
    wait = last + BLOCK_SECONDS - _clock()
    if count >= FAILURES_BEFORE_BLOCK and wait > 0:
        raise TooManyAttemptsError(
            f"too many failed attempts with this token; try again in {int(wait) + 1} s",
            retry_after=int(wait) + 1,
        )


def _note_failure(token_id: str) -> None:
    now = _clock()
    with _verified_lock:
        count, last = _failures.pop(token_id, (0, 0.0))
        _failures[token_id] = (count + 1 if now - last < BLOCK_SECONDS else 1, now)
        while len(_failures) > _FAILURES_MAX:
            _failures.popitem(last=False)


def _note_success(token_id: str) -> None:
    with _verified_lock:
        _failures.pop(token_id, None)


def _out(user: User) -> UserOut:
    return UserOut(
        name=user.name,
        role=cast(Role, user.role),
        created_at=audit.aware(user.created_at),
        revoked_at=audit.aware(user.revoked_at) if user.revoked_at else None,
        active=user.revoked_at is None,
    )


def _new_token() -> tuple[str, str, str]:
    token_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    return token_id, secret, f"pt_{token_id}_{secret}"


def add_user(db: Database, principal: Principal | None, name: str, role: str) -> NewUser:
    """Create a user and return its token, which is not stored and cannot be shown again."""
    actor = require(principal, "admin")
    try:
        data = NewUserIn.model_validate({"name": name, "role": role})
    except ValidationError as exc:
        raise InvalidInputError(
            "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()),
            [
                {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
                for e in exc.errors(include_url=False, include_context=False, include_input=False)
            ],
        ) from exc
    token_id, secret, token = _new_token()
    try:
        with db.writing() as session:
            if session.scalar(select(User.id).where(User.name == data.name)) is not None:
                raise ConflictError(f"user {data.name!r} already exists")
            user = User(
                name=data.name,
                role=data.role,
                token_id=token_id,
                token_hash=_hasher.hash(secret),
                created_at=dt.datetime.now(dt.UTC),
            )
            session.add(user)
            session.flush()
            audit.record(session, actor.name, "user.add", data.name, {"role": data.role})
            out = _out(user)
    except IntegrityError as exc:
        raise ConflictError(f"user {data.name!r} already exists") from exc
    return NewUser(user=out, token=token)


def list_users(db: Database, principal: Principal | None) -> list[UserOut]:
    require(principal, "admin")
    with db.reading() as session:
        return [_out(u) for u in session.scalars(select(User).order_by(User.name)).all()]


def revoke_user(db: Database, principal: Principal | None, name: str) -> UserOut:
    """Revoke the user's token and end its web sessions; revoking twice changes nothing."""
    actor = require(principal, "admin")
    with db.writing() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFoundError(f"no user named {name!r}")
        if user.revoked_at is None:
            user.revoked_at = dt.datetime.now(dt.UTC)
            session.execute(delete(WebSession).where(WebSession.user_id == user.id))
            audit.record(session, actor.name, "user.revoke", name, {})
        return _out(user)


def rotate_token(db: Database, principal: Principal | None, name: str) -> NewUser:
    """Give the user a new token and end the old one at once (with its web sessions).

    An admin may rotate anyone's token, any user their own; the user keeps their name, role and
    history, so the audit trail stays one person's. A revoked user stays revoked.
    """
    actor = require(principal, "viewer")
    if actor.name != name:
        actor = require(principal, "admin")
    token_id, secret, token = _new_token()
    with db.writing() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFoundError(f"no user named {name!r}")
        if user.revoked_at is not None:
            raise ConflictError(f"user {name!r} is revoked; add a new user instead")
        user.token_id = token_id
        user.token_hash = _hasher.hash(secret)
        session.execute(delete(WebSession).where(WebSession.user_id == user.id))
        audit.record(session, actor.name, "user.rotate", name, {})
        out = _out(user)
    return NewUser(user=out, token=token)


def _known(fingerprint: str, token_hash: str) -> bool:
    with _verified_lock:
        return _verified.get(fingerprint) == token_hash


def _remember(fingerprint: str, token_hash: str) -> None:
    with _verified_lock:
        _verified[fingerprint] = token_hash
        _verified.move_to_end(fingerprint)
        while len(_verified) > _VERIFIED_MAX:
            _verified.popitem(last=False)


def _split(token: str) -> tuple[str, str]:
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != "pt" or not parts[1] or not parts[2]:
        raise UnauthorizedError("malformed token")
    return parts[1], parts[2]


def authenticate(db: Database, token: str) -> Principal:
    """The active user holding `token`."""
    token_id, secret = _split(token.strip())
    with db.reading() as session:
        user = session.scalar(select(User).where(User.token_id == token_id))
        if user is None or user.revoked_at is not None:
            raise UnauthorizedError("unknown or revoked token")
        name, role, token_hash = user.name, user.role, user.token_hash
    fingerprint = hashlib.sha256(token.strip().encode()).hexdigest()
    if not _known(fingerprint, token_hash):
        _refuse_if_blocked(token_id)
        with _argon2_slots:
            if not _known(fingerprint, token_hash):
                _refuse_if_blocked(token_id)
                try:
                    _hasher.verify(token_hash, secret)
                except (VerificationError, InvalidHashError) as exc:
                    _note_failure(token_id)
                    raise UnauthorizedError("unknown or revoked token") from exc
                _note_success(token_id)
                _remember(fingerprint, token_hash)
    return Principal(name=name, role=cast(Role, role))


def _session_key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def login(db: Database, name: str, token: str) -> str:
    """Open a web session for the user named `name` holding `token`; returns the cookie value."""
    principal = authenticate(db, token)
    if principal.name != name:
        raise UnauthorizedError("name and token do not match")
    key = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    with db.writing() as session:
        user_id = session.scalar(select(User.id).where(User.name == name))
        if user_id is None:
            raise UnauthorizedError("name and token do not match")
        session.add(
            WebSession(
                id=_session_key_hash(key),
                user_id=user_id,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        audit.record(session, name, "session.login", name, {})
    return key


def session_principal(db: Database, key: str) -> Principal | None:
    """The active user of a web session, or None when it is unknown, expired or revoked."""
    with db.reading() as session:
        row = session.execute(
            select(User.name, User.role, User.revoked_at, WebSession.expires_at)
            .join(WebSession, WebSession.user_id == User.id)
            .where(WebSession.id == _session_key_hash(key))
        ).first()
    if row is None or row.revoked_at is not None:
        return None
    if audit.aware(row.expires_at) < dt.datetime.now(dt.UTC):
        return None
    return Principal(name=row.name, role=cast(Role, row.role))


def logout(db: Database, key: str) -> None:
    with db.writing() as session:
        session.execute(delete(WebSession).where(WebSession.id == _session_key_hash(key)))


def get_user(db: Database, name: str) -> UserOut:
    with db.reading() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFoundError(f"no user named {name!r}")
        return _out(user)
