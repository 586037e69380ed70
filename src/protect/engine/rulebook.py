"""The knowledge base compiled for the rules: citations resolved, conditions compiled.

Built once per process; the rules only read it. Keeping this step apart keeps each rule a small
pure function and the hot path free of look-ups.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import attrgetter, itemgetter
from threading import Lock

from protect.engine.conditions import Facts, Predicate, compile_condition
from protect.engine.model import MeasureFinding, TraceEntry
from protect.knowledge import Cited, CiteSet, KnowledgeBase, kb
from protect.knowledge.base import Binding
from protect.knowledge.schema import Citation, CitationRef, Condition, Measure


@dataclass(frozen=True, slots=True)
class CompiledMeasure:
    measure: Measure
    opens: dt.date | None  # explicit date gate (`available_from`), None when there is none
    opens_title: str | None
    opens_cite: Cited | None
    basis: tuple[Cited, ...]
    basis_opens: dt.date  # the earliest date at which some legal basis is in effect
    predicate: Predicate
    actor_predicates: dict[str, Predicate]
    basis_dates: tuple[dt.date, ...]  # distinct effective dates of the legal basis, ascending
    dates: tuple[dt.date, ...]  # every date at which the measure's outcome can change
    precedent: Citation | None  # a famous first use, for context (contract v2)
    conditional: bool  # some citation binds only some states or conflicts (contract v2)
    gated_actors: frozenset[str]  # actors whose body did not always exist (bodies.yaml)
    # Findings already built, keyed by what decides them (date gate and verdict): a measure has
    # few distinct outcomes, so each is made once per process and shared (the models are frozen).
    cache: dict[tuple[object, ...], tuple[list[MeasureFinding], TraceEntry]]


@dataclass(frozen=True, slots=True)
class MeasureGroup:
    """Measures whose conditions read the same facts, looked up together in one step."""

    positions: tuple[int, ...]  # where each member stands in the id-ordered catalogue
    measures: tuple[CompiledMeasure, ...]
    dates: tuple[dt.date, ...]  # every date at which a member's outcome can change
    reads: Callable[[Facts], object]  # the facts the members' conditions read, nothing else
    # (findings per member, trace entry per member), keyed by (date bucket, facts read).
    cache: dict[tuple[int, object], tuple[tuple[list[MeasureFinding], ...], tuple[TraceEntry, ...]]]


@dataclass(frozen=True)
class Rulebook:
    kb: KnowledgeBase
    r2p_adopted: dt.date
    r2p_in_force_cites: CiteSet
    r2p_para_139: CiteSet
    r2p_underlying: CiteSet
    poc_by_type: dict[str, CiteSet]
    poc_peacetime: CiteSet
    stage_cites: CiteSet
    pillar_cites: dict[int, CiteSet]
    tier_cites: dict[int, CiteSet]
    perspective_cites: dict[str, CiteSet]
    crime_cites: dict[str, CiteSet]
    tension_cites: dict[str, CiteSet]
    icc_jurisdiction_cites: CiteSet  # temporal reach, preconditions, crimes kept after withdrawal
    measures: tuple[CompiledMeasure, ...]
    groups: tuple[MeasureGroup, ...]
    crime_sets: tuple[frozenset[str], ...]  # the status sets measure conditions ask about
    # Puts the groups' members, concatenated group by group, back in catalogue (id) order.
    in_id_order: Callable[[tuple[object, ...]], tuple[object, ...]]
    # For each memoized rule, every citation it may show: its era on a date keys the memo.
    rule_cites: dict[str, CiteSet]
    # Every date at which some rule's era changes, and for each interval between them the era
    # of every rule, so one bisect gives them all.
    era_dates: tuple[dt.date, ...]
    eras_at: tuple[dict[str, dt.date], ...]
    # Every date at which anything an assessment holds can change, apart from the words that
    # name the date itself: the rule eras, the measures' gate dates, R2P's adoption and its
    # citations. Two dates between the same neighbours here give the same assessment.
    periods: tuple[dt.date, ...]
    # Conditional citations (contract v2) ask about these treaties and organisations only.
    binding_parties: frozenset[str]
    binding_members: frozenset[str]
    # The treaties measure conditions ask about (`party_to`).
    condition_treaties: tuple[str, ...]
    # The days on which some actor's body begins or ends (bodies.yaml), and for each interval
    # between them, the body acting for each gated actor (None where none existed).
    body_dates: tuple[dt.date, ...]
    bodies_at: tuple[dict[str, BodyState], ...]
    # Measure lists already assembled, keyed by the identities of their group outcomes.
    assembled: dict[tuple[int, ...], tuple[tuple[MeasureFinding, ...], tuple[TraceEntry, ...]]]
    # Every date at which some measure's outcome can change, and every fact any measure reads:
    # together they key the whole catalogue's findings (`catalogue_memo`).
    measure_dates: tuple[dt.date, ...]
    reads_all: Callable[[Facts], object]
    catalogue_memo: dict[
        tuple[int, object],
        tuple[tuple[MeasureFinding, ...], tuple[TraceEntry, ...], tuple[int, ...]],
    ]

    def bodies(self, date: dt.date) -> int:
        """The index of `date`'s interval in `bodies_at`."""
        return bisect_right(self.body_dates, date)

    def binding(
        self, armed_conflict: str, parties: frozenset[str], members: frozenset[str]
    ) -> Binding:
        return _binding(
            armed_conflict, parties & self.binding_parties, members & self.binding_members
        )

    def eras(self, date: dt.date) -> dict[str, dt.date]:
        return self.eras_at[bisect_right(self.era_dates, date)]

    def first_crimes(self, live: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str] | None, ...]:
        """For each of `crime_sets`, the first live (crime, status) whose status is in it."""
        return _first_crimes(live, self.crime_sets)


