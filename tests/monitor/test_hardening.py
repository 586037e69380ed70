"""Hostile and broken event files (issue 16): bounded memory, no double counting, nothing
half-stored, no temporary copies left behind."""

from __future__ import annotations

import csv
import gzip
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protect.monitor.ingest import IngestError, IngestLimits, ingest

from .helpers import query

_MEASURED = """
import resource, sys
from pathlib import Path
from protect.monitor.ingest import IngestError, ingest
try:
    ingest("ucdp", Path(sys.argv[1]), db_path=Path(sys.argv[2]))
    print("loaded")
except IngestError as exc:
    print("refused:", exc)
print("peak_kb", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}


def _car(data: Path) -> tuple[list[str], list[list[str]]]:
    with open(data / "ged231_car_2013_2014.csv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        return next(reader), list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]], tail: str = "") -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        fh.write(tail)


def test_short_rows_flood_is_refused_within_bounded_memory(
    tmp_path: Path, db: Path, data: Path
) -> None:
    # The reproduction of issue 16: the GED header then 136,000 three-cell rows (800 KB), which
    # made DuckDB's reject store take 6.4 GB.
    header, rows = _car(data)
    path = tmp_path / "flood.csv"
    _write(path, header, rows[:5], "1,2,3\n" * 136_000)
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(path), str(db)],
        capture_output=True, text=True, env=_env(), timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "refused:" in out and "more than 1,000 rows" in out
    assert "line 7: '1,2,3'" in out  # the first malformed line, quoted
    peak_mb = int(out.split("peak_kb")[1].split()[0]) / 1024
    assert peak_mb < 1024, out
    assert not db.exists() or query(db, "SELECT count(*) FROM releases") == [(0,)]


def test_a_malformed_share_over_one_percent_is_refused(
    tmp_path: Path, db: Path, data: Path
) -> None:
    header, rows = _car(data)
    path = tmp_path / "share.csv"
    broken = [r[:4] for r in rows[:150]]
    _write(path, header, rows[150:600] + broken)
    with pytest.raises(IngestError, match=r"150 of 600 rows \(over 1%\)"):
        ingest("ucdp", path, db_path=db)
    # A few malformed rows in a file are still skipped and reported, not refused.
    few = tmp_path / "few.csv"
    _write(few, header, rows[:300] + broken[:3])
    report = ingest("ucdp", few, db_path=db)
    assert report.rows_loaded == 300 and report.rows_skipped == 3


def test_decompressed_size_is_capped(tmp_path: Path, db: Path, data: Path) -> None:
    header, rows = _car(data)
    plain = tmp_path / "car.csv"
    _write(plain, header, rows)
    packed = tmp_path / "car.csv.gz"
    # A small archive that unpacks to 30 MB more than it holds (a bomb in miniature).
    packed.write_bytes(gzip.compress(plain.read_bytes() + b"\n" * 30_000_000))
    assert packed.stat().st_size < 5_000_000
    with pytest.raises(IngestError, match="unpacks to more than the limit of 5,000,000 bytes"):
        ingest("ucdp", packed, db_path=db, limits=IngestLimits(max_text_bytes=5_000_000))
    with pytest.raises(IngestError, match="over the limit"):
        ingest("ucdp", plain, db_path=db, limits=IngestLimits(max_text_bytes=1_000))
    assert not db.exists() or query(db, "SELECT count(*) FROM releases") == [(0,)]


def test_events_listed_twice_count_once_and_are_reported_by_line(
    tmp_path: Path, db: Path, data: Path
) -> None:
    header, rows = _car(data)
    once = tmp_path / "once.csv"
    _write(once, header, rows)
    twice = tmp_path / "twice.csv"
    _write(twice, header, rows + rows[:50])
    single = ingest("ucdp", once, db_path=tmp_path / "single.duckdb")
    report = ingest("ucdp", twice, db_path=db)
    assert report.rows_read == len(rows) + 50
    assert report.rows_loaded == len(rows) == single.rows_loaded
    assert report.rows_skipped == 50
    repeated = [e for e in report.errors if e.field == "event_id"]
    assert len(repeated) == 50
    first = repeated[0]
    # Physical lines: some quoted cells hold line breaks.
    assert first.line == once.read_text(encoding="utf-8").count("\n") + 1
    assert f"{rows[0][0]!r} was already read on line 2" in first.message
    sql = "SELECT count(*), sum(best) FROM events"
    assert query(db, sql) == query(tmp_path / "single.duckdb", sql)
    panel = "SELECT m, sb_best, os_best, civilians FROM panel ORDER BY m"
    assert query(db, panel) == query(tmp_path / "single.duckdb", panel)


def test_a_file_with_no_loadable_row_stores_nothing_and_fails(
    tmp_path: Path, db: Path, data: Path
) -> None:
    header, rows = _car(data)
    col = header.index("best")
    bad = [[*r[:col], "many", *r[col + 1 :]] for r in rows[:20]]
    path = tmp_path / "nothing.csv"
    _write(path, header, bad)
    with pytest.raises(IngestError, match=r"none of its 20 rows could be loaded \(line 2: best"):
        ingest("ucdp", path, db_path=db)
    assert query(db, "SELECT count(*) FROM releases") == [(0,)]
    assert not [p for p in (db.parent / "raw").iterdir() if not p.name.startswith(".")]
    env = {**os.environ, "PROTECT_HOME": str(tmp_path / "home")}
    done = subprocess.run(
        [sys.executable, "-m", "protect.cli.main", "ingest", "ucdp", str(path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert "none of its 20 rows could be loaded" in done.stderr
    assert "Traceback" not in done.stderr


_CHILD = """
import sys
from pathlib import Path
from protect.monitor.ingest import ingest

