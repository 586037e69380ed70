"""Human-readable renderings of an assessment (plain text and Markdown) from the same walk."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from protect.engine.model import Assessment
from protect.knowledge import kb
from protect.knowledge.countries import country, is_known
from protect.knowledge.schema import Citation
from protect.knowledge.words import HARM


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
    how = (
        "as a state party"
        if p["basis"] == "party"
        else f"by an {kb().pinpoint('icc-declaration')} declaration"
    )
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


def _closed_reason(reason: str) -> str:
    """A reason without the actor it names, so that measures closed for one reason group."""
    if reason.startswith("Not available to the "):
        rest = reason.partition(": ")[2]
        return rest[:1].upper() + rest[1:] if rest else reason
    if reason.startswith("Not available: "):
        rest = reason[len("Not available: ") :]
        return rest[:1].upper() + rest[1:]
    return reason


def _tier_words(numbers: list[int]) -> str:
    tiers = kb().tiers
    return "; ".join(f"{n} ({tiers[n].later_title.lower()})" for n in numbers) or "none"


def _where(code: str) -> str:
    """ "Rwanda (RWA)": the name from the country table, the code alone if it has none."""
    return f"{country(code).name} ({code})" if is_known(code) else code


def _actor(actor: str) -> str:
    """The actor's name for a reader ("UN Security Council"), its id where the base has none."""
    found = kb().actors.get(actor)
    return found.title if found else actor


def _measure(measure: str) -> str:
    found = kb().measures.get(measure)
    return found.title if found else measure


def _perspective_words(ids: list[str]) -> str:
    views = kb().perspectives
    return "; ".join(views[p].title for p in ids) or "none"


def _summary(a: Assessment, md: bool, h2: str, bullet: str) -> list[str]:
    s = a.summary
    out = [f"{h2}Summary" if md else "SUMMARY"]
    out.append(f"{bullet}Stage: {s.stage}.")
    out.append(f"{bullet}What binds:")
    out += [f"{'  - ' if md else '      '}{line}" for line in s.binds]
    if s.open_measures:
        out.append(f"{bullet}First measures, in order:")
        for n, m in enumerate(s.open_measures, 1):
            out.append(f"{'  ' if md else '      '}{n}. {m.title} ({_actor(m.actor)}): {m.reason}")
    else:
        out.append(f"{bullet}No measure is open.")
    if s.in_place:
        out.append(f"{bullet}Already in place: {', '.join(map(_measure, s.in_place))}.")
    if s.main_tension:
        t = next(t for t in a.tensions if t.id == s.main_tension)
        out.append(f"{bullet}Main tension: {t.title}.")
    if a.warnings:
        out.append(f"{bullet}Check the input: " + "; ".join(w.message for w in a.warnings) + ".")
    out.append("")
    return out


def _law(a: Assessment, md: bool, h2: str, bullet: str, src: _Sources) -> list[str]:
    d = a.derived
    where = _where(a.situation.country)
    out = [f"{h2}The law that binds {where} on this date" if md else
           f"THE LAW THAT BINDS {where.upper()} ON THIS DATE"]  # fmt: skip
    names = kb().instruments
    for t in d.treaties:
        if t.party:
            since = f"party since {t.since.isoformat()}" if t.since else "party"
            if t.reservations:
                since += f", with a reservation to Art. {', '.join(t.reservations)} in effect"
        else:
            since = "not a party"
        out.append(f"{bullet}{names[t.instrument].short}: {since}.")
    if d.regional:
        joined = ", ".join(f"{m.name} (since {m.since.isoformat()})" for m in d.regional)
        out.append(f"{bullet}Member of: {joined}.")
    else:
        out.append(f"{bullet}Member of no regional organisation in the tables.")
    if d.icc.jurisdiction:
        since = d.icc.period_from.isoformat() if d.icc.period_from else "?"
        out.append(
            f"{bullet}ICC: jurisdiction on the bases {', '.join(d.icc.bases)}, over crimes "
            f"committed from {since} (Rome Statute {kb().pinpoint('icc-temporal')})."
        )
    else:
        out.append(f"{bullet}ICC: no jurisdiction at this date.")
    party = _yes(d.icc_state_party)
    out.append(f"{bullet}ICC state party: {party} (from {d.icc_state_party_source}).")
    out.append(f"{bullet}{_jurisdiction_line(a)}")
    law = a.norms.poc.applicable_law
    if a.norms.poc.ihl_applies:
        out.append(
            f"{bullet}IHL that binds in this {a.norms.poc.conflict_type} armed conflict: "
            + "; ".join(f"{names[c.instrument].short}, {c.pinpoint}" for c in law)
            + f" {src.refs(law)}"
        )
    out.append("")
    return out


