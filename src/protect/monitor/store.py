"""The monitor's DuckDB file: raw rows per release, normalised events, and the derived panel.

Layers (decision 010): each input file is kept byte for byte beside the database, and a
`raw_<release_id>` view reads its rows as text;
`events` holds the normalised events of every release; `current_releases` picks, per source and
country, the release that supplies that country's events; `panel` is derived from them and is
rebuilt inside the same transaction as every ingest.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator

    import duckdb

SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    release_id INTEGER PRIMARY KEY,
    source VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    release VARCHAR,
    version_major INTEGER NOT NULL,
    version_minor INTEGER NOT NULL,
    ingested_at TIMESTAMP NOT NULL,
    rows_read INTEGER NOT NULL,
    rows_loaded INTEGER NOT NULL,
    rows_skipped INTEGER NOT NULL,
    raw_path VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS release_countries (
    release_id INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    iso3 VARCHAR NOT NULL,
    first_month INTEGER NOT NULL,
    last_month INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    release_id INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    record_no BIGINT NOT NULL,
    -- unique texts: compressing them costs more than it saves (decision 024)
    event_id VARCHAR USING COMPRESSION uncompressed,
    iso3 VARCHAR NOT NULL,
    gw INTEGER,
    type INTEGER NOT NULL,
    day_start INTEGER NOT NULL,
    day_end INTEGER NOT NULL,
    month_start INTEGER NOT NULL,
    month_end INTEGER NOT NULL,
    date_prec INTEGER,
    where_prec INTEGER,
    best DOUBLE NOT NULL,
    low DOUBLE NOT NULL,
    high DOUBLE NOT NULL,
    civilians DOUBLE NOT NULL,
    side_a VARCHAR,
    side_b VARCHAR,
    perpetrator VARCHAR,
    perpetrator_is_gov BOOLEAN NOT NULL,
    interstate BOOLEAN NOT NULL,
    candidate BOOLEAN NOT NULL
);
CREATE TABLE IF NOT EXISTS offsets12 (k INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS calendar (m INTEGER NOT NULL, first_day INTEGER NOT NULL,
                                     last_day INTEGER NOT NULL);
"""

CALENDAR = """
INSERT INTO calendar
SELECT (y * 12 + mo - 1)::INTEGER, (make_date(y, mo, 1) - DATE '1970-01-01')::INTEGER,
       (last_day(make_date(y, mo, 1)) - DATE '1970-01-01')::INTEGER
FROM range(1940, 2101) t(y), range(1, 13) u(mo)
"""

CURRENT_VIEW = """
CREATE OR REPLACE VIEW current_releases AS
SELECT source, iso3, release_id, first_month, last_month FROM (
    SELECT rc.source, rc.iso3, rc.release_id, rc.first_month, rc.last_month,
           row_number() OVER (
               PARTITION BY rc.source, rc.iso3
               ORDER BY r.version_major DESC, r.version_minor DESC, r.ingested_at DESC,
                        r.release_id DESC
           ) AS rn
    FROM release_countries rc JOIN releases r USING (release_id)
) WHERE rn = 1;
CREATE OR REPLACE VIEW current_events AS
SELECT e.* FROM events e
JOIN current_releases c ON e.release_id = c.release_id AND e.iso3 = c.iso3
    AND e.source = c.source;
"""


class StoreError(Exception):
    """The events database cannot be used (locked by another process, or not yet created)."""


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        raise StoreError(f"cannot open the events database {path}: {exc}") from exc


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)
    if con.execute("SELECT count(*) FROM offsets12").fetchone() == (0,):
        con.execute("INSERT INTO offsets12 SELECT * FROM range(12)")
    if con.execute("SELECT count(*) FROM calendar").fetchone() == (0,):
        con.execute(CALENDAR)
    con.execute(CURRENT_VIEW)


def follow_moved_raw_files(con: duckdb.DuckDBPyConnection, raw_dir: Path) -> None:
    """Point the `raw_<n>` views and `releases.raw_path` at `raw_dir` when the data directory was
    moved: they hold the absolute path of each kept file (decision 010), and the files moved with
    the database. Files that are not in `raw_dir` are left as they are."""
    stale = con.execute(
        "SELECT release_id, raw_path FROM releases WHERE NOT starts_with(raw_path, ?)",
        [str(raw_dir) + os.sep],
    ).fetchall()
    for release_id, old in stale:
        new = raw_dir / Path(old).name
        if not new.is_file():
            continue
        row = con.execute(
            "SELECT sql FROM duckdb_views() WHERE view_name = ?", [f"raw_{int(release_id)}"]
        ).fetchone()
        con.execute("BEGIN TRANSACTION")
        try:
            if row is not None:
                sql = str(row[0]).replace(_quoted(old), _quoted(str(new)), 1)
                con.execute(sql.replace("CREATE VIEW", "CREATE OR REPLACE VIEW", 1))
            con.execute(
                "UPDATE releases SET raw_path = ? WHERE release_id = ?", [str(new), release_id]
            )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def _quoted(path: str) -> str:
    return "'" + path.replace("'", "''") + "'"


@contextmanager
def open_db(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the events file; read-only opens fail clearly when nothing was ingested."""
    if read_only and not path.exists():
        raise StoreError(
            f"no events database at {path}: ingest data first, e.g. `protect ingest ucdp --sample`"
        )
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only)
    try:
        if not read_only:
            init_schema(con)
            follow_moved_raw_files(con, path.parent / "raw")
        yield con
    finally:
        con.close()


def month_label(index: int) -> str:
    """`year*12 + month-1` -> `YYYY-MM`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_index(label: str) -> int:
    """`YYYY-MM` -> `year*12 + month-1`; ValueError names the problem."""
    parts = label.split("-")
    if (
        len(parts) != 2
        or not (parts[0].isdigit() and parts[1].isdigit())
        or (len(parts[0]), len(parts[1])) != (4, 2)
    ):
        raise ValueError(f"month {label!r} is not YYYY-MM")
    year, month = int(parts[0]), int(parts[1])
    if not 1 <= month <= 12:
        raise ValueError(f"month {label!r} has no month {month}")
    return year * 12 + month - 1
