"""Which measures are open to which actor, and why: one pass over the compiled catalogue."""

from __future__ import annotations

from protect.engine.conditions import Facts
from protect.engine.model import MeasureFinding, TraceEntry
from protect.engine.rulebook import CompiledMeasure
from protect.engine.rules import trace
from protect.knowledge import in_effect
from protect.knowledge.schema import Citation


def _gate(cm: CompiledMeasure, facts: Facts) -> tuple[bool, str, list[Citation]]:
    """The measure-wide verdict: date gates first, then the condition."""
    date = facts.date
    if cm.opens is not None and cm.opens_cite is not None and date < cm.opens:
        return (
            False,
            f"Not available before {cm.opens.isoformat()}, when the {cm.opens_title} took effect.",
            [cm.opens_cite.citation],
        )
    if date < cm.basis_opens:
        first = min(cm.basis, key=lambda c: c.effective)
        return (
            False,
            f"Not available before {cm.basis_opens.isoformat()}: none of its legal bases was in "
            "effect yet.",
            [first.citation],
        )
    ok, why = cm.predicate(facts)
    cites = in_effect(cm.basis, date)
    if ok:
        since = f" (open since {cm.opens.isoformat()})" if cm.opens else ""
        return True, f"Available{since}: {why}.", cites
    return False, f"Not available: {why}.", cites


def measure_findings(cm: CompiledMeasure, facts: Facts) -> tuple[list[MeasureFinding], TraceEntry]:
    """One finding per actor of the measure, and the trace entry that records them."""
    m = cm.measure
    available, reason, cites = _gate(cm, facts)
    out = []
    per_actor: dict[str, bool] = {}
    for actor in sorted(m.actors):
        a_ok, a_reason = available, reason
        extra = cm.actor_predicates.get(actor)
        if available and extra is not None:
            ok, why = extra(facts)
            a_ok = ok
            a_reason = (
                f"{reason[:-1]}, and {why}." if ok else f"Not available to the {actor}: {why}."
            )
        per_actor[actor] = a_ok
        out.append(
            MeasureFinding.model_construct(
                id=m.id,
                title=m.title,
                actor=actor,
                phase=m.phase,
                norm=m.norm,
                available=a_ok,
                reason=a_reason,
                citations=cites,
            )
        )
    return out, trace("measure_available", {"measure": m.id}, per_actor, cites)
