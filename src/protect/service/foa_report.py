"""A Framework assessment as a reader takes it away: Markdown, a standalone HTML page, a PDF
(WeasyPrint), and the ratings chart they and the web pages share (SVG drawn here, so the PDF and
the page show the same picture without JavaScript)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from protect.knowledge.foa import RATINGS, framework
from protect.service.foa import FoaRecord

# An ordered ramp for the four degrees, grey for `unknown`; every cell also carries its word,
# so the colour is never the only cue.
RATING_COLOURS = {
    "not-present": "#edf8e9",
    "low": "#fee391",
    "moderate": "#fe9929",
    "high": "#b2182b",
    "unknown": "#bdbdbd",
}
SHORT = {"not-present": "none", "low": "low", "moderate": "mod.", "high": "high", "unknown": "?"}
TEMPLATE = Path(__file__).parent / "templates" / "foa_report.html"


@dataclass(frozen=True)
class RatingColumn:
    """One assessment in the chart: its label, the analyst's ratings and pending suggestions."""

    label: str
    ratings: dict[int, str | None]
    suggested: dict[int, str]


def column(record: FoaRecord, label: str | None = None) -> RatingColumn:
    return RatingColumn(
        label=label or f"{record.date} v{record.version}",
        ratings={f.factor: f.rating for f in record.factors},
        suggested={
            f.factor: f.suggestion.rating for f in record.factors if f.pending and f.suggestion
        },
    )


def ratings_svg(
    columns: Sequence[RatingColumn], *, title: str, element_id: str = "foa-chart"
) -> str:
    """A grid: one row per risk factor, one column per assessment, each cell the rating's colour
    and word; a pending suggestion is drawn hatched with its word in brackets. All text escaped."""
    fw = framework()
    eid = escape(element_id, quote=True)
    left, top, cell_w, cell_h = 350, 56, 92, 24
    # Wide enough for the legend's one line even with a single column.
    width = max(left + cell_w * max(1, len(columns)) + 16, 780)
    height = top + cell_h * 14 + 70
    counts: dict[str, int] = {}
    for col in columns[-1:]:
        for r in col.ratings.values():
            counts[r or "not rated"] = counts.get(r or "not rated", 0) + 1
    desc = (
        f"Ratings of the 14 risk factors of the Framework of Analysis in {len(columns)} "
        f"assessment{'s' if len(columns) != 1 else ''}"
        + (
            f"; latest ({columns[-1].label}): "
            + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            if columns
            else ""
        )
        + "."
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{eid}-title {eid}-desc" class="chart foa-chart" '
        f'style="width:100%;max-width:{width}px;height:auto;font-family:sans-serif;font-size:12px">',
        f'<title id="{eid}-title">{escape(title)}</title>',
        f'<desc id="{eid}-desc">{escape(desc)}</desc>',
        f'<defs><pattern id="{eid}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#999" '
        'stroke-width="2"/></pattern></defs>',
    ]
    for j, col in enumerate(columns):
        x = left + j * cell_w + cell_w / 2
        out.append(f'<text x="{x}" y="{top - 10}" text-anchor="middle">{escape(col.label)}</text>')
    for i, factor in enumerate(fw.factors):
        y = top + i * cell_h
        name = factor.title if len(factor.title) <= 44 else factor.title[:42].rstrip() + "…"
        out.append(
            f'<text x="{left - 8}" y="{y + cell_h * 0.68}" text-anchor="end">'
            f"{factor.number}. {escape(name)}</text>"
        )
        for j, col in enumerate(columns):
            x = left + j * cell_w
            rating = col.ratings.get(factor.number)
            suggested = col.suggested.get(factor.number)
            shown = rating or suggested
            fill = RATING_COLOURS.get(shown or "", "#ffffff")
            word = SHORT.get(shown or "", "—") if shown else "—"
            if rating is None and suggested:
                word = f"({word})"
            tip = f"factor {factor.number}, {col.label}: " + (
                rating
                or (
                    f"suggested {suggested}, machine-made, not accepted"
                    if suggested
                    else "not rated"
                )
            )
            state = "rated" if rating else ("suggested" if suggested else "unrated")
            out.append(
                f'<g class="cell {state}" data-factor="{factor.number}" '
                f'data-rating="{escape(rating or "", quote=True)}" '
                f'data-suggested="{escape(suggested or "", quote=True)}">'
                f"<title>{escape(tip)}</title>"
                f'<rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="{cell_h - 4}" '
                f'fill="{fill}" stroke="#888" stroke-width="0.5"/>'
                + (
                    f'<rect x="{x + 2}" y="{y + 2}" width="{cell_w - 4}" height="{cell_h - 4}" '
                    f'fill="url(#{eid}-hatch)" opacity="0.6"/>'
                    if rating is None and suggested
                    else ""
                )
                + f'<text x="{x + cell_w / 2}" y="{y + cell_h * 0.68}" text-anchor="middle" '
                f'fill="{"#ffffff" if shown == "high" else "#1b1b1b"}">{escape(word)}</text></g>'
            )
    lx, ly = 16, top + cell_h * 14 + 30
    out.append('<g class="legend">')
    for rating in RATINGS:
        out.append(
            f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="{RATING_COLOURS[rating]}" '
            'stroke="#888" stroke-width="0.5"/>'
            f'<text x="{lx + 16}" y="{ly}">{escape(rating)}</text>'
        )
        lx += 28 + 7 * len(rating)
    out.append(
        f'<rect x="{lx}" y="{ly - 10}" width="12" height="12" fill="url(#{eid}-hatch)"/>'
        f'<text x="{lx + 16}" y="{ly}">(suggested, machine-made, not accepted)</text>'
    )
    out.append("</g></svg>")
    return "".join(out)


