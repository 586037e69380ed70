"""Which measures are open to which actor, and why: one pass over the compiled catalogue."""

from __future__ import annotations

from bisect import bisect_right
from itertools import chain

from protect.engine.conditions import Facts, Verdict, explain
from protect.engine.model import MeasureFinding, TraceEntry, made
from protect.engine.rulebook import CompiledMeasure, Rulebook
from protect.engine.rules import trace
from protect.knowledge.schema import Citation

NOT_YET_OPEN = -1  # before the measure's own `available_from` date
NO_BASIS_YET = -2  # before any of its legal bases took effect


def _citations(cm: CompiledMeasure, bucket: int) -> list[Citation]:
    if bucket == NOT_YET_OPEN and cm.opens_cite is not None:
        return [cm.opens_cite.citation]  # the instrument whose entry into force opens it
    if bucket < 0:
        return [min(cm.basis, key=lambda c: c.effective).citation]
    reached = cm.basis_dates[bucket - 1]
    return [c.citation for c in cm.basis if c.effective <= reached]


def _reason(cm: CompiledMeasure, bucket: int, verdict: Verdict | None) -> str:
    if bucket == NOT_YET_OPEN and cm.opens is not None:
        return (
            f"Not available before {cm.opens.isoformat()}, when the {cm.opens_title} took effect."
        )
    if bucket == NO_BASIS_YET:
        return (
            f"Not available before {cm.basis_opens.isoformat()}: none of its legal bases was "
            "in effect yet."
        )
    assert verdict is not None
    ok, why = verdict
    if ok:
        since = f" (open since {cm.opens.isoformat()})" if cm.opens else ""
        return f"Available{since}: {explain(ok, why)}."
    return f"Not available: {explain(ok, why)}."


Outcome = tuple[list[MeasureFinding], TraceEntry]


def _verdicts(cm: CompiledMeasure, facts: Facts) -> tuple[object, ...]:
    """What decides a measure's outcome: the date gate, the verdict and its words' facts."""
    date = facts.date
    if cm.opens is not None and date < cm.opens:
        return (NOT_YET_OPEN, None, ())
    if date < cm.basis_opens:
        return (NO_BASIS_YET, None, ())
    verdict = cm.predicate(facts)
    actor_verdicts: tuple[tuple[str, Verdict], ...] = ()
    if verdict[0] and cm.actor_predicates:
        actor_verdicts = tuple((a, p(facts)) for a, p in sorted(cm.actor_predicates.items()))
    return (bisect_right(cm.basis_dates, date), verdict, actor_verdicts)


def _build(
    cm: CompiledMeasure,
    bucket: int,
    verdict: Verdict | None,
    actor_verdicts: tuple[tuple[str, Verdict], ...],
) -> Outcome:
    """Make the findings for one distinct outcome (called once per outcome per process)."""
    m = cm.measure
    cites = _citations(cm, bucket)
    available = verdict is not None and verdict[0]
    reason = _reason(cm, bucket, verdict)
    extra = dict(actor_verdicts)
    out = []
    per_actor: dict[str, bool] = {}
    for actor in sorted(m.actors):
        a_ok, a_reason = available, reason
        if available and actor in extra:
            ok, why = extra[actor]
            a_ok = ok
            words = explain(ok, why)
            a_reason = (
                f"{reason[:-1]}, and {words}." if ok else f"Not available to the {actor}: {words}."
            )
        per_actor[actor] = a_ok
        out.append(
            made(
                MeasureFinding,
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


def measure_findings(cm: CompiledMeasure, facts: Facts) -> Outcome:
    """One finding per actor of the measure, and the trace entry that records them.

    Keyed by what decides the outcome (date gate, verdict), so a measure has only a handful of
    distinct outcomes; each is built once and then shared (the models are frozen).
    """
    key = _verdicts(cm, facts)
    hit = cm.cache.get(key)
    if hit is None:
        bucket, verdict, actor_verdicts = key
        hit = cm.cache[key] = _build(cm, bucket, verdict, actor_verdicts)  # type: ignore[arg-type]
    return hit


def measures_for(rb: Rulebook, facts: Facts) -> tuple[list[MeasureFinding], list[TraceEntry]]:
    """Every measure of the catalogue for these facts, in id order, with its trace entries.

    Measures whose conditions read the same facts are looked up as a group, keyed by where the
    date falls among the group's gate dates and by the facts they read; the hot path costs one
    bisect and one look-up per group, and the reassembly in id order runs in C.
    """
    date = facts.date
    found: tuple[list[MeasureFinding], ...] = ()
    traces: tuple[TraceEntry, ...] = ()
    for g in rb.groups:
        key = (bisect_right(g.dates, date), g.reads(facts))
        hit = g.cache.get(key)
        if hit is None:
            outcomes = [measure_findings(cm, facts) for cm in g.measures]
            hit = g.cache[key] = (tuple(f for f, _ in outcomes), tuple(t for _, t in outcomes))
        found += hit[0]
        traces += hit[1]
    ordered = rb.in_id_order(found)
    return list(chain.from_iterable(ordered)), list(rb.in_id_order(traces))  # type: ignore[arg-type]
