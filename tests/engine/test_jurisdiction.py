"""The Court's territorial jurisdiction and the Prosecutor's route (`icc-proprio-motu`):
party status, Art. 12(3) declarations, Art. 127(2) after a withdrawal, and the input override."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from protect import Assessment, Situation, assess, assess_many
from protect.engine.rulebook import rulebook


def run(**fields: Any) -> Assessment:
    doc = {"armed_conflict": "none", "state_role": "perpetrator", **fields}
    return assess(Situation.model_validate(doc))


def proprio(a: Assessment) -> tuple[bool, str]:
    m = next(m for m in a.measures if m.id == "icc-proprio-motu")
    return m.available, m.reason


def referral_by_state(a: Assessment) -> bool:
    return next(m for m in a.measures if m.id == "icc-referral" and m.actor == "state").available


def jurisdiction(a: Assessment) -> dict[str, Any]:
    entry = next(t for t in a.trace if t.rule == "icc_jurisdiction")
    result: dict[str, Any] = entry.result
    return result


ONGOING = {"crimes-against-humanity": "ongoing"}
PAST = {"crimes-against-humanity": "past"}


def test_party_on_the_date() -> None:
    a = run(country="KEN", date="2008-01-15", atrocities=ONGOING)
    ok, reason = proprio(a)
    assert ok and "from 2005-06-01, as a state party" in reason
    assert jurisdiction(a)["basis"] == "party"
    assert referral_by_state(a)


def test_declaration_covers_a_non_party() -> None:
    a = run(country="UKR", date="2022-03-15", armed_conflict="international",
            atrocities={"war-crimes": "ongoing"}, state_role="protecting")  # fmt: skip
    ok, reason = proprio(a)
    assert ok
    assert "Art. 12(3) declaration lodged 2015-09-08" in reason
    assert "from 2014-02-20 with no end date" in reason
    assert not a.derived.icc_state_party
    # A declaration does not make the state a party: no referral by it (Art. 14).
    assert not referral_by_state(a)
    result = jurisdiction(a)
    assert result["basis"] == "declaration"
    assert result["at_date"] == [
        {"basis": "declaration", "from": "2014-02-20", "to": None, "lodged": "2015-09-08"}
    ]


def test_party_and_declaration_both_count() -> None:
    a = run(country="PSE", date="2021-03-03", armed_conflict="occupation",
            atrocities={"war-crimes": "ongoing"}, state_role="unable")  # fmt: skip
    ok, reason = proprio(a)
    # The reason names the first basis that reaches the crime; `derived.icc` lists them all.
    assert ok and "as a state party" in reason
    assert a.derived.icc.bases == ["art-12-3-declaration", "territory-party"]
    assert a.derived.icc.period_from == dt.date(2014, 6, 13)
    assert [p["basis"] for p in jurisdiction(a)["at_date"]] == ["party", "declaration"]
    assert referral_by_state(a)


def test_neither_party_nor_declarant() -> None:
    a = run(country="SYR", date="2013-08-21", armed_conflict="non-international",
            atrocities={"war-crimes": "ongoing", "crimes-against-humanity": "past"})  # fmt: skip
    ok, reason = proprio(a)
    assert not ok
    assert "neither a party nor covered by an Art. 12(3) declaration" in reason
    assert "the Security Council has not referred the situation" in reason
    assert a.derived.icc.jurisdiction is False and a.derived.icc.bases == []
    assert jurisdiction(a) == {"basis": None, "at_date": [], "for_past_crimes": []}


def test_a_declaration_counts_only_from_the_day_it_is_lodged() -> None:
    """Palestine's declaration reaches back to 2014-06-13 but was lodged on 2015-01-01."""
    war = {"war-crimes": "ongoing"}
    during = run(country="PSE", date="2014-07-30", armed_conflict="occupation", atrocities=war)
    assert not proprio(during)[0]
    eve = run(country="PSE", date="2014-12-31", atrocities={"war-crimes": "past"})
    assert not proprio(eve)[0]
    lodged = run(country="PSE", date="2015-01-01", atrocities={"war-crimes": "past"})
    ok, reason = proprio(lodged)
    assert ok and "from 2014-06-13 with no end date" in reason


def test_a_closed_declaration_period() -> None:
    """Ukraine's first declaration: 2013-11-21 to 2014-02-22, lodged 2014-04-17."""
    before = run(country="UKR", date="2014-04-16", atrocities=PAST)
    assert not proprio(before)[0]
    maidan = run(country="UKR", date="2014-05-01", atrocities=PAST)
    ok, reason = proprio(maidan)
    assert ok and "from 2013-11-21 to 2014-02-22" in reason
    # Crimes under way after the period are not covered by it.
    east = run(country="UKR", date="2014-08-01", armed_conflict="international",
               atrocities={"war-crimes": "ongoing"}, state_role="unable")  # fmt: skip
    assert not proprio(east)[0]
    assert jurisdiction(east)["at_date"] == []
    assert len(jurisdiction(east)["for_past_crimes"]) == 1


