"""Which measures are open to which actor, and why: one pass over the compiled catalogue."""

from __future__ import annotations

from bisect import bisect_right
from itertools import chain

from protect.engine.conditions import Facts, Verdict, explain
from protect.engine.model import MeasureFinding, TraceEntry, made
from protect.engine.rulebook import CompiledMeasure, Rulebook, rulebook
from protect.engine.rules import trace
from protect.knowledge.base import Cited
from protect.knowledge.schema import Citation

NOT_YET_OPEN = -1  # before the measure's own `available_from` date
NO_BASIS_YET = -2  # before any of its legal bases took effect


def _citations(cm: CompiledMeasure, bucket: int, binds: tuple[bool, ...]) -> list[Citation]:
    """The legal basis in effect at the date that binds this state (contract v2)."""
    if bucket == NOT_YET_OPEN and cm.opens_cite is not None:
        return [cm.opens_cite.citation]  # the instrument whose entry into force opens it
    if bucket < 0:
        return [min(cm.basis, key=lambda c: c.effective).citation]
    reached = cm.basis_dates[bucket - 1]
    applying = _applying(cm, binds)
    return [c.citation for c in applying if c.effective <= reached]


def _applying(cm: CompiledMeasure, binds: tuple[bool, ...]) -> list[Cited]:
    if not binds:
        return list(cm.basis)
    flags = iter(binds)
    return [c for c in cm.basis if not c.conditional or next(flags)]


def _otherwise(cm: CompiledMeasure, bucket: int, binds: tuple[bool, ...]) -> str:
    """What applies instead of the citations that do not bind here, in the reason's words."""
    if not binds or bucket < 0:
        return ""
    reached = cm.basis_dates[bucket - 1]
    flags = iter(binds)
    notes = [
        c.otherwise
        for c in cm.basis
        if c.conditional and not next(flags) and c.otherwise and c.effective <= reached
    ]
    return "".join(f" Note: {n}." for n in notes)


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


def _verdicts(cm: CompiledMeasure, facts: Facts, bodies: int) -> tuple[object, ...]:
    """What decides a measure's outcome: the date gate, the verdict and its words' facts, which
    citations bind the state, and which bodies exist."""
    date = facts.date
    binds = (
        tuple(c.binds(facts.binding) for c in cm.basis if c.conditional)
        if cm.conditional
        else ()
    )
    body = bodies if cm.gated_actors else 0
    if cm.opens is not None and date < cm.opens:
        return (NOT_YET_OPEN, None, (), binds, body)
    if date < cm.basis_opens:
        return (NO_BASIS_YET, None, (), binds, body)
    verdict = cm.predicate(facts)
    actor_verdicts: tuple[tuple[str, Verdict], ...] = ()
    if verdict[0] and cm.actor_predicates:
        actor_verdicts = tuple((a, p(facts)) for a, p in sorted(cm.actor_predicates.items()))
    return (bisect_right(cm.basis_dates, date), verdict, actor_verdicts, binds, body)


def _build(
    rb: Rulebook,
    cm: CompiledMeasure,
    bucket: int,
    verdict: Verdict | None,
    actor_verdicts: tuple[tuple[str, Verdict], ...],
    binds: tuple[bool, ...],
    bodies: int,
) -> Outcome:
    """Make the findings for one distinct outcome (called once per outcome per process)."""
    m = cm.measure
    cites = _citations(cm, bucket, binds)
    available = verdict is not None and verdict[0]
    reason = _reason(cm, bucket, verdict)
    note = _otherwise(cm, bucket, binds)
    extra = dict(actor_verdicts)
    body_at = rb.bodies_at[bodies]
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
        body = body_at.get(actor) if actor in cm.gated_actors else None
        if body is not None and not body.acting:
            a_ok, a_reason = False, f"Not available to the {actor}: {body.words}."
        elif body is not None and body.words and a_ok:
            a_reason = f"{a_reason[:-1]} ({body.words})."
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
                reason=a_reason + note,
                citations=cites,
                in_place=False,
                precedent=cm.precedent,
            )
        )
    return out, trace("measure_available", {"measure": m.id}, per_actor, cites)


def measure_findings(cm: CompiledMeasure, facts: Facts) -> Outcome:
    """One finding per actor of the measure, and the trace entry that records them.

    Keyed by what decides the outcome (date gate, verdict), so a measure has only a handful of
    distinct outcomes; each is built once and then shared (the models are frozen).
    """
    rb = rulebook()
    key = _verdicts(cm, facts, rb.bodies(facts.date))
    hit = cm.cache.get(key)
    if hit is None:
        hit = cm.cache[key] = _build(rb, cm, *key)  # type: ignore[arg-type]
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
