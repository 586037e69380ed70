"""The rules of docs/assessment.md §3, branch by branch, on small variations of one situation."""

from __future__ import annotations

from typing import Any

import pytest

from protect import Assessment, Situation, assess


def run(base: dict[str, Any], **change: Any) -> Assessment:
    return assess(Situation.model_validate({**base, **change}))


def available(a: Assessment, measure: str, actor: str | None = None) -> bool:
    return any(
        m.available for m in a.measures if m.id == measure and (actor is None or m.actor == actor)
    )


@pytest.mark.parametrize(
    ("change", "stage"),
    [
        (
            {
                "atrocities": {"genocide": "ongoing"},
                "armed_conflict": "international",
                "post_conflict": True,
            },
            "atrocity-crimes",
        ),
        (
            {"atrocities": {"genocide": "imminent"}, "armed_conflict": "occupation"},
            "armed-conflict",
        ),
        ({"atrocities": {"genocide": "risk"}, "post_conflict": True}, "post-conflict"),
        ({"atrocities": {"war-crimes": "past"}, "post_conflict": True}, "post-conflict"),
        ({"atrocities": {"ethnic-cleansing": "imminent"}}, "tension"),
        ({"atrocities": {"genocide": "risk"}}, "tension"),
        ({"atrocities": {"genocide": "past"}}, "peace"),
        ({"atrocities": {}}, "peace"),
    ],
)
def test_stage_is_the_first_that_holds(
    base: dict[str, Any], change: dict[str, Any], stage: str
) -> None:
    assert run(base, **change).stage == stage


def test_r2p_before_and_after_the_world_summit(base: dict[str, Any]) -> None:
    crisis = {"atrocities": {"genocide": "ongoing"}, "state_role": "perpetrator"}
    before = run(base, date="2005-09-15", **crisis).norms.r2p
    assert (
        before.in_force,
        before.pillars,
        before.manifest_failure,
        before.response_threshold_met,
    ) == (False, [], False, False)
    assert {c.instrument for c in before.citations} >= {"genocide-convention"}
    assert "wsod" not in {c.instrument for c in before.citations}
    after = run(base, date="2005-09-16", **crisis).norms.r2p
    assert (
        after.in_force,
        after.pillars,
        after.manifest_failure,
        after.response_threshold_met,
    ) == (True, [1, 2, 3], True, True)
    assert "wsod" in {c.instrument for c in after.citations}


@pytest.mark.parametrize(
    ("status", "role", "pillars", "failure", "threshold"),
    [
        ("imminent", "unwilling", [1, 2, 3], True, False),
        ("ongoing", "unable", [1, 2, 3], False, False),
        ("ongoing", "protecting", [1, 2], False, False),
        ("risk", "perpetrator", [1, 2], False, False),
        ("past", "perpetrator", [1, 2], False, False),
        ("ongoing", "perpetrator", [1, 2, 3], True, True),
    ],
)
def test_pillars_and_thresholds(
    base: dict[str, Any], status: str, role: str, pillars: list[int], failure: bool, threshold: bool
) -> None:
    r2p = run(base, atrocities={"crimes-against-humanity": status}, state_role=role).norms.r2p
    assert (r2p.pillars, r2p.manifest_failure, r2p.response_threshold_met) == (
        pillars,
        failure,
        threshold,
    )


