"""The Framework of Analysis in the knowledge base: numbered as the Framework, linked to real
measures, and refused at load when it is not."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from protect.knowledge import KnowledgeError, kb
from protect.knowledge.foa import KIND_OF, framework, parse
from protect.knowledge.loader import read_yaml


def _data() -> dict[str, Any]:
    return copy.deepcopy(read_yaml("foa.yaml"))


def test_fourteen_factors_in_the_frameworks_order_and_groups() -> None:
    fw = framework()
    assert [f.number for f in fw.factors] == list(range(1, 15))
    assert [f.kind for f in fw.factors] == [KIND_OF[n] for n in range(1, 15)]
    # The Framework's numbering, not the issue's: 5 is capacity, 6 the absence of mitigating
    # factors, 3 the weakness of State structures.
    assert fw.factor(3).title == "Weakness of State structures"
    assert fw.factor(5).title == "Capacity to commit atrocity crimes"
    assert fw.factor(6).title == "Absence of mitigating factors"
    assert fw.factor(8).title == "Triggering factors"
    # Counts confirmed against the published list (docs/reference/framework-of-analysis.md).
    assert len(fw.factor(8).indicators) == 12
    assert len(fw.factor(9).indicators) == 6


def test_every_factor_cites_the_framework_and_links_existing_measures() -> None:
    fw = framework()
    base = kb()
    for factor in fw.factors:
        assert factor.citation.instrument == "foa-2014"
        assert f"risk factor {factor.number}" in factor.citation.pinpoint
        assert factor.measures and set(factor.measures) <= set(base.measures)
        assert factor.indicators[0].number == f"{factor.number}.1"


def test_an_unknown_measure_id_fails_at_load_naming_the_factor() -> None:
    data = _data()
    data["factors"][2]["measures"].append("no-such-measure")
    with pytest.raises(KnowledgeError, match=r"factor 3.*unknown measure id .no-such-measure."):
        parse(data)


def test_factors_out_of_the_frameworks_order_fail() -> None:
    data = _data()
    data["factors"][4], data["factors"][5] = data["factors"][5], data["factors"][4]
    with pytest.raises(KnowledgeError, match="numbered 1-14 in order"):
        parse(data)


def test_a_gap_in_indicator_numbers_fails() -> None:
    data = _data()
    del data["factors"][0]["indicators"][3]
    with pytest.raises(KnowledgeError, match=r"risk factor 1\).*indicators must be numbered"):
        parse(data)


def test_a_prefill_rule_on_a_field_its_source_lacks_fails() -> None:
    data = _data()
    data["prefill"][0]["when"][0]["field"] = "armed_konflict"
    with pytest.raises(KnowledgeError, match="has no field 'armed_konflict'"):
        parse(data)


def test_a_prefill_rule_naming_another_factors_indicator_fails() -> None:
    data = _data()
    data["prefill"][0]["indicators"] = ["2.1"]
    with pytest.raises(KnowledgeError, match=r"indicator 2\.1 is not one of factor 1"):
        parse(data)


def test_a_bad_rating_names_the_field() -> None:
    data = _data()
    data["prefill"][0]["rating"] = "severe"
    with pytest.raises(KnowledgeError, match=r"foa.yaml: prefill.0.rating"):
        parse(data)


def test_intent_and_plans_are_never_prefilled() -> None:
    """Death counts cannot show genocidal intent or a plan; no rule may pretend they do."""
    assert not {r.factor for r in framework().prefill} & {4, 5, 7, 8, 10, 12, 14}
