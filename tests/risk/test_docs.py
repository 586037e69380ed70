"""The committed feature documentation lists exactly the features the models use."""

from __future__ import annotations

from pathlib import Path

from protect.risk.catalogue import features_markdown
from protect.risk.features import describe
from protect.risk.models import MODEL_NAMES, make_model
from protect.risk.sources import ewp_predictor_names

from .conftest import EXTRACT

DOC = Path(__file__).resolve().parents[2] / "docs" / "risk" / "features.md"


def test_features_doc_matches_the_models() -> None:
    table = features_markdown(ewp_predictor_names(EXTRACT))
    assert table in DOC.read_text(encoding="utf-8")


def test_every_feature_has_a_known_source() -> None:
    names = ewp_predictor_names(EXTRACT)
    for model in MODEL_NAMES:
        for feature in make_model(model, names).features:
            assert describe(feature).source != "unknown", feature
