"""The case-file harness must fail, and say why in plain words, whenever a case is wrong.

These tests run the real engine on real situations; a harness that passed everything would let
wrong cases through, so each test makes one thing wrong and checks the message names it.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from .harness import Case, CaseError, check, load_cases, report

HERE = Path(__file__).parent

RWANDA = """
name: Rwanda, genocide against the Tutsi
period: 1994-04-07 to 1994-07
sources: ["ICTR, Akayesu, trial judgment 1998-09-02"]
situation:
  country: RWA
  date: 1994-05-01
  armed_conflict: non-international
  atrocities: {genocide: ongoing}
  state_role: perpetrator
expect:
{expect}
"""


def _case(tmp_path: Path, expect: str, situation_extra: str = "") -> Path:
    text = RWANDA.replace("{expect}", textwrap.indent(textwrap.dedent(expect).strip(), "  "))
    if situation_extra:
        text = text.replace(
            "  state_role: perpetrator\n", f"  state_role: perpetrator\n{situation_extra}"
        )
    path = tmp_path / "1994-rwanda.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_matching_case_has_no_mismatch(tmp_path: Path) -> None:
    path = _case(tmp_path, "stage: atrocity-crimes\nunavailable: [icc-referral]\nwarnings: []")
    (case,) = load_cases(path)
    assert check(case) == []


def test_wrong_stage_is_named_with_both_values(tmp_path: Path) -> None:
    path = _case(tmp_path, "stage: armed-conflict")
    (case,) = load_cases(path)
    mismatches = check(case)
    assert [m.key for m in mismatches] == ["stage"]
    text = report(path, case, mismatches)
    assert "1994-rwanda.yaml" in text
    assert "Rwanda, genocide against the Tutsi" in text
    assert "expect.stage: the case expects armed-conflict, the engine gave atrocity-crimes" in text


def test_measure_wrongly_expected_available_shows_the_engines_reason(tmp_path: Path) -> None:
    path = _case(tmp_path, "available: [icc-referral]")
    (case,) = load_cases(path)
    (mismatch,) = check(case)
    assert mismatch.key == "available: icc-referral"
    assert "2002-07-01" in str(mismatch)


def test_actor_sets_are_compared_exactly(tmp_path: Path) -> None:
    path = _case(tmp_path, "available_to: {chapter-vii-force: [security-council, state]}")
    (case,) = load_cases(path)
    (mismatch,) = check(case)
    assert mismatch.key == "available_to.chapter-vii-force"
    assert mismatch.got == ["security-council"]


def test_tensions_and_warnings_are_exact_sets(tmp_path: Path) -> None:
    path = _case(tmp_path, "tensions: []\nwarnings: [post-conflict-during-conflict]")
    (case,) = load_cases(path)
    keys = [m.key for m in check(case)]
    assert keys == ["tensions", "warnings"]


@pytest.mark.parametrize(
    ("expect", "needle"),
    [
        ("available: [icc-refferal]", "'icc-refferal' is not a measure id"),
        ("unavailable: [ddr]\navailable: [ddr]", "both list ddr"),
        ("tension: []", "expect.tension: unknown key"),
        ("tensions: [mandate-gapp]", "'mandate-gapp' is not a tension id"),
        ("warnings: [icc-party]", "expect.warnings.0"),
        ("available_to: {ddr: [peacekeeper]}", "'peacekeeper' is not an actor id"),
        ("poc: {perspectives: [wide]}", "'wide' is not a perspective id"),
        ("stage: war", "expect.stage"),
    ],
)
def test_typos_in_expectations_fail_loudly(tmp_path: Path, expect: str, needle: str) -> None:
    path = _case(tmp_path, expect)
    with pytest.raises(CaseError) as info:
        load_cases(path)
    assert needle in str(info.value)
    assert str(info.value).startswith("1994-rwanda.yaml")


def test_invalid_situation_names_the_field(tmp_path: Path) -> None:
    path = _case(
        tmp_path, "stage: atrocity-crimes", situation_extra="  peacekeeping: {present: maybe}\n"
    )
    path.write_text(path.read_text().replace("non-international", "civil-war"))
    (case,) = load_cases(path)
    with pytest.raises(CaseError) as info:
        check(case)
    message = str(info.value)
    assert "situation.armed_conflict" in message
    assert "situation.peacekeeping.present" in message


def test_malformed_yaml_and_missing_keys(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(CaseError, match="not valid YAML"):
        load_cases(bad)
    bad.write_text("name: x\nperiod: '1994'\nsituation: {}\nexpect: {}\n")
    with pytest.raises(CaseError, match="sources: required key is missing"):
        load_cases(bad)


def test_pytest_reports_a_failing_case_in_plain_words(tmp_path: Path) -> None:
    """Run pytest on a copy of the collector with one wrong case, as a contributor would."""
    cases = tmp_path / "cases"
    cases.mkdir()
    for name in ("__init__.py", "conftest.py", "harness.py"):
        shutil.copy(HERE / name, cases / name)
    _case(cases, "stage: peace\nunavailable: [early-warning]")
    (cases / "broken.yaml").write_text("name: x\n")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(cases),
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
        check=False,
    )
    out = run.stdout
    assert run.returncode == 1, out + run.stderr
    assert "2 failed" in out
    assert "expect.stage: the case expects peace, the engine gave atrocity-crimes" in out
    assert "expect.unavailable: early-warning" in out
    assert "cannot read the case file: broken.yaml" in out
    assert "Traceback" not in out


def _all_cases() -> list[tuple[Path, Case]]:
    return [(p, c) for p in sorted(HERE.glob("*.yaml")) for c in load_cases(p)]


def test_the_collection_spans_stages_decades_and_date_rules() -> None:
    """The suite must keep exercising every stage and each dated rule, not only recent wars."""
    cases = _all_cases()
    assert len(cases) >= 25
    stages = Counter(c.expect.stage for _, c in cases)
    assert set(stages) >= {"peace", "tension", "armed-conflict", "atrocity-crimes", "post-conflict"}
    dates = {(c.situation["country"], c.situation["date"]) for _, c in cases}
    decades = {d.year // 10 * 10 for _, d in dates}
    assert decades >= {1970, 1980, 1990, 2000, 2010, 2020}
    assert any(d < dt.date(2002, 7, 1) for _, d in dates)
    assert any(dt.date(2002, 7, 1) <= d < dt.date(2005, 9, 16) for _, d in dates)
    assert any(iso == "BDI" and d >= dt.date(2017, 10, 27) for iso, d in dates)
    assert any(iso == "PHL" and d >= dt.date(2019, 3, 17) for iso, d in dates)
    for path, case in cases:
        checked = case.expect
        missing = [
            key
            for key in ("stage", "r2p", "poc", "icc_state_party", "tensions", "warnings")
            if getattr(checked, key) is None
        ]
        assert not missing, f"{path.name}: {case.name!r} does not check {', '.join(missing)}"
