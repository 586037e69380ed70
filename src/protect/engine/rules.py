"""The rules of `docs/assessment.md` section 3, one small pure function per concept.

Each rule returns its value together with the trace entry that explains it, citing only law in
effect at the situation's date. `live` holds the (crime, status) pairs whose status is not
`none`, and `statuses` the set of those statuses. The date enters most rules as the era of the
rule's own citations (the latest of their effective dates it has reached), which is all the
citations depend on. Rules of hashable arguments are memoized (`memo`): the same facts in the same
era give the same, shared, frozen result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar

from protect.engine import MEMO_ENTRIES
from protect.engine.icc import IccFacts, statute_in_force
from protect.engine.model import (
    CrimeFinding,
    Situation,
    TensionFinding,
    TraceEntry,
    Warning,
    made,
)
from protect.engine.rulebook import rulebook
from protect.knowledge import kb
from protect.knowledge.base import Binding
from protect.knowledge.countries import country
from protect.knowledge.ratification import Period, Reach
from protect.knowledge.schema import Citation
from protect.knowledge.words import crime_name

Ruled = tuple[Any, TraceEntry]
Live = tuple[tuple[str, str], ...]
Statuses = frozenset[str]


class Operation(NamedTuple):
    """A peacekeeping operation's flags, as a cheap hashable key for the memoized rules."""

    present: bool
    poc_mandate: bool
    chapter_vii: bool
    host_consent: bool


F = TypeVar("F", bound=Callable[..., Any])


def memo(fn: F) -> F:
    """Memoize a pure rule (bounded, so odd inputs cannot grow it without limit)."""
    return lru_cache(maxsize=MEMO_ENTRIES)(fn)  # type: ignore[return-value]


CONFLICT_STAGES = frozenset({"armed-conflict", "atrocity-crimes"})
HUMANITARIAN_STAGES = frozenset({"armed-conflict", "atrocity-crimes", "post-conflict"})


def trace(rule: str, inputs: dict[str, Any], result: Any, citations: list[Citation]) -> TraceEntry:
    return made(TraceEntry, rule=rule, inputs=inputs, result=result, citations=citations)


def _has(statuses: Statuses, *wanted: str) -> bool:
    return not statuses.isdisjoint(wanted)


def icc_state_party_trace(s: Situation, table_value: bool, value: bool) -> TraceEntry:
    """Whether the Rome Statute binds the state at the date: the input wins, else the table."""
    inputs = {
        "country": s.country,
        "date": s.date.isoformat(),
        "input": s.icc_state_party,
        "ratification_table": table_value,
    }
    return trace("icc_state_party", inputs, value, [])


def with_input_party(table: Reach, table_party: bool, input_party: bool | None) -> Reach:
    """The Court's reach with party status as the user states it, when that differs from the
    table: a stated party counts as one on the date; a stated non-party loses the running
    party period, but keeps its declarations and any party period that ended before."""
    if input_party is None or input_party == table_party:
        return table
    if input_party:
        stated = Period("party", None, None)
        return Reach((stated, *table.now), (stated, *table.until))
    now = tuple(p for p in table.now if p.basis != "party")
    return Reach(now, tuple(p for p in table.until if p.basis != "party" or p.end is not None))


def _period_doc(p: Period) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "basis": p.basis,
        "from": p.start.isoformat() if p.start else None,
        "to": p.end.isoformat() if p.end else None,
    }
    if p.lodged is not None:
        doc["lodged"] = p.lodged.isoformat()
    return doc


def icc_jurisdiction_trace(date: dt.date, party: bool, reach: Reach) -> TraceEntry:
    """Where the Court may act: party status at the date (Art. 12(2)), an Art. 12(3)
    declaration covering it, and, for crimes already committed, every period of either begun
    by the date (Arts. 11, 127(2)). The country and the date are in the `icc_state_party`
    entry just before; this one depends only on the party status, the periods and the era of
    its citations, so it is shared."""
    return _icc_jurisdiction_trace(party, reach, rulebook().icc_jurisdiction_cites.era(date))


@memo
def _icc_jurisdiction_trace(party: bool, reach: Reach, era: dt.date) -> TraceEntry:
    result = {
        "basis": reach.now[0].basis if reach.now else None,
        "at_date": [_period_doc(p) for p in reach.now],
        "for_past_crimes": [_period_doc(p) for p in reach.until],
    }
    cites = rulebook().icc_jurisdiction_cites.on(era)
    return trace("icc_jurisdiction", {"icc_state_party": party}, result, cites)


