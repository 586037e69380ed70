"""The panel's conventions (decisions 012-015), checked against the input files themselves."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from pathlib import Path

import pytest

from protect.monitor.ingest import ingest

from .helpers import query, read_rows

HEADER = [
    "id", "type_of_violence", "side_a", "side_b", "country_id", "date_prec", "where_prec",
    "date_start", "date_end", "deaths_civilians", "best", "low", "high",
]  # fmt: skip


def _write(path: Path, rows: list[list[object]]) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADER)
    w.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def _panel(db: Path, iso3: str) -> dict[int, dict[str, object]]:
    con_rows = query(db, "SELECT * FROM panel WHERE iso3 = ? ORDER BY m", [iso3])
    names = [
        r[0]
        for r in query(
            db,
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'panel' ORDER BY ordinal_position",
        )
    ]
    return {int(r[names.index("m")]): dict(zip(names, r, strict=True)) for r in con_rows}


def m(y: int, mo: int) -> int:
    return y * 12 + mo - 1


def test_spanning_event_spreads_deaths_by_days_and_counts_once(tmp_path: Path, db: Path) -> None:
    # 31 days: 10 in January (22-31), 21 in February (1-21) of 2020; 62 deaths.
    path = tmp_path / "span.csv"
    _write(path, [
        [1, 3, "Government of Nigeria", "Civilians", 475, 5, 1, "2020-01-22", "2020-02-21",
         62, 62, 31, 93],
        [2, 1, "Government of Nigeria", "Jama'atu Ahlis Sunna", 475, 1, 1, "2020-04-03",
         "2020-04-03", 0, 5, 4, 6],
    ])  # fmt: skip
    ingest("ucdp", path, db_path=db)
    p = _panel(db, "NGA")
    assert p[m(2020, 1)]["os_best"] == pytest.approx(20.0)
    assert p[m(2020, 2)]["os_best"] == pytest.approx(42.0)
    assert p[m(2020, 1)]["os_low"] + p[m(2020, 2)]["os_low"] == pytest.approx(31.0)
    assert p[m(2020, 1)]["events"] == 1 and p[m(2020, 2)]["events"] == 0
    # Zero months between the first and the last covered month exist.
    assert sorted(p) == [m(2020, 1), m(2020, 2), m(2020, 3), m(2020, 4)]
    assert p[m(2020, 3)]["events"] == 0 and p[m(2020, 3)]["sb_best"] == 0.0
    assert p[m(2020, 4)]["sb_best_3m"] == pytest.approx(5.0)
    assert p[m(2020, 4)]["os_best_3m"] == pytest.approx(42.0)  # Feb-Apr
    assert p[m(2020, 4)]["os_best_12m"] == pytest.approx(62.0)
    assert p[m(2020, 4)]["top_perpetrator"] == "Government of Nigeria"
    assert p[m(2020, 4)]["top_perpetrator_is_gov"] is True


def test_best_outside_low_high_widens_the_range(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "range.csv"
    _write(path, [
        [1, 1, "Government of Nigeria", "IS", 475, 1, 1, "2020-01-05", "2020-01-05", 0, 10, 12, 20],
        [2, 2, "A", "B", 475, 1, 1, "2020-01-06", "2020-01-06", 0, 30, 5, 25],
    ])  # fmt: skip
    report = ingest("ucdp", path, db_path=db)
    assert report.best_outside_range == 2
    p = _panel(db, "NGA")[m(2020, 1)]
    assert (p["sb_low"], p["sb_best"], p["sb_high"]) == (10.0, 10.0, 20.0)
    assert (p["ns_low"], p["ns_best"], p["ns_high"]) == (5.0, 30.0, 30.0)


def test_totals_conserved_and_trailing_sums_on_a_real_extract(db: Path, data: Path) -> None:
    path = data / "ged231_car_2013_2014.csv"
    rows = read_rows(path)
    ingest("ucdp", path, db_path=db)
    p = _panel(db, "CAF")
    for code, col in ((1, "sb_best"), (2, "ns_best"), (3, "os_best")):
        want = sum(float(r["best"]) for r in rows if r["type_of_violence"] == str(code))
        assert sum(float(v[col]) for v in p.values()) == pytest.approx(want, abs=1e-3)
    want_civ = sum(min(float(r["deaths_civilians"]), float(r["best"])) for r in rows)
    assert sum(float(v["civilians"]) for v in p.values()) == pytest.approx(want_civ, abs=1e-3)
    months = sorted(p)
    assert months == list(range(months[0], months[-1] + 1))
    for i, mm in enumerate(months):
        window = months[max(0, i - 11) : i + 1]
        assert p[mm]["os_best_12m"] == pytest.approx(sum(p[k]["os_best"] for k in window), abs=1e-4)
    # Events count once, in the month of date_start.
    starts: dict[int, int] = defaultdict(int)
    for r in rows:
        d = date.fromisoformat(r["date_start"])
        starts[m(d.year, d.month)] += 1
    assert {k: v["events"] for k, v in p.items() if v["events"]} == dict(starts)


def test_largest_single_perpetrator_toll(db: Path, data: Path) -> None:
    path = data / "ged231_car_2013_2014.csv"
    rows = [r for r in read_rows(path) if r["type_of_violence"] == "3"]
    ingest("ucdp", path, db_path=db)
    p = _panel(db, "CAF")
    target = m(2014, 3)
    tolls: dict[str, float] = defaultdict(float)
    for r in rows:
        d0, d1 = date.fromisoformat(r["date_start"]), date.fromisoformat(r["date_end"])
        span = (d1 - d0).days + 1
        # Only single-month events are summed here; spread ones are weighted by days.
        for k in range(span):
            day = date.fromordinal(d0.toordinal() + k)
            if target - 11 <= m(day.year, day.month) <= target:
                tolls[r["side_a"]] += float(r["best"]) / span
    name, toll = max(tolls.items(), key=lambda kv: (kv[1], [-ord(c) for c in kv[0]]))
    assert p[target]["top_perpetrator"] == name
    assert p[target]["top_perpetrator_12m"] == pytest.approx(toll, abs=1e-3)
    assert p[target]["top_perpetrator_is_gov"] is name.startswith("Government of")


def test_imprecise_places_and_dates_stay_in_the_country_totals(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "imprecise.csv"
    _write(path, [
        # where_prec 7 (waters/airspace) and date_prec 5 (more than a month): both kept.
        [1, 1, "Government of Nigeria", "IS", 475, 5, 7, "2020-01-01", "2020-03-31", 0, 91, 91, 91],
        [2, 1, "Government of Nigeria", "IS", 475, 1, 6, "2020-02-10", "2020-02-10", 0, 9, 9, 9],
    ])  # fmt: skip
    ingest("ucdp", path, db_path=db)
    p = _panel(db, "NGA")
    assert sum(float(v["sb_best"]) for v in p.values()) == pytest.approx(100.0)
    # 31 + 29 + 31 days in 2020: the 91 deaths spread one a day.
    assert [p[m(2020, k)]["sb_best"] for k in (1, 2, 3)] == pytest.approx([31.0, 38.0, 31.0])
    stored = query(db, "SELECT where_prec, date_prec FROM events ORDER BY record_no")
    assert stored == [(7, 5), (6, 1)]


def test_shipped_panel_sql_is_the_compiled_ibis_expression() -> None:
    """`panel.sql` must be regenerated (`python -m protect.monitor.panel`) when the expression
    changes; DuckDB runs the file, Spark runs the expression."""
    from protect.monitor.panel import ADMIN1_KEYS, ADMIN1_SQL, compile_panel_sql, panel_sql

    assert panel_sql() == compile_panel_sql()
    assert panel_sql(ADMIN1_SQL) == compile_panel_sql(ADMIN1_KEYS)


def test_panel_updated_per_release_equals_a_full_rebuild(
    tmp_path: Path, db: Path, data: Path
) -> None:
    """Only the source and countries a release covers are recomputed; the result must be the
    panel a rebuild from scratch gives, after new countries, new sources and newer and older
    releases of a country already stored."""
    import duckdb

    from protect.monitor.panel import rebuild_panel

    from .conftest import SAMPLE

    older = tmp_path / "ged191_again.csv"
    older.write_bytes((data / "ged191_mmr_2016_2018.csv").read_bytes().replace(b"\n", b"\r\n"))
    steps = [
        ("ucdp", data / "ged191_mmr_2016_2018.csv", None),
        ("ucdp", data / "ged231_car_2013_2014.csv", None),
        ("acled", data / "acled_2022h1_sample.csv", None),
        ("ucdp", SAMPLE, "24.1"),  # newer release of MMR: replaces
        ("ucdp", older, "19.1"),  # older release of MMR: does not take over
        ("hxl", data / "hdx201_nga_2014h1.csv", None),
    ]
    for kind, path, release in steps:
        ingest(kind, path, db_path=db, release=release)  # type: ignore[arg-type]
        got = query(db, "SELECT * FROM panel ORDER BY source, iso3, m")
        con = duckdb.connect(str(db))
        try:
            rebuild_panel(con)
            want = con.execute("SELECT * FROM panel ORDER BY source, iso3, m").fetchall()
        finally:
            con.close()
        assert got == want, path.name
    assert {r[0] for r in query(db, "SELECT DISTINCT source FROM panel")} == {
        "ucdp",
        "acled",
        "hxl",
    }
