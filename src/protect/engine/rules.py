"""The rules of `spec/assessment.md` section 3, one small pure function per concept.

Each rule returns its value together with the trace entry that explains it, citing only law in
effect at the situation's date.
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
)
from protect.engine.rulebook import Rulebook
from protect.knowledge import in_effect
from protect.knowledge.schema import Citation

Ruled = tuple[Any, TraceEntry]

ROME_STATUTE_IN_FORCE = dt.date(2002, 7, 1)
CONFLICT_STAGES = frozenset({"armed-conflict", "atrocity-crimes"})
HUMANITARIAN_STAGES = frozenset({"armed-conflict", "atrocity-crimes", "post-conflict"})


def trace(rule: str, inputs: dict[str, Any], result: Any, citations: list[Citation]) -> TraceEntry:
    return TraceEntry.model_construct(rule=rule, inputs=inputs, result=result, citations=citations)


def _live(statuses: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in statuses.items() if v != "none"}


def _any_status(statuses: dict[str, str], *wanted: str) -> bool:
    return any(v in wanted for v in statuses.values())


def icc_state_party(s: Situation, table_value: bool) -> tuple[bool, str, TraceEntry]:
    """Whether the Rome Statute binds the state at the date: the input wins, else the table."""
    if s.icc_state_party is not None:
        value, source = s.icc_state_party, "input"
    else:
        value, source = table_value, "ratification-table"
    entry = trace(
        "icc_state_party",
        {
            "country": s.country,
            "date": s.date.isoformat(),
            "input": s.icc_state_party,
            "ratification_table": table_value,
        },
        value,
        [],
    )
    return value, source, entry


def stage(s: Situation, statuses: dict[str, str], rb: Rulebook) -> Ruled:
    """The first stage that holds, from atrocity-crimes down to peace (spec §3)."""
    if _any_status(statuses, "ongoing"):
        result = "atrocity-crimes"
    elif s.armed_conflict != "none":
        result = "armed-conflict"
    elif s.post_conflict:
        result = "post-conflict"
    elif _any_status(statuses, "imminent", "risk"):
        result = "tension"
    else:
        result = "peace"
    inputs = {
        "atrocities": _live(statuses),
        "armed_conflict": s.armed_conflict,
        "post_conflict": s.post_conflict,
    }
    return result, trace("stage", inputs, result, in_effect(rb.stage_cites, s.date))


def r2p_in_force(date: dt.date, rb: Rulebook) -> Ruled:
    """R2P exists from the World Summit's adoption of paras. 138-139."""
    result = date >= rb.r2p_adopted
    cites = rb.r2p_in_force_cites if result else rb.r2p_underlying
    return result, trace(
        "r2p_in_force",
        {"date": date.isoformat(), "adopted": rb.r2p_adopted.isoformat()},
        result,
        in_effect(cites, date),
    )


def manifest_failure(
    in_force: bool, statuses: dict[str, str], state_role: str, date: dt.date, rb: Rulebook
) -> Ruled:
    """WSOD para. 139: a crime ongoing or imminent and a state unwilling or itself perpetrating."""
    result = (
        in_force
        and _any_status(statuses, "ongoing", "imminent")
        and state_role in ("unwilling", "perpetrator")
    )
    return result, trace(
        "manifest_failure",
        {"r2p_in_force": in_force, "atrocities": _live(statuses), "state_role": state_role},
        result,
        in_effect(rb.r2p_para_139, date),
    )


def response_threshold_met(
    failure: bool, statuses: dict[str, str], date: dt.date, rb: Rulebook
) -> Ruled:
    """Para. 139 collective action: manifest failure while a crime is ongoing."""
    result = failure and _any_status(statuses, "ongoing")
    return result, trace(
        "response_threshold_met",
        {"manifest_failure": failure, "atrocities": _live(statuses)},
        result,
        in_effect(rb.r2p_para_139, date),
    )


