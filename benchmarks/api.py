"""Load `protect serve` on loopback at a fixed arrival rate and print what it served.

    .venv/bin/python benchmarks/api.py --rate 200 --duration 30 --runs 3   # both routes
    .venv/bin/python benchmarks/api.py --endpoint alerts                     # one route only
    .venv/bin/python benchmarks/api.py --documents                           # in-process only

For each route (`POST /api/v1/assess`, `GET /api/v1/alerts?month=`) the script starts
`protect serve` (one process, one worker) in a throwaway data directory, on a free port. For the
alerts it first ingests the bundled sample and the real GED country files of shared/data (when
at hand: `PROTECT_SOURCES` or shared/data beside the checkout), so that the source choice has
15 releases to choose among. It then sends requests open-loop: request i leaves at t0 + i/rate
whether or not earlier ones have answered, and its latency counts from that moment, so a server
that falls behind shows as latency instead of as a lower rate (no coordinated omission). A
warm-up pass sends every distinct request once at the same rate (reported, not in the median).

The load generator is plain asyncio streams writing HTTP/1.1 on keep-alive connections (a
connection is opened whenever none is free), about a tenth of the CPU per request of an httpx
client, so on two cores it does not starve the server. Each run prints the rate offered and
served, latency percentiles, errors, and the CPU the server and the load generator used per
request; the summary gives the median of the runs, and the load average (`uptime`) before and
after, since other work may share the machine.

`--documents` measures, in this process on one core, assessment documents per second from a
request body to the response bytes (parse, assess, serialise), for the bundled examples and for
2,000 varied situations, with pydantic's serialiser and with `assessment_json`.

Targets (issue 12): p99 < 50 ms at 200 req/s with zero errors on both routes, 2 cores;
at least 5,000 documents/s on one core.
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
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COUNTRIES = ["SDN", "SSD", "COD", "MMR", "SYR", "UKR", "COL", "MLI", "NOR", "KEN", "LBY", "RWA"]
CRIMES = ["genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"]
GED_FILES = [
    "conflict_data_nga.csv", "GEDEvent_v23_1_car.csv", "ged_myanmar.csv", "ged_mexico.csv",
    "ged_syria.csv", "conflict_data_ukr.csv", "conflict_data_pak.csv", "conflict_data_phl.csv",
    "conflict_data_ssd.csv", "conflict_data_idn.csv", "conflict_data_irq.csv",
    "conflict_data_col.csv", "ucdp.csv", "ucdpged.csv",
]  # fmt: skip
MAX_CONNECTIONS = 64


def situations(n: int, seed: int = 4) -> list[dict[str, Any]]:
    """`n` varied, valid situations (fixed seed): the run measures the rules, not one answer."""
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


def example_bodies() -> list[bytes]:
    """The bundled examples as JSON request bodies."""
    from protect.engine.documents import load_situations

    out = []
    for path in sorted((ROOT / "src" / "protect" / "examples").glob("*.yaml")):
        for s in load_situations(path.read_text("utf-8"))[0]:
            out.append(json.dumps(s.model_dump(mode="json", exclude_unset=True)).encode())
    return out


# --- the server -------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "PROTECT_HOME": str(home)}
    env.pop("PROTECT_DATABASE_URL", None)
    return env


def _ingest_monitor_data(home: Path) -> str:
    """The sample and the real GED country files into the throwaway store; what was loaded."""
    exe = str(Path(sys.executable).with_name("protect"))
    run = [[exe, "ingest", "ucdp", "--sample"]]
    from protect.config import sources_dir

    found = sources_dir()
    ged = found / "ucdp-ged" if found is not None else None
    names = ["the bundled sample"]
    if ged is not None and ged.is_dir():
        for name in GED_FILES:
            if (ged / name).is_file():
                run.append([exe, "ingest", "ucdp", str(ged / name)])
                names.append(name)
    for cmd in run:
        done = subprocess.run(cmd, env=_env(home), capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr[-1000:]}")
    return ", ".join(names)


def _start(home: Path, port: int) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("protect")
    log = (home / "serve.log").open("wb")  # a file: an unread pipe would fill and stall it
    proc = subprocess.Popen(
        [str(exe), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {(home / 'serve.log').read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=1):
                return proc
        except OSError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("server did not become healthy within 90 s")


def _months(port: int) -> list[str]:
    """Every month the served panel covers, newest first (the alerts route cycles over them)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/alerts", timeout=30) as r:
        latest = json.loads(r.read())
    last = latest[0]["month"] if latest else "2018-12"
    year, month = (int(p) for p in last.split("-"))
    index = year * 12 + month - 1
    return [f"{(index - k) // 12:04d}-{(index - k) % 12 + 1:02d}" for k in range(240)]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _waits(pid: int) -> dict[str, int]:
    """Nanoseconds each thread of a process was ready to run but waited for a CPU (the
    run-queue delay in /proc/PID/task/*/schedstat): what other work on the machine costs it."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out[task.name] = int((task / "schedstat").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile
    return out


def _waited_since(pid: int, before: dict[str, int]) -> float:
    """Seconds waited since `before`, over the threads alive at both ends (a thread that ended
    meanwhile takes its count with it, so this is a lower bound)."""
    now = _waits(pid)
    return sum(now[t] - before[t] for t in now.keys() & before.keys()) / 1e9


# --- the load generator -----------------------------------------------------------------------


IDLE_SECONDS = 3.0  # uvicorn closes a keep-alive connection idle for 5 s; reopen before that


class _Conn:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.used = time.monotonic()


async def _exchange(conn: _Conn, request: bytes) -> int:
    """Send one request and read its whole answer; the status code."""
    conn.writer.write(request)
    head = await conn.reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = 0
    for line in lines[1:]:
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
        elif line.lower() == b"transfer-encoding: chunked":
            raise ValueError("chunked answers are not expected from these routes")
    if length:
        await conn.reader.readexactly(length)
    return status


@dataclass
class Run:
    offered: float
    duration: float
    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    elapsed: float = 0.0
    server_cpu: float = 0.0
    server_waited: float = 0.0
    client_cpu: float = 0.0
    client_waited: float = 0.0

    @property
    def sent(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    def pct(self, p: float) -> float:
        s = sorted(self.latencies)
        if not s:
            return float("nan")
        return s[max(0, min(len(s) - 1, round(p / 100 * len(s)) - 1))]

    @property
    def served(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0


async def _drive(port: int, requests: list[bytes], rate: float, duration: float, pid: int) -> Run:
    free: list[_Conn] = []
    run = Run(offered=rate, duration=duration)

    async def connection() -> _Conn:
        while free:
            conn = free.pop()
            if time.monotonic() - conn.used < IDLE_SECONDS:
                return conn
            conn.writer.close()  # the server may be closing it: a real client opens anew
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return _Conn(reader, writer)

    opened = 0

    async def one(request: bytes, scheduled: float) -> None:
        nonlocal opened
        try:
            if not free:
                if opened >= MAX_CONNECTIONS:
                    while not free:  # every connection is busy: the wait counts as latency
                        await asyncio.sleep(0.0005)
                else:
                    opened += 1
            conn = await connection()
            status = await _exchange(conn, request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            opened -= 1  # that connection is gone
            kind = type(exc).__name__
            run.errors[kind] = run.errors.get(kind, 0) + 1
            return
        conn.used = time.monotonic()
        free.append(conn)
        if status != 200:
            run.errors[f"HTTP {status}"] = run.errors.get(f"HTTP {status}", 0) + 1
            return
        run.latencies.append((time.perf_counter() - scheduled) * 1000)

    for request in requests[:20]:  # open a connection and warm the route
        await one(request, time.perf_counter())
    run.latencies.clear()
    run.errors.clear()

    total = int(rate * duration)
    tasks = []
    cpu0, own0, waited0 = _cpu_seconds(pid), time.process_time(), _waits(pid)
    own_waited0 = _waits(os.getpid())
    t0 = time.perf_counter()
    for i in range(total):
        scheduled = t0 + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(requests[i % len(requests)], scheduled)))
    await asyncio.gather(*tasks)
    run.elapsed = time.perf_counter() - t0
    run.server_cpu = _cpu_seconds(pid) - cpu0
    run.server_waited = _waited_since(pid, waited0)
    run.client_waited = _waited_since(os.getpid(), own_waited0)
    run.client_cpu = time.process_time() - own0
    for conn in free:
        conn.writer.close()
    return run


def _post(path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return f"load average {os.getloadavg()}"


def _report(run: Run, label: str) -> None:
    n = max(run.sent, 1)
    errors = ", ".join(f"{k} x{v}" for k, v in sorted(run.errors.items())) or "0"
    print(
        f"  {label}: offered {run.offered:g} req/s for {run.duration:g} s, served "
        f"{run.served:.1f} req/s ({len(run.latencies)} ok in {run.elapsed:.1f} s), errors {errors}"
    )
    print(
        f"    latency ms p50 {run.pct(50):.1f}  p95 {run.pct(95):.1f}  p99 {run.pct(99):.1f}  "
        f"max {max(run.latencies, default=float('nan')):.1f}"
    )
    print(
        f"    CPU: server {run.server_cpu / n * 1000:.2f} ms/request "
        f"({run.server_cpu / run.elapsed * 100:.0f}% of a core), load generator "
        f"{run.client_cpu / n * 1000:.2f} ms/request"
    )
    print(
        f"    waiting for a CPU (ready to run, the cores busy; at least): server "
        f"{run.server_waited / run.elapsed * 1000:.0f} ms per second, load generator "
        f"{run.client_waited / run.elapsed * 1000:.0f} ms per second"
    )


def _route(name: str, rate: float, duration: float, runs: int) -> bool:
    print(f"\n## {name}")
    with tempfile.TemporaryDirectory(prefix="protect-bench-") as tmp:
        home = Path(tmp)
        if name == "alerts":
            print(f"store: {_ingest_monitor_data(home)}")
        port = _free_port()
        proc = _start(home, port)
        try:
            if name == "alerts":
                months = _months(port)
                requests = [_get(f"/api/v1/alerts?month={m}") for m in months]
                print(
                    f"requests: GET /api/v1/alerts?month= cycling over {len(months)} months "
                    f"({months[-1]} to {months[0]}; months before the data answer 404 and are "
                    "left out)"
                )
                requests = _answered(port, requests)
            else:
                bodies = [json.dumps(b).encode() for b in situations(2000)]
                requests = [_post("/api/v1/assess", b) for b in bodies]
                print("requests: POST /api/v1/assess, 2,000 varied situations in turn")
            # One pass over every distinct request first, at the same rate, reported but not
            # counted: the runs measure a server that has answered each question once (the
            # engine's rules for those facts have run, the month's answer is kept).
            print(f"  before the warm-up pass: {_uptime()}")
            warm = asyncio.run(_drive(port, requests, rate, len(requests) / rate, proc.pid))
            _report(warm, "warm-up pass, each request once (cold caches; not in the median)")
            results = []
            for i in range(runs):
                print(f"  before run {i + 1}: {_uptime()}")
                run = asyncio.run(_drive(port, requests, rate, duration, proc.pid))
                _report(run, f"run {i + 1}")
                results.append(run)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"  after: {_uptime()}")

    def med(f: Callable[[Run], float]) -> float:
        return statistics.median(f(r) for r in results)

    p99 = med(lambda r: r.pct(99))
    waited = med(lambda r: r.server_waited / r.elapsed)
    errors = sum(sum(r.errors.values()) for r in results)
    print(
        f"  median of {runs} runs: served {med(lambda r: r.served):.1f} req/s, p50 "
        f"{med(lambda r: r.pct(50)):.1f} ms, p95 {med(lambda r: r.pct(95)):.1f} ms, "
        f"p99 {p99:.1f} ms, server CPU {med(lambda r: r.server_cpu / max(r.sent, 1)) * 1000:.2f} "
        f"ms/request, server waiting for a CPU {waited * 1000:.0f} ms/s, "
        f"errors in all runs {errors}"
    )
    met = p99 < 50 and errors == 0
    print(f"  target p99 < 50 ms, zero errors: {'met' if met else 'NOT met'}")
    return met


def _answered(port: int, requests: list[bytes]) -> list[bytes]:
    """The requests the server answers 200 (the months the data cover)."""

    async def check() -> list[bytes]:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        conn = _Conn(reader, writer)
        out = [r for r in requests if await _exchange(conn, r) == 200]
        writer.close()
        return out

    return asyncio.run(check())


# --- documents per second, in process ---------------------------------------------------------


def _documents_per_second(bodies: list[bytes], write: Callable[[Any], bytes], n: int) -> float:
    from protect.engine.assess import assess
    from protect.service.assessments import parse, read_json

    for body in bodies:  # the first time of each is not what a running server pays
        write(assess(parse(read_json(body))[0][0]))
    start = time.process_time()
    for i in range(n):
        for s in parse(read_json(bodies[i % len(bodies)]))[0]:
            write(assess(s))
    return n / (time.process_time() - start)


def documents(n: int) -> bool:
    from protect.engine.documents import assessment_json

    print("\n## documents per second, in process, one core (request body -> response bytes)")
    varied = [json.dumps(b).encode() for b in situations(2000)]
    rows = [("the 6 bundled examples", example_bodies()), ("2,000 varied situations", varied)]
    best = 0.0
    for label, bodies in rows:
        for name, write in (
            ("pydantic model_dump_json", lambda a: a.model_dump_json().encode()),
            ("assessment_json", assessment_json),
        ):
            rates = [_documents_per_second(bodies, write, n) for _ in range(3)]
            rate = statistics.median(rates)
            print(
                f"  {label}, {name}: {rate:,.0f} documents/s "
                f"(median of 3: {', '.join(f'{r:,.0f}' for r in rates)})"
            )
            if name == "assessment_json" and label.startswith("the 6"):
                best = rate
    met = best >= 5000
    print(f"  target >= 5,000 documents/s (bundled examples): {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per run")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--endpoint", choices=["assess", "alerts", "both"], default="both")
    parser.add_argument("--documents", action="store_true", help="only the in-process figure")
    args = parser.parse_args()

    print(f"$ {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}; {_uptime()}"
    )
    # The in-process figure with both routes (the default) or alone; one route alone skips it.
    met = [documents(2000)] if args.documents or args.endpoint == "both" else []
    if not args.documents:
        routes = ["assess", "alerts"] if args.endpoint == "both" else [args.endpoint]
        met += [_route(r, args.rate, args.duration, args.runs) for r in routes]
    print(f"\nall targets: {'met' if all(met) else 'NOT all met'}")


if __name__ == "__main__":
    main()
