"""Where the International Criminal Court may act, on which basis, over crimes of which days.

Contract v2, 4.3: the Court reaches crimes on the territory of a state within its jurisdiction
(party or Art. 12(3) declaration, Art. 12(2)(a)), crimes by nationals of such a state (Art.
12(2)(b)), conduct completed partly on such a territory, and situations the Security Council
refers (Art. 13(b)); and only crimes committed after the later of the Statute's entry into force
and the day the basis took effect (Art. 11). Each ICC measure asks one of three questions:
`any` basis (an investigation), a `council` referral (any state, from the Statute's entry into
force) or a `state` referral (Art. 14: a basis other than a Council referral).
"""

from __future__ import annotations

import datetime as dt
from functools import cache, lru_cache
from typing import NamedTuple

from protect.engine import MEMO_ENTRIES
from protect.engine.model import IccJurisdiction, Situation, made
from protect.knowledge import kb
from protect.knowledge.ratification import Period, Reach, reach_on
from protect.knowledge.schema import Provision
from protect.knowledge.words import crime_name

SCOPES = ("any", "council", "state")


class Window(NamedTuple):
    """Days of crimes the Court can reach on one basis: from `start` to `end` (None: open)."""

    basis: str
    start: dt.date
    end: dt.date | None
    detail: str
    # Whether it covers the situation's date: a crime under way then falls within it. Every
    # window has begun by the date, so this is all an ongoing crime needs, and it keeps the
    # date itself out of the cache keys.
    at_date: bool = True


class Span(NamedTuple):
    """Days on which a crime was committed, as the situation states them."""

    crime: str
    start: dt.date
    end: dt.date
    ongoing: bool = False  # under way on the date, with no `committed` period given

    def words(self) -> str:
        """The crime and its days, as the subject of "fall(s) within the Court's reach"."""
        name, plural = crime_name(self.crime)
        verb = "fall" if plural else "falls"
        if self.ongoing:
            return f"{name} (ongoing at the date) {verb}"
        return f"{name} (committed {_day(self.start)} to {_day(self.end)}) {verb}"


Fit = tuple[bool, str]  # (within the Court's reach, the words that say why)


class IccFacts(NamedTuple):
    """What the engine needs of the Court for one situation; hashable, so it keys caches."""

    windows: tuple[Window, ...]
    spans: tuple[Span, ...]
    unknown: tuple[str, ...]  # crimes `past` in the short form: when, is not known
    fits: tuple[Fit, Fit, Fit]  # for SCOPES, in order
    jurisdiction: IccJurisdiction  # `derived.icc`


# Answers for the common case (the territory's own bases, crimes given by status only), keyed
# by the reach (a lasting object of the ratification timeline, held here so its identity is not
# reused), the crimes and whether the Statute is in force.
_SIMPLE: dict[tuple[object, ...], tuple[Reach, IccFacts]] = {}


def _pin(key: Provision) -> str:
    """A provision's pinpoint from the knowledge base ("Art. 11"), for the engine's words."""
    return kb().pinpoint(key)


@cache
def statute_in_force() -> dt.date:
    """Art. 126(1), from the knowledge base (the one home of the date)."""
    day = kb().instruments["rome-statute"].in_force
    assert day is not None
    return day


def _period_words(p: Period) -> str:
    """One period of a state's acceptance of the Court, in words."""
    if p.basis == "party":
        if p.start is None:
            return "as a state party (as the input states)"
        if p.end is None:
            return f"from {_day(p.start)}, as a state party"
        return (
            f"from {_day(p.start)} to {_day(p.end)}, while the state was a party "
            f"(kept after its withdrawal by {_pin('icc-after-withdrawal')})"
        )
    until = f"to {_day(p.end)}" if p.end is not None else "with no end date"
    lodged = _day(p.lodged) if p.lodged else "?"
    start = _day(p.start) if p.start else "?"
    return f"from {start} {until}, under the {_pin('icc-declaration')} declaration lodged {lodged}"


