"""Who was a party to the Rome Statute on a given day, and where the Court had jurisdiction.

The ICC's jurisdiction over a state's territory and nationals runs from the day the Statute
entered into force for that state (Art. 11(2), 126(2)) to the day its withdrawal took effect
(Art. 127(1)); crimes committed while it was a party stay within it afterwards (Art. 127(2)).
A state may also accept the Court's jurisdiction for a stated period by an Art. 12(3)
declaration, without becoming a party. The deposit dates, the declarations and the Statute's own
rules (the general date, the delay for later deposits, the withdrawal period) live in
data/rome_statute.yaml; the entry-into-force dates stored there are recomputed here at load from
that rule, so a mistyped date cannot pass silently.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from functools import cache
from typing import Literal, NamedTuple

from protect.knowledge import months
from protect.knowledge.countries import country, is_known
from protect.knowledge.loader import KnowledgeError, load_list, load_model
from protect.knowledge.schema import (
    Declaration,
    Instrument,
    RatificationTable,
    StateParty,
    StatuteRule,
)

FILE = "rome_statute.yaml"

# Former codes under which a state that is still a party deposited its instrument: the Federal
# Republic of Yugoslavia ratified in 2001, and Serbia and Montenegro, then Serbia, continued it.
_PREDECESSORS: dict[str, str] = {"YUG": "SRB", "SCG": "SRB"}


def in_force_for(rule: StatuteRule, deposit: dt.date) -> dt.date:
    """The day the Statute entered into force for a state depositing on `deposit`, by `rule`
    (Art. 126): the general date for the initial deposits, else the first day of the month
    after the delay."""
    if deposit <= rule.initial_deposits_until:
        return rule.general
    after = deposit + dt.timedelta(days=rule.delay_days)
    return max(rule.general, months.first_day(months.of_date(after) + 1))


def in_force_for_state(deposit: dt.date) -> dt.date:
    """`in_force_for` under the rule stored in the table."""
    return in_force_for(table().rule, deposit)


def _check(party: StateParty, rule: StatuteRule) -> None:
    where = f"{FILE}: {party.country}"
    if party.instrument == "succession":
        # A successor state is bound from its independence, which the notification of
        # succession records after the fact (Montenegro: independent 2006-06-03, notified
        # 2006-10-23); the rule for later deposits does not apply.
        if not rule.general <= party.in_force <= party.deposit:
            raise KnowledgeError(
                f"{where}: a succession takes effect between {rule.general} and the notification "
                f"{party.deposit}, got in_force {party.in_force}"
            )
    else:
        expected = in_force_for(rule, party.deposit)
        if party.in_force != expected:
            raise KnowledgeError(
                f"{where}: in_force {party.in_force} does not follow {rule.for_state_pinpoint} "
                f"from deposit {party.deposit}; expected {expected}"
            )
    if not is_known(party.country) or country(party.country).former:
        raise KnowledgeError(f"{where}: not a current ISO 3166-1 code")
    w = party.withdrawal
    if w is None:
        return
    if w.notified < party.deposit:
        raise KnowledgeError(f"{where}: withdrawal notified before the deposit")
    if w.revoked is not None and w.revoked < w.notified:
        raise KnowledgeError(f"{where}: withdrawal revoked before it was notified")
    if w.effective is not None:
        # An instrument withdrawn before the Statute entered into force for the state never
        # made it a party; otherwise the withdrawal rule sets a floor.
        before_entry = w.effective <= party.in_force
        if not before_entry and w.effective < months.add_months(
            w.notified, rule.withdrawal_delay_months, short_month="next-first"
        ):
            raise KnowledgeError(
                f"{where}: withdrawal effective {w.effective} is less than "
                f"{rule.withdrawal_delay_months} months after notification {w.notified} "
                f"({rule.withdrawal_pinpoint})"
            )


def _check_declaration(d: Declaration, rule: StatuteRule) -> None:
    where = f"{FILE}: declaration {d.country} lodged {d.lodged}"
    if not is_known(d.country) or country(d.country).former:
        raise KnowledgeError(f"{where}: not a current ISO 3166-1 code")
    if d.covers_to is not None and d.covers_to < d.covers_from:
        raise KnowledgeError(
            f"{where}: covers_to {d.covers_to} is before covers_from {d.covers_from}"
        )
    # Nothing before the Statute entered into force; ad hoc acceptance did not exist either.
    if d.covers_from < rule.general:
        raise KnowledgeError(
            f"{where}: covers_from {d.covers_from} is before the Statute entered into force on "
            f"{rule.general} ({rule.temporal_pinpoint})"
        )
    if d.lodged < rule.general:
        raise KnowledgeError(
            f"{where}: lodged before the Statute entered into force on {rule.general}"
        )


def _check_rule(rule: StatuteRule) -> None:
    """The general date has one home, instruments.yaml; the rule must agree with it."""
    statute = {i.id: i for i in load_list("instruments.yaml", Instrument)}.get("rome-statute")
    if statute is None or statute.in_force != rule.general:
        found = statute.in_force if statute else "no such instrument"
        raise KnowledgeError(
            f"{FILE}: rule.general {rule.general} differs from instruments.yaml rome-statute "
            f"in_force ({found})"
        )
    if rule.initial_deposits_until >= rule.general:
        raise KnowledgeError(f"{FILE}: rule.initial_deposits_until is not before rule.general")


def check_table(data: RatificationTable) -> None:
    """Raise KnowledgeError on the first row that breaks the entry-into-force or withdrawal
    rule or the codes, or on a declaration whose period or country is impossible."""
    _check_rule(data.rule)
    seen: set[str] = set()
    for party in data.parties:
        if party.country in seen:
            raise KnowledgeError(f"{FILE}: {party.country} appears twice")
        seen.add(party.country)
        _check(party, data.rule)
    lodged: set[tuple[str, dt.date]] = set()
    for d in data.declarations:
        if (d.country, d.lodged) in lodged:
            raise KnowledgeError(f"{FILE}: declaration {d.country} lodged {d.lodged} appears twice")
        lodged.add((d.country, d.lodged))
        _check_declaration(d, data.rule)


@cache
def table() -> RatificationTable:
    """The validated table (cached: the file is read-only at run time)."""
    data = load_model(FILE, RatificationTable)
    check_table(data)
    return data


@cache
def _by_country() -> dict[str, StateParty]:
    return {p.country: p for p in table().parties}


def party_record(iso3: str) -> StateParty | None:
    """The deposit and any withdrawal of a state; None if it never deposited an instrument."""
    return _by_country().get(iso3.strip().upper())


def icc_state_party(iso3: str, on: dt.date) -> bool:
    """Whether the Statute was in force for the state on that day.

    True from the state's entry-into-force date up to the day before its withdrawal took effect.
    A former code of the same state reads that state's record (YUG and SCG for Serbia: the
    Federal Republic of Yugoslavia, renamed Serbia and Montenegro, continued by Serbia), also
    after the code itself went out of use, where a `code-outside-lifetime` warning says so.
    """
    code = iso3.strip().upper()
    code = _PREDECESSORS.get(code, code)
    record = _by_country().get(code)
    if record is None or on < record.in_force:
        return False
    w = record.withdrawal
    return w is None or w.effective is None or on < w.effective


# --- territorial jurisdiction: party status and Art. 12(3) declarations ----------------------

Basis = Literal["party", "declaration"]


class Period(NamedTuple):
    """Days on which the Court has jurisdiction over crimes on a state's territory."""

    basis: Basis
    start: dt.date | None  # None only for party status stated by the user, not the table
    end: dt.date | None  # the last day covered; None when open-ended or not yet reached
    lodged: dt.date | None = None  # for a declaration, the day the Registrar received it


