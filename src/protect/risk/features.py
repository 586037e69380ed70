"""Every model feature with its source and meaning: one table for the code, the drivers shown
next to each forecast, and `docs/risk/features.md`."""

from __future__ import annotations

from dataclasses import dataclass

EWP_SOURCE = "EWP prepared predictors 2025"
UCDP_SOURCE = "UCDP organized violence country-year 25.1"
ACD_SOURCE = "UCDP/PRIO Armed Conflict Dataset 25.1"


@dataclass(frozen=True)
class Feature:
    name: str
    label: str
    source: str


_EWP_LABELS: dict[str, str] = {
    "widetargeting": "ongoing mass killing targets a wide group",
    "narrowtargeting": "ongoing mass killing targets a narrow group",
    "v2csgender_binary": "women's civil-society participation restricted (V-Dem)",
    "v2mecenefm_binary": "government censors the media (V-Dem)",
    "partyban.new.0": "no party bans (V-Dem)",
    "partyban.new.1": "some parties banned (V-Dem)",
    "partyban.new.2": "all but the ruling party banned (V-Dem)",
    "minorityrule": "ruling elite drawn from an ethnic minority",
    "judicialreform": "judiciary attacked or purged (V-Dem)",
    "religiousfreedom": "religious freedom (V-Dem, ordinal)",
    "pol_killing_approved": "political killings practised or approved (V-Dem)",
    "freediscussion": "freedom of discussion (V-Dem index)",
    "social_inequality": "social-group equality in civil liberties low (V-Dem)",
    "even_civilrights": "civil liberties evenly respected (V-Dem)",
    "repress_civilsoc": "civil society repressed (V-Dem)",
    "social_power_dist": "power distributed by social group (V-Dem)",
    "ses_power_dist": "power distributed by socio-economic position (V-Dem)",
    "popsize.log2": "population (log2)",
    "gdppcgrowth": "GDP per capita growth",
    "un_imr_sqrt": "infant mortality (square root, UN)",
    "efindex": "ethnic fractionalization",
    "discrimpop": "share of population politically discriminated against",
    "reg.na": "region: North America",
    "reg.eap": "region: East Asia and Pacific",
    "reg.sca": "region: South and Central Asia",
    "reg.mna": "region: Middle East and North Africa",
    "reg.eur": "region: Europe",
    "ios.iccpr1": "party to the ICCPR first optional protocol",
    "battledeaths.log2": "battle deaths (log2, UCDP via EWP)",
    "coup.try.5yr": "coup attempt in the last five years",
    "mk_ongoing_count_log2": "ongoing mass killings (count, log2)",
    "mean_mk_onset_interaction": (
        "mass-killing onsets in the country up to that year, any before 1960 included (count)"
    ),
    "mk_onset_prev_year": "mass-killing onset in the previous year",
    "newcountry": "country independent within the last two years",
    "mk_ever": "mass killing ever recorded in the country",
    "year_sq": "year squared (time trend)",
    "year": "year (time trend)",
    "countryage.new.log2": "years since independence (log2)",
    "includesnonstate": "year 1989 or later (a time marker)",
}

# UCDP country-year measures (annual, in the year of the features).
UCDP_BASE: dict[str, str] = {
    "ucdp_os_deaths": "one-sided violence deaths (log1p)",
    "ucdp_os_govt": "one-sided killings by any government (log1p)",
    "ucdp_os_nonstate": "one-sided killings by non-state groups (log1p)",
    "ucdp_sb_deaths": "state-based conflict deaths (log1p)",
    "ucdp_ns_deaths": "non-state conflict deaths (log1p)",
    "ucdp_os_dyads": "one-sided violence perpetrators active (count)",
    "ucdp_sb_dyads": "state-based conflict dyads active (count)",
    "ucdp_ns_dyads": "non-state conflict dyads active (count)",
    "ucdp_sb_civilians": "civilians killed in state-based conflict (log1p)",
    "ucdp_ns_civilians": "civilians killed in non-state conflict (log1p)",
    "ucdp_civilian_deaths": "civilians killed in all organized violence (log1p)",
    "ucdp_all_deaths": "all organized-violence deaths (log1p)",
    "ucdp_os_new_perpetrators": "one-sided perpetrators not active in the three prior years",
}
# Measures whose dynamics are summarized by change and recent maxima.
UCDP_DYNAMIC: tuple[str, ...] = (
    "ucdp_os_deaths",
    "ucdp_sb_deaths",
    "ucdp_civilian_deaths",
    "ucdp_all_deaths",
    "ucdp_os_govt",
    "ucdp_os_nonstate",
    "ucdp_ns_deaths",
)
UCDP_COVERED = "ucdp_covered"


def ucdp_feature_names() -> tuple[str, ...]:
    names = list(UCDP_BASE)
    for base in UCDP_DYNAMIC:
        names += [f"{base}_change1", f"{base}_max3", f"{base}_max5"]
    return (*names, UCDP_COVERED)


def _ucdp_label(name: str) -> str:
    if name == UCDP_COVERED:
        return "year within UCDP coverage (1989 on)"
    for suffix, text in (
        ("_change1", "change from the previous year in"),
        ("_max3", "highest over the last three years of"),
        ("_max5", "highest over the last five years of"),
    ):
        if name.endswith(suffix):
            base = name.removesuffix(suffix)
            return f"{text} {UCDP_BASE[base]}"
    return UCDP_BASE[name]


def describe(name: str) -> Feature:
    """Label and source of a feature name used by any model."""
    if name in _EWP_LABELS:
        return Feature(name, _EWP_LABELS[name], EWP_SOURCE)
    if name.startswith("ucdp_"):
        return Feature(name, _ucdp_label(name), UCDP_SOURCE)
    if name.startswith("nb_"):
        from protect.risk.neighbours import NEIGHBOUR_FEATURES, NEIGHBOURHOOD_SOURCE

        if name in NEIGHBOUR_FEATURES:
            return Feature(name, NEIGHBOUR_FEATURES[name][0], NEIGHBOURHOOD_SOURCE)
    if name.startswith("acd_"):
        from protect.risk.conflict import ACD_FEATURES

        if name in ACD_FEATURES:
            return Feature(name, ACD_FEATURES[name], ACD_SOURCE)
    return Feature(name, name, "unknown")


# The "recent violence" baseline: last year's killing of civilians and fighting, and its recent
# peak; fixed before any backtest was run.
RECENT_VIOLENCE: tuple[str, ...] = (
    "ucdp_os_deaths",
    "ucdp_sb_deaths",
    "ucdp_ns_deaths",
    "ucdp_os_deaths_max5",
    "ucdp_sb_deaths_max5",
)
