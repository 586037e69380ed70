"""A real ingest process killed (SIGKILL) mid-transaction leaves the previous data intact."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protect.monitor.ingest import ingest

from .helpers import query

_CHILD = """
import sys
from pathlib import Path
from protect.monitor.ingest import ingest

def progress(step, done, total):
    print(step, flush=True)

ingest("ucdp", Path(sys.argv[1]), db_path=Path(sys.argv[2]), progress=progress)
print("finished", flush=True)
"""


def _big_file(src: Path, dst: Path, copies: int) -> int:
    """The CAR extract repeated with unique ids: a bigger real-shaped file."""
    with open(src, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = list(reader)
    idx = header.index("id")
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for k in range(copies):
            for r in rows:
                r2 = list(r)
                r2[idx] = f"{r[idx]}{k:03d}"
                writer.writerow(r2)
    return len(rows) * copies


def _state(db: Path) -> tuple[object, ...]:
    return (
        query(db, "SELECT count(*), sum(best) FROM events"),
        query(db, "SELECT release_id, sha256 FROM releases ORDER BY 1"),
        query(db, "SELECT count(*), sum(os_best) FROM panel"),
        query(db, "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'raw_%'"
                  " ORDER BY 1"),
    )  # fmt: skip


@pytest.mark.parametrize("kill_at", ["storing events", "rebuilding the panel"])
def test_killed_ingest_leaves_previous_data_intact(
    kill_at: str, tmp_path: Path, db: Path, data: Path
) -> None:
    ingest("ucdp", data / "ged191_mmr_2016_2018.csv", db_path=db)
    before = _state(db)
    big = tmp_path / "big.csv"
    # Large enough that each step lasts well beyond the kill (the panel of one release is fast).
    n = _big_file(data / "ged231_car_2013_2014.csv", big, 150)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(big), str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        if line.strip() == kill_at:
            time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, (seen, proc.stderr.read() if proc.stderr else "")
    assert "finished" not in seen
    assert _state(db) == before
    # The database is usable afterwards and the same file then loads in full.
    report = ingest("ucdp", big, db_path=db)
    assert report.rows_loaded == n
    assert query(db, "SELECT count(*) FROM current_events WHERE iso3 = 'CAF'") == [(n,)]
    # Record numbers follow the file's order (the reader runs in parallel).
    with open(big, newline="", encoding="utf-8") as fh:
        ids = [r["id"] for r in csv.DictReader(fh)]
    stored = query(
        db, "SELECT event_id FROM events WHERE release_id = ? ORDER BY record_no",
        [report.release_id],
    )  # fmt: skip
    assert [r[0] for r in stored] == ids
