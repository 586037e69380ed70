"""The rules of `spec/assessment.md` section 3, one small pure function per concept.

Each rule returns its value together with the trace entry that explains it, citing only law in
effect at the situation's date. `live` is the map of crimes whose status is not `none`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from protect.engine.model import (
    CrimeFinding,
    Situation,
    TensionFinding,
    TraceEntry,
    Warning,
    made,
)
from protect.engine.rulebook import Rulebook
from protect.knowledge.schema import Citation

Ruled = tuple[Any, TraceEntry]
Live = dict[str, str]

ROME_STATUTE_IN_FORCE = dt.date(2002, 7, 1)
CONFLICT_STAGES = frozenset({"armed-conflict", "atrocity-crimes"})
HUMANITARIAN_STAGES = frozenset({"armed-conflict", "atrocity-crimes", "post-conflict"})


def trace(rule: str, inputs: dict[str, Any], result: Any, citations: list[Citation]) -> TraceEntry:
    return made(TraceEntry, rule=rule, inputs=inputs, result=result, citations=citations)


def _has(live: Live, *wanted: str) -> bool:
    return any(v in wanted for v in live.values())


def icc_state_party(s: Situation, table_value: bool) -> tuple[bool, str, TraceEntry]:
    """Whether the Rome Statute binds the state at the date: the input wins, else the table."""
    if s.icc_state_party is not None:
        value, source = s.icc_state_party, "input"
    else:
        value, source = table_value, "ratification-table"
    inputs = {
        "country": s.country,
        "date": s.date.isoformat(),
        "input": s.icc_state_party,
        "ratification_table": table_value,
    }
    return value, source, trace("icc_state_party", inputs, value, [])


def stage(s: Situation, live: Live, rb: Rulebook) -> Ruled:
    """The first stage that holds, from atrocity-crimes down to peace (spec §3)."""
    if _has(live, "ongoing"):
        result = "atrocity-crimes"
    elif s.armed_conflict != "none":
        result = "armed-conflict"
    elif s.post_conflict:
        result = "post-conflict"
    elif _has(live, "imminent", "risk"):
        result = "tension"
    else:
        result = "peace"
    inputs = {
        "atrocities": live,
        "armed_conflict": s.armed_conflict,
        "post_conflict": s.post_conflict,
    }
    return result, trace("stage", inputs, result, rb.stage_cites.on(s.date))


def r2p_in_force(date: dt.date, rb: Rulebook) -> Ruled:
    """R2P exists from the World Summit's adoption of paras. 138-139; before it, the crimes'
    own law is what binds, and is what the trace cites."""
    result = date >= rb.r2p_adopted
    cites = rb.r2p_in_force_cites if result else rb.r2p_underlying
    inputs = {"date": date.isoformat(), "adopted": rb.r2p_adopted.isoformat()}
    return result, trace("r2p_in_force", inputs, result, cites.on(date))


def manifest_failure(
    in_force: bool, live: Live, state_role: str, date: dt.date, rb: Rulebook
) -> Ruled:
    """WSOD para. 139: a crime ongoing or imminent and a state unwilling or itself perpetrating."""
    result = (
        in_force
        and _has(live, "ongoing", "imminent")
        and state_role in ("unwilling", "perpetrator")
    )
    inputs = {"r2p_in_force": in_force, "atrocities": live, "state_role": state_role}
    return result, trace("manifest_failure", inputs, result, rb.r2p_para_139.on(date))


def response_threshold_met(failure: bool, live: Live, date: dt.date, rb: Rulebook) -> Ruled:
    """Para. 139 collective action: manifest failure while a crime is ongoing."""
    result = failure and _has(live, "ongoing")
    inputs = {"manifest_failure": failure, "atrocities": live}
    return result, trace("response_threshold_met", inputs, result, rb.r2p_para_139.on(date))


def pillars(in_force: bool, live: Live, state_role: str, date: dt.date, rb: Rulebook) -> Ruled:
    """Pillars 1 and 2 whenever R2P is in force; 3 when a crime is ongoing or imminent and the
    state is not protecting."""
    result: list[int] = []
    if in_force:
        result = [1, 2]
        if _has(live, "ongoing", "imminent") and state_role != "protecting":
            result.append(3)
    cites = [c for n in result for c in rb.pillar_cites[n].on(date)]
    inputs = {"r2p_in_force": in_force, "atrocities": live, "state_role": state_role}
    return result, trace("pillars", inputs, result, cites)


def ihl_applies(armed_conflict: str, date: dt.date, rb: Rulebook) -> Ruled:
    """IHL applies in full once there is an armed conflict or an occupation; before that only
    its peacetime duties bind."""
    result = armed_conflict != "none"
    cites = rb.poc_by_type[armed_conflict] if result else rb.poc_peacetime
    return result, trace("ihl_applies", {"armed_conflict": armed_conflict}, result, cites.on(date))


def perspectives(ihl: bool, stage_: str, s: Situation, rb: Rulebook) -> Ruled:
    """The POC perspectives engaged (PG2012 vocabulary), sorted by id."""
    result = []
    if ihl:
        result.append("narrow")
    if stage_ in HUMANITARIAN_STAGES:
        result += ["broad", "humanitarian"]
    if s.peacekeeping.present:
        result.append("peacekeeping")
    if s.security_council.seized:
        result.append("security-council")
    result.sort()
    cites = [c for p in result for c in rb.perspective_cites[p].on(s.date)]
    inputs = {
        "ihl_applies": ihl,
        "stage": stage_,
        "peacekeeping.present": s.peacekeeping.present,
        "security_council.seized": s.security_council.seized,
    }
    return result, trace("perspectives", inputs, result, cites)


def tiers(stage_: str, live: Live, s: Situation, rb: Rulebook) -> Ruled:
    """DPKO/DFS tiers: only for an operation with a POC mandate; tier 2 once violence is at hand."""
    pk = s.peacekeeping
    result: list[int] = []
    if pk.present and pk.poc_mandate:
        result = [1, 3]
        if stage_ in CONFLICT_STAGES or _has(live, "imminent"):
            result = [1, 2, 3]
    cites = [c for n in result for c in rb.tier_cites[n].on(s.date)]
    inputs = {
        "peacekeeping.present": pk.present,
        "peacekeeping.poc_mandate": pk.poc_mandate,
        "stage": stage_,
        "atrocities": live,
    }
    return result, trace("tiers", inputs, result, cites)


def crimes(live: Live, date: dt.date, rb: Rulebook) -> Ruled:
    """Every crime whose status is not `none`, with the law that defines it at the date."""
    found = []
    for crime_id in sorted(live):
        cites = rb.crime_cites[crime_id]
        # Before any defining instrument took effect, show the earliest one, so the reader
        # sees which law came later rather than nothing at all.
        shown = cites.on(date) or [min(cites.cites, key=lambda c: c.effective).citation]
        found.append(
            made(
                CrimeFinding,
                id=crime_id,
                status=live[crime_id],
                armed_conflict_required=rb.kb.crimes[crime_id].armed_conflict_required,
                citations=shown,
            )
        )
    return found, trace(
        "crimes",
        {"atrocities": live},
        [c.id for c in found],
        [c for f in found for c in f.citations],
    )


# --- tensions ---------------------------------------------------------------------------------


def tension_triggers(s: Situation, live: Live, threshold_met: bool) -> dict[str, str]:
    """Which tensions of the spec hold, each with the facts that raise it here."""
    pk, role = s.peacekeeping, s.state_role
    ongoing = _has(live, "ongoing")
    out: dict[str, str] = {}
    if pk.present and pk.poc_mandate and (role == "perpetrator" or ongoing):
        facing = "a perpetrating state" if role == "perpetrator" else "an ongoing atrocity crime"
        out["impartiality-neutrality"] = f"Here an operation with a POC mandate faces {facing}."
    consent = []
    if pk.present and pk.host_consent and role in ("unwilling", "perpetrator"):
        consent.append(f"the operation rests on the consent of a host state that is {role}")
    if pk.present and not pk.host_consent and not pk.chapter_vii:
        consent.append("the operation is present without host consent and without Chapter VII")
    if threshold_met:
        consent.append(
            "the R2P response threshold is met, so coercion against the state's will is in question"
        )
    if consent:
        out["consent-sovereignty"] = "Here " + "; and ".join(consent) + "."
    if pk.present and not pk.poc_mandate and ongoing:
        out["mandate-gap"] = (
            "Here an operation is present without a POC mandate while a crime is ongoing."
        )
    if ongoing and role == "perpetrator":
        out["humanitarian-space"] = "Here a crime is ongoing and the state is the perpetrator."
    return out


def tensions(s: Situation, live: Live, threshold_met: bool, rb: Rulebook) -> Ruled:
    triggers = tension_triggers(s, live, threshold_met)
    found = []
    for tid in sorted(triggers):
        t = rb.kb.tensions[tid]
        found.append(
            made(
                TensionFinding,
                id=tid,
                title=t.title,
                explanation=f"{t.explanation} {triggers[tid]}",
                citations=rb.tension_cites[tid].on(s.date),
            )
        )
    pk = s.peacekeeping
    inputs = {
        "peacekeeping.present": pk.present,
        "peacekeeping.poc_mandate": pk.poc_mandate,
        "peacekeeping.host_consent": pk.host_consent,
        "peacekeeping.chapter_vii": pk.chapter_vii,
        "state_role": s.state_role,
        "atrocities": live,
        "response_threshold_met": threshold_met,
    }
    return found, trace("tensions", inputs, [t.id for t in found], [])


# --- warnings ---------------------------------------------------------------------------------


def warnings(s: Situation, table_value: bool) -> list[Warning]:
    """Inputs that are contradictory or suspicious; the assessment still runs."""
    out = []
    if s.atrocities.war_crimes == "ongoing" and s.armed_conflict == "none":
        out.append(
            made(
                Warning,
                code="war-crimes-without-armed-conflict",
                message="war crimes are marked ongoing but there is no armed conflict: war crimes "
                "need a nexus to an armed conflict (Rome Statute, Art. 8; Elements of Crimes)",
                fields=["armed_conflict", "atrocities.war-crimes"],
            )
        )
    if s.post_conflict and s.armed_conflict != "none":
        out.append(
            made(
                Warning,
                code="post-conflict-during-conflict",
                message=f"post_conflict is true while armed_conflict is {s.armed_conflict}",
                fields=["armed_conflict", "post_conflict"],
            )
        )
    pk = s.peacekeeping
    if pk.chapter_vii and not pk.present:
        out.append(
            made(
                Warning,
                code="chapter-vii-without-operation",
                message="peacekeeping.chapter_vii is true but no operation is present",
                fields=["peacekeeping.chapter_vii", "peacekeeping.present"],
            )
        )
    if pk.poc_mandate and not pk.present:
        out.append(
            made(
                Warning,
                code="poc-mandate-without-operation",
                message="peacekeeping.poc_mandate is true but no operation is present",
                fields=["peacekeeping.poc_mandate", "peacekeeping.present"],
            )
        )
    if s.icc_state_party is True and s.date < ROME_STATUTE_IN_FORCE:
        out.append(
            made(
                Warning,
                code="icc-party-before-in-force",
                message="icc_state_party is true but the Rome Statute only entered into force on "
                f"2002-07-01, after {s.date.isoformat()}",
                fields=["icc_state_party", "date"],
            )
        )
    elif s.icc_state_party is not None and s.icc_state_party != table_value:
        party = "a state party" if table_value else "not a state party"
        out.append(
            made(
                Warning,
                code="icc-party-before-in-force",
                message=f"icc_state_party is {str(s.icc_state_party).lower()} but the ratification "
                f"table has {s.country} as {party} on {s.date.isoformat()}; the input is used",
                fields=["icc_state_party"],
            )
        )
    return out
