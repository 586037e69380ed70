"""Score the monitor's alerts against the Early Warning Project's mass-killing episodes.

Run from the repository root (needs ../shared/data, or PROTECT_SOURCES):
    .venv/bin/python scripts/evaluate_monitor.py [--out docs/evaluation/monitor-backtest.md]

Part 1 (monthly, the event data at hand): every GED country subset in ucdp-ged/ is ingested
into a temporary DuckDB file (the random global sample is left out: it is not a panel), and
each EWP episode in a covered country whose years overlap the covered months is scored:
- the first `current-crisis` month and the first month at `imminent-risk` or above, searched
  from 24 months before the onset year to the end of the episode; lead time = months from that
  alert to January of the onset year (EWP dates onsets by year only; positive = before it);
- a miss when no such alert falls in that window;
- episodes already under way when the data start are scored for detection only.
False alarms: alerted country-months outside every episode window (24 months before onset
through 12 months after the end year) of that country, over the whole panel.

Part 2 (yearly, every country): UCDP Organized Violence country-year 25.1, with the same
thresholds applied to yearly figures (crisis: one-sided deaths by the government, or by
non-state groups together, >= 1,000 in the year; concern: one-sided deaths >= 25). Every
EWP episode with an onset 1990-2024 is scored as detected in the year before the onset, in the
onset year, or missed; false alarms are crisis country-years outside every episode window
(onset-1 to end+1).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
LEVEL = {"current-crisis": 3, "imminent-risk": 2, "serious-concern": 1}
GED_FILES = [
    # The order does not matter: each country-month comes from the best release (decision 026).
    "conflict_data_nga.csv", "GEDEvent_v23_1_car.csv", "ged191.csv", "ged_myanmar.csv",
    "ged_mexico.csv", "ged_syria.csv", "conflict_data_ukr.csv", "conflict_data_pak.csv",
    "conflict_data_phl.csv", "conflict_data_ssd.csv", "conflict_data_idn.csv",
    "conflict_data_irq.csv", "conflict_data_col.csv", "ucdp_sudan.csv", "ucdp.csv",
]  # fmt: skip


@dataclass
class Episode:
    iso3: str
    iso3s: tuple[str, ...]  # every code the location (or its inheritors) had over the episode
    country: str
    name: str
    kind: str
    start: int
    end: int | None  # None = ongoing at the end of EWP's coding (2024)


def _episodes(shared: Path) -> list[Episode]:
    import pandas as pd

    from protect.knowledge.countries import iso3_for_cow

    path = (
        shared / "ewp" / "statrisk-2025" / "EWP mass killing events master list_2025.mk_events.csv"
    )
    df = pd.read_csv(path)
    out = []
    for r in df.itertuples(index=False):
        start = int(r.startyear)
        iso3 = iso3_for_cow(int(r.mk_location_cow), max(start, 1946))
        if iso3 is None:
            continue
        end = None if pd.isna(r.endyear) else int(r.endyear)
        codes = [int(r.mk_location_cow)] + [
            int(c) for c in (r.mk_location_inheritor1, r.mk_location_inheritor2) if not pd.isna(c)
        ]
        years = range(max(start, 1946), (end or 2024) + 1)
        found = {iso3_for_cow(c, y) for c in codes for y in years}
        iso3s = tuple(sorted(x for x in found if x))
        out.append(Episode(iso3, iso3s, str(r.country), str(r.mk_event_name), "", start, end))
    return out


def _month(y: int, m: int = 1) -> int:
    return y * 12 + m - 1


def _label(m: int | None) -> str:
    return "-" if m is None else f"{m // 12:04d}-{m % 12 + 1:02d}"


def panel_rows(shared: Path) -> list[dict[str, Any]]:
    """The country-months the monitor shows with every GED subset ingested."""
    import duckdb

    from protect.monitor.coverage import shown_sql
    from protect.monitor.ingest import ingest

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "events.duckdb"
        for name in GED_FILES:
            ingest("ucdp", shared / "ucdp-ged" / name, db_path=db)
        con = duckdb.connect(str(db), read_only=True)
        cur = con.execute(f"SELECT * FROM ({shown_sql()}) ORDER BY iso3, m")
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
        con.close()
    return rows


def without_civilian_rules(t: Any) -> Any:
    """The thresholds as they were before civilian deaths of all violence fed the alerts
    (decision 027): the same rules, less those that read `civilians_*` figures."""
    kept = [r for r in t.alerts if not any(f.startswith("civilians") for f in r.when)]
    return t.model_copy(update={"alerts": kept})


def monthly(
    rows: list[dict[str, Any]], episodes: list[Episode], t: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    from protect.monitor.situations import alert_for

    level: dict[tuple[str, int], int] = {}
    cover: dict[str, tuple[int, int]] = {}
    for r in rows:
        a = alert_for(r, t)
        level[(r["iso3"], int(r["m"]))] = LEVEL[a.level] if a else 0
        lo, hi = cover.get(r["iso3"], (int(r["m"]), int(r["m"])))
        cover[r["iso3"]] = (min(lo, int(r["m"])), max(hi, int(r["m"])))

    scored = []
    windows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for e in episodes:
        onset = _month(e.start)
        end = _month(e.end, 12) if e.end is not None else _month(2024, 12)
        for code in e.iso3s:
            windows[code].append((onset - 24, end + 12))
        spans = [cover[c] for c in e.iso3s if c in cover]
        if not spans:
            continue
        lo, hi = min(a for a, _ in spans), max(b for _, b in spans)
        if end < lo or onset > hi:
            continue
        first = max(onset - 24, lo)
        last = min(end, hi)
        months = range(first, last + 1)

        def lvl(m: int, codes: tuple[str, ...] = e.iso3s) -> int:
            return max(level.get((c, m), 0) for c in codes)

        crisis = next((m for m in months if lvl(m) >= 3), None)
        imminent = next((m for m in months if lvl(m) >= 2), None)
        onset_seen = onset - 24 >= lo
        scored.append({
            "episode": e, "coverage": f"{_label(lo)} to {_label(hi)}",
            "onset_covered": onset_seen, "crisis": crisis, "imminent": imminent,
            "lead_crisis": None if crisis is None or not onset_seen else onset - crisis,
            "lead_imminent": None if imminent is None or not onset_seen else onset - imminent,
        })  # fmt: skip

    def inside(iso3: str, m: int) -> bool:
        return any(a <= m <= b for a, b in windows.get(iso3, []))

    totals = {"country_months": len(level)}
    for name, threshold in (("crisis", 3), ("imminent_or_above", 2), ("any_alert", 1)):
        alerted = [k for k, v in level.items() if v >= threshold]
        false = [k for k in alerted if not inside(*k)]
        outside = [k for k in level if not inside(*k)]
        totals[name] = {
            "alerted": len(alerted),
            "precision": 1 - len(false) / len(alerted) if alerted else math.nan,
            "false_alarms": len(false),
            "months_outside_windows": len(outside),
            "false_alarm_rate": len(false) / len(outside) if outside else math.nan,
            "false_alarm_countries": sorted({k[0] for k in false}),
        }
    return scored, totals


def yearly(
    shared: Path, episodes: list[Episode], thresholds: Any, civilians: bool = True
) -> dict[str, Any]:
    import pandas as pd

    from protect.knowledge.countries import iso3_for_gw

    cy = pd.read_csv(shared / "ucdp-country-year" / "organizedviolencecy_v25_1.csv")
    crisis_t = thresholds.atrocities.mass_killing_12m.value
    concern_t = thresholds.atrocities.one_sided_12m.value
    toll = [r for r in thresholds.alerts if r.rule == "civilian-toll"]
    toll_t = toll[0].when["civilians_12m"].at_least if toll else math.inf
    status: dict[tuple[str, int], int] = {}
    for r in cy.itertuples(index=False):
        iso3 = iso3_for_gw(int(r.country_id_cy), dt.date(int(r.year_cy), 7, 1))
        if iso3 is None:
            continue
        gov = float(r.os_main_govt_killings_best_cy or 0)
        groups = float(r.os_nsgroup_killings_best_cy or 0)
        total = float(r.os_total_deaths_best_cy or 0)
        all_civilians = (
            total + float(r.sb_deaths_civilians_cy or 0) + float(r.ns_deaths_civilians_cy or 0)
        )
        s = (
            3
            if max(gov, groups) >= crisis_t
            else 2
            if civilians and all_civilians >= toll_t
            else 1
            if total >= concern_t
            else 0
        )
        key = (iso3, int(r.year_cy))
        status[key] = max(status.get(key, 0), s)
    windows: dict[str, list[tuple[int, int]]] = defaultdict(list)
    results = []
    warnings: list[str] = []
    for e in episodes:
        end = e.end if e.end is not None else 2024
        for code in e.iso3s:
            windows[code].append((e.start - 1, end + 1))
        if not 1990 <= e.start <= 2024:
            continue

        def crisis(y: int, codes: tuple[str, ...] = e.iso3s) -> bool:
            return any(status.get((c, y), 0) >= 3 for c in codes)

        def warned(y: int, codes: tuple[str, ...] = e.iso3s) -> bool:
            return any(status.get((c, y), 0) >= 2 for c in codes)

        warnings.append(
            "year before"
            if warned(e.start - 1)
            else "onset year"
            if warned(e.start)
            else "later in episode"
            if any(warned(y) for y in range(e.start, end + 1))
            else "missed"
        )

        before = crisis(e.start - 1)
        during = crisis(e.start)
        later = any(crisis(y) for y in range(e.start, end + 1))
        results.append(
            (
                e,
                "year before"
                if before
                else "onset year"
                if during
                else "later in episode"
                if later
                else "missed",
            )
        )
    false = [
        k
        for k, v in status.items()
        if v >= 3 and not any(a <= k[1] <= b for a, b in windows.get(k[0], []))
    ]
    outside = [k for k in status if not any(a <= k[1] <= b for a, b in windows.get(k[0], []))]
    warned_false = [k for k in outside if status[k] >= 2]
    return {
        "warnings": warnings,
        "warned_false": sorted(warned_false),
        "results": results,
        "false": sorted(false),
        "outside": len(outside),
        "crisis_years": sum(v >= 3 for v in status.values()),
        "years": len(status),
    }


def _summary(
    runs: dict[str, tuple[list[dict[str, Any]], dict[str, Any], dict[str, Any]]],
) -> list[str]:
    """Before/after table: the same data and episodes, with and without the civilian rules."""
    cols = list(runs)

    def row(label: str, fn: Any) -> str:
        return f"| {label} | " + " | ".join(str(fn(*runs[c])) for c in cols) + " |"

    def recall(scored: list[dict[str, Any]], key: str) -> str:
        hit = sum(s[key] is not None for s in scored)
        return f"{hit} of {len(scored)} ({hit / len(scored):.0%})"

    def warned(yr: dict[str, Any], early: bool) -> str:
        verdicts = yr["warnings"]
        wanted = (
            ("year before", "onset year")
            if early
            else ("year before", "onset year", "later in episode")
        )
        hit = sum(v in wanted for v in verdicts)
        return f"{hit} of {len(verdicts)}"

    return [
        "## Before and after: civilian deaths of all violence (decision 027)",
        "",
        "Same event data, same episodes. *Before*: the alert rules that read one-sided and "
        "battle deaths only. *After*: the rules of `thresholds.yaml` as committed, which add "
        "`civilian-toll` (imminent-risk: 1,000 civilians killed in any type of violence in 12 "
        "months). Recall: episodes with an alert in their window; precision: share of alerted "
        "months inside an episode window; quiet years: country-years outside every episode "
        "window (onset-1 to end+1).",
        "",
        "| measure | " + " | ".join(cols) + " |",
        "|---|" + "---|" * len(cols),
        row("monthly recall, imminent-risk or above", lambda s, t, y: recall(s, "imminent")),
        row("monthly recall, current-crisis", lambda s, t, y: recall(s, "crisis")),
        row(
            "median lead, imminent-risk or above (months; negative = after January of onset)",
            lambda s, t, y: _median(
                [x["lead_imminent"] for x in s if x["lead_imminent"] is not None]
            ),
        ),
        row(
            "precision, imminent-risk or above months",
            lambda s, t, y: f"{t['imminent_or_above']['precision']:.1%}",
        ),
        row(
            "false alarms, imminent-risk or above (months outside windows)",
            lambda s, t, y: (
                f"{t['imminent_or_above']['false_alarms']} of "
                f"{t['imminent_or_above']['months_outside_windows']}"
            ),
        ),
        row("precision, any alert", lambda s, t, y: f"{t['any_alert']['precision']:.1%}"),
        row(
            "yearly: episodes warned (imminent or above) in the year before or the onset year",
            lambda s, t, y: warned(y, True),
        ),
        row(
            "yearly: episodes warned at any time in the episode",
            lambda s, t, y: warned(y, False),
        ),
        row(
            "yearly: false alarms in quiet years (warned country-years outside every window)",
            lambda s, t, y: f"{len(y['warned_false'])} of {y['outside']}",
        ),
        "",
        "Quiet years warned after the change: "
        + (", ".join(f"{c} {yy}" for c, yy in runs[cols[-1]][2]["warned_false"]) or "none")
        + ".",
        "",
    ]


def report(
    scored: list[dict[str, Any]],
    totals: dict[str, Any],
    yr: dict[str, Any],
    summary: list[str] | None = None,
) -> str:
    out = [
        "# Monitor backtest: alerts against EWP mass-killing episodes",
        "",
        "Produced by `scripts/evaluate_monitor.py` (re-run it to refresh this page). Episodes: "
        "Early Warning Project (USHMM) mass-killing events master list, 2025 edition. Event data: "
        "the UCDP GED country subsets in `shared/data/ucdp-ged`, each country-month from the "
        "best release that covers it (decision 026). Thresholds: "
        "`src/protect/monitor/thresholds.yaml` as committed. EWP dates onsets by year, so lead "
        "times are counted to January of the onset year.",
        "",
        *(summary or []),
        "## 1. Monthly, where event data cover the episode",
        "",
        "| country | episode | EWP years | data cover | first current-crisis | lead (months) "
        "| first imminent-risk+ | lead (months) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in scored:
        e = s["episode"]
        years = f"{e.start}-{e.end if e.end is not None else 'ongoing'}"
        lead_c = "-" if s["lead_crisis"] is None else str(s["lead_crisis"])
        lead_i = "-" if s["lead_imminent"] is None else str(s["lead_imminent"])
        if not s["onset_covered"]:
            lead_c = lead_i = "onset before data"
        out.append(
            f"| {'/'.join(e.iso3s)} | {e.name} | {years} | {s['coverage']} | "
            f"{_label(s['crisis']) if s['crisis'] is not None else 'missed'} | {lead_c} | "
            f"{_label(s['imminent']) if s['imminent'] is not None else 'missed'} | {lead_i} |"
        )
    n = len(scored)
    det_c = sum(s["crisis"] is not None for s in scored)
    det_i = sum(s["imminent"] is not None for s in scored)
    leads = [s["lead_imminent"] for s in scored if s["lead_imminent"] is not None]
    leads_c = [s["lead_crisis"] for s in scored if s["lead_crisis"] is not None]
    out += [
        "",
        f"Episodes scored: {n}. Detected at current-crisis: {det_c} (missed {n - det_c}); "
        f"at imminent-risk or above: {det_i} (missed {n - det_i}).",
        f"Median lead time where the onset is covered: current-crisis "
        f"{_median(leads_c)} months, imminent-risk or above {_median(leads)} months "
        "(negative = after January of the onset year).",
        "",
        f"False alarms over the whole panel ({totals['country_months']} country-months; a false "
        "alarm is an alerted month outside every episode window of its country, the window "
        "running from 24 months before the onset year to 12 months after the end year):",
        "",
        "| level | alerted months | false alarms | months outside windows | false-alarm rate "
        "| countries with false alarms |",
        "|---|---|---|---|---|---|",
    ]
    for key, title in (
        ("crisis", "current-crisis"),
        ("imminent_or_above", "imminent-risk+"),
        ("any_alert", "any alert"),
    ):
        t = totals[key]
        out.append(
            f"| {title} | {t['alerted']} | {t['false_alarms']} | {t['months_outside_windows']} "
            f"| {t['false_alarm_rate']:.1%} | {', '.join(t['false_alarm_countries']) or '-'} |"
        )
    res = yr["results"]
    counts: dict[str, int] = defaultdict(int)
    for _, verdict in res:
        counts[verdict] += 1
    out += [
        "",
        "## 2. Yearly, every country (UCDP Organized Violence country-year 25.1)",
        "",
        "Crisis year: one-sided deaths (best) by the government, or by non-state groups taken "
        "together, of at least 1,000 in the year (the per-perpetrator split is not in the "
        "country-year file; this is the closest yearly reading of the mass-killing rule). "
        f"{yr['crisis_years']} crisis country-years out of {yr['years']} (1989-2024).",
        "",
        f"EWP episodes with an onset 1990-2024: {len(res)}. Crisis in the year before the onset: "
        f"{counts['year before']}; in the onset year: {counts['onset year']}; only later in the "
        f"episode: {counts['later in episode']}; never: {counts['missed']}.",
        f"False alarms: {len(yr['false'])} crisis country-years outside every episode window "
        f"(onset-1 to end+1), out of {yr['outside']} country-years outside windows.",
        "",
        "| country | episode | onset | verdict |",
        "|---|---|---|---|",
    ]
    for e, verdict in res:
        out.append(f"| {'/'.join(e.iso3s)} | {e.name} | {e.start} | {verdict} |")
    out += [
        "",
        "False-alarm country-years: "
        + (", ".join(f"{c} {y}" for c, y in yr["false"]) or "none")
        + ".",
        "",
        "## Reading these numbers",
        "",
        "- The monitor's thresholds measure killing that has happened; they raise an alert "
        "when killing is under way or rising, not years ahead. Forecasting onsets ahead of time "
        "is the risk model's job (`protect.risk`).",
        "- A miss can come from killings that UCDP codes as battle deaths rather than one-sided "
        "violence, from killing spread over many perpetrators none of which reaches 1,000 in 12 "
        "months, or from EWP episodes that the GED subsets cover only in part; this page does "
        "not tell these apart.",
        "- The yearly part includes the years before 1989 only as episode windows; UCDP data "
        "start in 1989. Bosnia 1992-1995 is coded by EWP under Yugoslavia; episodes are matched "
        "to every code their location and its successor states had over the episode.",
        "- False alarms at imminent-risk and serious-concern are often real one-sided violence "
        "below EWP's mass-killing threshold; they are counted as false here because EWP "
        "records no episode.",
        "",
    ]
    return "\n".join(out)


def _median(values: list[int]) -> str:
    if not values:
        return "-"
    v = sorted(values)
    mid = len(v) // 2
    return str(v[mid] if len(v) % 2 else (v[mid - 1] + v[mid]) / 2)


def main() -> None:
    from protect.config import sources_dir
    from protect.monitor.situations import thresholds

    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", type=Path, default=None)
    ap.add_argument(
        "--out", type=Path, default=ROOT / "docs" / "evaluation" / "monitor-backtest.md"
    )
    args = ap.parse_args()
    shared = args.shared or sources_dir()
    if shared is None or not shared.is_dir():
        sys.stderr.write("error: no source data folder (set PROTECT_SOURCES or --shared)\n")
        raise SystemExit(2)
    episodes = _episodes(shared)
    rows = panel_rows(shared)
    t = thresholds()
    before = without_civilian_rules(t)
    runs = {
        "before": (*monthly(rows, episodes, before), yearly(shared, episodes, before, False)),
        "after": (*monthly(rows, episodes, t), yearly(shared, episodes, t, True)),
    }
    scored, totals, yr = runs["after"]
    text = report(scored, totals, yr, _summary(runs))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