class Reach(NamedTuple):
    """What the Court's jurisdiction over a state's territory looked like on one day."""

    now: tuple[Period, ...]  # the periods covering the day: party first, then declarations
    until: tuple[Period, ...]  # every period begun by the day, as known on it (for past crimes)

    @property
    def party(self) -> bool:
        """Whether the state is a party on the day: `icc_state_party`, read off the periods."""
        return bool(self.now) and self.now[0].basis == "party"


@cache
def _declarations_by_country() -> dict[str, tuple[Declaration, ...]]:
    out: dict[str, list[Declaration]] = {}
    for d in sorted(table().declarations, key=lambda d: (d.lodged, d.covers_from)):
        out.setdefault(d.country, []).append(d)
    return {k: tuple(v) for k, v in out.items()}


def declarations(iso3: str) -> tuple[Declaration, ...]:
    """A state's Art. 12(3) declarations, in the order they were lodged."""
    return _declarations_by_country().get(iso3.strip().upper(), ())


def _party_period(code: str) -> Period | None:
    """The days the Statute was in force for the state, as in `icc_state_party`."""
    last: dt.date | None = None
    code = _PREDECESSORS.get(code, code)
    record = _by_country().get(code)
    if record is None:
        return None
    w = record.withdrawal
    if w is not None and w.effective is not None:
        if w.effective <= record.in_force:
            return None  # withdrawn before it took effect (Malaysia)
        withdrawn = w.effective - dt.timedelta(days=1)
        last = withdrawn if last is None else min(last, withdrawn)
    if last is not None and last < record.in_force:
        return None
    return Period("party", record.in_force, last)


