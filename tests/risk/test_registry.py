"""The store keeps the risk record honest: variants are registered before they are scored, a
model is frozen only once scored, forecasts are dated, hashed, served from the store and never
changed, and each is scored once its outcome is known."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from protect.cli.main import app
from protect.risk.api import forecast
from protect.risk.catalogue import candidates
from protect.risk.sources import ewp_predictor_names
from protect.service import risk
from protect.service.errors import InvalidInputError
from protect.service.roles import local_operator
from protect.storage import Database

from .conftest import EXTRACT

ME = local_operator()


def test_a_forecast_is_stored_once_dated_hashed_and_then_read(store: Database) -> None:
    first = risk.issue_forecast(store, ME, 2025, EXTRACT)
    assert first.model == "gbm" and first.current
    # The default variant is the model the shipped forecasts of record were frozen with: a new
    # store says so by its hash before it has run the nested backtest itself.
    assert first.model_hash in risk.frozen_of_record() and first.frozen
    assert first.rows == forecast(2025, model="gbm", sources=EXTRACT)
    dumped = [r.model_dump(mode="json") for r in first.rows]
    assert first.forecast_hash == risk.forecast_hash(
        first.model_hash, first.data_hash, 2025, dumped
    )
    again = risk.issue_forecast(store, ME, 2025, EXTRACT)
    assert (again.id, again.computed_at, again.forecast_hash) == (
        first.id,
        first.computed_at,
        first.forecast_hash,
    )
    assert len(risk.forecasts(store)) == 1
    for statement in ("UPDATE risk_forecasts SET year = 1999", "DELETE FROM risk_forecasts"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as conn:
            conn.execute(text(statement))


def test_changed_sources_give_a_new_forecast(store: Database, tmp_path: Path) -> None:
    import shutil

    first = risk.issue_forecast(store, ME, 2025, EXTRACT)
    root = tmp_path / "src"
    shutil.copytree(EXTRACT, root)
    path = root / "ucdp-country-year" / "organizedviolencecy_v25_1.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert risk.stored_forecast(store, 2025, root) is None  # not served for other data
    second = risk.issue_forecast(store, ME, 2025, root)
    assert second.id != first.id and second.data_hash != first.data_hash


def test_each_forecast_is_scored_once_when_its_outcome_is_known(store: Database) -> None:
    past = risk.issue_forecast(store, ME, 2013, EXTRACT)
    risk.issue_forecast(store, ME, 2025, EXTRACT)  # 2025 is not coded yet
    done = risk.score_forecasts(store, ME, EXTRACT)
    assert [d.forecast_id for d in done] == [past.id]
    scores = done[0].scores
    syria = next(r for r in past.rows if r.country == "SYR")
    assert scores["onsets"] == sum(1 for r in past.rows if r.onset == 1) >= 1
    assert scores["onset_ranks"].get("SYR") in (None, syria.rank)  # Syria 2013 not an onset
    assert risk.score_forecasts(store, ME, EXTRACT) == []  # never twice
    record = risk.forecasts(store)
    assert [(f.year, s is not None) for f, s in record] == [(2013, True), (2025, False)]


def test_scores_need_a_registered_variant_and_freezing_needs_a_score(store: Database) -> None:
    names = ewp_predictor_names(EXTRACT)
    variants = candidates(names)
    with pytest.raises(InvalidInputError, match="not registered"):
        risk.record_scores(store, ME, "test", "data", {variants[1].spec_hash(): {"auc_pr": 0.1}})
    registered = risk.register(store, ME, variants)
    assert [r.new for r in registered] == [True] * len(variants)
    assert [r.new for r in risk.register(store, ME, variants)] == [False] * len(variants)
    acd = registered[1]
    with pytest.raises(InvalidInputError, match="no backtest score"):
        risk.freeze(store, ME, acd.spec_hash, {})
    before = risk.issue_forecast(store, ME, 2024, EXTRACT)  # by the default model
    assert before.model == "gbm" and before.model_hash in risk.frozen_of_record()
    risk.record_scores(store, ME, "test", "data", {acd.spec_hash: {"auc_pr": 0.1}})
    risk.freeze(store, ME, acd.spec_hash, {"chosen_by": "test"})
    assert risk.stored_forecast(store, 2024, EXTRACT) is None  # not the frozen model's
    assert risk.serving_model(store, EXTRACT)[:2] == ("gbm_acd", acd.spec_hash)
    issued = risk.issue_forecast(store, ME, 2024, EXTRACT)
    assert issued.frozen and issued.model == "gbm_acd" and issued.model_hash == acd.spec_hash
    assert len(risk.forecasts(store)) == 2  # the default model's forecast stays in the record


def test_cli_forecast_score_and_record(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["risk", "forecast", "--year", "2013", "--format", "json", "--top", "3"]
    out = runner.invoke(app, [*args, "--sources", str(EXTRACT)])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert len(data["rows"]) == 3 and data["computed_at"] and data["forecast_hash"]
    text_out = runner.invoke(
        app,
        ["risk", "forecast", "--year", "2013", "--sources", str(EXTRACT)],
        env={"COLUMNS": "300"},
    )
    assert text_out.exit_code == 0 and data["forecast_hash"][:12] in text_out.stdout
    scored = runner.invoke(app, ["risk", "score", "--sources", str(EXTRACT)])
    assert scored.exit_code == 0 and "forecast 1 (2013" in scored.stdout
    record = runner.invoke(app, ["risk", "record", "--format", "json"])
    assert json.loads(record.stdout)[0]["score"]["scores"]["countries"] > 20
    bad = runner.invoke(app, ["risk", "forecast", "--year", "2031", "--sources", str(EXTRACT)])
    assert bad.exit_code == 2 and "year 2031" in bad.stderr and "Traceback" not in bad.output


def test_serving_a_stored_forecast_needs_no_model_code(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'fast.sqlite3'}")
    stored = risk.issue_forecast(db, ME, 2025, EXTRACT)
    db.dispose()
    script = (
        "import sys; from pathlib import Path; from protect.storage import Database;"
        "from protect.service.risk import stored_forecast;"
        f"f = stored_forecast(Database({db.url!r}), 2025, Path({str(EXTRACT)!r}));"
        "print(f.id, 'pandas' in sys.modules, 'lightgbm' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(stored.id), "False", "False"]


def test_evaluate_registers_before_scoring_and_freezes_the_rule_s_pick(
    store: Database, tmp_path: Path
) -> None:
    from sqlalchemy import select

    from protect.storage.models import RiskFrozenModel, RiskVariant, RiskVariantScore

    out = tmp_path / "docs"
    result = risk.evaluate(
        store,
        ME,
        EXTRACT,
        tmp_path / "cache",
        out,
        draws=50,
        years=range(2011, 2014),
        seed_sets=2,
    )
    sets = result["seed_sets"]
    assert len(sets) == 2 and sets[0]["seeds"] == [0, 1, 2, 3, 4]
    assert set(sets[0]["metrics"]) == {
        "gbm",
        "gbm_acd",
        "enet",
        "blend",
        "gbm_nb",
        "nested",
        "ewp_published",
    }
    assert "gbm_nb-gbm|year" in sets[0]["bootstrap"]
    # enet has no seeds: identical in both sets; the boosted models differ.
    assert sets[0]["metrics"]["enet"] == sets[1]["metrics"]["enet"]
    with store.reading() as session:
        variants = {v.id: v for v in session.scalars(select(RiskVariant))}
        scores = list(session.scalars(select(RiskVariantScore)))
        frozen = session.scalars(select(RiskFrozenModel)).one()
    assert len(variants) == 5 and len(scores) == 5
    for s in scores:
        assert risk.audit.aware(variants[s.variant_id].registered_at) <= risk.audit.aware(
            s.scored_at
        )
    assert variants[frozen.variant_id].name == sets[0]["choice_next"] == result["frozen"]["name"]
    text = (out / "evaluation.md").read_text(encoding="utf-8")
    assert "## What the evidence supports" in text and "## Prospective record" in text
    assert json.loads((out / "evaluation.json").read_text())["evaluation"] == result["evaluation"]
    issued = risk.issue_forecast(store, ME, 2025, EXTRACT)
    assert issued.frozen and issued.model == result["frozen"]["name"]
    # A second evaluation under the same code registers nothing new, scores again (from the
    # cache), and freezes nothing new when the rule picks the model already frozen.
    again = risk.evaluate(
        store, ME, EXTRACT, tmp_path / "cache", out, draws=50, years=range(2011, 2014), seed_sets=2
    )
    with store.reading() as session:
        assert len(list(session.scalars(select(RiskVariant)))) == 5
        assert len(list(session.scalars(select(RiskVariantScore)))) == 10
        assert session.scalars(select(RiskFrozenModel)).one().id == frozen.id
    assert again["frozen"]["new"] is False and result["frozen"]["new"] is True
    assert "kept: the rule picked the model already frozen" in (out / "evaluation.md").read_text()
    assert not any(
        r.new for r in risk.register(store, ME, candidates(ewp_predictor_names(EXTRACT)))
    )
    written = risk.export_record(store, tmp_path / "record")
    saved = json.loads(written[0].read_text(encoding="utf-8"))
    assert (
        risk.forecast_hash(saved["model_hash"], saved["data_hash"], 2025, saved["rows"])
        == (saved["forecast_hash"])
    )


def test_a_frozen_model_the_code_no_longer_matches_issues_nothing(store: Database) -> None:
    import dataclasses

    from protect.service.errors import ConflictError

    gbm = candidates(ewp_predictor_names(EXTRACT))[0]
    older = dataclasses.replace(gbm, params={**gbm.params, "n_estimators": 10})
    registered = risk.register(store, ME, [older])[0]
    risk.record_scores(store, ME, "test", "data", {registered.spec_hash: {"auc_pr": 0.1}})
    risk.freeze(store, ME, registered.spec_hash, {})
    with pytest.raises(ConflictError, match="no longer matches the code"):
        risk.issue_forecast(store, ME, 2025, EXTRACT)
    assert risk.forecasts(store) == []
