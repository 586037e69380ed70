"""The law that binds one state on one date (contract v2): treaties, memberships, the Court.

Participation changes on few days per state, so each state's answers are computed once for
every day on which something can change (deposits taking effect, withdrawals, reservations made
or withdrawn, a successor carrying on a predecessor's rows, joining or leaving an organisation)
and found by one bisect, as `knowledge.ratification.reach_on` does for the Rome Statute.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from functools import cache
from typing import NamedTuple

from protect.engine.model import Membership, Treaty, made
from protect.knowledge import treaties as tt
from protect.knowledge.ratification import change_days as icc_change_days
from protect.knowledge.ratification import icc_state_party


class Law(NamedTuple):
    """What binds a state on a day, as the output shows it and as conditions read it."""

    treaties: tuple[Treaty, ...]  # one per instrument of `TREATY_INSTRUMENTS`, in that order
    regional: tuple[Membership, ...]
    parties: frozenset[str]  # instrument ids the state is a party to (the Rome Statute too)
    reserved: frozenset[tuple[str, str]]  # (instrument, article) reservations in effect
    members: frozenset[str]  # organisation ids


def _linked(code: str) -> set[str]:
    """Every code that may share rows with `code` on some day (renamed, continued)."""
    links: dict[str, set[str]] = {}
    for e in tt.continuity().entries:
        if e.kind != "dissolved":
            links.setdefault(e.former, set()).add(e.current)
            links.setdefault(e.current, set()).add(e.former)
    seen, todo = {code}, [code]
    while todo:
        for nxt in links.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _change_days(code: str) -> list[dt.date]:
    codes = _linked(code)
    days: set[dt.date] = set()
    for e in tt.continuity().entries:
        if e.former in codes or e.current in codes:
            days.add(e.date)
            if e.carries_from is not None:
                days.add(e.carries_from)
    for name in set(tt.FILES.values()):
        for row in tt.treaty_table(name).parties:
            if row.country not in codes:
                continue
            days.update((row.deposit, row.in_force))
            days.update(v.in_force for v in row.variants)
            days.update(v.deposit for v in row.variants)
            if row.withdrawal is not None:
                days.add(row.withdrawal.effective)
            for r in row.reservations:
                days.add(r.made)
                if r.withdrawn is not None:
                    days.add(r.withdrawn)
    for org in tt.organisations().organisations:
        days.add(org.established)
        if org.dissolved is not None:
            days.add(org.dissolved)
        for m in org.members:
            if m.country in codes:
                days.add(m.since)
                if m.left is not None:
                    days.add(m.left)
    return sorted(days)


def _treaty(p: tt.Participation) -> Treaty:
    source = p.source if p.confidence == "confirmed" else f"{p.source} (row unverified)"
    return made(
        Treaty,
        instrument=p.instrument,
        party=p.party,
        since=p.since,
        reservations=list(p.reservations),
        source=source,
    )


def law(code: str, on: dt.date) -> Law:
    """The answer for one day, from the tables (the timeline's building block)."""
    parts = [tt.participation(i, code, on) for i in tt.TREATY_INSTRUMENTS]
    regional = tuple(
        made(Membership, organisation=m.organisation, name=m.name, since=m.since)
        for m in tt.memberships(code, on)
    )
    parties = {p.instrument for p in parts if p.party}
    if icc_state_party(code, on):
        parties.add("rome-statute")
    return Law(
        treaties=tuple(_treaty(p) for p in parts),
        regional=regional,
        parties=frozenset(parties),
        reserved=frozenset((p.instrument, a) for p in parts for a in p.reservations),
        members=frozenset(m.organisation for m in regional),
    )


@cache
def _timeline(code: str) -> tuple[tuple[dt.date, ...], tuple[Law, ...]]:
    days = sorted({*_change_days(code), *icc_change_days(code)})
    first = days[0] - dt.timedelta(days=1) if days else dt.date.min  # before any change
    return tuple(days), (law(code, first), *(law(code, d) for d in days))


def law_on(code: str, on: dt.date) -> Law:
    """`law`, answered by one bisect over the state's change days (the engine's path)."""
    days, values = _timeline(code)
    return values[bisect_right(days, on)]
