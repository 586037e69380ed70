"""The core commands as a user runs them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from protect import Situation, assess
from protect.cli.core import EXAMPLES_DIR
from protect.cli.main import app

runner = CliRunner()


@pytest.mark.parametrize("path", sorted(EXAMPLES_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_example_gives_the_spec_document(path: Path) -> None:
    result = runner.invoke(app, ["assess", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {
        "situation",
        "derived",
        "stage",
        "norms",
        "crimes",
        "measures",
        "tensions",
        "warnings",
        "summary",
        "trace",
    }
    assert set(doc["derived"]) == {
        "icc_state_party",
        "icc_state_party_source",
        "treaties",
        "icc",
        "regional",
    }
    assert set(doc["derived"]["icc"]) == {"jurisdiction", "bases", "period_from"}
    assert set(doc["derived"]["treaties"][0]) == {
        "instrument",
        "party",
        "since",
        "reservations",
        "source",
    }
    assert set(doc["summary"]) == {
        "stage",
        "binds",
        "open_measures",
        "in_place",
        "main_tension",
        "warnings",
    }
    assert set(doc["norms"]["r2p"]) == {
        "in_force",
        "pillars",
        "manifest_failure",
        "response_threshold_met",
        "citations",
    }
    assert set(doc["norms"]["poc"]) == {
        "ihl_applies",
        "conflict_type",
        "perspectives",
        "tiers",
        "citations",
        "applicable_law",
        "civilian_harm",
    }
    citation = doc["norms"]["poc"]["citations"][0]
    assert set(citation) == {"instrument", "title", "pinpoint", "adopted", "in_force"}
    assert set(doc["measures"][0]) == {
        "id",
        "title",
        "actor",
        "phase",
        "norm",
        "available",
        "reason",
        "citations",
        "in_place",
        "precedent",
    }
    # The Python API returns the same document.
    import yaml

    situation = Situation.model_validate(yaml.safe_load(path.read_text()))
    assert assess(situation).model_dump(mode="json") == doc


def test_text_report_has_every_section() -> None:
    result = runner.invoke(app, ["assess", str(EXAMPLES_DIR / "01-rwanda-1994.yaml")])
    assert result.exit_code == 0
    for heading in (
        "Stage: atrocity-crimes",
        "NORMS",
        "ATROCITY CRIMES",
        "MEASURES AVAILABLE, BY ACTOR",
        "TENSIONS",
        "WARNINGS",
        "SOURCES",
        "Convention on the Prevention and Punishment of the Crime of Genocide",
    ):
        assert heading in result.stdout, heading


def test_markdown_report() -> None:
    result = runner.invoke(
        app, ["assess", str(EXAMPLES_DIR / "02-libya-2011.yaml"), "-f", "markdown"]
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("# Assessment: Libya")
    assert "## Measures available, by actor" in result.stdout


def test_a_list_of_situations_gives_an_array(run: Callable[..., Any], base: dict[str, Any]) -> None:
    result = run([base, {**base, "country": "RWA"}], "assess", "--format", "json")
    assert result.exit_code == 0
    docs = json.loads(result.stdout)
    assert [d["situation"]["country"] for d in docs] == ["KEN", "RWA"]


def test_kb_list_and_show() -> None:
    listed = runner.invoke(app, ["kb", "list", "measures", "--format", "json"])
    assert listed.exit_code == 0
    ids = json.loads(listed.stdout)["measures"]
    assert len(ids) >= 30 and "icc-referral" in ids
    shown = runner.invoke(app, ["kb", "show", "icc-referral", "--format", "json"])
    doc = json.loads(shown.stdout)["measures"]
    assert doc["available_from"]["instrument"] == "rome-statute"
    text = runner.invoke(app, ["kb", "show", "genocide"])
    assert text.exit_code == 0 and "armed_conflict_required: false" in text.stdout
    missing = runner.invoke(app, ["kb", "show", "no-such-thing"])
    assert missing.exit_code == 2 and "no knowledge-base entry" in missing.stderr


def test_stdin_and_no_traceback_in_a_real_process(base: dict[str, Any]) -> None:
    exe = [sys.executable, "-m", "protect.cli.main"]
    good = subprocess.run(
        [*exe, "assess", "-", "-f", "json"],
        input=json.dumps(base),
        capture_output=True,
        text=True,
        check=False,
    )
    assert good.returncode == 0 and json.loads(good.stdout)["stage"] == "atrocity-crimes"
    bad = subprocess.run(
        [*exe, "assess", "-"], input="country: [", capture_output=True, text=True, check=False
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and bad.stdout == ""


def test_demo_runs_on_the_bundled_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROTECT_HOME", str(tmp_path))
    empty = tmp_path / "no-sources"  # a machine without the risk sources
    empty.mkdir()
    monkeypatch.setenv("PROTECT_SOURCES", str(empty))
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "Stage: " in result.stdout and "bundled" in result.stdout
    # The embedded stores were used: DuckDB events with an alert, SQLite with an audit entry.
    assert (tmp_path / "events.duckdb").exists() and (tmp_path / "protect.sqlite3").exists()
    assert "MMR current-crisis" in result.stdout
    assert "Audit log: 1 entries" in result.stdout
    # The bundled forecasts of record were loaded (two audit entries) and the newest shown.
    assert "Forecast for 2026 (of record, computed 2026-12-05" in result.stdout
    assert "1. South Sudan (SSD): 21.8%" in result.stdout
    again = runner.invoke(app, ["demo"])
    assert again.exit_code == 0 and "unchanged" in again.stdout
    assert "Audit log: 4 entries" in again.stdout  # the record was not loaded twice


@pytest.mark.parametrize(
    ("situation", "line"),
    [
        # Ukraine's second Art. 12(3) declaration (lodged 2015-09-08, from 2014-02-20) covers
        # the full-scale invasion; the first covered 2013-11-21 to 2014-02-22.
        (
            {"country": "UKR", "date": "2022-03-15", "armed_conflict": "international",
             "state_role": "protecting", "atrocities": {"war-crimes": "ongoing"}},
            "ICC jurisdiction over the territory on this date: yes, from 2014-02-20, by an "
            "Art. 12(3) declaration lodged 2015-09-08; over crimes committed 2013-11-21 to "
            "2014-02-22, by an Art. 12(3) declaration lodged 2014-04-17.",
        ),
        # Burundi's withdrawal took effect on 2017-10-27; crimes from its party years stay
        # within the Court's reach (Art. 127(2)).
        (
            {"country": "BDI", "date": "2021-09-15", "armed_conflict": "none",
             "state_role": "perpetrator", "atrocities": {"crimes-against-humanity": "past"}},
            "ICC jurisdiction over the territory on this date: no; over crimes committed "
            "2004-12-01 to 2017-10-26, as a state party.",
        ),
        (
            {"country": "SYR", "date": "2013-09-15", "armed_conflict": "non-international",
             "state_role": "perpetrator"},
            "ICC jurisdiction over the territory on this date: no.",
        ),
    ],
    ids=["ukraine-2022", "burundi-2021", "syria-2013"],
)  # fmt: skip
def test_text_report_says_where_the_court_may_act(
    tmp_path: Path, situation: dict[str, Any], line: str
) -> None:
    path = tmp_path / "situation.json"
    path.write_text(json.dumps(situation), encoding="utf-8")
    for fmt in ("text", "markdown"):
        result = runner.invoke(app, ["assess", str(path), "--format", fmt])
        assert result.exit_code == 0, result.output
        assert line in result.stdout
