"""Where the risk sources live inside the sources folder, under their published names.

Kept apart from the readers (which need pandas) so that hashing the files a stored forecast
was made from stays cheap.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

EWP_DIR = Path("ewp") / "statrisk-2025"
PREDICTORS = EWP_DIR / "prepared2024predictors-2025-09-03.csv"
COEFFICIENTS = EWP_DIR / "coefficients_3Sep2025.csv"
FOOS = EWP_DIR / "FOOSforecasts_3Sep2025.csv"
EVENTS = EWP_DIR / "EWP mass killing events master list_2025.mk_events.csv"
UCDP_CY = Path("ucdp-country-year") / "organizedviolencecy_v25_1.csv"
# UCDP/PRIO Armed Conflict Dataset 25.1 (the repaired comma-separated copy); optional: without
# it the models that need armed-conflict features cannot be fitted, the others still can.
ACD = Path("ucdp-country-year") / "UcdpPrioConflict_v25_1.clean.csv"
# The files a forecast reads (their hash identifies the data a stored forecast was made from).
FORECAST_FILES = (PREDICTORS, COEFFICIENTS, UCDP_CY, ACD)


def files_hash(root: Path, files: Sequence[Path]) -> str:
    """SHA-256 over source files (a missing file hashes as absent)."""
    digest = hashlib.sha256()
    for rel in files:
        path = root / rel
        digest.update(str(rel).encode())
        digest.update(path.read_bytes() if path.is_file() else b"<absent>")
    return digest.hexdigest()
