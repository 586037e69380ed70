"""`assessment_json` writes the same document as pydantic, part for part spliced from JSON
written once: every bundled example and historical case, assessed alone and in a batch, cold and
again once its parts are kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from protect.engine.assess import assess, assess_many
from protect.engine.documents import _Written, assessment_json, load_situations, parse_document
from protect.engine.model import Situation

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "src" / "protect" / "examples").glob("*.yaml"))
CASES = sorted((ROOT / "tests" / "cases").glob("*.yaml"))


def _situations() -> list[tuple[str, Situation]]:
    out = []
    for path in EXAMPLES:
        out += [(path.name, s) for s in load_situations(path.read_text("utf-8"))[0]]
    for path in CASES:
        data = parse_document(path.read_text("utf-8"))
        for i, case in enumerate(data if isinstance(data, list) else [data]):
            out.append((f"{path.name}[{i}]", Situation.model_validate(case["situation"])))
    return out


SITUATIONS = _situations()


def test_every_example_and_case_is_read() -> None:
    assert len(EXAMPLES) >= 6 and len(CASES) >= 60
    assert len(SITUATIONS) >= len(EXAMPLES) + 106  # some case files hold several


@pytest.mark.parametrize(("name", "situation"), SITUATIONS, ids=[n for n, _ in SITUATIONS])
def test_same_document_as_pydantic(name: str, situation: Situation) -> None:
    first = assess(situation)
    expected = first.model_dump_json().encode()
    written = assessment_json(first)
    assert written == expected
    assert json.loads(written) == first.model_dump(mode="json")
    # Again, now that its shared parts are kept, and from a new assessment of the same facts.
    assert assessment_json(first) == expected
    assert assessment_json(assess(situation)) == expected


def test_a_batch_shares_bodies_and_still_writes_each_document() -> None:
    situations = [s for _, s in SITUATIONS]
    for a in assess_many(situations + situations):
        assert assessment_json(a) == a.model_dump_json().encode()


def test_measures_in_place_and_warnings_are_written_for_the_situation() -> None:
    base = {
        "country": "MMR",
        "date": "2019-11-11",
        "armed_conflict": "non-international",
        "state_role": "perpetrator",
        "atrocities": {"crimes-against-humanity": "past", "genocide": "risk"},
        "icc_state_party": True,  # the table says otherwise: a warning
    }
    plain = assess(Situation.model_validate(base))
    marked = assess(Situation.model_validate({**base, "in_place": ["commission-of-inquiry"]}))
    assert marked.warnings
    for a in (plain, marked, plain):
        assert assessment_json(a) == a.model_dump_json().encode()
    in_place = [m["in_place"] for m in json.loads(assessment_json(marked))["measures"]]
    assert any(in_place) and not any(
        m["in_place"] for m in json.loads(assessment_json(plain))["measures"]
    )


def test_kept_json_stays_within_its_budget() -> None:
    kept = _Written(budget=10)
    parts = [object() for _ in range(4)]
    for i, p in enumerate(parts):
        kept.keep(id(p), p, b"1234")
        assert kept.used <= 10
        assert id(p) in kept.kept
        assert len(kept.kept) == (i % 2) + 1