def _declaration_period(d: Declaration) -> Period:
    return Period("declaration", d.covers_from, d.covers_to, d.lodged)


def reach(iso3: str, on: dt.date) -> Reach:
    """The Court's territorial jurisdiction over the state on `on`, from the table alone.

    Only what was known on that day counts: a declaration lodged later does not cover the day
    yet, even when its period reaches back over it (Palestine in July 2014). Past periods are
    kept after they end: Art. 127(2) keeps crimes committed while a party within jurisdiction
    after a withdrawal, and a declaration keeps its period after that period closes.
    """
    code = iso3.strip().upper()
    now: list[Period] = []
    until: list[Period] = []
    party = _party_period(code)
    if party is not None and party.start is not None and party.start <= on:
        if party.end is None or on <= party.end:
            running = party._replace(end=None)  # its end, if any, is still to come
            now.append(running)
            until.append(running)
        else:
            until.append(party)
    for d in _declarations_by_country().get(code, ()):
        if d.lodged > on or d.covers_from > on:
            continue
        period = _declaration_period(d)
        until.append(period)
        if d.covers_to is None or on <= d.covers_to:
            now.append(period)
    return Reach(tuple(now), tuple(until))


def change_days(code: str) -> list[dt.date]:
    """Every day on which `reach` for the state can differ from the day before."""
    days: set[dt.date] = set()
    party = _party_period(code)
    if party is not None and party.start is not None:
        days.add(party.start)
        if party.end is not None:
            days.add(party.end + dt.timedelta(days=1))
    for d in _declarations_by_country().get(code, ()):
        days.update((d.lodged, d.covers_from))
        if d.covers_to is not None:
            days.add(d.covers_to + dt.timedelta(days=1))
    return sorted(days)


_NOWHERE = Reach((), ())


@cache
def _timeline(iso3: str) -> tuple[tuple[dt.date, ...], tuple[Reach, ...]]:
    code = iso3.strip().upper()
    days = change_days(code)
    return tuple(days), (_NOWHERE, *(reach(code, day) for day in days))


def reach_on(iso3: str, on: dt.date) -> Reach:
    """`reach`, answered by one bisect over the state's few change days (the engine's path)."""
    days, values = _timeline(iso3)
    return values[bisect_right(days, on)]


def jurisdiction_basis(iso3: str, on: dt.date) -> Basis | None:
    """Whether the Court has territorial jurisdiction over the state on `on`, and on which
    basis: `party` (Art. 12(2)) before `declaration` (Art. 12(3)); None when neither."""
    now = reach_on(iso3, on).now
    return now[0].basis if now else None


def jurisdiction_until(iso3: str, on: dt.date) -> tuple[Period, ...]:
    """The periods in which the state was within the Court's jurisdiction, begun by `on`: the
    reach over crimes already committed (Art. 11, Art. 127(2), Art. 12(3)). Empty if never."""
    return reach_on(iso3, on).until