def _sections(a: Assessment, md: bool) -> list[str]:
    s = a.situation
    src = _Sources()
    h1, h2, bullet = ("# ", "## ", "- ") if md else ("", "", "  - ")
    title = s.name or f"{s.country} on {s.date.isoformat()}"
    out = [f"{h1}Assessment: {title}", ""]
    out.append(
        f"{_where(s.country)}, as of {s.date.isoformat()}. Stage: **{a.stage}**."
        if md
        else f"{_where(s.country)}, as of {s.date.isoformat()}. Stage: {a.stage}."
    )
    out.append("")
    out += _summary(a, md, h2, bullet)
    out += _law(a, md, h2, bullet, src)

    r2p, poc = a.norms.r2p, a.norms.poc
    out.append(f"{h2}Norms" if md else "NORMS")
    pillars = ", ".join(map(str, r2p.pillars)) or "none"
    out.append(
        f"{bullet}R2P: in force {_yes(r2p.in_force)}; pillars {pillars}; manifest failure "
        f"{_yes(r2p.manifest_failure)}; response threshold met "
        f"{_yes(r2p.response_threshold_met)} {src.refs(r2p.citations)}"
    )
    out.append(
        f"{bullet}POC: IHL applies {_yes(poc.ihl_applies)} ({poc.conflict_type}); "
        f"perspectives {_perspective_words(poc.perspectives)}; tiers of protection "
        f"{_tier_words(poc.tiers)} {src.refs(poc.citations)}"
    )
    if poc.civilian_harm:
        harm = ", ".join(f"{HARM.get(k, k)} ({v})" for k, v in poc.civilian_harm.items())
        out.append(f"{bullet}Harm to civilians below the atrocity threshold: {harm}")
    out.append("")

    if a.crimes:
        out.append(f"{h2}Atrocity crimes" if md else "ATROCITY CRIMES")
        for c in a.crimes:
            nexus = "needs an armed conflict" if c.armed_conflict_required else "in peace or war"
            name = kb().crimes[c.id].title if c.id in kb().crimes else c.id
            out.append(f"{bullet}{name}: {c.status} ({nexus}) {src.refs(c.citations)}")
        out.append("")

    by_actor: dict[str, list[str]] = defaultdict(list)
    closed: dict[str, list[str]] = defaultdict(list)
    for m in a.measures:
        if m.available:
            placed = " (already in place)" if m.in_place else ""
            precedent = (
                f" First used: {kb().instruments[m.precedent.instrument].short}, "
                f"{m.precedent.pinpoint}."
                if m.precedent
                else ""
            )
            by_actor[m.actor].append(
                f"{m.title}{placed} [{m.phase}, {m.norm}]: {m.reason}{precedent} "
                f"{src.refs(m.citations)}"
            )
        else:
            closed[_closed_reason(m.reason)].append(f"{m.title} ({_actor(m.actor)})")
    out.append(f"{h2}Measures available, by actor" if md else "MEASURES AVAILABLE, BY ACTOR")
    for actor in sorted(by_actor):
        out.append(f"### {_actor(actor)}" if md else f"  {_actor(actor)}")
        out += [f"{bullet if md else '    - '}{line}" for line in by_actor[actor]]
    out.append("")
    out.append(
        f"{h2}Measures not available, by reason" if md else "MEASURES NOT AVAILABLE, BY REASON"
    )
    for reason, items in sorted(closed.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        out.append(f"{bullet}{reason}")
        out.append(f"{'  ' if md else '      '}{'; '.join(items)}")
    if not closed:
        out.append(f"{bullet}none")
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
