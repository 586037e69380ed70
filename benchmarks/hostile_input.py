"""Time and memory of the hostile inputs of issue 16, each in its own process.

Runs `protect validate` and `protect assess` on each hostile file under a hard cap (address
space `--cap-gb`, wall clock `--timeout`), reading the child's peak resident memory from wait4,
and times a 100-situation `POST /api/v1/assess` in process while counting how often the event
loop turned meanwhile.

    .venv/bin/python benchmarks/hostile_input.py > benchmarks/results/hostile-input.txt
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROTECT = Path(sys.executable).with_name("protect")
BASE = "country: KEN\ndate: 2008-01-15\nstate_role: unable\n"


def _bomb(levels: int) -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return BASE + "\n".join(lines) + f"\narmed_conflict: *a{levels - 1}\n"


FILES = {
    "valid situation": BASE + "armed_conflict: none\n",
    "alias bomb, 9 levels of 9": _bomb(9),
    "alias bomb, 6 levels of 9": _bomb(6),
    "100,000-deep [[...]]": "[" * 100_000 + "]" * 100_000,
    "impossible date 2011-02-30": BASE.replace("2008-01-15", "2011-02-30")
    + "armed_conflict: none\n",
    "armed_conflict of 1,000,000 characters": BASE + "armed_conflict: " + "x" * 1_000_000 + "\n",
}


def run(path: Path, command: str, cap: int, timeout: float) -> tuple[int, int, float, int]:
    """(exit status, peak RSS in kB, seconds, bytes of stderr)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    with tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen(
            [str(PROTECT), command, str(path)],
            stdout=subprocess.DEVNULL,
            stderr=err,
            preexec_fn=limit,
        )
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > timeout:
                proc.kill()
                _, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)
        return proc.returncode, usage.ru_maxrss, time.monotonic() - started, err.tell()


def api_list(n: int) -> tuple[int, float, int, int]:
    """(status, seconds, response bytes, event-loop turns) for one request of `n` situations."""
    import httpx

    from protect.api import create_app
    from protect.storage import Database

    with tempfile.TemporaryDirectory() as home:
        app = create_app(Database(f"sqlite:///{home}/bench.sqlite3"))
        body = [
            {
                "country": "SDN",
                "date": "2004-07-01",
                "armed_conflict": "non-international",
                "state_role": "perpetrator",
                "atrocities": {"crimes-against-humanity": "ongoing"},
            }
        ] * n

        async def scenario() -> tuple[int, float, int, int]:
            turns = 0
            done = asyncio.Event()

            async def ticker() -> None:
                nonlocal turns
                while not done.is_set():
                    turns += 1
                    await asyncio.sleep(0.001)

            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
                await client.post("/api/v1/assess", json=body[:1])  # warm up
                task = asyncio.create_task(ticker())
                started = time.perf_counter()
                response = await client.post("/api/v1/assess", json=body)
                seconds = time.perf_counter() - started
                done.set()
                await task
            return response.status_code, seconds, len(response.content), turns

        return asyncio.run(scenario())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap-gb", type=float, default=4.0, help="address space cap per run")
    parser.add_argument("--timeout", type=float, default=100.0, help="seconds per run")
    args = parser.parse_args()
    cap = int(args.cap_gb * 2**30)
    print(f"# hostile inputs of issue 16, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
    print(
        f"# {platform.node()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; "
        f"cap {args.cap_gb} GiB address space, {args.timeout:.0f} s per run"
    )
    print(f"{'file':42} {'command':9} {'exit':>4} {'peak MB':>8} {'seconds':>8} {'stderr B':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in FILES.items():
            path = Path(tmp) / "situation.yaml"
            path.write_text(text, encoding="utf-8")
            for command in ("validate", "assess"):
                code, peak, seconds, err = run(path, command, cap, args.timeout)
                print(
                    f"{name:42} {command:9} {code:>4} {peak / 1024:>8.1f} {seconds:>8.2f} {err:>9}"
                )
    for n in (1, 100):
        status, seconds, size, turns = api_list(n)
        print(
            f"POST /api/v1/assess, {n:>3} situation(s): status {status}, {seconds:.3f} s, "
            f"{size / 1e6:.2f} MB, event loop turned {turns} times meanwhile"
        )
    status, seconds, size, turns = api_list(101)
    print(f"POST /api/v1/assess, 101 situations: status {status} ({size} bytes)")


if __name__ == "__main__":
    main()
