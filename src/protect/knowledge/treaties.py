"""Which treaties bound a state on a given day, and which regional organisations it belonged to.

The contract (section 4.2) asks, for every state and date, whether it was a party to the Geneva
Conventions, the Additional Protocols, the Genocide Convention (with any Art. IX reservation in
effect), the Convention against Torture and the Refugee Convention and Protocol, and which of the
AU (OAU before it), ECOWAS, OAS, Council of Europe and EU it belonged to. The facts live in
data/treaties/*.yaml and data/organisations.yaml; each treaty file states its entry-into-force
rule as data, and the `in_force` date of every row is recomputed from the deposit at load, as
ratification.py does for the Rome Statute, so that a mistyped date cannot pass silently.

States change names, continue one another or dissolve (data/treaties/continuity.yaml). A renamed
state and a continuing state are the same legal person under two codes, so a query under either
code reads the rows stored under the other; a dissolved state's successors do not inherit its
rows and are bound only by their own (usually a succession, effective from independence).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from protect.knowledge import months
from protect.knowledge.countries import country, is_known
from protect.knowledge.loader import DATA_DIR, KnowledgeError, load_list, load_model
from protect.knowledge.schema import Confidence, Instrument, Slug, Strict

Code = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]

TREATY_INSTRUMENTS: tuple[str, ...] = (
    "gc-i",
    "gc-ii",
    "gc-iii",
    "gc-iv",
    "ap-i",
    "ap-ii",
    "genocide-convention",
    "cat",
    "refugee-convention",
    "refugee-protocol",
)
"""The instruments of contract section 4.2, in the contract's order."""

_GENEVA = "treaties/geneva-conventions.yaml"
FILES: Mapping[str, str] = {
    "gc-i": _GENEVA,
    "gc-ii": _GENEVA,
    "gc-iii": _GENEVA,
    "gc-iv": _GENEVA,
    "ap-i": "treaties/ap-i.yaml",
    "ap-ii": "treaties/ap-ii.yaml",
    "genocide-convention": "treaties/genocide-convention.yaml",
    "cat": "treaties/cat.yaml",
    "refugee-convention": "treaties/refugee-convention.yaml",
    "refugee-protocol": "treaties/refugee-protocol.yaml",
}
CONTINUITY_FILE = "treaties/continuity.yaml"
ORGANISATIONS_FILE = "organisations.yaml"

RowInstrument = Literal[
    "ratification", "accession", "succession", "continuation", "acceptance", "approval"
]
# Kinds that bind a successor from its independence rather than by the treaty's own rule.
_SUCCESSION_KINDS = frozenset({"succession", "continuation"})


# --- schema ---------------------------------------------------------------------------------


class EntryRule(Strict):
    """The treaty's entry-into-force rule as data: max(general, deposit + delay)."""

    general: dt.date = Field(description="the day the treaty itself entered into force")
    delay_days: int = Field(default=0, ge=0, description="days after deposit (90th day = 90)")
    delay_months: int = Field(default=0, ge=0, description="calendar months after deposit")


class TreatyWithdrawal(Strict):
    """A denunciation: notified to the depositary, effective when the treaty says."""

    notified: dt.date
    effective: dt.date


class Reservation(Strict):
    article: str = Field(min_length=1, description='the article reserved, e.g. "IX"')
    made: dt.date
    withdrawn: dt.date | None = None
    source: str = Field(min_length=3)


class Variant(Strict):
    """One instrument of a multi-instrument file whose dates differ from the row's (GC I only)."""

    covers: Slug
    deposit: dt.date
    instrument: RowInstrument
    in_force: dt.date


class TreatyRow(Strict):
    country: Code
    name: str
    deposit: dt.date
    instrument: RowInstrument
    in_force: dt.date = Field(description="the day the treaty began to bind the state")
    withdrawal: TreatyWithdrawal | None = None
    reservations: list[Reservation] = Field(default_factory=list)
    variants: list[Variant] = Field(
        default_factory=list, description="instruments of the file with their own dates"
    )
    confidence: Confidence
    source: str | None = Field(default=None, description="where the row was checked")
    note: str | None = None


class TreatyTable(Strict):
    instrument: Slug
    covers: list[Slug] = Field(min_length=1)
    entry_into_force: str = Field(min_length=10, description="the rule in words, with its article")
    rule: EntryRule
    source: str = Field(min_length=3)
    as_of: dt.date
    parties: list[TreatyRow]


ContinuityKind = Literal["renamed", "continuation", "dissolved"]


class ContinuityEntry(Strict):
    former: Code
    current: Code
    kind: ContinuityKind
    date: dt.date = Field(description="the day the change took effect (independence, renaming)")
    carries_from: dt.date | None = Field(
        default=None,
        description="continuation only: the current state carries the former's rows from this "
        "day (a union of two states); None = from the former's own dates",
    )
    source: str = Field(min_length=3)
    note: str | None = None