@memo
def stage(statuses: Statuses, armed_conflict: str, post_conflict: bool, era: dt.date) -> Ruled:
    """The first stage that holds, from atrocity-crimes down to peace (spec §3)."""
    if _has(statuses, "ongoing"):
        result = "atrocity-crimes"
    elif armed_conflict != "none":
        result = "armed-conflict"
    elif post_conflict:
        result = "post-conflict"
    elif _has(statuses, "imminent", "risk"):
        result = "tension"
    else:
        result = "peace"
    inputs = {
        "crime_statuses": sorted(statuses),
        "armed_conflict": armed_conflict,
        "post_conflict": post_conflict,
    }
    return result, trace("stage", inputs, result, rulebook().stage_cites.on(era))


@memo
def r2p_in_force(date: dt.date) -> Ruled:
    """R2P exists from the World Summit's adoption of paras. 138-139; before it, the crimes'
    own law is what binds, and is what the trace cites."""
    rb = rulebook()
    result = date >= rb.r2p_adopted
    cites = rb.r2p_in_force_cites if result else rb.r2p_underlying
    inputs = {"date": date.isoformat(), "adopted": rb.r2p_adopted.isoformat()}
    return result, trace("r2p_in_force", inputs, result, cites.on(date))


@memo
def manifest_failure(in_force: bool, statuses: Statuses, state_role: str, era: dt.date) -> Ruled:
    """WSOD para. 139: a crime ongoing or imminent and a state unwilling or itself perpetrating."""
    result = (
        in_force
        and _has(statuses, "ongoing", "imminent")
        and state_role in ("unwilling", "perpetrator")
    )
    inputs = {
        "r2p_in_force": in_force,
        "crime_statuses": sorted(statuses),
        "state_role": state_role,
    }
    return result, trace("manifest_failure", inputs, result, rulebook().r2p_para_139.on(era))


@memo
def response_threshold_met(failure: bool, statuses: Statuses, era: dt.date) -> Ruled:
    """Para. 139 collective action: manifest failure while a crime is ongoing."""
    result = failure and _has(statuses, "ongoing")
    inputs = {"manifest_failure": failure, "crime_statuses": sorted(statuses)}
    return result, trace("response_threshold_met", inputs, result, rulebook().r2p_para_139.on(era))


@memo
def pillars(in_force: bool, statuses: Statuses, state_role: str, era: dt.date) -> Ruled:
    """Pillars 1 and 2 whenever R2P is in force; 3 when a crime is ongoing or imminent and the
    state is not protecting."""
    result: list[int] = []
    if in_force:
        result = [1, 2]
        if _has(statuses, "ongoing", "imminent") and state_role != "protecting":
            result.append(3)
    cites = [c for n in result for c in rulebook().pillar_cites[n].on(era)]
    inputs = {
        "r2p_in_force": in_force,
        "crime_statuses": sorted(statuses),
        "state_role": state_role,
    }
    return result, trace("pillars", inputs, result, cites)


@memo
def ihl_applies(armed_conflict: str, era: dt.date, binding: Binding) -> Ruled:
    """IHL applies in full once there is an armed conflict or an occupation; before that only
    its peacetime duties bind. The citations are the law that binds this state (contract v2):
    a treaty only where it is a party, customary law always."""
    rb = rulebook()
    result = armed_conflict != "none"
    cites = rb.poc_by_type[armed_conflict] if result else rb.poc_peacetime
    inputs = {"armed_conflict": armed_conflict, "treaties": sorted(binding.parties)}
    return result, trace("ihl_applies", inputs, result, cites.binding(era, binding))


@memo
def perspectives(
    ihl: bool,
    stage_: str,
    peacekeeping_present: bool,
    council_seized: bool,
    era: dt.date,
    binding: Binding,
) -> Ruled:
    """The POC perspectives engaged (PG2012 vocabulary), sorted by id."""
    result = []
    if ihl:
        result.append("narrow")
    if stage_ in HUMANITARIAN_STAGES:
        result += ["broad", "humanitarian"]
    if peacekeeping_present:
        result.append("peacekeeping")
    if council_seized:
        result.append("security-council")
    result.sort()
    cites = [c for p in result for c in rulebook().perspective_cites[p].binding(era, binding)]
    inputs = {
        "ihl_applies": ihl,
        "stage": stage_,
        "peacekeeping.present": peacekeeping_present,
        "security_council.seized": council_seized,
    }
    return result, trace("perspectives", inputs, result, cites)


@memo
def tiers(
    stage_: str, statuses: Statuses, peacekeeping_present: bool, poc_mandate: bool, era: dt.date
) -> Ruled:
    """DPKO/DFS tiers: only for an operation with a POC mandate; tier 2 once violence is at hand."""
    result: list[int] = []
    if peacekeeping_present and poc_mandate:
        result = [1, 3]
        if stage_ in CONFLICT_STAGES or _has(statuses, "imminent"):
            result = [1, 2, 3]
    cites = [c for n in result for c in rulebook().tier_cites[n].on(era)]
    inputs = {
        "peacekeeping.present": peacekeeping_present,
        "peacekeeping.poc_mandate": poc_mandate,
        "stage": stage_,
        "crime_statuses": sorted(statuses),
    }
    return result, trace("tiers", inputs, result, cites)


