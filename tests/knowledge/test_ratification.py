"""The Rome Statute table: Art. 126(2) entry into force, Art. 127 withdrawals, status by day."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from protect.knowledge.countries import country, is_known
from protect.knowledge.loader import KnowledgeError
from protect.knowledge.ratification import (
    Period,
    check_table,
    declarations,
    icc_state_party,
    in_force_for_state,
    jurisdiction_basis,
    jurisdiction_until,
    party_record,
    reach,
    reach_on,
    table,
)
from protect.knowledge.schema import Declaration, RatificationTable, StateParty, Withdrawal

D = dt.date

# Deposit -> entry into force, confirmed against the depositary's record (decision 002).
ANCHORS = [
    ("KEN", D(2005, 3, 15), D(2005, 6, 1)),
    ("BGD", D(2010, 3, 23), D(2010, 6, 1)),
    ("CIV", D(2013, 2, 15), D(2013, 5, 1)),
    ("PSE", D(2015, 1, 2), D(2015, 4, 1)),
    ("ARM", D(2023, 11, 14), D(2024, 2, 1)),
    ("UKR", D(2024, 10, 25), D(2025, 1, 1)),
    ("AUS", D(2002, 7, 1), D(2002, 9, 1)),
    ("AFG", D(2003, 2, 10), D(2003, 5, 1)),
]


@pytest.mark.parametrize(("iso3", "deposit", "in_force"), ANCHORS)
def test_article_126_2_on_confirmed_anchors(iso3: str, deposit: dt.date, in_force: dt.date) -> None:
    assert in_force_for_state(deposit) == in_force
    record = party_record(iso3)
    assert record is not None
    assert (record.deposit, record.in_force) == (deposit, in_force)
    assert record.confidence == "confirmed"


@pytest.mark.parametrize(
    ("deposit", "in_force"),
    [
        (D(1999, 2, 2), D(2002, 7, 1)),  # Senegal, first deposit
        (D(2002, 4, 11), D(2002, 7, 1)),  # the sixtieth instruments
        (D(2002, 4, 12), D(2002, 7, 1)),  # 60th day 2002-06-11: still July
        (D(2002, 5, 1), D(2002, 7, 1)),  # 60th day 2002-06-30
        (D(2002, 5, 2), D(2002, 8, 1)),  # 60th day 2002-07-01 is itself a first: next month
        (D(2002, 11, 13), D(2003, 2, 1)),  # over a year end
        (D(2005, 10, 28), D(2006, 1, 1)),  # 60th day 2005-12-27
        (D(2024, 1, 1), D(2024, 4, 1)),  # leap year: 60th day 2024-03-01
        (D(2023, 1, 1), D(2023, 4, 1)),  # 60th day 2023-03-02
    ],
)
def test_article_126_2_edges(deposit: dt.date, in_force: dt.date) -> None:
    assert in_force_for_state(deposit) == in_force


def test_table_covers_every_state_party_with_known_unique_codes() -> None:
    parties = table().parties
    codes = [p.country for p in parties]
    assert len(codes) == len(set(codes)) >= 128
    for code in codes:
        assert is_known(code) and not country(code).former
    assert {"UKR", "ARM", "BDI", "PHL", "HUN", "ZAF", "GMB", "MYS"} <= set(codes)


def test_stored_entry_into_force_is_recomputed_for_every_row() -> None:
    for p in table().parties:
        if p.instrument == "succession":
            assert p.in_force <= p.deposit
        else:
            assert p.in_force == in_force_for_state(p.deposit)


def test_montenegro_succession_runs_from_independence() -> None:
    record = party_record("MNE")
    assert record is not None and record.instrument == "succession"
    assert not icc_state_party("MNE", D(2006, 6, 2))
    assert icc_state_party("MNE", D(2006, 6, 3))
    assert icc_state_party("MNE", D(2006, 10, 1))  # before the notification of succession


def test_check_rejects_a_succession_dated_after_its_notification() -> None:
    bad = StateParty(country="MNE", name="Montenegro", deposit=D(2006, 10, 23),
                     instrument="succession", in_force=D(2007, 1, 1))  # fmt: skip
    with pytest.raises(KnowledgeError, match="MNE: a succession takes effect"):
        check_table(_table_with(bad))


def _count_parties(on: dt.date) -> int:
    return sum(icc_state_party(p.country, on) for p in table().parties)


def test_party_counts_over_time() -> None:
    assert _count_parties(D(2002, 6, 30)) == 0
    # 66 instruments by the joint deposit of 2002-04-11; 76 deposited by 2002-07-01.
    assert _count_parties(D(2002, 7, 1)) == 66
    assert sum(p.deposit <= D(2002, 7, 1) for p in table().parties) == 76
    assert _count_parties(D(2024, 12, 31)) == 124
    assert _count_parties(D(2025, 1, 1)) == 125  # Ukraine
    assert _count_parties(D(2026, 6, 2)) == 124  # Hungary gone


@pytest.mark.parametrize(
    ("iso3", "on", "party"),
    [
        ("BDI", D(2004, 11, 30), False),
        ("BDI", D(2004, 12, 1), True),
        ("BDI", D(2017, 10, 26), True),
        ("BDI", D(2017, 10, 27), False),
        ("PHL", D(2011, 10, 31), False),
        ("PHL", D(2011, 11, 1), True),
        ("PHL", D(2019, 3, 16), True),
        ("PHL", D(2019, 3, 17), False),
        ("HUN", D(2026, 6, 1), True),
        ("HUN", D(2026, 6, 2), False),
        ("ZAF", D(2017, 1, 1), True),  # during the withdrawal it later revoked
        ("ZAF", D(2017, 10, 19), True),  # the day it would have taken effect
        ("GMB", D(2017, 1, 1), True),
        ("UKR", D(2024, 12, 31), False),
        ("UKR", D(2025, 1, 1), True),
        ("ARM", D(2024, 1, 31), False),
        ("ARM", D(2024, 2, 1), True),
        ("SEN", D(2002, 6, 30), False),
        ("SEN", D(2002, 7, 1), True),
        ("KEN", D(2008, 1, 1), True),
    ],
)
def test_party_status_around_entry_and_withdrawal(iso3: str, on: dt.date, party: bool) -> None:
    assert icc_state_party(iso3, on) is party


@pytest.mark.parametrize("iso3", ["USA", "RUS", "SDN", "SYR", "MMR", "ISR", "CHN", "IND", "LBY"])
def test_non_parties(iso3: str) -> None:
    assert party_record(iso3) is None
    assert not any(icc_state_party(iso3, D(y, 1, 1)) for y in range(2002, 2027))


def test_malaysia_deposited_but_never_became_a_party() -> None:
    record = party_record("MYS")
    assert record is not None and record.withdrawal is not None
    assert record.withdrawal.effective is not None
    assert record.withdrawal.effective < record.in_force
    for on in (D(2019, 3, 4), D(2019, 4, 28), D(2019, 6, 1), D(2023, 1, 1)):
        assert not icc_state_party("MYS", on)


def test_former_codes() -> None:
    assert not icc_state_party("SUN", D(2002, 7, 1))
    assert not icc_state_party("ZAR", D(2002, 7, 1))
    # The Federal Republic of Yugoslavia ratified in 2001; Serbia continues that ratification.
    assert icc_state_party("YUG", D(2002, 7, 1))
    # The same state under its older code (FRY, renamed Serbia and Montenegro, continued by
    # Serbia): still a party; the engine warns that the code is outside its lifetime.
    assert icc_state_party("YUG", D(2004, 1, 1))
    assert icc_state_party("SCG", D(2004, 1, 1))
    assert icc_state_party("SCG", D(2007, 1, 1))  # Serbia continues Serbia and Montenegro
    assert icc_state_party("SRB", D(2007, 1, 1))
    assert not icc_state_party("YUG", D(1999, 3, 24))


def test_sahel_states_remain_parties_until_a_notification_is_recorded() -> None:
    for code in ("MLI", "BFA", "NER"):
        record = party_record(code)
        assert record is not None and record.withdrawal is None
        assert record.note and "2025-09-22" in record.note


def test_lookup_is_case_and_space_tolerant() -> None:
    assert icc_state_party(" ken", D(2008, 1, 1))
    assert party_record("ken") == party_record("KEN")


def _table_with(party: StateParty) -> RatificationTable:
    stored = table()
    return RatificationTable(instrument="rome-statute", entry_into_force=stored.entry_into_force,
                             rule=stored.rule, source="test", as_of=D(2025, 1, 1),
                             parties=[party])  # fmt: skip


def test_check_rejects_an_in_force_date_that_breaks_article_126() -> None:
    bad = StateParty(country="KEN", name="Kenya", deposit=D(2005, 3, 15),
                     instrument="ratification", in_force=D(2005, 5, 1))  # fmt: skip
    with pytest.raises(KnowledgeError, match=r"KEN: in_force 2005-05-01 .* expected 2005-06-01"):
        check_table(_table_with(bad))


def test_check_rejects_a_withdrawal_shorter_than_a_year() -> None:
    bad = StateParty(
        country="BDI", name="Burundi", deposit=D(2004, 9, 21), instrument="ratification",
        in_force=D(2004, 12, 1), withdrawal=Withdrawal(notified=D(2016, 10, 27),
                                                       effective=D(2017, 10, 26)),
    )  # fmt: skip
    with pytest.raises(KnowledgeError, match=r"BDI: .*Art\. 127\(1\)"):
        check_table(_table_with(bad))


def test_check_rejects_unknown_and_former_codes_and_duplicates() -> None:
    row = StateParty(country="YUG", name="Yugoslavia", deposit=D(2001, 9, 6),
                     instrument="ratification", in_force=D(2002, 7, 1))  # fmt: skip
    with pytest.raises(KnowledgeError, match="YUG: not a current"):
        check_table(_table_with(row))
    ken = party_record("KEN")
    assert ken is not None
    twice = _table_with(ken).model_copy(update={"parties": [ken, ken]})
    with pytest.raises(KnowledgeError, match="KEN appears twice"):
        check_table(twice)


# --- Art. 12(3) declarations and the Court's reach ------------------------------------------

# (country, lodged, covers_from, covers_to): each checked against the ICC's press releases or
# the Registrar's record, as cited in the table's `source` (decision 006).
DECLARATIONS = [
    ("CIV", D(2003, 4, 18), D(2002, 9, 19), None),
    ("PSE", D(2015, 1, 1), D(2014, 6, 13), None),
    ("UKR", D(2014, 4, 17), D(2013, 11, 21), D(2014, 2, 22)),
    ("UKR", D(2015, 9, 8), D(2014, 2, 20), None),
    ("LBY", D(2025, 5, 12), D(2011, 1, 1), D(2027, 12, 31)),
]


def test_declarations_as_sourced() -> None:
    found = [(d.country, d.lodged, d.covers_from, d.covers_to) for d in table().declarations]
    assert sorted(found, key=str) == sorted(DECLARATIONS, key=str)
    for d in table().declarations:
        assert d.confidence == "confirmed"
        assert "ICC" in d.source
    assert [d.lodged for d in declarations(" ukr")] == [D(2014, 4, 17), D(2015, 9, 8)]
    assert declarations("SYR") == ()


def _declaration(**change: object) -> Declaration:
    doc: dict[str, object] = {
        "country": "UKR",
        "lodged": D(2015, 9, 8),
        "covers_from": D(2014, 2, 20),
        "source": "test",
    }
    return Declaration.model_validate({**doc, **change})


def _table_declaring(*found: Declaration) -> RatificationTable:
    ken = party_record("KEN")
    assert ken is not None
    return _table_with(ken).model_copy(update={"parties": [], "declarations": list(found)})


def test_a_declaration_ending_before_it_begins_is_rejected_naming_it() -> None:
    with pytest.raises(ValidationError, match=r"UKR lodged 2015-09-08: covers_to 2014-01-01 is "
                                              r"before covers_from 2014-02-20"):  # fmt: skip
        _declaration(covers_to=D(2014, 1, 1))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"country": "QQQ"}, r"declaration QQQ lodged 2015-09-08: not a current ISO 3166-1 code"),
        ({"country": "YUG"}, r"declaration YUG lodged 2015-09-08: not a current ISO 3166-1 code"),
        (
            {"covers_from": D(2002, 6, 30)},
            r"declaration UKR lodged 2015-09-08: covers_from 2002-06-30 is before the Statute "
            r"entered into force on 2002-07-01 \(Art\. 11\(1\)\)",
        ),
        (
            {"lodged": D(2001, 1, 1), "covers_from": D(2002, 7, 1)},
            r"declaration UKR lodged 2001-01-01: lodged before the Statute entered into force",
        ),
    ],
)
def test_check_rejects_impossible_declarations(change: dict[str, object], message: str) -> None:
    with pytest.raises(KnowledgeError, match=message):
        check_table(_table_declaring(_declaration(**change)))


def test_check_rejects_a_declaration_listed_twice() -> None:
    d = _declaration()
    with pytest.raises(KnowledgeError, match="declaration UKR lodged 2015-09-08 appears twice"):
        check_table(_table_declaring(d, d))


def test_a_table_file_with_a_bad_declaration_names_file_and_entry() -> None:
    """Through the loader, as the real file is read: the message names the file and the entry."""
    from protect.knowledge.loader import _describe

    doc = {"instrument": "rome-statute", "source": "t", "as_of": "2025-01-01", "parties": [],
           "entry_into_force": table().entry_into_force, "rule": table().rule.model_dump(),
           "declarations": [{"country": "PSE", "lodged": "2015-01-01",
                             "covers_from": "2014-06-13", "covers_to": "2014-06-01",
                             "source": "a press release"}]}  # fmt: skip
    with pytest.raises(ValidationError) as err:
        RatificationTable.model_validate(doc)
    text = _describe("rome_statute.yaml", err.value)
    assert text.startswith("rome_statute.yaml: declarations.0: ")
    assert "PSE lodged 2015-01-01: covers_to 2014-06-01 is before covers_from" in text


def _bases(periods: tuple[Period, ...]) -> list[str]:
    return [p.basis for p in periods]


@pytest.mark.parametrize(
    ("iso3", "on", "now", "until"),
    [
        # Palestine: nothing during the 2014 war as of then; the declaration from 2015-01-01;
        # party from 2015-04-01 alongside it.
        ("PSE", D(2014, 7, 30), [], []),
        ("PSE", D(2014, 12, 31), [], []),
        ("PSE", D(2015, 1, 1), ["declaration"], ["declaration"]),
        ("PSE", D(2015, 4, 1), ["party", "declaration"], ["party", "declaration"]),
        # Ukraine: the first declaration's closed period is for past crimes only.
        ("UKR", D(2014, 4, 16), [], []),
        ("UKR", D(2014, 4, 17), [], ["declaration"]),
        ("UKR", D(2015, 9, 8), ["declaration"], ["declaration", "declaration"]),
        ("UKR", D(2025, 1, 1), ["party", "declaration"], ["party", "declaration", "declaration"]),
        # Côte d'Ivoire: covered from the day the 2003 declaration was lodged.
        ("CIV", D(2003, 4, 17), [], []),
        ("CIV", D(2003, 4, 18), ["declaration"], ["declaration"]),
        ("CIV", D(2013, 5, 1), ["party", "declaration"], ["party", "declaration"]),
        # Libya: not before 2025-05-12; closed at the end of 2027.
        ("LBY", D(2011, 3, 1), [], []),
        ("LBY", D(2025, 5, 12), ["declaration"], ["declaration"]),
        ("LBY", D(2028, 1, 1), [], ["declaration"]),
        # Withdrawals: the party years stay for past crimes (Art. 127(2)).
        ("BDI", D(2017, 10, 26), ["party"], ["party"]),
        ("BDI", D(2017, 10, 27), [], ["party"]),
        ("PHL", D(2019, 3, 17), [], ["party"]),
        ("MYS", D(2019, 6, 1), [], []),
        ("SYR", D(2013, 8, 21), [], []),
    ],
)
def test_reach_around_the_dates(iso3: str, on: dt.date, now: list[str], until: list[str]) -> None:
    r = reach(iso3, on)
    assert (_bases(r.now), _bases(r.until)) == (now, until)


def test_closed_party_years_are_named_and_running_ones_are_not() -> None:
    assert reach("BDI", D(2018, 1, 1)).until == (Period("party", D(2004, 12, 1), D(2017, 10, 26)),)
    # Before the withdrawal took effect its end is not shown: it lay in the future.
    assert reach("BDI", D(2017, 1, 1)).now == (Period("party", D(2004, 12, 1), None),)
    first, second = reach("UKR", D(2016, 1, 1)).until
    assert first == Period("declaration", D(2013, 11, 21), D(2014, 2, 22), D(2014, 4, 17))
    assert second == Period("declaration", D(2014, 2, 20), None, D(2015, 9, 8))


def _days(start: dt.date, end: dt.date, step: int = 1) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range(0, (end - start).days + 1, step)]


def test_the_timeline_answers_as_the_rule_for_every_state_and_day() -> None:
    """`reach_on` (a bisect over change days) equals `reach`, and its party flag equals
    `icc_state_party`, on every day around each change and every week from 2002 to 2030."""
    codes = {p.country for p in table().parties} | {d.country for d in table().declarations}
    codes |= {"YUG", "SCG", "SUN", "SYR", "USA"}
    weekly = _days(D(2002, 6, 1), D(2030, 12, 31), 7)
    for code in sorted(codes):
        edges = {D(2002, 7, 1)}
        record = party_record(code)
        if record is not None:
            edges |= {record.in_force}
            if record.withdrawal is not None and record.withdrawal.effective is not None:
                edges.add(record.withdrawal.effective)
        for d in declarations(code):
            edges |= {d.lodged, d.covers_from} | ({d.covers_to} if d.covers_to else set())
        near = {e + dt.timedelta(days=k) for e in edges for k in (-1, 0, 1, 2)}
        for day in sorted(near | set(weekly)):
            r = reach_on(code, day)
            assert r == reach(code, day), (code, day)
            assert r.party is icc_state_party(code, day), (code, day)


def test_basis_and_periods_for_past_crimes() -> None:
    assert jurisdiction_basis("KEN", D(2008, 1, 15)) == "party"
    assert jurisdiction_basis("UKR", D(2022, 3, 15)) == "declaration"
    assert jurisdiction_basis("PSE", D(2021, 3, 3)) == "party"  # party first, declaration too
    assert jurisdiction_basis("SYR", D(2013, 8, 21)) is None
    assert jurisdiction_basis("BDI", D(2018, 6, 1)) is None
    assert jurisdiction_until("BDI", D(2018, 6, 1)) == (
        Period("party", D(2004, 12, 1), D(2017, 10, 26)),
    )
    assert jurisdiction_until("PHL", D(2021, 9, 15)) == (
        Period("party", D(2011, 11, 1), D(2019, 3, 16)),
    )
    assert jurisdiction_until("SYR", D(2020, 1, 1)) == ()