def _from_periods(
    basis: dict[str, str], periods: tuple[Period, ...], who: str, date: dt.date
) -> list[Window]:
    floor = statute_in_force()
    return [
        Window(
            basis[p.basis],
            max(p.start or floor, floor),
            p.end,
            f"{who} {_period_words(p)}",
            p.end is None or p.end >= date,
        )
        for p in periods
    ]


_TERRITORY_WINDOWS: dict[int, tuple[Reach, tuple[Window, ...]]] = {}


_TERRITORY = {"party": "territory-party", "declaration": "art-12-3-declaration"}
_NATIONALITY = {"party": "nationality-party", "declaration": "nationality-party"}
_CONDUCT = {"party": "conduct-in-party-territory", "declaration": "conduct-in-party-territory"}


@cache
def _referred() -> frozenset[str]:
    return frozenset(r.country for r in kb().council.referrals)


def windows(s: Situation, territory: Reach) -> tuple[Window, ...]:
    """Every basis on which the Court reaches crimes of this situation, known on its date."""
    date = s.date
    # The territorial windows depend on the reach alone (its periods end before the date or
    # not at all, or cover it); reaches come from a lasting timeline, so they key by identity.
    held = _TERRITORY_WINDOWS.get(id(territory))
    if held is not None and held[0] is territory:
        out = list(held[1])
    else:
        out = _from_periods(_TERRITORY, territory.until, "its territory", date)
        if len(_TERRITORY_WINDOWS) >= MEMO_ENTRIES:
            _TERRITORY_WINDOWS.clear()
        _TERRITORY_WINDOWS[id(territory)] = (territory, tuple(out))
    referral = s.security_council.icc_referral
    if (
        referral is None
        and s.country not in _referred()
        and not s.conduct_also_in
        and not any(p.nationality for p in s.perpetrator_list)
    ):
        return tuple(out)
    if referral is not None:
        if referral <= date:
            out.append(
                Window(
                    "security-council-referral",
                    statute_in_force(),
                    None,
                    f"the Security Council's referral of {referral.isoformat()} (as the input "
                    f"states; the period it names is not given, so {_pin('icc-temporal')}'s "
                    "floor is used)",
                )
            )
    else:
        for r in kb().council.referrals:
            if r.country == s.country and r.adopted <= date:
                symbol = kb().instruments[r.instrument].symbol or r.instrument
                out.append(
                    Window(
                        "security-council-referral",
                        max(r.covers_from, statute_in_force()),
                        None,
                        f"the Security Council's referral ({symbol}, {r.pinpoint}, adopted "
                        f"{r.adopted.isoformat()})",
                    )
                )
    for p in s.perpetrator_list:
        if p.nationality is not None and p.nationality != s.country:
            periods = reach_on(p.nationality, date).until
            out += _from_periods(_NATIONALITY, periods, f"nationals of {p.nationality}", date)
    for other in s.conduct_also_in:
        periods = reach_on(other, date).until
        out += _from_periods(_CONDUCT, periods, f"conduct partly on the territory of {other}", date)
    return tuple(out)


def spans(s: Situation) -> tuple[tuple[Span, ...], tuple[str, ...]]:
    """When the crimes were committed: the `committed` periods, an ongoing crime on the date,
    and the crimes whose period is unknown (`past` in the short form)."""
    out: list[Span] = []
    unknown: list[str] = []
    for crime, report in s.atrocities.reports().items():
        for p in report.committed:
            out.append(Span(crime, p.from_, p.to or s.date))
        if not report.committed:
            if report.status == "ongoing":
                out.append(Span(crime, dt.date.min, dt.date.min, ongoing=True))
            elif report.status == "past":
                unknown.append(crime)
    return tuple(out), tuple(unknown)


def _overlaps(w: Window, sp: Span) -> bool:
    if sp.ongoing:
        return w.at_date
    return sp.end >= w.start and (w.end is None or sp.start <= w.end)


def _day(d: dt.date) -> str:
    return d.isoformat()


