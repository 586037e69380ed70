"""Drive a running `protect serve` on loopback with assessment calls at a fixed rate.

Starts the server in a subprocess on a free port with a throwaway data directory, then sends
`POST /api/v1/assess` open-loop at `--rate` requests per second for `--duration` seconds (each
request leaves on its schedule whether or not earlier ones have answered, so a slow server shows
up as latency rather than as a lower rate), and prints latency percentiles and errors.

    .venv/bin/python benchmarks/api.py --rate 200 --duration 30

Target (issue 4): p99 under 50 ms, zero errors, on a 2-core machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

COUNTRIES = ["SDN", "SSD", "COD", "MMR", "SYR", "UKR", "COL", "MLI", "NOR", "KEN", "LBY", "RWA"]
IN_FLIGHT = 16
CRIMES = ["genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"]


def situations(n: int, seed: int = 4) -> list[dict[str, Any]]:
    """`n` varied, valid situations (fixed seed): the run measures the rules, not a cache."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        present = rng.random() < 0.4
        out.append(
            {
                "name": f"bench-{i}",
                "country": rng.choice(COUNTRIES),
                "date": dt.date(
                    rng.randint(1995, 2024), rng.randint(1, 12), rng.randint(1, 28)
                ).isoformat(),
                "armed_conflict": rng.choice(
                    ["none", "international", "non-international", "occupation"]
                ),
                "state_role": rng.choice(["protecting", "unable", "unwilling", "perpetrator"]),
                "post_conflict": rng.random() < 0.2,
                "atrocities": {
                    c: rng.choice(["none", "none", "risk", "imminent", "ongoing", "past"])
                    for c in CRIMES
                },
                "peacekeeping": {
                    "present": present,
                    "poc_mandate": present and rng.random() < 0.7,
                    "chapter_vii": present and rng.random() < 0.5,
                    "host_consent": present and rng.random() < 0.8,
                },
                "security_council": {"seized": rng.random() < 0.5},
            }
        )
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _start(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PROTECT_HOME": str(home)}
    env.pop("PROTECT_DATABASE_URL", None)
    exe = Path(sys.executable).with_name("protect")
    # The server's log goes to a file: an unread pipe would fill and stall the server.
    log = (home / "serve.log").open("wb")
    proc = subprocess.Popen(
        [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {(home / 'serve.log').read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not become healthy within 60 s")


def _skip_missing_sniffio() -> None:
    """httpcore tries `import sniffio` on every request; when it is not installed, each failed
    search of the import path costs the load generator about a millisecond per request. Record
    the absence once (a `None` entry makes the import fail at once, which httpcore expects)."""
    try:
        import sniffio  # noqa: F401
    except ImportError:
        sys.modules["sniffio"] = None  # type: ignore[assignment]


async def _drive(base: str, rate: float, duration: float) -> tuple[list[float], list[str], float]:
    total = int(rate * duration)
    bodies = [json.dumps(b).encode() for b in situations(min(total, 2000))]
    headers = {"content-type": "application/json"}
    latencies: list[float] = []
    errors: list[str] = []
    # At most IN_FLIGHT requests on the wire; the others wait on a semaphore. httpx's own pool
    # costs far more CPU per request when thousands of requests queue inside it, which would make
    # the load generator, not the server, the bottleneck. Latency is still measured from each
    # request's scheduled send time, so any wait counts.
    gate = asyncio.Semaphore(IN_FLIGHT)
    limits = httpx.Limits(max_connections=IN_FLIGHT, max_keepalive_connections=IN_FLIGHT)
    async with httpx.AsyncClient(base_url=base, timeout=10, limits=limits) as client:
        for body in bodies[:20]:  # warm the connection pool and the server
            r = await client.post("/api/v1/assess", content=body, headers=headers)
            if r.status_code != 200:
                raise SystemExit(f"warm-up request refused: {r.status_code} {r.text[:300]}")

        async def one(i: int, scheduled: float) -> None:
            async with gate:
                try:
                    r = await client.post(
                        "/api/v1/assess", content=bodies[i % len(bodies)], headers=headers
                    )
                except httpx.HTTPError as exc:
                    errors.append(type(exc).__name__)
                    return
            if r.status_code != 200:
                errors.append(f"HTTP {r.status_code}")
                return
            latencies.append((time.perf_counter() - scheduled) * 1000)

        tasks = []
        t0 = time.perf_counter()
        for i in range(total):
            scheduled = t0 + i / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i, scheduled)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used (Linux /proc), to tell server from client cost."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _pct(sorted_ms: list[float], p: float) -> float:
    if not sorted_ms:
        return float("nan")
    k = max(0, min(len(sorted_ms) - 1, round(p / 100 * len(sorted_ms)) - 1))
    return sorted_ms[k]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds")
    args = parser.parse_args()

    _skip_missing_sniffio()
    port = _free_port()
    with tempfile.TemporaryDirectory() as home:
        proc = _start(Path(home), port)
        try:
            cpu0, own0 = _cpu_seconds(proc.pid), time.process_time()
            lat, errors, elapsed = asyncio.run(
                _drive(f"http://127.0.0.1:{port}", args.rate, args.duration)
            )
            server_cpu = _cpu_seconds(proc.pid) - cpu0
            client_cpu = time.process_time() - own0
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    lat.sort()
    sent = len(lat) + len(errors)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"target: POST /api/v1/assess at {args.rate:g} req/s for {args.duration:g} s")
    print(f"sent: {sent} requests in {elapsed:.1f} s ({sent / elapsed:.1f} req/s achieved)")
    print(f"ok: {len(lat)}  errors: {len(errors)}")
    if errors:
        kinds: dict[str, int] = {}
        for e in errors:
            kinds[e] = kinds.get(e, 0) + 1
        print("error kinds: " + ", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())))
    if lat:
        print(
            f"latency ms: p50 {_pct(lat, 50):.1f}  p90 {_pct(lat, 90):.1f}  "
            f"p99 {_pct(lat, 99):.1f}  max {lat[-1]:.1f}  mean {statistics.fmean(lat):.1f}"
        )
    if sent:
        print(
            f"CPU per request: server {server_cpu / sent * 1000:.1f} ms, "
            f"load generator {client_cpu / sent * 1000:.1f} ms"
        )
    print(f"load average during the run (1, 5, 15 min): {os.getloadavg()}")
    met = bool(lat) and not errors and _pct(lat, 99) < 50
    print(f"target p99 < 50 ms and zero errors: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
