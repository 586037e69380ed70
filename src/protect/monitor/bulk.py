"""Situations, alerts and assessments of many country-months at once (decision 024).

`situations.derive` and `situations.alert_for` read one panel row at a time; they stay the
reference and serve the per-country views. For the whole panel the same rules are written once
more as SQL generated from the same `thresholds.yaml`, so DuckDB classifies every row in one pass,
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

from protect.knowledge import months
from protect.monitor.situations import SEVERITY, Thresholds, thresholds

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


def _at(value: float) -> str:
    return f"CAST({float(value)!r} AS DOUBLE)"


def derive_sql(source: str, t: Thresholds | None = None) -> str:
    """A query over the panel rows of `source` with the same classifications and alert choice
    as `derive`/`alert_for`, in the same order of tests (first match wins). The figures' own
    classifications are computed once, in an inner query, and the fields that combine them
    (war crimes, the state's role) read those columns: DuckDB computes an expression written
    twice twice."""
    t = t or thresholds()
    ac, at, sr = t.armed_conflict, t.atrocities, t.state_role
    conflict = (
        f"CASE WHEN {_fig('interstate_best_12m')} >= {_at(ac.interstate_deaths_12m.value)} "
        "THEN 'international' "
        f"WHEN {_fig('sb_best_12m')} >= {_at(ac.battle_deaths_12m.value)} "
        "THEN 'non-international' "
        f"WHEN {_fig('ns_best_12m')} >= {_at(ac.non_state_deaths_12m.value)} "
        "THEN 'non-international' ELSE 'none' END"
    )
    cah = (
        f"CASE WHEN {_fig('top_perpetrator_12m')} >= {_at(at.mass_killing_12m.value)} "
        "THEN 'ongoing' "
        f"WHEN {_fig('os_best_3m')} >= {_at(at.imminent_3m.value)} THEN 'imminent' "
        f"WHEN {_fig('os_best_12m')} >= {_at(at.one_sided_12m.value)} THEN 'risk' "
        "ELSE 'none' END"
    )
    by_civilians = (
        f"CASE WHEN {_fig('civilians_3m')} >= {_at(at.civilians_in_conflict_3m.value)} "
        "THEN 'imminent' "
        f"WHEN {_fig('civilians_12m')} >= {_at(at.civilians_in_conflict_12m.value)} "
        "THEN 'risk' ELSE 'none' END"
    )
    ch = t.civilian_harm
    attacks = (
        f"CASE WHEN {_fig('civilians_12m')} >= {_at(ch.attacks_widespread_12m.value)} "
        "THEN 'widespread' "
        f"WHEN {_fig('civilians_12m')} >= {_at(ch.attacks_sporadic_12m.value)} "
        "THEN 'sporadic' ELSE 'none' END"
    )
    perpetrator = (
        "coalesce(top_perpetrator_is_gov, false) AND "
        f"{_fig('top_perpetrator_12m')} >= {_at(sr.perpetrator_12m.value)}"
    )
    alert = (
        "CASE "
        + " ".join(
            f"WHEN {' AND '.join(f'{_fig(f)} >= {_at(c.at_least)}' for f, c in r.when.items())} "
            f"THEN {i}"
            for i, r in enumerate(t.alerts)
        )
        + " END"
    )
    severity = " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(SEVERITY))
    return f"""
    SELECT source, iso3, m, armed_conflict, cah,
        CASE WHEN armed_conflict = 'none' THEN 'none'
             WHEN (CASE by_civilians {severity} END) > (CASE cah {severity} END)
             THEN by_civilians ELSE cah END AS war_crimes,
        attacks,
        CASE WHEN perpetrator THEN 'perpetrator'
             WHEN armed_conflict <> 'none' OR cah <> 'none' THEN 'unable'
             ELSE 'protecting' END AS state_role,
        alert, month_end
    FROM (
        SELECT source, iso3, m::BIGINT AS m, ({conflict}) AS armed_conflict, ({cah}) AS cah,
            ({by_civilians}) AS by_civilians, ({attacks}) AS attacks,
            ({perpetrator}) AS perpetrator, ({alert}) AS alert,
            last_day({months.sql_first_day('m')}) AS month_end
        FROM ({source})
    )
    """


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

    rows = con.execute(
        f"{derive_sql(shown_sql(where))} ORDER BY source, iso3, m"
    ).fetchall()
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
