"""Ingest of conflict-event files (UCDP GED, ACLED exports, any HXL-tagged CSV) into DuckDB.

One pipeline for all three: DuckDB reads the file as text, each kind maps its columns onto a
common set of raw fields (`_MAPPERS`), one validation pass rejects bad rows with their line and
field, and one transaction stores the raw rows, the normalised events, the release and the
rebuilt panel. A kill at any moment before the commit leaves the previous data as it was
(decision 011). Values the pipeline does not know (a `type_of_violence` of 4, a `date_prec` of 9,
an ACLED event type it has no crosswalk for) stop the ingest instead of being guessed at.
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

from protect.monitor.models import IngestReport, RowError, SourceKind
from protect.monitor.store import month_label, open_db

if TYPE_CHECKING:
    import duckdb

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


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# Per-kind column mapping onto the common raw fields
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mapping:
    """SQL expressions (over the staging table `stg`) for the common raw fields."""

    event_id: str
    type_raw: str  # the value shown in errors
    type_code: str  # 1/2/3, 0 = excluded by the crosswalk, NULL = unknown
    type_field: str
    date_start: str
    date_end: str
    date_prec: str
    date_prec_field: str
    date_prec_allowed: tuple[int, ...]
    where_prec: str
    country: str
    country_kind: Literal["gw", "isonum", "iso3"]
    country_field: str
    best: str
    best_field: str
    low: str
    high: str
    civilians: str
    side_a: str
    side_b: str
    perpetrator_is_gov: str
    candidate: str
    country_name: str = "NULL"
    admin1: str = "NULL"
    admin2: str = "NULL"
    latitude: str = "NULL"
    longitude: str = "NULL"


def _col(cols: dict[str, str], *names: str) -> str | None:
    for name in names:
        if name in cols:
            return _q(cols[name])
    return None


def _need(cols: dict[str, str], path: Path, *names: str) -> str:
    found = _col(cols, *names)
    if found is None:
        raise IngestError(f"{path}: required column {' or '.join(names)!r} is missing")
    return found


_NZ_PREFIX = "CASE WHEN starts_with("


def _nz(expr: str | None) -> str:
    """A cell's text without surrounding spaces, NULL when nothing is left. Only a cell that
    starts or ends with a space is trimmed: trimming makes a new copy of every text, and almost
    no cell needs it (decision 024)."""
    if not expr:
        return "NULL"
    return (
        f"{_NZ_PREFIX}{expr}, ' ') OR ends_with({expr}, ' ') "
        f"THEN nullif(trim({expr}), '') ELSE nullif({expr}, '') END"
    )


_GOV = "'Government of %'"


def _map_ucdp(layout: _Layout, path: Path) -> _Mapping:
    cols = {c.strip().lower(): c for c in layout.header if c.strip()}
    tov = _need(cols, path, "type_of_violence")
    best = _need(cols, path, "best")
    side_a = _col(cols, "side_a")
    side_b = _col(cols, "side_b")
    cand_col = _col(cols, "candidate")
    status = _col(cols, "code_status")
    candidate_parts = []
    if cand_col:
        candidate_parts.append(f"lower(trim(coalesce({cand_col}, ''))) IN ('true', '1', 't')")
    if status:
        candidate_parts.append(
            f"CASE WHEN {status} IS NULL OR {status} = 'Clear' THEN false "
            f"ELSE trim({status}) NOT IN ('', 'Clear') END"
        )
    side_a_e = _nz(side_a)
    side_b_e = _nz(side_b)
    return _Mapping(
        event_id=_nz(_col(cols, "ucdp_id") or _col(cols, "id")),
        type_raw=_nz(tov),
        type_code=(
            f"CASE WHEN try_cast({tov} AS DOUBLE) IN (1, 2, 3) "
            f"THEN try_cast(try_cast({tov} AS DOUBLE) AS INTEGER) END"
        ),
        type_field="type_of_violence",
        date_start=_nz(_need(cols, path, "date_start")),
        date_end=_nz(_need(cols, path, "date_end")),
        date_prec=_nz(_col(cols, "date_prec")),
        date_prec_field="date_prec",
        date_prec_allowed=(1, 2, 3, 4, 5),
        where_prec=_nz(_col(cols, "where_prec")),
        country=_nz(_need(cols, path, "country_id")),
        country_kind="gw",
        country_field="country_id",
        best=_nz(best),
        best_field="best",
        low=_nz(_col(cols, "low")),
        high=_nz(_col(cols, "high")),
        civilians=_nz(_col(cols, "deaths_civilians")),
        side_a=side_a_e,
        side_b=side_b_e,
        perpetrator_is_gov=f"coalesce({side_a_e} LIKE {_GOV}, false)",
        candidate=" OR ".join(candidate_parts) if candidate_parts else "false",
        admin1=_nz(_col(cols, "adm_1")),
        admin2=_nz(_col(cols, "adm_2")),
        latitude=_num_or_null(_col(cols, "latitude")),
        longitude=_num_or_null(_col(cols, "longitude")),
    )


# ACLED event types -> panel categories (decision 016). 0 = not counted.
_ACLED_STATE = (
    "(trim(coalesce({i1}, '')) IN ('1', '1.0') OR trim(coalesce({i2}, '')) IN ('1', '1.0'))"
)
_ACLED_CIVILIAN_TARGET = (
    "(trim(coalesce({i2}, '')) IN ('7', '7.0') OR coalesce({a2}, '') LIKE 'Civilians%')"
)


def _map_acled(layout: _Layout, path: Path) -> _Mapping:
    cols = {c.strip().lower(): c for c in layout.header if c.strip()}
    etype = _need(cols, path, "event_type")
    i1 = _col(cols, "inter1") or "NULL"
    i2 = _col(cols, "inter2") or "NULL"
    a1 = _col(cols, "actor1")
    a2 = _col(cols, "actor2") or "NULL"
    state = _ACLED_STATE.format(i1=i1, i2=i2)
    civ_target = _ACLED_CIVILIAN_TARGET.format(i2=i2, a2=a2)
    fatalities = _need(cols, path, "fatalities")
    edate = _nz(_need(cols, path, "event_date"))
    t = f"trim({etype})"
    code = (
        f"CASE WHEN {t} = 'Violence against civilians' THEN 3 "
        f"WHEN {t} = 'Battles' THEN CASE WHEN {state} THEN 1 ELSE 2 END "
        f"WHEN {t} = 'Explosions/Remote violence' THEN "
        f"  CASE WHEN {civ_target} THEN 3 WHEN {state} THEN 1 ELSE 2 END "
        f"WHEN {t} IN ('Riots', 'Protests', 'Strategic developments') THEN 0 END"
    )
    civilians = f"CASE WHEN ({code}) = 3 THEN {_nz(fatalities)} ELSE '0' END"
    return _Mapping(
        event_id=_nz(_col(cols, "event_id_cnty") or _col(cols, "data_id")),
        type_raw=_nz(etype),
        type_code=code,
        type_field="event_type",
        date_start=edate,
        date_end=edate,
        date_prec=_nz(_col(cols, "time_precision")),
        date_prec_field="time_precision",
        date_prec_allowed=(1, 2, 3),
        where_prec=_nz(_col(cols, "geo_precision")),
        country=_nz(_need(cols, path, "iso")),
        country_name=_nz(_col(cols, "country")),
        country_kind="isonum",
        country_field="iso",
        best=_nz(fatalities),
        best_field="fatalities",
        low="NULL",
        high="NULL",
        civilians=civilians,
        side_a=_nz(a1),
        side_b=_nz(a2 if a2 != "NULL" else None),
        perpetrator_is_gov=f"trim(coalesce({i1}, '')) IN ('1', '1.0')",
        candidate="false",
        admin1=_nz(_col(cols, "admin1")),
        admin2=_nz(_col(cols, "admin2")),
        latitude=_num_or_null(_col(cols, "latitude")),
        longitude=_num_or_null(_col(cols, "longitude")),
    )


_HXL_PATTERNS = (
    "#date+start", "#date+occurred", "#date", "#date+end", "#affected+killed",
    "#affected+killed+civilians", "#country+code", "#group+first+name", "#group+name",
    "#group+name+second", "#event+type", "#event+id", "#adm1+name", "#adm1", "#adm2+name",
    "#adm2", "#geo+lat", "#geo+lon", "#date+year",
)  # fmt: skip
"""Every tag pattern the HXL mapping looks up (decision 017); `#date+year` is listed so that a
year column is never taken for a `#date`."""


def _split_tag(tag: str) -> tuple[str, frozenset[str]]:
    parts = [p.strip().lower() for p in tag.replace(" ", "").split("+") if p.strip()]
    return (parts[0], frozenset(parts[1:])) if parts else ("", frozenset())


def _hxl_columns(layout: _Layout) -> list[tuple[str, str, frozenset[str]]]:
    """(column name, hashtag, attributes) of every tagged column, in file order."""
    assert layout.hxl is not None
    out = []
    for name, tag in zip(layout.header, layout.hxl, strict=False):
        hashtag, attrs = _split_tag(tag)
        if hashtag.startswith("#"):
            out.append((name, hashtag, attrs))
    return out


def _hxl_match(columns: list[tuple[str, str, frozenset[str]]], pattern: str) -> str | None:
    """The column a tag pattern selects, as HXL tag patterns do: the column's hashtag is the
    pattern's and it has every attribute of the pattern (more are allowed, e.g.
    `#affected+killed+num`). Of several, the one with the fewest extra attributes, then the
    first; a column whose extra attributes another pattern of the mapping asks for
    (`#affected+killed+civilians` for `#affected+killed`) is not taken for this one."""
    hashtag, attrs = _split_tag(pattern)
    claimed: set[str] = set()
    for other in _HXL_PATTERNS:
        h, a = _split_tag(other)
        if h == hashtag and a > attrs:
            claimed |= a - attrs
    best: tuple[int, str] | None = None
    for name, h, a in columns:
        if h != hashtag or not attrs <= a or (a - attrs) & claimed:
            continue
        extra = len(a - attrs)
        if best is None or extra < best[0]:
            best = (extra, name)
    return best[1] if best else None


def _map_hxl(layout: _Layout, path: Path) -> _Mapping:
    if layout.hxl is None:
        raise IngestError(f"{path}: no HXL hashtag row under the header (line 2)")
    columns = _hxl_columns(layout)
    cols = {c.strip().lower(): c for c in layout.header if c.strip()}

    def tag(*patterns: str) -> str | None:
        for pattern in patterns:
            assert pattern in _HXL_PATTERNS, pattern
            found = _hxl_match(columns, pattern)
            if found is not None:
                return _q(found)
        return None

    start = tag("#date+start", "#date+occurred", "#date")
    end = tag("#date+end") or start
    killed = tag("#affected+killed")
    country = tag("#country+code")
    missing = [
        name
        for name, col in (
            ("#date+start (or #date+occurred)", start),
            ("#affected+killed", killed),
            ("#country+code", country),
        )
        if col is None
    ]
    if missing:
        raise IngestError(f"{path}: HXL tag(s) {', '.join(missing)} missing from line 2")
    side_a = _nz(tag("#group+first+name", "#group+name"))
    side_b = _nz(tag("#group+name+second"))
    etype = tag("#event+type")
    # Without #event+type the category follows UCDP's own actor conventions (decision 017):
    # the victims side named "Civilians" -> one-sided; a government on side A -> state-based.
    inferred = (
        f"CASE WHEN coalesce({side_b}, '') LIKE 'Civilians%' THEN 3 "
        f"WHEN coalesce({side_a}, '') LIKE {_GOV} THEN 1 ELSE 2 END"
    )
    if etype:
        t = f"lower(trim({etype}))"
        code = (
            f"CASE WHEN {t} IN ('1', 'state-based') THEN 1 WHEN {t} IN ('2', 'non-state') THEN 2 "
            f"WHEN {t} IN ('3', 'one-sided', 'violence against civilians') THEN 3 "
            f"WHEN {t} IN ('battles', 'explosions/remote violence') THEN {inferred} "
            f"WHEN {t} IN ('riots', 'protests', 'strategic developments') THEN 0 END"
        )
        type_raw = _nz(etype)
    else:
        code = inferred
        type_raw = "'(inferred from #group tags)'"
    # Civilian deaths: the tag, else (HDX's GED exports leave it untagged) GED's own column;
    # only without either are the victims of one-sided events the only civilians counted.
    civ = tag("#affected+killed+civilians") or _col(cols, "deaths_civilians")
    civilians = _nz(civ) if civ else f"CASE WHEN ({code}) = 3 THEN {_nz(killed)} ELSE '0' END"
    return _Mapping(
        event_id=_nz(tag("#event+id")),
        type_raw=type_raw,
        type_code=code,
        type_field="#event+type",
        date_start=_nz(start),
        date_end=_nz(end),
        date_prec="NULL",
        date_prec_field="",
        date_prec_allowed=(),
        where_prec="NULL",
        country=_nz(country),
        country_kind="iso3",
        country_field="#country+code",
        best=_nz(killed),
        best_field="#affected+killed",
        low="NULL",
        high="NULL",
        civilians=civilians,
        side_a=side_a,
        side_b=side_b,
        perpetrator_is_gov=f"coalesce({side_a} LIKE {_GOV}, false)",
        candidate="false",
        admin1=_nz(tag("#adm1+name", "#adm1")),
        admin2=_nz(tag("#adm2+name", "#adm2")),
        latitude=_num_or_null(tag("#geo+lat")),
        longitude=_num_or_null(tag("#geo+lon")),
    )


_MAPPERS: dict[SourceKind, Callable[[_Layout, Path], _Mapping]] = {
    "ucdp": _map_ucdp,
    "acled": _map_acled,
    "hxl": _map_hxl,
}


def _bare(expr: str) -> str:
    """The column inside `_nz(col)`, else the expression itself: DuckDB's casts to numbers and
    dates skip surrounding spaces and give NULL for an empty text, so the typed value needs no
    trimmed copy of the text first (decision 024)."""
    if expr.startswith(_NZ_PREFIX):
        inner = expr[len(_NZ_PREFIX) : expr.find(", ' ')")]
        if _nz(inner) == expr:
            return inner
    return expr


def _date_sql(expr: str) -> str:
    """Dates as the real files write them (decision 012): ISO with or without a time, read from
    their first ten characters, or day-first `D/M/YYYY`; surrounding spaces are ignored.

    The cell is tested as it stands; the rarer forms are tried only where that test fails. Each
    fallback names its trimmed text once: DuckDB computes an expression used twice for every
    row, fallback or not (no regular expressions on the hot path)."""
    bare = _bare(expr)
    # A ten-byte cell is its own first ten characters: the common form is cast as it stands.
    iso = (
        f"CASE WHEN strlen({bare}) = 10 AND substr({bare}, 5, 1) = '-' "
        f"THEN try_cast({bare} AS DATE) "
        f"WHEN substr({bare}, 5, 1) = '-' AND substr({bare}, 11, 1) IN (' ', 'T') "
        f"THEN try_cast(substr({bare}, 1, 10) AS DATE) END"
    )
    padded_iso = (
        f"CASE WHEN regexp_matches({bare}, '^ +[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}( |T|$)') "
        f"THEN try_cast(substr(ltrim({bare}), 1, 10) AS DATE) END"
    )
    day_first = (
        f"CASE WHEN contains({bare}, '/') THEN try_strptime(trim({bare}), '%d/%m/%Y')::DATE END"
    )
    return f"coalesce({iso}, {padded_iso}, {day_first})"


def _num(expr: str) -> str:
    return f"try_cast({_bare(expr)} AS DOUBLE)"


def _num_or_null(column: str | None) -> str:
    """A coordinate: a number, or NULL when absent or unreadable (a place is optional)."""
    return f"try_cast({column} AS DOUBLE)" if column else "NULL"


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


def _date_lit(day: date) -> str:
    return f"DATE '{day.isoformat()}'"


def _country_sql(kind: Literal["gw", "isonum", "iso3"]) -> tuple[str, str]:
    """SQL for the ISO3 code and the GW number of a row (columns `country_raw`, `c_num`, `ds`),
    written out from the knowledge crosswalk. GW numbers are date-aware: a number that changed
    holder (or that a state held only for a time) is tested against the event's date; the rest
    are one map look-up. An expression rather than a join keeps the rows in file order, which is
    what numbers them (decision 024)."""
    from protect.knowledge import countries

    def by_number(pairs: Sequence[tuple[int, str]]) -> str:
        """A list indexed by the number: one step per row, where a map searches its keys."""
        table = dict(pairs)
        top = max(table)
        items = ", ".join(_lit(table[n]) if n in table else "NULL" for n in range(top + 1))
        return f"CASE WHEN c_num BETWEEN 0 AND {top} THEN [{items}][c_num + 1] END"

    if kind == "iso3":
        known = ", ".join(f"{_lit(c.iso3)}: {_lit(c.iso3)}" for c in countries.all_countries())
        return f"MAP {{{known}}}[upper(country_raw)]", "NULL::INTEGER"
    if kind == "isonum":
        # Kosovo has no ISO 3166-1 numeric code; ACLED writes 0 and names it (decision 016).
        kosovo = "CASE WHEN c_num = 0 AND country_name = 'Kosovo' THEN 'XKX' END"
        return f"coalesce({by_number(countries.numeric_codes())}, {kosovo})", "NULL::INTEGER"
    spans: dict[int, list[tuple[date | None, date | None, str]]] = {}
    for gw, first, last, iso3 in countries.gw_spans():
        spans.setdefault(gw, []).append((first, last, iso3))
    fixed = {gw: s[0][2] for gw, s in spans.items() if len(s) == 1 and s[0][:2] == (None, None)}
    whens = []
    for gw, held in sorted(spans.items()):
        if gw in fixed:
            continue
        tests = []
        for first, last, iso3 in held:
            bounds = [f"ds >= {_date_lit(first)}"] if first else []
            bounds += [f"ds <= {_date_lit(last)}"] if last else []
            tests.append(f"WHEN {' AND '.join(bounds) or 'true'} THEN {_lit(iso3)}")
        whens.append(f"WHEN {gw} THEN CASE {' '.join(tests)} END")
    # Most rows carry a number with a single holder: the list answers them, and only the rest
    # (coalesce evaluates its second argument only where the first is NULL) reach the tests.
    iso3 = f"coalesce({by_number(sorted(fixed.items()))}, CASE c_num {' '.join(whens)} END)"
    return iso3, "c_num"


ReadMode = Literal["strict", "store", "skip"]


def read_csv_sql(
    path: Path,
    layout: _Layout,
    *,
    errors: ReadMode,
    parallel: bool = True,
    rejects_limit: int = 0,
) -> str:
    """DuckDB `read_csv(...)` for an event file: every column as text, the header (and HXL row)
    skipped. A malformed row stops a `strict` read, is recorded in `stg_rejects` by a `store`
    read, and is left out by a `skip` read.

    A parallel read splits the file at guessed line starts; where quoted cells hold line breaks
    (about one GED row in thirteen) a guess can land inside a cell, and DuckDB then reports a
    well-formed row as malformed (seen here once in some hundred reads of the benchmark file).
    Reads whose verdict on a row is kept (`store`, `skip`) are therefore sequential."""
    columns = "{" + ", ".join(f"{_lit(n)}: 'VARCHAR'" for n in layout.header) + "}"
    compression = "gzip" if layout.gzipped else "none"
    options = {
        "strict": "ignore_errors=false",
        "store": "store_rejects=true, rejects_table='stg_rejects', "
        f"rejects_scan='stg_rejects_scan', rejects_limit={int(rejects_limit)}",
        "skip": "ignore_errors=true",
    }[errors]
    return (
        f"read_csv({_lit(str(path))}, header=false, skip={layout.skip}, delim=',', quote='\"', "
        f"escape='\"', auto_detect=false, columns={columns}, compression='{compression}', "
        f"{options}, max_line_size=10000000, parallel={'true' if parallel else 'false'})"
    )


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
    m: _Mapping,
    limits: IngestLimits = DEFAULT_LIMITS,
) -> bool:
    """Read the file and map it onto the common raw fields in one pass (temp table `norm`,
    whose row order is the file's: record number = rowid + 1). Only the columns the mapping
    uses are materialised; the file itself is kept (decision 010). A well-formed file is read
    once, strictly and in parallel; only when that read fails is the file read again,
    sequentially, recording the malformed rows (none, when the parallel read was misled by a
    line break inside a quoted cell). Returns whether the second read was made."""
    try:
        _normalise(con, m, read_csv_sql(path, layout, errors="strict"))
        return False
    except Exception:  # duckdb raises several error types for malformed input
        pass
    _count_malformed(path, layout, limits)
    try:
        reads = read_csv_sql(
            path,
            layout,
            errors="store",
            parallel=False,
            rejects_limit=(limits.max_malformed_rows + 1) * (len(layout.header) + 2),
        )
        _normalise(con, m, reads)
    except Exception as exc:  # duckdb raises several error types for unreadable input
        raise IngestError(f"{path}: cannot be read as CSV ({str(exc).splitlines()[0]})") from exc
    return True


def _normalise(con: duckdb.DuckDBPyConnection, m: _Mapping, source: str) -> None:
    """One pass: parse every field, look the country up, run every row check (`failed`: the
    index of the first check a row fails; `refused`: of the first unknown code it carries), and
    keep, for those rows only, the text their message quotes (decision 024)."""
    refusals = _refusals(m)
    refused = " ".join(f"WHEN {c[2]} THEN {k}" for k, c in enumerate(refusals))
    refused_value = " ".join(f"WHEN {k} THEN trim({c[1]})" for k, c in enumerate(refusals))
    failed_value = " ".join(
        f"WHEN {i} THEN nullif(trim({_check_value(field)}), '')"
        for i, (field, _, _) in enumerate(_ROW_CHECKS)
    )
    iso3, gw = _country_sql(m.country_kind)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE norm AS
        SELECT event_id, type_code, ds, de, date_prec, where_prec, iso3, gw,
            best, low, high, civilians, side_a, side_b, perpetrator_is_gov, candidate,
            admin1, admin2, latitude, longitude,
            failed, CASE failed {failed_value} END AS failed_value,
            refused, CASE refused {refused_value} END AS refused_value
        FROM (
            SELECT *, {_first_failure_sql()} AS failed, CASE {refused} END AS refused
            FROM (
                SELECT *, {iso3} AS iso3, {gw} AS gw
                FROM (
                    SELECT *,
                        try_cast(trunc(try_cast(country_raw AS DOUBLE)) AS INTEGER) AS c_num
                    FROM (
                        SELECT
                            {m.event_id} AS event_id,
                            {_bare(m.type_raw)} AS type_raw,
                            {m.type_code} AS type_code,
                            {_bare(m.date_start)} AS ds_raw,
                            {_bare(m.date_end)} AS de_raw,
                            {_date_sql(m.date_start)} AS ds,
                            {_date_sql(m.date_end)} AS de,
                            {_bare(m.date_prec)} AS date_prec_raw,
                            try_cast({_num(m.date_prec)} AS INTEGER) AS date_prec,
                            {_bare(m.where_prec)} AS where_prec_raw,
                            try_cast({_num(m.where_prec)} AS INTEGER) AS where_prec,
                            {m.country} AS country_raw,
                            {m.country_name} AS country_name,
                            {_bare(m.best)} AS best_raw, {_num(m.best)} AS best,
                            {_bare(m.low)} AS low_raw, {_num(m.low)} AS low,
                            {_bare(m.high)} AS high_raw, {_num(m.high)} AS high,
                            {_bare(m.civilians)} AS civ_raw,
                            {_num(m.civilians)} AS civilians,
                            {m.side_a} AS side_a, {m.side_b} AS side_b,
                            {m.perpetrator_is_gov} AS perpetrator_is_gov,
                            {m.candidate} AS candidate,
                            {m.admin1} AS admin1, {m.admin2} AS admin2,
                            {m.latitude} AS latitude, {m.longitude} AS longitude
                        FROM {source}
                    )
                )
            )
        )
        """
    )


