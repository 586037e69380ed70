"""Run a command in its own process under hard bounds, and measure what it used."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROTECT = Path(sys.executable).with_name("protect")
MEMORY_LIMIT = 2**30  # address space: a run that needs more fails, as MemoryError or a kill
PEAK_LIMIT_KB = 1_000_000  # peak resident memory a run may reach (1 GB)
TIME_LIMIT = 30.0  # seconds of wall clock


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_kb: int
    seconds: float


def _bounded() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (int(TIME_LIMIT), int(TIME_LIMIT) + 1))


def run_protect(*args: str) -> Run:
    """`protect ARGS` under the bounds; its own peak RSS comes from wait4, not from sampling."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen([str(PROTECT), *args], stdout=out, stderr=err, preexec_fn=_bounded)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > TIME_LIMIT:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise AssertionError(f"protect {' '.join(args[:1])} ran over {TIME_LIMIT} s")
            time.sleep(0.005)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Run(
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            peak_kb=usage.ru_maxrss,
            seconds=seconds,
        )


def peak_rss_kb() -> int:
    """This process's peak resident memory since the last `reset_peak()` (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def reset_peak() -> None:
    """Set the peak to the current resident memory (Linux 4.0+: `echo 5 > clear_refs`)."""
    Path("/proc/self/clear_refs").write_text("5")
