"""`assess`: a situation in, an assessment out, every conclusion traced to a rule and a source."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Iterable
from functools import cache
from typing import NamedTuple

from protect.engine import MEMO_ENTRIES, rules
from protect.engine.conditions import Facts
from protect.engine.icc import IccFacts
from protect.engine.icc import facts as icc_facts
from protect.engine.law import Law, law_on
from protect.engine.measures import measures_for
from protect.engine.model import (
    POC,
    R2P,
    Assessment,
    CrimeFinding,
    Derived,
    MeasureFinding,
    Norms,
    Situation,
    TensionFinding,
    TraceEntry,
    made,
)
from protect.engine.rulebook import Rulebook, rulebook
from protect.engine.summary import Digest, digest, summarize
from protect.knowledge.base import Binding, kb
from protect.knowledge.ratification import Reach, reach_on
from protect.knowledge.schema import Stage


class _Body(NamedTuple):
    """Everything an assessment holds that its facts and its date's period decide."""

    derived: Derived
    stage: Stage
    norms: Norms
    crimes: list[CrimeFinding]
    measures: list[MeasureFinding]
    tensions: list[TensionFinding]
    trace_before_r2p: tuple[TraceEntry, ...]  # after `icc_jurisdiction`, before `r2p_in_force`
    trace_after_r2p: tuple[TraceEntry, ...]
    digest: Digest  # the summary's parts that the body decides


def assess(situation: Situation) -> Assessment:
    """Apply the rules of the assessment contract to one validated situation."""
    return _assessment(situation, None)


def assess_many(situations: Iterable[Situation]) -> list[Assessment]:
    """The assessment of each situation, in order: each the very document `assess` gives it.

    Situations with the same facts, the same reach of the Court over their country and a date in
    the same period of `Rulebook.periods` share one body for the length of the call; only the
    parts that name the country or the date (three trace entries, the warnings) are made for each.
    A country's monthly situations mostly repeat, so the monitor assesses its whole panel this
    way. Bodies are not kept beyond the call: for a stream of unrelated situations a standing
    store costs more than it saves (a large live heap slows Python's garbage collector).
    """
    bodies: dict[tuple[object, ...], _Body] = {}
    return [_assessment(s, bodies) for s in situations]


def _assessment(s: Situation, bodies: dict[tuple[object, ...], _Body] | None) -> Assessment:
    rb = rulebook()
    date = s.date
    reach = reach_on(s.country, date)
    table_value = reach.party  # the same answer as the table's `icc_state_party`
    if s.icc_state_party is None:
        icc, icc_source = table_value, "ratification-table"
    else:
        icc, icc_source = s.icc_state_party, "input"
        reach = rules.with_input_party(reach, table_value, icc)
    bound = law_on(s.country, date)
    crimes_live = _crimes_live(s)
    court = icc_facts(s, reach, crimes_live)
    if bodies is None:
        body = _body(rb, s, icc, icc_source, reach, bound, court, crimes_live)
    else:
        a, pk, sc = s.atrocities, s.peacekeeping, s.security_council
        key = (
            bisect_right(rb.periods, date),
            a.genocide,
            a.crimes_against_humanity,
            a.war_crimes,
            a.ethnic_cleansing,
            s.armed_conflict,
            s.state_role,
            s.post_conflict,
            pk.present,
            pk.poc_mandate,
            pk.chapter_vii,
            pk.host_consent,
            sc.seized,
            sc.veto_blocked,
            icc,
            icc_source,
            reach,
            id(bound),
            court.windows,
            court.fits,  # their words name no date, so a period's dates share them
            court.unknown,
            s.civilian_harm,
        )
        shared = bodies.get(key)
        if shared is None:
            shared = bodies[key] = _body(rb, s, icc, icc_source, reach, bound, court, crimes_live)
        body = shared
    measures = body.measures if bodies is None else list(body.measures)
    if s.in_place:
        measures = _mark_in_place(measures, frozenset(s.in_place))
    found_warnings = rules.warnings(s, table_value, court)
    return made(
        Assessment,
        situation=s,
        derived=body.derived,
        stage=body.stage,
        norms=body.norms,
        # Crime and tension findings come from memoized rules and were always shared (frozen
        # models); the measures list is the body's own, so a shared body gives each a copy.
        crimes=body.crimes,
        measures=measures,
        tensions=body.tensions,
        warnings=found_warnings,
        summary=summarize(body.digest, measures, s.in_place, found_warnings),
        trace=[
            rules.icc_state_party_trace(s, table_value, icc),
            rules.icc_jurisdiction_trace(date, icc, reach),
            *body.trace_before_r2p,
            rules.r2p_in_force(date)[1],
            *body.trace_after_r2p,
        ],
    )