def _refusals(m: _Mapping) -> list[tuple[str, str, str, str]]:
    """(field, raw column, condition, what is wrong) for each code that stops the ingest."""
    checks = [
        (
            m.type_field,
            "type_raw",
            f"type_code IS NULL AND NOT {_empty('type_raw')}",
            "is not a known category (UCDP: 1, 2, 3; ACLED: the six event types)",
        ),
    ]
    if m.date_prec_allowed:
        allowed = ", ".join(str(v) for v in m.date_prec_allowed)
        checks.append(
            (
                m.date_prec_field,
                "date_prec_raw",
                f"coalesce(date_prec NOT IN ({allowed}), true) AND NOT {_empty('date_prec_raw')}",
                f"is not a known precision code ({allowed})",
            )
        )
    if m.country_kind == "gw":
        checks.append(
            (
                "where_prec",
                "where_prec_raw",
                "coalesce(where_prec NOT BETWEEN 1 AND 7, true) "
                f"AND NOT {_empty('where_prec_raw')}",
                "is not a known precision code (1-7)",
            )
        )
    return checks


def _refuse_unknown(
    con: duckdb.DuckDBPyConnection, m: _Mapping, lines: Callable[[int], dict[int, int]]
) -> None:
    """Unknown codes stop the ingest: guessing would silently change the numbers (decision 014)."""
    checks = _refusals(m)
    counts = con.execute(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE refused = {k})" for k in range(len(checks)))
        + " FROM norm"
    ).fetchone()
    # A row counts for the first code it fails; no row fails a code before the first one
    # reported, so that code's count and rows are what a test of it alone would give.
    for k, ((field, _, _, what), n) in enumerate(zip(checks, counts or (), strict=True)):
        if n:
            bad = con.execute(
                f"SELECT rowid + 1, refused_value FROM norm WHERE refused = {k} "
                "ORDER BY rowid LIMIT 5"
            ).fetchall()
            where = lines(bad[-1][0])  # in file order
            first = "; ".join(f"line {where.get(r, '?')}: {v!r}" for r, v in bad)
            raise IngestError(
                f"{field} {what}: {first}"
                + (f" (and {n - len(bad)} more rows)" if n > len(bad) else "")
                + "; nothing was stored"
            )


