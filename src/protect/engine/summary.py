"""The summary that opens every report (contract v2, 4.4): what binds, what to do first.

A legal adviser should get the point in the first screen: the stage, the law that binds the
state, the few open measures that matter most (the territorial state and the Security Council
first, then the measures of the phase the situation calls for), what is already in place, the
main tension and the warnings. The order is a reading aid, not a legal rule: it is documented in
docs/assessment.md and each measure's `priority` lives in the knowledge base.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from protect.engine import MEMO_ENTRIES
from protect.engine.law import Law
from protect.engine.model import (
    POC,
    R2P,
    IccJurisdiction,
    MeasureFinding,
    OpenMeasure,
    Summary,
    TensionFinding,
    Warning,
    made,
)
from protect.knowledge import kb

MOST = 7  # open measures in a summary
ACTOR_RANK = {"state": 0, "security-council": 1}
# Which phase comes first at each stage: respond while violence is under way, rebuild after it.
PHASE_RANK = {
    "peace": ("prevent", "respond", "rebuild"),
    "tension": ("prevent", "respond", "rebuild"),
    "armed-conflict": ("respond", "prevent", "rebuild"),
    "atrocity-crimes": ("respond", "prevent", "rebuild"),
    "post-conflict": ("rebuild", "respond", "prevent"),
}
# The tension that weighs most when several hold: coercion against the state's will first.
TENSION_RANK = (
    "consent-sovereignty",
    "humanitarian-space",
    "impartiality-neutrality",
    "mandate-gap",
)


class Digest(NamedTuple):
    """The parts of the summary that the assessment's body decides (shared by its situations)."""

    stage: str
    binds: tuple[str, ...]
    ranked: tuple[MeasureFinding, ...]  # every available measure, one per id, in priority order
    first: tuple[OpenMeasure, ...]  # the summary's open measures when none is in place
    main_tension: str | None


def _short(instrument: str) -> str:
    return kb().instruments[instrument].short


def _binds(r2p: R2P, poc: POC, law: Law, icc: IccJurisdiction) -> tuple[str, ...]:
    out = []
    if r2p.in_force:
        pillars = ", ".join(map(str, r2p.pillars))
        by = kb().norms.r2p.adopted_by
        out.append(f"R2P ({_short(by.instrument)}, {by.pinpoint}), pillars {pillars}")
    else:
        adopted = kb().instruments[kb().norms.r2p.adopted_by.instrument].adopted
        out.append(f"R2P not yet adopted ({adopted.year}): the crimes' own law binds")
    law_names = list(dict.fromkeys(_short(c.instrument) for c in poc.applicable_law))
    if poc.ihl_applies:
        out.append(f"IHL of {poc.conflict_type} armed conflict: {', '.join(law_names)}")
    party = [t for t in law.treaties if t.party]
    if party:
        names = []
        geneva = ("gc-i", "gc-ii", "gc-iii", "gc-iv")
        if all(any(t.instrument == g for t in party) for g in geneva):
            names.append("Geneva Conventions I-IV")
            party = [t for t in party if t.instrument not in geneva]
        for t in party:
            name = _short(t.instrument)
            if t.reservations:
                name += f" (reservation to Art. {', '.join(t.reservations)})"
            names.append(name)
        out.append("Party to: " + ", ".join(names))
    if icc.jurisdiction:
        since = icc.period_from.isoformat() if icc.period_from else "?"
        out.append(f"ICC: {', '.join(icc.bases)}, for crimes from {since}")
    else:
        out.append("ICC: no jurisdiction at this date")
    if law.regional:
        out.append("Member of: " + ", ".join(m.name for m in law.regional))
    return tuple(out)


_OPEN: dict[int, OpenMeasure] = {}
# Digests already made, keyed by what decides them; laws live in a lasting timeline, and the
# measure outcomes in the rulebook's caches, so their identities are never reused.
_DIGESTS: dict[tuple[object, ...], Digest] = {}
KEEP = 20  # ranked measures a digest keeps: enough to fill the summary after `in_place`


