"""Country-code joins: EWP (COW) and UCDP (GW) meet on ISO3-year through
protect.knowledge.countries, including the states whose codes differ or change."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from protect.risk.panel import build_panel, gw_iso3, ucdp_features
from protect.risk.sources import load_sources


@pytest.mark.parametrize(
    ("gw", "year", "iso3"),
    [
        (260, 2000, "DEU"),  # Germany: GW 260, COW 255
        (678, 2015, "YEM"),  # Yemen: UCDP's GW 678, COW 679
        (345, 1999, "YUG"),  # GW 345: Yugoslavia, Serbia and Montenegro, then Serbia
        (345, 2004, "SCG"),
        (345, 2010, "SRB"),
        (816, 2000, "VNM"),  # Vietnam: GW 816 here, COW 816
        (626, 2011, "SSD"),  # independent in July 2011: held at the end of the year
        (365, 1990, "SUN"),
        (365, 1995, "RUS"),
    ],
)
def test_gw_codes(gw: int, year: int, iso3: str) -> None:
    assert gw_iso3(gw, year) == iso3


def _row(panel: pd.DataFrame, entity: int, year: int) -> pd.Series:
    hit = panel[(panel["entity"] == entity) & (panel["year"] == year)]
    assert len(hit) == 1, (entity, year)
    return hit.iloc[0]


def test_extract_panel_joins_differently_coded_states(extract_panel: pd.DataFrame) -> None:
    # EWP's Yemen (COW 679) gets UCDP's Yemen (GW 678): the 2015 war is visible.
    yemen = _row(extract_panel, 679, 2015)
    assert yemen["country"] == "YEM"
    assert yemen["ucdp_sb_deaths"] > 8  # log1p of several thousand battle deaths
    # COW 345 in 1999 is Yugoslavia, joined to GW 345 (the Kosovo war).
    yug = _row(extract_panel, 345, 1999)
    assert (yug["country"], yug["ucdp_sb_deaths"] > 5) == ("YUG", True)
    assert _row(extract_panel, 345, 2010)["country"] == "SRB"
    # Germany (COW 255) is DEU every year and never at war after 1991.
    assert set(extract_panel.loc[extract_panel["entity"] == 255, "country"]) == {"DEU"}
    assert _row(extract_panel, 255, 2010)["ucdp_sb_deaths"] == 0
    # Before UCDP's first year the violence features are zero and flagged as not covered.
    early = _row(extract_panel, 625, 1985)
    assert (early["ucdp_covered"], early["ucdp_os_deaths"]) == (0.0, 0.0)
    assert _row(extract_panel, 625, 2004)["ucdp_os_govt"] > 5  # Darfur


def test_ucdp_values_are_the_source_values(extract_sources: object) -> None:
    src = load_sources(Path(__file__).resolve().parent.parent / "data" / "risk")
    feats = ucdp_features(src.ucdp).set_index(["country", "year"])
    raw = src.ucdp[(src.ucdp["country_id_cy"] == 625) & (src.ucdp["year_cy"] == 2004)].iloc[0]
    import numpy as np

    assert feats.loc[("SDN", 2004), "ucdp_os_deaths"] == pytest.approx(
        np.log1p(raw["os_total_deaths_best_cy"])
    )


def test_every_ewp_country_year_finds_its_ucdp_row(full_root: Path) -> None:
    """On the full data, each EWP country-year from 1989 has a UCDP row (no silent zeros).

    The one known gap: UCDP starts Croatia and Slovenia in 1992 and books their 1991 wars under
    Yugoslavia (GW 345), while EWP (COW) counts both as states from 1991.
    """
    src = load_sources(full_root, with_foos=False)
    panel = build_panel(src)
    ucdp = ucdp_features(src.ucdp)
    have = set(zip(ucdp["country"], ucdp["year"], strict=True))
    recent = panel[panel["year"] >= 1989]
    missing = [k for k in zip(recent["country"], recent["year"], strict=True) if k not in have]
    assert sorted(missing) == [("HRV", 1991), ("SVN", 1991)]
    # And the outcome labels derived here equal EWP's own lead columns.
    raw = pd.read_csv(full_root / "ewp" / "statrisk-2025" / "prepared2024predictors-2025-09-03.csv")
    both = panel.merge(
        raw[["ccode", "year", "mk_onset_1", "mk_onset_1or2"]].rename(columns={"ccode": "entity"}),
        on=["entity", "year"],
    )
    known = both["onset_next1or2"].notna()
    assert (both.loc[known, "onset_next1or2"] == both.loc[known, "mk_onset_1or2"]).all()
    assert both["onset_next1"].fillna(-1).equals(both["mk_onset_1"].fillna(-1))


@pytest.mark.parametrize(
    ("cow", "year", "iso3"),
    [
        (255, 2000, "DEU"),  # EWP codes Germany 255 in every year
        (679, 2000, "YEM"),  # unified Yemen: COW 679 (UCDP's GW 678)
        (678, 1985, "YEM"),  # the Yemen Arab Republic before unification
        (345, 1999, "YUG"),
        (345, 2004, "SCG"),
        (345, 2010, "SRB"),
        (816, 2000, "VNM"),
        (365, 1991, "SUN"),
        (365, 1992, "RUS"),
    ],
)
def test_cow_codes_used_by_the_panel(
    extract_panel: pd.DataFrame, cow: int, year: int, iso3: str
) -> None:
    assert _row(extract_panel, cow, year)["country"] == iso3
