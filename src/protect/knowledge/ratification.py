"""Who was a party to the Rome Statute on a given day.

The ICC's jurisdiction over a state's territory and nationals runs from the day the Statute
entered into force for that state (Art. 11(2), 126(2)) to the day its withdrawal took effect
(Art. 127(1)). The deposit dates live in data/rome_statute.yaml; the entry-into-force dates stored
there are recomputed here at load, so a mistyped date cannot pass silently.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from protect.knowledge.countries import country, is_known
from protect.knowledge.loader import KnowledgeError, load_model
from protect.knowledge.schema import RatificationTable, StateParty

FILE = "rome_statute.yaml"

GENERAL_ENTRY_INTO_FORCE = dt.date(2002, 7, 1)
"""Art. 126(1): the first day of the month after the 60th day after the 60th deposit."""
SIXTIETH_DEPOSIT = dt.date(2002, 4, 11)
"""Ten states deposited together on this day, taking the count past sixty."""

# Former codes under which a state that is still a party deposited its instrument: the Federal
# Republic of Yugoslavia ratified in 2001, and Serbia and Montenegro, then Serbia, continued it.
_PREDECESSORS: dict[str, str] = {"YUG": "SRB", "SCG": "SRB"}


def _first_of_next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)


def in_force_for_state(deposit: dt.date) -> dt.date:
    """Art. 126(2): the first day of the month after the 60th day following the deposit.

    Deposits up to the sixtieth instrument take the Statute's own date, 1 July 2002.
    """
    if deposit <= SIXTIETH_DEPOSIT:
        return GENERAL_ENTRY_INTO_FORCE
    return max(GENERAL_ENTRY_INTO_FORCE, _first_of_next_month(deposit + dt.timedelta(days=60)))


def _one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return dt.date(day.year + 1, 3, 1)


def _check(party: StateParty) -> None:
    where = f"{FILE}: {party.country}"
    if party.instrument == "succession":
        # A successor state is bound from its independence, which the notification of
        # succession records after the fact (Montenegro: independent 2006-06-03, notified
        # 2006-10-23); Art. 126(2) does not apply.
        if not GENERAL_ENTRY_INTO_FORCE <= party.in_force <= party.deposit:
            raise KnowledgeError(
                f"{where}: a succession takes effect between 2002-07-01 and the notification "
                f"{party.deposit}, got in_force {party.in_force}"
            )
    else:
        expected = in_force_for_state(party.deposit)
        if party.in_force != expected:
            raise KnowledgeError(
                f"{where}: in_force {party.in_force} does not follow Art. 126(2) from deposit "
                f"{party.deposit}; expected {expected}"
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
        # made it a party; otherwise Art. 127(1) sets a floor of one year.
        before_entry = w.effective <= party.in_force
        if not before_entry and w.effective < _one_year_after(w.notified):
            raise KnowledgeError(
                f"{where}: withdrawal effective {w.effective} is less than a year after "
                f"notification {w.notified} (Art. 127(1))"
            )


def check_table(data: RatificationTable) -> None:
    """Raise KnowledgeError on the first row that breaks Art. 126(2), Art. 127(1) or the codes."""
    seen: set[str] = set()
    for party in data.parties:
        if party.country in seen:
            raise KnowledgeError(f"{FILE}: {party.country} appears twice")
        seen.add(party.country)
        _check(party)


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
    A former code counts only while it denoted the state that deposited (YUG and SCG for Serbia).
    """
    code = iso3.strip().upper()
    successor = _PREDECESSORS.get(code)
    if successor is not None:
        former = country(code)
        if former.valid_to is not None and on > former.valid_to:
            return False
        code = successor
    record = _by_country().get(code)
    if record is None or on < record.in_force:
        return False
    w = record.withdrawal
    return w is None or w.effective is None or on < w.effective
