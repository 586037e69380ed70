"""Reading the raw risk sources (EWP, UCDP country-year) from the sources folder.

The files keep their published names and layout (`ewp/statrisk-2025/...`,
`ucdp-country-year/...`) so that the full data, a test extract and a user's own copy are read
by the same code. A missing file or column is a `RiskDataError` naming it, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from protect.risk.files import ACD, COEFFICIENTS, FOOS, PREDICTORS, UCDP_CY

ACD_COLUMNS = (
    "conflict_id",
    "year",
    "intensity_level",
    "incompatibility",
    "start_date2",
    "gwno_loc",
)

# The UCDP columns the features need; reading only these keeps memory and time low.
UCDP_COLUMNS = (
    "country_id_cy",
    "year_cy",
    "sb_total_deaths_best_cy",
    "sb_deaths_civilians_cy",
    "sb_dyad_count_cy",
    "ns_total_deaths_best_cy",
    "ns_deaths_civilians_cy",
    "ns_dyad_count_cy",
    "os_total_deaths_best_cy",
    "os_any_govt_killings_best_cy",
    "os_nsgroup_killings_best_cy",
    "os_dyad_count_cy",
    "os_dyad_ids_cy",
)
FOOS_COLUMNS = ("year", "ewp_name", "ccode", "mk_onset", "risk_prev")


class RiskDataError(ValueError):
    """A risk source file is missing or does not have the shape the model needs."""


@dataclass(frozen=True)
class RiskSources:
    """The raw tables, as read (no derived columns)."""

    predictors: pd.DataFrame
    predictor_names: tuple[str, ...]
    ucdp: pd.DataFrame
    foos: pd.DataFrame | None
    acd: pd.DataFrame | None = None


def _read_csv(
    root: Path, rel: Path, columns: tuple[str, ...] | None = None, *, as_text: bool = False
) -> pd.DataFrame:
    path = root / rel
    if not path.is_file():
        raise RiskDataError(f"{path}: file not found (expected under the sources folder {root})")
    try:
        frame = pd.read_csv(path, low_memory=False, dtype=str if as_text else None)
    except (OSError, ValueError) as exc:
        raise RiskDataError(f"{path}: cannot read as CSV: {exc}") from None
    if frame.columns[0] in ("", "Unnamed: 0"):
        frame = frame.drop(columns=frame.columns[0])
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise RiskDataError(f"{path}: missing column(s) {', '.join(missing)}")
        frame = frame.loc[:, list(columns)]
    return frame


def ewp_predictor_names(root: Path) -> tuple[str, ...]:
    """The predictors of EWP's published elastic-net model, in their file's order."""
    coef = _read_csv(root, COEFFICIENTS, ("variable", "coef.full"))
    names = [str(v) for v in coef["variable"] if str(v) != "(Intercept)"]
    if not names:
        raise RiskDataError(f"{root / COEFFICIENTS}: no predictors listed")
    return tuple(names)


def _check_numeric(frame: pd.DataFrame, path: Path, columns: tuple[str, ...]) -> None:
    for col in columns:
        converted = pd.to_numeric(frame[col], errors="coerce")
        bad = frame[col].notna() & converted.isna()
        if bad.any():
            line = int(bad.to_numpy().nonzero()[0][0]) + 2
            raise RiskDataError(f"{path}: line {line}: column {col} is not a number")
        frame[col] = converted


def load_sources(root: Path, *, with_foos: bool = True) -> RiskSources:
    """Read and check every file the risk model uses from `root`."""
    names = ewp_predictor_names(root)
    outcome = ("ewp_name", "ccode", "year", "mk_onset")
    pred = _read_csv(root, PREDICTORS, tuple(dict.fromkeys(outcome + names)))
    _check_numeric(pred, root / PREDICTORS, tuple(c for c in pred.columns if c != "ewp_name"))
    if pred["mk_onset"].isna().any():
        raise RiskDataError(f"{root / PREDICTORS}: mk_onset is empty on some rows")
    pred["ccode"] = pred["ccode"].astype(int)
    pred["year"] = pred["year"].astype(int)
    dup = pred.duplicated(["ccode", "year"])
    if dup.any():
        row = pred[dup].iloc[0]
        raise RiskDataError(
            f"{root / PREDICTORS}: duplicate country-year ccode={row['ccode']} year={row['year']}"
        )
    ucdp = _read_csv(root, UCDP_CY, UCDP_COLUMNS)
    _check_numeric(ucdp, root / UCDP_CY, tuple(c for c in UCDP_COLUMNS if c != "os_dyad_ids_cy"))
    ucdp["country_id_cy"] = ucdp["country_id_cy"].astype(int)
    ucdp["year_cy"] = ucdp["year_cy"].astype(int)
    foos = None
    if with_foos:
        foos = _read_csv(root, FOOS, FOOS_COLUMNS)
        _check_numeric(foos, root / FOOS, ("year", "ccode", "mk_onset", "risk_prev"))
        foos["ccode"] = foos["ccode"].astype(int)
        foos["year"] = foos["year"].astype(int)
    acd = None
    if (root / ACD).is_file():
        acd = _read_csv(root, ACD, ACD_COLUMNS, as_text=True)
        _check_numeric(acd, root / ACD, ("year", "intensity_level"))
        acd["year"] = acd["year"].astype(int)
    return RiskSources(predictors=pred, predictor_names=names, ucdp=ucdp, foos=foos, acd=acd)


def require_sources_dir() -> Path:
    """The configured sources folder, or a RiskDataError saying how to point at one."""
    from protect.config import ENV_SOURCES, sources_dir

    root = sources_dir()
    if root is None:
        raise RiskDataError(
            "no sources folder: the risk model needs the EWP and UCDP country-year files "
            f"(ewp/statrisk-2025/, ucdp-country-year/); set {ENV_SOURCES}=/path/to/data "
            "or place shared/data beside the checkout"
        )
    return root
