"""The committed report can be reproduced: the full 1994-2024 backtest on the real sources
(about 4 minutes on two cores, so marked slow)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from protect.risk.api import backtest
from protect.service.riskview import BACKTEST_FILE

COMMITTED = BACKTEST_FILE  # shipped with the package, drawn on the country pages


@pytest.mark.slow
@pytest.mark.timeout(1800)
def test_full_backtest_reproduces_the_committed_report(full_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "bt.csv"
    scores = {s.model: s for s in backtest(out, sources=full_root)}
    published = scores["ewp_published"]
    assert (published.country_years, published.onsets) == (5032, 39)
    assert round(published.auc_roc, 3) == 0.838
    best = scores["protect_gbm"]
    assert best.auc_roc >= 0.85 and best.auc_pr >= 0.05
    keys = ["model", "year", "country"]
    new = pd.read_csv(out).sort_values(keys).reset_index(drop=True)
    old = pd.read_csv(COMMITTED).sort_values(keys).reset_index(drop=True)
    assert new[[*keys, "onset"]].equals(old[[*keys, "onset"]])
    np.testing.assert_allclose(new["risk"], old["risk"], rtol=1e-4, atol=1e-7)