@lru_cache(maxsize=MEMO_ENTRIES)
def _fit(
    ws: tuple[Window, ...], sps: tuple[Span, ...], unknown: tuple[str, ...], not_party: bool
) -> Fit:
    if not_party:
        return False, (
            "the state is not a party to the Rome Statute at this date "
            f"({_pin('icc-state-referral')})"
        )
    if not ws:
        return False, (
            "the Court has no basis here: the state is neither a party nor covered by an "
            f"{_pin('icc-declaration')} declaration, no national of a party or conduct on a "
            "party's territory is given, and the Security Council has not referred the situation"
        )
    for w in ws:
        for sp in sps:
            if _overlaps(w, sp):
                return True, f"{sp.words()} within the Court's reach: {w.detail}"
    earliest = min(w.start for w in ws)
    if unknown:
        return True, (
            f"the Court reaches crimes from {_day(earliest)} ({ws[0].detail}); when the "
            f"{', '.join(crime_name(c)[0] for c in unknown)} "
            f"{'were' if len(unknown) > 1 or crime_name(unknown[0])[1] else 'was'} committed "
            "is not given, and "
            "only crimes from that day "
            f"can come before it ({_pin('icc-temporal')})"
        )
    dated = [sp for sp in sps if not sp.ongoing]
    if dated:
        first = min(sp.start for sp in dated)
        last = max(sp.end for sp in dated)
        return False, (
            f"the crimes given ({_day(first)} to {_day(last)}) fall outside the Court's reach, "
            f"which runs from {_day(earliest)} ({ws[0].detail}) ({_pin('icc-temporal')}); ad hoc "
            "tribunals, "
            "hybrid courts and national courts remain"
        )
    if sps:
        return False, (
            f"the crimes under way fall outside the Court's reach, whose periods here ended "
            f"before the date ({ws[0].detail})"
        )
    return False, "no crime is given whose days the Court could reach"


def _scope_windows(
    scope: str, ws: tuple[Window, ...], date: dt.date, party: bool
) -> tuple[Window, ...]:
    if scope == "council":
        # Art. 13(b): the Council may refer a situation in any state, for crimes after the
        # Statute's entry into force; one already made counts as well.
        if date < statute_in_force():
            return ()
        return (
            Window(
                "security-council-referral",
                statute_in_force(),
                None,
                "a referral by the Security Council under Chapter VII "
                f"({_pin('icc-council-referral')})",
            ),
        )
    if scope == "state":
        # Art. 14: the territorial state refers only as a party, on the Court's other bases.
        return tuple(w for w in ws if w.basis != "security-council-referral") if party else ()
    return ws


def facts(s: Situation, territory: Reach, live: tuple[tuple[str, str], ...]) -> IccFacts:
    """The Court's bases and fits for a situation; `live` is its (crime, status) pairs."""
    a = s.atrocities
    simple = not (
        s.security_council.icc_referral is not None
        or s.conduct_also_in
        or s.country in _referred()
        or a.genocide.committed
        or a.crimes_against_humanity.committed
        or a.war_crimes.committed
        or a.ethnic_cleansing.committed
        or (s.perpetrators and any(p.nationality for p in s.perpetrators))
    )
    key: tuple[object, ...] = ()
    if simple:
        key = (id(territory), live, s.date >= statute_in_force())
        held = _SIMPLE.get(key)
        if held is not None and held[0] is territory:
            return held[1]
    ws = windows(s, territory)
    sps, unknown = spans(s)
    party = territory.party
    fits = tuple(
        _fit(_scope_windows(sc, ws, s.date, party), sps, unknown, sc == "state" and not party)
        for sc in SCOPES
    )
    found = IccFacts(ws, sps, unknown, fits, _jurisdiction(ws))  # type: ignore[arg-type]
    if simple:
        if len(_SIMPLE) >= MEMO_ENTRIES:
            _SIMPLE.clear()
        _SIMPLE[key] = (territory, found)
    return found


def _jurisdiction(ws: tuple[Window, ...]) -> IccJurisdiction:
    """`derived.icc`: the bases at the date and the earliest day of crimes they reach."""
    bases = sorted({w.basis for w in ws})
    return made(
        IccJurisdiction,
        jurisdiction=bool(bases),
        bases=bases,
        period_from=min((w.start for w in ws), default=None),
    )