def _crimes_live(s: Situation) -> tuple[tuple[str, str], ...]:
    """(crime, status) for the crimes not `none`, in id order."""
    a = s.atrocities
    pairs = (
        ("crimes-against-humanity", a.crimes_against_humanity.status),
        ("ethnic-cleansing", a.ethnic_cleansing.status),
        ("genocide", a.genocide.status),
        ("war-crimes", a.war_crimes.status),
    )
    return tuple(p for p in pairs if p[1] != "none")


def _mark_in_place(measures: list[MeasureFinding], ids: frozenset[str]) -> list[MeasureFinding]:
    """Measures already taken (contract v2 `in_place`): marked, each finding copied once."""
    return [m.model_copy(update={"in_place": True}) if m.id in ids else m for m in measures]


@cache
def _crime_rank() -> dict[str, int]:
    return {crime: i for i, crime in enumerate(kb().crimes)}


def _live(s: Situation, current: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """Crimes not `none`, and every crime with a `committed` period as `past` as well, in the
    order of `crimes.yaml` (genocide first): a reason that names one crime of several names
    the first, so with genocide under way it says so."""
    a = s.atrocities
    rank = _crime_rank()
    if not (
        a.genocide.committed
        or a.crimes_against_humanity.committed
        or a.war_crimes.committed
        or a.ethnic_cleansing.committed
    ):
        return tuple(sorted(current, key=lambda p: rank[p[0]]))
    out = []
    for crime, report in s.atrocities.reports().items():
        if report.status != "none":
            out.append((crime, report.status))
        if report.committed and report.status != "past":
            out.append((crime, "past"))
    return tuple(sorted(out, key=lambda p: (rank[p[0]], p[1] == "past")))


def _body(
    rb: Rulebook,
    s: Situation,
    icc: bool,
    icc_source: str,
    reach: Reach,
    bound: Law,
    court: IccFacts,
    crimes_live: tuple[tuple[str, str], ...],
) -> _Body:
    """The rules that the facts and the date's period decide (`Rulebook.periods`)."""
    date: dt.date = s.date
    era = rb.eras(date)
    statuses = frozenset(v for _, v in crimes_live)
    live = _live(s, crimes_live)
    pk = s.peacekeeping
    seized = s.security_council.seized
    binding = _binding_of(rb, bound, s.armed_conflict)

    stage, t_stage = rules.stage(statuses, s.armed_conflict, s.post_conflict, era["stage"])
    in_force, t_r2p = rules.r2p_in_force(date)
    failure, t_fail = rules.manifest_failure(in_force, statuses, s.state_role, era["r2p-139"])
    threshold, t_thr = rules.response_threshold_met(failure, statuses, era["r2p-139"])
    pillars, t_pil = rules.pillars(in_force, statuses, s.state_role, era["pillars"])
    ihl, t_ihl = rules.ihl_applies(s.armed_conflict, era["ihl"], binding)
    perspectives, t_per = rules.perspectives(
        ihl, stage, pk.present, seized, era["perspectives"], binding
    )
    tiers, t_tie = rules.tiers(stage, statuses, pk.present, pk.poc_mandate, era["tiers"])
    crimes, t_cri = rules.crimes(crimes_live, era["crimes"], binding)
    harm = s.civilian_harm.present()

    facts = Facts(
        date=date,
        stage=stage,
        armed_conflict=s.armed_conflict,
        live=live,
        first_crime=rb.first_crimes(live),
        state_role=s.state_role,
        post_conflict=s.post_conflict,
        icc_state_party=icc,
        icc=court.fits,
        peacekeeping_present=pk.present,
        poc_mandate=pk.present and pk.poc_mandate,
        security_council_seized=seized,
        manifest_failure=failure,
        response_threshold_met=threshold,
        poc_route=s.armed_conflict != "none",
        security_council_veto_blocked=s.security_council.veto_blocked,
        civilian_harm=harm,
        treaty=_treaty_facts(rb, bound),
        binding=binding,
    )
    measures, t_measures, outcome = measures_for(rb, facts)
    ongoing = "ongoing" in statuses
    operation = rules.Operation(pk.present, pk.poc_mandate, pk.chapter_vii, pk.host_consent)
    tensions, t_ten = rules.tensions(
        operation, s.state_role, ongoing, threshold, era["tensions"], binding
    )

    # The norms and the derived block are made once per combination of the (lasting, shared)
    # rule results they are built from; the held objects keep each identity from being reused.
    parts = (t_r2p, pillars, t_ihl, perspectives, tiers)
    norms_key = (*map(id, parts), failure, threshold, s.armed_conflict, harm)
    held = _NORMS.get(norms_key)
    if held is None or any(a is not b for a, b in zip(held[0], parts, strict=True)):
        r2p = made(
            R2P,
            in_force=in_force,
            pillars=pillars,
            manifest_failure=failure,
            response_threshold_met=threshold,
            citations=t_r2p.citations,
        )
        poc = made(
            POC,
            ihl_applies=ihl,
            conflict_type=s.armed_conflict,
            perspectives=perspectives,
            tiers=tiers,
            citations=t_ihl.citations,
            applicable_law=t_ihl.citations,
            civilian_harm=dict(harm),
        )
        if len(_NORMS) >= MEMO_ENTRIES:
            _NORMS.clear()
        held = _NORMS[norms_key] = (parts, made(Norms, r2p=r2p, poc=poc))
    norms = held[1]
    r2p, poc = norms.r2p, norms.poc
    jurisdiction = court.jurisdiction
    derived_parts = (bound, jurisdiction)
    derived_key = (id(bound), id(jurisdiction), icc, icc_source)
    kept = _DERIVED.get(derived_key)
    if kept is None or kept[0][0] is not bound or kept[0][1] is not jurisdiction:
        if len(_DERIVED) >= MEMO_ENTRIES:
            _DERIVED.clear()
        kept = _DERIVED[derived_key] = (
            derived_parts,
            made(
                Derived,
                icc_state_party=icc,
                icc_state_party_source=icc_source,
                treaties=list(bound.treaties),
                icc=jurisdiction,
                regional=list(bound.regional),
            ),
        )
    derived = kept[1]
    return _Body(
        derived=derived,
        stage=stage,
        norms=norms,
        crimes=crimes,
        measures=measures,
        tensions=tensions,
        trace_before_r2p=(t_stage,),
        trace_after_r2p=(t_fail, t_thr, t_pil, t_ihl, t_per, t_tie, t_cri, *t_measures, t_ten),
        digest=digest(
            # Harm to civilians calls for a response even where no conflict or crime is
            # entered: rank the measures as for an armed conflict (docs/assessment.md).
            stage,
            "armed-conflict" if harm and stage in ("peace", "tension") else stage,
            r2p,
            poc,
            bound,
            jurisdiction,
            measures,
            tensions,
            (outcome, s.armed_conflict, era["ihl"]),
        ),
    )


_NORMS: dict[tuple[object, ...], tuple[tuple[object, ...], Norms]] = {}
_DERIVED: dict[tuple[object, ...], tuple[tuple[object, ...], Derived]] = {}

# Laws live in a lasting timeline (`engine.law`), so their identities key these look-ups.
_BINDINGS: dict[tuple[int, str], tuple[Law, Binding]] = {}
_TREATY_FACTS: dict[int, tuple[Law, tuple[tuple[str, str], ...]]] = {}


def _binding_of(rb: Rulebook, bound: Law, conflict: str) -> Binding:
    held = _BINDINGS.get((id(bound), conflict))
    if held is None or held[0] is not bound:
        held = _BINDINGS[(id(bound), conflict)] = (
            bound,
            rb.binding(conflict, bound.parties, bound.members),
        )
    return held[1]


def _treaty_facts(rb: Rulebook, bound: Law) -> tuple[tuple[str, str], ...]:
    held = _TREATY_FACTS.get(id(bound))
    if held is None or held[0] is not bound:
        held = _TREATY_FACTS[id(bound)] = (bound, _treaty_facts_of(rb, bound))
    return held[1]


def _treaty_facts_of(rb: Rulebook, bound: Law) -> tuple[tuple[str, str], ...]:
    out = []
    for instrument in rb.condition_treaties:
        if instrument in bound.parties:
            reserved = [a for i, a in bound.reserved if i == instrument]
            out.append((instrument, f"reserved:{reserved[0]}" if reserved else "party"))
    return tuple(out)