def pillars(
    in_force: bool, statuses: dict[str, str], state_role: str, date: dt.date, rb: Rulebook
) -> Ruled:
    """Pillars 1 and 2 whenever R2P is in force; 3 when a crime is ongoing or imminent and the
    state is not protecting."""
    result: list[int] = []
    if in_force:
        result = [1, 2]
        if _any_status(statuses, "ongoing", "imminent") and state_role != "protecting":
            result.append(3)
    cites = [c for n in result for c in rb.pillar_cites[n]]
    return result, trace(
        "pillars",
        {"r2p_in_force": in_force, "atrocities": _live(statuses), "state_role": state_role},
        result,
        in_effect(cites, date),
    )


def ihl_applies(armed_conflict: str, date: dt.date, rb: Rulebook) -> Ruled:
    """IHL applies in full once there is an armed conflict or an occupation."""
    result = armed_conflict != "none"
    cites = rb.poc_by_type.get(armed_conflict, rb.poc_peacetime)
    return result, trace(
        "ihl_applies", {"armed_conflict": armed_conflict}, result, in_effect(cites, date)
    )


def perspectives(ihl: bool, stage_: str, s: Situation, rb: Rulebook) -> Ruled:
    """The POC perspectives engaged (PG2012 vocabulary)."""
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
    cites = [c for p in result for c in rb.perspective_cites[p]]
    return result, trace(
        "perspectives",
        {
            "ihl_applies": ihl,
            "stage": stage_,
            "peacekeeping.present": s.peacekeeping.present,
            "security_council.seized": s.security_council.seized,
        },
        result,
        in_effect(cites, s.date),
    )


def tiers(stage_: str, statuses: dict[str, str], s: Situation, rb: Rulebook) -> Ruled:
    """DPKO/DFS tiers: only for an operation with a POC mandate; tier 2 once violence is at hand."""
    pk = s.peacekeeping
    result: list[int] = []
    if pk.present and pk.poc_mandate:
        result = [1, 3]
        if stage_ in CONFLICT_STAGES or _any_status(statuses, "imminent"):
            result = [1, 2, 3]
    cites = [c for n in result for c in rb.tier_cites[n]]
    return result, trace(
        "tiers",
        {
            "peacekeeping.present": pk.present,
            "peacekeeping.poc_mandate": pk.poc_mandate,
            "stage": stage_,
            "atrocities": _live(statuses),
        },
        result,
        in_effect(cites, s.date),
    )


def crimes(statuses: dict[str, str], date: dt.date, rb: Rulebook) -> Ruled:
    """Every crime whose status is not `none`, with the law that defines it at the date."""
    found = []
    for crime_id in sorted(statuses):
        status = statuses[crime_id]
        if status == "none":
            continue
        crime = rb.kb.crimes[crime_id]
        cites = rb.crime_cites[crime_id]
        # Before any defining instrument took effect, show the earliest one, so the reader
        # sees which law came later rather than nothing at all.
        shown = in_effect(cites, date) or [min(cites, key=lambda c: c.effective).citation]
        found.append(
            CrimeFinding.model_construct(
                id=crime_id,
                status=status,
                armed_conflict_required=crime.armed_conflict_required,
                citations=shown,
            )
        )
    return found, trace(
        "crimes",
        {"atrocities": _live(statuses)},
        [c.id for c in found],
        [c for f in found for c in f.citations],
    )


# --- tensions ---------------------------------------------------------------------------------


