"""Ingest on real GED/ACLED extracts: the files' quirks, bad rows, refusals, releases."""

from __future__ import annotations

import csv
import gzip
import io
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest

from protect.monitor.ingest import IngestError, ingest
from protect.monitor.store import open_db

from .helpers import query, read_rows


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def test_ged_231_extract_loads_every_row_with_its_values(db: Path, data: Path) -> None:
    path = data / "ged231_car_2013_2014.csv"
    rows = read_rows(path)
    report = ingest("ucdp", path, db_path=db)
    assert report.status == "loaded"
    assert report.rows_read == report.rows_loaded == len(rows) == 647
    assert report.countries == ["CAF"]
    assert report.release is not None and "23.1" in report.release
    stored = dict(query(db, "SELECT event_id, best FROM events"))
    assert stored == {r["id"]: float(r["best"]) for r in rows}
    by_type = dict(query(db, "SELECT type, count(*) FROM events GROUP BY type"))
    expected: dict[int, int] = {}
    for r in rows:
        expected[int(r["type_of_violence"])] = expected.get(int(r["type_of_violence"]), 0) + 1
    assert by_type == expected
    # Raw rows are kept as read, with their release.
    raw = query(db, "SELECT count(*), min(record_no), max(record_no) FROM raw_1")
    assert raw == [(647, 1, 647)]
    assert query(db, "SELECT side_a FROM raw_1 WHERE record_no = 1") == [(rows[0]["side_a"],)]


def test_hdx_nigeria_index_column_hxl_row_and_timestamp_dates(db: Path, data: Path) -> None:
    path = data / "hdx201_nga_2014h1.csv"
    rows = read_rows(path, hxl=True)
    report = ingest("ucdp", path, db_path=db)
    assert report.rows_loaded == len(rows) == 268
    assert report.errors == []
    ids = {r[0] for r in query(db, "SELECT event_id FROM events")}
    assert ids == {r["id"] for r in rows}  # not the unnamed index column
    first = rows[0]
    assert first["date_start"].endswith(" 00:00:00.000")
    start = datetime.strptime(first["date_start"][:10], "%Y-%m-%d").date()
    assert query(db, "SELECT day_start FROM events WHERE event_id = ?", [first["id"]]) == [
        (_days(start),)
    ]


def test_day_first_dates_of_the_sudan_file(db: Path, data: Path) -> None:
    path = data / "ucdp_sudan_dmy_2023q2.csv"
    rows = read_rows(path)
    ingest("ucdp", path, db_path=db)
    late = next(r for r in rows if int(r["date_start"][:2]) > 12)  # unambiguous day-first
    day = datetime.strptime(late["date_start"], "%d/%m/%Y").date()
    assert query(db, "SELECT day_start FROM events WHERE event_id = ?", [late["id"]]) == [
        (_days(day),)
    ]


def test_candidate_events_use_ucdp_id_and_are_flagged(db: Path, data: Path) -> None:
    path = data / "ucdp_sudan_candidates_2024q3.csv"
    rows = read_rows(path)
    ingest("ucdp", path, db_path=db)
    ids = {r[0] for r in query(db, "SELECT event_id FROM events")}
    assert ids == {r["ucdp_id"] for r in rows}
    assert query(db, "SELECT bool_and(candidate) FROM events") == [(True,)]


def test_crlf_hdx_191_layout(db: Path, data: Path) -> None:
    path = data / "hdx191_col_2002h1.csv"
    assert b"\r\n" in path.read_bytes()
    rows = read_rows(path, hxl=True)
    report = ingest("ucdp", path, db_path=db)
    assert report.rows_loaded == len(rows)
    assert query(db, "SELECT count(*) FROM raw_1 WHERE best LIKE '%\r%'") == [(0,)]
    assert query(db, "SELECT sum(best) FROM events") == [(sum(float(r["best"]) for r in rows),)]


def test_gzipped_file_gives_the_same_events(tmp_path: Path, data: Path) -> None:
    plain = data / "ged231_car_2013_2014.csv"
    gz = tmp_path / "car.csv.gz"
    with open(plain, "rb") as src, gzip.open(gz, "wb") as dst:
        shutil.copyfileobj(src, dst)
    a, b = tmp_path / "a.duckdb", tmp_path / "b.duckdb"
    ingest("ucdp", plain, db_path=a)
    ingest("ucdp", gz, db_path=b)
    sql = "SELECT event_id, type, day_start, day_end, best, low, high FROM events ORDER BY 1"
    assert query(a, sql) == query(b, sql)
    assert query(a, "SELECT * FROM panel ORDER BY m") == query(b, "SELECT * FROM panel ORDER BY m")


