"""The monitor's commands as a user runs them: a real `protect` process on a real DuckDB file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PROTECT_HOME": str(home), "COLUMNS": "120"}
    return subprocess.run(
        [sys.executable, "-m", "protect.cli.main", *args],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    h = tmp_path_factory.mktemp("home")
    done = run(h, "ingest", "ucdp", "--sample", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["rows_loaded"] == 216 and report["countries"] == ["MMR"]
    return h


def test_monitor_json_is_the_documented_list(home: Path) -> None:
    done = run(home, "monitor", "MMR", "--from", "2017-07", "--to", "2017-09", "--format", "json")
    assert done.returncode == 0, done.stderr
    months = json.loads(done.stdout)
    assert [m["month"] for m in months] == ["2017-07", "2017-08", "2017-09"]
    aug = months[1]
    assert aug["country"] == "MMR"
    assert set(aug["deaths_best"]) == {"state-based", "non-state", "one-sided"}
    assert aug["alert"]["level"] == "current-crisis"
    assert aug["alert"]["rule"] == "mass-killing-ongoing"
    assert aug["situation"]["atrocities"]["crimes-against-humanity"] == "ongoing"


def test_monitor_table_and_chart(home: Path) -> None:
    done = run(home, "monitor", "MMR", "--from", "2017-01", "--to", "2017-12")
    assert done.returncode == 0, done.stderr
    assert "2017-08" in done.stdout and "deaths per month" in done.stdout


def test_alerts_and_situation(home: Path) -> None:
    done = run(home, "alerts", "--month", "2017-09", "--format", "json")
    assert done.returncode == 0, done.stderr
    ranked = json.loads(done.stdout)
    assert ranked[0]["country"] == "MMR" and ranked[0]["level"] == "current-crisis"
    sit = run(home, "situation", "MMR", "2017-09", "--format", "json")
    doc = json.loads(sit.stdout)
    assert doc["assessment"]["stage"] == "atrocity-crimes"
    assert doc["situation"]["state_role"] == "perpetrator"
    md = run(home, "situation", "MMR", "2017-09", "--format", "markdown")
    assert md.returncode == 0 and md.stdout.startswith("# Monitor: MMR 2017-09")


@pytest.mark.parametrize(
    "args",
    [
        ("monitor", "ZZZ", "--from", "2017-01", "--to", "2017-02"),
        ("monitor", "MMR", "--from", "2017-13", "--to", "2017-02"),
        ("alerts", "--month", "17-09"),
        ("situation", "MMR", "1970-01"),
        ("ingest", "ucdp", "/no/such/file.csv"),
    ],
)
def test_bad_input_exits_2_with_one_line(home: Path, args: tuple[str, ...]) -> None:
    done = run(home, *args)
    # A well-formed request the data do not cover is not bad input: exit 3 (issue 11).
    assert done.returncode == (3 if args[:2] == ("situation", "MMR") else 2)
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("error: ")
    assert done.stdout == ""


def test_bad_rows_summary_and_refusal(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text(
        "id,type_of_violence,country_id,date_start,date_end,best,side_a,side_b\n"
        "1,1,775,2019-01-03,2019-01-03,4,Government of Myanmar (Burma),AA\n"
        "2,1,775,2019-02-30,2019-02-30,4,Government of Myanmar (Burma),AA\n",
        encoding="utf-8",
    )
    done = run(tmp_path, "ingest", "ucdp", str(path))
    assert done.returncode == 0, done.stderr
    assert "line 3" in done.stdout and "date_start" in done.stdout
    assert "Loaded 1 of 2 rows" in done.stdout
    path.write_text(path.read_text().replace(",1,775,2019-01-03", ",7,775,2019-01-03"))
    refused = run(tmp_path, "ingest", "ucdp", str(path))
    assert refused.returncode == 2 and "type_of_violence" in refused.stderr
    assert "Traceback" not in refused.stderr
