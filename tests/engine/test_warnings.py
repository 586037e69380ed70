"""One test per warning of the contract: the assessment still runs (exit 0) and says why."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from protect import Situation, assess


def codes(doc: dict[str, Any]) -> dict[str, list[str]]:
    result = assess(Situation.model_validate(doc))
    return {w.code: w.fields for w in result.warnings}


def test_no_warning_on_a_clean_situation(base: dict[str, Any]) -> None:
    assert codes(base) == {}


def test_war_crimes_without_armed_conflict(base: dict[str, Any]) -> None:
    got = codes({**base, "atrocities": {"war-crimes": "ongoing"}})
    assert got == {"war-crimes-without-armed-conflict": ["armed_conflict", "atrocities.war-crimes"]}
    result = assess(Situation.model_validate({**base, "atrocities": {"war-crimes": "ongoing"}}))
    assert "armed conflict" in result.warnings[0].message


def test_post_conflict_during_conflict(base: dict[str, Any]) -> None:
    got = codes({**base, "armed_conflict": "non-international", "post_conflict": True})
    assert got == {"post-conflict-during-conflict": ["armed_conflict", "post_conflict"]}


def test_chapter_vii_without_operation(base: dict[str, Any]) -> None:
    got = codes({**base, "peacekeeping": {"chapter_vii": True}})
    assert got == {
        "chapter-vii-without-operation": ["peacekeeping.chapter_vii", "peacekeeping.present"]
    }


def test_poc_mandate_without_operation(base: dict[str, Any]) -> None:
    got = codes({**base, "peacekeeping": {"poc_mandate": True}})
    assert got == {
        "poc-mandate-without-operation": ["peacekeeping.poc_mandate", "peacekeeping.present"]
    }


def test_icc_party_before_the_statute_was_in_force(base: dict[str, Any]) -> None:
    got = codes({**base, "date": "1999-06-01", "icc_state_party": True})
    assert got == {"icc-party-before-in-force": ["icc_state_party", "date"]}


@pytest.mark.parametrize(
    ("country", "date", "claimed"),
    [
        # Kenya deposited on 2005-03-15; the Statute bound it from 2005-06-01 (Art. 126(2)).
        ("KEN", "2008-01-15", False),
        # Sudan signed but never ratified (notice of intent not to ratify, 2008-08-26).
        ("SDN", "2004-06-01", True),
    ],
)
def test_input_contradicting_the_ratification_table(
    base: dict[str, Any], country: str, date: str, claimed: bool
) -> None:
    doc = {**base, "country": country, "date": date, "icc_state_party": claimed}
    result = assess(Situation.model_validate(doc))
    assert [w.code for w in result.warnings] == ["icc-party-before-in-force"]
    assert result.derived.icc_state_party is claimed
    assert result.derived.icc_state_party_source == "input"


def test_warnings_do_not_change_the_exit_code(
    run: Callable[..., Any], base: dict[str, Any]
) -> None:
    result = run({**base, "peacekeeping": {"poc_mandate": True}}, "assess", "--format", "json")
    assert result.exit_code == 0
    assert '"poc-mandate-without-operation"' in result.stdout
