"""The country-year panel: EWP predictors and UCDP violence dynamics, keyed by ISO3 and year.

A row for year y holds only what was observable by the end of y: UCDP lags and rolling maxima
look backwards, gaps in EWP predictors are filled from earlier years of the same country, never
later ones. The outcome columns (`onset_next1`, `onset_next2`, `onset_next1or2`) look forward
and are used only as training labels under the known-by rule of `backtest.label_known`.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from protect.knowledge.countries import iso3_for_cow, iso3_for_gw
from protect.risk.features import UCDP_COVERED, UCDP_DYNAMIC, ucdp_feature_names
from protect.risk.sources import RiskDataError, RiskSources

# EWP predictors that have gaps in the prepared file (filled from the country's earlier years).
_GAPPY = ("popsize.log2", "gdppcgrowth", "un_imr_sqrt")
NEW_PERPETRATOR_GAP = 3


def gw_iso3(gw: int, year: int) -> str | None:
    """ISO3 for a UCDP GW country-year: the holder at mid-year, else at either end of the year
    (a state born or dissolved during the year, such as South Sudan in 2011)."""
    for day in (dt.date(year, 7, 1), dt.date(year, 12, 31), dt.date(year, 1, 1)):
        iso = iso3_for_gw(gw, day)
        if iso is not None:
            return iso
    return None


def _new_perpetrators(ids: pd.Series, years: pd.Series) -> list[int]:
    """Per year, one-sided dyads active that year and not in the `NEW_PERPETRATOR_GAP` before."""
    last_seen: dict[str, int] = {}
    out: list[int] = []
    for raw, year in zip(ids, years, strict=True):
        active = {s.strip() for s in str(raw).split(";")} - {"NO_DYAD", "nan", ""}
        new = sum(1 for d in active if year - last_seen.get(d, -10_000) > NEW_PERPETRATOR_GAP)
        for d in active:
            last_seen[d] = year
        out.append(new)
    return out


def ucdp_features(ucdp: pd.DataFrame) -> pd.DataFrame:
    """UCDP measures per ISO3-year, computed on each GW series with backward windows only.

    Each GW code gets every year from its first to its last row (a missing year counts as no
    violence) so that changes and rolling peaks compare consecutive years.
    """
    span = ucdp.groupby("country_id_cy")["year_cy"].agg(["min", "max"])
    grid = pd.DataFrame(
        [
            (int(gw), y)
            for gw, lo, hi in zip(span.index, span["min"], span["max"], strict=True)
            for y in range(int(lo), int(hi) + 1)
        ],
        columns=["gw", "year"],
    )
    raw = ucdp.rename(columns={"country_id_cy": "gw", "year_cy": "year"})
    g = grid.merge(raw, on=["gw", "year"], how="left", validate="one_to_one")
    num = g.drop(columns=["gw", "year", "os_dyad_ids_cy"]).fillna(0.0)
    os_, sb, ns = (
        num["os_total_deaths_best_cy"],
        num["sb_total_deaths_best_cy"],
        num["ns_total_deaths_best_cy"],
    )
    civ = os_ + num["sb_deaths_civilians_cy"] + num["ns_deaths_civilians_cy"]
    f = pd.DataFrame(
        {
            "ucdp_os_deaths": np.log1p(os_),
            "ucdp_os_govt": np.log1p(num["os_any_govt_killings_best_cy"]),
            "ucdp_os_nonstate": np.log1p(num["os_nsgroup_killings_best_cy"]),
            "ucdp_sb_deaths": np.log1p(sb),
            "ucdp_ns_deaths": np.log1p(ns),
            "ucdp_os_dyads": num["os_dyad_count_cy"],
            "ucdp_sb_dyads": num["sb_dyad_count_cy"],
            "ucdp_ns_dyads": num["ns_dyad_count_cy"],
            "ucdp_sb_civilians": np.log1p(num["sb_deaths_civilians_cy"]),
            "ucdp_ns_civilians": np.log1p(num["ns_deaths_civilians_cy"]),
            "ucdp_civilian_deaths": np.log1p(civ),
            "ucdp_all_deaths": np.log1p(os_ + sb + ns),
        }
    )
    new: list[int] = []
    for _, part in g.groupby("gw", sort=False):
        new += _new_perpetrators(part["os_dyad_ids_cy"], part["year"])
    f["ucdp_os_new_perpetrators"] = new
    by = f.groupby(g["gw"], sort=False)
    extra: dict[str, pd.Series] = {}
    for base in UCDP_DYNAMIC:
        s = f[base]
        extra[f"{base}_change1"] = s - by[base].shift(1, fill_value=0.0)
        for w in (3, 5):
            peak = by[base].rolling(w, min_periods=1).max()
            extra[f"{base}_max{w}"] = peak.reset_index(level=0, drop=True).reindex(f.index)
    f = pd.concat([f, pd.DataFrame(extra)], axis=1)
    f["year"] = g["year"].astype(int)
    f["country"] = [gw_iso3(int(gw), int(y)) for gw, y in zip(g["gw"], g["year"], strict=True)]
    unmapped = f["country"].isna()
    if unmapped.any():
        i = int(np.flatnonzero(unmapped.to_numpy())[0])
        raise RiskDataError(
            f"UCDP country_id_cy {int(g['gw'].iloc[i])} in {int(g['year'].iloc[i])} has no "
            "ISO3 code in protect.knowledge.countries"
        )
    dup = f.duplicated(["country", "year"])
    if dup.any():
        row = f[dup].iloc[0]
        raise RiskDataError(f"UCDP: two GW codes map to {row['country']} in {row['year']}")
    return f


def build_panel(sources: RiskSources) -> pd.DataFrame:
    """One row per EWP country-year with ISO3, features of that year and forward outcomes."""
    pred = sources.predictors.sort_values(["ccode", "year"]).reset_index(drop=True)
    countries: list[str] = []
    for ccode, year in zip(pred["ccode"], pred["year"], strict=True):
        iso = iso3_for_cow(int(ccode), int(year))
        if iso is None:
            raise RiskDataError(
                f"EWP ccode {ccode} in {year} has no ISO3 code in protect.knowledge.countries"
            )
        countries.append(iso)
    panel = pred.rename(columns={"ewp_name": "name", "ccode": "entity"})
    panel.insert(0, "country", countries)
    for col in _GAPPY:
        if col in panel.columns:
            panel[col] = panel.groupby("entity")[col].ffill()
    ucdp = ucdp_features(sources.ucdp)
    first_ucdp = int(ucdp["year"].min()) if len(ucdp) else 10_000
    panel = panel.merge(ucdp, on=["country", "year"], how="left", validate="one_to_one")
    names = [n for n in ucdp_feature_names() if n != UCDP_COVERED]
    covered = panel["year"] >= first_ucdp
    panel[names] = panel[names].fillna(0.0)
    panel[UCDP_COVERED] = covered.astype(float)
    if sources.acd is not None:
        from protect.risk.conflict import ACD_FEATURES, acd_features

        acd = acd_features(sources.acd, int(panel["year"].min()))
        panel = panel.merge(acd, on=["country", "year"], how="left", validate="one_to_one")
        panel[list(ACD_FEATURES)] = panel[list(ACD_FEATURES)].fillna(0.0)
    panel = panel.sort_values(["entity", "year"]).reset_index(drop=True)
    by = panel.groupby("entity")
    for h in (1, 2):
        nxt = by["mk_onset"].shift(-h)
        exact = by["year"].shift(-h) == panel["year"] + h
        panel[f"onset_next{h}"] = nxt.where(exact)
    both = panel[["onset_next1", "onset_next2"]]
    panel["onset_next1or2"] = both.max(axis=1).where(both.notna().all(axis=1))
    return panel
