"""`protect fetch ucdp|acled` against a local HTTP server started in the test process, which
answers in the APIs' documented shapes with real rows of the extracts under tests/data/monitor.
No test reaches the internet."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from protect.monitor import api
from protect.monitor.fetch import FetchError, fetch_acled, fetch_ucdp

from .helpers import query

TOKEN = "test-token-1"


def _typed(value: str) -> Any:
    """As the JSON API writes cells: numbers as numbers, empty as null."""
    if value == "":
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    if math.isfinite(number) and number == int(number) and "." not in value:
        return int(number)
    return number


def _rows(path: Path) -> list[dict[str, Any]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [{k: _typed(v) for k, v in r.items()} for r in csv.DictReader(fh)]


class Api:
    """UCDP's and ACLED's APIs in miniature; counts the pages asked for, can fail one once."""

    def __init__(self, data: Path) -> None:
        self.ged = _rows(data / "ged231_car_2013_2014.csv")
        for row in self.ged:  # the API writes timestamps
            for key in ("date_start", "date_end"):
                row[key] = f"{row[key]}T00:00:00.000"
        self.acled = _rows(data / "acled_2022h1_sample.csv")
        self.requests: Counter[str] = Counter()
        self.fail_once: set[str] = set()
        self.seen_auth: list[str] = []
        self.last_query: dict[str, str] = {}

    def ucdp(self, version: str, q: dict[str, str], headers: Any) -> tuple[int, Any]:
        if headers.get("x-ucdp-access-token") != TOKEN:
            return 401, {"message": "missing or wrong access token"}
        rows = [r for r in self.ged if r["country_id"] == int(q.get("Country", "482"))]
        if "StartDate" in q:
            rows = [r for r in rows if str(r["date_start"])[:10] >= q["StartDate"]]
        size, page = int(q["pagesize"]), int(q["page"])
        pages = max(1, math.ceil(len(rows) / size))
        return 200, {
            "TotalCount": len(rows),
            "TotalPages": pages,
            "PreviousPageUrl": "" if page == 0 else f"/api/gedevents/{version}?page={page - 1}",
            "NextPageUrl": "" if page + 1 >= pages else f"/api/gedevents/{version}?page={page + 1}",
            "Result": rows[page * size : (page + 1) * size],
        }

    def acled_read(self, q: dict[str, str], headers: Any) -> tuple[int, Any]:
        auth = headers.get("Authorization", "")
        self.seen_auth.append(auth)
        if auth != "Bearer acled-access-1":
            return 403, {"success": False, "error": "not authorised"}
        lo, hi = q["event_date"].split("|")
        rows = [r for r in self.acled if lo <= str(r["event_date"]) <= hi]
        if "iso" in q:
            rows = [r for r in rows if r["iso"] == int(q["iso"])]
        self.last_query = q
        size, page = int(q["limit"]), int(q["page"])
        data = rows[(page - 1) * size : page * size]
        return 200, {"status": 200, "success": True, "count": len(data), "data": data}


@pytest.fixture
def server(data: Path) -> Iterator[tuple[str, Api]]:
    state = Api(data)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, doc: Any) -> None:
            body = json.dumps(doc).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            q = {k: v[0] for k, v in parse_qs(url.query).items()}
            key = f"{url.path}?page={q.get('page')}"
            state.requests[key] += 1
            if key in state.fail_once:
                state.fail_once.discard(key)
                self._send(503, {"message": "try later"})
                return
            if url.path.startswith("/api/gedevents/"):
                self._send(*state.ucdp(url.path.rsplit("/", 1)[1], q, self.headers))
            elif url.path == "/api/acled/read":
                self._send(*state.acled_read(q, self.headers))
            else:
                self._send(404, {"message": "no such route"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            ok = (
                self.path == "/oauth/token"
                and form.get("grant_type") == "password"
                and form.get("client_id") == "acled"
                and (form.get("username"), form.get("password")) == ("a@b.org", "secret")
            )
            if ok:
                self._send(200, {"access_token": "acled-access-1", "expires_in": 86400})
            else:
                self._send(400, {"error": "invalid_grant"})

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetch_ucdp_pages_resumes_keeps_raw_and_ingests(
    server: tuple[str, Api], tmp_path: Path, db: Path
) -> None:
    base, state = server
    n = len(state.ged)
    state.fail_once.add("/api/gedevents/23.1?page=2")
    pages: list[tuple[int, int | None]] = []
    kwargs: dict[str, Any] = {
        "country": 482, "root": tmp_path / "dl", "base_url": base, "token": TOKEN,
        "page_size": 200, "db_path": db,
    }  # fmt: skip
    with pytest.raises(FetchError, match="HTTP 503"):
        fetch_ucdp("23.1", progress=lambda d, t: pages.append((d, t)), **kwargs)
    assert pages == [(1, 4), (2, 4)]
    done = fetch_ucdp("23.1", **kwargs)
    # Pages 0 and 1 were saved before the failure and are not asked for again.
    assert state.requests["/api/gedevents/23.1?page=0"] == 1
    assert state.requests["/api/gedevents/23.1?page=1"] == 1
    assert state.requests["/api/gedevents/23.1?page=2"] == 2
    assert done.pages == 4 and done.rows == n
    assert sorted(p.name for p in done.folder.glob("page-*.json")) == [
        f"page-0000{k}.json" for k in range(4)
    ]
    first = json.loads((done.folder / "page-00000.json").read_text())
    assert set(first) == {"TotalCount", "TotalPages", "PreviousPageUrl", "NextPageUrl", "Result"}
    report = done.report
    assert report is not None and report.rows_loaded == n and report.countries == ["CAF"]
    assert report.release is not None and report.release.startswith("GED 23.1")
    # The same events as ingesting the CSV extract itself.
    alone = tmp_path / "alone.duckdb"
    from protect.monitor.ingest import ingest

    ingest("ucdp", Path(__file__).parents[1] / "data" / "monitor" / "ged231_car_2013_2014.csv",
           db_path=alone)  # fmt: skip
    sql = "SELECT event_id, iso3, type, day_start, day_end, best, low, high, civilians FROM events"
    assert sorted(query(db, sql)) == sorted(query(alone, sql))
    # A second run finds every page saved and the file ingested: nothing is asked again.
    again = fetch_ucdp("23.1", **kwargs)
    assert again.report is not None and again.report.status == "unchanged"
    assert sum(state.requests.values()) == 5


def test_fetch_ucdp_since_and_candidate_versions(
    server: tuple[str, Api], tmp_path: Path, db: Path
) -> None:
    base, state = server
    done = fetch_ucdp(
        "23.0.11", country=482, since="2014-06", root=tmp_path, base_url=base, token=TOKEN,
        page_size=500, db_path=db,
    )  # fmt: skip
    want = [r for r in state.ged if str(r["date_start"]) >= "2014-06-01"]
    assert done.rows == len(want) > 0
    assert done.report is not None and done.report.candidate is True
    months = api.timeline("CAF", db_path=db)
    assert months[0].month == "2014-06" and all(r.provisional for r in months)


def test_fetch_ucdp_without_token_or_with_a_wrong_one(
    server: tuple[str, Api], tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = server
    monkeypatch.delenv("UCDP_ACCESS_TOKEN", raising=False)
    with pytest.raises(FetchError, match="UCDP_ACCESS_TOKEN"):
        fetch_ucdp("23.1", root=tmp_path, base_url=base, db_path=db)
    with pytest.raises(FetchError, match="refused \\(401\\)"):
        fetch_ucdp("23.1", root=tmp_path, base_url=base, token="wrong", db_path=db)
    with pytest.raises(FetchError, match="not a UCDP version"):
        fetch_ucdp("latest", root=tmp_path, base_url=base, token=TOKEN, db_path=db)


def test_fetch_acled_with_oauth_pages_and_ingests(
    server: tuple[str, Api], tmp_path: Path, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base, state = server
    monkeypatch.setenv("ACLED_EMAIL", "a@b.org")
    monkeypatch.setenv("ACLED_PASSWORD", "secret")
    done = fetch_acled(
        since="2022-01", until="2022-06-30", root=tmp_path, base_url=base, page_size=100,
        db_path=db,
    )  # fmt: skip
    n = len(state.acled)
    assert done.rows == n and done.pages == math.ceil((n + 1) / 100)
    assert set(state.seen_auth) == {"Bearer acled-access-1"}
    assert done.report is not None and done.report.rows_loaded == n
    recs = api.monitor("NGA", "2022-01", "2022-06", db_path=db)
    assert {r.source for r in recs} == {"acled"}
    monkeypatch.setenv("ACLED_PASSWORD", "wrong")
    with pytest.raises(FetchError, match="check ACLED_EMAIL"):
        fetch_acled(since="2021-01", root=tmp_path, base_url=base, db_path=db)


def test_protect_fetch_command_shows_progress_and_resumes(
    server: tuple[str, Api], tmp_path: Path
) -> None:
    base, state = server
    env = {**os.environ, "PROTECT_HOME": str(tmp_path), "UCDP_ACCESS_TOKEN": TOKEN}
    state.fail_once.add("/api/gedevents/23.1?page=0")
    args = [sys.executable, "-m", "protect.cli.main", "fetch", "ucdp", "--version", "23.1",
            "--country", "CAF", "--base-url", base]  # fmt: skip
    failed = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert failed.returncode == 2 and "run the same command again" in failed.stderr
    assert "Traceback" not in failed.stderr
    done = subprocess.run(args, capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "ingested as release 1" in done.stdout
    assert "pages" in done.stderr  # the progress bar
    shown = subprocess.run(
        [sys.executable, "-m", "protect.cli.main", "monitor", "CAF", "--from", "2014-01",
         "--to", "2014-01", "--format", "json"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert json.loads(shown.stdout)[0]["alert"]["level"] == "current-crisis"


def test_fetch_acled_since_auto_asks_only_for_the_months_missing(
    server: tuple[str, Api], tmp_path: Path, data: Path
) -> None:
    base, state = server
    env = {**os.environ, "PROTECT_HOME": str(tmp_path), "ACLED_EMAIL": "a@b.org",
           "ACLED_PASSWORD": "secret"}  # fmt: skip

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "protect.cli.main", *args],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    # Nigeria is covered to 2014-06 by an HDX GED export: auto asks from 2014-07, for NGA only.
    assert run("ingest", "ucdp", str(data / "hdx201_nga_2014h1.csv")).returncode == 0
    done = run("fetch", "acled", "--country", "NGA", "--since", "auto", "--until",
               "2022-06-30", "--base-url", base, "--format", "json")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert state.last_query["event_date"] == "2014-07-01|2022-06-30"
    assert state.last_query["iso"] == "566"
    nigeria = [r for r in state.acled if r["iso"] == 566]
    assert json.loads(done.stdout)["rows"] == len(nigeria) > 0
    nowhere = run("fetch", "acled", "--country", "NOR", "--since", "auto", "--base-url", base)
    assert nowhere.returncode == 2 and "no data for NOR yet" in nowhere.stderr
