"""The monitor's reads come from a snapshot of the shown panel kept per state of the events
file: the answers equal a fresh computation from the file, change with every release ingested or
dropped, and never keep a writer in another process out."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from protect.knowledge.months import parse as month_index
from protect.monitor import api, releases
from protect.monitor.ingest import ingest
from protect.monitor.store import open_db

from .conftest import SAMPLE

MONTHS = ["2013-12", "2014-03", "2014-05", "2016-10", "2017-09", "2018-06"]


def _fresh_alerts(db: Path, month: str) -> Any:
    """The alerts computed from the file itself, as every read did before the snapshot."""
    with open_db(db, read_only=True) as con:
        rows = api._rows(con, "p.m = ?", [month_index(month)])
        return api._ranked(
            month, rows, lambda: api._shown(con, "min(p.m), max(p.m)", "true", []).fetchone()
        )


def _fresh_monitor(db: Path, iso3: str) -> list[Any]:
    with open_db(db, read_only=True) as con:
        return [api._record(r) for r in api._rows(con, "p.iso3 = ?", [iso3])]


def _same_as_the_file(db: Path) -> list[Any]:
    """Check every cached answer against the file, twice (the second time from the kept
    answers); return the alerts of MONTHS."""
    found = []
    for _ in range(2):
        found = [api.alerts(m, db_path=db) for m in MONTHS]
        assert found == [_fresh_alerts(db, m) for m in MONTHS]
        for iso3 in ("MMR", "CAF", "NGA"):
            assert api.timeline(iso3, db_path=db) == _fresh_monitor(db, iso3)
    assert any(found), "the months chosen must have alerts"
    return found


def _the_file_by(db: Path, data: Path) -> None:
    ingest("ucdp", data / "ged191_mmr_2016_2018.csv", db_path=db)
    ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=db)
    ingest("ucdp", data / "hdx201_nga_2014h1.csv", db_path=db)


def test_cached_alerts_equal_a_fresh_computation_across_releases(db: Path, data: Path) -> None:
    _the_file_by(db, data)
    before = _same_as_the_file(db)
    with pytest.raises(api.NoDataError) as cached:
        api.alerts("1990-01", db_path=db)
    with pytest.raises(api.NoDataError) as fresh:
        _fresh_alerts(db, "1990-01")
    assert str(cached.value) == str(fresh.value)

    # A newer release of Myanmar takes over its months: the kept answers must not survive.
    new = ingest("ucdp", SAMPLE, db_path=db, release="24.1")
    after = _same_as_the_file(db)
    assert after != before
    mmr = {a.release for month in after for a in month if a.country == "MMR"}
    assert mmr == {new.release}

    releases.drop_release(new.release_id or 0, db_path=db)
    assert _same_as_the_file(db) == before


def _reader_holding_the_file(db: Path, seconds: float) -> subprocess.Popen[str]:
    code = textwrap.dedent(f"""
        import duckdb, time
        con = duckdb.connect({str(db)!r}, read_only=True)
        print("holding", flush=True)
        time.sleep({seconds})
    """)
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_a_writer_waits_for_a_reader_in_another_process(db: Path, data: Path) -> None:
    ingest("ucdp", data / "ged191_mmr_2016_2018.csv", db_path=db)
    reader = _reader_holding_the_file(db, 1.5)
    try:
        started = time.monotonic()
        report = ingest("ucdp", SAMPLE, db_path=db, release="24.1")
        assert report.status == "loaded"
        assert time.monotonic() - started >= 0.5  # it did have to wait for the reader
    finally:
        reader.wait(timeout=30)


def test_reads_go_on_while_another_process_ingests(db: Path, data: Path) -> None:
    _the_file_by(db, data)
    before = api.alerts("2017-09", db_path=db)
    errors: list[BaseException] = []
    answers: list[list[Any]] = [[], []]
    stop = threading.Event()

    def read(seen: list[Any]) -> None:
        while not stop.is_set():
            try:
                seen.append(api.alerts("2017-09", db_path=db))
                api.coverage("MMR", db_path=db)
            except BaseException as exc:  # every failure is reported below
                errors.append(exc)
            time.sleep(0.002)

    readers = [threading.Thread(target=read, args=(seen,)) for seen in answers]
    for t in readers:
        t.start()
    try:
        code = (
            "import sys; from pathlib import Path; from protect.monitor.api import ingest; "
            "r = ingest('ucdp', Path(sys.argv[1]), db_path=Path(sys.argv[2]), release='24.1'); "
            "print(r.release_id)"
        )
        done = subprocess.run(
            [sys.executable, "-c", code, str(SAMPLE), str(db)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop.set()
        for t in readers:
            t.join()
    assert done.returncode == 0, done.stderr[-2000:]
    assert not errors, errors[:3]
    time.sleep(api._RETRY_SECONDS)  # a reader that found the file locked tries it again then
    after = api.alerts("2017-09", db_path=db)
    assert after == _fresh_alerts(db, "2017-09") != before
    assert {a.release for a in after if a.country == "MMR"} == {"24.1"}
    for seen in answers:
        # Each reader saw the state before the ingest, then the state after: nothing else,
        # and never the old state again once it had seen the new one.
        assert seen and seen[0] == before
        switched = next((i for i, a in enumerate(seen) if a != before), len(seen))
        assert all(a == after for a in seen[switched:])
