"""Measure conditions, compiled once from the knowledge base into small predicates.

A condition is data (`knowledge.schema.Condition`); compiling it gives a function of the facts of
a situation that answers whether it holds and why, as a small key. `explain` turns the key into
the words of the measure's `reason`; the engine renders each distinct key once.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from functools import cache
from typing import NamedTuple, cast

from protect.knowledge import kb
from protect.knowledge.base import Binding
from protect.knowledge.schema import Condition, Provision
from protect.knowledge.words import HARM, crime_clause, crime_name, statuses


class Facts(NamedTuple):
    """What the rules established about a situation, as the conditions read it (a tuple:
    made once per assessment, it is the cheapest record to build)."""

    date: dt.date
    stage: str
    armed_conflict: str
    # (crime id, status) for crimes not `none`, in the order of `crimes.yaml` (genocide first:
    # a reason names the first that meets a condition); a crime with a `committed` period
    # also appears as `past` (contract v2: it counts as committed for the rules that need it).
    live: tuple[tuple[str, str], ...]
    # For each status set of `Rulebook.crime_sets`, the first live (crime, status) in it.
    first_crime: tuple[tuple[str, str] | None, ...]
    state_role: str
    post_conflict: bool
    icc_state_party: bool
    # Whether some crime falls within the Court's reach, for each scope of `engine.icc.SCOPES`.
    icc: tuple[tuple[bool, str], ...]
    peacekeeping_present: bool
    poc_mandate: bool
    security_council_seized: bool
    manifest_failure: bool
    response_threshold_met: bool
    poc_route: bool  # an armed conflict, in which the Council may act to protect civilians
    security_council_veto_blocked: bool
    civilian_harm: tuple[tuple[str, str], ...]  # (kind, level) for harm reported, key order
    # Treaty participation and reservations the conditions ask about, as (instrument, status)
    # with status `party`, `reserved:ARTICLE` or absent: see `Rulebook.party_of`.
    treaty: tuple[tuple[str, str], ...]
    # What decides which conditional citations bind (conflict type, treaties, memberships),
    # reduced to what the knowledge base's citations ask about.
    binding: Binding


Why = tuple[object, ...]
Verdict = tuple[bool, Why]
Predicate = Callable[[Facts], Verdict]


def _day(d: dt.date | None) -> str:
    return d.isoformat() if d is not None else "?"


def _either(values: tuple[str, ...]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _member(key: str, label: str, wanted: list[str]) -> Predicate:
    allowed = frozenset(wanted)
    need = tuple(wanted)

    def check(f: Facts) -> Verdict:
        value = getattr(f, key)
        return value in allowed, (label, need, value)

    return check


def _any_crime(wanted: list[str]) -> Predicate:
    allowed = frozenset(wanted)
    need = tuple(wanted)

    def check(f: Facts) -> Verdict:
        for crime, status in f.live:
            if status in allowed:
                return True, ("crime", need, crime, status)
        return False, ("crime", need, None, None)

    return check


_FLAGS: dict[str, tuple[str, str]] = {
    # key: (words when it holds, words when it does not); `{provision}` is a pinpoint of
    # `norms.yaml` `provisions`, filled in by `_flag_words`
    "post_conflict": (
        "violence has ended and recovery is under way",
        "the situation is not post-conflict",
    ),
    "icc_state_party": (
        "the state is a party to the Rome Statute at this date",
        "the state is not a party to the Rome Statute at this date",
    ),
    "peacekeeping_present": (
        "a peacekeeping operation is present",
        "no peacekeeping operation is present",
    ),
    "poc_mandate": (
        "a peacekeeping operation with a POC mandate is present",
        "no operation with a POC mandate is present",
    ),
    "security_council_seized": (
        "the Security Council is seized",
        "the Security Council is not seized",
    ),
    "manifest_failure": (
        "the national authorities are manifestly failing to protect",
        "the national authorities are not manifestly failing to protect",
    ),
    "poc_route": (
        "the POC route applies: the Council may protect civilians in an armed conflict it "
        "finds a threat to international peace ({council-threat-to-peace})",
        "there is no armed conflict for the POC route",
    ),
    "security_council_veto_blocked": (
        "a veto has blocked the Security Council on the situation",
        "no veto has blocked the Security Council on the situation",
    ),
    "response_threshold_met": (
        "the R2P route applies: the response threshold of {r2p-response-threshold} is met",
        "the R2P response threshold is not met",
    ),
}


@cache
def _flag_words() -> dict[str, tuple[str, str]]:
    """`_FLAGS` with the pinpoints the words name read from the knowledge base."""
    base = kb()

    def fill(text: str) -> str:
        return re.sub(r"\{([a-z0-9-]+)\}", lambda m: base.pinpoint(cast(Provision, m[1])), text)

    return {k: (fill(a), fill(b)) for k, (a, b) in _FLAGS.items()}


def _flag(key: str, wanted: bool) -> Predicate:
    def check(f: Facts) -> Verdict:
        value: bool = getattr(f, key)
        return value is wanted, ("flag", key, wanted, value)

    return check


def _any(children: list[Predicate]) -> Predicate:
    def check(f: Facts) -> Verdict:
        misses = []
        for child in children:
            ok, why = child(f)
            if ok:
                return True, why
            misses.append(why)
        return False, ("any", tuple(misses))

    return check


def _all(children: list[Predicate]) -> Predicate:
    def check(f: Facts) -> Verdict:
        reasons = []
        for child in children:
            ok, why = child(f)
            if not ok:
                return False, why
            reasons.append(why)
        return True, ("all", tuple(reasons))

    return check


def _always(f: Facts) -> Verdict:
    return True, ("always",)


def _harm(wanted: list[str]) -> Predicate:
    allowed = frozenset(wanted)
    need = tuple(wanted)

    def check(f: Facts) -> Verdict:
        for kind, level in f.civilian_harm:
            if kind in allowed:
                return True, ("harm", need, kind, level)
        return False, ("harm", need, None, None)

    return check


def _crime(crime: str, statuses: list[str]) -> Predicate:
    allowed = frozenset(statuses)
    need = tuple(statuses)

    def check(f: Facts) -> Verdict:
        status = next((st for c, st in f.live if c == crime and st in allowed), None)
        if status is None:
            status = next((st for c, st in f.live if c == crime), "none")
        return status in allowed, ("one crime", crime, need, status)

    return check


def _party(instrument: str, article: str | None) -> Predicate:
    def check(f: Facts) -> Verdict:
        status = dict(f.treaty).get(instrument, "not-party")
        ok = status == "party" or (status.startswith("reserved:") and article is None)
        if article is not None and status == f"reserved:{article}":
            ok = False
        return ok, ("party", instrument, article, status)

    return check


def _icc(scope: str) -> Predicate:
    from protect.engine.icc import SCOPES

    index = SCOPES.index(scope)

    def check(f: Facts) -> Verdict:
        ok, words = f.icc[index]
        return ok, ("icc", scope, words)

    return check


_MEMBER_LABELS = {
    "stage": "the stage",
    "armed_conflict": "the armed conflict",
    "state_role": "the state's role",
}


def compile_condition(cond: Condition) -> Predicate:
    """Turn a condition from the knowledge base into a predicate over `Facts`."""
    key, value = cond.key, cond.value
    if key == "always":
        return _always
    if key in _MEMBER_LABELS:
        return _member(key, _MEMBER_LABELS[key], value)
    if key == "any_crime":
        return _any_crime(value)
    if key in _FLAGS:
        return _flag(key, bool(value))
    if key == "civilian_harm":
        return _harm(value)
    if key == "crime":
        return _crime(value.id, value.status)
    if key == "party_to":
        return _party(value.instrument, value.without_reservation)
    if key == "icc_reach":
        return _icc(value)
    if key == "any":
        return _any([compile_condition(c) for c in value])
    if key == "all":
        return _all([compile_condition(c) for c in value])
    raise ValueError(f"unknown condition key {key!r}")  # the schema makes this unreachable


def _title(instrument: str) -> str:
    from protect.knowledge import kb

    return kb().instruments[instrument].short


def explain(ok: bool, why: Why) -> str:
    """The words for a verdict: what holds, or what is needed and what was found instead."""
    kind = why[0]
    if kind == "always":
        return "it is always open"
    if kind in ("the stage", "the armed conflict", "the state's role"):
        _, need, value = why
        if ok:
            return f"{kind} is {value}"
        return f"it needs {kind} to be {_either(need)}, and it is {value}"  # type: ignore[arg-type]
    if kind == "crime":
        _, need, crime, status = why
        if ok:
            return crime_clause(str(crime), str(status))
        return f"it needs a crime that is {_either(tuple(statuses(need)))}, and none is"  # type: ignore[arg-type]
    if kind == "flag":
        _, key, wanted, _value = why
        holds, fails = _flag_words()[key]  # type: ignore[index]
        yes, no = (holds, fails) if wanted else (fails, holds)
        return yes if ok else f"it needs that {yes}, but {no}"
    if kind == "harm":
        _, need, harm, level = why
        if ok:
            return f"harm to civilians is reported ({HARM.get(str(harm), str(harm))}, {level})"
        wanted = tuple(HARM.get(h, h) for h in need)  # type: ignore[attr-defined]
        return f"it needs reported harm to civilians ({_either(wanted)}), and none is"
    if kind == "one crime":
        _, crime, need, status = why
        if ok:
            return crime_clause(str(crime), str(status))
        name = crime_name(str(crime))[0]
        wanted = _either(tuple(statuses(need)))  # type: ignore[arg-type]
        return f"it needs {name} to be {wanted}, and {crime_clause(str(crime), str(status))}"
    if kind == "party":
        _, instrument, article, status = why
        name = _title(str(instrument))
        if ok:
            return f"the state is a party to the {name} at this date"
        if status == "not-party":
            return f"it needs the state to be a party to the {name}, and it is not at this date"
        return (
            f"it needs the state to be bound by Art. {article} of the {name}, and the state's "
            f"reservation to Art. {article} is in effect at this date"
        )
    if kind == "icc":
        _, scope, words = why
        if ok:
            return str(words)
        need = {
            "any": "crimes within the Court's reach",
            "council": "crimes the Council could refer",
            "state": "crimes within the Court's jurisdiction that a state party could refer",
        }[str(scope)]
        return f"it needs {need}, but {words}"
    if kind == "any":
        return "; or ".join(explain(False, w) for w in why[1])  # type: ignore[attr-defined]
    if kind == "all":
        return " and ".join(explain(True, w) for w in why[1])  # type: ignore[attr-defined]
    raise ValueError(f"unknown verdict {why!r}")
