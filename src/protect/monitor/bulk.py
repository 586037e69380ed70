"""Situations, alerts and assessments of many country-months at once (decision 024).

`situations.derive` and `situations.alert_for` read one panel row at a time and serve the
per-country views. For the whole panel the same rule definitions (`situations.rules`) are
compiled to SQL, so DuckDB classifies every row in one pass,
and the situations are built without a second validation: every value is either one of the few
category combinations validated below or a country code and date that the ingest already checked.
The tests compare both paths row by row.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from duckdb import ColumnExpression, ConstantExpression

from protect.knowledge import months
from protect.monitor.situations import (
    SEVERITY,
    All,
    AnyOf,
    AtLeast,
    Equals,
    IsTrue,
    Ladder,
    MoreSevere,
    Not,
    Rule,
    Test,
    Thresholds,
    rules,
    thresholds,
)

if TYPE_CHECKING:
    import duckdb

    from protect.engine.model import Atrocities, Situation


class Derived(NamedTuple):
    """One country-month: its situation (engine input) and the alert rule it meets, if any.
    (A named tuple: thousands are made at once, and a frozen dataclass is several times slower
    to build.)"""

    source: str
    iso3: str
    m: int
    situation: Situation
    alert_level: str | None
    alert_rule: str | None


def _fig(name: str) -> str:
    return f"coalesce({name}, 0)::DOUBLE"


def _lit(value: str | int | None) -> str:
    """A rule's own value as SQL (rule values are the engine's category names and indexes)."""
    if value is None:
        return "NULL"
    if isinstance(value, int):
        return str(int(value))
    return str(ConstantExpression(value))


def _column(field: str) -> str:
    return str(ColumnExpression(field))


def _test_sql(test: Test) -> str:
    match test:
        case AtLeast(figure, value):
            return f"{_fig(figure)} >= {ConstantExpression(float(value))}"
        case IsTrue(column):
            return f"coalesce({_column(column)}, false)"
        case Equals(field, value):
            return f"{_column(field)} = {_lit(value)}"
        case Not(inner):
            return f"NOT ({_test_sql(inner)})"
        case All(tests):
            return "(" + " AND ".join(_test_sql(x) for x in tests) + ")"
        case AnyOf(tests):
            return "(" + " OR ".join(_test_sql(x) for x in tests) + ")"
    raise TypeError(f"not a condition: {test!r}")


def _rule_sql(rule: Rule) -> str:
    if isinstance(rule, Ladder):
        whens = " ".join(f"WHEN {_test_sql(s.when)} THEN {_lit(s.value)}" for s in rule.steps)
        return f"CASE {whens} ELSE {_lit(rule.otherwise)} END"
    rank = " ".join(f"WHEN {_lit(v)} THEN {i}" for i, v in enumerate(SEVERITY))
    a, b = (_column(f) for f in rule.of)
    more = f"CASE WHEN (CASE {b} {rank} END) > (CASE {a} {rank} END) THEN {b} ELSE {a} END"
    return f"CASE WHEN {_test_sql(rule.when)} THEN {more} ELSE {_lit(rule.otherwise)} END"


def _reads(test: Test) -> set[str]:
    match test:
        case Equals(field, _):
            return {field}
        case Not(inner):
            return _reads(inner)
        case All(tests) | AnyOf(tests):
            return set().union(*(_reads(x) for x in tests))
    return set()


def derive_sql(source: str, t: Thresholds | None = None) -> str:
    """A query over the panel rows of `source` with every field of `situations.rules`, compiled
    from the same definitions `situations.evaluate` reads (first match wins, in the same
    order). A rule that reads fields derived before it goes in an outer query, so that each
    field is computed once: DuckDB computes an expression written twice twice."""
    layers: list[list[Rule]] = [[]]
    for rule in rules(t):
        needs = (
            set(rule.of) | _reads(rule.when)
            if isinstance(rule, MoreSevere)
            else set().union(*(_reads(s.when) for s in rule.steps))
        )
        if needs & {r.field for r in layers[-1]}:
            layers.append([])
        layers[-1].append(rule)
    query = (
        f"SELECT *, m::BIGINT AS m_, last_day({months.sql_first_day('m')}) AS month_end "
        f"FROM ({source})"
    )
    for layer in layers:
        fields = ", ".join(f"({_rule_sql(r)}) AS {_column(r.field)}" for r in layer)
        query = f"SELECT *, {fields} FROM ({query})"
    names = ", ".join(
        _column(f)
        for f in ("armed_conflict", "crimes-against-humanity", "war-crimes",
                  "attacks-on-civilians", "state_role", "alert")
    )  # fmt: skip
    return f"SELECT source, iso3, m_ AS m, {names}, month_end FROM ({query})"


@cache
def _atrocities(cah: str, war_crimes: str) -> Atrocities:
    from protect.engine.model import Atrocities

    return Atrocities.model_validate({
        "genocide": "none", "crimes-against-humanity": cah, "war-crimes": war_crimes,
        "ethnic-cleansing": "none",
    })  # fmt: skip


@cache
def _checked(name: str, value: str) -> Any:
    """A category value, validated once against the engine's own type for that field."""
    from protect.engine.model import Situation

    probe = Situation.model_validate(
        {"country": "FRA", "date": "2000-01-01", "armed_conflict": "none",
         "state_role": "protecting", name: value}
    )  # fmt: skip
    return getattr(probe, name)