@cache
def _order(stage: str) -> tuple[tuple[int, str, str], ...]:
    """Every (position, measure id, actor) of the assessment's measure list, in priority order
    for the stage. The list always holds the whole catalogue in id order, one entry per actor
    (contract section 2), so positions are fixed and the order is computed once per stage."""
    phases = PHASE_RANK[stage]
    catalogue = kb().measures
    slots = [(m.id, a) for m in sorted(catalogue.values(), key=lambda m: m.id)
             for a in sorted(m.actors)]  # fmt: skip
    ranked = sorted(
        range(len(slots)),
        key=lambda i: (
            phases.index(catalogue[slots[i][0]].phase),
            catalogue[slots[i][0]].priority,
            slots[i][0],
            ACTOR_RANK.get(slots[i][1], 9),
        ),
    )
    return tuple((i, *slots[i]) for i in ranked)


def _ranked(stage: str, measures: Sequence[MeasureFinding]) -> tuple[MeasureFinding, ...]:
    """The available measures, one per id (its best actor), the territorial state's and the
    Council's first measures leading."""
    order = _order(stage)
    leads: dict[str, MeasureFinding] = {}
    rest: list[MeasureFinding] = []
    taken: set[str] = set()
    for i, mid, actor in order:
        m = measures[i]
        if not m.available:
            continue
        if actor in ACTOR_RANK and actor not in leads and mid not in taken:
            leads[actor] = m
            taken.add(mid)
        elif mid not in taken:
            rest.append(m)
            taken.add(mid)
            if len(rest) >= KEEP and len(leads) == len(ACTOR_RANK):
                break
    first = [leads[a] for a in sorted(leads, key=ACTOR_RANK.__getitem__)]
    return (*first, *rest)[:KEEP]


def _open(m: MeasureFinding) -> OpenMeasure:
    hit = _OPEN.get(id(m))
    if hit is None:
        hit = _OPEN[id(m)] = made(
            OpenMeasure, id=m.id, actor=m.actor, title=m.title, reason=m.reason
        )
    return hit


def digest(
    stage: str,
    rank_as: str,
    r2p: R2P,
    poc: POC,
    law: Law,
    icc: IccJurisdiction,
    measures: Sequence[MeasureFinding],
    tensions: Sequence[TensionFinding],
    key: tuple[tuple[int, ...], str, object],
) -> Digest:
    """`key` names what decides the digest besides the law: the identities of the measure
    outcomes (lasting, see `measures_for`), the conflict type and the era of the IHL rule."""
    outcome, conflict, era = key
    full = (stage, rank_as, outcome, conflict, era, id(law), r2p.in_force, len(r2p.pillars),
            icc.period_from, *icc.bases, 0, *(t.id for t in tensions))  # fmt: skip
    hit = _DIGESTS.get(full)
    if hit is not None:
        return hit
    held_tensions = {t.id for t in tensions}
    main = next((t for t in TENSION_RANK if t in held_tensions), None)
    ranked = _ranked(rank_as, measures)
    made_ = Digest(
        stage=stage,
        binds=_binds(r2p, poc, law, icc),
        ranked=ranked,
        first=tuple(_open(m) for m in ranked[:MOST]),
        main_tension=main,
    )
    if len(_DIGESTS) >= MEMO_ENTRIES:
        _DIGESTS.clear()
    _DIGESTS[full] = made_
    return made_


def summarize(
    d: Digest,
    measures: Sequence[MeasureFinding],
    in_place: Sequence[str],
    warnings: Sequence[Warning],
) -> Summary:
    """The summary of one assessment: the body's digest, less what is already in place."""
    if in_place:
        placed = set(in_place)
        open_ = [_open(m) for m in [m for m in d.ranked if m.id not in placed][:MOST]]
    else:
        open_ = list(d.first)
    return made(
        Summary,
        stage=d.stage,
        binds=list(d.binds),
        open_measures=open_,
        in_place=sorted(set(in_place)),
        main_tension=d.main_tension,
        warnings=[w.code for w in warnings],
    )