class ContinuityTable(Strict):
    source: str
    as_of: dt.date
    entries: list[ContinuityEntry]


class MemberRow(Strict):
    country: Code
    name: str
    since: dt.date
    left: dt.date | None = Field(
        default=None, description="the first day the state was no longer a member"
    )
    confidence: Confidence
    source: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> MemberRow:
        if self.left is not None and self.left <= self.since:
            raise ValueError(f"{self.country}: left {self.left} is not after since {self.since}")
        return self


class Organisation(Strict):
    id: Slug
    name: str
    founding_instrument: Slug | None = Field(
        default=None, description="an instrument id in instruments.yaml, when the KB cites it"
    )
    established: dt.date
    dissolved: dt.date | None = None
    source: str = Field(min_length=3)
    note: str | None = None
    members: list[MemberRow]


class OrganisationsTable(Strict):
    as_of: dt.date
    organisations: list[Organisation]


# --- public answers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Participation:
    instrument: str
    country: str  # the code of the row read (SUN for Russia's Geneva Conventions)
    party: bool
    since: dt.date | None
    deposit: dt.date | None
    kind: str | None
    reservations: tuple[str, ...]  # articles reserved, in effect on the date
    confidence: str
    source: str


@dataclass(frozen=True)
class Membership:
    organisation: str
    name: str
    since: dt.date
    confidence: str


# --- rules ------------------------------------------------------------------------------------


def in_force_for(rule: EntryRule, deposit: dt.date) -> dt.date:
    """The day a ratification or accession took effect under the treaty's own rule."""
    after = months.add_months(deposit, rule.delay_months) + dt.timedelta(days=rule.delay_days)
    return max(rule.general, after)


def _check_code(where: str, code: str) -> None:
    if not is_known(code):
        raise KnowledgeError(f"{where}: unknown country code {code}")


def _article(data: TreatyTable) -> str:
    return data.entry_into_force.split(":")[0]


def check_continuity(data: ContinuityTable, name: str = CONTINUITY_FILE) -> None:
    """Codes known, no pair twice, and a renamed state's former code really is a former code."""
    seen: set[tuple[str, str]] = set()
    for e in data.entries:
        where = f"{name}: {e.former} -> {e.current}"
        _check_code(where, e.former)
        _check_code(where, e.current)
        if e.former == e.current:
            raise KnowledgeError(f"{where}: a code cannot succeed itself")
        if (e.former, e.current) in seen:
            raise KnowledgeError(f"{where}: appears twice")
        seen.add((e.former, e.current))
        if e.kind == "renamed" and not country(e.former).former:
            raise KnowledgeError(f"{where}: renamed, but {e.former} is not a former code")
        if e.carries_from is not None and e.kind != "continuation":
            raise KnowledgeError(f"{where}: carries_from is only for a continuation")


def check_treaty_table(
    data: TreatyTable, name: str, continuity: ContinuityTable | None = None
) -> None:
    """Raise KnowledgeError, naming the file and the row, on the first row that breaks the
    treaty's entry-into-force rule, uses an unknown or renamed-away code, appears twice, has a
    withdrawal out of order or a reservation withdrawn before it was made."""
    stray = [c for c in data.covers if c not in TREATY_INSTRUMENTS]
    if stray:
        raise KnowledgeError(f"{name}: covers names unknown instruments {stray}")
    expected = {FILES[c] for c in data.covers}
    if expected != {name}:
        raise KnowledgeError(f"{name}: covers {data.covers}, which are read from {expected}")
    renamed_away = {
        e.former: e.current
        for e in (continuity.entries if continuity else [])
        if e.kind == "renamed"
    }
    independence = {
        e.current: e.date
        for e in (continuity.entries if continuity else [])
        if e.kind == "dissolved"
    }
    seen: set[str] = set()
    for row in data.parties:
        where = f"{name}: {row.country}"
        _check_code(where, row.country)
        if row.country in seen:
            raise KnowledgeError(f"{where}: appears twice")
        seen.add(row.country)
        if row.country in renamed_away:
            current = renamed_away[row.country]
            raise KnowledgeError(f"{where}: a renamed state; store the row under {current}")
        if row.instrument in _SUCCESSION_KINDS:
            # A successor is bound from its independence, which it notifies after the fact;
            # never before the treaty itself was in force, never after the notification.
            if not data.rule.general <= row.in_force <= row.deposit:
                raise KnowledgeError(
                    f"{where}: a {row.instrument} takes effect between {data.rule.general} and "
                    f"the notification {row.deposit}, got in_force {row.in_force}"
                )
            day = independence.get(row.country)
            if day is not None and day >= data.rule.general and row.in_force != day:
                raise KnowledgeError(
                    f"{where}: a succession takes effect on independence, {day} in "
                    f"{CONTINUITY_FILE}; got in_force {row.in_force}"
                )
        else:
            expected_day = in_force_for(data.rule, row.deposit)
            if row.in_force != expected_day:
                raise KnowledgeError(
                    f"{where}: in_force {row.in_force} does not follow the rule from deposit "
                    f"{row.deposit} ({_article(data)}); expected {expected_day}"
                )
        for v in row.variants:
            if v.covers not in data.covers:
                raise KnowledgeError(
                    f"{where}: variant for {v.covers}, which the file does not cover"
                )
            if v.instrument not in _SUCCESSION_KINDS and v.in_force != in_force_for(
                data.rule, v.deposit
            ):
                raise KnowledgeError(
                    f"{where}: {v.covers} in_force {v.in_force} does not follow the rule from "
                    f"deposit {v.deposit}; expected {in_force_for(data.rule, v.deposit)}"
                )
        w = row.withdrawal
        if w is not None:
            if w.notified < row.deposit:
                raise KnowledgeError(f"{where}: withdrawal notified before the deposit")
            if w.effective < w.notified:
                raise KnowledgeError(f"{where}: withdrawal effective before it was notified")
        articles: set[str] = set()
        for r in row.reservations:
            if r.withdrawn is not None and r.withdrawn < r.made:
                raise KnowledgeError(
                    f"{where}: reservation to Art. {r.article} withdrawn {r.withdrawn} before it "
                    f"was made {r.made}"
                )
            if r.article in articles:
                raise KnowledgeError(f"{where}: two reservations to Art. {r.article}")
            articles.add(r.article)