def _write_with_lines(path: Path, header: list[str], rows: list[list[str]]) -> list[int]:
    """Write rows and return the physical line each record starts on (header = line 1)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(out.getvalue().count("\n") + 1)
        writer.writerow(row)
    path.write_text(out.getvalue(), encoding="utf-8")
    return starts


def _car_rows(data: Path) -> tuple[list[str], list[list[str]]]:
    with open(data / "ged231_car_2013_2014.csv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        return header, list(reader)


def test_bad_rows_are_reported_by_line_and_field_and_the_rest_load(
    tmp_path: Path, db: Path, data: Path
) -> None:
    header, rows = _car_rows(data)
    col = {name: i for i, name in enumerate(header)}
    rows = [list(r) for r in rows[:60]]
    rows[3][col["date_start"]] = "2013-13-45"
    rows[10][col["best"]] = "-4"
    rows[20][col["country_id"]] = "9999"
    rows[30][col["best"]] = "many"
    rows[40] = rows[40][:5]  # a truncated row
    path = tmp_path / "bad.csv"
    starts = _write_with_lines(path, header, rows)
    report = ingest("ucdp", path, db_path=db)
    found = {(e.line, e.field) for e in report.errors}
    assert (starts[3], "date_start") in found
    assert (starts[10], "best") in found
    assert (starts[20], "country_id") in found
    assert (starts[30], "best") in found
    assert any(e.line == starts[40] for e in report.errors)
    assert report.rows_read == 60
    assert report.rows_skipped == 5
    assert report.rows_loaded == 55
    assert query(db, "SELECT count(*) FROM events") == [(55,)]
    msg = next(e.message for e in report.errors if e.line == starts[3])
    assert "2013-13-45" in msg


def test_numbers_that_are_not_numbers_are_bad_rows(tmp_path: Path, db: Path, data: Path) -> None:
    """NaN in any death figure, or a blank-looking cell, is a bad row, never a figure: a NaN
    would make every sum of its country-month NaN."""
    header, rows = _car_rows(data)
    col = {name: i for i, name in enumerate(header)}
    rows = [list(r) for r in rows[:30]]
    rows[2][col["high"]] = "nan"
    rows[4][col["low"]] = "NaN"
    rows[6][col["deaths_civilians"]] = "nan"
    rows[8][col["best"]] = "nan"
    rows[10][col["best"]] = "   "
    rows[12][col["best"]] = " 7 "  # spaces around a number are fine
    path = tmp_path / "nan.csv"
    starts = _write_with_lines(path, header, rows)
    report = ingest("ucdp", path, db_path=db)
    found = {(e.line, e.field): e.message for e in report.errors}
    assert set(found) == {
        (starts[2], "high"),
        (starts[4], "low"),
        (starts[6], "deaths_civilians"),
        (starts[8], "best"),
        (starts[10], "best"),
    }
    assert found[(starts[10], "best")] == "best is empty"
    assert found[(starts[2], "high")] == "high 'nan' is not a non-negative number"
    assert report.rows_loaded == 25
    assert query(db, "SELECT count(*) FROM events WHERE isnan(best + low + high + civilians)") == [
        (0,)
    ]
    assert query(db, "SELECT best FROM events WHERE record_no = 13") == [(7.0,)]


def test_unknown_type_of_violence_is_refused_and_nothing_changes(
    tmp_path: Path, db: Path, data: Path
) -> None:
    ingest("ucdp", data / "ged191_mmr_2016_2018.csv", db_path=db)
    before = query(db, "SELECT count(*), sum(best) FROM events")
    header, rows = _car_rows(data)
    rows = [list(r) for r in rows[:20]]
    rows[7][header.index("type_of_violence")] = "4"
    path = tmp_path / "unknown.csv"
    starts = _write_with_lines(path, header, rows)
    with pytest.raises(IngestError) as err:
        ingest("ucdp", path, db_path=db)
    assert "type_of_violence" in str(err.value)
    assert f"line {starts[7]}" in str(err.value)
    assert query(db, "SELECT count(*), sum(best) FROM events") == before
    assert query(db, "SELECT count(*) FROM releases") == [(1,)]


def test_unknown_date_prec_is_refused(tmp_path: Path, db: Path, data: Path) -> None:
    header, rows = _car_rows(data)
    rows = [list(r) for r in rows[:10]]
    rows[2][header.index("date_prec")] = "9"
    path = tmp_path / "prec.csv"
    _write_with_lines(path, header, rows)
    with pytest.raises(IngestError, match="date_prec"):
        ingest("ucdp", path, db_path=db)


def test_missing_required_column_is_one_clear_error(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "nocol.csv"
    path.write_text("id,date_start,date_end\n1,2020-01-01,2020-01-01\n", encoding="utf-8")
    with pytest.raises(IngestError, match="type_of_violence"):
        ingest("ucdp", path, db_path=db)


def test_a_geojson_release_is_named_as_such(tmp_path: Path, db: Path) -> None:
    # UCDP publishes GED as GeoJSON too; its first line is a JSON object, not a CSV header.
    path = tmp_path / "GEDEvent_v23_1.geojson.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        fh.write('{"type": "Feature", "properties": {"id": 1, "type_of_violence": 1}}\n]}\n')
    with pytest.raises(IngestError, match=r"JSON \(GeoJSON\?\), not CSV"):
        ingest("ucdp", path, db_path=db)
    assert not db.exists()  # refused before anything was opened


def test_reingesting_the_same_release_changes_nothing(db: Path, data: Path) -> None:
    path = data / "ged231_car_2013_2014.csv"
    first = ingest("ucdp", path, db_path=db)
    snapshot = (
        query(db, "SELECT * FROM events ORDER BY record_no"),
        query(db, "SELECT * FROM panel ORDER BY m"),
        query(db, "SELECT release_id, sha256 FROM releases"),
    )
    again = ingest("ucdp", path, db_path=db)
    assert again.status == "unchanged"
    assert again.release_id == first.release_id
    assert (
        query(db, "SELECT * FROM events ORDER BY record_no"),
        query(db, "SELECT * FROM panel ORDER BY m"),
        query(db, "SELECT release_id, sha256 FROM releases"),
    ) == snapshot


def test_a_newer_release_replaces_the_older_ones_events(
    tmp_path: Path, db: Path, data: Path
) -> None:
    from .conftest import SAMPLE

    old = data / "ged191_mmr_2016_2018.csv"
    ingest("ucdp", old, db_path=db)
    old_total = sum(float(r["best"]) for r in read_rows(old))
    assert query(db, "SELECT sum(best) FROM current_events") == [(old_total,)]

    new = ingest("ucdp", SAMPLE, db_path=db, release="24.1")
    assert new.replaced == ["MMR"]
    with gzip.open(SAMPLE, "rt", encoding="utf-8", newline="") as fh:
        new_total = sum(float(r["best"]) for r in csv.DictReader(fh))
    assert query(db, "SELECT sum(best) FROM current_events") == [(new_total,)]
    from protect.monitor.coverage import shown_sql

    shown = f"SELECT sum(os_best + sb_best + ns_best) FROM ({shown_sql()})"
    assert query(db, shown)[0][0] == pytest.approx(new_total)
    # The older release's rows are kept (raw and normalised), only no longer current.
    assert query(db, "SELECT count(*) FROM events WHERE release_id = 1") == [(178,)]

    # An older release ingested afterwards does not take over.
    copy = tmp_path / "ged191_again.csv"
    copy.write_bytes(old.read_bytes().replace(b"\n", b"\r\n"))
    late = ingest("ucdp", copy, db_path=db, release="19.1")
    assert late.superseded == ["MMR"] and late.replaced == []
    assert query(db, "SELECT sum(best) FROM current_events") == [(new_total,)]


def test_acled_crosswalk(db: Path, data: Path) -> None:
    path = data / "acled_2022h1_sample.csv"
    rows = read_rows(path)
    report = ingest("acled", path, db_path=db)
    assert report.rows_read == len(rows)
    counted = [
        r for r in rows
        if r["event_type"] in ("Battles", "Violence against civilians",
                               "Explosions/Remote violence")
    ]  # fmt: skip
    assert query(db, "SELECT count(*), sum(best) FROM events") == [
        (len(counted), sum(float(r["fatalities"]) for r in counted))
    ]
    vac = [r for r in rows if r["event_type"] == "Violence against civilians"]
    n3 = query(db, "SELECT count(*) FROM events WHERE type = 3")[0][0]
    assert n3 >= len(vac)
    afg = [r for r in counted if r["iso"] == "4"]
    assert query(db, "SELECT count(*) FROM events WHERE iso3 = 'AFG'") == [(len(afg),)]


def test_unknown_acled_event_type_is_refused(tmp_path: Path, db: Path, data: Path) -> None:
    text = (data / "acled_2022h1_sample.csv").read_text(encoding="utf-8")
    bad = text.replace(",Riots,", ",Skirmish,", 1)
    path = tmp_path / "acled_bad.csv"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(IngestError, match="event_type"):
        ingest("acled", path, db_path=db)


@pytest.mark.parametrize(
    "name", ["hdx191_col_2002h1.csv", "hdx221_ukr_2014_08.csv", "hdx201_nga_2014h1.csv"]
)
def test_hxl_mapping_of_hdx_ged_files(name: str, db: Path, data: Path) -> None:
    path = data / name
    rows = read_rows(path, hxl=True)
    report = ingest("hxl", path, db_path=db)
    assert report.rows_loaded == len(rows)
    got = query(db, "SELECT record_no, type, best, iso3 FROM events ORDER BY record_no")
    assert [g[1] for g in got] == [int(float(r["type_of_violence"])) for r in rows]
    assert [g[2] for g in got] == [float(r["best"]) for r in rows]
    assert {g[3] for g in got} == {r["iso3"] for r in rows}


def test_hxl_without_tag_row_is_refused(db: Path, data: Path) -> None:
    with pytest.raises(IngestError, match="HXL"):
        ingest("hxl", data / "ged231_car_2013_2014.csv", db_path=db)


def test_hxl_with_acled_style_tags(tmp_path: Path, db: Path, data: Path) -> None:
    """An HXL file tagged the way HDX tags ACLED extracts (#event+type with ACLED types)."""
    rows = read_rows(data / "acled_2022h1_sample.csv")
    iso3 = {"4": "AFG", "50": "BGD", "32": "ARG"}
    keep = [r for r in rows if r["iso"] in iso3]
    path = tmp_path / "acled_hxl.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["event_date", "event_type", "actor1", "actor2", "fatalities", "iso3"])
        w.writerow(
            [
                "#date+occurred",
                "#event+type",
                "#group+name+first",
                "#group+name+second",
                "#affected+killed",
                "#country+code",
            ]
        )
        for r in keep:
            w.writerow(
                [
                    r["event_date"],
                    r["event_type"],
                    r["actor1"],
                    r["actor2"],
                    r["fatalities"],
                    iso3[r["iso"]],
                ]
            )
    report = ingest("hxl", path, db_path=db)
    assert report.rows_loaded == len(keep)
    counted = [
        r
        for r in keep
        if r["event_type"]
        in ("Battles", "Violence against civilians", "Explosions/Remote violence")
    ]
    assert query(db, "SELECT count(*), sum(best) FROM events") == [
        (len(counted), sum(float(r["fatalities"]) for r in counted))
    ]
    vac = sum(r["event_type"] == "Violence against civilians" for r in keep)
    assert query(db, "SELECT count(*) FROM events WHERE type = 3")[0][0] >= vac


def test_raw_views_follow_a_moved_data_directory(tmp_path: Path, data: Path) -> None:
    """The kept files move with the database; the raw views find them at the next write open."""
    first = tmp_path / "first" / "events.duckdb"
    ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=first)
    before = query(first, "SELECT count(*), max(record_no) FROM raw_1")
    moved = tmp_path / "moved"
    shutil.move(str(first.parent), str(moved))
    with open_db(moved / "events.duckdb") as con:
        assert con.execute("SELECT count(*), max(record_no) FROM raw_1").fetchall() == before
        (path,) = con.execute("SELECT raw_path FROM releases").fetchone() or ("",)
    assert Path(path).parent == moved / "raw"
