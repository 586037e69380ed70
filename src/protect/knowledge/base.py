"""The knowledge base as one validated, cross-checked object.

Every citation is resolved once, at load, into the instrument's full title and dates, so the
engine only filters them by the situation's date.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

from protect.knowledge.loader import KnowledgeError, load_list, load_model
from protect.knowledge.schema import (
    Actor,
    Body,
    Citation,
    CitationRef,
    CouncilRecord,
    Crime,
    Instrument,
    Measure,
    NormsBasis,
    Perspective,
    Pillar,
    Provision,
    Tension,
    Tier,
)


class Binding(NamedTuple):
    """What decides whether a conditional citation binds a state (contract v2): the type of
    armed conflict, the treaties the state is a party to and the organisations it belongs to,
    at the date."""

    armed_conflict: str
    parties: frozenset[str]
    members: frozenset[str]


@dataclass(frozen=True, slots=True)
class Cited:
    """A citation, the date from which its instrument has effect, and where it binds."""

    effective: dt.date
    citation: Citation
    conflict: frozenset[str] | None = None
    party: str | None = None
    member: str | None = None
    otherwise: str | None = None

    @property
    def conditional(self) -> bool:
        return self.conflict is not None or self.party is not None or self.member is not None

    def fits_conflict(self, b: Binding) -> bool:
        """A provision of one type of armed conflict; with no armed conflict every provision is
        shown, as the law that would apply."""
        return (
            self.conflict is None
            or b.armed_conflict in self.conflict
            or (b.armed_conflict == "none" and "none" not in self.conflict)
        )

    def binds(self, b: Binding) -> bool:
        return (
            self.fits_conflict(b)
            and (self.party is None or self.party in b.parties)
            and (self.member is None or self.member in b.members)
        )


def in_effect(cites: Iterable[Cited], on: dt.date) -> list[Citation]:
    """The citations whose instrument is in effect on `on`: law not yet in force never applies."""
    return [c.citation for c in cites if c.effective <= on]


class CiteSet:
    """A fixed set of citations, answering `in_effect` by date from lists made once."""

    __slots__ = ("_by_bucket", "cites", "dates")

    def __init__(self, cites: Iterable[Cited]) -> None:
        self.cites = tuple(cites)
        self.dates = tuple(sorted({c.effective for c in self.cites}))
        self._by_bucket = [in_effect(self.cites, d) for d in self.dates]
        self._by_bucket.insert(0, [])

    def on(self, date: dt.date) -> list[Citation]:
        return list(self._by_bucket[bisect_right(self.dates, date)])

    @property
    def conditional(self) -> bool:
        return any(c.conditional for c in self.cites)

    def binding(self, date: dt.date, b: Binding) -> list[Citation]:
        """The citations in effect on `date` that bind under `b` (conflict, treaties, members)."""
        return [c.citation for c in self.cites if c.effective <= date and c.binds(b)]

    def era(self, date: dt.date) -> dt.date:
        """The latest effective date of this set reached on `date` (date.min before any): two
        dates in the same era have the same citations in effect."""
        i = bisect_right(self.dates, date)
        return self.dates[i - 1] if i else dt.date.min


@dataclass(frozen=True)
class KnowledgeBase:
    instruments: dict[str, Instrument]
    crimes: dict[str, Crime]
    pillars: dict[int, Pillar]
    perspectives: dict[str, Perspective]
    tiers: dict[int, Tier]
    actors: dict[str, Actor]
    measures: dict[str, Measure]
    tensions: dict[str, Tension]
    norms: NormsBasis
    bodies: dict[str, Body]
    council: CouncilRecord

    def cite(self, ref: CitationRef) -> Cited:
        inst = self.instruments.get(ref.instrument)
        if inst is None:
            raise KnowledgeError(f"citation names unknown instrument {ref.instrument!r}")
        return Cited(
            effective=inst.effective,
            citation=Citation(
                instrument=inst.id,
                title=inst.title,
                pinpoint=ref.pinpoint,
                adopted=inst.adopted,
                in_force=inst.in_force,
            ),
            conflict=frozenset(ref.conflict) if ref.conflict is not None else None,
            party=ref.party,
            member=ref.member,
            otherwise=ref.otherwise,
        )

    def cites(self, refs: Iterable[CitationRef]) -> tuple[Cited, ...]:
        return tuple(self.cite(r) for r in refs)

    def provision(self, key: Provision) -> CitationRef:
        """A provision the engine names in its own words (`norms.yaml` `provisions`)."""
        return self.norms.provisions[key]

    def pinpoint(self, key: Provision) -> str:
        """The pinpoint of such a provision, as the engine's words print it ("Art. 11")."""
        return self.norms.provisions[key].pinpoint