@dataclass(frozen=True, slots=True)
class BodyState:
    """Which body acts for an actor in one interval of days, and the words that say so."""

    acting: bool
    words: str  # why it cannot act, or through which earlier body it acts ("" = itself)


@lru_cache(maxsize=4096)
def _binding(conflict: str, parties: frozenset[str], members: frozenset[str]) -> Binding:
    return Binding(conflict, parties, members)


_READS = {
    "stage": "stage",
    "any_crime": "live",
    "crime": "live",
    "armed_conflict": "armed_conflict",
    "state_role": "state_role",
    "post_conflict": "post_conflict",
    "icc_state_party": "icc_state_party",
    "icc_reach": "icc",
    "peacekeeping_present": "peacekeeping_present",
    "poc_mandate": "poc_mandate",
    "security_council_seized": "security_council_seized",
    "manifest_failure": "manifest_failure",
    "response_threshold_met": "response_threshold_met",
    "poc_route": "poc_route",
    "security_council_veto_blocked": "security_council_veto_blocked",
    "civilian_harm": "civilian_harm",
    "party_to": "treaty",
}


# What a condition reads: a field of `Facts`, or, for `any_crime`, the first (crime, status)
# among the live crimes whose status is in a given set; that is all its verdict and its words
# depend on, so it is all a cache key needs.
Read = str | tuple[str, frozenset[str]]


def _fields_read(cond: Condition) -> set[Read]:
    if cond.key in ("any", "all"):
        return set().union(*(_fields_read(c) for c in cond.value))
    if cond.key == "any_crime":
        return {("first_crime", frozenset(cond.value))}
    return {_READS[cond.key]} if cond.key in _READS else set()


def _measure_fields(m: Measure) -> frozenset[Read]:
    fields: set[Read] = set().union(
        _fields_read(m.condition), *(_fields_read(c) for c in m.actor_conditions.values())
    )
    if any(r.conflict is not None or r.party or r.member for r in m.legal_basis):
        fields.add("binding")  # its citations depend on what binds the state
    return frozenset(fields)


def _groups(
    measures: tuple[CompiledMeasure, ...], crime_sets: tuple[frozenset[str], ...]
) -> tuple[MeasureGroup, ...]:
    by_fields: dict[frozenset[Read], list[tuple[int, CompiledMeasure]]] = {}
    for i, cm in enumerate(measures):
        by_fields.setdefault(_measure_fields(cm.measure), []).append((i, cm))
    return tuple(
        MeasureGroup(
            positions=tuple(i for i, _ in members),
            measures=tuple(cm for _, cm in members),
            dates=tuple(sorted({d for _, cm in members for d in cm.dates})),
            reads=_reader(set(fields), crime_sets),
            cache={},
        )
        for fields, members in sorted(by_fields.items(), key=lambda kv: sorted(map(repr, kv[0])))
    )


def _order(groups: tuple[MeasureGroup, ...]) -> list[int]:
    """For each catalogue position, where that measure stands in the groups' concatenation."""
    concatenated = [p for g in groups for p in g.positions]
    return [concatenated.index(i) for i in range(len(concatenated))]


