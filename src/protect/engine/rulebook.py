"""The knowledge base compiled for the rules: citations resolved, conditions compiled.

Built once per process; the rules only read it. Keeping this step apart keeps each rule a small
pure function and the hot path free of look-ups.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from protect.engine.conditions import Predicate, compile_condition
from protect.knowledge import Cited, KnowledgeBase, kb
from protect.knowledge.schema import CitationRef, Measure


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


@dataclass(frozen=True)
class Rulebook:
    kb: KnowledgeBase
    r2p_adopted: dt.date
    r2p_adopted_cite: tuple[Cited, ...]
    r2p_in_force_cites: tuple[Cited, ...]
    r2p_para_139: tuple[Cited, ...]
    r2p_underlying: tuple[Cited, ...]
    poc_by_type: dict[str, tuple[Cited, ...]]
    poc_peacetime: tuple[Cited, ...]
    stage_cites: tuple[Cited, ...]
    pillar_cites: dict[int, tuple[Cited, ...]]
    tier_cites: dict[int, tuple[Cited, ...]]
    perspective_cites: dict[str, tuple[Cited, ...]]
    crime_cites: dict[str, tuple[Cited, ...]]
    tension_cites: dict[str, tuple[Cited, ...]]
    measures: tuple[CompiledMeasure, ...]


def _compile_measure(base: KnowledgeBase, m: Measure) -> CompiledMeasure:
    basis = base.cites(m.legal_basis)
    opens_cite = base.cite(m.available_from) if m.available_from else None
    opens_title = base.instruments[m.available_from.instrument].title if m.available_from else None
    return CompiledMeasure(
        measure=m,
        opens=opens_cite.effective if opens_cite else None,
        opens_title=opens_title,
        opens_cite=opens_cite,
        basis=basis,
        basis_opens=min(c.effective for c in basis),
        predicate=compile_condition(m.condition),
        actor_predicates={a: compile_condition(c) for a, c in m.actor_conditions.items()},
    )


@cache
def rulebook() -> Rulebook:
    base = kb()
    r2p = base.norms.r2p
    return Rulebook(
        kb=base,
        r2p_adopted=base.instruments[r2p.adopted_by.instrument].adopted,
        r2p_adopted_cite=base.cites([r2p.adopted_by]),
        r2p_in_force_cites=base.cites(r2p.in_force),
        r2p_para_139=base.cites(
            [CitationRef(instrument=r2p.adopted_by.instrument, pinpoint="para. 139")]
        ),
        r2p_underlying=base.cites(r2p.underlying),
        poc_by_type={k: base.cites(v) for k, v in base.norms.poc.by_conflict_type.items()},
        poc_peacetime=base.cites(base.norms.poc.peacetime),
        stage_cites=base.cites([CitationRef(instrument="pg-2012", pinpoint="§2.4.c-d")]),
        pillar_cites={n: base.cites(p.citations) for n, p in base.pillars.items()},
        tier_cites={n: base.cites(t.citations) for n, t in base.tiers.items()},
        perspective_cites={k: base.cites(p.citations) for k, p in base.perspectives.items()},
        crime_cites={k: base.cites(c.citations) for k, c in base.crimes.items()},
        tension_cites={k: base.cites(t.citations) for k, t in base.tensions.items()},
        measures=tuple(
            _compile_measure(base, m) for m in sorted(base.measures.values(), key=lambda m: m.id)
        ),
    )
