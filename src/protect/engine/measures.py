"""Which measures are open to which actor, and why: one pass over the compiled catalogue."""

from __future__ import annotations

from bisect import bisect_right
from itertools import chain

from protect.engine import MEMO_ENTRIES
from protect.engine.conditions import Facts, Verdict, explain
from protect.engine.model import MeasureFinding, TraceEntry, made
from protect.engine.rulebook import CompiledMeasure, Rulebook, rulebook
from protect.engine.rules import trace
from protect.knowledge import kb
from protect.knowledge.base import Cited
from protect.knowledge.schema import Citation
from protect.knowledge.words import actor_name

NOT_YET_OPEN = -1  # before the measure's own `available_from` date
NO_BASIS_YET = -2  # before any of its legal bases took effect


Binds = tuple[tuple[bool, bool], ...]  # per conditional citation: (binds, fits the conflict)


def _citations(cm: CompiledMeasure, bucket: int, binds: Binds) -> list[Citation]:
    """The legal basis in effect at the date that binds this state (contract v2). When no
    treaty of the basis binds it, the treaties are shown as the standard, with a note."""
    if bucket == NOT_YET_OPEN and cm.opens_cite is not None:
        return [cm.opens_cite.citation]  # the instrument whose entry into force opens it
    if bucket < 0:
        return [min(cm.basis, key=lambda c: c.effective).citation]
    reached = cm.basis_dates[bucket - 1]
    binding = [c for c, ok in _marked(cm, binds) if ok[0] and c.effective <= reached]
    if binding:
        return [c.citation for c in binding]
    return [c.citation for c, ok in _marked(cm, binds) if ok[1] and c.effective <= reached]


def _marked(cm: CompiledMeasure, binds: Binds) -> list[tuple[Cited, tuple[bool, bool]]]:
    flags = iter(binds)
    return [(c, next(flags) if c.conditional else (True, True)) for c in cm.basis]


def _otherwise(cm: CompiledMeasure, bucket: int, binds: Binds) -> str:
    """What applies instead of the citations that do not bind here, in the reason's words."""
    if not binds or bucket < 0:
        return ""
    reached = cm.basis_dates[bucket - 1]
    marked = [(c, ok) for c, ok in _marked(cm, binds) if c.effective <= reached]
    notes = [f" Note: {c.otherwise}." for c, ok in marked if not ok[0] and c.otherwise]
    if not any(ok[0] for _, ok in marked):
        names = sorted({c.citation.instrument for c, ok in marked if ok[1] and c.party})
        if names:
            notes.append(
                " Note: the state is not a party to "
                + ", ".join(kb().instruments[n].short for n in names)
                + " at this date; they are cited as the standard, and bind it only as far as "
                "they reflect customary law."
            )
    return "".join(notes)


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
    b = facts.binding
    binds = (
        tuple((c.binds(b), c.fits_conflict(b)) for c in cm.basis if c.conditional)
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
    binds: Binds,
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
    needed = body_at.get(m.requires_body) if m.requires_body else None
    if needed is not None and (not needed.acting or needed.words):
        current = rb.kb.bodies[m.requires_body].periods[-1]  # type: ignore[index]
        available = False
        reason = (
            f"Not available: it needs the {current.body}, which exists from "
            f"{current.start.isoformat()}."
        )
    out = []
    per_actor: dict[str, bool] = {}
    for actor in sorted(m.actors):
        a_ok, a_reason = available, reason
        if available and actor in extra:
            ok, why = extra[actor]
            a_ok = ok
            words = explain(ok, why)
            a_reason = (
                f"{reason[:-1]}, and {words}."
                if ok
                else f"Not available to the {actor_name(actor)}: {words}."
            )
        body = body_at.get(actor) if actor in cm.gated_actors else None
        if body is not None and not body.acting:
            a_ok, a_reason = False, f"Not available to the {actor_name(actor)}: {body.words}."
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


def measures_for(
    rb: Rulebook, facts: Facts
) -> tuple[list[MeasureFinding], list[TraceEntry], tuple[int, ...]]:
    """Every measure of the catalogue for these facts, in id order, with its trace entries.

    Measures whose conditions read the same facts are looked up as a group, keyed by where the
    date falls among the group's gate dates and by the facts they read; the hot path costs one
    bisect and one look-up per group, and the reassembly in id order runs in C.
    """
    date = facts.date
    # One look-up for the whole catalogue when these facts were seen before (bounded memo);
    # else one per group, as below.
    whole = (bisect_right(rb.measure_dates, date), rb.reads_all(facts))
    known = rb.catalogue_memo.get(whole)
    if known is not None:
        return list(known[0]), list(known[1]), known[2]
    hits = []
    for g in rb.groups:
        key = (bisect_right(g.dates, date), g.reads(facts))
        hit = g.cache.get(key)
        if hit is None:
            outcomes = [measure_findings(cm, facts) for cm in g.measures]
            hit = g.cache[key] = (tuple(f for f, _ in outcomes), tuple(t for _, t in outcomes))
        hits.append(hit)
    # The group outcomes are kept for the process, so their identities name this list of
    # findings for as long as it lives: the summary's ranking keys on them, and the assembled
    # lists are kept under them (each assessment gets its own copy of the measures list).
    named = tuple(map(id, hits))
    assembled = rb.assembled.get(named)
    if assembled is None:
        found = tuple(f for hit in hits for f in hit[0])
        traces = tuple(t for hit in hits for t in hit[1])
        assembled = (
            tuple(chain.from_iterable(rb.in_id_order(found))),  # type: ignore[arg-type]
            tuple(rb.in_id_order(traces)),  # type: ignore[arg-type]
        )
        if len(rb.assembled) >= MEMO_ENTRIES:
            rb.assembled.clear()
        rb.assembled[named] = assembled
    if len(rb.catalogue_memo) >= MEMO_ENTRIES:
        rb.catalogue_memo.clear()
    rb.catalogue_memo[whole] = (assembled[0], assembled[1], named)
    return list(assembled[0]), list(assembled[1]), named
