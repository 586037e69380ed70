"""Check that a change to the ingest keeps every message, count and figure: ingest real files with
randomly corrupted cells (and, for odd seeds, a few truncated rows) with the ingest module of a
git revision and with the working tree's, side by side, and print every difference.

Run: .venv/bin/python scripts/compare_ingest.py --rev HEAD~1 [--skip-cell nan] \
         ucdp:../shared/data/ucdp-ged/ged_syria.csv acled:tests/data/monitor/acled_2022h1_sample.csv

Each file is `kind:path` (kind: ucdp, acled or hxl). Compared: the ingest report (rows read,
loaded, skipped, each error's line, field and message, countries, months), every stored event,
and the panel. Used for decision 024; the corruptions are the cell values real files get wrong.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import math
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb

import protect.monitor.ingest as current

BAD_CELLS = [
    "", " ", "abc", "-5", "nan", "3.0", " 12 ", "1e2", "-0", "99", "0", "x1", "\t5",
    "2013-13-45", "2013-02-30", "1/2/2013", "31/12/2013", "12/31/2013", " 05/01/2013 ",
    "  2013-01-05 ", "2013-1-5", " 2013-1-5", "\t2013-01-05", "2013-01-05T00:00:00",
    "2013-01-05 00:00:00.000", "2013-01-05 junk", " 2013-01-05x", " 2013-01-05T10:00",
    "2013-01-05x",
]  # fmt: skip
TYPE_CELLS = ["", " ", " 1 ", "2.0", "3"]
COLUMNS = [
    "type_of_violence", "date_start", "date_end", "best", "low", "high", "deaths_civilians",
    "country_id", "code_status", "side_a", "event_date", "fatalities", "iso",
]  # fmt: skip


def reference_module(rev: str) -> ModuleType:
    """The ingest module as it was at `rev`, imported under another name."""
    text = subprocess.run(
        ["git", "show", f"{rev}:src/protect/monitor/ingest.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "ingest_reference.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("ingest_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ingest_reference"] = module
    spec.loader.exec_module(module)
    return module


def corrupt(src: Path, dst: Path, seed: int, cells: int, skip: frozenset[str]) -> None:
    rnd = random.Random(seed)
    bad = [c for c in BAD_CELLS if c not in skip]
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    first = 1 if body and any(c.startswith("#") for c in body[0]) else 0  # keep an HXL row
    targets = [header.index(c) for c in COLUMNS if c in header]
    for _ in range(cells):
        r, c = rnd.randrange(first, len(body)), rnd.choice(targets)
        body[r][c] = rnd.choice(TYPE_CELLS if header[c] == "type_of_violence" else bad)
    if seed % 2:
        for _ in range(3):
            r = rnd.randrange(first, len(body))
            body[r] = body[r][:7]
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *body])


def _plain(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """NaN compares unequal to itself; spell it so that equal tables compare equal."""
    return [tuple("nan" if isinstance(x, float) and math.isnan(x) else x for x in r) for r in rows]


def run(module: ModuleType, kind: str, path: Path, work: Path) -> tuple[Any, ...]:
    db = work / "events.duckdb"
    for f in (db, db.with_suffix(".duckdb.wal")):
        f.unlink(missing_ok=True)
    shutil.rmtree(work / "raw", ignore_errors=True)
    try:
        report = module.ingest(kind, path, db_path=db)
    except module.IngestError as exc:
        return ("refused", str(exc))
    con = duckdb.connect(str(db), read_only=True)
    events = _plain(con.execute("SELECT * EXCLUDE (release_id) FROM events ORDER BY 2").fetchall())
    panel = _plain(con.execute("SELECT * FROM panel ORDER BY ALL").fetchall())
    con.close()
    doc = report.model_dump(exclude={"sha256", "path"})
    return ("loaded", doc, events, panel)


def differences(a: tuple[Any, ...], b: tuple[Any, ...]) -> list[str]:
    if a[0] != b[0] or a[0] == "refused":
        return [] if a == b else [f"reference: {str(a)[:300]}", f"now: {str(b)[:300]}"]
    out = []
    errors_a = {(e["line"], e["field"], e["message"]) for e in a[1]["errors"]}
    errors_b = {(e["line"], e["field"], e["message"]) for e in b[1]["errors"]}
    out += [f"only in reference: {e}" for e in sorted(errors_a - errors_b, key=str)]
    out += [f"only now: {e}" for e in sorted(errors_b - errors_a, key=str)]
    out += [
        f"{k}: {a[1][k]!r} -> {b[1][k]!r}" for k in a[1] if k != "errors" and a[1][k] != b[1][k]
    ]
    if a[2] != b[2]:
        out.append(f"events differ ({len(a[2])} -> {len(b[2])} rows)")
    if a[3] != b[3]:
        out.append(f"panels differ ({len(a[3])} -> {len(b[3])} rows)")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("files", nargs="+", help="kind:path, e.g. ucdp:ged.csv")
    ap.add_argument("--rev", required=True, help="git revision of the reference ingest")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cells", type=int, default=300, help="cells corrupted per copy")
    ap.add_argument(
        "--skip-cell",
        action="append",
        default=[],
        help="a corruption to leave out, e.g. nan against a revision before NaN was a bad value",
    )
    args = ap.parse_args()
    reference = reference_module(args.rev)
    work = Path(tempfile.mkdtemp(prefix="protect-compare-"))
    differing = 0
    for spec in args.files:
        kind, _, name = spec.partition(":")
        for seed in range(args.seeds):
            copy = work / f"{seed}_{Path(name).name}"
            corrupt(Path(name), copy, seed, args.cells, frozenset(args.skip_cell))
            a = run(reference, kind, copy, work)
            b = run(current, kind, copy, work)
            found = differences(a, b)
            rows = a[1]["rows_loaded"] if a[0] == "loaded" else a[1][:60]
            verdict = "DIFFERENT" if found else "same"
            print(f"{verdict:9s} {kind} {Path(name).name} seed {seed}: {rows}")
            for line in found[:12]:
                print(f"    {line}")
            differing += bool(found)
    print(f"{differing} of {len(args.files) * args.seeds} corrupted copies differ")
    shutil.rmtree(work, ignore_errors=True)
    return 1 if differing else 0


if __name__ == "__main__":
    raise SystemExit(main())
