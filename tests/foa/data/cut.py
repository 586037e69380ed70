"""Cut the risk extracts of tests/foa/data/risk from the shared data folder
(`PROTECT_SOURCES`, or `shared/data` beside the checkout; run from the repository root): the
EWP predictor rows and UCDP country-year rows of four countries, 2009-2017, with their files'
headers and values as published; the coefficients file whole."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

OUT = Path("tests") / "foa" / "data" / "risk"
# Myanmar, Burundi, Central African Republic, South Sudan: COW and GW codes coincide here.
CODES = {"775", "516", "482", "626"}
YEARS = {str(y) for y in range(2009, 2018)}


def cut(src: Path, dst: Path, code: str, year: str) -> int:
    dst.parent.mkdir(parents=True, exist_ok=True)
    with (
        src.open(newline="", encoding="utf-8") as fin,
        dst.open("w", newline="", encoding="utf-8") as fout,
    ):
        reader = csv.reader(fin)
        writer = csv.writer(fout, lineterminator="\n")
        header = next(reader)
        writer.writerow(header)
        c, y = header.index(code), header.index(year)
        n = 0
        for row in reader:
            if row[c] in CODES and row[y] in YEARS:
                writer.writerow(row)
                n += 1
    return n


if __name__ == "__main__":
    from protect.config import sources_dir

    SHARED = sources_dir()
    assert SHARED is not None, "no shared data folder"
    ewp = Path("ewp") / "statrisk-2025"
    print(
        cut(
            SHARED / ewp / "prepared2024predictors-2025-09-03.csv",
            OUT / ewp / "prepared2024predictors-2025-09-03.csv",
            "ccode",
            "year",
        )
    )
    shutil.copyfile(
        SHARED / ewp / "coefficients_3Sep2025.csv", OUT / ewp / "coefficients_3Sep2025.csv"
    )
    ucdp = Path("ucdp-country-year") / "organizedviolencecy_v25_1.csv"
    print(cut(SHARED / ucdp, OUT / ucdp, "country_id_cy", "year_cy"))