def _reader(reads: set[Read], crime_sets: tuple[frozenset[str], ...]) -> Callable[[Facts], object]:
    """A function of the facts giving exactly what `reads` names, as a hashable key.

    The first matching crime for each status set is computed once per assessment
    (`Facts.first_crime`, aligned with `crime_sets`); a reader only picks from it.
    """
    fields = sorted(r for r in reads if isinstance(r, str))
    wanted = [crime_sets.index(r[1]) for r in reads if not isinstance(r, str)]
    if not wanted:
        return attrgetter(*fields) if fields else (lambda facts: ())
    pick = itemgetter(*sorted(wanted))
    if not fields:
        return lambda facts: pick(facts.first_crime)
    get = attrgetter(*fields)

    def read(facts: Facts) -> object:
        return get(facts), pick(facts.first_crime)

    return read


@lru_cache(maxsize=4096)
def _first_crimes(
    live: tuple[tuple[str, str], ...], crime_sets: tuple[frozenset[str], ...]
) -> tuple[tuple[str, str] | None, ...]:
    return tuple(next((pair for pair in live if pair[1] in wanted), None) for wanted in crime_sets)


def _crime_sets(measures: tuple[CompiledMeasure, ...]) -> tuple[frozenset[str], ...]:
    found = {r[1] for cm in measures for r in _measure_fields(cm.measure) if not isinstance(r, str)}
    return tuple(sorted(found, key=sorted))


def _compile_measure(base: KnowledgeBase, m: Measure) -> CompiledMeasure:
    basis = base.cites(m.legal_basis)
    opens_cite = base.cite(m.available_from) if m.available_from else None
    opens_title = base.instruments[m.available_from.instrument].title if m.available_from else None
    gated = frozenset(a for a in (*m.actors, m.requires_body) if a in base.bodies)
    body_days = {
        d
        for a in gated
        for p in base.bodies[a].periods
        for d in (p.start, *((p.end + dt.timedelta(days=1),) if p.end else ()))
    }
    return CompiledMeasure(
        measure=m,
        opens=opens_cite.effective if opens_cite else None,
        opens_title=opens_title,
        opens_cite=opens_cite,
        basis=basis,
        basis_opens=min(c.effective for c in basis),
        predicate=compile_condition(m.condition),
        actor_predicates={a: compile_condition(c) for a, c in m.actor_conditions.items()},
        basis_dates=tuple(sorted({c.effective for c in basis})),
        dates=tuple(
            sorted(
                {c.effective for c in basis}
                | ({opens_cite.effective} if opens_cite else set())
                | body_days
            )
        ),
        precedent=base.cite(m.precedent).citation if m.precedent else None,
        conditional=any(c.conditional for c in basis),
        gated_actors=gated,
        cache={},
    )


def _condition_keys(cond: Condition) -> Iterable[Condition]:
    yield cond
    if cond.key in ("any", "all"):
        for c in cond.value:
            yield from _condition_keys(c)


def _body_timeline(
    base: KnowledgeBase,
) -> tuple[tuple[dt.date, ...], tuple[dict[str, BodyState], ...]]:
    """For each interval between the days a body begins or ends, who acts for each actor."""
    days = sorted(
        {
            d
            for b in base.bodies.values()
            for p in b.periods
            for d in (p.start, *((p.end + dt.timedelta(days=1),) if p.end else ()))
        }
    )

    def state(actor: str, on: dt.date) -> BodyState:
        body = base.bodies[actor]
        current = body.periods[-1]
        for p in body.periods:
            if p.start <= on and (p.end is None or on <= p.end):
                if p is current:
                    return BodyState(True, "")
                return BodyState(
                    True,
                    f"acting through the {p.body} ({p.start.isoformat()} to "
                    f"{p.end.isoformat() if p.end else 'today'}), which preceded the "
                    f"{current.body}",
                )
        first = body.periods[0]
        if on < first.start:
            return BodyState(False, f"the {first.body} did not exist before {first.start}")
        return BodyState(
            False,
            f"no body filled this role on this date ({first.body} ended, "
            f"the {current.body} began on {current.start})",
        )

    starts = (dt.date.min, *days)
    return tuple(days), tuple({a: state(a, d) for a in base.bodies} for d in starts)


_BUILD = Lock()


@cache
def rulebook() -> Rulebook:
    """The compiled rules; built once, under a lock so concurrent first calls wait, not race."""
    with _BUILD:
        return _rulebook()


