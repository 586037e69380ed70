"""What each ingested release covers, and retiring one (decision 026).

A release is one ingested file. Its panel rows stay stored whether or not they are shown;
dropping a release removes its events, panel rows and coverage in one transaction, after which
the same file can be ingested again.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from protect.knowledge.months import label as month_label
from protect.monitor.store import StoreError, open_db

if TYPE_CHECKING:
    import duckdb


class ReleaseCountry(BaseModel):
    """One country of a release: the months it covers and how many of them it supplies."""

    country: str
    first_month: str
    last_month: str
    events: int
    provisional_years: list[int] = Field(description="years of UCDP Candidate events")
    months_shown: int = Field(description="months for which this release is the one shown")


class ReleaseInfo(BaseModel):
    """One ingested file, as `protect releases list` shows it."""

    release_id: int
    source: str
    release: str | None
    path: str
    sha256: str
    ingested_at: datetime
    rows_read: int
    rows_loaded: int
    rows_skipped: int
    candidate: bool = Field(description="the file is UCDP Candidate events (provisional)")
    partial: bool = Field(description="a sample: stored, supplies no month (decision 026)")
    countries: int
    events: int
    first_month: str | None
    last_month: str | None
    months_shown: int


class ReleaseDetail(ReleaseInfo):
    """`protect releases show ID`: the release and each country it covers."""

    coverage: list[ReleaseCountry]


def _db(db_path: Path | None) -> Path:
    from protect.config import events_db_path

    return db_path or events_db_path()


def _shown_counts(con: duckdb.DuckDBPyConnection) -> dict[tuple[int, str], int]:
    from protect.monitor.coverage import shown_sql

    if con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'panel'"
    ).fetchone() == (0,):
        return {}
    rows = con.execute(
        f"SELECT release_id, iso3, count(*) FROM ({shown_sql()}) GROUP BY ALL"
    ).fetchall()
    return {(int(r), str(c)): int(n) for r, c, n in rows}


_INFO = """
SELECT r.release_id, r.source, r.release, r.path, r.sha256, r.ingested_at, r.rows_read,
       r.rows_loaded, r.rows_skipped, r.candidate, r.partial,
       (SELECT count(*) FROM release_countries c WHERE c.release_id = r.release_id),
       (SELECT coalesce(sum(events), 0) FROM release_years y WHERE y.release_id = r.release_id),
       (SELECT min(first_month) FROM release_countries c WHERE c.release_id = r.release_id),
       (SELECT max(last_month) FROM release_countries c WHERE c.release_id = r.release_id)
FROM releases r
"""


def _info(row: tuple[object, ...], shown: dict[tuple[int, str], int]) -> ReleaseInfo:
    rid = int(str(row[0]))
    return ReleaseInfo(
        release_id=rid,
        source=str(row[1]),
        release=None if row[2] is None else str(row[2]),
        path=str(row[3]),
        sha256=str(row[4]),
        ingested_at=row[5],
        rows_read=int(str(row[6])),
        rows_loaded=int(str(row[7])),
        rows_skipped=int(str(row[8])),
        candidate=bool(row[9]),
        partial=bool(row[10]),
        countries=int(str(row[11])),
        events=int(str(row[12])),
        first_month=None if row[13] is None else month_label(int(str(row[13]))),
        last_month=None if row[14] is None else month_label(int(str(row[14]))),
        months_shown=sum(n for (r, _), n in shown.items() if r == rid),
    )


def list_releases(*, db_path: Path | None = None) -> list[ReleaseInfo]:
    """Every stored release, oldest first."""
    with open_db(_db(db_path), read_only=True) as con:
        shown = _shown_counts(con)
        rows = con.execute(_INFO + " ORDER BY r.release_id").fetchall()
    return [_info(r, shown) for r in rows]


def show_release(release_id: int, *, db_path: Path | None = None) -> ReleaseDetail:
    """One release with what it covers, country by country; LookupError when there is none."""
    with open_db(_db(db_path), read_only=True) as con:
        row = con.execute(_INFO + " WHERE r.release_id = ?", [release_id]).fetchone()
        if row is None:
            raise LookupError(f"no release {release_id}: see `protect releases list`")
        shown = _shown_counts(con)
        countries = con.execute(
            """
            SELECT c.iso3, c.first_month, c.last_month,
                   coalesce(sum(y.events), 0),
                   list(y.year ORDER BY y.year) FILTER (WHERE y.provisional)
            FROM release_countries c LEFT JOIN release_years y
              ON y.release_id = c.release_id AND y.iso3 = c.iso3
            WHERE c.release_id = ? GROUP BY c.iso3, c.first_month, c.last_month
            ORDER BY c.iso3
            """,
            [release_id],
        ).fetchall()
    info = _info(row, shown)
    return ReleaseDetail(
        **info.model_dump(),
        coverage=[
            ReleaseCountry(
                country=iso3,
                first_month=month_label(int(first)),
                last_month=month_label(int(last)),
                events=int(events),
                provisional_years=[int(y) for y in (years or [])],
                months_shown=shown.get((release_id, iso3), 0),
            )
            for iso3, first, last, events, years in countries
        ],
    )


def drop_release(release_id: int, *, db_path: Path | None = None) -> ReleaseInfo:
    """Remove a release's events, panel rows and coverage in one transaction; the months it
    supplied fall back to the next best release. Its kept file is deleted when no other release
    is the same file. Returns what was dropped."""
    db = _db(db_path)
    if not db.exists():
        raise StoreError(f"no events database at {db}: nothing to drop")
    with open_db(db) as con:
        row = con.execute(_INFO + " WHERE r.release_id = ?", [release_id]).fetchone()
        if row is None:
            raise LookupError(f"no release {release_id}: see `protect releases list`")
        info = _info(row, _shown_counts(con))
        raw = con.execute(
            "SELECT raw_path FROM releases WHERE release_id = ?", [release_id]
        ).fetchone()
        con.execute("BEGIN TRANSACTION")
        try:
            for table in ("events", "panel", "release_years", "release_countries", "releases"):
                con.execute(f"DELETE FROM {table} WHERE release_id = ?", [release_id])
            con.execute(f"DROP VIEW IF EXISTS raw_{int(release_id)}")
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        still_used = con.execute(
            "SELECT count(*) FROM releases WHERE raw_path = ?", [raw[0] if raw else ""]
        ).fetchone()
    if raw and still_used == (0,):
        Path(str(raw[0])).unlink(missing_ok=True)
    return info