def _empty(raw: str) -> str:
    return f"coalesce(trim({raw}), '') = ''"


def _bad_optional(value: str, raw: str) -> str:
    """A number that is given (not empty) but unreadable, negative or NaN; the typed test comes
    first, so a good row never pays for trimming its text."""
    return f"({value} IS NULL AND NOT {_empty(raw)}) OR {value} < 0 OR isnan({value})"


# Raw texts are the cells as read (not trimmed): the typed value is tested first, and the text
# only for the few rows whose value is missing.
_ROW_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("type", f"type_code IS NULL AND {_empty('type_raw')}", "is empty"),
    ("date_start", f"ds IS NULL AND {_empty('ds_raw')}", "is empty"),
    ("date_start", "ds IS NULL", "is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    ("date_end", f"de IS NULL AND {_empty('de_raw')}", "is empty"),
    ("date_end", "de IS NULL", "is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    ("date_end", "de < ds", "is before date_start"),
    ("best", f"best IS NULL AND {_empty('best_raw')}", "is empty"),
    ("best", "best IS NULL OR best < 0 OR isnan(best)", "is not a non-negative number"),
    ("low", _bad_optional("low", "low_raw"), "is not a non-negative number"),
    ("high", _bad_optional("high", "high_raw"), "is not a non-negative number"),
    ("deaths_civilians", _bad_optional("civilians", "civ_raw"), "is not a non-negative number"),
    ("country", "country_raw IS NULL", "is empty"),
    (
        "country",
        "iso3 IS NULL AND ds IS NOT NULL",
        "is not a country code the crosswalk knows at the event's date",
    ),
)


_REPEATED = len(_ROW_CHECKS)
"""The `failed` index of a row whose event id an earlier accepted row of the file has."""


def _mark_repeated_ids(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Skip every row whose event id an earlier good row already has: the same event listed
    twice would otherwise count twice (decision 025). Returns, for each repeated id, the record
    number of the row that is kept. The check is one grouping of the ids; the rows are marked
    only when a repeat exists."""
    repeats = con.execute(
        "SELECT count(*) FROM (SELECT event_id FROM norm WHERE failed IS NULL "
        "AND event_id IS NOT NULL GROUP BY event_id HAVING count(*) > 1)"
    ).fetchone()
    if not repeats or not repeats[0]:
        return {}
    con.execute(
        f"""
        UPDATE norm SET failed = {_REPEATED}, failed_value = norm.event_id
        FROM (
            SELECT rowid AS rid FROM (
                SELECT rowid, row_number() OVER (PARTITION BY event_id ORDER BY rowid) AS k
                FROM norm WHERE failed IS NULL AND event_id IS NOT NULL
            ) WHERE k > 1
        ) later
        WHERE norm.rowid = later.rid
        """
    )
    rows = con.execute(
        f"SELECT event_id, min(rowid) + 1 FROM norm WHERE failed IS NULL AND event_id IN "
        f"(SELECT failed_value FROM norm WHERE failed = {_REPEATED}) GROUP BY event_id"
    ).fetchall()
    return {str(k): int(v) for k, v in rows}


def _first_failure_sql() -> str:
    """The index of the first `_ROW_CHECKS` entry a row fails, or NULL."""
    whens = " ".join(f"WHEN {test} THEN {i}" for i, (_, test, _) in enumerate(_ROW_CHECKS))
    return f"CASE {whens} END"


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

    if kind not in _MAPPERS:
        raise IngestError(f"unknown source kind {kind!r} (ucdp, acled, hxl)")
    path = Path(path)
    if not path.is_file():
        raise IngestError(f"{path}: no such file")
    db = db_path or events_db_path()
    step("reading header", 0)
    layout = _sniff(path, limits)
    mapping = _MAPPERS[kind](layout, path)
    keeper = _Keeper(path, db.parent / "raw", layout.gzipped)
    try:
        return _ingest(
            kind, path, db, layout, mapping, keeper, step, release, limits, candidate, coverage
        )
    finally:
        keeper.discard()


def _ingest(
    kind: SourceKind,
    path: Path,
    db: Path,
    layout: _Layout,
    mapping: _Mapping,
    keeper: _Keeper,
    step: Callable[[str, int], None],
    release: str | None,
    limits: IngestLimits,
    candidate: bool,
    coverage: Coverage,
) -> IngestReport:
    from protect.monitor.coverage import shown_sql
    from protect.monitor.panel import rebuild_panel

    with open_db(db) as con:
        con.execute("SET enable_progress_bar = false")

        def stored() -> tuple[Any, ...] | None:
            return con.execute(
                "SELECT release_id, release FROM releases WHERE sha256 = ? AND source = ?",
                [keeper.sha256(), kind],
            ).fetchone()

        # The rows are read while the file is hashed, and an already stored file is reported
        # unchanged afterwards (its staged rows go with the connection); a file ingested before
        # from the same path is checked first, as re-running the same ingest is the usual case.
        same_path = con.execute(
            "SELECT count(*) FROM releases WHERE path = ? AND source = ?",
            [str(path.resolve()), kind],
        ).fetchone()
        if same_path and same_path[0] and (existing := stored()) is not None:
            return _unchanged_report(con, kind, path, keeper.sha256(), existing[0], existing[1])
        step("reading rows", 1)
        unreadable: IngestError | None = None
        malformed = False
        try:
            malformed = _stage(con, path, layout, mapping, limits)
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

        _refuse_unknown(con, mapping, lines)
        first_of = _mark_repeated_ids(con)
        errors: list[tuple[int | None, str, str]] = [
            (reject_lines.get(pos), col or "(row)", f"{etype.lower()}: {msg}")
            for pos, col, etype, msg in rejects
        ]
        labels = {
            "type": mapping.type_field,
            "country": mapping.country_field,
            "best": mapping.best_field,
        }
        failed = con.execute(
            "SELECT rowid + 1, failed, failed_value FROM norm "
            "WHERE failed IS NOT NULL ORDER BY rowid"
        ).fetchall()
        if failed:
            where = lines(failed[-1][0])
            if first_of:
                where = lines(max(failed[-1][0], *first_of.values()))
            for record_no, idx, value in failed:
                if idx == _REPEATED:
                    line = where.get(first_of[value], "?")
                    text = f"event id {value!r} was already read on line {line}; counted once"
                    errors.append((where.get(record_no), "event_id", text))
                    continue
                field, _, what = _ROW_CHECKS[idx]
                label: str = labels.get(field) or field
                text = f"{label} {value!r} {what}" if value is not None else f"{label} {what}"
                errors.append((where.get(record_no), label, text))
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
            candidate
            or bool(_CANDIDATE_NAME.search(path.name))
            or all(bool(y[4]) for y in years)
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
                f"CREATE VIEW raw_{release_id} AS SELECT row_number() OVER () AS record_no, * "
                f"FROM {read_csv_sql(raw_file, layout, errors='skip', parallel=False)}"
            )
            # The events are read by key (release, country, record number), never by position:
            # letting DuckDB store them in any order lets it write them in parallel.
            con.execute("SET preserve_insertion_order = false")
            con.execute(
                f"""
                INSERT INTO events
                SELECT {release_id}, {_lit(kind)}, rowid + 1, event_id, iso3, gw, type_code,
                    (ds - DATE '1970-01-01')::INTEGER, (de - DATE '1970-01-01')::INTEGER,
                    year(ds) * 12 + month(ds) - 1, year(de) * 12 + month(de) - 1,
                    date_prec, where_prec,
                    best, least(coalesce(low, best), best), greatest(coalesce(high, best), best),
                    least(coalesce(civilians, 0), best),
                    side_a, side_b,
                    CASE WHEN type_code = 3 THEN coalesce(side_a, '(unknown perpetrator)') END,
                    type_code = 3 AND coalesce(perpetrator_is_gov, false),
                    type_code = 1 AND coalesce(side_a LIKE {_GOV}, false)
                        AND coalesce(side_b LIKE {_GOV}, false),
                    coalesce(candidate, false),
                    admin1, admin2,
                    CASE WHEN latitude BETWEEN -90 AND 90 THEN latitude END,
                    CASE WHEN longitude BETWEEN -180 AND 180 THEN longitude END
                FROM norm WHERE {good} AND type_code > 0
                """
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
                f"INSERT INTO release_years SELECT {release_id}, {_lit(kind)}, iso3, year, "
                f"events, {'true' if is_candidate else 'false'} OR any_candidate FROM stg_years"
            )
            con.execute(
                f"""
                INSERT INTO release_countries
                SELECT {release_id}, {_lit(kind)}, iso3, min(year(ds) * 12 + month(ds) - 1),
                       max(year(de) * 12 + month(de) - 1)
                FROM norm WHERE {good} GROUP BY iso3
                """
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
                + shown_sql(
                    "p.iso3 IN (SELECT iso3 FROM release_countries "
                    f"WHERE release_id = {int(release_id)})"
                )
                + f") WHERE release_id = {int(release_id)}"
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


def _check_value(field: str) -> str:
    return {
        "type": "type_raw",
        "date_start": "ds_raw",
        "date_end": "de_raw",
        "best": "best_raw",
        "low": "low_raw",
        "high": "high_raw",
        "deaths_civilians": "civ_raw",
        "country": "country_raw",
    }[field]


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
