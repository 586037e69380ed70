"""The same Ibis panel expression on DuckDB and on local PySpark gives the same panel."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from protect.monitor.ingest import ingest
from protect.monitor.panel import PANEL_COLUMNS, panel_on_spark

from .helpers import query

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module", autouse=True)
def _java() -> None:
    if shutil.which("java") is None:
        pytest.skip("Java is needed for PySpark")


def test_duckdb_and_spark_panels_are_identical(db: Path, data: Path) -> None:
    import duckdb

    for name in ("ged231_car_2013_2014.csv", "hdx201_nga_2014h1.csv", "ucdp_sudan_dmy_2023q2.csv"):
        ingest("ucdp", data / name, db_path=db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        events = con.execute("SELECT * FROM events").fetchdf()
        cal = con.execute("SELECT * FROM calendar").fetchdf()
        off = con.execute("SELECT * FROM offsets12").fetchdf()
        cols = ", ".join(PANEL_COLUMNS)
        on_duck = con.execute(f"SELECT {cols} FROM panel ORDER BY release_id, iso3, m").fetchall()
    finally:
        con.close()
    spark = panel_on_spark(events, cal, off)
    spark = spark.sort_values(["release_id", "iso3", "m"])[list(PANEL_COLUMNS)]
    on_spark = [
        tuple(None if (isinstance(v, float) and v != v) else v for v in row)
        for row in spark.itertuples(index=False, name=None)
    ]
    assert len(on_spark) == len(on_duck) > 0
    for a, b in zip(on_duck, on_spark, strict=True):
        assert tuple(_plain(v) for v in a) == tuple(_plain(v) for v in b)
    assert query(db, "SELECT count(DISTINCT iso3) FROM panel") == [(3,)]


def _plain(v: object) -> object:
    """numpy scalars -> Python values, so equal numbers compare equal."""
    item = getattr(v, "item", None)
    return item() if callable(item) else v


def test_monitor_backend_spark_gives_the_same_records(db: Path, data: Path) -> None:
    from protect.monitor import api

    ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=db)
    on_duck = api.monitor("CAF", "2013-01", "2014-12", db_path=db)
    on_spark = api.monitor("CAF", "2013-01", "2014-12", db_path=db, backend="spark")
    assert len(on_duck) == 24
    assert [r.model_dump(mode="json") for r in on_spark] == [
        r.model_dump(mode="json") for r in on_duck
    ]


def test_admin1_panel_is_the_same_expression_on_spark(db: Path, data: Path) -> None:
    """The admin-1 panel is `build_panel` with one more key: DuckDB runs the shipped
    compilation, Spark the expression itself, and both agree."""
    import duckdb

    from protect.monitor.panel import ADMIN1_KEYS, ADMIN1_SQL, panel_columns, panel_sql
    from protect.monitor.subnational import _input

    ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        con.execute(f"CREATE TEMP VIEW panel_input AS {_input([(1, 0)], 'CAF')}")
        events = con.execute("SELECT * FROM panel_input").fetchdf()
        cal = con.execute("SELECT * FROM calendar").fetchdf()
        off = con.execute("SELECT * FROM offsets12").fetchdf()
        cols = list(panel_columns(ADMIN1_KEYS))
        on_duck = con.execute(
            f"SELECT {', '.join(cols)} FROM ({panel_sql(ADMIN1_SQL)}) "
            "ORDER BY release_id, iso3, admin1, m"
        ).fetchall()
    finally:
        con.close()
    spark = panel_on_spark(events, cal, off, ADMIN1_KEYS)
    spark = spark.sort_values(["release_id", "iso3", "admin1", "m"])[cols]
    on_spark = [
        tuple(None if (isinstance(v, float) and v != v) else v for v in row)
        for row in spark.itertuples(index=False, name=None)
    ]
    assert len(on_spark) == len(on_duck) > 100
    for a, b in zip(on_duck, on_spark, strict=True):
        assert tuple(_plain(v) for v in a) == tuple(_plain(v) for v in b)
