"""`assess`: a situation in, an assessment out, every conclusion traced to a rule and a source."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from dataclasses import fields, replace
from operator import attrgetter
from typing import NamedTuple

from protect.engine import rules
from protect.engine.conditions import Facts
from protect.engine.measures import measure_findings, measures_for
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
    # The facts as the first situation of the body had them, as a plain tuple in the order of
    # `Facts` fields (cheap for the garbage collector); the reach in it is redone per call.
    facts: tuple[object, ...]
    reach: Reach  # the reach in `facts`: a call with this very reach needs no redoing
    reach_keys: tuple[object, ...]  # per `Rulebook.reach_slots`: what else the measure reads


# Bodies already built, keyed by the date's period and every input field the body reads.
# Situations that differ only in name, country or date within one period share one body; the
# parts that name the country or the date (two trace entries, the warnings) are made per call,
# and so are the measures that read the Court's reach over the country (`Rulebook.reach_slots`),
# whose reasons name that country's own dates: they are looked up per call and put in their slots.
_BODIES: dict[tuple[object, ...], _Body] = {}
_MAX_BODIES = 65536
_FACT_VALUES = attrgetter(*(f.name for f in fields(Facts)))
_MEASURE_TRACE_AT = 11  # the first measure trace: after icc_state_party, icc_jurisdiction, stage,
# r2p_in_force and the seven rules from manifest_failure to crimes


def assess(situation: Situation) -> Assessment:
    """Apply the rules of the assessment contract to one validated situation."""
    rb = rulebook()
    s = situation
    date = s.date
    reach = reach_on(s.country, date)
    table_value = reach.party  # the same answer as the table's `icc_state_party`
    if s.icc_state_party is None:
        icc, icc_source = table_value, "ratification-table"
    else:
        icc, icc_source = s.icc_state_party, "input"
        reach = rules.with_input_party(reach, table_value, icc)
    a, pk = s.atrocities, s.peacekeeping
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
        s.security_council.seized,
        icc,
        icc_source,
    )
    body = _BODIES.get(key)
    if body is None:
        if len(_BODIES) >= _MAX_BODIES:
            _BODIES.clear()
        body = _BODIES[key] = _body(rb, s, icc, icc_source, reach)
    t_icc = rules.icc_state_party_trace(s, table_value, icc)
    t_jur = rules.icc_jurisdiction_trace(date, icc, reach)
    t_r2p = rules.r2p_in_force(date)[1]
    measures = list(body.measures)
    trace = [t_icc, t_jur, *body.trace_before_r2p, t_r2p, *body.trace_after_r2p]
    if reach is not body.reach:
        for slot, rest in zip(rb.reach_slots, body.reach_keys, strict=True):
            hit = slot.cache.get((rest, reach))
            if hit is None:
                facts = replace(
                    Facts(*body.facts),  # type: ignore[arg-type]
                    icc_jurisdiction=reach.now,
                    icc_jurisdiction_past=reach.until,
                )
                hit = slot.cache[(rest, reach)] = measure_findings(slot.measure, facts)
            measures[slot.findings_at : slot.findings_at + slot.width] = hit[0]
            trace[_MEASURE_TRACE_AT + slot.trace_at] = hit[1]
    return made(
        Assessment,
        situation=s,
        derived=body.derived,
        stage=body.stage,
        norms=body.norms,
        crimes=list(body.crimes),
        measures=measures,
        tensions=list(body.tensions),
        warnings=rules.warnings(s, table_value),
        trace=trace,
    )


def _body(rb: Rulebook, s: Situation, icc: bool, icc_source: str, reach: Reach) -> _Body:
    """The rules that the facts and the date's period decide (`Rulebook.periods`)."""
    date: dt.date = s.date
    era = rb.eras(date)
    live = tuple((k, v) for k, v in s.atrocities.by_id().items() if v != "none")
    statuses = frozenset(v for _, v in live)
    pk = s.peacekeeping
    seized = s.security_council.seized

    stage, t_stage = rules.stage(statuses, s.armed_conflict, s.post_conflict, era["stage"])
    in_force, t_r2p = rules.r2p_in_force(date)
    failure, t_fail = rules.manifest_failure(in_force, statuses, s.state_role, era["r2p-139"])
    threshold, t_thr = rules.response_threshold_met(failure, statuses, era["r2p-139"])
    pillars, t_pil = rules.pillars(in_force, statuses, s.state_role, era["pillars"])
    ihl, t_ihl = rules.ihl_applies(s.armed_conflict, era["ihl"])
    perspectives, t_per = rules.perspectives(ihl, stage, pk.present, seized, era["perspectives"])
    tiers, t_tie = rules.tiers(stage, statuses, pk.present, pk.poc_mandate, era["tiers"])
    crimes, t_cri = rules.crimes(live, era["crimes"])

    facts = Facts(
        date=date,
        stage=stage,
        armed_conflict=s.armed_conflict,
        live=live,
        first_crime=rb.first_crimes(live),
        state_role=s.state_role,
        post_conflict=s.post_conflict,
        icc_state_party=icc,
        icc_jurisdiction=reach.now,
        icc_jurisdiction_past=reach.until,
        peacekeeping_present=pk.present,
        poc_mandate=pk.present and pk.poc_mandate,
        security_council_seized=seized,
        manifest_failure=failure,
    )
    measures, t_measures = measures_for(rb, facts)
    ongoing = "ongoing" in statuses
    operation = rules.Operation(pk.present, pk.poc_mandate, pk.chapter_vii, pk.host_consent)
    tensions, t_ten = rules.tensions(operation, s.state_role, ongoing, threshold, era["tensions"])

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
    )
    return _Body(
        derived=made(Derived, icc_state_party=icc, icc_state_party_source=icc_source),
        stage=stage,
        norms=made(Norms, r2p=r2p, poc=poc),
        crimes=crimes,
        measures=measures,
        tensions=tensions,
        trace_before_r2p=(t_stage,),
        trace_after_r2p=(t_fail, t_thr, t_pil, t_ihl, t_per, t_tie, t_cri, *t_measures, t_ten),
        facts=_FACT_VALUES(facts),
        reach=reach,
        reach_keys=tuple(
            (bisect_right(slot.dates, date), slot.reads_rest(facts)) for slot in rb.reach_slots
        ),
    )