@cache
def _rulebook() -> Rulebook:
    base = kb()
    r2p = base.norms.r2p

    def cs(refs: list[CitationRef]) -> CiteSet:
        return CiteSet(base.cites(refs))

    def union(sets: Iterable[CiteSet]) -> CiteSet:
        return CiteSet(c for one in sets for c in one.cites)

    measures = tuple(
        _compile_measure(base, m) for m in sorted(base.measures.values(), key=lambda m: m.id)
    )
    crime_sets = _crime_sets(measures)
    groups = _groups(measures, crime_sets)
    para_139 = cs([base.provision("r2p-response-threshold")])
    stage_cites = cs([base.provision("stage-phases")])
    poc_by_type: dict[str, CiteSet] = {k: cs(v) for k, v in base.norms.poc.by_conflict_type.items()}
    poc_peacetime = cs(base.norms.poc.peacetime)
    pillar_cites = {n: cs(p.citations) for n, p in base.pillars.items()}
    tier_cites = {n: cs(t.citations) for n, t in base.tiers.items()}
    perspective_cites = {k: cs(p.citations) for k, p in base.perspectives.items()}
    crime_cites = {k: cs(c.citations) for k, c in base.crimes.items()}
    tension_cites = {k: cs(t.citations) for k, t in base.tensions.items()}
    rule_cites = {
        "stage": stage_cites,
        "r2p-139": para_139,
        "pillars": union(pillar_cites.values()),
        "ihl": union([*poc_by_type.values(), poc_peacetime]),
        "perspectives": union(perspective_cites.values()),
        "tiers": union(tier_cites.values()),
        "crimes": union(crime_cites.values()),
        "tensions": union(tension_cites.values()),
    }
    era_dates = tuple(sorted({d for c in rule_cites.values() for d in c.dates}))
    r2p_adopted = base.instruments[r2p.adopted_by.instrument].adopted
    r2p_in_force_cites, r2p_underlying = cs(r2p.in_force), cs(r2p.underlying)
    periods = {*era_dates, r2p_adopted, *r2p_in_force_cites.dates, *r2p_underlying.dates}
    periods.update(d for g in groups for d in g.dates)
    periods.update(r.adopted for r in base.council.referrals)
    refs = [
        r
        for r in (
            *(r for m in base.measures.values() for r in m.legal_basis),
            *(r for c in base.crimes.values() for r in c.citations),
            *(r for rs in base.norms.poc.by_conflict_type.values() for r in rs),
            *base.norms.poc.peacetime,
        )
    ]
    body_dates, bodies_at = _body_timeline(base)
    return Rulebook(
        kb=base,
        r2p_adopted=r2p_adopted,
        r2p_in_force_cites=r2p_in_force_cites,
        r2p_para_139=para_139,
        r2p_underlying=r2p_underlying,
        poc_by_type=poc_by_type,
        poc_peacetime=poc_peacetime,
        stage_cites=stage_cites,
        pillar_cites=pillar_cites,
        tier_cites=tier_cites,
        perspective_cites=perspective_cites,
        crime_cites=crime_cites,
        tension_cites=tension_cites,
        icc_jurisdiction_cites=cs(
            [
                base.provision(key)
                for key in ("icc-temporal", "icc-preconditions", "icc-after-withdrawal")
            ]
        ),
        measures=measures,
        groups=groups,
        crime_sets=crime_sets,
        in_id_order=itemgetter(*_order(groups)),
        rule_cites=rule_cites,
        era_dates=era_dates,
        eras_at=tuple(
            {k: v.era(d) for k, v in rule_cites.items()} for d in (dt.date.min, *era_dates)
        ),
        periods=tuple(sorted(periods)),
        binding_parties=frozenset(r.party for r in refs if r.party),
        binding_members=frozenset(r.member for r in refs if r.member),
        condition_treaties=tuple(
            sorted(
                {
                    c.value.instrument
                    for m in base.measures.values()
                    for cond in (m.condition, *m.actor_conditions.values())
                    for c in _condition_keys(cond)
                    if c.key == "party_to"
                }
            )
        ),
        body_dates=body_dates,
        bodies_at=bodies_at,
        assembled={},
        measure_dates=tuple(sorted({d for g in groups for d in g.dates})),
        reads_all=_reader(
            set().union(*(_measure_fields(cm.measure) for cm in measures)), crime_sets
        ),
        catalogue_memo={},
    )