@pytest.mark.parametrize(
    ("country", "withdrawn", "period"),
    [
        ("BDI", "2017-10-27", "from 2004-12-01 to 2017-10-26"),
        ("PHL", "2019-03-17", "from 2011-11-01 to 2019-03-16"),
    ],
)
def test_article_127_2_after_a_withdrawal(country: str, withdrawn: str, period: str) -> None:
    day = dt.date.fromisoformat(withdrawn)
    last_day = (day - dt.timedelta(days=1)).isoformat()
    while_party = run(country=country, date=last_day, atrocities=ONGOING)
    assert proprio(while_party)[0]
    # After the withdrawal: crimes still under way are outside, past ones stay within.
    ongoing = run(country=country, date=withdrawn, atrocities=ONGOING)
    assert not proprio(ongoing)[0]
    past = run(country=country, date=withdrawn, atrocities=PAST)
    ok, reason = proprio(past)
    assert ok and period in reason and "Art. 127(2)" in reason
    assert not referral_by_state(past)


def test_a_state_that_withdrew_before_entry_into_force_never_was_within() -> None:
    assert not proprio(run(country="MYS", date="2020-01-01", atrocities=PAST))[0]


def test_input_party_true_counts_as_party_and_adds_no_period_of_its_own() -> None:
    a = run(country="SDN", date="2005-03-31", atrocities=ONGOING, icc_state_party=True)
    ok, reason = proprio(a)
    assert ok and "as a state party (as the input states)" in reason
    assert a.derived.icc_state_party_source == "input"
    assert jurisdiction(a)["at_date"] == [{"basis": "party", "from": None, "to": None}]
    assert [w.code for w in a.warnings] == ["icc-party-before-in-force"]


def test_input_party_false_removes_party_status_but_not_a_declaration() -> None:
    kenya = run(country="KEN", date="2008-01-15", atrocities=ONGOING, icc_state_party=False)
    assert not proprio(kenya)[0]
    assert not referral_by_state(kenya)
    # Palestine after accession, stated as a non-party: its declaration still covers the date.
    pse = run(country="PSE", date="2021-03-03", atrocities=ONGOING, icc_state_party=False)
    ok, reason = proprio(pse)
    assert ok and "declaration lodged 2015-01-01" in reason and "state party" not in reason
    # A withdrawn state stated as a non-party keeps its closed party years for past crimes.
    bdi = run(country="BDI", date="2018-06-01", atrocities=PAST, icc_state_party=False)
    assert proprio(bdi)[0]
    # And a current party stated as a non-party loses its running period for past crimes too.
    ken_past = run(country="KEN", date="2010-03-31", atrocities=PAST, icc_state_party=False)
    assert not proprio(ken_past)[0]


def test_nothing_before_the_statute_and_citations_by_date() -> None:
    early = run(country="CIV", date="2002-06-30", atrocities=PAST)
    assert not proprio(early)[0]
    entry = next(t for t in early.trace if t.rule == "icc_jurisdiction")
    assert entry.citations == []
    later = run(country="CIV", date="2011-03-31", atrocities=ONGOING)
    entry = next(t for t in later.trace if t.rule == "icc_jurisdiction")
    assert [c.pinpoint for c in entry.citations] == ["Art. 11", "Art. 12(2)-(3)", "Art. 127(2)"]
    assert entry.inputs == {"icc_state_party": False}
    # The country and the date are in the entry just before it.
    assert later.trace[0].rule == "icc_state_party" and later.trace[1] is entry
    assert later.trace[0].inputs["country"] == "CIV"
    cites = next(m.citations for m in later.measures if m.id == "icc-proprio-motu")
    assert {"Art. 12(2)-(3)", "Art. 127(2)", "Art. 11"} <= {c.pinpoint for c in cites}


def _cold() -> None:
    for cm in rulebook().measures:
        cm.cache.clear()
    for g in rulebook().groups:
        g.cache.clear()


def _situation(country: str) -> Situation:
    doc = {"armed_conflict": "none", "state_role": "perpetrator", "country": country,
           "date": "2021-09-15", "atrocities": PAST}  # fmt: skip
    return Situation.model_validate(doc)


def test_assessed_together_each_country_keeps_its_own_period() -> None:
    """Assessed in one `assess_many` call, countries with the same facts on the same day still get
    the Prosecutor's finding for their own reach, in either order, equal to `assess` alone; the
    same country on two days of one period shares one body."""
    cold: dict[str, dict[str, Any]] = {}
    for country in ("BDI", "PHL", "KEN", "SYR", "UGA"):
        _cold()
        cold[country] = assess(_situation(country)).model_dump(mode="json")
    pairs = (("BDI", "PHL"), ("PHL", "BDI"), ("SYR", "BDI"), ("KEN", "UGA"), ("UGA", "KEN"))
    for first, second in pairs:
        _cold()
        a, b = assess_many([_situation(first), _situation(second)])
        assert a.model_dump(mode="json") == cold[first]
        assert b.model_dump(mode="json") == cold[second]
    day_after = _situation("BDI").model_copy(update={"date": dt.date(2021, 9, 16)})
    one, two = assess_many([_situation("BDI"), day_after])
    assert one.norms is two.norms
    assert "2004-12-01 to 2017-10-26" in str(cold["BDI"]["measures"])
    assert "2011-11-01 to 2019-03-16" in str(cold["PHL"]["measures"])
    assert "from 2005-06-01, as a state party" in str(cold["KEN"]["measures"])
    assert "from 2002-09-01, as a state party" in str(cold["UGA"]["measures"])