def check_organisations(
    data: OrganisationsTable,
    name: str = ORGANISATIONS_FILE,
    instrument_ids: frozenset[str] | None = None,
) -> None:
    """Ids unique, founding instruments known, codes known, and no state with two overlapping
    periods in one organisation."""
    ids: set[str] = set()
    for org in data.organisations:
        if org.id in ids:
            raise KnowledgeError(f"{name}: organisation {org.id} appears twice")
        ids.add(org.id)
        founding = org.founding_instrument
        if instrument_ids is not None and founding is not None and founding not in instrument_ids:
            raise KnowledgeError(
                f"{name}: {org.id}: founding_instrument {founding} is not in instruments.yaml"
            )
        periods: dict[str, list[MemberRow]] = {}
        for m in org.members:
            where = f"{name}: {org.id}: {m.country} since {m.since}"
            _check_code(where, m.country)
            if m.since < org.established:
                raise KnowledgeError(
                    f"{where}: before the organisation existed ({org.established})"
                )
            if org.dissolved is not None and (m.left is None or m.left > org.dissolved):
                raise KnowledgeError(
                    f"{where}: membership runs past the organisation's end ({org.dissolved})"
                )
            periods.setdefault(m.country, []).append(m)
        for code, rows in periods.items():
            rows = sorted(rows, key=lambda m: m.since)
            for a, b in pairwise(rows):
                if a.left is None or a.left > b.since:
                    raise KnowledgeError(
                        f"{name}: {org.id}: {code}: membership periods overlap (since {a.since} "
                        f"and since {b.since})"
                    )


# --- loading ----------------------------------------------------------------------------------


@cache
def continuity() -> ContinuityTable:
    """The validated continuity table (cached)."""
    data = load_model(CONTINUITY_FILE, ContinuityTable)
    check_continuity(data)
    return data


@cache
def treaty_table(name: str) -> TreatyTable:
    """A validated treaty file (cached: the files are read-only at run time)."""
    data = load_model(name, TreatyTable)
    check_treaty_table(data, name, continuity())
    check_general_date(data, name, _instruments())
    return data


@cache
def _instruments() -> dict[str, Instrument]:
    return {i.id: i for i in load_list("instruments.yaml", Instrument)}


def check_general_date(data: TreatyTable, name: str, instruments: Mapping[str, Instrument]) -> None:
    """A treaty's general entry into force has one home, instruments.yaml: the file's rule must
    repeat it exactly (the rule needs it to compute each row)."""
    for covered in data.covers:
        inst = instruments.get(covered)
        if inst is None:
            raise KnowledgeError(f"{name}: covers {covered!r}, which is not in instruments.yaml")
        if inst.in_force != data.rule.general:
            raise KnowledgeError(
                f"{name}: rule.general {data.rule.general} differs from instruments.yaml "
                f"{covered} in_force {inst.in_force}"
            )


@cache
def instrument_ids() -> frozenset[str]:
    """The ids of instruments.yaml, against which founding instruments are checked."""
    return frozenset(_instruments())


@cache
def organisations() -> OrganisationsTable:
    """The validated membership table (cached: the file is read-only at run time)."""
    data = load_model(ORGANISATIONS_FILE, OrganisationsTable)
    check_organisations(data, instrument_ids=instrument_ids())
    return data


