"""The issue's "done when", end to end: one command starts the server on the SQLite default, a
user is created, the API is called with the token, and the audit log shows it."""

from __future__ import annotations

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
        log_page = httpx.get(f"{base}/api/v1/audit", headers=auth, timeout=30).json()
        actions = [(e["actor"], e["action"], e["target"]) for e in log_page["items"]]
        assert actions[0] == ("alice", "assessment.save", f"assessment/{saved.json()['id']}")
        assert actions[1][1:] == ("user.add", "alice")
        assert httpx.get(f"{base}/openapi.json", timeout=30).status_code == 200
        assert (tmp_path / "home" / "protect.sqlite3").is_file()
    finally:
        server.terminate()
        server.wait(timeout=20)
        log.close()


def test_serve_refuses_to_start_on_an_unreachable_database(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PROTECT_HOME": str(tmp_path),
        "PROTECT_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:9/protect",
    }
    result = subprocess.run(
        [str(PROTECT), "serve", "--port", str(_free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("error: database postgresql+psycopg://nobody@127.0.0.1:9/")
    assert "Traceback" not in result.stderr
