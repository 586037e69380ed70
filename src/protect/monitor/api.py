"""The monitor's service functions: the CLI, the REST API and Python users all call these.

Each returns pydantic models whose `model_dump(mode="json")` is the CLI's `--format json`.
Bad arguments raise `MonitorInputError` (a ValueError) with a one-line message.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from protect.knowledge.levels import RANK
from protect.knowledge.months import label as month_label
from protect.knowledge.months import parse as month_index
from protect.monitor.ingest import Coverage, IngestError, Progress
from protect.monitor.ingest import ingest as _ingest
from protect.monitor.models import (
    AlertRecord,
    CountrySituation,
    DeathsByType,
    IngestReport,
    MonthRecord,
    Provenance,
    SourceKind,
)
from protect.monitor.situations import alert_for, derive
from protect.monitor.store import StoreError, file_state, is_lock_conflict, open_db

if TYPE_CHECKING:
    import duckdb

    from protect.monitor.coverage import Tier
    from protect.monitor.subnational import Admin1Month, GeoJson

Backend = Literal["duckdb", "spark"]

__all__ = [
    "SAMPLE_RELEASE",
    "IngestError",
    "MonitorInputError",
    "NoDataError",
    "StoreError",
    "alerts",
    "coverage",
    "ingest",
    "monitor",
    "sample_path",
    "situation",
    "timeline",
]


SAMPLE_RELEASE = "24.1"


def sample_path() -> Path:
    """The bundled UCDP GED extract (Myanmar 2016-2018, release about 24.1) for zero-set-up use:
    `ingest("ucdp", sample_path(), release=SAMPLE_RELEASE)`."""
    return Path(__file__).resolve().parent / "sample" / "ged_myanmar_2016_2018.csv.gz"


class MonitorInputError(ValueError):
    """A bad country, month or range; the message names it."""


class NoDataError(MonitorInputError, LookupError):
    """A well-formed request for a country-month the ingested data do not cover (404 in the API;
    the CLI reports it like any other bad argument)."""


def _db(db_path: Path | None) -> Path:
    from protect.config import events_db_path

    return db_path or events_db_path()


def _country(code: str) -> str:
    from protect.knowledge.countries import is_known

    iso3 = code.strip().upper()
    if not is_known(iso3):
        raise MonitorInputError(f"country {code!r} is not an ISO 3166-1 alpha-3 code")
    return iso3


def _month(label: str, what: str) -> int:
    try:
        return month_index(label)
    except ValueError as exc:
        raise MonitorInputError(f"{what}: {exc}") from exc


def _shown(
    con: duckdb.DuckDBPyConnection, select: str, where: str, params: list[Any], tail: str = ""
) -> Any:
    """Run `select` over the panel rows the monitor shows: for each country-month, the row of
    the best release that covers it (decision 026). `where` may only filter `p.iso3` and
    `p.m` (the choice is made per country-month, so filtering first is exact)."""
    from protect.monitor.coverage import shown_sql

    has_panel = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'panel'"
    ).fetchone()
    if not has_panel or has_panel[0] == 0:
        raise StoreError(
            "no events ingested yet: run e.g. `protect ingest ucdp --sample` or "
            "`protect ingest ucdp PATH`"
        )
    return con.execute(f"SELECT {select} FROM ({shown_sql(where)}) p {tail}", params)


def _rows(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> list[dict[str, Any]]:
    cur = _shown(con, "p.*", where, params, "ORDER BY p.iso3, p.m")
    return _dicts(cur)


def _dicts(cur: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


T = TypeVar("T")

_RETRY_SECONDS = 0.25  # while a writer holds the file, how often a reader tries it again
_RESULTS_KEPT = 1024  # answers kept per snapshot; more distinct questions start the count anew
_FILES_KEPT = 4  # events files with a snapshot at once (tests open many)


class _Snapshot:
    """The panel rows the monitor shows, chosen among the releases once (decision 026) and
    copied into an in-memory DuckDB database, with the answers already given from them.

    A server would otherwise open the file, check its tables and choose the release of every
    country-month again for each request (tens of milliseconds). A snapshot belongs to one
    state of the file (`store.file_state`: any commit, such as an ingest or a dropped release,
    makes a new one) and one source order; it holds no lock on the file, so writers in other
    processes are not kept out. The answers it keeps are shared between callers: read them,
    never change them."""

    def __init__(self, db: Path, state: tuple[int, ...], order: tuple[Tier, ...]) -> None:
        import duckdb

        from protect.monitor.coverage import shown_sql

        self.state, self.order, self.retry_at = state, order, 0.0
        self._lock = threading.RLock()
        self._answers: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        con = duckdb.connect(":memory:")
        try:
            try:
                con.execute("ATTACH ? AS events_file (READ_ONLY)", [str(db)])
            except duckdb.IOException as exc:
                raise StoreError(f"cannot open the events database {db}: {exc}") from exc
            con.execute("USE events_file")
            has_panel = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_catalog = 'events_file' AND table_name = 'panel'"
            ).fetchone()
            if not has_panel or has_panel[0] == 0:
                raise StoreError(
                    "no events ingested yet: run e.g. `protect ingest ucdp --sample` or "
                    "`protect ingest ucdp PATH`"
                )
            con.execute(f"CREATE TABLE memory.main.shown AS {shown_sql(order=order)}")
            con.execute("USE memory")
            con.execute("DETACH events_file")
        except BaseException:
            con.close()
            raise
        self._con = con

    def rows(self, where: str, params: list[Any]) -> list[dict[str, Any]]:
        """Shown panel rows (`where` filters `p.iso3` and `p.m`), by country and month."""
        return self.answer(
            ("rows", where, *params),
            lambda: _dicts(
                self._con.execute(
                    f"SELECT * FROM shown p WHERE {where} ORDER BY p.iso3, p.m", params
                )
            ),
        )

    def span(self, where: str, params: list[Any]) -> tuple[Any, ...] | None:
        return self.answer(
            ("span", where, *params),
            lambda: self._con.execute(
                f"SELECT min(p.m), max(p.m) FROM shown p WHERE {where}", params
            ).fetchone(),
        )

    def answer(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        """The answer kept under `key`, computed (under the snapshot's lock: one DuckDB
        connection serves every thread) the first time it is asked for."""
        try:
            found: T = self._answers[key]
            return found
        except KeyError:
            pass
        with self._lock:
            if key not in self._answers:
                if len(self._answers) >= _RESULTS_KEPT:
                    self._answers.clear()
                self._answers[key] = compute()
            found = self._answers[key]
        return found


_SNAPSHOTS: OrderedDict[Path, _Snapshot] = OrderedDict()
_BUILDING = threading.Lock()


def _snapshot(db: Path) -> _Snapshot:
    """The snapshot of the file's current state, made when the file changed since the last one.
    While another process writes (an ingest holds the file's lock), the last snapshot, the
    state before that write, keeps answering; the file is tried again every `_RETRY_SECONDS`."""
    from protect.monitor.coverage import precedence

    state = file_state(db)
    if state is None:
        raise StoreError(
            f"no events database at {db}: ingest data first, e.g. `protect ingest ucdp --sample`"
        )
    order = precedence()
    held = _SNAPSHOTS.get(db)
    if held is not None and held.state == state and held.order == order:
        return held
    with _BUILDING:
        held = _SNAPSHOTS.get(db)
        if held is not None and held.state == state and held.order == order:
            return held
        if held is not None and held.order == order and time.monotonic() < held.retry_at:
            return held
        try:
            fresh = _Snapshot(db, state, order)
        except StoreError as exc:
            if held is not None and held.order == order and is_lock_conflict(exc):
                held.retry_at = time.monotonic() + _RETRY_SECONDS
                return held
            raise
        _SNAPSHOTS[db] = fresh
        _SNAPSHOTS.move_to_end(db)
        while len(_SNAPSHOTS) > _FILES_KEPT:
            _SNAPSHOTS.popitem(last=False)
        return fresh


def _shown_rows(db_path: Path | None, where: str, params: list[Any]) -> list[dict[str, Any]]:
    """`_rows` from the snapshot of the file (the same rows, without opening the file)."""
    return _snapshot(_db(db_path)).rows(where, params)


def coverage(country: str | None = None, *, db_path: Path | None = None) -> tuple[str, str] | None:
    """The first and last month the monitor shows (for one country, or for any), or None when
    the data do not cover that country."""
    where, params = ("p.iso3 = ?", [_country(country)]) if country is not None else ("true", [])
    row = _snapshot(_db(db_path)).span(where, params)
    if row is None or row[0] is None:
        return None
    return month_label(int(row[0])), month_label(int(row[1]))


def _r(x: Any) -> float:
    return round(float(x or 0.0), 2)


def _by_type(row: dict[str, Any], suffix: str) -> DeathsByType:
    return DeathsByType.model_validate({
        "state-based": _r(row[f"sb_{suffix}"]),
        "non-state": _r(row[f"ns_{suffix}"]),
        "one-sided": _r(row[f"os_{suffix}"]),
    })  # fmt: skip


def _record(row: dict[str, Any]) -> MonthRecord:
    row = {**row, "month": month_label(int(row["m"]))}
    situation, _steps = derive(row)
    return MonthRecord(
        country=row["iso3"],
        month=row["month"],
        source=row["source"],
        release=row.get("release"),
        release_id=int(row["release_id"]) if row.get("release_id") is not None else None,
        provisional=bool(row.get("provisional")),
        deaths_best=_by_type(row, "best"),
        deaths_low=_by_type(row, "low"),
        deaths_high=_by_type(row, "high"),
        deaths_civilians=_r(row["civilians"]),
        events=int(row["events"]),
        actors=int(row["actors"]),
        deaths_best_3m=_by_type(row, "best_3m"),
        deaths_best_12m=_by_type(row, "best_12m"),
        deaths_civilians_3m=_r(row["civilians_3m"]),
        deaths_civilians_12m=_r(row["civilians_12m"]),
        top_perpetrator_12m=row["top_perpetrator"],
        top_perpetrator_12m_deaths=_r(row["top_perpetrator_12m"]),
        top_perpetrator_is_government=bool(row["top_perpetrator_is_gov"]),
        alert=alert_for(row),
        situation=situation,
    )


def _spark_rows(db: Path, iso3: str, lo: int, hi: int) -> list[dict[str, Any]]:
    """The same panel recomputed on local PySpark from the stored events of the releases shown
    for those months, with the same provenance."""
    from protect.monitor.panel import panel_on_spark

    with open_db(db, read_only=True) as con:
        shown = _rows(con, "p.iso3 = ? AND p.m BETWEEN ? AND ?", [iso3, lo, hi])
        picks = {(int(r["release_id"]), int(r["m"])): r for r in shown}
        releases = sorted({rid for rid, _ in picks})
        if not releases:
            return []
        marks = ", ".join("?" for _ in releases)
        events = con.execute(
            f"SELECT * FROM events WHERE iso3 = ? AND release_id IN ({marks})", [iso3, *releases]
        ).fetchdf()
        cal = con.execute("SELECT * FROM calendar").fetchdf()
        off = con.execute("SELECT * FROM offsets12").fetchdf()
    df = panel_on_spark(events, cal, off)
    out = []
    for r in df.to_dict("records"):
        key = (int(r["release_id"]), int(r["m"]))
        if key not in picks:
            continue
        row = {str(k): (None if v != v else v) if isinstance(v, float) else v for k, v in r.items()}
        for extra in ("release", "provisional", "tier"):
            row[extra] = picks[key][extra]
        out.append(row)
    return sorted(out, key=lambda r: int(r["m"]))


def monitor(
    country: str,
    start: str,
    end: str,
    *,
    db_path: Path | None = None,
    backend: Backend = "duckdb",
) -> list[MonthRecord]:
    """One record per month of `country` from `start` to `end` (YYYY-MM, inclusive)."""
    iso3 = _country(country)
    lo, hi = _month(start, "--from"), _month(end, "--to")
    if lo > hi:
        raise MonitorInputError(f"--from {start} is after --to {end}")
    db = _db(db_path)
    if backend == "spark":
        return [_record(r) for r in _spark_rows(db, iso3, lo, hi)]
    if backend != "duckdb":
        raise MonitorInputError(f"backend {backend!r} is not duckdb or spark")
    rows = _shown_rows(db, "p.iso3 = ? AND p.m BETWEEN ? AND ?", [iso3, lo, hi])
    return [_record(r) for r in rows]


def timeline(country: str, *, db_path: Path | None = None) -> list[MonthRecord]:
    """Every month the data cover for `country`."""
    iso3 = _country(country)
    return [_record(r) for r in _shown_rows(db_path, "p.iso3 = ?", [iso3])]


def alerts(month: str, *, db_path: Path | None = None) -> list[AlertRecord]:
    """Countries with an alert in `month`, most severe first, then by the figures behind it."""
    m = _month(month, "--month")
    snapshot = _snapshot(_db(db_path))
    found: list[AlertRecord] = snapshot.answer(
        ("alerts", m),
        lambda: _ranked(month, snapshot.rows("p.m = ?", [m]), lambda: snapshot.span("true", [])),
    )
    return list(found)


def _ranked(
    month: str, rows: list[dict[str, Any]], covered: Callable[[], tuple[Any, ...] | None]
) -> list[AlertRecord]:
    """The alerts among a month's shown rows, ranked; NoDataError, saying which months
    `covered` gives, when the month has no rows."""
    if not rows:
        span = covered()
        said = (
            f"the events ingested cover {month_label(int(span[0]))} to {month_label(int(span[1]))}"
            if span and span[0] is not None
            else "no events are ingested"
        )
        raise NoDataError(f"no data for {month}: {said}")
    found = []
    for row in rows:
        rec = _record(row)
        if rec.alert is not None:
            found.append((rec, row))
    found.sort(
        key=lambda x: (
            RANK[x[0].alert.level] if x[0].alert else 9,
            -float(x[1]["top_perpetrator_12m"] or 0),
            -float(x[1]["os_best_12m"] or 0),
            -float(x[1]["sb_best_12m"] or 0),
            x[0].country,
        )
    )
    return [
        AlertRecord(
            rank=i + 1,
            country=rec.country,
            month=rec.month,
            source=rec.source,
            release=rec.release,
            provisional=rec.provisional,
            level=rec.alert.level,
            rule=rec.alert.rule,
            description=rec.alert.description,
            figures=rec.alert.figures,
        )
        for i, (rec, _row) in enumerate(found)
        if rec.alert is not None
    ]


def monitor_admin1(
    country: str, start: str, end: str, *, db_path: Path | None = None
) -> list[Admin1Month]:
    """The admin-1 panel of `country` from `start` to `end`: the national expression with one
    more key, on the releases the national panel shows for those months (decision 029)."""
    from protect.monitor.subnational import admin1_rows, to_record

    iso3 = _country(country)
    lo, hi = _month(start, "--from"), _month(end, "--to")
    if lo > hi:
        raise MonitorInputError(f"--from {start} is after --to {end}")
    with open_db(_db(db_path), read_only=True) as con:
        shown = _rows(con, "p.iso3 = ? AND p.m BETWEEN ? AND ?", [iso3, lo, hi])
        rows = admin1_rows(con, iso3, shown)
    return [to_record(r) for r in rows]


def events_geojson(country: str, month: str, *, db_path: Path | None = None) -> GeoJson:
    """A country-month's events as a GeoJSON FeatureCollection, for mapping (decision 029)."""
    from protect.monitor.subnational import geojson

    iso3 = _country(country)
    m = _month(month, "month")
    with open_db(_db(db_path), read_only=True) as con:
        rows = _rows(con, "p.iso3 = ? AND p.m = ?", [iso3, m])
        if not rows:
            raise NoDataError(f"no data for {iso3} in {month}: ingest events covering it")
        return geojson(con, rows[0])


def situation(country: str, month: str, *, db_path: Path | None = None) -> CountrySituation:
    """The derived situation of one country-month and the engine's full assessment of it."""
    from protect import Situation, assess

    iso3 = _country(country)
    m = _month(month, "month")
    rows = _shown_rows(db_path, "p.iso3 = ? AND p.m = ?", [iso3, m])
    if not rows:
        raise NoDataError(f"no panel data for {iso3} in {month}: ingest events covering it")
    row = {**rows[0], "month": month_label(m)}
    record = _record(rows[0])
    sit, steps = derive(row)
    assessment = assess(Situation.model_validate(sit))
    return CountrySituation(
        country=iso3,
        month=record.month,
        provenance=Provenance(
            source=record.source,
            release=record.release,
            release_id=record.release_id,
            provisional=record.provisional,
        ),
        record=record,
        situation=sit,
        assessment=assessment.model_dump(mode="json"),
        alert=record.alert,
        derivation=steps,
    )


def ingest(
    kind: SourceKind,
    path: Path,
    *,
    db_path: Path | None = None,
    progress: Progress | None = None,
    release: str | None = None,
    candidate: bool = False,
    coverage: Coverage = "auto",
) -> IngestReport:
    """Load an event file (see `protect.monitor.ingest.ingest`)."""
    return _ingest(
        kind,
        Path(path),
        db_path=db_path,
        progress=progress,
        release=release,
        candidate=candidate,
        coverage=coverage,
    )


def assess_all(rows: list[dict[str, Any]]) -> list[Any]:
    """Assess panel rows given as dicts, validating each situation; for the whole stored panel
    `protect.monitor.bulk` is faster (decision 024)."""
    from protect import Situation, assess
    from protect.monitor.bulk import paused_gc

    out = []
    with paused_gc():
        for row in rows:
            sit, _ = derive({**row, "month": month_label(int(row["m"]))})
            out.append(assess(Situation.model_validate(sit)))
    return out


def month_records(month: str, *, db_path: Path | None = None) -> list[MonthRecord]:
    """Every country's record for `month`, by ISO3: the countries the data cover that month,
    alert or not (a world map must tell "no alert" from "no data")."""
    m = _month(month, "--month")
    return [_record(r) for r in _shown_rows(db_path, "p.m = ?", [m])]
