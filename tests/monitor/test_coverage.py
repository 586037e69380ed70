"""Coverage-aware releases (decision 026): the real files of shared/data ingested in the orders
that used to change the answer give the same panel; each month says where it came from."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from protect.config import sources_dir
from protect.monitor import api, releases
from protect.monitor.coverage import shown_sql
from protect.monitor.ingest import ingest

from .helpers import query

SHARED = sources_dir()
needs_shared = pytest.mark.skipif(
    SHARED is None or not (SHARED / "ucdp-ged").is_dir(), reason="shared/data is not at hand"
)


def _files() -> list[tuple[str, Path]]:
    """Every event file of shared/data; the first seven are the ones whose order mattered."""
    assert SHARED is not None
    ged = SHARED / "ucdp-ged"
    first = [
        ("ucdp", ged / "ucdpged.csv"),  # a 1,000-event global sample
        ("ucdp", ged / "conflict_data_irq.csv"),  # Iraq, GED 19.1
        ("ucdp", ged / "GEDEvent_v23_1_car.csv"),  # CAR, GED 23.1
        ("ucdp", ged / "ucdp.csv"),  # Sudan: final GED to 2023 + candidate events of 2024
        ("ucdp", ged / "ucdp_sudan.csv"),  # Sudan: candidate events 2023-2024
        ("ucdp", ged / "conflict_data_nga.csv"),  # Nigeria, GED 20.1
        ("acled", SHARED / "acled" / "acled_old_deletion_dummy.csv"),  # global, 2022 H1
    ]
    named = {p.name for _, p in first}
    rest = [("ucdp", p) for p in sorted(ged.glob("*.csv")) if p.name not in named]
    return [*first, *rest, ("acled", SHARED / "acled" / "acled_old_dummy.csv")]


def _orders(n: int) -> list[list[int]]:
    """The seven that used to change the answer: each first and last at least once, the sample
    and the candidate file on both sides of the files they overlap; every other file of
    shared/data (Myanmar twice, Bangladesh twice, Syria, Mexico, ...) before them, after them,
    or between them."""
    orders = [
        list(range(n)),
        list(reversed(range(n))),
        [3, 0, 6, *range(7, n), 4, 1, 5, 2],
        [*range(12, n), 4, 2, 5, 1, 6, 0, 3, *range(7, 12)],
    ]
    assert all(sorted(o) == list(range(n)) for o in orders)
    return orders


# Release ids follow the order of ingest; the file's hash names the release instead.
_SHOWN = "SELECT * EXCLUDE (release_id) FROM ({}) ORDER BY iso3, m"


def _shown(db: Path) -> list[tuple[Any, ...]]:
    return query(db, _SHOWN.format(shown_sql()))


@pytest.fixture(scope="module")
def panels(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    if SHARED is None or not (SHARED / "ucdp-ged").is_dir():
        pytest.skip("shared/data is not at hand")
    files = _files()
    assert len(files) > 15
    out = []
    for n, order in enumerate(_orders(len(files))):
        db = tmp_path_factory.mktemp(f"order{n}") / "events.duckdb"
        for i in order:
            kind, path = files[i]
            ingest(kind, path, db_path=db)  # type: ignore[arg-type]
        out.append(db)
    return out


@needs_shared
def test_the_order_of_ingest_never_changes_the_panel(panels: list[Path]) -> None:
    first = _shown(panels[0])
    assert len(first) > 1000
    for db in panels[1:]:
        assert _shown(db) == first


@needs_shared
def test_a_sample_never_hides_a_full_series(panels: list[Path]) -> None:
    # Issue 11: after the 1,000-event sample, Iraq 2014-08 and CAR 2014-01 read "peace".
    db = panels[0]  # the sample first
    for iso3, month, name in (
        ("IRQ", "2014-08", "conflict_data_irq.csv"),
        ("CAF", "2014-01", "GEDEvent_v23_1_car.csv"),
    ):
        (rec,) = api.monitor(iso3, month, month, db_path=db)
        assert rec.alert is not None and rec.alert.level == "current-crisis"
        info = releases.show_release(rec.release_id or 0, db_path=db)
        assert Path(info.path).name == name
    sample = next(r for r in releases.list_releases(db_path=db) if r.path.endswith("ucdpged.csv"))
    assert sample.candidate is False
    assert sample.partial is True and sample.months_shown == 0  # stored, supplies no month


@needs_shared
def test_final_before_candidate_and_candidate_months_are_provisional(panels: list[Path]) -> None:
    db = panels[1]  # the candidate file before the final one
    months = api.monitor("SDN", "2018-01", "2024-12", db_path=db)
    by_month = {r.month: r for r in months}
    for month in ("2018-06", "2020-01", "2022-12", "2023-06"):
        assert by_month[month].provisional is False, month
        assert by_month[month].release is not None and "candidate events in 2024" in (
            by_month[month].release or ""
        )
    assert by_month["2024-03"].provisional is True
    alerts = {a.country: a for a in api.alerts("2024-03", db_path=db)}
    assert alerts["SDN"].provisional is True and alerts["SDN"].source == "ucdp"
    sit = api.situation("SDN", "2024-03", db_path=db)
    assert sit.provenance.provisional is True
    candidate = next(r for r in releases.list_releases(db_path=db) if r.candidate)
    assert Path(candidate.path).name == "ucdp_sudan.csv"
    assert candidate.release is not None and candidate.release.startswith("GED Candidate")


@needs_shared
def test_acled_supplies_the_months_after_the_last_ged_release(panels: list[Path]) -> None:
    months = api.monitor("NGA", "2019-11", "2022-06", db_path=panels[2])
    assert [r.source for r in months if r.month <= "2019-12"] == ["ucdp", "ucdp"]
    # The sample drew a few Nigerian events in 2020-2021; it does not make those months "peace".
    assert not [r.month for r in months if "2020-01" <= r.month <= "2021-12"]
    acled = [r for r in months if r.month >= "2022-01"]
    assert [r.month for r in acled] == [f"2022-0{k}" for k in range(1, 7)]
    assert {r.source for r in acled} == {"acled"}


def test_drop_a_release_and_ingest_it_again(db: Path, data: Path) -> None:
    old = ingest("ucdp", data / "ged191_mmr_2016_2018.csv", db_path=db)
    from .conftest import SAMPLE

    new = ingest("ucdp", SAMPLE, db_path=db, release="24.1")
    before = query(db, _SHOWN.format(shown_sql()))
    assert {r.release_id for r in api.monitor("MMR", "2017-01", "2017-12", db_path=db)} == {
        new.release_id
    }
    dropped = releases.drop_release(new.release_id or 0, db_path=db)
    assert dropped.events == 216
    assert {r.release_id for r in api.monitor("MMR", "2017-01", "2017-12", db_path=db)} == {
        old.release_id
    }
    assert query(db, "SELECT count(*) FROM events WHERE release_id = ?", [new.release_id]) == [(0,)]
    with pytest.raises(LookupError):
        releases.show_release(new.release_id or 0, db_path=db)
    again = ingest("ucdp", SAMPLE, db_path=db, release="24.1")
    assert again.status == "loaded"
    assert query(db, _SHOWN.format(shown_sql())) == before


def test_releases_commands(tmp_path: Path) -> None:
    env = {**os.environ, "PROTECT_HOME": str(tmp_path)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "protect.cli.main", *args],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip

    assert run("ingest", "ucdp", "--sample").returncode == 0
    listed = run("releases", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    (rel,) = json.loads(listed.stdout)
    assert rel["countries"] == 1 and rel["events"] == 216 and rel["months_shown"] == 36
    shown = run("releases", "show", "1", "--format", "json")
    assert json.loads(shown.stdout)["coverage"][0]["country"] == "MMR"
    missing = run("releases", "show", "7")
    assert missing.returncode == 2 and "no release 7" in missing.stderr
    dropped = run("releases", "drop", "1", "--yes")
    assert dropped.returncode == 0 and "Dropped release 1" in dropped.stdout
    # The drop is in the service's audit trail, by the local operator.
    from protect.service.audit import entries
    from protect.service.roles import local_operator
    from protect.storage import Database

    page = entries(Database(f"sqlite:///{tmp_path / 'protect.sqlite3'}"), local_operator())
    assert [(e.action, e.target) for e in page.items] == [("monitor.release.drop", "1")]
    assert json.loads(run("releases", "list", "--format", "json").stdout) == []
    assert run("ingest", "ucdp", "--sample").returncode == 0


def test_a_database_from_before_decision_026_is_brought_up_to_date(db: Path, data: Path) -> None:
    import duckdb

    from protect.monitor.store import open_db

    ingest("ucdp", data / "ged231_car_2013_2014.csv", db_path=db)
    want = [r.model_dump(mode="json") for r in api.timeline("CAF", db_path=db)]
    # The layout before: no coverage table, no candidate/partial flags, a panel per source.
    con = duckdb.connect(str(db))
    con.execute("DROP VIEW current_events")
    con.execute("DROP TABLE release_years")
    for column in ("candidate", "partial"):
        con.execute(f"ALTER TABLE releases DROP COLUMN {column}")
    con.execute("CREATE TABLE old_panel AS SELECT * EXCLUDE (release_id) FROM panel")
    con.execute("DROP TABLE panel")
    con.execute("ALTER TABLE old_panel RENAME TO panel")
    con.close()
    with open_db(db):
        pass  # any write open upgrades
    assert query(db, "SELECT count(*) FROM release_years") == [(2,)]  # CAF 2013 and 2014
    assert [r.model_dump(mode="json") for r in api.timeline("CAF", db_path=db)] == want


def test_the_source_order_is_configurable(
    db: Path, data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same HDX export ingested as UCDP GED and as a plain HXL file: two sources, one month.
    path = data / "hdx201_nga_2014h1.csv"
    ingest("ucdp", path, db_path=db)
    ingest("hxl", path, db_path=db)
    assert {r.source for r in api.monitor("NGA", "2014-01", "2014-06", db_path=db)} == {"ucdp"}
    monkeypatch.setenv("PROTECT_SOURCE_ORDER", "hxl,acled,ucdp-final,ucdp-candidate")
    assert {r.source for r in api.monitor("NGA", "2014-01", "2014-06", db_path=db)} == {"hxl"}
    monkeypatch.setenv("PROTECT_SOURCE_ORDER", "hxl,acled")
    with pytest.raises(ValueError, match="PROTECT_SOURCE_ORDER: source order must list each"):
        api.monitor("NGA", "2014-01", "2014-06", db_path=db)
