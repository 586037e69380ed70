"""UCDP/PRIO armed-conflict features per country-year: is there a war, a conflict over
government, a conflict episode that began this year, and how many conflicts are located there.

The Armed Conflict Dataset lists one row per conflict and year with at least 25 battle deaths,
from 1946, so unlike the organized-violence file it covers every EWP year from 1960. A conflict
counts for each state named in its location (`gwno_loc`, comma-separated GW numbers); a
location that was not a state that year is skipped, as EWP has no row for it. Each row
describes its own year only, so no feature of year y depends on anything dated later.
"""

from __future__ import annotations

import pandas as pd

from protect.risk.files import ACD
from protect.risk.sources import RiskDataError

# Feature name -> label shown to readers (the unit is in the label).
ACD_FEATURES: dict[str, str] = {
    "acd_conflicts": "armed conflicts located in the country (count, 25+ battle deaths each)",
    "acd_war": "an armed conflict in the country reached war intensity (1,000+ battle deaths)",
    "acd_govt_conflict": "an armed conflict over control of the government",
    "acd_new_episode": "an armed-conflict episode began in the country that year",
}
WAR_INTENSITY = 2  # UCDP/PRIO intensity_level 2: at least 1,000 battle-related deaths
GOVERNMENT = ("2", "3")  # incompatibility: government, or government and territory


def acd_features(acd: pd.DataFrame, first_year: int) -> pd.DataFrame:
    """One row per ISO3-year from `first_year` with a conflict located there (others are 0)."""
    from protect.risk.panel import gw_iso3

    rows: list[tuple[str, int, int, int, int, int]] = []
    for conflict, year, intensity, incompat, start2, loc in zip(
        acd["conflict_id"],
        acd["year"],
        acd["intensity_level"],
        acd["incompatibility"],
        acd["start_date2"],
        acd["gwno_loc"],
        strict=True,
    ):
        y = int(year)
        if y < first_year:
            continue
        new = int(str(start2)[:4] == str(y))
        for part in str(loc).split(","):
            if not part.strip():
                continue
            try:
                gw = int(part.strip())
            except ValueError:
                raise RiskDataError(
                    f"{ACD}: conflict {conflict} in {y}: gwno_loc {loc!r} is not a GW number list"
                ) from None
            iso = gw_iso3(gw, y)
            if iso is None:
                # Not a state that year (a colonial war before independence, such as Aden in
                # 1964): EWP has no row for it either.
                continue
            war = int(int(intensity) >= WAR_INTENSITY)
            govt = int(str(incompat).strip() in GOVERNMENT)
            rows.append((iso, y, 1, war, govt, new))
    frame = pd.DataFrame(
        rows,
        columns=[
            "country",
            "year",
            "acd_conflicts",
            "acd_war",
            "acd_govt_conflict",
            "acd_new_episode",
        ],
    )
    return frame.groupby(["country", "year"], as_index=False).agg(
        acd_conflicts=("acd_conflicts", "sum"),
        acd_war=("acd_war", "max"),
        acd_govt_conflict=("acd_govt_conflict", "max"),
        acd_new_episode=("acd_new_episode", "max"),
    )
