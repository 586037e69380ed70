"""The small defects of issue 11, each on a real extract."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from protect.monitor import api, releases
from protect.monitor.ingest import ingest

from .helpers import query, read_rows


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        return next(reader), list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows([header, *rows])
    return path


def test_hxl_tags_with_extra_attributes_match_their_pattern(
    tmp_path: Path, db: Path, data: Path
) -> None:
    header, rows = _rows(data / "hdx221_ukr_2014_08.csv")
    tags = rows[0]
    tags = [t + "+num" if t == "#affected+killed" else t for t in tags]
    tags[header.index("deaths_civilians")] = "#affected+killed+civilians+num"
    path = _write(tmp_path / "tagged.csv", header, [tags, *rows[1:]])
    report = ingest("hxl", path, db_path=db)
    assert report.rows_loaded == len(rows) - 1
    best = sum(float(r[header.index("best")]) for r in rows[1:])
    civilians = sum(float(r[header.index("deaths_civilians")]) for r in rows[1:])
    # `#affected+killed` took the `+num` column, not the civilians one.
    assert query(db, "SELECT sum(best), sum(civilians) FROM events") == [(best, civilians)]


def test_hxl_civilian_deaths_of_state_based_events_are_kept(db: Path, data: Path) -> None:
    path = data / "hdx221_ukr_2014_08.csv"
    rows = read_rows(path, hxl=True)
    assert {r["type_of_violence"] for r in rows} == {"1"}  # all state-based
    want = sum(min(float(r["deaths_civilians"]), float(r["best"])) for r in rows)
    assert want > 100
    ingest("hxl", path, db_path=db)
    assert query(db, "SELECT sum(civilians) FROM events") == [(want,)]
    (rec,) = api.monitor("UKR", "2014-08", "2014-08", db_path=db)
    assert rec.source == "hxl" and rec.deaths_civilians == pytest.approx(want, abs=0.5)


def test_acled_rows_for_kosovo_are_kept(tmp_path: Path, db: Path, data: Path) -> None:
    header, rows = _rows(data / "acled_2022h1_sample.csv")
    col = {n: i for i, n in enumerate(header)}
    vac = next(r for r in rows if r[col["event_type"]] == "Violence against civilians")
    kosovo = list(vac)
    kosovo[col["iso"]], kosovo[col["country"]] = "0", "Kosovo"
    kosovo[col["event_id_cnty"]] = "XKX9001"
    path = _write(tmp_path / "kosovo.csv", header, [*rows, kosovo])
    report = ingest("acled", path, db_path=db)
    assert report.rows_skipped == 0 and "XKX" in report.countries
    assert query(db, "SELECT count(*) FROM events WHERE iso3 = 'XKX'") == [(1,)]
    # A 0 that is not Kosovo is still an unknown code, reported and skipped.
    other = list(kosovo)
    other[col["country"]], other[col["event_id_cnty"]] = "Atlantis", "ATL1"
    bad = ingest("acled", _write(tmp_path / "zero.csv", header, [*rows, other]), db_path=db)
    assert bad.rows_skipped == 1 and bad.errors[0].field == "iso"


def test_candidate_files_are_labelled_and_their_months_provisional(db: Path, data: Path) -> None:
    report = ingest("ucdp", data / "ucdp_sudan_candidates_2024q3.csv", db_path=db)
    assert report.candidate is True
    assert report.release is not None and report.release.startswith("GED Candidate")
    months = api.monitor("SDN", "2024-07", "2024-09", db_path=db)
    assert months and all(r.provisional for r in months)
    found = api.alerts(months[-1].month, db_path=db)
    assert all(a.provisional for a in found if a.country == "SDN")


def test_a_year_with_events_not_yet_clear_is_provisional(
    tmp_path: Path, db: Path, data: Path
) -> None:
    header, rows = _rows(data / "ucdp_sudan_dmy_2023q2.csv")
    final = ingest("ucdp", data / "ucdp_sudan_dmy_2023q2.csv", db_path=db)
    assert final.candidate is False
    assert not any(r.provisional for r in api.timeline("SDN", db_path=db))
    # The same rows with one event still under review ("Check deaths"): the year is provisional.
    rows[5][header.index("code_status")] = "Check deaths"
    rows = [[f"{c}9" if i == 0 else c for i, c in enumerate(r)] for r in rows]  # new ids
    mixed = ingest("ucdp", _write(tmp_path / "mixed.csv", header, rows), db_path=db)
    assert mixed.release is not None and "candidate events in 2023" in mixed.release
    detail = releases.show_release(mixed.release_id or 0, db_path=db)
    assert detail.coverage[0].provisional_years == [2023]
    # Both cover the same months: the final release is shown, the provisional one is not.
    assert {r.release_id for r in api.timeline("SDN", db_path=db)} == {final.release_id}


def test_alerts_and_monitor_outside_the_data_say_no_data_and_exit_3(tmp_path: Path) -> None:
    env = {**os.environ, "PROTECT_HOME": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "protect.cli.main", *args],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    assert run("ingest", "ucdp", "--sample").returncode == 0
    far = run("alerts", "--month", "2030-01")
    assert far.returncode == 3
    assert "no data for 2030-01: the events ingested cover 2016-01 to 2018-12" in far.stderr
    assert run("alerts", "--month", "2017-09").returncode == 0
    outside = run("monitor", "MMR", "--from", "2030-01", "--to", "2030-06")
    assert outside.returncode == 3 and "no data for MMR" in outside.stderr
    elsewhere = run("situation", "NOR", "2017-09")
    assert elsewhere.returncode == 3 and "no panel data for NOR" in elsewhere.stderr
    assert run("alerts", "--month", "2017-13").returncode == 2  # a bad month is bad input
