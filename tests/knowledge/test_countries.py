"""Country codes and the GW/COW/numeric crosswalks, checked against extracts of the real data.

The extracts under tests/data/ were cut from ../shared/data: the countrycode code list (five
columns), Gleditsch–Ward states alive since 1974, every GW code in the UCDP GED files with its
first and last event date per year, UCDP's organized-violence country-years, and the COW codes
of the Early Warning Project's country-year files.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from protect.knowledge.countries import (
    UnknownCountryError,
    all_countries,
    country,
    gw_for_iso3,
    is_known,
    iso3_for_cow,
    iso3_for_gw,
    iso3_for_numeric,
)
from protect.knowledge.loader import DATA_DIR, KnowledgeError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
D = dt.date


def _rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_countries", ROOT / "scripts" / "build_countries.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the table -------------------------------------------------------------------------------


def test_committed_yaml_is_exactly_what_the_script_builds() -> None:
    script = _build_script()
    text = script.render(script.build(DATA / "codelist_codes.csv"))
    assert text == (DATA_DIR / "countries.yaml").read_text(encoding="utf-8")


def test_every_current_iso3_of_the_code_list_is_known_with_its_numeric_code() -> None:
    rows = [r for r in _rows("codelist_codes.csv") if r["iso3c"]]
    assert len(rows) == 249
    for r in rows:
        entry = country(r["iso3c"])
        assert not entry.former
        assert entry.iso_numeric == int(r["iso3n"])
        assert iso3_for_numeric(int(r["iso3n"])) == r["iso3c"]


FORMER = {
    "YUG", "SCG", "ZAR", "SUN", "CSK", "DDR", "BUR", "TMP", "YMD", "ANT", "DHY", "HVO", "NTZ",
    "RHO", "VDR", "BYS", "SKM", "AFI", "ATB", "ATN", "CTE", "FXX", "GEL", "JTN", "MID", "NHB",
    "PCI", "PCZ", "PUS", "WAK",
}  # fmt: skip


def test_former_codes_of_iso_3166_3_are_flagged_and_dated() -> None:
    former = {c.iso3 for c in all_countries() if c.former}
    assert former == FORMER
    assert country("YUG").valid_to == D(2003, 2, 3)
    assert country("SCG").valid_from == D(2003, 2, 4)
    assert country("ZAR").valid_to == D(1997, 5, 16)
    assert country("SUN").valid_to == D(1991, 12, 25)


def test_kosovo_is_a_user_assigned_code_not_an_iso_one() -> None:
    kosovo = country("XKX")
    assert kosovo.user_assigned and not kosovo.former
    assert kosovo.gw == 347 and kosovo.iso_numeric is None
    assert [c.iso3 for c in all_countries() if c.user_assigned] == ["XKX"]


def test_display_names_spell_out_and_use_the_names_states_use() -> None:
    assert country("PSE").name == "State of Palestine"
    assert country("COD").name == "Democratic Republic of the Congo"
    assert country("BIH").name == "Bosnia and Herzegovina"
    assert not [c.iso3 for c in all_countries() if "&" in c.name or " - " in c.name]


def test_codes_are_unique_and_sorted() -> None:
    codes = [c.iso3 for c in all_countries()]
    assert codes == sorted(set(codes))


def test_is_known_accepts_current_former_and_user_assigned_codes_only() -> None:
    assert is_known("SDN") and is_known("YUG") and is_known("XKX")
    assert is_known(" srb ")
    assert not is_known("ZZZ") and not is_known("") and not is_known("SU")


def test_unknown_code_raises_a_lookup_error_naming_it() -> None:
    with pytest.raises(UnknownCountryError, match="'QQQ'") as info:
        country("QQQ")
    assert isinstance(info.value, LookupError)
    assert isinstance(info.value, KnowledgeError)
    with pytest.raises(LookupError, match="'ABC'"):
        gw_for_iso3("ABC")


# --- Gleditsch–Ward, as UCDP uses it ---------------------------------------------------------

GW_CASES = [
    (345, D(1995, 7, 11), "YUG"),
    (345, D(2003, 2, 3), "YUG"),
    (345, D(2003, 2, 4), "SCG"),
    (345, D(2006, 6, 4), "SCG"),
    (345, D(2006, 6, 5), "SRB"),
    (345, D(2020, 1, 1), "SRB"),
    (340, D(2020, 1, 1), "SRB"),
    (340, D(1999, 1, 1), None),
    (347, D(2010, 1, 1), "XKX"),
    (347, D(1999, 3, 24), None),
    (678, D(1985, 1, 1), "YEM"),
    (678, D(2015, 3, 26), "YEM"),
    (680, D(1986, 1, 13), "YMD"),
    (680, D(1990, 5, 22), None),
    (490, D(1997, 5, 16), "ZAR"),
    (490, D(1997, 5, 17), "COD"),
    (775, D(1989, 6, 17), "BUR"),
    (775, D(1989, 6, 18), "MMR"),
    (775, D(2017, 8, 25), "MMR"),
    (365, D(1991, 12, 25), "SUN"),
    (365, D(1991, 12, 26), "RUS"),
    (315, D(1992, 12, 31), "CSK"),
    (315, D(1993, 1, 1), None),
    (316, D(1993, 1, 1), "CZE"),
    (265, D(1990, 10, 2), "DDR"),
    (265, D(1990, 10, 3), None),
    (260, D(1980, 1, 1), "DEU"),
    (260, D(2000, 1, 1), "DEU"),
    (816, D(1970, 1, 1), "VDR"),
    (816, D(1979, 2, 17), "VNM"),
    (817, D(1968, 1, 30), "VNM"),
    (817, D(1975, 5, 1), None),
    (815, D(2000, 1, 1), None),
    (626, D(2011, 7, 8), None),
    (626, D(2013, 12, 15), "SSD"),
    (625, D(2004, 1, 1), "SDN"),
    (625, D(2023, 4, 15), "SDN"),
    (666, D(2023, 10, 7), "ISR"),
    (860, D(2002, 5, 20), "TLS"),
    (434, D(1970, 1, 1), "DHY"),
    (439, D(1990, 1, 1), "BFA"),
    (552, D(1979, 1, 1), "RHO"),
    (552, D(1985, 1, 1), "ZWE"),
    (970, D(2020, 1, 1), "KIR"),
    (482, D(2013, 12, 5), "CAF"),
    (369, D(2022, 2, 24), "UKR"),
]


@pytest.mark.parametrize(("gw", "on", "expected"), GW_CASES)
def test_gw_mapping_on_the_ucdp_pitfalls(gw: int, on: dt.date, expected: str | None) -> None:
    assert iso3_for_gw(gw, on) == expected


@pytest.mark.parametrize(
    ("iso3", "gw"),
    [("SRB", 345), ("YEM", 678), ("VNM", 816), ("DEU", 260), ("XKX", 347), ("SSD", 626),
     ("YUG", 345), ("SUN", 365), ("PSE", None), ("KIR", 970), ("TMP", None)],
)  # fmt: skip
def test_gw_for_iso3(iso3: str, gw: int | None) -> None:
    assert gw_for_iso3(iso3) == gw


# GW entities of the code list that have no ISO3 there, and what they map to (checked on a day
# inside their existence); the pre-1974 states never had an ISO code.
NO_ISO_IN_CODELIST = {
    315: (D(1980, 1, 1), "CSK"), 265: (D(1980, 1, 1), "DDR"), 345: (D(1995, 1, 1), "YUG"),
    347: (D(2010, 1, 1), "XKX"), 678: (D(1980, 1, 1), "YEM"), 680: (D(1980, 1, 1), "YMD"),
    817: (D(1970, 1, 1), "VNM"),
}  # fmt: skip


def test_every_gw_code_of_the_code_list_is_mapped_or_knowingly_unmapped() -> None:
    rows = [r for r in _rows("codelist_codes.csv") if r["gwn"]]
    assert len(rows) == 195
    for r in rows:
        gw = int(r["gwn"])
        if r["iso3c"]:
            # SRB is listed under GW 340 and VNM under 815; UCDP's codes for them are tested above.
            expected = {"VNM": None}.get(r["iso3c"], r["iso3c"])
            assert iso3_for_gw(gw, D(2020, 1, 1)) == expected, r
        elif gw in NO_ISO_IN_CODELIST:
            on, iso3 = NO_ISO_IN_CODELIST[gw]
            assert iso3_for_gw(gw, on) == iso3
        else:
            # Baden, Bavaria, Tibet, Zanzibar...: gone before ISO 3166 was first published.
            assert all(iso3_for_gw(gw, D(y, 1, 1)) is None for y in (1850, 1900, 1960, 2000)), r


def test_every_gw_state_alive_since_1974_maps_on_its_first_and_last_day() -> None:
    rows = _rows("gw_states_since_1974.csv")
    assert len(rows) == 179
    for r in rows:
        first = max(D.fromisoformat(r["startdate"]), D(1974, 1, 1))
        last = D.fromisoformat(r["enddate"])
        for on in (first, last):
            assert iso3_for_gw(int(r["gwcode"]), on) is not None, (r, on)


def test_every_gw_code_in_the_ged_files_maps_on_its_event_dates() -> None:
    rows = _rows("ucdp_ged_gw_codes.csv")
    assert {int(r["gw"]) for r in rows} >= {345, 365, 490, 775, 625, 626, 666, 482}
    for r in rows:
        for on in (D.fromisoformat(r["first_date"]), D.fromisoformat(r["last_date"])):
            assert iso3_for_gw(int(r["gw"]), on) is not None, r


def test_ged_country_names_agree_with_the_mapping() -> None:
    by_name: dict[str, set[str]] = {}
    for r in _rows("ucdp_ged_gw_codes.csv"):
        if r["field"] == "country_id":
            iso3 = iso3_for_gw(int(r["gw"]), D.fromisoformat(r["last_date"]))
            by_name.setdefault(r["country"], set()).add(str(iso3))
    assert by_name["Central African Republic"] == {"CAF"}
    assert by_name["South Sudan"] == {"SSD"}
    assert by_name["Myanmar (Burma)"] == {"MMR"}
    assert by_name["DR Congo (Zaire)"] == {"ZAR", "COD"}
    assert by_name["Serbia (Yugoslavia)"] == {"YUG"}
    assert by_name["Russia (Soviet Union)"] == {"RUS"}
    assert by_name["Yemen (North Yemen)"] == {"YEM"}
    assert by_name["Israel"] == {"ISR"}


def test_every_ucdp_country_year_maps_during_that_year() -> None:
    rows = _rows("ucdp_country_year_gw_codes.csv")
    assert len(rows) > 6000
    for r in rows:
        gw, year = int(r["gw"]), int(r["year"])
        assert iso3_for_gw(gw, D(year, 1, 1)) or iso3_for_gw(gw, D(year, 12, 31)), r


# --- COW (Early Warning Project) -------------------------------------------------------------

COW_CASES = [
    (255, 2000, "DEU"),
    (255, 1938, "DEU"),
    (260, 1980, "DEU"),
    (265, 1980, "DDR"),
    (265, 1990, "DDR"),
    (265, 1991, None),
    (345, 1995, "YUG"),
    (345, 2003, "SCG"),
    (345, 2006, "SRB"),
    (345, 2020, "SRB"),
    (347, 2010, "XKX"),
    (365, 1991, "SUN"),
    (365, 1992, "RUS"),
    (678, 1980, "YEM"),
    (679, 2000, "YEM"),
    (680, 1980, "YMD"),
    (816, 1970, "VDR"),
    (816, 1980, "VNM"),
    (817, 1970, "VNM"),
    (817, 1976, None),
    (490, 1996, "ZAR"),
    (490, 1997, "COD"),
    (626, 2011, "SSD"),
    (946, 2020, "KIR"),
    (999, 2020, None),
]


@pytest.mark.parametrize(("cow", "year", "expected"), COW_CASES)
def test_cow_mapping(cow: int, year: int, expected: str | None) -> None:
    assert iso3_for_cow(cow, year) == expected


def test_every_cow_state_year_of_the_early_warning_project_maps() -> None:
    rows = _rows("ewp_cow_codes.csv")
    assert len(rows) > 150
    for r in rows:
        for year in range(int(r["first_year"]), int(r["last_year"]) + 1):
            assert iso3_for_cow(int(r["cow"]), year) is not None, (r, year)


# --- ISO numeric (ACLED) ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "iso3"),
    [(729, "SDN"), (728, "SSD"), (180, "COD"), (104, "MMR"), (626, "TLS"), (275, "PSE"),
     (891, "SCG"), (810, "SUN"), (200, "CSK"), (720, "YMD"), (800, "UGA"), (32, "ARG"),
     (0, None), (999, None)],
)  # fmt: skip
def test_iso_numeric(n: int, iso3: str | None) -> None:
    assert iso3_for_numeric(n) == iso3


def test_numeric_codes_of_acled_extract_map() -> None:
    acled = ROOT.parent / "shared" / "data" / "acled" / "acled_old_dummy.csv"
    if not acled.exists():
        pytest.skip("../shared/data not beside the repository")
    with acled.open(encoding="utf-8", newline="") as fh:
        pairs = {(int(r["iso"]), r["country"]) for r in csv.DictReader(fh)}
    assert pairs
    for n, name in pairs:
        iso3 = iso3_for_numeric(n)
        assert iso3 is not None, (n, name)