_SET = frozenset(
    {"name", "country", "date", "armed_conflict", "atrocities", "state_role", "civilian_harm"}
)


@cache
def _harm(attacks: str) -> Any:
    from protect.engine.model import CivilianHarm

    return CivilianHarm.model_validate({"attacks-on-civilians": attacks})


@cache
def _defaults(cls: type[Any]) -> Any:
    return cls()


def derive_all(con: duckdb.DuckDBPyConnection, where: str = "true") -> list[Derived]:
    """Every country-month the monitor shows (optionally filtered by a SQL condition on the
    panel `p`) with its situation and alert."""
    from protect.engine.model import (
        Peacekeeping,
        Perpetrator,
        SecurityCouncil,
        Situation,
        made,
    )
    from protect.knowledge.countries import is_known

    rules = thresholds().alerts
    from protect.monitor.coverage import shown_sql

    rows = con.execute(f"{derive_sql(shown_sql(where))} ORDER BY source, iso3, m").fetchall()
    peacekeeping, council = _defaults(Peacekeeping), _defaults(SecurityCouncil)
    by_state = (Perpetrator(kind="state"),)  # the contract's default when the state perpetrates
    known: set[str] = set()
    out = []
    with paused_gc():
        for source, iso3, m, conflict, cah, war_crimes, attacks, role, alert, day in rows:
            if iso3 not in known:
                # The panel holds only codes the crosswalk produced; checked once per country.
                if not (is_known(iso3) and iso3 == iso3.upper() and len(iso3) == 3):
                    raise ValueError(f"panel country {iso3!r} is not an ISO 3166-1 alpha-3 code")
                known.add(iso3)
            situation = made(
                Situation,
                name=f"{iso3} {months.label(m)} (monitor, {source})",
                country=iso3,
                date=day,
                armed_conflict=_checked("armed_conflict", conflict),
                atrocities=_atrocities(cah, war_crimes),
                state_role=_checked("state_role", role),
                post_conflict=False,
                peacekeeping=peacekeeping,
                security_council=council,
                icc_state_party=None,
                perpetrators=by_state if role == "perpetrator" else (),
                conduct_also_in=(),
                civilian_harm=_harm(attacks),
                in_place=(),
            )
            # As `model_validate` of the derived document records it: the rest are defaults.
            object.__setattr__(situation, "__pydantic_fields_set__", set(_SET))
            rule = rules[alert] if alert is not None else None
            out.append(
                Derived(
                    source=source,
                    iso3=iso3,
                    m=m,
                    situation=situation,
                    alert_level=rule.level if rule else None,
                    alert_rule=rule.rule if rule else None,
                )
            )
    return out


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector: assessments make many small acyclic objects, and with a large
    live heap the collector's repeated full passes cost more than the assessments themselves."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def assess_all(derived: list[Derived]) -> list[Any]:
    """The engine's assessment of each derived situation, in order (`assess_many`: a country's
    months mostly share their facts, so they share most of the work)."""
    from protect import assess_many

    with paused_gc():
        return assess_many(d.situation for d in derived)
