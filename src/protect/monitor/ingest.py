"""Ingest of conflict-event files (UCDP GED, ACLED exports, any HXL-tagged CSV) into DuckDB.

One pipeline for all three: DuckDB reads the file as text, the kind's column mapping
(`columns.yaml`, turned into DuckDB expressions by `mapping`) types the fields, the named row
checks of `checks` reject bad rows with their line and field, and one transaction stores the raw
rows, the normalised events, the release and the rebuilt panel. A kill at any moment before the
commit leaves the previous data as it was (decision 011). Values the pipeline does not know (a
`type_of_violence` of 4, a `date_prec` of 9, an ACLED event type it has no crosswalk for) stop
the ingest instead of being guessed at.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import os
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from protect.knowledge import months
from protect.knowledge.months import label as month_label
from protect.monitor.models import IngestReport, RowError, SourceKind
from protect.monitor.store import open_db

if TYPE_CHECKING:
    import duckdb
    from duckdb import Expression

    from protect.monitor.mapping import Found, SourceSpec

Progress = Callable[[str, int, int], None]
"""Called as progress(step description, steps done, steps in all)."""

MAX_REPORTED_ERRORS = 200
_STEPS = 5


@dataclass(frozen=True)
class IngestLimits:
    """Bounds that keep a hostile or broken file from exhausting memory (decision 025).

    A file is refused, quoting its first malformed lines, once more than `max_malformed_rows`
    rows cannot be split into the header's cells, or once they are more than
    `max_malformed_share` of the rows and more than `share_floor` rows; the scan stops at the
    first row past the count limit. A file whose text (after decompression) is larger than
    `max_text_bytes` is refused before its rows are read."""

    max_malformed_rows: int = 1000
    max_malformed_share: float = 0.01
    share_floor: int = 100
    max_text_bytes: int = 4 * 1024**3


DEFAULT_LIMITS = IngestLimits()


class IngestError(Exception):
    """The file cannot be ingested at all; nothing was stored. The message is for the user."""


@dataclass(frozen=True)
class _Layout:
    header: list[str]
    hxl: list[str] | None
    skip: int
    gzipped: bool


def _open_text(path: Path, gzipped: bool) -> io.TextIOBase:
    if gzipped:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _is_hxl_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c.strip()]
    tagged = [c for c in cells if c.startswith("#")]
    return len(tagged) >= max(1, len(cells) - 1)


def _text_size_within(path: Path, gzipped: bool, cap: int) -> None:
    """Refuse a file whose text is larger than `cap` bytes; a compressed file is unpacked as a
    stream and the count stops at the cap, so a small archive that unpacks to gigabytes costs
    no memory and at most `cap` bytes of work."""
    if not gzipped:
        size = path.stat().st_size
        if size > cap:
            raise IngestError(f"{path}: {size:,} bytes is over the limit of {cap:,} bytes")
        return
    total = 0
    try:
        with gzip.open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                total += len(chunk)
                if total > cap:
                    raise IngestError(
                        f"{path}: unpacks to more than the limit of {cap:,} bytes; "
                        "nothing was stored"
                    )
    except (OSError, EOFError) as exc:
        raise IngestError(f"{path}: not a readable gzip file ({exc})") from exc


def _sniff(path: Path, limits: IngestLimits = DEFAULT_LIMITS) -> _Layout:
    with open(path, "rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    _text_size_within(path, gzipped, limits.max_text_bytes)
    try:
        with _open_text(path, gzipped) as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            second = next(reader, None)
    except (UnicodeDecodeError, OSError, csv.Error) as exc:
        raise IngestError(f"{path}: cannot be read as a UTF-8 CSV file ({exc})") from exc
    if not header:
        raise IngestError(f"{path}: the file is empty")
    if header[0].lstrip().startswith(("{", "[")):
        raise IngestError(
            f"{path}: this is JSON (GeoJSON?), not CSV; ingest takes the CSV edition of a release"
        )
    hxl = second if second is not None and _is_hxl_row(second) else None
    names = [c if c.strip() else f"_column{i}" for i, c in enumerate(header)]
    seen: dict[str, int] = {}
    unique = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        unique.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return _Layout(header=unique, hxl=hxl, skip=2 if hxl else 1, gzipped=gzipped)


class _Keeper:
    """Hash the file and copy it beside the database on a thread, while DuckDB reads the rows
    (hashing and file I/O release the GIL). The copy is a temporary file until
    `keep` renames it to its content address, so a refused or killed ingest leaves at most an
    unused temporary copy (decisions 010, 024)."""

    def __init__(self, path: Path, raw_dir: Path, gzipped: bool) -> None:
        import threading

        self._path = path
        self._raw_dir = raw_dir
        self._suffix = ".csv.gz" if gzipped else ".csv"
        raw_dir.mkdir(parents=True, exist_ok=True)
        sweep_stale_copies(raw_dir)
        self._tmp: Path | None = raw_dir / f".{os.getpid()}.{threading.get_ident()}.tmp"
        self._sha = ""
        self._error: OSError | None = None
        self._thread = threading.Thread(target=self._run, name="protect-keep-raw", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        assert self._tmp is not None
        try:
            # The kernel copies (no bytes pass through Python), and the hash reads the file on
            # its own; one Python loop doing both cost half again as much CPU, taken from the
            # reading of the rows (decision 024).
            shutil.copyfile(self._path, self._tmp)
            with open(self._path, "rb") as src:
                self._sha = hashlib.file_digest(src, "sha256").hexdigest()
        except OSError as exc:
            self._error = exc

    def sha256(self) -> str:
        self._thread.join()
        if self._error is not None:
            raise IngestError(f"{self._path}: cannot be read or kept ({self._error})")
        return self._sha

    def keep(self) -> Path:
        """The content-addressed copy (made now by rename, or already there)."""
        target = self._raw_dir / f"{self.sha256()}{self._suffix}"
        if self._tmp is not None:
            if target.exists():
                self._tmp.unlink(missing_ok=True)
            else:
                os.replace(self._tmp, target)
            self._tmp = None
        return target

    def discard(self) -> None:
        self._thread.join()
        if self._tmp is not None:
            self._tmp.unlink(missing_ok=True)
            self._tmp = None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale_copies(raw_dir: Path) -> list[Path]:
    """Remove the temporary copies (`.<pid>.<thread>.tmp`) that killed ingests left in `raw/`:
    a copy whose process is gone can never be kept, and each is as large as its input file.
    Copies of running processes are left alone."""
    removed = []
    for tmp in raw_dir.glob(".*.tmp"):
        parts = tmp.name.split(".")
        if len(parts) == 4 and parts[1].isdigit() and not _alive(int(parts[1])):
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
    return removed


# ---------------------------------------------------------------------------------------------
# Release labels
# ---------------------------------------------------------------------------------------------

_VERSION_PATTERNS = (
    re.compile(r"v(\d{2})[_.](\d)", re.IGNORECASE),
    re.compile(r"ged(\d{2})(\d)", re.IGNORECASE),
)


Coverage = Literal["auto", "complete", "partial"]
SAMPLE_MIN_COUNTRIES = 10
SAMPLE_MAX_EVENTS_PER_COUNTRY_YEAR = 2.0


def _looks_sampled(years: Sequence[tuple[Any, ...]]) -> bool:
    """A file spanning many countries with almost no events in each country-year is a sample
    (UCDP's own releases hold dozens of events per active country-year): taken as partial, so
    it never hides a complete source for the months it spans (decision 026)."""
    countries = {y[0] for y in years}
    if len(countries) < SAMPLE_MIN_COUNTRIES:
        return False
    spans: dict[str, list[int]] = {}
    for iso3, year, *_ in years:
        spans.setdefault(str(iso3), []).append(int(year))
    country_years = sum(max(v) - min(v) + 1 for v in spans.values())
    events = sum(int(y[2]) for y in years)
    return events / country_years < SAMPLE_MAX_EVENTS_PER_COUNTRY_YEAR


_CANDIDATE_NAME = re.compile(r"candidate|v\d{2}_0_\d+", re.IGNORECASE)
"""UCDP names its monthly Candidate files `..._v25_0_1...`; extracts often say "candidate"."""


def _release_version(
    kind: SourceKind,
    path: Path,
    given: str | None,
    last_day: date | None,
    *,
    candidate: bool = False,
    provisional_years: Sequence[int] = (),
) -> tuple[str, int, int]:
    """(label, major, minor): the version breaks ties between releases of one tier
    (decisions 013, 026). A Candidate file is labelled as such, never as a yearly release; a
    file that mixes final and candidate years is versioned by its last final event."""
    if given:
        m = re.fullmatch(r"(\d+)(?:\.(\d+))?", given.strip())
        if not m:
            raise IngestError(f"--release {given!r} is not a version such as 23.1")
        return given.strip(), int(m.group(1)), int(m.group(2) or 0)
    if kind == "ucdp" and candidate and last_day is not None:
        return (
            f"GED Candidate (events to {last_day.isoformat()})",
            (last_day.year + 1) % 100,
            0,
        )
    if kind == "ucdp" and provisional_years and last_day is not None:
        years = ", ".join(str(y) for y in provisional_years)
        major = (last_day.year + 1) % 100
        return (
            f"GED {major}.1 (inferred: final events to {last_day.isoformat()}; "
            f"candidate events in {years})",
            major,
            1,
        )
    if kind == "ucdp":
        for pattern in _VERSION_PATTERNS:
            m = pattern.search(path.name)
            if m:
                return (
                    f"GED {m.group(1)}.{m.group(2)} (from file name)",
                    int(m.group(1)),
                    int(m.group(2)),
                )
    if last_day is None:
        return "unknown", 0, 0
    if kind == "ucdp":
        major = (last_day.year + 1) % 100
        return f"GED {major}.1 (inferred: events to {last_day.isoformat()})", major, 1
    return (
        f"{kind} export to {last_day.isoformat()} (inferred)",
        last_day.year,
        last_day.month * 100 + last_day.day,
    )


# ---------------------------------------------------------------------------------------------
# Line numbers of records (only computed when a row is reported)
# ---------------------------------------------------------------------------------------------


def _record_lines(
    path: Path, layout: _Layout, rejected_lines: set[int], upto: int
) -> dict[int, int]:
    """record_no (1-based, as DuckDB numbered the accepted rows) -> physical start line, for the
    records up to `upto`: the file is parsed only as far as the last record reported."""
    out: dict[int, int] = {}
    with _open_text(path, layout.gzipped) as fh:
        reader = csv.reader(fh)
        for _ in range(layout.skip):
            next(reader, None)
        record_no = 0
        start = reader.line_num + 1
        for _row in reader:
            if start not in rejected_lines:
                record_no += 1
                out[record_no] = start
                if record_no >= upto:
                    break
            start = reader.line_num + 1
    return out


_BOM = b"\xef\xbb\xbf"


def _line_of_byte(path: Path, layout: _Layout, positions: list[int]) -> dict[int, int]:
    """Line numbers of DuckDB's byte positions (counted after any byte-order mark), from the
    bytes themselves: decoding a large file only to count its line breaks took seconds. The
    file is read in blocks and only as far as the last position, so a large file with a few
    malformed rows is never held in memory whole (decision 025)."""
    wanted = sorted(set(positions))
    found: dict[int, int] = {}
    opener = gzip.open if layout.gzipped else open
    with opener(path, "rb") as fh:
        head = fh.read(len(_BOM))
        block = b"" if head == _BOM else head  # DuckDB counts from after the mark
        lines = seen = k = 0  # line breaks in the `seen` bytes before `block`
        while k < len(wanted):
            if not block:
                block = fh.read(1 << 20)
                if not block:
                    break
            end = seen + len(block)
            while k < len(wanted) and wanted[k] <= end:
                found[wanted[k]] = lines + block.count(b"\n", 0, wanted[k] - seen) + 1
                k += 1
            lines += block.count(b"\n")
            seen, block = end, b""
    return {p: found.get(p, lines + 1) for p in positions}


# ---------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------


ReadMode = Literal["strict", "store", "skip"]

_READ_OPTIONS: dict[ReadMode, str] = {
    "strict": "ignore_errors=false",
    "store": "store_rejects=true, rejects_table='stg_rejects', rejects_scan='stg_rejects_scan', "
    "rejects_limit=$rejects_limit",
    "skip": "ignore_errors=true",
}
_PARAMETER = re.compile(r"\$([a-z_]+)")


def _unreadable() -> tuple[type[Exception], ...]:
    """The DuckDB errors a file that is not well-formed CSV (or not UTF-8, or not gzip) raises;
    any other error (a binder or parser error of the generated SQL) is a bug of the ingest and
    surfaces as one."""
    import duckdb

    return (duckdb.InvalidInputException, duckdb.IOException)


def _read_csv_call(
    path: Path, layout: _Layout, errors: ReadMode, parallel: bool, rejects_limit: int
) -> tuple[str, dict[str, object]]:
    """DuckDB `read_csv(...)` for an event file, with its values as named parameters: every
    column as text, the header (and HXL row) skipped. A malformed row stops a `strict` read, is
    recorded in `stg_rejects` by a `store` read, and is left out by a `skip` read.

    A parallel read splits the file at guessed line starts; where quoted cells hold line breaks
    (about one GED row in thirteen) a guess can land inside a cell, and DuckDB then reports a
    well-formed row as malformed (seen here once in some hundred reads of the benchmark file).
    Reads whose verdict on a row is kept (`store`, `skip`) are therefore sequential."""
    params: dict[str, object] = {
        "path": str(path),
        "skip": layout.skip,
        "columns": dict.fromkeys(layout.header, "VARCHAR"),
        "compression": "gzip" if layout.gzipped else "none",
        "parallel": parallel,
    }
    if errors == "store":
        params["rejects_limit"] = int(rejects_limit)
    call = (
        "read_csv($path, header=false, skip=$skip, delim=',', quote='\"', escape='\"', "
        "auto_detect=false, columns=$columns, compression=$compression, "
        f"{_READ_OPTIONS[errors]}, max_line_size=10000000, parallel=$parallel)"
    )
    return call, params


def read_csv_sql(
    path: Path,
    layout: _Layout,
    *,
    errors: ReadMode,
    parallel: bool = True,
    rejects_limit: int = 0,
) -> str:
    """The same call written out, for a view (which cannot take parameters): the values are
    rendered by DuckDB's own constant quoting."""
    from duckdb import ConstantExpression

    call, params = _read_csv_call(path, layout, errors, parallel, rejects_limit)
    return _PARAMETER.sub(lambda m: str(ConstantExpression(params[m.group(1)])), call)


def _count_malformed(path: Path, layout: _Layout, limits: IngestLimits) -> None:
    """Refuse a file with too many rows that do not split into the header's cells, reading no
    further than the row that passes the limit. DuckDB's reject store keeps one record per
    missing cell, so an unbounded count of short rows would take gigabytes (decision 025)."""
    width = len(layout.header)
    bad: list[tuple[int, str]] = []
    rows = 0
    old_limit = csv.field_size_limit()
    csv.field_size_limit(10_000_000)  # the longest line DuckDB is allowed to read
    try:
        with _open_text(path, layout.gzipped) as fh:
            reader = csv.reader(fh)
            for _ in range(layout.skip):
                next(reader, None)
            start = reader.line_num + 1
            for row in reader:
                rows += 1
                if len(row) != width:
                    bad.append((start, ",".join(row)[:80]))
                    if len(bad) > limits.max_malformed_rows:
                        break
                start = reader.line_num + 1
    except csv.Error as exc:
        raise IngestError(
            f"{path}: line {start}: cannot be split into cells ({exc}); nothing was stored"
        ) from exc
    except (UnicodeDecodeError, OSError) as exc:
        raise IngestError(f"{path}: cannot be read as a UTF-8 CSV file ({exc})") from exc
    finally:
        csv.field_size_limit(old_limit)
    over_count = len(bad) > limits.max_malformed_rows
    over_share = len(bad) > limits.share_floor and len(bad) > limits.max_malformed_share * rows
    if over_count or over_share:
        quoted = "; ".join(f"line {ln}: {text!r}" for ln, text in bad[:3])
        what = (
            f"more than {limits.max_malformed_rows:,} rows"
            if over_count
            else f"{len(bad):,} of {rows:,} rows (over {limits.max_malformed_share:.0%})"
        )
        raise IngestError(
            f"{path}: {what} do not have the header's {width} cells ({quoted}); "
            "the file is refused and nothing was stored"
        )


def _stage(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    layout: _Layout,
    found: Found,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> bool:
    """Read the file and map it onto the event fields in one pass (temp table `norm`, whose row
    order is the file's: record number = rowid + 1). Only the columns the mapping uses are
    materialised; the file itself is kept (decision 010). A well-formed file is read once,
    strictly and in parallel; only when that read fails as unreadable CSV is the file read
    again, sequentially, recording the malformed rows (none, when the parallel read was misled
    by a line break inside a quoted cell). Returns whether the second read was made. Errors
    other than unreadable input (a mistake in the generated SQL) propagate as they are."""
    unreadable = _unreadable()
    try:
        _normalise(con, found, _read_csv_call(path, layout, "strict", True, 0))
        return False
    except unreadable:
        pass
    _count_malformed(path, layout, limits)
    try:
        limit = (limits.max_malformed_rows + 1) * (len(layout.header) + 2)
        _normalise(con, found, _read_csv_call(path, layout, "store", False, limit))
    except unreadable as exc:
        raise IngestError(f"{path}: cannot be read as CSV ({str(exc).splitlines()[0]})") from exc
    return True


_NORM_COLUMNS = (
    "event_id", "type_code", "ds", "de", "date_prec", "where_prec", "iso3", "gw", "best", "low",
    "high", "civilians", "side_a", "side_b", "perpetrator_is_gov", "candidate", "admin1",
    "admin2", "latitude", "longitude", "failed", "refused",
)  # fmt: skip


def _normalise(
    con: duckdb.DuckDBPyConnection, found: Found, source: tuple[str, dict[str, object]]
) -> None:
    """One pass: type every field (`mapping.typed_fields`), look the country up, run every row
    check (`failed`: the index of the first check a row fails; `refused`: of the first unknown
    code it carries), and keep, for those rows only, the text their message quotes (decision
    024). Each projection reads the columns of the one before, so no expression is computed
    twice for a row. The expressions are DuckDB's (`ColumnExpression`, `ConstantExpression`,
    ...), written out by DuckDB and run as one statement with the reader's parameters: built as
    a chain of relations, the same query took a tenth of a second longer to bind."""
    from duckdb import ColumnExpression

    from protect.monitor import checks
    from protect.monitor.mapping import typed_fields

    refused, refused_value = checks.first_refusal(checks.refusals(found.spec))
    assert found.spec.country.codes is not None
    iso3, gw = checks.country_codes(found.spec.country.codes)
    call, params = source
    layers: list[tuple[bool, list[tuple[str, Expression]]]] = [
        (False, typed_fields(found)),
        (True, [("c_num", checks.country_number())]),
        (True, [("iso3", iso3), ("gw", gw)]),
        (True, [("failed", checks.first_failure()), ("refused", refused)]),
        (
            False,
            [(c, ColumnExpression(c)) for c in _NORM_COLUMNS]
            + [("failed_value", checks.failure_text()), ("refused_value", refused_value)],
        ),
    ]
    query = f"FROM {call}"
    for keep, columns in layers:
        listed = ", ".join(f"{expr} AS {ColumnExpression(name)}" for name, expr in columns)
        query = f"SELECT {'*, ' if keep else ''}{listed} FROM ({query})"
    con.execute(f"CREATE OR REPLACE TEMP TABLE norm AS {query}", params)


def _refuse_unknown(
    con: duckdb.DuckDBPyConnection, spec: SourceSpec, lines: Callable[[int], dict[int, int]]
) -> None:
    """Unknown codes stop the ingest: guessing would silently change the numbers (decision 014)."""
    from protect.monitor.checks import refusals

    found = refusals(spec)
    counts = con.execute(
        "SELECT refused, count(*) FROM norm WHERE refused IS NOT NULL GROUP BY refused"
    ).fetchall()
    # A row counts for the first code it fails; no row fails a code before the first one
    # reported, so that code's count and rows are what a test of it alone would give.
    for k, n in sorted(counts):
        refusal = found[k]
        bad = con.execute(
            "SELECT rowid + 1, refused_value FROM norm WHERE refused = ? ORDER BY rowid LIMIT 5",
            [k],
        ).fetchall()
        where = lines(bad[-1][0])  # in file order
        first = "; ".join(f"line {where.get(r, '?')}: {v!r}" for r, v in bad)
        raise IngestError(
            f"{spec.label(refusal.field)} {refusal.what}: {first}"
            + (f" (and {n - len(bad)} more rows)" if n > len(bad) else "")
            + "; nothing was stored"
        )


def _mark_repeated_ids(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Skip every row whose event id an earlier good row already has (check
    `event_id_unique`): the same event listed twice would otherwise count twice (decision 025).
    Returns, for each repeated id, the record number of the row that is kept. The check is one
    grouping of the ids; the rows are marked only when a repeat exists."""
    from protect.monitor.checks import REPEATED

    repeats = con.execute(
        "SELECT count(*) FROM (SELECT event_id FROM norm WHERE failed IS NULL "
        "AND event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1)"
    ).fetchone()
    if not repeats or not repeats[0]:
        return {}
    con.execute(
        """
        UPDATE norm SET failed = ?, failed_value = norm.event_id
        FROM (
            SELECT rowid AS rid FROM (
                SELECT rowid, row_number() OVER (PARTITION BY event_id ORDER BY rowid) AS k
                FROM norm WHERE failed IS NULL AND event_id IS NOT NULL
            ) WHERE k > 1
        ) later
        WHERE norm.rowid = later.rid
        """,
        [REPEATED],
    )
    rows = con.execute(
        "SELECT event_id, min(rowid) + 1 FROM norm WHERE failed IS NULL AND event_id IN "
        "(SELECT failed_value FROM norm WHERE failed = ?) GROUP BY event_id",
        [REPEATED],
    ).fetchall()
    return {str(k): int(v) for k, v in rows}


def ingest(
    kind: SourceKind,
    path: Path,
    *,
    db_path: Path | None = None,
    progress: Progress | None = None,
    release: str | None = None,
    limits: IngestLimits = DEFAULT_LIMITS,
    candidate: bool = False,
    coverage: Coverage = "auto",
) -> IngestReport:
    """Load one event file; atomic and idempotent. Raises IngestError for unusable input.
    `candidate` marks a UCDP file as Candidate events (provisional) when its name and rows do
    not say so; `coverage` says whether the file is complete for the countries and months it
    spans or a partial one such as a sample ("auto": a sample when it spans many countries
    with very few events each; decision 026)."""
    from protect.config import events_db_path

    def step(name: str, done: int) -> None:
        if progress is not None:
            progress(name, done, _STEPS)

    from protect.monitor.mapping import MappingError, find_columns

    if kind not in ("ucdp", "acled", "hxl"):
        raise IngestError(f"unknown source kind {kind!r} (ucdp, acled, hxl)")
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    db = db_path or events_db_path()
    step("reading header", 0)
    layout = _sniff(path, limits)
    try:
        found = find_columns(kind, layout.header, layout.hxl, path)
    except MappingError as exc:
        raise IngestError(str(exc)) from None
    keeper = _Keeper(path, db.parent / "raw", layout.gzipped)
    try:
        return _ingest(
            kind, path, db, layout, found, keeper, step, release, limits, candidate, coverage
        )
    finally:
        keeper.discard()


def _ingest(
    kind: SourceKind,
    path: Path,
    db: Path,
    layout: _Layout,
    found: Found,
    keeper: _Keeper,
    step: Callable[[str, int], None],
    release: str | None,
    limits: IngestLimits,
    candidate: bool,
    coverage: Coverage,
) -> IngestReport:
    from duckdb import ColumnExpression

    from protect.monitor.checks import REPEATED, ROW_CHECKS
    from protect.monitor.coverage import shown_sql
    from protect.monitor.panel import rebuild_panel

    with open_db(db) as con:
        con.execute("SET enable_progress_bar = false")

        def stored() -> tuple[Any, ...] | None:
            rows = con.execute(
                "SELECT release_id, release FROM releases WHERE sha256 = ? AND source = ?",
                [keeper.sha256(), kind],
            ).fetchall()
            return rows[0] if rows else None

        # The rows are read while the file is hashed, and an already stored file is reported
        # unchanged afterwards (its staged rows go with the connection); a file ingested before
        # from the same path is checked first, as re-running the same ingest is the usual case.
        (same_path,) = con.execute(
            "SELECT count(*) FROM releases WHERE path = ? AND source = ?",
            [str(path.resolve()), kind],
        ).fetchall()
        if same_path[0] and (existing := stored()) is not None:
            return _unchanged_report(con, kind, path, keeper.sha256(), existing[0], existing[1])
        step("reading rows", 1)
        unreadable: IngestError | None = None
        malformed = False
        try:
            malformed = _stage(con, path, layout, found, limits)
        except IngestError as exc:
            unreadable = exc
        sha = keeper.sha256()
        if (existing := stored()) is not None:
            return _unchanged_report(con, kind, path, sha, existing[0], existing[1])
        if unreadable is not None:
            raise unreadable
        step("validating rows", 2)
        rejects = (
            con.execute(
                "SELECT line_byte_position, arg_min(coalesce(column_name, ''), column_idx), "
                "arg_min(error_type, column_idx), arg_min(error_message, column_idx) "
                "FROM stg_rejects GROUP BY line_byte_position ORDER BY line_byte_position"
            ).fetchall()
            if malformed
            else []
        )
        reject_lines = _line_of_byte(path, layout, [r[0] for r in rejects]) if rejects else {}

        def lines(upto: int) -> dict[int, int]:
            return _record_lines(path, layout, set(reject_lines.values()), upto)

        _refuse_unknown(con, found.spec, lines)
        first_of = _mark_repeated_ids(con)
        errors: list[tuple[int | None, str, str]] = [
            (reject_lines.get(pos), col or "(row)", f"{etype.lower()}: {msg}")
            for pos, col, etype, msg in rejects
        ]
        failed = con.execute(
            "SELECT rowid + 1, failed, failed_value FROM norm "
            "WHERE failed IS NOT NULL ORDER BY rowid"
        ).fetchall()
        if failed:
            where = lines(failed[-1][0])
            if first_of:
                where = lines(max(failed[-1][0], *first_of.values()))
            for record_no, idx, value in failed:
                if idx == REPEATED:
                    line = where.get(first_of[value], "?")
                    text = f"event id {value!r} was already read on line {line}; counted once"
                    errors.append((where.get(record_no), "event_id", text))
                    continue
                check = ROW_CHECKS[idx]
                label = found.spec.label(check.field)
                errors.append((where.get(record_no), label, check.message(label, value)))
        good = "failed IS NULL"
        summary = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {good}), max(de) FILTER (WHERE {good}), "
            f"count(*) FILTER (WHERE {good} AND type_code > 0 AND "
            "(best < coalesce(low, best) OR best > coalesce(high, best))) FROM norm"
        ).fetchone()
        assert summary is not None
        rows_read = int(summary[0]) + len(rejects)
        rows_loaded = int(summary[1])
        last_day = summary[2]
        outside = int(summary[3])
        if rows_loaded == 0:
            errors.sort(key=lambda e: (e[0] is None, e[0] or 0, e[1]))
            first = "; ".join(
                f"line {ln if ln is not None else '?'}: {msg}" for ln, _, msg in errors[:3]
            )
            raise IngestError(
                f"{path}: none of its {rows_read} rows could be loaded"
                + (f" ({first})" if first else "")
                + "; nothing was stored"
            )
        con.execute(
            "CREATE OR REPLACE TEMP TABLE stg_years AS "
            "SELECT iso3, year(ds) AS year, count(*) FILTER (WHERE type_code > 0) AS events, "
            "bool_or(coalesce(candidate, false)) AS any_candidate, "
            "bool_and(coalesce(candidate, false)) AS all_candidate, max(de) AS last_day "
            f"FROM norm WHERE {good} GROUP BY ALL"
        )
        years = con.execute("SELECT * FROM stg_years").fetchall()
        is_candidate = kind == "ucdp" and (
            candidate or bool(_CANDIDATE_NAME.search(path.name)) or all(bool(y[4]) for y in years)
        )
        final_days = [y[5] for y in years if not (is_candidate or y[3])]
        is_partial = coverage == "partial" or (coverage == "auto" and _looks_sampled(years))
        label, major, minor = _release_version(
            kind,
            path,
            release,
            max(final_days) if final_days else last_day,
            candidate=is_candidate,
            provisional_years=sorted({int(y[1]) for y in years if y[3] and not is_candidate}),
        )
        step("storing events", 3)
        raw_file = keeper.keep()
        con.execute("BEGIN TRANSACTION")
        try:
            release_id = _one(con, "SELECT coalesce(max(release_id), 0) + 1 FROM releases")
            con.execute(
                f"CREATE VIEW {ColumnExpression(f'raw_{int(release_id)}')} AS "
                "SELECT row_number() OVER () AS record_no, * "
                f"FROM {read_csv_sql(raw_file, layout, errors='skip', parallel=False)}"
            )
            # The events are read by key (release, country, record number), never by position:
            # letting DuckDB store them in any order lets it write them in parallel.
            con.execute("SET preserve_insertion_order = false")
            con.execute(
                f"""
                INSERT INTO events
                SELECT $release_id, $kind, rowid + 1, event_id, iso3, gw, type_code,
                    (ds - DATE '1970-01-01')::INTEGER, (de - DATE '1970-01-01')::INTEGER,
                    {months.sql_index("ds")}, {months.sql_index("de")},
                    date_prec, where_prec,
                    best, least(coalesce(low, best), best), greatest(coalesce(high, best), best),
                    least(coalesce(civilians, 0), best),
                    side_a, side_b,
                    CASE WHEN type_code = 3 THEN coalesce(side_a, '(unknown perpetrator)') END,
                    type_code = 3 AND coalesce(perpetrator_is_gov, false),
                    type_code = 1 AND coalesce(side_a LIKE $government, false)
                        AND coalesce(side_b LIKE $government, false),
                    coalesce(candidate, false),
                    admin1, admin2,
                    CASE WHEN latitude BETWEEN -90 AND 90 THEN latitude END,
                    CASE WHEN longitude BETWEEN -180 AND 180 THEN longitude END
                FROM norm WHERE {good} AND type_code > 0
                """,
                {"release_id": release_id, "kind": kind, "government": "Government of %"},
            )
            con.execute("RESET preserve_insertion_order")
            con.execute(
                "INSERT INTO releases VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    release_id,
                    kind,
                    str(path.resolve()),
                    sha,
                    label,
                    major,
                    minor,
                    datetime.now(),
                    rows_read,
                    rows_loaded,
                    rows_read - rows_loaded,
                    str(raw_file),
                    is_candidate,
                    is_partial,
                ],
            )
            con.execute(
                "INSERT INTO release_years SELECT ?, ?, iso3, year, events, ? OR any_candidate "
                "FROM stg_years",
                [release_id, kind, is_candidate],
            )
            con.execute(
                f"""
                INSERT INTO release_countries
                SELECT ?, ?, iso3, min({months.sql_index("ds")}), max({months.sql_index("de")})
                FROM norm WHERE {good} GROUP BY iso3
                """,
                [release_id, kind],
            )
            step("rebuilding the panel", 4)
            rebuild_panel(con, release_id)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        step("done", 5)
        countries_in = [
            r[0]
            for r in con.execute(
                "SELECT iso3 FROM release_countries WHERE release_id = ? ORDER BY iso3",
                [release_id],
            ).fetchall()
        ]
        current = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT iso3 FROM ("
                + shown_sql("p.iso3 IN (SELECT iso3 FROM release_countries WHERE release_id = ?)")
                + ") WHERE release_id = ?",
                [release_id, release_id],
            ).fetchall()
        }
        span = con.execute(
            "SELECT min(first_month), max(last_month) FROM release_countries WHERE release_id = ?",
            [release_id],
        ).fetchone()
    errors.sort(key=lambda e: (e[0] is None, e[0] or 0, e[1]))
    return IngestReport(
        source=kind,
        path=str(path),
        release_id=release_id,
        release=label,
        sha256=sha,
        status="loaded",
        rows_read=rows_read,
        rows_loaded=rows_loaded,
        rows_skipped=rows_read - rows_loaded,
        errors=[
            RowError(line=ln, field=f, message=msg) for ln, f, msg in errors[:MAX_REPORTED_ERRORS]
        ],
        errors_truncated=max(0, len(errors) - MAX_REPORTED_ERRORS),
        countries=countries_in,
        replaced=sorted(c for c in countries_in if c in current),
        superseded=sorted(c for c in countries_in if c not in current),
        best_outside_range=outside,
        candidate=is_candidate,
        partial=is_partial,
        first_month=month_label(span[0]) if span and span[0] is not None else None,
        last_month=month_label(span[1]) if span and span[1] is not None else None,
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _unchanged_report(
    con: duckdb.DuckDBPyConnection,
    kind: SourceKind,
    path: Path,
    sha: str,
    release_id: int,
    label: str | None,
) -> IngestReport:
    row = con.execute(
        "SELECT rows_read, rows_loaded, rows_skipped FROM releases WHERE release_id = ?",
        [release_id],
    ).fetchone()
    assert row is not None
    countries_in = [
        r[0]
        for r in con.execute(
            "SELECT iso3 FROM release_countries WHERE release_id = ? ORDER BY iso3", [release_id]
        ).fetchall()
    ]
    return IngestReport(
        source=kind,
        path=str(path),
        release_id=release_id,
        release=label,
        sha256=sha,
        status="unchanged",
        rows_read=row[0],
        rows_loaded=row[1],
        rows_skipped=row[2],
        errors=[],
        countries=countries_in,
    )