def _md(text: Any) -> str:
    """One line of Markdown text: no line breaks, table pipes escaped."""
    return " ".join(str(text).split()).replace("|", "\\|")


def to_markdown(record: FoaRecord) -> str:
    fw = framework()
    c = record.conclusion
    lines = [
        f"# Atrocity-risk assessment: {record.country}, {record.date}",
        "",
        f"Framework of Analysis for Atrocity Crimes (2014), `{record.framework['instrument']}`. "
        f"Assessment {record.id}, version {record.version}, **{record.status}**; "
        f"created by {record.created_by}, last changed by {record.updated_by} "
        f"({record.updated_at:%Y-%m-%d %H:%M} UTC).",
        "",
        "## Conclusion",
        "",
        f"**Category: {c.category or 'none of the R2P Monitor categories'}**"
        + (f" (proposed by the rules: {c.proposed or 'none'})" if c.override else ""),
        "",
        *[f"- {_md(r)}" for r in c.reasons],
        "",
        _md(c.measures_note),
        "",
    ]
    for group in c.measures:
        lines.append(f"- **{group.actor}**")
        for m in group.measures:
            state = "available" if m.available else "not available"
            lines.append(
                f"  - {_md(m.title)} (`{m.id}`, factors {', '.join(map(str, m.factors))}): "
                f"{state}: {_md(m.reason)}"
            )
    lines += ["", "## Ratings", "", "| factor | rating | by |", "|---|---|---|"]
    for f in record.factors:
        if f.rating:
            rating = f.rating + (
                " (accepted suggestion)" if f.origin == "accepted-suggestion" else ""
            )
        elif f.suggestion:
            rating = f"suggested {f.suggestion.rating} (machine-made, not accepted)"
        else:
            rating = "not rated"
        lines.append(f"| {f.factor}. {_md(f.title)} | {rating} | {f.rated_by or ''} |")
    for f in record.factors:
        factor = fw.factor(f.factor)
        lines += [
            "",
            f"## Risk factor {f.factor}: {factor.title}",
            "",
            f"_{_md(factor.summary)}_ ({factor.citation.pinpoint})",
            "",
            f"Rating: **{f.rating or 'not rated'}**" + (f" by {f.rated_by}" if f.rated_by else ""),
        ]
        if f.reasoning:
            lines += ["", _md(f.reasoning)]
        for e in f.evidence:
            link = f" <{e.link}>" if e.link else ""
            lines.append(f"- {_md(e.what)} ({_md(e.source)}, {e.date}){link}")
        if f.suggestion is not None:
            s = f.suggestion
            lines += [
                "",
                f"Machine-made suggestion: {s.rating} (data of {s.as_of}; rules "
                f"{', '.join(s.rules)}){', not accepted' if f.pending else ''}.",
            ]
            lines += [f"- {_md(e.what)} ({_md(e.source)}, {e.date})" for e in s.evidence]
    if record.comments:
        lines += ["", "## Comments", ""]
        lines += [f"- {c_.at[:16]} {c_.by} ({c_.action}): {_md(c_.text)}" for c_ in record.comments]
    if record.prefill_notes:
        lines += ["", "## Data read for the suggestions", ""]
        lines += [f"- {_md(n)}" for n in record.prefill_notes]
    return "\n".join(lines) + "\n"


def to_html(record: FoaRecord) -> str:
    """A standalone page (no script, nothing loaded from elsewhere): the PDF's source."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE.parent)),
        autoescape=select_autoescape(["html"]),
    )
    from markupsafe import Markup

    chart = ratings_svg(
        [column(record)], title=f"{record.country} {record.date}: ratings of the 14 risk factors"
    )
    return env.get_template(TEMPLATE.name).render(
        r=record, fw=framework(), chart=Markup(chart), colours=RATING_COLOURS
    )


def to_pdf(record: FoaRecord) -> bytes:
    """The assessment as a PDF (WeasyPrint; Debian's pango must be installed)."""
    from weasyprint import HTML

    pdf = HTML(string=to_html(record)).write_pdf()
    assert pdf is not None
    return bytes(pdf)
