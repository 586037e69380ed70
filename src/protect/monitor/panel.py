"""The country-month panel as one Ibis expression, so DuckDB and Spark run the same code.

Conventions (decision records 012-015):
- an event's deaths are spread over the months its `date_start`..`date_end` range covers, in
  proportion to the days of the range in each month; totals are conserved;
- the event itself (and its actors) count once, in the month of `date_start`;
- every month between a country's first and last covered month has a row, zero when nothing
  happened;
- trailing 3- and 12-month sums include the month itself;
- the largest 12-month one-sided toll of a single perpetrator (UCDP side A) is computed per
  perpetrator over the same trailing window, ties broken by name.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

KEYS = ("release_id", "source", "iso3")
"""A release's panel depends on that release's events alone, so the order of ingest cannot change
it; which release is shown for a country-month is chosen when reading (decision 026)."""
ADMIN1_KEYS = (*KEYS, "admin1")

_FIGURES = (
    "sb_best", "sb_low", "sb_high", "ns_best", "ns_low", "ns_high", "os_best", "os_low",
    "os_high", "civilians", "interstate_best", "events", "actors",
    "sb_best_3m", "ns_best_3m", "os_best_3m", "civilians_3m",
    "sb_best_12m", "ns_best_12m", "os_best_12m", "civilians_12m", "interstate_best_12m",
    "top_perpetrator", "top_perpetrator_12m", "top_perpetrator_is_gov",
)  # fmt: skip


def panel_columns(keys: tuple[str, ...] = KEYS) -> tuple[str, ...]:
    return (*keys, "m", *_FIGURES)


PANEL_COLUMNS = panel_columns()


ROUND_DIGITS = 6


def _without(table: Any, *names: str) -> Any:
    """`drop` with the column order fixed (Ibis' own `drop` compiles to a set-ordered EXCLUDE,
    which would make the shipped SQL differ from run to run)."""
    return table.select(*[c for c in table.columns if c not in names])


_TYPES = {
    "release_id": "int64", "source": "string", "iso3": "string", "admin1": "string",
    "m": "int64", "w": "float64", "type": "int64", "best": "float64", "low": "float64",
    "high": "float64", "civilians": "float64", "interstate": "boolean", "perpetrator": "string",
    "perpetrator_is_gov": "boolean",
}  # fmt: skip


def build_panel(events: Any, calendar: Any, offsets: Any, keys: tuple[str, ...] = KEYS) -> Any:
    """events (the `events` schema), calendar (m, first_day, last_day), offsets (k = 0..11)
    -> one row per `keys` (release, source, country; the admin-1 panel adds `admin1`) and
    month `m` (a month number of `protect.knowledge.months`)."""
    import ibis

    k = list(keys)
    e = events
    single = e.filter(e.month_start == e.month_end).mutate(m=e.month_start, w=ibis.literal(1.0))
    multi_e = e.filter(e.month_start != e.month_end)
    cal = calendar
    spread = multi_e.join(cal, [multi_e.month_start <= cal.m, multi_e.month_end >= cal.m]).mutate(
        w=(
            (
                ibis.least(multi_e.day_end, cal.last_day)
                - ibis.greatest(multi_e.day_start, cal.first_day)
                + 1
            ).cast("float64")
            / (multi_e.day_end - multi_e.day_start + 1).cast("float64")
        )
    )
    keep = [
        *k, "m", "w", "type", "best", "low", "high", "civilians", "interstate",
        "perpetrator", "perpetrator_is_gov",
    ]  # fmt: skip

    def typed(t: Any) -> Any:
        return t.select(**{c: t[c].cast(ibis.dtype(_TYPES[c]).copy(nullable=True)) for c in keep})

    parts = typed(single).union(typed(spread))

    def by_type(code: int, col: str) -> Any:
        return ibis.ifelse(parts.type == code, parts[col] * parts.w, 0.0).sum()

    deaths = parts.group_by(*k, "m").aggregate(
        sb_best=by_type(1, "best"), sb_low=by_type(1, "low"), sb_high=by_type(1, "high"),
        ns_best=by_type(2, "best"), ns_low=by_type(2, "low"), ns_high=by_type(2, "high"),
        os_best=by_type(3, "best"), os_low=by_type(3, "low"), os_high=by_type(3, "high"),
        civilians=(parts.civilians * parts.w).sum(),
        interstate_best=ibis.ifelse(parts.interstate, parts.best * parts.w, 0.0).sum(),
    )  # fmt: skip

    counts = e.group_by(*k, e.month_start.name("m")).aggregate(events=e.count())
    actors_long = (
        e.select(*k, m=e.month_start, actor=e.side_a)
        .union(e.select(*k, m=e.month_start, actor=e.side_b))
        .filter(lambda t: t.actor.notnull())
    )
    actors = actors_long.group_by(*k, "m").aggregate(actors=actors_long.actor.nunique())

    cover = e.group_by(*k).aggregate(first_m=e.month_start.min(), last_m=e.month_end.max())
    grid = cover.join(cal, [cover.first_m <= cal.m, cover.last_m >= cal.m]).select(*k, "m")

    # One-sided toll of each perpetrator over the trailing 12 months, then the largest.
    osv = parts.filter(parts.type == 3)
    per_month = osv.group_by(*k, "perpetrator", "m").aggregate(
        toll=(osv.best * osv.w).sum(), gov=osv.perpetrator_is_gov.max()
    )
    shifted = per_month.cross_join(offsets).mutate(target=per_month.m + offsets.k)
    # Rounded before ranking: the order in which a parallel sum adds fractions would otherwise
    # decide a tie (two perpetrators with 48 deaths each) differently from run to run.
    tolls = shifted.group_by(*k, "perpetrator", "target").aggregate(
        toll12=shifted.toll.sum().round(ROUND_DIGITS), gov=shifted.gov.max()
    )
    rank_w = ibis.window(
        group_by=[*(tolls[c] for c in k), tolls.target],
        order_by=[ibis.desc(tolls.toll12), tolls.perpetrator],
    )
    top = (
        tolls.mutate(rank=ibis.row_number().over(rank_w))
        .filter(lambda t: t.rank == 0)
        .select(
            **{f"{c}_t": c for c in k},
            m_t="target",
            top_perpetrator="perpetrator",
            top_perpetrator_12m="toll12",
            top_perpetrator_is_gov="gov",
        )
    )

    def left(base: Any, other: Any, prefix: str) -> Any:
        renamed = other.rename({f"{prefix}{c}": c for c in (*k, "m")})
        joined = base.left_join(renamed, [base[c] == renamed[f"{prefix}{c}"] for c in (*k, "m")])
        return _without(joined, *(f"{prefix}{c}" for c in (*k, "m")))

    panel = left(grid, deaths, "d_")
    panel = left(panel, counts, "c_")
    panel = left(panel, actors, "a_")
    panel = _without(
        panel.left_join(top, [panel[c] == top[f"{c}_t"] for c in (*k, "m")]),
        *(f"{c}_t" for c in (*k, "m")),
    )

    zero_float = [
        "sb_best", "sb_low", "sb_high", "ns_best", "ns_low", "ns_high", "os_best", "os_low",
        "os_high", "civilians", "interstate_best", "top_perpetrator_12m",
    ]  # fmt: skip
    panel = panel.mutate(
        **{c: panel[c].fill_null(0.0) for c in zero_float},
        events=panel.events.fill_null(0),
        actors=panel.actors.fill_null(0),
        top_perpetrator_is_gov=panel.top_perpetrator_is_gov.fill_null(False),
    )
    group = [panel[c] for c in k]
    w3 = ibis.window(group_by=group, order_by=panel.m, preceding=2, following=0)
    w12 = ibis.window(group_by=group, order_by=panel.m, preceding=11, following=0)
    panel = panel.mutate(
        sb_best_3m=panel.sb_best.sum().over(w3),
        ns_best_3m=panel.ns_best.sum().over(w3),
        os_best_3m=panel.os_best.sum().over(w3),
        civilians_3m=panel.civilians.sum().over(w3),
        sb_best_12m=panel.sb_best.sum().over(w12),
        ns_best_12m=panel.ns_best.sum().over(w12),
        os_best_12m=panel.os_best.sum().over(w12),
        civilians_12m=panel.civilians.sum().over(w12),
        interstate_best_12m=panel.interstate_best.sum().over(w12),
    )
    # Rounded so that the order in which a backend adds fractions cannot change the result.
    floats = [
        c
        for c in _FIGURES
        if c.endswith(("_best", "_low", "_high", "_3m", "_12m")) or c in ("civilians",)
    ]
    panel = panel.mutate(**{c: panel[c].round(ROUND_DIGITS) for c in floats})
    return panel.select(*panel_columns(keys)).order_by(*k, "m")


PANEL_SQL = "panel.sql"
ADMIN1_SQL = "panel_admin1.sql"
_INPUT = "panel_input"


def compile_panel_sql(keys: tuple[str, ...] = KEYS) -> str:
    """`build_panel` compiled by Ibis for DuckDB, over a view `panel_input` of the events.

    The result is shipped as `panel.sql` (and `panel_admin1.sql` for the admin-1 keys;
    regenerate both with `python -m protect.monitor.panel`): compiling costs more than running
    it, and the ingest then needs no Ibis (decision 024). A test keeps the shipped files equal to
    this compilation."""
    import duckdb
    import ibis

    from protect.monitor.store import init_schema

    con = duckdb.connect()
    try:
        init_schema(con)
        con.execute(f"CREATE VIEW {_INPUT} AS SELECT * FROM events")
        backend = ibis.duckdb.from_connection(con)
        expr = build_panel(
            backend.table(_INPUT), backend.table("calendar"), backend.table("offsets12"), keys
        )
        return str(ibis.to_sql(expr, dialect="duckdb")).strip() + "\n"
    finally:
        con.close()


@cache
def panel_sql(name: str = PANEL_SQL) -> str:
    return resources.files("protect.monitor").joinpath(name).read_text("utf-8")


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ? "
        "AND table_type = 'BASE TABLE'",
        [name],
    ).fetchone()
    return bool(row and row[0])


def rebuild_panel(con: duckdb.DuckDBPyConnection, release_id: int | None = None) -> None:
    """Bring the `panel` table up to date with `events`, on the caller's connection and
    transaction (so an ingest and its panel commit together).

    The panel is partitioned by release: a release's rows depend on its own events only, so an
    ingest computes the rows of its release and nothing else (decision 026). Without a
    `release_id` (or when the table does not exist yet) every release is computed."""
    if release_id is None or not _has_table(con, "panel"):
        con.execute(f"CREATE OR REPLACE TEMP VIEW {_INPUT} AS SELECT * FROM events")
        con.execute(f"CREATE OR REPLACE TABLE panel AS {panel_sql()}")
        from protect.monitor.coverage import current_events_view

        con.execute(current_events_view())
        return
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {_INPUT} AS SELECT * FROM events "
        f"WHERE release_id = {int(release_id)}"
    )
    con.execute(f"DELETE FROM panel WHERE release_id = {int(release_id)}")
    con.execute(f"INSERT INTO panel {panel_sql()}")


def panel_on_spark(
    events: pd.DataFrame,
    calendar: pd.DataFrame,
    offsets: pd.DataFrame,
    keys: tuple[str, ...] = KEYS,
) -> pd.DataFrame:
    """The same expression on a local PySpark session (`--backend spark`)."""
    import ibis
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("protect-panel")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    con = ibis.pyspark.connect(session)
    tables = {}
    for name, df in (("events", events), ("calendar", calendar), ("offsets12", offsets)):
        con.create_view(f"protect_{name}", ibis.memtable(df), overwrite=True)
        tables[name] = con.table(f"protect_{name}")
    expr = build_panel(tables["events"], tables["calendar"], tables["offsets12"], keys)
    result: pd.DataFrame = con.to_pandas(expr)
    return result


if __name__ == "__main__":
    from pathlib import Path

    here = Path(__file__)
    here.with_name(PANEL_SQL).write_text(compile_panel_sql(), encoding="utf-8")
    here.with_name(ADMIN1_SQL).write_text(compile_panel_sql(ADMIN1_KEYS), encoding="utf-8")