def _all_refs(kb: KnowledgeBase) -> Iterable[tuple[str, CitationRef]]:
    for crime in kb.crimes.values():
        yield from ((f"crimes.yaml:{crime.id}", r) for r in crime.citations)
    for pillar in kb.pillars.values():
        yield from ((f"pillars.yaml:{pillar.number}", r) for r in pillar.citations)
    for persp in kb.perspectives.values():
        yield from ((f"perspectives.yaml:{persp.id}", r) for r in persp.citations)
    for tier in kb.tiers.values():
        yield from ((f"tiers.yaml:{tier.number}", r) for r in tier.citations)
    for tension in kb.tensions.values():
        yield from ((f"tensions.yaml:{tension.id}", r) for r in tension.citations)
    for m in kb.measures.values():
        yield from ((f"measures.yaml:{m.id}", r) for r in m.legal_basis)
        if m.available_from is not None:
            yield f"measures.yaml:{m.id}.available_from", m.available_from
    r2p, poc = kb.norms.r2p, kb.norms.poc
    yield "norms.yaml:r2p.adopted_by", r2p.adopted_by
    for r in [*r2p.in_force, *r2p.underlying, *poc.peacetime]:
        yield "norms.yaml", r
    for refs in poc.by_conflict_type.values():
        yield from (("norms.yaml:poc", r) for r in refs)
    for key, r in kb.norms.provisions.items():
        yield f"norms.yaml:provisions.{key}", r
    for m in kb.measures.values():
        if m.precedent is not None:
            yield f"measures.yaml:{m.id}.precedent", m.precedent
    for referral in kb.council.referrals:
        ref = CitationRef(instrument=referral.instrument, pinpoint=referral.pinpoint)
        yield f"council.yaml:{referral.country}", ref


@cache
def kb() -> KnowledgeBase:
    """Load, validate and cross-check the whole knowledge base (once per process)."""
    instruments = {i.id: i for i in load_list("instruments.yaml", Instrument)}
    base = KnowledgeBase(
        instruments=instruments,
        crimes={c.id: c for c in load_list("crimes.yaml", Crime)},
        pillars={p.number: p for p in load_list("pillars.yaml", Pillar)},
        perspectives={p.id: p for p in load_list("perspectives.yaml", Perspective)},
        tiers={t.number: t for t in load_list("tiers.yaml", Tier)},
        actors={a.id: a for a in load_list("actors.yaml", Actor)},
        measures={m.id: m for m in load_list("measures.yaml", Measure)},
        tensions={t.id: t for t in load_list("tensions.yaml", Tension)},
        norms=load_model("norms.yaml", NormsBasis),
        bodies={b.actor: b for b in load_list("bodies.yaml", Body)},
        council=load_model("council.yaml", CouncilRecord),
    )
    from protect.knowledge.treaties import TREATY_INSTRUMENTS, organisations

    treaties = {*TREATY_INSTRUMENTS, "rome-statute"}
    orgs = {o.id for o in organisations().organisations}
    problems = [
        f"{where}: cites unknown instrument {ref.instrument!r}"
        for where, ref in _all_refs(base)
        if ref.instrument not in instruments
    ]
    for where, ref in _all_refs(base):
        if ref.party is not None and ref.party not in treaties:
            problems.append(f"{where}: party {ref.party!r} has no participation table")
        if ref.member is not None and ref.member not in orgs:
            problems.append(f"{where}: member {ref.member!r} is not in organisations.yaml")
    for m in base.measures.values():
        problems += [
            f"measures.yaml:{m.id}: actor {a!r} is not in actors.yaml"
            for a in m.actors
            if a not in base.actors
        ]
    for kind, have, want in (
        (
            "crimes",
            set(base.crimes),
            {"genocide", "crimes-against-humanity", "war-crimes", "ethnic-cleansing"},
        ),
        ("pillars", set(base.pillars), {1, 2, 3}),
        ("tiers", set(base.tiers), {1, 2, 3}),
        (
            "perspectives",
            set(base.perspectives),
            {"narrow", "broad", "peacekeeping", "security-council", "humanitarian"},
        ),
        (
            "tensions",
            set(base.tensions),
            {"impartiality-neutrality", "consent-sovereignty", "mandate-gap", "humanitarian-space"},
        ),
    ):
        if have != want:
            problems.append(
                f"{kind}.yaml: expected entries {sorted(map(str, want))}, "
                f"got {sorted(map(str, have))}"
            )
    if problems:
        raise KnowledgeError("\n".join(problems))
    return base
