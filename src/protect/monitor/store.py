"""The monitor's DuckDB file: raw rows per release, normalised events, and the derived panel.

Layers (decision 010): each input file is kept byte for byte beside the database, and a
`raw_<release_id>` view reads its rows as text;
`events` holds the normalised events of every release; `release_years` records what each release
covers (country, year, events, provisional); `panel` holds each release's country-months,
computed inside the same transaction as the ingest; which release is shown for a country-month
is chosen when reading (`protect.monitor.coverage`, decision 026).
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from protect.knowledge import months

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
    raw_path VARCHAR NOT NULL,
    candidate BOOLEAN NOT NULL DEFAULT false,
    partial BOOLEAN NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS release_years (
    release_id INTEGER NOT NULL,
    source VARCHAR NOT NULL,
    iso3 VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    events BIGINT NOT NULL,
    provisional BOOLEAN NOT NULL
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
    candidate BOOLEAN NOT NULL,
    admin1 VARCHAR,
    admin2 VARCHAR,
    latitude DOUBLE,
    longitude DOUBLE
);
CREATE TABLE IF NOT EXISTS offsets12 (k INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS calendar (m INTEGER NOT NULL, first_day INTEGER NOT NULL,
                                     last_day INTEGER NOT NULL);
"""

CALENDAR = f"""
INSERT INTO calendar
SELECT {months.sql_index("make_date(y, mo, 1)")}::INTEGER,
       (make_date(y, mo, 1) - DATE '1970-01-01')::INTEGER,
       (last_day(make_date(y, mo, 1)) - DATE '1970-01-01')::INTEGER
FROM range(1940, 2101) t(y), range(1, 13) u(mo)
"""

_ADDED_COLUMNS = (
    ("releases", "candidate", "BOOLEAN DEFAULT false"),
    ("releases", "partial", "BOOLEAN DEFAULT false"),
    ("events", "admin1", "VARCHAR"),
    ("events", "admin2", "VARCHAR"),
    ("events", "latitude", "DOUBLE"),
    ("events", "longitude", "DOUBLE"),
)


class StoreError(Exception):
    """The events database cannot be used (locked by another process, or not yet created)."""


WRITER_WAIT_SECONDS = 10.0
"""How long a writer waits for readers to let go of the file (a server copies the panel it
shows in well under a second) before it reports the file as locked."""


def is_lock_conflict(exc: BaseException) -> bool:
    """Whether DuckDB refused a file because another process holds its lock."""
    return "could not set lock" in str(exc).lower()


def _connect(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    import duckdb

    deadline = time.monotonic() + (0.0 if read_only else WRITER_WAIT_SECONDS)
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not is_lock_conflict(exc) or time.monotonic() >= deadline:
                raise StoreError(f"cannot open the events database {path}: {exc}") from exc
            time.sleep(0.05)


def file_state(path: Path) -> tuple[int, ...] | None:
    """A fingerprint of the events file and its write-ahead log that changes with every commit
    (identity, size, modification and change times), read without opening the database, so a
    reader can tell in microseconds whether what it copied is still current. None when there is
    no file."""
    out: list[int] = []
    for name in (path, path.with_name(path.name + ".wal")):
        try:
            st = os.stat(name)
        except FileNotFoundError:
            if name == path:
                return None
            out.append(-1)
            continue
        out += [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
    return tuple(out)


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA)
    if con.execute("SELECT count(*) FROM offsets12").fetchone() == (0,):
        con.execute("INSERT INTO offsets12 SELECT * FROM range(12)")
    if con.execute("SELECT count(*) FROM calendar").fetchone() == (0,):
        con.execute(CALENDAR)
    _upgrade(con)
    if con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'panel'"
    ).fetchone() != (0,):
        from protect.monitor.coverage import current_events_view

        con.execute(current_events_view())


def _upgrade(con: duckdb.DuckDBPyConnection) -> None:
    """Bring a database written before decision 026 to the current layout: the new columns,
    what each release covers, and a panel kept per release. Nothing already stored is lost."""
    for table, column, kind in _ADDED_COLUMNS:
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {kind}")
    con.execute("DROP VIEW IF EXISTS current_releases")
    stale_panel = con.execute(
        "SELECT count(*) FROM information_schema.columns WHERE table_name = 'panel' "
        "AND column_name = 'release_id'"
    ).fetchone() == (0,) and con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'panel'"
    ).fetchone() != (0,)
    missing_years = con.execute(
        "SELECT count(*) FROM releases WHERE release_id NOT IN "
        "(SELECT release_id FROM release_years)"
    ).fetchone()
    if not stale_panel and not (missing_years and missing_years[0]):
        return
    from protect.monitor.panel import rebuild_panel

    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(
            f"""
            INSERT INTO release_years
            SELECT release_id, source, iso3, {months.sql_year("month_start")}, count(*),
                bool_or(candidate)
            FROM events WHERE release_id NOT IN (SELECT release_id FROM release_years)
            GROUP BY ALL
            """
        )
        con.execute("DROP TABLE IF EXISTS panel")
        rebuild_panel(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


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
