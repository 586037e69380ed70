"""The summary that opens every report (contract v2, 4.4): what binds, what to do first.

A legal adviser should get the point in the first screen: the stage, the law that binds the
state, the few open measures that matter most (the territorial state and the Security Council
first, then the measures of the phase the situation calls for), what is already in place, the
main tension and the warnings. The order is a reading aid, not a legal rule: it is documented in
docs/assessment.md and each measure's `priority` lives in the knowledge base.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

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

MOST, LEAST = 7, 3
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
TENSION_RANK = ("consent-sovereignty", "humanitarian-space", "impartiality-neutrality", "mandate-gap")


class Digest(NamedTuple):
    """The parts of the summary that the assessment's body decides (shared by its situations)."""

    stage: str
    binds: tuple[str, ...]
    ranked: tuple[OpenMeasure, ...]  # every available measure, one per id, in priority order
    main_tension: str | None


def _short(instrument: str) -> str:
    return kb().instruments[instrument].short


def _binds(r2p: R2P, poc: POC, law: Law, icc: IccJurisdiction) -> tuple[str, ...]:
    out = []
    if r2p.in_force:
        out.append(f"R2P (World Summit Outcome, paras. 138-139), pillars {r2p.pillars}")
    else:
        out.append("R2P not yet adopted: the crimes' own law binds (Genocide Convention, IHL)")
    law_names = list(dict.fromkeys(_short(c.instrument) for c in poc.applicable_law))
    if poc.ihl_applies:
        out.append(f"IHL of {poc.conflict_type} armed conflict: {', '.join(law_names)}")
    party = [t for t in law.treaties if t.party]
    if party:
        names = []
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


def digest(
    stage: str,
    r2p: R2P,
    poc: POC,
    law: Law,
    icc: IccJurisdiction,
    measures: Sequence[MeasureFinding],
    tensions: Sequence[TensionFinding],
) -> Digest:
    phases = PHASE_RANK[stage]
    catalogue = kb().measures
    best: dict[str, MeasureFinding] = {}
    for m in measures:
        if not m.available:
            continue
        held = best.get(m.id)
        if held is None or ACTOR_RANK.get(m.actor, 9) < ACTOR_RANK.get(held.actor, 9):
            best[m.id] = m
    ranked = sorted(
        best.values(),
        key=lambda m: (
            ACTOR_RANK.get(m.actor, 9),
            phases.index(m.phase),
            catalogue[m.id].priority,
            m.id,
        ),
    )
    held_tensions = {t.id for t in tensions}
    main = next((t for t in TENSION_RANK if t in held_tensions), None)
    return Digest(
        stage=stage,
        binds=_binds(r2p, poc, law, icc),
        ranked=tuple(
            made(OpenMeasure, id=m.id, actor=m.actor, title=m.title, reason=m.reason)
            for m in ranked
        ),
        main_tension=main,
    )


def summarize(
    d: Digest,
    measures: Sequence[MeasureFinding],
    in_place: Sequence[str],
    warnings: Sequence[Warning],
) -> Summary:
    """The summary of one assessment: the body's digest, less what is already in place."""
    placed = set(in_place)
    open_ = [m for m in d.ranked if m.id not in placed][:MOST]
    return made(
        Summary,
        stage=d.stage,
        binds=list(d.binds),
        open_measures=open_,
        in_place=sorted(placed),
        main_tension=d.main_tension,
        warnings=[w.code for w in warnings],
    )
