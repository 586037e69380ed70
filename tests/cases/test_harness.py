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
from typing import Any

import pytest

from protect import assess

from .harness import (
    Case,
    CaseError,
    CiteRef,
    check,
    cites,
    compare_document,
    load_cases,
    report,
    situation_of,
)

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


# --- contract version 2 keys ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("wanted", "cited", "hit"),
    [
        ("Art. 147", "Art. 147", True),
        ("Art. 147", "Arts. 49, 147", True),
        ("Art. 147", "Art. 14", False),
        ("Art. 14", "Art. 147", False),
        ("Art. 3", "Art. 30", False),
        ("common Art. 3", "Art. 3 (common Article 3)", True),
        ("Art. 8(2)(e)", "Arts. 7(1)(d), 8(2)(e)(viii)", True),
        ("Art. 8(2)(c)", "Art. 8(2)(e)", False),
        ("Art. 8(2)(e)", "Art. 8(2)(c)-(f)", True),
        ("Art. 8(2)(b)", "Art. 8(2)(c)-(f)", False),
        ("Art. 8(2)(e)(viii)", "Art. 8(2)(c)-(f)", True),
        ("Art. 50", "Arts. 48-58", True),
        ("Art. 85", "Arts. 48-58", False),
        ("Art. 4(h)", "Art. 4(j)", False),
        ("Art. IX", "Art. IX", True),
        ("para. 139", "paras. 138-139", True),
        ("para. 14", "Art. 14", False),
        ("introduction", "Introduction", True),
    ],
)
def test_a_pinpoint_is_matched_by_what_it_designates(wanted: str, cited: str, hit: bool) -> None:
    citation = {"instrument": "gc-iv", "pinpoint": cited}
    assert cites(citation, CiteRef(instrument="gc-iv", pinpoint=wanted)) is hit
    assert cites(citation, CiteRef(instrument="gc-iv")) is True
    assert cites(citation, CiteRef(instrument="gc-iii", pinpoint=wanted)) is False


def test_never_cites_names_where_the_document_cites_it(tmp_path: Path) -> None:
    path = _case(tmp_path, "never_cites: [{instrument: genocide-convention, pinpoint: Art. II}]")
    (case,) = load_cases(path)
    (mismatch,) = check(case)
    assert mismatch.key == "never_cites: genocide-convention Art. II"
    assert "crimes[genocide].citations" in str(mismatch)


def test_cites_lists_the_pinpoints_the_document_does_cite(tmp_path: Path) -> None:
    path = _case(tmp_path, "cites: [{instrument: genocide-convention, pinpoint: Art. XX}]")
    (case,) = load_cases(path)
    (mismatch,) = check(case)
    assert mismatch.key == "cites: genocide-convention Art. XX"
    assert "the document cites genocide-convention at:" in str(mismatch)
    assert "Art. II" in str(mismatch)


V2_EXPECT = """
icc: {jurisdiction: true, bases: [security-council-referral], period_from: 2011-02-15}
treaties: {party: [gc-iv], not_party: [ap-ii], since: {gc-iv: 1956-05-22}}
regional: [african-union]
applicable_law: [gc-iv]
in_place: [arms-embargo]
summary_first: [icc-proprio-motu, chapter-vii-force]
summary_actors: [icc]
precedent: {poc-mandate: sc-res-1270}
poc: {civilian_harm: {displacement: widespread}}
"""


def _v2_document(expect: str, tmp_path: Path) -> tuple[Case, dict[str, Any]]:
    """A real assessment's document, and the case whose v2 keys the test checks against it."""
    (case,) = load_cases(_case(tmp_path, expect))
    return case, assess(situation_of(case)).model_dump(mode="json")


