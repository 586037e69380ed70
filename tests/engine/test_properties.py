"""Properties that hold for every valid situation, checked over generated ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from protect import Assessment, Situation, assess
from protect.knowledge import kb

WSOD = dt.date(2005, 9, 16)
ROME = dt.date(2002, 7, 1)
STATUSES = ["none", "risk", "imminent", "ongoing", "past"]
COUNTRIES = [
    "RWA",
    "KEN",
    "SDN",
    "SSD",
    "BDI",
    "PHL",
    "UKR",
    "SYR",
    "YUG",
    "ZAR",
    "NOR",
    "COD",
    "CIV",
    "MMR",
    "BIH",
    "SUN",
    "PSE",
    "USA",
    "HUN",
    "AFG",
    "LBY",  # an Art. 12(3) declaration with a closed period (2011 to 2027), lodged in 2025
    "MYS",  # deposited, withdrew before entry into force: never within jurisdiction
]


@st.composite
def situations(draw: st.DrawFn) -> Situation:
    doc: dict[str, Any] = {
        "country": draw(st.sampled_from(COUNTRIES)),
        "date": draw(st.dates(dt.date(1946, 1, 1), dt.date(2030, 12, 31))).isoformat(),
        "armed_conflict": draw(
            st.sampled_from(["none", "international", "non-international", "occupation"])
        ),
        "state_role": draw(st.sampled_from(["protecting", "unable", "unwilling", "perpetrator"])),
        "atrocities": {
            k: draw(st.sampled_from(STATUSES))
            for k in ["genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"]
        },
        "post_conflict": draw(st.booleans()),
        "peacekeeping": {
            k: draw(st.booleans())
            for k in ["present", "poc_mandate", "chapter_vii", "host_consent"]
        },
        "security_council": {"seized": draw(st.booleans())},
    }
    if draw(st.booleans()):
        doc["icc_state_party"] = draw(st.booleans())
    return Situation.model_validate(doc)


@settings(max_examples=400, deadline=None)
@given(situations())
def test_every_valid_situation_assesses(s: Situation) -> None:
    result = assess(s)
    doc = result.model_dump(mode="json")
    # The document is exactly what the typed model accepts (the engine builds without re-checking).
    assert Assessment.model_validate(doc).model_dump(mode="json") == doc
    catalogue = kb().measures
    assert {m["id"] for m in doc["measures"]} == set(catalogue)
    for m in doc["measures"]:
        assert m["reason"].strip(), m
        assert m["citations"], m
    assert [(m["id"], m["actor"]) for m in doc["measures"]] == sorted(
        (m["id"], m["actor"]) for m in doc["measures"]
    )
    for key in ("crimes", "tensions"):
        assert [x["id"] for x in doc[key]] == sorted(x["id"] for x in doc[key])
    for key in ("perspectives",):
        assert doc["norms"]["poc"][key] == sorted(doc["norms"]["poc"][key])
    assert doc["norms"]["r2p"]["pillars"] == sorted(doc["norms"]["r2p"]["pillars"])
    assert doc["norms"]["poc"]["tiers"] == sorted(doc["norms"]["poc"]["tiers"])
    assert doc["trace"][0]["rule"] == "icc_state_party"
    jurisdiction = doc["trace"][1]
    assert jurisdiction["rule"] == "icc_jurisdiction"
    assert jurisdiction["inputs"]["icc_state_party"] == doc["derived"]["icc_state_party"]
    if doc["derived"]["icc_state_party"]:
        assert jurisdiction["result"]["basis"] == "party"
    assert doc["trace"][2]["rule"] == "stage" and doc["trace"][2]["result"] == doc["stage"]
    # The Prosecutor acts only where the Court has a basis (contract v2: territory, a
    # declaration, or a Council referral), now or over the past.
    proprio = next(m for m in doc["measures"] if m.get("id") == "icc-proprio-motu")
    icc = doc["derived"]["icc"]
    if proprio["available"]:
        assert icc["jurisdiction"] and icc["bases"]
    if jurisdiction["result"]["at_date"] or jurisdiction["result"]["for_past_crimes"]:
        assert icc["jurisdiction"]
    assert icc["jurisdiction"] == bool(icc["bases"]) == (icc["period_from"] is not None)


@settings(max_examples=300, deadline=None)
@given(situations())
def test_law_not_in_force_never_applies(s: Situation) -> None:
    result = assess(s)
    if s.date < WSOD:
        assert result.norms.r2p.pillars == []
        assert not result.norms.r2p.in_force
        assert not result.norms.r2p.manifest_failure
        assert not result.norms.r2p.response_threshold_met
    if s.date < ROME:
        assert not any(m.available for m in result.measures if m.id == "icc-referral")
    # What applies (norms, crimes where the law existed, available measures) cites only law
    # already in effect at the date.
    for m in result.measures:
        if m.available:
            assert all((c.in_force or c.adopted) <= s.date for c in m.citations), m
    for c in result.norms.r2p.citations + result.norms.poc.citations:
        assert (c.in_force or c.adopted) <= s.date


@settings(max_examples=200, deadline=None)
@given(situations())
def test_crimes_list_every_live_crime(s: Situation) -> None:
    result = assess(s)
    live = {k for k, v in s.atrocities.by_id().items() if v != "none"}
    assert {c.id for c in result.crimes} == live
    assert all(c.citations for c in result.crimes)