def tension_triggers(s: Situation, statuses: dict[str, str], threshold_met: bool) -> dict[str, str]:
    """Which tensions of the spec hold, each with the facts that raise it here."""
    pk, role = s.peacekeeping, s.state_role
    ongoing = _any_status(statuses, "ongoing")
    out: dict[str, str] = {}
    if pk.present and pk.poc_mandate and (role == "perpetrator" or ongoing):
        out["impartiality-neutrality"] = (
            "A peacekeeping operation with a POC mandate faces "
            + ("a perpetrating state" if role == "perpetrator" else "an ongoing atrocity crime")
            + "."
        )
    consent = []
    if pk.present and pk.host_consent and role in ("unwilling", "perpetrator"):
        consent.append(f"the operation rests on the consent of a host state that is {role}")
    if pk.present and not pk.host_consent and not pk.chapter_vii:
        consent.append("the operation is present without host consent and without Chapter VII")
    if threshold_met:
        consent.append(
            "the R2P response threshold is met, so coercion against the state's will "
            "is on the table"
        )
    if consent:
        out["consent-sovereignty"] = "Here " + "; and ".join(consent) + "."
    if pk.present and not pk.poc_mandate and ongoing:
        out["mandate-gap"] = (
            "An operation is present without a POC mandate while a crime is ongoing."
        )
    if ongoing and role == "perpetrator":
        out["humanitarian-space"] = "A crime is ongoing and the state itself is the perpetrator."
    return out


def tensions(s: Situation, statuses: dict[str, str], threshold_met: bool, rb: Rulebook) -> Ruled:
    triggers = tension_triggers(s, statuses, threshold_met)
    found = []
    for tid in sorted(triggers):
        t = rb.kb.tensions[tid]
        found.append(
            TensionFinding.model_construct(
                id=tid,
                title=t.title,
                explanation=f"{t.explanation} {triggers[tid]}",
                citations=in_effect(rb.tension_cites[tid], s.date),
            )
        )
    return found, trace(
        "tensions",
        {
            "peacekeeping": s.peacekeeping.model_dump(),
            "state_role": s.state_role,
            "atrocities": _live(statuses),
            "response_threshold_met": threshold_met,
        },
        [t.id for t in found],
        [],
    )


# --- warnings ---------------------------------------------------------------------------------


def warnings(s: Situation, table_value: bool) -> list[Warning]:
    """Inputs that are contradictory or suspicious; the assessment still runs."""
    out = []
    w = Warning.model_construct
    if s.atrocities.war_crimes == "ongoing" and s.armed_conflict == "none":
        out.append(
            w(
                code="war-crimes-without-armed-conflict",
                message="war crimes are marked ongoing but there is no armed conflict: war crimes "
                "need a nexus to an armed conflict (Rome Statute, Elements of Crimes, Art. 8)",
                fields=["armed_conflict", "atrocities.war-crimes"],
            )
        )
    if s.post_conflict and s.armed_conflict != "none":
        out.append(
            w(
                code="post-conflict-during-conflict",
                message=f"post_conflict is true while armed_conflict is {s.armed_conflict}",
                fields=["armed_conflict", "post_conflict"],
            )
        )
    pk = s.peacekeeping
    if pk.chapter_vii and not pk.present:
        out.append(
            w(
                code="chapter-vii-without-operation",
                message="peacekeeping.chapter_vii is true but no operation is present",
                fields=["peacekeeping.chapter_vii", "peacekeeping.present"],
            )
        )
    if pk.poc_mandate and not pk.present:
        out.append(
            w(
                code="poc-mandate-without-operation",
                message="peacekeeping.poc_mandate is true but no operation is present",
                fields=["peacekeeping.poc_mandate", "peacekeeping.present"],
            )
        )
    if s.icc_state_party is True and s.date < ROME_STATUTE_IN_FORCE:
        out.append(
            w(
                code="icc-party-before-in-force",
                message="icc_state_party is true but the Rome Statute only entered into force on "
                f"2002-07-01, after {s.date.isoformat()}",
                fields=["icc_state_party", "date"],
            )
        )
    elif s.icc_state_party is not None and s.icc_state_party != table_value:
        out.append(
            w(
                code="icc-party-before-in-force",
                message=f"icc_state_party is {str(s.icc_state_party).lower()} but the ratification "
                f"table says {s.country} was {'' if table_value else 'not '}a state party on "
                f"{s.date.isoformat()}; the input is used",
                fields=["icc_state_party"],
            )
        )
    return out