def _with_v2_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The v2 fields in the shapes of spec/assessment.md §4.4, as a v2 engine prints them."""
    doc["derived"]["icc"] = {
        "jurisdiction": True,
        "bases": ["security-council-referral"],
        "period_from": "2011-02-15",
    }
    doc["derived"]["treaties"] = [
        {
            "instrument": "gc-iv",
            "party": True,
            "since": "1956-05-22",
            "reservations": [],
            "source": "ICRC",
        },
        {
            "instrument": "ap-ii",
            "party": False,
            "since": None,
            "reservations": [],
            "source": "ICRC",
        },
    ]
    doc["derived"]["regional"] = [{"organisation": "african-union", "name": "AU", "since": None}]
    doc["norms"]["poc"]["applicable_law"] = [
        {
            "instrument": "gc-iv",
            "title": "GC IV",
            "pinpoint": "Art. 3",
            "adopted": "1949-08-12",
            "in_force": "1950-10-21",
        }
    ]
    doc["norms"]["poc"]["civilian_harm"] = {"displacement": "widespread"}
    for row in doc["measures"]:
        row["in_place"] = row["id"] == "arms-embargo"
        row["precedent"] = (
            {"instrument": "sc-res-1270", "pinpoint": "para. 14"}
            if row["id"] == "poc-mandate"
            else None
        )
    doc["summary"] = {
        "open_measures": [
            {"id": "icc-proprio-motu", "actor": "icc"},
            {"id": "chapter-vii-force", "actor": "security-council"},
            {"id": "ddr", "actor": "state"},
        ],
        "in_place": ["arms-embargo"],
    }
    return doc


def test_v2_keys_match_a_document_in_the_contract_shapes(tmp_path: Path) -> None:
    case, doc = _v2_document(V2_EXPECT, tmp_path)
    assert compare_document(case.expect, _with_v2_fields(doc)) == []


def test_v2_keys_name_each_difference(tmp_path: Path) -> None:
    case, doc = _v2_document(V2_EXPECT, tmp_path)
    doc = _with_v2_fields(doc)
    doc["derived"]["icc"] = {"jurisdiction": False, "bases": [], "period_from": None}
    doc["derived"]["treaties"][1]["party"] = True
    doc["derived"]["regional"] = []
    doc["summary"]["open_measures"].reverse()
    doc["measures"][0]["in_place"] = True
    keys = [m.key for m in compare_document(case.expect, doc)]
    assert keys == [
        "icc.jurisdiction",
        "icc.bases",
        "icc.period_from",
        "treaties.ap-ii",
        "regional",
        "in_place",
        "summary_first",
    ]
    text = "\n".join(str(m) for m in compare_document(case.expect, doc))
    assert "expect.icc.period_from: the case expects 2011-02-15, the engine gave null" in text
    assert "ddr > chapter-vii-force > icc-proprio-motu" in text


def test_a_null_period_is_checked_and_an_absent_one_is_not(tmp_path: Path) -> None:
    case, doc = _v2_document("icc: {period_from: null}", tmp_path)
    (mismatch,) = compare_document(case.expect, _with_v2_fields(doc))
    assert mismatch.key == "icc.period_from"
    case, doc = _v2_document("icc: {jurisdiction: true}", tmp_path)
    assert compare_document(case.expect, _with_v2_fields(doc)) == []


def test_v2_keys_say_when_the_engine_lacks_the_field(tmp_path: Path) -> None:
    case, doc = _v2_document(V2_EXPECT, tmp_path)
    for key in ("icc", "treaties", "regional"):
        doc["derived"].pop(key, None)
    for key in ("applicable_law", "civilian_harm"):
        doc["norms"]["poc"].pop(key, None)
    doc.pop("summary", None)
    for row in doc["measures"]:
        row.pop("in_place", None)
        row.pop("precedent", None)
    mismatches = compare_document(case.expect, doc)
    assert {m.key for m in mismatches} == {
        "poc.civilian_harm",
        "icc.jurisdiction",
        "icc.bases",
        "icc.period_from",
        "treaties",
        "regional",
        "applicable_law",
        "in_place",
        "summary_first",
        "summary_actors",
        "precedent.poc-mandate",
    }
    assert all("the assessment has no such field" in str(m) for m in mismatches)


@pytest.mark.parametrize(
    ("expect", "needle"),
    [
        ("icc: {bases: [territory]}", "expect.icc.bases.0"),
        ("icc: {jurisdction: true}", "expect.icc.jurisdction: unknown key"),
        ("treaties: {party: [ap-iii]}", "expect.treaties.party.0"),
        ("treaties: {party: [ap-i], not_party: [ap-i]}", "party and not_party both list ap-i"),
        ("regional: [au]", "expect.regional.0"),
        ("applicable_law: [gc-v]", "'gc-v' is not an instrument id"),
        ("never_cites: [{instrument: ap-1}]", "'ap-1' is not an instrument id"),
        (
            "cites: [{instrument: ap-i}]\nnever_cites: [{instrument: ap-i}]",
            "cites and never_cites both list ap-i",
        ),
        ("in_place: [icc-refferal]", "'icc-refferal' is not a measure id"),
        ("summary_first: [mediaton]", "'mediaton' is not a measure id"),
        ("summary_actors: [council]", "'council' is not an actor id"),
        ("unavailable_to: {ddr: [peacekeeper]}", "'peacekeeper' is not an actor id"),
        ("norm: {chapter-vii-force: poc-r2p}", "expect.norm.chapter-vii-force"),
        ("precedent: {poc-mandate: sc-res-127}", "'sc-res-127' is not an instrument id"),
        ("poc: {civilian_harm: {looting: widespread}}", "expect.poc.civilian_harm.looting"),
        ("warnings: [code-outside-lifetimes]", "expect.warnings.0"),
    ],
)
def test_typos_in_v2_expectations_fail_loudly(tmp_path: Path, expect: str, needle: str) -> None:
    path = _case(tmp_path, expect)
    with pytest.raises(CaseError) as info:
        load_cases(path)
    assert needle in str(info.value)


def test_unavailable_to_names_the_actor_that_has_the_measure(tmp_path: Path) -> None:
    path = _case(tmp_path, "unavailable_to: {chapter-vii-force: [security-council, state]}")
    (case,) = load_cases(path)
    (mismatch,) = check(case)
    assert mismatch.key == "unavailable_to.chapter-vii-force"
    assert mismatch.got == "available to security-council"


def test_reasons_and_norm_are_read_from_every_row_of_the_measure(tmp_path: Path) -> None:
    path = _case(tmp_path, "reasons: {icc-referral: ['2002-07-01', 'no such phrase']}")
    (case,) = load_cases(path)
    (mismatch,) = check(case)
    assert mismatch.key == "reasons.icc-referral"
    assert "'no such phrase'" in str(mismatch)
    path = _case(tmp_path, "norm: {ddr: r2p}")
    (case,) = load_cases(path)
    (mismatch,) = check(case)
    assert mismatch.key == "norm.ddr" and mismatch.got == ["poc"]


def test_an_impossible_date_in_a_case_file_is_named_without_a_traceback(tmp_path: Path) -> None:
    path = _case(tmp_path, "stage: atrocity-crimes")
    path.write_text(path.read_text().replace("date: 1994-05-01", "date: 1994-02-30"))
    with pytest.raises(CaseError) as info:
        load_cases(path)
    assert str(info.value).startswith("1994-rwanda.yaml")


def test_a_key_given_twice_in_a_case_file_is_an_error(tmp_path: Path) -> None:
    """Contract v2, 4.5: a key given twice is an error naming the key, never a silent choice."""
    path = _case(tmp_path, "stage: atrocity-crimes\nstage: peace")
    with pytest.raises(CaseError) as info:
        load_cases(path)
    assert "stage" in str(info.value)


def test_the_collection_exercises_every_rule_of_contract_v2() -> None:
    """Each ICC base, both v2 warnings, the v2 keys and the edge days of issue 10 keep a case."""
    cases = [c for _, c in _all_cases()]
    bases = {b for c in cases if c.expect.icc and c.expect.icc.bases for b in c.expect.icc.bases}
    assert bases == {
        "territory-party",
        "conduct-in-party-territory",
        "nationality-party",
        "art-12-3-declaration",
        "security-council-referral",
    }
    warned = {w for c in cases for w in c.expect.warnings or []}
    assert {"code-outside-lifetime", "crime-period-unknown"} <= warned
    used = {key for c in cases for key in c.expect.model_fields_set}
    assert used >= {
        "icc",
        "treaties",
        "regional",
        "applicable_law",
        "cites",
        "never_cites",
        "in_place",
        "summary_actors",
        "unavailable_to",
        "norm",
        "precedent",
        "reasons",
    }
    edges = {(c.situation["country"], str(c.situation["date"])) for c in cases}
    for day in [
        ("LBY", "2011-02-25"),  # eve of S/RES/1970
        ("LBY", "2011-02-26"),
        ("SDN", "2005-03-30"),  # eve of S/RES/1593
        ("SDN", "2005-03-31"),
        ("COD", "2002-06-30"),  # eve of the Rome Statute's entry into force
        ("COD", "2002-07-01"),
        ("SDN", "2007-01-12"),  # eve of AP II for Sudan
        ("SDN", "2007-01-13"),
        ("SDN", "2006-06-18"),  # no UN human-rights body
        ("SDN", "2006-06-19"),
        ("SLE", "2002-07-08"),  # OAU to AU
        ("SLE", "2002-07-09"),
        ("SSD", "2011-07-08"),  # code lifetime
        ("SSD", "2011-07-09"),
        ("XKX", "2008-02-16"),
        ("XKX", "2008-02-17"),
        ("RUS", "1996-02-27"),  # Council of Europe accession
        ("RUS", "1996-02-28"),
        ("HRV", "2013-06-30"),  # European Union accession
        ("HRV", "2013-07-01"),
        ("BDI", "2017-10-26"),  # withdrawal from the Rome Statute takes effect
        ("BDI", "2017-10-27"),
    ]:
        assert day in edges, f"no case on the edge day {day}"
    assert any(c.situation["date"] < dt.date(1945, 10, 24) for c in cases)
    organisations = {o for c in cases for o in c.expect.regional or []}
    assert organisations >= {
        "african-union",
        "organisation-of-african-unity",
        "ecowas",
        "oas",
        "council-of-europe",
        "european-union",
    }
