"""The issue's "done when", end to end: one command starts the server on the SQLite default, a
user is created, the API is called with the token, and the audit log shows it."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import SUDAN_2004

PROTECT = Path(sys.executable).with_name("protect")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_users_token_and_audit_log(tmp_path: Path) -> None:
    env = {**os.environ, "PROTECT_HOME": str(tmp_path / "home")}
    env.pop("PROTECT_DATABASE_URL", None)
    added = subprocess.run(
        [str(PROTECT), "users", "add", "alice", "--role", "analyst"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    token = added.stdout.strip()
    root = subprocess.run(
        [str(PROTECT), "users", "add", "root", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.strip()

    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [str(PROTECT), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            try:
                if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)

        auth = {"Authorization": f"Bearer {token}"}
        saved = httpx.post(f"{base}/api/v1/assessments", json=SUDAN_2004, headers=auth, timeout=30)
        assert saved.status_code == 201
        # The audit log is for administrators: the analyst who saved is refused it.
        assert httpx.get(f"{base}/api/v1/audit", headers=auth, timeout=30).status_code == 403
        admin = {"Authorization": f"Bearer {root}"}
        log_page = httpx.get(f"{base}/api/v1/audit", headers=admin, timeout=30).json()
        actions = [(e["actor"], e["action"], e["target"]) for e in log_page["items"]]
        assert actions[0] == ("alice", "assessment.save", f"assessment/{saved.json()['id']}")
        assert actions[1][1:] == ("user.add", "root")
        assert actions[2][1:] == ("user.add", "alice")
        assert httpx.get(f"{base}/openapi.json", timeout=30).status_code == 200
        assert (tmp_path / "home" / "protect.sqlite3").is_file()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def _wait_until_serving(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 90
    while True:
        assert server.poll() is None, log.read_text()
        try:
            httpx.get(f"{base}/api/v1/kb", timeout=2)
            return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.3)


class _Gate:
    """A TCP relay on a loopback port to a real PostgreSQL that can be opened later: closed, the
    port refuses connections as a server that is down does."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = _free_port()
        self.listener: socket.socket | None = None

    def open(self) -> None:
        import threading

        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.listener = listener

        def pipe(src: socket.socket, dst: socket.socket) -> None:
            try:
                while data := src.recv(65536):
                    dst.sendall(data)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    with contextlib.suppress(OSError):
                        s.shutdown(socket.SHUT_RDWR)

        def accept() -> None:
            while True:
                try:
                    client, _ = listener.accept()
                except OSError:
                    return
                upstream = socket.create_connection(self.target)
                threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
                threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()

    def close(self) -> None:
        if self.listener is not None:
            self.listener.close()


def test_serve_starts_while_the_database_is_down_and_answers_503_until_it_is_back(
    tmp_path: Path,
) -> None:
    """Decision 030: assessing works at once, the rest is 503 while the database is down, and
    when it comes back the schema is migrated and the same server answers 200."""
    pg = os.environ.get("PROTECT_TEST_POSTGRES_URL")
    gate: _Gate | None = None
    if pg:
        from sqlalchemy.engine import make_url

        real = make_url(pg).set(drivername="postgresql+psycopg")
        gate = _Gate((real.host or "127.0.0.1", real.port or 5432))
        url = real.set(host="127.0.0.1", port=gate.port).render_as_string(hide_password=False)
    else:  # no server to bring back: check the first half only
        url = "postgresql+psycopg://nobody@127.0.0.1:9/protect"
    env = {**os.environ, "PROTECT_HOME": str(tmp_path), "PROTECT_DATABASE_URL": url}
    port = _free_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [str(PROTECT), "serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(server, base, log_path)
        health = httpx.get(f"{base}/api/v1/health", timeout=30)
        assert health.status_code == 503 and "unavailable" in health.json()["detail"]
        assert health.headers["Retry-After"]
        assert httpx.post(f"{base}/api/v1/assess", json=SUDAN_2004, timeout=30).status_code == 200
        assert "UNAVAILABLE" in log_path.read_text() and "Traceback" not in log_path.read_text()
        if gate is not None:
            gate.open()  # the database is back
            deadline = time.monotonic() + 30
            while httpx.get(f"{base}/api/v1/health", timeout=30).status_code != 200:
                assert time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()
        if gate is not None:
            gate.close()


def test_serve_refuses_a_bad_limit_setting(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PROTECT_HOME": str(tmp_path),
        "PROTECT_MAX_SITUATIONS_PER_REQUEST": "lots",
    }
    result = subprocess.run(
        [str(PROTECT), "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr == (
        "error: PROTECT_MAX_SITUATIONS_PER_REQUEST='lots': must be a whole number of at least 1\n"
    )
