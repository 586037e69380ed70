"""How fast a stored risk forecast is served: `protect risk forecast`, GET /risk and
GET /api/v1/risk/forecast, after the forecast has been computed and stored once.

Uses a throwaway data directory (SQLite store) and the real sources (PROTECT_SOURCES or
../shared/data). Issues the forecast once (timed: the fit), then times `--repeat` calls of the
CLI (a fresh process each time, interpreter start included) and of both routes against
`protect serve` on 127.0.0.1.

    .venv/bin/python benchmarks/risk_forecast.py --year 2025 --repeat 10

Target (issue 14): every answer from the store in under 1 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

TARGET_S = 1.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _exe() -> Path:
    return Path(sys.executable).with_name("protect")


def _summary(label: str, times: list[float]) -> tuple[str, bool]:
    worst = max(times)
    text = (
        f"{label}: n={len(times)} median {1000 * statistics.median(times):.0f} ms, "
        f"max {1000 * worst:.0f} ms"
    )
    return text, worst < TARGET_S


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    script = "benchmarks/risk_forecast.py"
    print(f"$ .venv/bin/python {script} --year {args.year} --repeat {args.repeat}")
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs"
    print(f"machine: {machine}, Python {platform.python_version()}")
    print(f"load average before (1, 5, 15 min): {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PROTECT_HOME": tmp}
        env.pop("PROTECT_DATABASE_URL", None)
        cli = [str(_exe()), "risk", "forecast", "--year", str(args.year), "--format", "json"]
        start = time.perf_counter()
        subprocess.run(cli, env=env, check=True, capture_output=True)
        print(f"first call (fit and store): {time.perf_counter() - start:.1f} s")
        cli_times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            out = subprocess.run(cli, env=env, check=True, capture_output=True, text=True)
            cli_times.append(time.perf_counter() - start)
            assert '"computed_at"' in out.stdout
        results = [_summary("protect risk forecast (new process each call)", cli_times)]
        # The floor of any command that reads the store: the interpreter and the three
        # libraries it cannot do without.
        floor = [sys.executable, "-c", "import typer, sqlalchemy.orm, pydantic"]
        floor_times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(floor, env=env, check=True)
            floor_times.append(time.perf_counter() - start)
        text, _met = _summary(
            "floor: python -c 'import typer, sqlalchemy.orm, pydantic'", floor_times
        )
        results.append((text + " (for comparison, not a target)", True))
        # The read itself, in a process that has already imported everything.
        from protect.config import sources_dir
        from protect.service.risk import stored_forecast
        from protect.storage import Database

        os.environ["PROTECT_HOME"] = tmp
        db = Database()
        root = sources_dir()
        assert root is not None
        reads = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            assert stored_forecast(db, args.year, root) is not None
            reads.append(time.perf_counter() - start)
        db.dispose()
        results.append(_summary("stored_forecast() in a running process", reads))
        port = _free_port()
        log = (Path(tmp) / "serve.log").open("wb")
        server = subprocess.Popen(
            [str(_exe()), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    if httpx.get(f"{base}/api/v1/health", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            for path in (f"/api/v1/risk/forecast?year={args.year}", f"/risk?year={args.year}"):
                times = []
                for i in range(args.repeat + 1):
                    start = time.perf_counter()
                    response = httpx.get(base + path, timeout=60)
                    took = time.perf_counter() - start
                    response.raise_for_status()
                    if i:  # the first request of a fresh server process is reported apart
                        times.append(took)
                    else:
                        first = f"GET {path}: first request of the server {took * 1000:.0f} ms"
                        results.append((first, took < TARGET_S))
                results.append(_summary(f"GET {path}", times))
        finally:
            server.terminate()
            server.wait(timeout=30)
    ok = True
    for text, met in results:
        print(text)
        ok &= met
    print(f"load average after (1, 5, 15 min): {os.getloadavg()}")
    print(f"target every answer from the store < {TARGET_S:.0f} s: {'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
