"""Human-readable renderings of an assessment (plain text and Markdown) from the same walk."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from protect.engine.model import Assessment
from protect.knowledge.schema import Citation


class _Sources:
    """Numbers each distinct citation once, in order of first use."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str], int] = {}
        self.items: list[Citation] = []

    def refs(self, cites: list[Citation]) -> str:
        nums = []
        for c in cites:
            key = (c.instrument, c.pinpoint)
            if key not in self.index:
                self.items.append(c)
                self.index[key] = len(self.items)
            nums.append(self.index[key])
        return "".join(f"[{n}]" for n in sorted(set(nums)))

    def lines(self) -> list[str]:
        out = []
        for n, c in enumerate(self.items, 1):
            dates = f"adopted {c.adopted.isoformat()}"
            if c.in_force:
                dates += f", in force {c.in_force.isoformat()}"
            out.append(f"[{n}] {c.title}, {c.pinpoint} ({dates})")
        return out


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _period_words(p: dict[str, Any]) -> str:
    how = "as a state party" if p["basis"] == "party" else "by an Art. 12(3) declaration"
    if p.get("lodged"):
        how += f" lodged {p['lodged']}"
    span = f"from {p['from']}" if p.get("from") else "as stated in the input"
    if p.get("to"):
        span = f"{p['from']} to {p['to']}"
    return f"{span}, {how}"


def jurisdiction_words(result: dict[str, Any] | None) -> str:
    """The Court's reach in words, from the result of the `icc_jurisdiction` trace entry
    (decision 006); the text report and the web pages both print it."""
    if result is None:
        return "ICC jurisdiction over the territory: not assessed."
    now, past = result["at_date"], result["for_past_crimes"]
    if now:
        line = "ICC jurisdiction over the territory on this date: yes, " + "; ".join(
            _period_words(p) for p in now
        )
    else:
        line = "ICC jurisdiction over the territory on this date: no"
    earlier = [p for p in past if p not in now]
    if earlier:
        line += "; over crimes committed " + "; ".join(_period_words(p) for p in earlier)
    return line + "."


def _jurisdiction_line(a: Assessment) -> str:
    entry = next((t for t in a.trace if t.rule == "icc_jurisdiction"), None)
    return jurisdiction_words(entry.result if entry is not None else None)


def _sections(a: Assessment, md: bool) -> list[str]:
    s = a.situation
    src = _Sources()
    h1, h2, bullet = ("# ", "## ", "- ") if md else ("", "", "  - ")
    title = s.name or f"{s.country} on {s.date.isoformat()}"
    out = [f"{h1}Assessment: {title}", ""]
    out.append(
        f"Country {s.country}, as of {s.date.isoformat()}. Stage: **{a.stage}**."
        if md
        else f"Country {s.country}, as of {s.date.isoformat()}. Stage: {a.stage}."
    )
    icc = a.derived
    out.append(f"ICC state party: {_yes(icc.icc_state_party)} (from {icc.icc_state_party_source}).")
    out.append(_jurisdiction_line(a))
    out.append("")

    r2p, poc = a.norms.r2p, a.norms.poc
    out.append(f"{h2}Norms" if md else "NORMS")
    pillars = ", ".join(map(str, r2p.pillars)) or "none"
    out.append(
        f"{bullet}R2P: in force {_yes(r2p.in_force)}; pillars {pillars}; manifest failure "
        f"{_yes(r2p.manifest_failure)}; response threshold met "
        f"{_yes(r2p.response_threshold_met)} {src.refs(r2p.citations)}"
    )
    persp = ", ".join(poc.perspectives) or "none"
    tiers = ", ".join(map(str, poc.tiers)) or "none"
    out.append(
        f"{bullet}POC: IHL applies {_yes(poc.ihl_applies)} ({poc.conflict_type}); "
        f"perspectives {persp}; tiers {tiers} {src.refs(poc.citations)}"
    )
    out.append("")

    if a.crimes:
        out.append(f"{h2}Atrocity crimes" if md else "ATROCITY CRIMES")
        for c in a.crimes:
            nexus = "needs an armed conflict" if c.armed_conflict_required else "in peace or war"
            out.append(f"{bullet}{c.id}: {c.status} ({nexus}) {src.refs(c.citations)}")
        out.append("")

    by_actor: dict[str, list[str]] = defaultdict(list)
    closed: list[str] = []
    for m in a.measures:
        if m.available:
            by_actor[m.actor].append(
                f"{m.title} [{m.phase}, {m.norm}]: {m.reason} {src.refs(m.citations)}"
            )
        else:
            closed.append(f"{m.title} ({m.actor}): {m.reason}")
    out.append(f"{h2}Measures available, by actor" if md else "MEASURES AVAILABLE, BY ACTOR")
    for actor in sorted(by_actor):
        out.append(f"### {actor}" if md else f"  {actor}")
        out += [f"{bullet if md else '    - '}{line}" for line in by_actor[actor]]
    out.append("")
    out.append(f"{h2}Measures not available" if md else "MEASURES NOT AVAILABLE")
    out += [f"{bullet}{line}" for line in closed] or [f"{bullet}none"]
    out.append("")

    out.append(f"{h2}Tensions" if md else "TENSIONS")
    out += [f"{bullet}{t.title}: {t.explanation} {src.refs(t.citations)}" for t in a.tensions] or [
        f"{bullet}none"
    ]
    out.append("")
    out.append(f"{h2}Warnings" if md else "WARNINGS")
    out += [
        f"{bullet}{w.code}: {w.message} (fields: {', '.join(w.fields)})" for w in a.warnings
    ] or [f"{bullet}none"]
    out.append("")
    out.append(f"{h2}Sources" if md else "SOURCES")
    out += [f"{bullet if md else '  '}{line}" for line in src.lines()]
    return out


def render_text(a: Assessment) -> str:
    return "\n".join(_sections(a, md=False)) + "\n"


def render_markdown(a: Assessment) -> str:
    return "\n".join(_sections(a, md=True)) + "\n"
