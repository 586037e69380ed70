"""The whole-panel path (`protect.monitor.bulk`) gives exactly what the per-row path gives."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import duckdb

from protect import Situation, assess
from protect.knowledge.months import label as month_label
from protect.monitor import api
from protect.monitor.bulk import assess_all, derive_all
from protect.monitor.panel import PANEL_COLUMNS
from protect.monitor.situations import alert_for, derive, thresholds

from .conftest import SAMPLE


def _per_row(row: dict[str, Any]) -> tuple[Situation, str | None, str | None]:
    situation, _ = derive({**row, "month": month_label(int(row["m"]))})
    alert = alert_for(row)
    return (
        Situation.model_validate(situation),
        alert.level if alert else None,
        alert.rule if alert else None,
    )


def _compare(con: duckdb.DuckDBPyConnection) -> int:
    from protect.monitor.coverage import shown_sql

    cur = con.execute(f"SELECT * FROM ({shown_sql()}) ORDER BY source, iso3, m")
    names = [d[0] for d in cur.description]
    rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    derived = derive_all(con)
    assert len(derived) == len(rows)
    for row, d in zip(rows, derived, strict=True):
        expected, level, rule = _per_row(row)
        assert (d.source, d.iso3, d.m) == (row["source"], row["iso3"], row["m"])
        assert d.situation == expected, (row["iso3"], row["m"])
        assert d.situation.model_fields_set == expected.model_fields_set
        assert (d.alert_level, d.alert_rule) == (level, rule), (row["iso3"], row["m"])
    return len(rows)


def test_bulk_matches_per_row_on_real_data(db: Path, data: Path) -> None:
    api.ingest("ucdp", SAMPLE, db_path=db, release="24.1")
    api.ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=db)
    api.ingest("acled", data / "acled_2022h1_sample.csv", db_path=db)
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert _compare(con) > 50
        derived = derive_all(con)
    finally:
        con.close()
    assert {d.alert_level for d in derived} >= {"current-crisis", None}
    # The assessments of constructed situations equal those of validated documents.
    bulk = assess_all(derived)
    for d, got in zip(derived, bulk, strict=True):
        doc = d.situation.model_dump(mode="json", exclude_unset=True)
        want = assess(Situation.model_validate(doc))
        assert got.model_dump(mode="json") == want.model_dump(mode="json")


def test_bulk_matches_per_row_at_every_threshold_boundary() -> None:
    """Each figure just below, at and above every value any rule tests, in combinations."""
    t = thresholds()
    cuts: dict[str, set[float]] = {}
    for rule in t.alerts:
        for f, c in rule.when.items():
            cuts.setdefault(f, set()).add(c.at_least)
    for f, v in (
        ("interstate_best_12m", t.armed_conflict.interstate_deaths_12m.value),
        ("sb_best_12m", t.armed_conflict.battle_deaths_12m.value),
        ("ns_best_12m", t.armed_conflict.non_state_deaths_12m.value),
        ("top_perpetrator_12m", t.atrocities.mass_killing_12m.value),
        ("top_perpetrator_12m", t.state_role.perpetrator_12m.value),
        ("os_best_3m", t.atrocities.imminent_3m.value),
        ("os_best_12m", t.atrocities.one_sided_12m.value),
        ("civilians_12m", t.atrocities.civilians_in_conflict_12m.value),
        ("civilians_3m", t.atrocities.civilians_in_conflict_3m.value),
        ("civilians_12m", t.civilian_harm.attacks_sporadic_12m.value),
        ("civilians_12m", t.civilian_harm.attacks_widespread_12m.value),
    ):
        cuts.setdefault(f, set()).add(v)
    values = {
        f: sorted({0.0, *(x + d for x in vs for d in (-0.01, 0.0, 0.01))}) for f, vs in cuts.items()
    }
    from protect.monitor.store import init_schema

    con = duckdb.connect()
    init_schema(con)
    con.execute(
        "INSERT INTO releases (release_id, source, path, sha256, release, version_major, "
        "version_minor, ingested_at, rows_read, rows_loaded, rows_skipped, raw_path) VALUES "
        "(1, 'ucdp', 'x.csv', 'x', 'GED 1.1', 1, 1, now(), 0, 0, 0, 'x.csv')"
    )
    other = (
        "release_id", "source", "iso3", "m", "events", "actors", "top_perpetrator",
        "top_perpetrator_is_gov",
    )  # fmt: skip
    floats = [c for c in PANEL_COLUMNS if c not in other]
    con.execute(
        "CREATE TABLE panel (release_id INTEGER DEFAULT 1, source VARCHAR, iso3 VARCHAR, "
        "m BIGINT, events BIGINT, "
        "actors BIGINT, top_perpetrator VARCHAR, top_perpetrator_is_gov BOOLEAN, "
        + ", ".join(f"{c} DOUBLE" for c in floats)
        + ")"
    )
    names = sorted(values)
    countries = ["SDN", "MMR", "COL", "NGA", "UKR", "SYR", "IRQ", "AFG", "MLI", "SOM", "COD",
                 "CAF", "YEM", "ETH", "LBY", "MOZ", "BFA", "NER", "PAK", "PHL"]  # fmt: skip
    rows = []
    # Every figure swept alone, then every pair of figures over their cut points.
    for f in names:
        for v in values[f]:
            rows.append({f: v})
    for f, g in itertools.combinations(names, 2):
        for v, w in itertools.product(values[f], values[g]):
            rows.append({f: v, g: w})
    for i, figures in enumerate(rows):
        gov = i % 2 == 0
        con.execute(
            "INSERT INTO panel (source, iso3, m, events, actors, top_perpetrator, "
            "top_perpetrator_is_gov, "
            + ", ".join(figures)
            + ") VALUES (?, ?, ?, 0, 0, ?, ?"
            + ", ?" * len(figures)
            + ")",
            [
                "ucdp",
                countries[i // 300],
                2000 * 12 + i % 300,
                "Government of X" if gov else "Armed group Y",
                gov,
                *figures.values(),
            ],
        )
    assert _compare(con) == len(rows) > 400


def test_the_collector_is_paused_only_inside_bulk_loops() -> None:
    import gc

    from protect.monitor.bulk import paused_gc

    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a caller's own choice is left as it was
    finally:
        gc.enable()
