"""Compare the monitor benchmark of this tree against another checkout, in alternating rounds.

Run: .venv/bin/python benchmarks/monitor_against.py --old /tmp/ingest-old [--rounds 4]

The machine is shared and its speed drifts, so one `benchmarks/monitor.py --repeat 1` of each
tree runs in turn, `--rounds` times (old then new, then new then old, ...); both read the same
input file (the other tree's `benchmarks/_work` is linked to this one's). For each side it
prints every run (scan s / pipeline s), the ratio of its best pipeline to its best scan, and the
median of the per-run ratios; then new against old. The old tree runs with this tree's `.venv`
and its own `src` first on the import path.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = re.compile(r"runs \(scan s / pipeline s / floor s, in order\): ([\d.]+)/([\d.]+)/")
STEPS = re.compile(r"    steps: (.*)")


def one_run(tree: Path, shared: Path) -> tuple[float, float, str]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run(
        [sys.executable, str(tree / "benchmarks" / "monitor.py"), "--repeat", "1",
         "--shared", str(shared)],
        env=env, cwd=tree, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    found = RUNS.search(out)
    steps = STEPS.search(out)
    if found is None or steps is None:
        raise SystemExit(f"{tree}: no timings in the benchmark's output:\n{out}")
    return float(found.group(1)), float(found.group(2)), steps.group(1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    work = ROOT / "benchmarks" / "_work"
    work.mkdir(parents=True, exist_ok=True)
    other = args.old / "benchmarks" / "_work"
    if not other.exists():
        other.symlink_to(work)
    load = os.getloadavg()[0]
    sides: dict[str, list[tuple[float, float, str]]] = {"old": [], "new": []}
    trees = {"old": args.old.resolve(), "new": ROOT}
    for k in range(args.rounds):
        # Each side goes first in every other round, so neither always follows the other.
        for name in ("old", "new") if k % 2 == 0 else ("new", "old"):
            sides[name].append(one_run(trees[name], args.shared))
    lines = [
        "monitor benchmark, this tree (new) against another checkout (old), alternating rounds",
        f"command: .venv/bin/python benchmarks/monitor_against.py --old {args.old} "
        f"--rounds {args.rounds}",
        f"load average before the runs {load:.2f}",
    ]
    ratio: dict[str, float] = {}
    median: dict[str, float] = {}
    for name, runs in sides.items():
        scan = min(r[0] for r in runs)
        best = min(runs, key=lambda r: r[1])
        ratio[name] = best[1] / scan
        median[name] = statistics.median(r[1] / r[0] for r in runs)
        each = ", ".join(f"{s:.2f}/{p:.2f}" for s, p, _ in runs)
        lines += [
            f"{name}: runs (scan s / pipeline s) {each}",
            f"{name}: best pipeline {best[1]:.2f} s, best scan {scan:.2f} s, ratio of the bests "
            f"{ratio[name]:.2f}x, median per-run ratio {median[name]:.2f}x",
            f"{name}: steps of its best run: {best[2]}",
        ]
    for what, values in (("ratio of the bests", ratio), ("median per-run ratio", median)):
        change = values["new"] / values["old"] - 1
        lines.append(
            f"new against old, {what}: {change:+.1%} (target: within +10%: "
            f"{'met' if change <= 0.10 else 'NOT met'})"
        )
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