def table_files() -> tuple[Path, ...]:
    """Every data file this module reads, so that the rules-version digest covers them."""
    names = sorted({*FILES.values(), CONTINUITY_FILE, ORGANISATIONS_FILE})
    return tuple(DATA_DIR / n for n in names)


# --- identity across codes --------------------------------------------------------------------


def _norm(code: str) -> str:
    return code.strip().upper()


def _same_state(code: str, on: dt.date) -> tuple[str, ...]:
    """The codes that denote the same legal person as `code` on `on`: `code` first, then the
    codes linked to it by a renaming or a continuation (either way, transitively)."""
    links: dict[str, set[str]] = {}
    for e in continuity().entries:
        if e.kind == "dissolved":
            continue
        if e.carries_from is not None and on < e.carries_from:
            continue
        links.setdefault(e.former, set()).add(e.current)
        links.setdefault(e.current, set()).add(e.former)
    order = [code]
    seen = {code}
    i = 0
    while i < len(order):
        for nxt in sorted(links.get(order[i], ())):
            if nxt not in seen:
                seen.add(nxt)
                order.append(nxt)
        i += 1
    return tuple(order)


@cache
def _rows(name: str) -> dict[str, TreatyRow]:
    return {r.country: r for r in treaty_table(name).parties}


@dataclass(frozen=True)
class _Dated:
    """A row as it reads for one instrument: its own dates, or a variant's."""

    row: TreatyRow
    deposit: dt.date
    kind: str
    in_force: dt.date


def _dated(row: TreatyRow, instrument: str) -> _Dated:
    for v in row.variants:
        if v.covers == instrument:
            return _Dated(row, v.deposit, v.instrument, v.in_force)
    return _Dated(row, row.deposit, row.instrument, row.in_force)


def _binds(d: _Dated, on: dt.date) -> bool:
    if on < d.in_force:
        return False
    return d.row.withdrawal is None or on < d.row.withdrawal.effective


def _reserved(row: TreatyRow, on: dt.date) -> tuple[str, ...]:
    return tuple(
        r.article
        for r in row.reservations
        if r.made <= on and (r.withdrawn is None or on < r.withdrawn)
    )


def participation(instrument: str, country: str, on: dt.date) -> Participation:
    """Whether the treaty bound the state on `on`, since when, and under which reservations.

    Party only from the row's `in_force` and before any withdrawal took effect. The state's own
    row comes first; when it does not bind on the day, a row under a code for the same legal
    person (renamed, continued) is read, so Russia is a party to the Geneva Conventions from the
    Soviet Union's date. Raises KeyError for an instrument outside TREATY_INSTRUMENTS.
    """
    if instrument not in FILES:
        raise KeyError(f"unknown treaty instrument {instrument!r}; known: {TREATY_INSTRUMENTS}")
    name = FILES[instrument]
    table = treaty_table(name)
    rows = _rows(name)
    code = _norm(country)
    candidates = [_dated(rows[c], instrument) for c in _same_state(code, on) if c in rows]
    for d in candidates:
        if _binds(d, on):
            return Participation(
                instrument=instrument,
                country=d.row.country,
                party=True,
                since=d.in_force,
                deposit=d.deposit,
                kind=d.kind,
                reservations=_reserved(d.row, on),
                confidence=d.row.confidence,
                source=d.row.source or table.source,
            )
    # Not bound: report a deposit already made (not yet in force, or withdrawn from) if any.
    for d in candidates:
        if d.deposit <= on:
            return Participation(
                instrument=instrument,
                country=d.row.country,
                party=False,
                since=None,
                deposit=d.deposit,
                kind=d.kind,
                reservations=(),
                confidence=d.row.confidence,
                source=d.row.source or table.source,
            )
    return Participation(
        instrument=instrument,
        country=code,
        party=False,
        since=None,
        deposit=None,
        kind=None,
        reservations=(),
        confidence="confirmed",
        source=table.source,
    )


def memberships(country: str, on: dt.date) -> tuple[Membership, ...]:
    """The regional organisations the state belonged to on `on`, sorted by organisation id."""
    codes = _same_state(_norm(country), on)
    out: list[Membership] = []
    for org in organisations().organisations:
        if on < org.established or (org.dissolved is not None and on >= org.dissolved):
            continue
        for m in _member_rows(org, codes):
            if m.since <= on and (m.left is None or on < m.left):
                out.append(Membership(org.id, org.name, m.since, m.confidence))
                break
    return tuple(sorted(out, key=lambda m: m.organisation))


def _member_rows(org: Organisation, codes: Iterable[str]) -> list[MemberRow]:
    wanted = list(codes)
    return sorted(
        (m for m in org.members if m.country in wanted), key=lambda m: wanted.index(m.country)
    )
