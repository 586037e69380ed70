"""A country briefing for a month, as a PDF an analyst can hand on: the map inset, the monthly
chart, the assessment's summary, the measures open to each actor, the tensions and the numbered
sources. `protect brief` and the country page's download both call `briefing_pdf`."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from markupsafe import Markup

from protect.service.country import CountryView, actor_titles, country_chart, country_view
from protect.service.errors import NotFoundError
from protect.service.foa import FoaRecord
from protect.service.roles import Principal
from protect.service.worldmap import legend, month_map, world_svg
from protect.storage import Database

TEMPLATE = Path(__file__).parent / "templates" / "briefing.html"


def _numbered(doc: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Available measures grouped by actor and the tensions, each with the numbers of its
    sources, and the source list: numbered as the CLI's report numbers them."""
    from protect.engine.model import Assessment
    from protect.engine.report import _Sources

    a = Assessment.model_validate(doc)
    src = _Sources()
    actors = actor_titles()
    by_actor: dict[str, list[dict[str, str]]] = defaultdict(list)
    for m in a.measures:
        if m.available:
            by_actor[actors.get(m.actor, m.actor)].append(
                {"title": m.title, "reason": m.reason, "refs": src.refs(m.citations)}
            )
    tensions = [
        {"title": t.title, "explanation": t.explanation, "refs": src.refs(t.citations)}
        for t in a.tensions
    ]
    return {"measures": dict(by_actor), "tensions": tensions}, src.lines()


def briefing_html(
    iso3: str,
    month: str | None = None,
    *,
    db_path: Path | None = None,
    foa: FoaRecord | None = None,
) -> str:
    """The briefing as a standalone HTML page (no script, nothing loaded from elsewhere)."""
    return _render(iso3, month, db_path, foa)[0]


def latest_foa(db: Database, principal: Principal | None, iso3: str) -> FoaRecord | None:
    """The latest approved Framework of Analysis assessment the reader may see, if any."""
    if principal is None:
        return None
    from protect.service.foa import latest_approved

    return latest_approved(db, principal, iso3)


def _render(
    iso3: str, month: str | None, db_path: Path | None, foa: FoaRecord | None = None
) -> tuple[str, CountryView]:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from protect.monitor import api
    from protect.service.knowledge import titles

    view: CountryView = country_view(iso3, month, db_path=db_path)
    if not view.has_data or view.month is None:
        raise NotFoundError(
            f"no data for {view.country}: ingest events covering it "
            "(e.g. `protect ingest ucdp --sample`)"
        )
    doc = api.situation(view.country, view.month, db_path=db_path).assessment
    parts, sources = _numbered(doc)
    world = month_map(view.month, db_path=db_path)
    inset = world_svg(
        {c.country: c for c in world.countries},
        title=f"{view.name} and its neighbours: alert levels, {view.month}",
        element_id="inset",
        focus=view.country,
        links=False,
    )
    chart = country_chart(view, "chart")
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE.parent)), autoescape=select_autoescape(["html"])
    )
    html = env.get_template(TEMPLATE.name).render(
        v=view,
        doc=doc,
        inset=Markup(inset),  # both drawn from escaped text
        chart=Markup(chart),
        legend=legend(),
        actors=actor_titles(),
        tension_titles=titles("tensions"),
        measures=parts["measures"],
        tensions=parts["tensions"],
        sources=sources,
        foa=foa,
    )
    return html, view


def briefing_pdf(
    iso3: str,
    month: str | None = None,
    *,
    db_path: Path | None = None,
    foa: FoaRecord | None = None,
) -> tuple[bytes, str]:
    """The briefing as PDF bytes (WeasyPrint; Debian's pango must be installed), and a file
    name for it; with the latest approved Framework of Analysis assessment when given."""
    from weasyprint import HTML

    html, view = _render(iso3, month, db_path, foa)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf), f"briefing-{view.country}-{view.month}.pdf"
