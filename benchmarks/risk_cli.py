"""Cold start of `protect risk forecast`: a new process reading a stored forecast.

Uses a throwaway data directory (SQLite store) and the real sources (PROTECT_SOURCES or
../shared/data). The first call fits and stores the forecast (reported, not a target); then
each of `--repeat` calls is a new process answering from the store, interpreter start-up and
imports included. Also reports the bare interpreter start, and whether the installed modules
have bytecode (without it every start compiles its imports from source).

    .venv/bin/python benchmarks/risk_cli.py --year 2026 --repeat 5

Target (issue 14): the median answer from the store in under 1 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 1.0


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall time, CPU time (user + system) of the child, and its output."""
    cpu, start = _cpu(), time.perf_counter()
    out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - start, _cpu() - cpu, out.stdout


def _has_bytecode(module: str) -> bool:
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    return Path(importlib.util.cache_from_source(spec.origin)).is_file()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"$ .venv/bin/python benchmarks/risk_cli.py --year {args.year} --repeat {args.repeat}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(
        "bytecode present: sqlalchemy "
        f"{_has_bytecode('sqlalchemy.orm.mapper')}, protect {_has_bytecode('protect.service.risk')}"
        f"; PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}"
    )
    print(f"load average before (1, 5, 15 min): {os.getloadavg()}")
    exe = str(Path(sys.executable).with_name("protect"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "PROTECT_HOME": tmp, "COLUMNS": "200"}
        env.pop("PROTECT_DATABASE_URL", None)
        cli = [exe, "risk", "forecast", "--year", str(args.year)]
        took, _cpu_s, _ = _timed(cli, env)
        print(f"first call (fit and store, not a target): {took:.1f} s")
        times, cpus = [], []
        for _ in range(args.repeat):
            took, cpu, stdout = _timed(cli, env)
            assert "computed " in stdout and " UTC" in stdout, "no time of computation shown"
            times.append(took)
            cpus.append(cpu)
        bare = [_timed([sys.executable, "-c", "pass"], env)[0] for _ in range(args.repeat)]
    median = statistics.median(times)
    print(
        f"protect risk forecast --year {args.year} (new process, from the store): "
        f"median of {len(times)} {1000 * median:.0f} ms, min {1000 * min(times):.0f} ms, "
        f"max {1000 * max(times):.0f} ms"
    )
    print(
        f"  CPU time of the same calls (user + system): median {1000 * statistics.median(cpus):.0f}"
        f" ms (wall time above it is waiting for a core)"
    )
    print(f"python -c pass (for comparison): median {1000 * statistics.median(bare):.0f} ms")
    print(f"load average after (1, 5, 15 min): {os.getloadavg()}")
    print(f"target median < {TARGET_S:.0f} s: {'met' if median < TARGET_S else 'NOT met'}")


if __name__ == "__main__":
    main()
