"""Server-side SVG charts for the web pages and the briefing PDF: plain text out, so pages work
offline and without JavaScript, and a screen reader gets a title and a summary of what the chart
shows."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from protect.knowledge.levels import FILL
from protect.knowledge.months import label as month_label
from protect.knowledge.months import parse as month_index

if TYPE_CHECKING:
    from protect.monitor.models import MonthRecord

# Colours from the Okabe-Ito palette, told apart with colour-vision deficiencies.
SERIES = (
    ("state_based", "state-based", "#0072B2"),
    ("non_state", "non-state", "#E69F00"),
    ("one_sided", "one-sided", "#D55E00"),
)
CIVILIAN_COLOUR = "#1b1b1b"
# Alert levels, from their one definition (protect.knowledge.levels).
LEVEL_COLOURS: dict[str, str] = {level: fill for level, fill in FILL.items()}

WIDTH, HEIGHT = 800, 400
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 44, 110
PLOT_W = WIDTH - LEFT - RIGHT
PLOT_H = HEIGHT - TOP - BOTTOM


@dataclass(frozen=True)
class ChartMonth:
    """One month's figures: deaths (best estimate) by type of violence, civilians, alert."""

    month: str  # YYYY-MM
    state_based: float
    non_state: float
    one_sided: float
    civilians: float
    alert: str | None = None  # the alert level, if any

    @property
    def total(self) -> float:
        return self.state_based + self.non_state + self.one_sided


def chart_month(record: MonthRecord) -> ChartMonth:
    """A panel record's figures as the monthly chart draws them (the monitor and country pages
    and the briefing read a record the same way)."""
    return ChartMonth(
        month=record.month,
        state_based=record.deaths_best.state_based,
        non_state=record.deaths_best.non_state,
        one_sided=record.deaths_best.one_sided,
        civilians=record.deaths_civilians,
        alert=record.alert.level if record.alert else None,
    )