@memo
def crimes(live: Live, era: dt.date, binding: Binding) -> Ruled:
    """Every crime whose status is not `none`, with the law that defines it at the date for
    this type of conflict and this state's treaties (grave breaches only in international
    conflicts; a Protocol only for its parties)."""
    rb = rulebook()
    found = []
    for crime_id, status in sorted(live):
        cites = rb.crime_cites[crime_id]
        # Before any defining instrument took effect, show the earliest one, so the reader
        # sees which law came later rather than nothing at all.
        shown = cites.binding(era, binding) or [
            min(cites.cites, key=lambda c: c.effective).citation
        ]
        found.append(
            made(
                CrimeFinding,
                id=crime_id,
                status=status,
                armed_conflict_required=rb.kb.crimes[crime_id].armed_conflict_required,
                citations=shown,
            )
        )
    return found, trace(
        "crimes",
        {"atrocities": dict(live)},
        [c.id for c in found],
        [c for f in found for c in f.citations],
    )


# --- tensions ---------------------------------------------------------------------------------


def tension_triggers(
    pk: Operation, role: str, ongoing: bool, threshold_met: bool
) -> dict[str, str]:
    """Which tensions of the spec hold, each with the facts that raise it here."""
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


@memo
def tensions(
    pk: Operation,
    state_role: str,
    crime_ongoing: bool,
    threshold_met: bool,
    era: dt.date,
    binding: Binding,
) -> Ruled:
    """The tensions of the spec that hold, explained with the facts that raise them."""
    rb = rulebook()
    triggers = tension_triggers(pk, state_role, crime_ongoing, threshold_met)
    found = []
    for tid in sorted(triggers):
        t = rb.kb.tensions[tid]
        found.append(
            made(
                TensionFinding,
                id=tid,
                title=t.title,
                explanation=f"{t.explanation} {triggers[tid]}",
                citations=rb.tension_cites[tid].binding(era, binding),
            )
        )
    inputs = {
        "peacekeeping.present": pk.present,
        "peacekeeping.poc_mandate": pk.poc_mandate,
        "peacekeeping.host_consent": pk.host_consent,
        "peacekeeping.chapter_vii": pk.chapter_vii,
        "state_role": state_role,
        "crime_ongoing": crime_ongoing,
        "response_threshold_met": threshold_met,
    }
    return found, trace("tensions", inputs, [t.id for t in found], [])


# --- warnings ---------------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _lifetime(code: str) -> tuple[dt.date | None, dt.date | None]:
    c = country(code)
    return c.valid_from, c.valid_to


def warnings(s: Situation, table_value: bool, icc: IccFacts) -> list[Warning]:
    """Inputs that are contradictory or suspicious; the assessment still runs."""
    out = []
    if s.atrocities.war_crimes.status == "ongoing" and s.armed_conflict == "none":
        out.append(
            made(
                Warning,
                code="war-crimes-without-armed-conflict",
                message="war crimes are marked ongoing but there is no armed conflict: war crimes "
                "need a nexus to an armed conflict (Rome Statute, "
                f"{kb().pinpoint('war-crimes-nexus')}; Elements of Crimes)",
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
    in_force = statute_in_force()
    if s.icc_state_party is True and s.date < in_force:
        out.append(
            made(
                Warning,
                code="icc-party-before-in-force",
                message="icc_state_party is true but the Rome Statute only entered into force on "
                f"{in_force.isoformat()}, after {s.date.isoformat()}",
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
    start, end = _lifetime(s.country)
    if (start is not None and s.date < start) or (end is not None and s.date > end):
        code = country(s.country)
        span = f"from {code.valid_from.isoformat() if code.valid_from else 'its start'} to " + (
            code.valid_to.isoformat() if code.valid_to else "today"
        )
        out.append(
            made(
                Warning,
                code="code-outside-lifetime",
                message=f"{s.country} ({code.name}) denotes a state only {span}, and the date is "
                f"{s.date.isoformat()}: the treaties and memberships read for it may not be "
                "those of the state meant",
                fields=["country", "date"],
            )
        )
    if icc.unknown and icc.windows:
        names = [crime_name(c) for c in icc.unknown]
        plural = len(names) > 1 or names[0][1]
        out.append(
            made(
                Warning,
                code="crime-period-unknown",
                message=f"{' and '.join(n for n, _ in names)} {'are' if plural else 'is'} past "
                "but no `committed` period is given: "
                "the ICC reaches only crimes committed after "
                f"{min(w.start for w in icc.windows).isoformat()} "
                f"({kb().pinpoint('icc-temporal')}); give "
                "`committed: [{from: ..., to: ...}]` to know whether it can act",
                fields=[f"atrocities.{c}" for c in icc.unknown],
            )
        )
    return out
