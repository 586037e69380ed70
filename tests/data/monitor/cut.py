"""How the extracts in this folder were cut from `../shared/data` (re-run from the repo root).

Each keeps the source file's header, its HXL row (when it has one), its line ends and its
values as written; only rows are selected.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "data"
OUT = Path(__file__).resolve().parent


def cut(
    src: Path,
    dst: str,
    keep: Callable[[dict[str, str]], bool],
    limit: int | None = None,
    hxl: bool = False,
) -> None:
    raw = src.read_bytes()
    eol = "\r\n" if b"\r\n" in raw[:4096] else "\n"
    with open(src, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        tags = next(reader) if hxl else None
        rows = [r for r in reader if keep(dict(zip(header, r, strict=False)))]
    if limit is not None:
        rows = rows[:limit]
    with open(OUT / dst, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator=eol)
        writer.writerow(header)
        if tags is not None:
            writer.writerow(tags)
        writer.writerows(rows)
    print(dst, len(rows), (OUT / dst).stat().st_size, file=sys.stderr)


def main() -> None:
    ged = SHARED / "ucdp-ged"
    cut(
        ged / "GEDEvent_v23_1_car.csv",
        "ged231_car_2013_2014.csv",
        lambda r: r["date_start"][:4] in ("2013", "2014"),
    )
    cut(
        ged / "conflict_data_nga.csv",
        "hdx201_nga_2014h1.csv",
        lambda r: "2014-01" <= r["date_start"][:7] <= "2014-06",
        hxl=True,
    )
    cut(
        ged / "conflict_data_col.csv",
        "hdx191_col_2002h1.csv",
        lambda r: "2002-01" <= r["date_start"][:7] <= "2002-06",
        hxl=True,
    )
    cut(
        ged / "conflict_data_ukr.csv",
        "hdx221_ukr_2014_08.csv",
        lambda r: r["date_start"][:7] == "2014-08",
        hxl=True,
    )
    cut(
        ged / "ucdp.csv",
        "ucdp_sudan_dmy_2023q2.csv",
        lambda r: r["date_start"][-4:] == "2023" and r["date_start"][3:5] in ("04", "05", "06"),
    )
    cut(
        ged / "ucdp_sudan.csv",
        "ucdp_sudan_candidates_2024q3.csv",
        lambda r: r["date_start"][:7] in ("2024-07", "2024-08", "2024-09"),
    )
    cut(
        ged / "ged191.csv",
        "ged191_mmr_2016_2018.csv",
        lambda r: r["country_id"] == "775" and r["date_start"][:4] in ("2016", "2017", "2018"),
    )
    acled = SHARED / "acled" / "acled_old_deletion_dummy.csv"
    types: dict[str, int] = {}

    def some_of_each(r: dict[str, str]) -> bool:
        n = types.get(r["event_type"], 0)
        types[r["event_type"]] = n + 1
        return n < 60

    cut(acled, "acled_2022h1_sample.csv", some_of_each)


if __name__ == "__main__":
    main()