def nice_ceiling(value: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten) at or
    above `value`, at least 1: the top of the value axis."""
    if value <= 1:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return float(step * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.1f}"


def _f(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def monthly_deaths_svg(
    months: Sequence[ChartMonth], *, title: str, element_id: str = "chart"
) -> str:
    """Stacked monthly bars of deaths by type, civilian deaths as marks, alert months flagged.

    Every month from the first to the last given gets a slot (`<g class="month">`); months
    missing from `months` are drawn as empty slots marked "no data", so gaps are not mistaken
    for calm. All text is escaped.
    """
    eid = escape(element_id, quote=True)
    if not months:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} 60" '
            f'aria-labelledby="{eid}-title {eid}-desc">'
            f'<title id="{eid}-title">{escape(title)}</title>'
            f'<desc id="{eid}-desc">No months to show.</desc>'
            f'<text x="{WIDTH / 2}" y="35" text-anchor="middle">No months to show.</text></svg>'
        )
    by_index = {month_index(m.month): m for m in months}
    first, last = min(by_index), max(by_index)
    slots = list(range(first, last + 1))
    top = nice_ceiling(max(max(m.total, m.civilians) for m in months))
    slot_w = PLOT_W / len(slots)
    bar_w = max(slot_w * 0.72, 0.5)

    def y(value: float) -> float:
        return TOP + PLOT_H - value / top * PLOT_H

    out: list[str] = []
    add = out.append
    alerts = [m for m in months if m.alert]
    peak = max(months, key=lambda m: (m.total, -month_index(m.month)))
    civ_total = sum(m.civilians for m in months)
    missing = len(slots) - len(months)
    desc = (
        f"Deaths per month (best estimate) by type of violence from {month_label(first)} to "
        f"{month_label(last)}: {_num(sum(m.total for m in months))} in all, the most in "
        f"{peak.month} ({_num(peak.total)}); civilian deaths {_num(civ_total)}. "
        + (
            f"{len(alerts)} month{'s' if len(alerts) != 1 else ''} with an alert"
            + (
                ": "
                + "; ".join(
                    f"{level} {sum(1 for m in alerts if m.alert == level)}"
                    for level in LEVEL_COLOURS
                    if any(m.alert == level for m in alerts)
                )
                if alerts
                else ""
            )
            + "."
        )
        + (f" {missing} month{'s' if missing != 1 else ''} without data." if missing else "")
    )
    add(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'aria-labelledby="{eid}-title {eid}-desc" class="chart" '
        'font-family="system-ui, sans-serif" font-size="12">'
    )
    add(f'<title id="{eid}-title">{escape(title)}</title>')
    add(f'<desc id="{eid}-desc">{escape(desc)}</desc>')

    # Axes, grid and their labels.
    steps = 5
    for i in range(steps + 1):
        value = top * i / steps
        yy = _f(y(value))
        add(
            f'<line x1="{LEFT}" x2="{LEFT + PLOT_W}" y1="{yy}" y2="{yy}" '
            f'stroke="{"#999" if i == 0 else "#e4e4e4"}" stroke-width="1"/>'
        )
        add(
            f'<text x="{LEFT - 6}" y="{yy}" text-anchor="end" dominant-baseline="middle">'
            f"{escape(_num(value))}</text>"
        )
    add(
        f'<text transform="translate(14 {TOP + PLOT_H / 2}) rotate(-90)" text-anchor="middle">'
        "deaths per month (best estimate)</text>"
    )
    add(f'<text x="{LEFT + PLOT_W / 2}" y="{HEIGHT - 50}" text-anchor="middle">month</text>')
    every = max(1, math.ceil(len(slots) / 12))

    civ_points: list[list[tuple[float, float]]] = [[]]
    for pos, index in enumerate(slots):
        x = LEFT + pos * slot_w + (slot_w - bar_w) / 2
        centre = LEFT + (pos + 0.5) * slot_w
        label = month_label(index)
        month = by_index.get(index)
        if month is None:
            add(f'<g class="month missing" data-month="{label}">')
            add(f"<title>{label}: no data</title>")
            add(
                f'<rect x="{_f(x)}" y="{TOP}" width="{_f(bar_w)}" height="{PLOT_H}" '
                f'fill="url(#{eid}-hatch)" stroke="none"/>'
            )
            add("</g>")
            if civ_points[-1]:
                civ_points.append([])
        else:
            level = month.alert
            add(
                f'<g class="month{" alert" if level else ""}" data-month="{label}"'
                + (f' data-alert="{escape(level, quote=True)}"' if level else "")
                + ">"
            )
            parts = ", ".join(f"{name} {_num(getattr(month, key))}" for key, name, _c in SERIES)
            tip = f"{label}: {parts}; civilians {_num(month.civilians)}" + (
                f"; alert {level}" if level else ""
            )
            add(f"<title>{escape(tip)}</title>")
            base = 0.0
            for key, name, colour in SERIES:
                value = float(getattr(month, key))
                if value > 0:
                    y0, y1 = y(base), y(base + value)
                    add(
                        f'<rect class="{name}" x="{_f(x)}" y="{_f(y1)}" width="{_f(bar_w)}" '
                        f'height="{_f(y0 - y1)}" fill="{colour}" data-value="{_f(value)}"/>'
                    )
                base += value
            if level:
                colour = LEVEL_COLOURS.get(level, "#555")
                add(
                    f'<rect class="alert-mark" x="{_f(LEFT + pos * slot_w)}" y="{TOP - 14}" '
                    f'width="{_f(slot_w)}" height="8" fill="{colour}"/>'
                )
            add("</g>")
            civ_points[-1].append((centre, y(month.civilians)))
        if pos % every == 0:
            add(
                f'<text x="{_f(centre)}" y="{TOP + PLOT_H + 8}" text-anchor="end" '
                f'transform="rotate(-45 {_f(centre)} {TOP + PLOT_H + 8})">{label}</text>'
            )

    for run in civ_points:
        if len(run) > 1:
            points = " ".join(f"{_f(px)},{_f(py)}" for px, py in run)
            add(
                f'<polyline class="civilians" points="{points}" fill="none" '
                f'stroke="{CIVILIAN_COLOUR}" stroke-width="1.5"/>'
            )
        for px, py in run:
            add(
                f'<circle class="civilians" cx="{_f(px)}" cy="{_f(py)}" r="2.5" '
                f'fill="{CIVILIAN_COLOUR}"/>'
            )

    # Legend: the three types, civilians, the alert levels present, and gaps if any.
    items: list[tuple[str, str, str]] = [(name, colour, "bar") for _k, name, colour in SERIES]
    items.append(("civilians", CIVILIAN_COLOUR, "mark"))
    items += [
        (f"alert: {level}", colour, "alert")
        for level, colour in LEVEL_COLOURS.items()
        if any(m.alert == level for m in months)
    ]
    if missing:
        items.append(("no data", "#bbb", "missing"))
    lx, ly = LEFT, HEIGHT - 26
    add('<g class="legend">')
    for text, colour, kind in items:
        if lx + 14 + 7 * len(text) > WIDTH - RIGHT:
            lx, ly = LEFT, ly + 18
        if kind == "mark":
            add(f'<circle cx="{lx + 5}" cy="{ly - 4}" r="3" fill="{colour}"/>')
        elif kind == "missing":
            add(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="url(#{eid}-hatch)"/>')
        else:
            h = 6 if kind == "alert" else 10
            add(f'<rect x="{lx}" y="{ly - 4 - h / 2}" width="10" height="{h}" fill="{colour}"/>')
        add(f'<text x="{lx + 14}" y="{ly}">{escape(text)}</text>')
        lx += 22 + 7 * len(text)
    add("</g>")
    add(
        f'<defs><pattern id="{eid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ccc" '
        'stroke-width="2"/></pattern></defs>'
    )
    add("</svg>")
    return "".join(out)


@dataclass(frozen=True)
class ChartYear:
    """One stored year of a country's forecast: its probability and rank among `of`."""

    year: int
    risk: float  # 0 to 1
    rank: int
    of: int
    onset: int | None = None


