"""Measure conditions, compiled once from the knowledge base into small predicates.

A condition is data (`knowledge.schema.Condition`); compiling it gives a function of the facts of
a situation that answers whether it holds and, in a few words, why or why not. The words become
the measure's `reason`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from protect.knowledge.schema import Condition


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules established about a situation, as the conditions read it."""

    date: dt.date
    stage: str
    armed_conflict: str
    statuses: tuple[tuple[str, str], ...]  # (crime id, status) for every crime, sorted by id
    state_role: str
    post_conflict: bool
    icc_state_party: bool
    peacekeeping_present: bool
    poc_mandate: bool
    security_council_seized: bool
    manifest_failure: bool


Verdict = tuple[bool, str]
Predicate = Callable[[Facts], Verdict]


def _either(values: list[str]) -> str:
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def _stage(wanted: list[str]) -> Predicate:
    allowed = frozenset(wanted)
    need = _either(wanted)

    def check(f: Facts) -> Verdict:
        if f.stage in allowed:
            return True, f"the stage is {f.stage}"
        return False, f"it needs the stage to be {need}, and the stage is {f.stage}"

    return check


def _any_crime(wanted: list[str]) -> Predicate:
    allowed = frozenset(wanted)
    need = _either(wanted)

    def check(f: Facts) -> Verdict:
        for crime, status in f.statuses:
            if status in allowed:
                return True, f"{crime} is {status}"
        return False, f"it needs a crime that is {need}, and none is"

    return check


def _armed_conflict(wanted: list[str]) -> Predicate:
    allowed = frozenset(wanted)
    need = _either(wanted)

    def check(f: Facts) -> Verdict:
        if f.armed_conflict in allowed:
            return True, f"the armed conflict is {f.armed_conflict}"
        return False, f"it needs an armed conflict that is {need}, and it is {f.armed_conflict}"

    return check


def _state_role(wanted: list[str]) -> Predicate:
    allowed = frozenset(wanted)
    need = _either(wanted)

    def check(f: Facts) -> Verdict:
        if f.state_role in allowed:
            return True, f"the state is {f.state_role}"
        return False, f"it needs the state to be {need}, and it is {f.state_role}"

    return check


_FLAGS: dict[str, tuple[str, str]] = {
    # key: (holds, does not hold)
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
        "the operation has a POC mandate",
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
}


def _flag(key: str, wanted: bool) -> Predicate:
    holds, fails = _FLAGS[key]
    yes, no = (holds, fails) if wanted else (fails, holds)

    def check(f: Facts) -> Verdict:
        if getattr(f, key) is wanted:
            return True, yes
        return False, f"it needs that {yes}, but {no}"

    return check


def _any(children: list[Predicate]) -> Predicate:
    def check(f: Facts) -> Verdict:
        misses = []
        for child in children:
            ok, why = child(f)
            if ok:
                return True, why
            misses.append(why)
        return False, "; or ".join(misses)

    return check


def _all(children: list[Predicate]) -> Predicate:
    def check(f: Facts) -> Verdict:
        reasons = []
        for child in children:
            ok, why = child(f)
            if not ok:
                return False, why
            reasons.append(why)
        return True, " and ".join(reasons)

    return check


def _always(f: Facts) -> Verdict:
    return True, "it is always open"


def compile_condition(cond: Condition) -> Predicate:
    """Turn a condition from the knowledge base into a predicate over `Facts`."""
    key, value = cond.key, cond.value
    if key == "always":
        return _always
    if key == "stage":
        return _stage(value)
    if key == "any_crime":
        return _any_crime(value)
    if key == "armed_conflict":
        return _armed_conflict(value)
    if key == "state_role":
        return _state_role(value)
    if key in _FLAGS:
        return _flag(key, bool(value))
    if key == "any":
        return _any([compile_condition(c) for c in value])
    if key == "all":
        return _all([compile_condition(c) for c in value])
    raise ValueError(f"unknown condition key {key!r}")  # the schema makes this unreachable
