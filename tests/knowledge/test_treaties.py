"""Treaty participation and regional membership by state and date (contract 4.2).

Facts asserted here are cited to the source that was read; rows still marked `unverified` in the
tables are asserted only for what their own structure guarantees (rule, continuity), not for
their day.
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protect.knowledge.countries import all_countries
from protect.knowledge.loader import KnowledgeError, read_yaml
from protect.knowledge.treaties import (
    CONTINUITY_FILE,
    FILES,
    ORGANISATIONS_FILE,
    TREATY_INSTRUMENTS,
    ContinuityTable,
    EntryRule,
    OrganisationsTable,
    TreatyTable,
    check_continuity,
    check_organisations,
    check_treaty_table,
    continuity,
    in_force_for,
    instrument_ids,
    memberships,
    organisations,
    participation,
    table_files,
    treaty_table,
)

D = dt.date
GENEVA = FILES["gc-i"]
GENOCIDE = FILES["genocide-convention"]


def orgs_on(code: str, on: dt.date) -> set[str]:
    return {m.organisation for m in memberships(code, on)}


# --- the facts the contract names -------------------------------------------------------------


def test_myanmar_is_not_party_to_either_protocol_during_the_2017_clearance_operations() -> None:
    # ICRC IHL treaty database; issue 10, defect 4: AP II was cited for Myanmar although it
    # never joined. The Geneva Conventions do bind it (accession 1992, Special Rapporteur
    # E/CN.4/1993/37 para. 158).
    for instrument in ("ap-i", "ap-ii"):
        p = participation(instrument, "MMR", D(2017, 8, 25))
        assert not p.party and p.since is None and p.deposit is None
    assert participation("gc-iii", "MMR", D(2017, 8, 25)).party
    # Burma, the former code, reads the same (absent) row and the same Conventions row.
    assert not participation("ap-ii", "BUR", D(1988, 1, 1)).party
    assert participation("gc-iv", "BUR", D(1988, 1, 1)).party is False  # acceded only in 1992


def test_rwanda_article_ix_reservation_in_1994_and_after_its_withdrawal() -> None:
    # Accession 1975-04-16 with a reservation to Art. IX (UNTC IV.1; The New Times 2008-12-09;
    # ICJ, Armed Activities (DRC v. Rwanda), 2006). The reservation was withdrawn in 2008; the
    # day (2008-10-15) is recalled from the depositary's notes and the row says so.
    genocide = participation("genocide-convention", "RWA", D(1994, 4, 7))
    assert genocide.party and genocide.reservations == ("IX",)
    assert genocide.deposit == D(1975, 4, 16) and genocide.since == D(1975, 7, 15)  # 90th day
    later = participation("genocide-convention", "RWA", D(2009, 1, 1))
    assert later.party and later.reservations == ()
    row = next(r for r in treaty_table(GENOCIDE).parties if r.country == "RWA")
    (reservation,) = row.reservations
    assert reservation.withdrawn is not None and reservation.withdrawn.year == 2008
    assert row.confidence == "unverified" and "recalled" in (row.note or "")


def test_bosnia_bound_by_the_geneva_conventions_from_independence() -> None:
    # Succession notified 1992-12-31, effective from independence on 1992-03-06 (Swiss depositary
    # practice: a succession takes effect on the day of independence; ICRC, IRRC No. 317).
    p = participation("gc-iv", "BIH", D(1992, 3, 6))
    assert p.party and p.kind == "succession" and p.since == D(1992, 3, 6)
    assert p.deposit == D(1992, 12, 31)
    assert not participation("gc-iv", "BIH", D(1992, 3, 5)).party
    # The same for the Genocide Convention (UNTC IV.1: succession notified 1992-12-29).
    g = participation("genocide-convention", "BIH", D(1992, 5, 1))
    assert g.party and g.kind == "succession" and g.confidence == "confirmed"


def test_south_sudan_accessions() -> None:
    # ICRC news release 12/154 (2012-07-19): South Sudan acceded to the Conventions and the
    # Protocols after the bill of 2012-07-16; the Refugee Convention and Protocol by accession.
    gc = participation("gc-i", "SSD", D(2013, 6, 1))
    assert gc.party and gc.kind == "accession"
    assert not participation("gc-i", "SSD", D(2011, 12, 31)).party
    for instrument in ("ap-i", "ap-ii", "refugee-convention", "refugee-protocol"):
        p = participation(instrument, "SSD", D(2025, 1, 1))
        assert p.party and p.kind == "accession", instrument
    assert not participation("genocide-convention", "SSD", D(2025, 1, 1)).party


def test_united_states_party_to_the_conventions_not_to_protocol_i() -> None:
    # Ratification of the Conventions 1955; AP I signed 1977, never ratified (ICRC database).
    on = D(2003, 3, 20)
    assert all(participation(gc, "USA", on).party for gc in ("gc-i", "gc-ii", "gc-iii", "gc-iv"))
    assert not participation("ap-i", "USA", on).party
    assert not participation("ap-ii", "USA", on).party
    g = participation("genocide-convention", "USA", D(1999, 5, 1))
    assert g.party and g.reservations == ("IX",)  # UNTC IV.1: consent required in each case


def test_morocco_outside_the_oau_and_au_from_1984_to_2017() -> None:
    # AU member-states page (amo.au.int): Morocco left the OAU in 1984 and deposited its
    # accession to the Constitutive Act on 2017-01-31 (Assembly/AU/Dec.639(XXVIII)).
    assert "organisation-of-african-unity" in orgs_on("MAR", D(1980, 1, 1))
    for day in (D(1985, 1, 1), D(2002, 7, 9), D(2017, 1, 30)):
        assert not orgs_on("MAR", day) & {"organisation-of-african-unity", "african-union"}
    assert "african-union" in orgs_on("MAR", D(2017, 1, 31))


def test_sahel_states_leave_ecowas_on_29_january_2025() -> None:
    # ECOWAS Authority, 66th session (2024-12-15): under Art. 91 of the revised Treaty the three
    # states cease to be members from 2025-01-29.
    for code in ("BFA", "MLI", "NER"):
        assert "ecowas" in orgs_on(code, D(2025, 1, 28)), code
        assert "ecowas" not in orgs_on(code, D(2025, 1, 29)), code
        assert "african-union" in orgs_on(code, D(2025, 1, 29))  # suspension is not departure
    assert "ecowas" in orgs_on("HVO", D(1980, 1, 1))  # Upper Volta reads Burkina Faso's row


def test_united_kingdom_leaves_the_eu_at_the_end_of_31_january_2020() -> None:
    # europa.eu: the United Kingdom withdrew on 31 January 2020; member from 1973-01-01.
    assert "european-union" in orgs_on("GBR", D(2020, 1, 31))
    assert "european-union" not in orgs_on("GBR", D(2020, 2, 1))
    assert "european-union" not in orgs_on("GBR", D(1972, 12, 31))
    assert "council-of-europe" in orgs_on("GBR", D(2020, 2, 1))


def test_russia_expelled_from_the_council_of_europe_on_16_march_2022() -> None:
    # CM/Res(2022)2: the Russian Federation ceases to be a member as from 16 March 2022.
    assert "council-of-europe" in orgs_on("RUS", D(2022, 3, 15))
    assert "council-of-europe" not in orgs_on("RUS", D(2022, 3, 16))


def test_memberships_sorted_and_dated() -> None:
    got = memberships("FRA", D(2024, 1, 1))
    assert [m.organisation for m in got] == ["council-of-europe", "european-union"]
    assert got[1].since == D(1958, 1, 1) and got[1].name == "European Union"
    assert memberships("FRA", D(1940, 1, 1)) == ()
    # The AU did not exist before 2002-07-09; the OAU did not after 2002-07-08.
    assert orgs_on("KEN", D(2002, 7, 8)) == {"organisation-of-african-unity"}
    assert orgs_on("KEN", D(2002, 7, 9)) == {"african-union"}


# --- succession and continuity ---------------------------------------------------------------


def test_russia_bound_from_the_soviet_unions_date() -> None:
    # USSR instrument deposited 1954-05-10, in force 1954-11-10 (Russian treaty compilation).
    p = participation("gc-iv", "RUS", D(2022, 2, 24))
    assert p.party and p.country == "SUN" and p.since == D(1954, 11, 10)
    assert participation("gc-iv", "SUN", D(1980, 1, 1)) == participation(
        "gc-iv", "RUS", D(1980, 1, 1)
    )
    # Ukraine was a party in its own right (a founding UN Member as the Ukrainian SSR).
    assert participation("gc-iv", "UKR", D(2022, 2, 24)).country == "UKR"


def test_serbia_reads_the_yugoslav_line_until_its_own_row_binds() -> None:
    # FRY accession of 2001-03-12 with an Art. IX reservation (UNTC IV.1); the ICJ held the FRY
    # bound from 1992-04-27 (Croatia v. Serbia, 2015). Before 2001 the table reads the SFRY row.
    early = participation("genocide-convention", "SRB", D(1995, 7, 11))
    assert early.party and early.country == "YUG" and early.reservations == ()
    late = participation("genocide-convention", "SRB", D(2010, 1, 1))
    assert late.party and late.country == "SRB" and late.reservations == ("IX",)
    assert participation("genocide-convention", "SCG", D(2004, 1, 1)).party


def test_renamed_codes_read_the_current_row() -> None:
    assert participation("cat", "ZAR", D(1997, 1, 1)) == participation("cat", "COD", D(1997, 1, 1))
    assert participation("cat", "ZAR", D(1997, 1, 1)).country == "COD"


def test_dissolved_state_rows_do_not_pass_to_successors() -> None:
    # Czechoslovakia ratified the Conventions in 1950; the Czech Republic is bound by its own
    # succession from 1993-01-01, not by the Czechoslovak row.
    assert participation("gc-i", "CSK", D(1980, 1, 1)).party
    czech = participation("gc-i", "CZE", D(1993, 1, 1))
    assert czech.party and czech.country == "CZE" and czech.kind == "succession"
    assert not participation("gc-i", "CZE", D(1992, 12, 31)).party


def test_yemen_carries_the_pdry_accession_only_after_unification() -> None:
    # UNTC IV.1 lists the PDRY's 1987 accession under Yemen; unified on 1990-05-22.
    assert not participation("genocide-convention", "YEM", D(1988, 1, 1)).party
    assert participation("genocide-convention", "YEM", D(1991, 1, 1)).party
    assert participation("genocide-convention", "YMD", D(1988, 1, 1)).party


def test_geneva_conventions_share_one_file_with_variants() -> None:
    assert {FILES[i] for i in ("gc-i", "gc-ii", "gc-iii", "gc-iv")} == {GENEVA}
    tto_1970 = D(1970, 1, 1)
    assert participation("gc-i", "TTO", tto_1970).party
    assert not participation("gc-iv", "TTO", tto_1970).party


def test_unknown_instrument_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        participation("rome-statute", "KEN", D(2010, 1, 1))
    assert TREATY_INSTRUMENTS == (
        "gc-i", "gc-ii", "gc-iii", "gc-iv", "ap-i", "ap-ii",
        "genocide-convention", "cat", "refugee-convention", "refugee-protocol",
    )  # fmt: skip


def test_table_files_are_the_files_read() -> None:
    files = table_files()
    assert len(files) == 9 and all(f.is_file() for f in files)
    names = {f.name for f in files}
    assert {"organisations.yaml", "continuity.yaml", "geneva-conventions.yaml"} <= names


# --- coverage and honesty ---------------------------------------------------------------------


def test_every_current_state_is_party_to_the_geneva_conventions() -> None:
    # 196 parties (ICRC): every UN Member, the Holy See, Palestine and the Cook Islands.
    missing = [
        c.iso3
        for c in all_countries()
        if not c.former
        and (c.gw or c.cow)
        and c.iso3 not in {"TWN", "XKX"}
        and not participation("gc-iv", c.iso3, D(2025, 1, 1)).party
    ]
    assert missing == []


# First day each instrument bound the state, as read in a source (see the row's `source`):
# NL = Dutch treaty database party table (verdragen.nl: GC IV 007128, AP I 001063, AP II 001064);
# AT = Austrian Federal Law Gazette notices of the Swiss depositary's communications.
CHECKED_FIRST_DAYS = [
    ("ap-ii", "AGO", D(2020, 4, 7)),  # NL: accession 2019-10-07
    ("ap-ii", "AND", D(2025, 12, 19)),  # NL: accession 2025-06-19
    ("gc-iv", "ARM", D(1993, 12, 7)),  # NL: accession 1993-06-07 (the table held 1993-02-07)
    ("ap-i", "ARM", D(1993, 12, 7)),  # NL: accession 1993-06-07
    ("ap-ii", "DJI", D(1991, 10, 8)),  # Trb. 1996, 242: accession 1991-04-08 (held 1991-01-08)
    ("gc-iv", "BIH", D(1992, 3, 6)),  # NL: succession notified 1992-12-31, from independence
    ("gc-iv", "CAF", D(1960, 8, 13)),  # NL: succession notified 1966-08-01, from independence
    ("gc-iv", "USA", D(1956, 2, 2)),  # AT BGBl. 80/1956: ratification deposited 1955-08-02
    ("gc-iv", "IRQ", D(1956, 8, 14)),  # AT BGBl. 80/1956: accession 1956-02-14
    ("gc-iv", "MLI", D(1965, 11, 24)),  # AT BGBl. 126/1967: entry into force
    ("gc-iv", "KEN", D(1967, 3, 20)),  # AT BGBl. 126/1967: entry into force
    ("ap-ii", "ETH", D(1994, 10, 8)),  # AT BGBl. 340/1996 and Trb. 1996, 242: 1994-04-08
    ("ap-ii", "CIV", D(1990, 3, 20)),  # NL: ratification 1989-09-20
]


@pytest.mark.parametrize(("instrument", "code", "first_day"), CHECKED_FIRST_DAYS)
def test_rows_checked_against_a_source_bind_from_the_day_read(
    instrument: str, code: str, first_day: dt.date
) -> None:
    bound = participation(instrument, code, first_day)
    assert bound.party and bound.since == first_day and bound.confidence == "confirmed"
    assert not participation(instrument, code, first_day - dt.timedelta(days=1)).party


def test_protocol_counts_match_the_icrc_2020_totals() -> None:
    # ICRC contribution to the Secretary-General's 2020 report: 174 parties to AP I and 169 to
    # AP II, Angola's accession (2019-10-07, Dutch treaty database, AP II party table) included.
    day = D(2020, 6, 30)
    current = [c.iso3 for c in all_countries() if not c.former]  # Palestine, Cook Islands included
    ap_i = sum(participation("ap-i", code, day).party for code in current)
    ap_ii = sum(participation("ap-ii", code, day).party for code in current)
    assert ap_i == 174
    assert ap_ii == 169


def test_every_row_is_dated_sourced_or_marked() -> None:
    for name in sorted(set(FILES.values())):
        data = treaty_table(name)
        assert data.source and data.as_of
        for row in data.parties:
            if row.confidence == "confirmed":
                assert row.source or data.source, (name, row.country)
            else:
                assert row.note, f"{name}: unverified row {row.country} does not say why"
    for org in organisations().organisations:
        for m in org.members:
            if m.confidence == "unverified":
                assert m.note, (org.id, m.country)
            else:
                assert m.source or org.source


# --- the rule, as a property -------------------------------------------------------------------


def test_every_row_follows_its_treatys_rule() -> None:
    independence = {e.current: e.date for e in continuity().entries if e.kind == "dissolved"}
    for name in sorted(set(FILES.values())):
        data = treaty_table(name)
        for row in data.parties:
            if row.instrument in ("succession", "continuation"):
                assert data.rule.general <= row.in_force <= row.deposit, (name, row.country)
                if row.country in independence and independence[row.country] >= data.rule.general:
                    assert row.in_force == independence[row.country]
            else:
                assert row.in_force == in_force_for(data.rule, row.deposit), (name, row.country)


@given(st.dates(min_value=D(1945, 1, 1), max_value=D(2100, 12, 31)))
def test_rule_properties(deposit: dt.date) -> None:
    for name in sorted(set(FILES.values())):
        rule = treaty_table(name).rule
        day = in_force_for(rule, deposit)
        assert day >= rule.general and day >= deposit
        assert in_force_for(rule, deposit + dt.timedelta(days=1)) >= day  # never earlier


@pytest.mark.parametrize(
    ("rule", "deposit", "expected"),
    [
        # Genocide Convention Art. XIII: Afghanistan 1956-03-22 -> the 90th day, 1956-06-20.
        (EntryRule(general=D(1951, 1, 12), delay_days=90), D(1956, 3, 22), D(1956, 6, 20)),
        # Before the twentieth instrument: the Convention's own date.
        (EntryRule(general=D(1951, 1, 12), delay_days=90), D(1949, 7, 1), D(1951, 1, 12)),
        # CAT Art. 27(2): 30th day.
        (EntryRule(general=D(1987, 6, 26), delay_days=30), D(1994, 5, 11), D(1994, 6, 10)),
        # Refugee Protocol Art. VIII(2): on deposit.
        (EntryRule(general=D(1967, 10, 4)), D(2005, 8, 30), D(2005, 8, 30)),
        # Geneva Conventions: six months, a month end falls to the last day of the month.
        (EntryRule(general=D(1950, 10, 21), delay_months=6), D(2003, 8, 31), D(2004, 2, 29)),
        (EntryRule(general=D(1950, 10, 21), delay_months=6), D(1950, 3, 31), D(1950, 10, 21)),
    ],
)
def test_rule_examples(rule: EntryRule, deposit: dt.date, expected: dt.date) -> None:
    assert in_force_for(rule, deposit) == expected


# --- load-time checks on corrupted copies ----------------------------------------------------


def _copy(name: str) -> dict[str, Any]:
    return copy.deepcopy(read_yaml(name))


def _row(data: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in data["parties"] if r["country"] == code)


def _check(name: str, data: dict[str, Any]) -> None:
    check_treaty_table(TreatyTable.model_validate(data), name, continuity())


def test_the_real_files_pass_their_checks() -> None:
    for name in sorted(set(FILES.values())):
        _check(name, _copy(name))
    check_continuity(ContinuityTable.model_validate(_copy(CONTINUITY_FILE)))
    check_organisations(
        OrganisationsTable.model_validate(_copy(ORGANISATIONS_FILE)),
        instrument_ids=instrument_ids(),
    )


def test_mistyped_in_force_is_rejected_naming_file_and_row() -> None:
    data = _copy(GENOCIDE)
    _row(data, "AFG")["in_force"] = D(1956, 6, 21)
    with pytest.raises(KnowledgeError, match=r"genocide-convention.yaml: AFG: in_force 1956-06-21"):
        _check(GENOCIDE, data)


def test_succession_not_on_independence_is_rejected() -> None:
    data = _copy(GENEVA)
    _row(data, "BIH")["in_force"] = D(1992, 4, 6)
    with pytest.raises(KnowledgeError, match=r"BIH: a succession takes effect on independence"):
        _check(GENEVA, data)
    data = _copy(GENEVA)
    _row(data, "SRB")["in_force"] = D(2002, 1, 1)  # after its notification of 2001-10-16
    with pytest.raises(KnowledgeError, match=r"SRB: a succession takes effect between"):
        _check(GENEVA, data)


def test_unknown_code_duplicate_and_renamed_rows_are_rejected() -> None:
    data = _copy(GENEVA)
    _row(data, "AFG")["country"] = "QQQ"
    with pytest.raises(KnowledgeError, match=r"QQQ: unknown country code"):
        _check(GENEVA, data)
    data = _copy(GENEVA)
    data["parties"].append(copy.deepcopy(_row(data, "AFG")))
    with pytest.raises(KnowledgeError, match=r"AFG: appears twice"):
        _check(GENEVA, data)
    data = _copy(GENEVA)
    _row(data, "COD")["country"] = "ZAR"
    with pytest.raises(KnowledgeError, match=r"ZAR: a renamed state; store the row under COD"):
        _check(GENEVA, data)


def test_reservation_withdrawn_before_made_is_rejected() -> None:
    data = _copy(GENOCIDE)
    _row(data, "RWA")["reservations"][0]["withdrawn"] = D(1970, 1, 1)
    with pytest.raises(KnowledgeError, match=r"RWA: reservation to Art. IX withdrawn 1970-01-01"):
        _check(GENOCIDE, data)


def test_withdrawal_before_deposit_is_rejected() -> None:
    data = _copy(FILES["cat"])
    _row(data, "AFG")["withdrawal"] = {"notified": D(1980, 1, 1), "effective": D(1981, 1, 1)}
    with pytest.raises(KnowledgeError, match=r"AFG: withdrawal notified before the deposit"):
        _check(FILES["cat"], data)


def test_overlapping_membership_periods_are_rejected() -> None:
    data = _copy(ORGANISATIONS_FILE)
    coe = next(o for o in data["organisations"] if o["id"] == "council-of-europe")
    greece = [m for m in coe["members"] if m["country"] == "GRC"]
    greece[0]["left"] = D(1980, 1, 1)  # runs past the readmission of 1974
    with pytest.raises(KnowledgeError, match=r"council-of-europe: GRC: membership periods overlap"):
        check_organisations(OrganisationsTable.model_validate(data))


def test_membership_before_the_organisation_existed_is_rejected() -> None:
    data = _copy(ORGANISATIONS_FILE)
    au = next(o for o in data["organisations"] if o["id"] == "african-union")
    au["members"][0]["since"] = D(1999, 1, 1)
    with pytest.raises(KnowledgeError, match=r"african-union: .* before the organisation existed"):
        check_organisations(OrganisationsTable.model_validate(data))


def test_unknown_founding_instrument_is_rejected() -> None:
    data = _copy(ORGANISATIONS_FILE)
    au = next(o for o in data["organisations"] if o["id"] == "african-union")
    assert au["founding_instrument"] == "au-constitutive-act"
    au["founding_instrument"] = "au-charter"
    with pytest.raises(KnowledgeError, match=r"founding_instrument au-charter is not in"):
        check_organisations(
            OrganisationsTable.model_validate(data), instrument_ids=instrument_ids()
        )


def test_continuity_checks() -> None:
    data = _copy(CONTINUITY_FILE)
    data["entries"].append(copy.deepcopy(data["entries"][0]))
    with pytest.raises(KnowledgeError, match=r"BUR -> MMR: appears twice"):
        check_continuity(ContinuityTable.model_validate(data))
    data = _copy(CONTINUITY_FILE)
    data["entries"][0]["former"] = "KEN"
    with pytest.raises(KnowledgeError, match=r"renamed, but KEN is not a former code"):
        check_continuity(ContinuityTable.model_validate(data))