@dataclass(frozen=True)
class ChartBacktestYear:
    """One backtest year: the out-of-sample forecast, its rank, EWP's published forecast, and
    whether an onset followed."""

    year: int
    risk: float
    rank: int
    of: int
    ewp: float | None
    onset: int


RISK_COLOUR = "#D55E00"
REFERENCE_COLOUR = "#0072B2"  # EWP's published forecast
ONSET_COLOUR = "#1a1a1a"


def risk_history_svg(
    years: Sequence[ChartYear],
    *,
    title: str,
    element_id: str = "risk",
    backtest: Sequence[ChartBacktestYear] = (),
) -> str:
    """A country's forecast probability across the years: the backtest's out-of-sample
    forecasts as a thin line with EWP's published forecast dashed beside it and onsets marked,
    and the stored forecasts as dots labelled with the country's rank. Years with neither are
    marked "not stored", so a gap is not read as no risk. All text is escaped."""
    eid = escape(element_id, quote=True)
    width, height = WIDTH, 316 if backtest else 300
    left, right, top_pad, bottom = LEFT, 24, 30, 76 if backtest else 60
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="chart risk-history" '
        f'aria-labelledby="{eid}-title {eid}-desc" font-family="system-ui, sans-serif" '
        f'font-size="12" '
    )
    if not years and not backtest:
        return (
            head + f'viewBox="0 0 {width} 60"><title id="{eid}-title">{escape(title)}</title>'
            f'<desc id="{eid}-desc">No stored forecast ranks this country.</desc>'
            f'<text x="{width / 2}" y="35" text-anchor="middle">No stored forecast ranks this '
            "country.</text></svg>"
        )
    by_year = {y.year: y for y in years}
    tested = {y.year: y for y in backtest}
    first, last = min([*by_year, *tested]), max([*by_year, *tested])
    slots = list(range(first, last + 1))
    top = max(
        [y.risk for y in years]
        + [y.risk for y in backtest]
        + [y.ewp for y in backtest if y.ewp is not None]
    )
    ceiling = nice_ceiling(top * 100) if top else 1
    slot_w = plot_w / len(slots)

    def yy(risk: float) -> float:
        return top_pad + plot_h - risk * 100 / ceiling * plot_h

    missing = [y for y in slots if y not in by_year and y not in tested]
    onsets = [y.year for y in backtest if y.onset]
    parts = []
    if backtest:
        peak = max(backtest, key=lambda y: (y.risk, -y.year))
        parts.append(
            f"Backtest {backtest[0].year} to {backtest[-1].year} (each year forecast out of "
            f"sample): highest in {peak.year}, {peak.risk * 100:.1f}% (rank {peak.rank} of "
            f"{peak.of}); "
            + (f"onsets in {', '.join(map(str, onsets))}" if onsets else "no onset")
            + "."
        )
    if years:
        parts.append(
            "Stored forecasts: "
            + "; ".join(f"{y.year} {y.risk * 100:.1f}% (rank {y.rank} of {y.of})" for y in years)
            + "."
        )
    if missing:
        parts.append(f"{len(missing)} year{'s' if len(missing) != 1 else ''} without either.")
    out = [head + f'viewBox="0 0 {width} {height}">']
    add = out.append
    add(f'<title id="{eid}-title">{escape(title)}</title>')
    add(f'<desc id="{eid}-desc">{escape(" ".join(parts))}</desc>')
    for i in range(6):  # five steps: round values for every ceiling nice_ceiling gives
        value = ceiling * i / 5
        y = _f(yy(value / 100))
        add(
            f'<line x1="{left}" x2="{left + plot_w}" y1="{y}" y2="{y}" '
            f'stroke="{"#999" if i == 0 else "#e4e4e4"}" stroke-width="1"/>'
        )
        add(
            f'<text x="{left - 6}" y="{y}" text-anchor="end" dominant-baseline="middle">'
            f"{value:g}%</text>"
        )
    add(
        f'<text transform="translate(14 {top_pad + plot_h / 2}) rotate(-90)" '
        'text-anchor="middle">forecast probability</text>'
    )
    every = max(1, math.ceil(len(slots) / 12))
    if every > 1:  # label round years: 1995, 2000, ... rather than wherever the data begin
        every = 5 if every <= 5 else 10
    runs: list[list[tuple[float, float]]] = [[]]
    ours: list[list[tuple[float, float]]] = [[]]
    reference: list[list[tuple[float, float]]] = [[]]
    base = top_pad + plot_h
    for pos, year in enumerate(slots):
        cx = left + (pos + 0.5) * slot_w
        found = by_year.get(year)
        past = tested.get(year)
        if found is None and past is None:
            add(f'<g class="year missing" data-year="{year}"><title>{year}: not stored</title>')
            add(
                f'<rect x="{_f(cx - slot_w * 0.3)}" y="{top_pad}" width="{_f(slot_w * 0.6)}" '
                f'height="{plot_h}" fill="url(#{eid}-hatch)"/></g>'
            )
        if past is None:
            for line in (ours, reference):
                if line[-1]:
                    line.append([])
        else:
            cy = yy(past.risk)
            tip = (
                f"{year}, backtest: {past.risk * 100:.1f}%, rank {past.rank} of {past.of}"
                + ("" if past.ewp is None else f"; EWP published {past.ewp * 100:.1f}%")
                + ("; a mass killing began" if past.onset else "")
            )
            add(
                f'<g class="backtest-year" data-year="{year}" data-risk="{past.risk:.4f}" '
                f'data-rank="{past.rank}" data-onset="{past.onset}"><title>{escape(tip)}</title>'
                f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="2.5" fill="{RISK_COLOUR}" '
                'fill-opacity="0.6"/>'
            )
            if past.onset:
                add(
                    f'<path d="M{_f(cx)},{_f(base - 12)} l-6,10 h12 z" fill="{ONSET_COLOUR}"/>'
                    f'<text x="{_f(cx)}" y="{_f(base - 16)}" text-anchor="middle" '
                    'font-size="11">onset</text>'
                )
            add("</g>")
            ours[-1].append((cx, cy))
            if past.ewp is None:
                if reference[-1]:
                    reference.append([])
            else:
                reference[-1].append((cx, yy(past.ewp)))
        if found is None:
            if runs[-1]:
                runs.append([])
        else:
            cy = yy(found.risk)
            tip = f"{year}: {found.risk * 100:.1f}%, rank {found.rank} of {found.of}" + (
                "" if found.onset is None else f"; onset {'observed' if found.onset else 'none'}"
            )
            add(
                f'<g class="year" data-year="{year}" data-risk="{found.risk:.4f}" '
                f'data-rank="{found.rank}"><title>{escape(tip)}</title>'
                f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="4" fill="{RISK_COLOUR}"/>'
                f'<text x="{_f(cx)}" y="{_f(cy - 9)}" text-anchor="middle" font-size="11">'
                f"#{found.rank}</text></g>"
            )
            runs[-1].append((cx, cy))
        if (year % every == 0) if every > 1 else True:
            add(
                f'<text x="{_f(cx)}" y="{top_pad + plot_h + 18}" text-anchor="middle">{year}</text>'
            )
    for line, style in (
        (ours, f'stroke="{RISK_COLOUR}" stroke-width="1.5" stroke-opacity="0.6"'),
        (reference, f'stroke="{REFERENCE_COLOUR}" stroke-width="1.5" stroke-dasharray="5 4"'),
        (runs, f'stroke="{RISK_COLOUR}" stroke-width="2"'),
    ):
        for run in line:
            if len(run) > 1:
                points = " ".join(f"{_f(px)},{_f(py)}" for px, py in run)
                add(f'<polyline points="{points}" fill="none" {style}/>')
    keys = []
    if backtest:
        keys.append("thin line: the backtest (each year fitted only on earlier years)")
        if any(y.ewp is not None for y in backtest):
            keys.append("dashed: EWP's published forecast")
        if onsets:
            keys.append("triangle: an onset")
    if years:
        keys.append("dots with #n: stored forecasts and the country's rank")
    if missing:
        keys.append("hatched: no forecast")
    lines: list[str] = []
    for k in keys:  # about 100 characters fit across the chart at this size
        if lines and len(lines[-1]) + len(k) < 100:
            lines[-1] += "; " + k
        else:
            lines.append(k)
    for i, words in enumerate(lines):
        y_key = height - 12 - 16 * (len(lines) - 1 - i)
        add(f'<text x="{left}" y="{y_key}">{escape(words[0].upper() + words[1:])}</text>')
    add(
        f'<defs><pattern id="{eid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ccc" '
        'stroke-width="2"/></pattern></defs></svg>'
    )
    return "".join(out)
