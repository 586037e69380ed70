"""Generate `src/protect/knowledge/data/countries.yaml` from the countrycode code list.

Run from the repository root: `.venv/bin/python scripts/build_countries.py [CODELIST_CSV]`.
The output is deterministic (sorted by code, fixed key order), so a rerun on the same input
gives a byte-identical file and a diff shows only real changes. The code list gives the current
ISO 3166-1 codes with their GW, COW and numeric codes; the former codes of ISO 3166-3, Kosovo's
user-assigned code and the overrides UCDP needs are written here, because no input file holds
them. docs/decisions/001-country-codes.md explains each override.
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CODELIST = ROOT.parent / "shared" / "data" / "country-codes" / "codelist_without_cldr.csv"
OUTPUT = ROOT / "src" / "protect" / "knowledge" / "data" / "countries.yaml"

D = dt.date

# Corrections to the code list for current codes: the GW code UCDP uses, a COW code the list
# leaves blank, and the first day a code denotes its present entity where a former code or
# another state held the territory before (so that date-aware lookups can tell them apart).
CURRENT_OVERRIDES: dict[str, dict[str, Any]] = {
    # UCDP codes present-day Serbia as 345 ("Serbia (Yugoslavia)"); GW's own 340 stays an alias.
    "SRB": {"gw": 345, "cow": 345, "valid_from": D(2006, 6, 5)},
    "MNE": {"valid_from": D(2006, 6, 3)},
    # GW keeps 678 for Yemen after unification; the code list leaves it blank.
    "YEM": {"gw": 678},
    # GW 815 is pre-colonial Annam (to 1893); the modern state is 816 in GW and UCDP.
    "VNM": {"gw": 816, "valid_from": D(1976, 7, 2)},
    "COD": {"valid_from": D(1997, 5, 17)},
    "MMR": {"valid_from": D(1989, 6, 18)},
    "RUS": {"valid_from": D(1991, 12, 26)},
    "BEN": {"valid_from": D(1975, 11, 30)},
    "BFA": {"valid_from": D(1984, 8, 4)},
    "ZWE": {"valid_from": D(1980, 4, 18)},
    "SSD": {"valid_from": D(2011, 7, 9)},
    "TLS": {"valid_from": D(2002, 5, 20)},
    "CZE": {"valid_from": D(1993, 1, 1)},
    "SVK": {"valid_from": D(1993, 1, 1)},
    # Gleditsch's list of microstates gives these; the code list carries only their COW codes.
    "DMA": {"gw": 54},
    "GRD": {"gw": 55},
    "LCA": {"gw": 56},
    "VCT": {"gw": 57},
    "ATG": {"gw": 58},
    "KNA": {"gw": 60},
    "MCO": {"gw": 221},
    "LIE": {"gw": 223},
    "AND": {"gw": 232},
    "SMR": {"gw": 331},
    "STP": {"gw": 403},
    "SYC": {"gw": 591},
    "VUT": {"gw": 935},
    "KIR": {"gw": 970},
    "NRU": {"gw": 971},
    "TON": {"gw": 972},
    "TUV": {"gw": 973},
    "MHL": {"gw": 983},
    "PLW": {"gw": 986},
    "FSM": {"gw": 987},
    "WSM": {"gw": 990},
}

# Display names: the code list's short English names, with "&" spelled out and these replaced
# where the short form is a locale label or not the name the state uses at the UN.
NAME_OVERRIDES: dict[str, str] = {
    "PSE": "State of Palestine",
    "COD": "Democratic Republic of the Congo",
    "COG": "Republic of the Congo",
    "MMR": "Myanmar",
    "HKG": "Hong Kong",
    "MAC": "Macao",
    "KNA": "Saint Kitts and Nevis",
    "LCA": "Saint Lucia",
    "VCT": "Saint Vincent and the Grenadines",
    "UMI": "United States Minor Outlying Islands",
}

# ISO 3166-3: every former name that had an alpha-3 code, with its former numeric code, and the
# GW/COW code of the state where it was one. Dates: the day before the change took effect.
# FQHH (French Southern and Antarctic Territories, ATF) is left out: ATF is a current code.
FORMER: list[dict[str, Any]] = [
    {
        "iso3": "AFI",
        "name": "French Afars and Issas",
        "iso_numeric": 262,
        "valid_to": D(1977, 6, 26),
    },
    {"iso3": "ANT", "name": "Netherlands Antilles", "iso_numeric": 530, "valid_to": D(2010, 10, 9)},
    {"iso3": "ATB", "name": "British Antarctic Territory"},
    {"iso3": "ATN", "name": "Dronning Maud Land", "iso_numeric": 216},
    {
        "iso3": "BUR",
        "name": "Burma",
        "iso_numeric": 104,
        "gw": 775,
        "cow": 775,
        "valid_to": D(1989, 6, 17),
    },
    {"iso3": "BYS", "name": "Byelorussian SSR", "iso_numeric": 112, "valid_to": D(1991, 9, 18)},
    {
        "iso3": "CSK",
        "name": "Czechoslovakia",
        "iso_numeric": 200,
        "gw": 315,
        "cow": 315,
        "valid_from": D(1918, 10, 28),
        "valid_to": D(1992, 12, 31),
    },
    {"iso3": "CTE", "name": "Canton and Enderbury Islands", "iso_numeric": 128},
    {
        "iso3": "DDR",
        "name": "German Democratic Republic",
        "iso_numeric": 278,
        "gw": 265,
        "cow": 265,
        "valid_from": D(1949, 10, 7),
        "valid_to": D(1990, 10, 2),
    },
    {
        "iso3": "DHY",
        "name": "Dahomey",
        "iso_numeric": 204,
        "gw": 434,
        "cow": 434,
        "valid_to": D(1975, 11, 29),
    },
    {"iso3": "FXX", "name": "France, Metropolitan", "iso_numeric": 249},
    {"iso3": "GEL", "name": "Gilbert and Ellice Islands", "iso_numeric": 296},
    {
        "iso3": "HVO",
        "name": "Upper Volta",
        "iso_numeric": 854,
        "gw": 439,
        "cow": 439,
        "valid_to": D(1984, 8, 3),
    },
    {"iso3": "JTN", "name": "Johnston Island", "iso_numeric": 396},
    {"iso3": "MID", "name": "Midway Islands", "iso_numeric": 488},
    {"iso3": "NHB", "name": "New Hebrides", "iso_numeric": 548, "valid_to": D(1980, 7, 29)},
    {"iso3": "NTZ", "name": "Neutral Zone", "iso_numeric": 536},
    {"iso3": "PCI", "name": "Pacific Islands (Trust Territory)", "iso_numeric": 582},
    {"iso3": "PCZ", "name": "Panama Canal Zone", "iso_numeric": 594},
    {"iso3": "PUS", "name": "US Miscellaneous Pacific Islands", "iso_numeric": 849},
    {
        "iso3": "RHO",
        "name": "Southern Rhodesia",
        "iso_numeric": 716,
        "gw": 552,
        "cow": 552,
        "valid_to": D(1980, 4, 17),
    },
    {
        "iso3": "SCG",
        "name": "Serbia and Montenegro",
        "iso_numeric": 891,
        "gw": 345,
        "cow": 345,
        "valid_from": D(2003, 2, 4),
        "valid_to": D(2006, 6, 4),
    },
    {"iso3": "SKM", "name": "Sikkim", "iso_numeric": 698, "valid_to": D(1975, 5, 15)},
    {
        "iso3": "SUN",
        "name": "USSR",
        "iso_numeric": 810,
        "gw": 365,
        "cow": 365,
        "valid_from": D(1922, 12, 30),
        "valid_to": D(1991, 12, 25),
    },
    {"iso3": "TMP", "name": "East Timor", "iso_numeric": 626, "valid_to": D(2002, 5, 19)},
    {
        "iso3": "VDR",
        "name": "Viet-Nam, Democratic Republic of",
        "gw": 816,
        "cow": 816,
        "valid_from": D(1954, 5, 1),
        "valid_to": D(1976, 7, 1),
    },
    {"iso3": "WAK", "name": "Wake Island", "iso_numeric": 872},
    {
        "iso3": "YMD",
        "name": "Yemen, Democratic",
        "iso_numeric": 720,
        "gw": 680,
        "cow": 680,
        "valid_from": D(1967, 11, 30),
        "valid_to": D(1990, 5, 21),
    },
    {
        "iso3": "YUG",
        "name": "Yugoslavia",
        "iso_numeric": 891,
        "gw": 345,
        "cow": 345,
        "valid_to": D(2003, 2, 3),
    },
    {
        "iso3": "ZAR",
        "name": "Zaire",
        "iso_numeric": 180,
        "gw": 490,
        "cow": 490,
        "valid_to": D(1997, 5, 16),
    },
]

USER_ASSIGNED: list[dict[str, Any]] = [
    {
        "iso3": "XKX",
        "name": "Kosovo",
        "gw": 347,
        "cow": 347,
        "valid_from": D(2008, 2, 17),
        "user_assigned": True,
    },
]

KEYS = (
    "iso3",
    "name",
    "former",
    "user_assigned",
    "gw",
    "cow",
    "iso_numeric",
    "valid_from",
    "valid_to",
)


def _int(text: str) -> int | None:
    return int(text) if text.strip() else None


def read_codelist(path: Path) -> list[dict[str, Any]]:
    """Current codes: one entry per code-list row that has an ISO alpha-3 code."""
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh):
            iso3 = rec["iso3c"].strip()
            if not iso3:
                continue
            rows.append(
                {
                    "iso3": iso3,
                    "name": NAME_OVERRIDES.get(
                        iso3, rec["country.name.en"].strip().replace(" & ", " and ")
                    ),
                    "gw": _int(rec["gwn"]),
                    "cow": _int(rec["cown"]),
                    "iso_numeric": _int(rec["iso3n"]),
                }
            )
    return rows


def build(path: Path) -> list[dict[str, Any]]:
    current = {row["iso3"]: row for row in read_codelist(path)}
    unknown = set(CURRENT_OVERRIDES) - set(current)
    if unknown:
        raise SystemExit(f"overrides name codes not in the code list: {sorted(unknown)}")
    for iso3, fields in CURRENT_OVERRIDES.items():
        current[iso3].update(fields)
    entries = list(current.values())
    for extra in FORMER:
        if extra["iso3"] in current:
            raise SystemExit(f"former code {extra['iso3']} is also a current code")
        entries.append({**extra, "former": True})
    for extra in USER_ASSIGNED:
        entries.append(dict(extra))
    out = []
    for entry in sorted(entries, key=lambda e: str(e["iso3"])):
        out.append({k: entry[k] for k in KEYS if entry.get(k) not in (None, False)})
    return out


def render(entries: list[dict[str, Any]]) -> str:
    """The YAML text: a fixed header, then the entries in the order given."""
    header = (
        "# Generated by scripts/build_countries.py from the countrycode code list\n"
        "# (codelist_without_cldr.csv) plus ISO 3166-3 former codes and XKX. Do not edit by\n"
        "# hand: change the script and rerun it. See docs/decisions/001-country-codes.md.\n"
    )
    return header + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True, width=100)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_CODELIST
    if not path.is_file():
        print(f"code list not found: {path}", file=sys.stderr)
        return 2
    entries = build(path)
    OUTPUT.write_text(render(entries), encoding="utf-8")
    print(f"wrote {len(entries)} codes to {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