def test_poc_perspectives_and_tiers(base: dict[str, Any]) -> None:
    calm = run(base, atrocities={}).norms.poc
    assert (calm.ihl_applies, calm.perspectives, calm.tiers) == (False, [], [])
    war = run(
        base,
        atrocities={},
        armed_conflict="non-international",
        peacekeeping={"present": True, "poc_mandate": True},
        security_council={"seized": True},
    ).norms.poc
    assert war.ihl_applies and war.conflict_type == "non-international"
    assert war.perspectives == [
        "broad",
        "humanitarian",
        "narrow",
        "peacekeeping",
        "security-council",
    ]
    assert war.tiers == [1, 2, 3]
    # Tier 2 also when a crime is imminent below the conflict threshold.
    tense = run(
        base,
        atrocities={"genocide": "imminent"},
        peacekeeping={"present": True, "poc_mandate": True},
    ).norms.poc
    assert tense.tiers == [1, 2, 3] and tense.perspectives == ["peacekeeping"]
    recovery = run(
        base, atrocities={}, post_conflict=True, peacekeeping={"present": True, "poc_mandate": True}
    ).norms.poc
    assert recovery.tiers == [1, 3]
    assert recovery.perspectives == ["broad", "humanitarian", "peacekeeping"]
    no_mandate = run(base, armed_conflict="international", peacekeeping={"present": True}).norms.poc
    assert no_mandate.tiers == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            {
                "peacekeeping": {"present": True, "poc_mandate": True, "host_consent": True},
                "state_role": "perpetrator",
                "atrocities": {},
            },
            {"impartiality-neutrality", "consent-sovereignty"},
        ),
        (
            {
                "peacekeeping": {"present": True, "host_consent": False, "chapter_vii": False},
                "atrocities": {},
            },
            {"consent-sovereignty"},
        ),
        (
            {
                "peacekeeping": {"present": True, "host_consent": False, "chapter_vii": True},
                "atrocities": {},
            },
            set(),
        ),
        (
            {
                "peacekeeping": {"present": True, "host_consent": True},
                "atrocities": {"genocide": "ongoing"},
                "state_role": "unable",
            },
            {"mandate-gap"},
        ),
        (
            {"atrocities": {"genocide": "ongoing"}, "state_role": "perpetrator"},
            {"humanitarian-space", "consent-sovereignty"},
        ),
        (
            {
                "atrocities": {"genocide": "ongoing"},
                "state_role": "perpetrator",
                "date": "1994-05-01",
            },
            {"humanitarian-space"},
        ),
    ],
)
def test_tensions(base: dict[str, Any], change: dict[str, Any], expected: set[str]) -> None:
    result = run(base, **change)
    assert {t.id for t in result.tensions} == expected
    assert all(t.explanation and t.citations for t in result.tensions)
    # 1994: tensions still cite law in force then (the Charter), not later reports.
    assert all(c.adopted <= result.situation.date for t in result.tensions for c in t.citations)


def test_spec_measure_table(base: dict[str, Any]) -> None:
    peace = run(base, atrocities={})
    assert available(peace, "early-warning") and available(peace, "capacity-building")
    assert available(peace, "ihl-dissemination")
    for closed in (
        "mediation",
        "commission-of-inquiry",
        "targeted-sanctions",
        "arms-embargo",
        "chapter-vii-force",
        "icc-referral",
        "ddr",
        "ssr",
        "truth-commission",
        "refugee-return",
    ):
        assert not available(peace, closed), closed
    tension = run(base, atrocities={"genocide": "imminent"})
    assert available(tension, "mediation") and available(tension, "arms-embargo")
    assert available(tension, "targeted-sanctions") and available(tension, "commission-of-inquiry")
    assert not available(tension, "chapter-vii-force")
    risk_only = run(base, atrocities={"genocide": "risk"})
    assert not available(risk_only, "arms-embargo")
    war = run(base, atrocities={}, armed_conflict="international")
    assert available(war, "chapter-vii-force") and not available(war, "commission-of-inquiry")
    after = run(base, atrocities={"war-crimes": "past"}, post_conflict=True)
    for m in ("ddr", "ssr", "truth-commission", "refugee-return"):
        assert available(after, m), m
    old = run(base, date="1950-01-01", atrocities={})
    assert not available(old, "ihl-dissemination")


def test_icc_referral_by_council_and_by_party(base: dict[str, Any]) -> None:
    # Kenya, a party since 2005-06-01: both routes open.
    kenya = run(base)
    assert available(kenya, "icc-referral", "security-council")
    assert available(kenya, "icc-referral", "state")
    # Sudan, never a party: only the Council under Art. 13(b) (as with S/RES/1593 of 2005).
    darfur = run(base, country="SDN", date="2005-03-31", armed_conflict="non-international")
    assert available(darfur, "icc-referral", "security-council")
    assert not available(darfur, "icc-referral", "state")
    reason = next(
        m.reason for m in darfur.measures if m.id == "icc-referral" and m.actor == "state"
    )
    assert "not a party" in reason
    # Before the Statute entered into force, neither.
    early = run(base, date="2002-06-30")
    assert not available(early, "icc-referral")
    assert "2002-07-01" in next(m.reason for m in early.measures if m.id == "icc-referral")


def test_icc_party_derived_from_the_table_across_a_withdrawal(base: dict[str, Any]) -> None:
    # Burundi's withdrawal took effect on 2017-10-27 (Art. 127(1)).
    before = run(base, country="BDI", date="2017-10-26")
    after = run(base, country="BDI", date="2017-10-27")
    assert before.derived.icc_state_party and not after.derived.icc_state_party
    assert after.derived.icc_state_party_source == "ratification-table"


def test_trace_follows_the_conclusion(base: dict[str, Any]) -> None:
    result = run(base)
    rules = [t.rule for t in result.trace]
    assert rules[:11] == [
        "icc_state_party",
        "icc_jurisdiction",
        "stage",
        "r2p_in_force",
        "manifest_failure",
        "response_threshold_met",
        "pillars",
        "ihl_applies",
        "perspectives",
        "tiers",
        "crimes",
    ]
    assert rules.count("measure_available") == len({m.id for m in result.measures})
    assert rules[-1] == "tensions"
