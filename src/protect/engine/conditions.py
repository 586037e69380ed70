"""Measure conditions, compiled once from the knowledge base into small predicates.

A condition is data (`knowledge.schema.Condition`); compiling it gives a function of the facts of
a situation that answers whether it holds and why, as a small key. `explain` turns the key into
the words of the measure's `reason`; the engine renders each distinct key once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from protect.knowledge.ratification import Period
from protect.knowledge.schema import Condition


@dataclass(frozen=True, slots=True)
class Facts:
    """What the rules established about a situation, as the conditions read it."""

    date: dt.date
    stage: str
    armed_conflict: str
    live: tuple[tuple[str, str], ...]  # (crime id, status) for crimes not `none`, sorted by id
    # For each status set of `Rulebook.crime_sets`, the first live (crime, status) in it.
    first_crime: tuple[tuple[str, str] | None, ...]
    state_role: str
    post_conflict: bool
    icc_state_party: bool
    # The Court's territorial jurisdiction (`knowledge.ratification.Reach`): the periods covering
    # the date, and every period begun by it (for past crimes, Art. 127(2) and Art. 12(3)).
    icc_jurisdiction: tuple[Period, ...]
    icc_jurisdiction_past: tuple[Period, ...]
    peacekeeping_present: bool
    poc_mandate: bool
    security_council_seized: bool
    manifest_failure: bool


Why = tuple[object, ...]
Verdict = tuple[bool, Why]
Predicate = Callable[[Facts], Verdict]


def _day(d: dt.date | None) -> str:
    return d.isoformat() if d is not None else "?"


def _period_words(p: Period) -> str:
    """One period of the Court's jurisdiction, in words."""
    if p.basis == "party":
        if p.start is None:
            return "as a state party (as the input states)"
        if p.end is None:
            return f"from {_day(p.start)}, as a state party"
        return (
            f"from {_day(p.start)} to {_day(p.end)}, while the state was a party "
            "(kept after its withdrawal by Art. 127(2))"
        )
    until = f"to {_day(p.end)}" if p.end is not None else "with no end date"
    return f"from {_day(p.start)} {until}, under the Art. 12(3) declaration lodged {_day(p.lodged)}"


def _jurisdiction(key: str, wanted: bool) -> Predicate:
    def check(f: Facts) -> Verdict:
        periods: tuple[Period, ...] = getattr(f, key)
        return bool(periods) is wanted, ("jurisdiction", key, wanted, periods)

    return check


def _explain_jurisdiction(ok: bool, key: str, wanted: bool, periods: tuple[Period, ...]) -> str:
    past = key == "icc_jurisdiction_past"
    if periods:
        spans = " and ".join(_period_words(p) for p in periods)
        if past:
            holds = f"the Court has jurisdiction over crimes committed in its territory {spans}"
        else:
            holds = f"the Court has jurisdiction over its territory at this date, {spans}"
    elif past:
        holds = "the state has never been within the Court's jurisdiction up to this date"
    else:
        holds = (
            "the Court has no jurisdiction over the state's territory at this date: it is "
            "neither a party nor covered by an Art. 12(3) declaration"
        )
    if ok:
        return holds
    if wanted and past:
        return f"it needs the state to have been within the Court's jurisdiction, but {holds}"
    if wanted:
        return f"it needs the Court to have jurisdiction over the state's territory, but {holds}"
    return f"it needs the Court to lack jurisdiction, but {holds}"


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
    # key: (words when it holds, words when it does not)
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
}


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
    if key in ("icc_jurisdiction", "icc_jurisdiction_past"):
        return _jurisdiction(key, bool(value))
    if key == "any":
        return _any([compile_condition(c) for c in value])
    if key == "all":
        return _all([compile_condition(c) for c in value])
    raise ValueError(f"unknown condition key {key!r}")  # the schema makes this unreachable


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
            return f"{crime} is {status}"
        return f"it needs a crime that is {_either(need)}, and none is"  # type: ignore[arg-type]
    if kind == "flag":
        _, key, wanted, _value = why
        holds, fails = _FLAGS[key]  # type: ignore[index]
        yes, no = (holds, fails) if wanted else (fails, holds)
        return yes if ok else f"it needs that {yes}, but {no}"
    if kind == "jurisdiction":
        _, key, wanted, periods = why
        return _explain_jurisdiction(ok, key, wanted, periods)  # type: ignore[arg-type]
    if kind == "any":
        return "; or ".join(explain(False, w) for w in why[1])  # type: ignore[attr-defined]
    if kind == "all":
        return " and ".join(explain(True, w) for w in why[1])  # type: ignore[attr-defined]
    raise ValueError(f"unknown verdict {why!r}")