def progress(step, done, total):
    print(step, flush=True)

ingest("ucdp", Path(sys.argv[1]), db_path=Path(sys.argv[2]), progress=progress)
"""


def test_a_killed_ingests_temporary_copy_is_removed_by_the_next_run(
    tmp_path: Path, db: Path, data: Path
) -> None:
    header, rows = _car(data)
    big = tmp_path / "big.csv"
    idx = header.index("id")
    _write(
        big,
        header,
        [[*r[:idx], f"{r[idx]}{k:03d}", *r[idx + 1 :]] for k in range(60) for r in rows],
    )
    raw = db.parent / "raw"
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(big), str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.strip() == "reading rows":
            deadline = time.monotonic() + 10
            while not list(raw.glob(".*.tmp")) and time.monotonic() < deadline:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    left = list(raw.glob(".*.tmp"))
    assert left, "the killed ingest should have left its temporary copy"
    ingest("ucdp", data / "ged191_mmr_2016_2018.csv", db_path=db)
    assert list(raw.glob(".*.tmp")) == []


@pytest.mark.parametrize("bom", [False, True])
@pytest.mark.parametrize("packed", [False, True])
def test_line_numbers_of_byte_positions_are_read_in_blocks(
    tmp_path: Path, data: Path, bom: bool, packed: bool
) -> None:
    """The block-wise count gives the lines a whole read gives, across block boundaries."""
    import random

    from protect.monitor.ingest import _BOM, _line_of_byte, _sniff

    body = (data / "ged231_car_2013_2014.csv").read_bytes() * 4  # over two 1 MB blocks
    raw = (_BOM if bom else b"") + body
    path = tmp_path / ("x.csv.gz" if packed else "x.csv")
    path.write_bytes(gzip.compress(raw) if packed else raw)
    rng = random.Random(7)
    positions = [0, 1, len(body) - 1, len(body), 1 << 20, (1 << 20) + 1, *(
        rng.randrange(len(body)) for _ in range(200)
    )]  # fmt: skip
    want = {p: body.count(b"\n", 0, p) + 1 for p in positions}
    assert _line_of_byte(path, _sniff(path), positions) == want
