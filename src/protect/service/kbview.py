"""The knowledge base for people: each entry as prose (dates written out, conditions as
sentences, citations as links to their instruments, the entries that cite an instrument), and a
full-text search over every entry.

The search is a small inverted index built once per process from the loaded YAML: the whole
knowledge base is a few hundred entries, so an index in memory answers in well under a
millisecond and needs neither a database file nor a new dependency (SQLite FTS5 would add a
store to keep in step with the YAML for no gain at this size).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import BaseModel, Field

from protect.knowledge.words import HARM, crime_name, statuses
from protect.service.errors import InvalidInputError, NotFoundError
from protect.service.knowledge import KINDS

KIND_TITLES = {
    "instruments": "Instruments",
    "measures": "Measures",
    "tensions": "Tensions",
    "crimes": "Crimes",
    "pillars": "Pillars of the responsibility to protect",
    "perspectives": "Perspectives on the protection of civilians",
    "tiers": "Tiers of protection of civilians in peace operations",
    "actors": "Actors",
}
KIND_SINGULAR = {
    "instruments": "instrument",
    "measures": "measure",
    "tensions": "tension",
    "crimes": "crime",
    "pillars": "pillar",
    "perspectives": "perspective",
    "tiers": "tier",
    "actors": "actor",
}
URL = re.compile(r"https?://[^\s;]+")


def _urls(text: str) -> list[str]:
    """The web addresses in a source text, without the punctuation around them: a closing
    parenthesis stays when the address opened it (`.../A/RES/96(I)`)."""
    out = []
    for url in URL.findall(text):
        while url[-1] in ".,:" or (url[-1] == ")" and url.count(")") > url.count("(")):
            url = url[:-1]
        out.append(url)
    return list(dict.fromkeys(out))


class KbLink(BaseModel):
    title: str
    href: str


class KbCitation(BaseModel):
    instrument: str
    title: str = Field(description="the instrument's short name")
    pinpoint: str
    note: str | None = Field(description="when the citation binds, in words")
    href: str


class KbFact(BaseModel):
    label: str
    text: str
    href: str | None = None
    date: str | None = Field(default=None, description="the date the text gives, ISO 8601")


class KbExample(BaseModel):
    text: str
    date: str
    source: str


class KbRelated(BaseModel):
    heading: str
    links: list[KbLink]


class KbEntryView(BaseModel):
    """One knowledge-base entry as a page shows it: everything in words."""

    kind: str
    kind_title: str
    id: str
    title: str
    subtitle: str | None
    paragraphs: list[str]
    facts: list[KbFact]
    condition: str | None = Field(description="when a measure is available, as written")
    condition_detail: str | None = Field(description="the same rule, spelled out from the data")
    actor_conditions: list[str]
    citations_heading: str
    citations: list[KbCitation]
    examples: list[KbExample]
    related: list[KbRelated]


class KbHit(BaseModel):
    kind: str
    id: str
    title: str
    href: str
    score: float
    snippet: list[tuple[str, bool]] = Field(
        description="the best-matching passage in pieces; true marks a matching word"
    )


class KbSearch(BaseModel):
    query: str
    terms: list[str]
    total: int
    results: list[KbHit]


# ---- words -------------------------------------------------------------------------------------


def date_words(value: dt.date | str) -> str:
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return f"{day.day} {day:%B %Y}"


def _words(key: str) -> str:
    return key.replace("_", " ").replace("-", " ")


def _or(items: list[str], conj: str = "or") -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {conj} " + items[-1]


_STATE_ROLES = {
    "protecting": "protecting its population",
    "unable": "unable to protect its population",
    "unwilling": "unwilling to protect its population",
    "perpetrator": "itself a perpetrator",
}
_CONFLICTS = {
    "none": "there is no armed conflict",
    "international": "an international armed conflict",
    "non-international": "a non-international armed conflict",
    "occupation": "an occupation",
}
_STAGES = {"post-conflict": "post-conflict"}
_REACH = {
    "any": "on any basis",
    "council": "through a referral by the Security Council",
    "state": "through a referral by a state party",
}
# Yes/no conditions: (when true, when false).
_FLAGS = {
    "post_conflict": ("the situation is post-conflict", "the situation is not post-conflict"),
    "icc_state_party": (
        "the state is a party to the Rome Statute",
        "the state is not a party to the Rome Statute",
    ),
    "peacekeeping_present": ("peacekeepers are present", "no peacekeepers are present"),
    "poc_mandate": (
        "the peace operation has a mandate to protect civilians",
        "the peace operation has no mandate to protect civilians",
    ),
    "security_council_seized": (
        "the Security Council is seized of the situation",
        "the Security Council is not seized of the situation",
    ),
    "manifest_failure": (
        "the state is manifestly failing to protect its population",
        "the state is not manifestly failing to protect its population",
    ),
    "response_threshold_met": (
        "the threshold for a collective response under the responsibility to protect is met",
        "the threshold for a collective response under the responsibility to protect is not met",
    ),
    "poc_route": (
        "there is an armed conflict in which the Security Council may act to protect civilians",
        "there is no armed conflict in which the Security Council may act to protect civilians",
    ),
    "security_council_veto_blocked": (
        "a veto has blocked a draft resolution on the situation",
        "no veto has blocked a draft resolution on the situation",
    ),
}


def _instrument_title(instrument_id: str) -> str:
    from protect.knowledge import kb

    found = kb().instruments.get(instrument_id)
    return found.short if found else instrument_id


def condition_words(cond: Any) -> str:
    """A measure's condition (`knowledge.schema.Condition`) as a clause of plain English."""
    key, value = cond.key, cond.value
    if key == "always":
        return "always"  # worded whole by `condition_sentence`
    if key in _FLAGS:
        return _FLAGS[key][0 if value else 1]
    if key == "stage":
        return "the situation is at the stage of " + _or([_STAGES.get(s, _words(s)) for s in value])
    if key == "any_crime":
        return "some atrocity crime is " + _or(statuses(value))
    if key == "armed_conflict":
        return "the situation is " + _or([_CONFLICTS.get(c, _words(c)) for c in value])
    if key == "state_role":
        return "the state is " + _or([_STATE_ROLES.get(r, _words(r)) for r in value])
    if key == "civilian_harm":
        return "harm to civilians is reported: " + _or([HARM.get(h, _words(h)) for h in value])
    if key == "crime":
        name, plural = crime_name(value.id)
        return f"{name} {'are' if plural else 'is'} " + _or(statuses(value.status))
    if key == "party_to":
        text = f"the state is a party to the {_instrument_title(value.instrument)} at the date"
        if value.without_reservation:
            article = value.without_reservation
            if not article.lower().startswith("art"):
                article = f"article {article}"
            text += f", without a reservation to {article} in effect"
        return text
    if key == "icc_reach":
        return (
            "some crime falls within the International Criminal Court's reach "
            f"{_REACH.get(value, _words(value))}, and within its time limits"
        )
    if key in ("any", "all"):
        parts = [condition_words(c) for c in value]
        if len(parts) == 1:
            return parts[0]
        joined = "; ".join(parts[:-1]) + ("; or " if key == "any" else "; and ") + parts[-1]
        return ("one of these holds: " if key == "any" else "all of these hold: ") + joined
    return _words(key)  # pragma: no cover - every key of the schema is worded above


def condition_sentence(cond: Any) -> str:
    """A measure's whole condition as one sentence."""
    if cond.key == "always":
        return "Always available: no condition of the situation."
    return "Available when " + condition_words(cond) + "."


def _citation(ref: Any) -> KbCitation:
    notes = []
    if ref.conflict:
        notes.append("only in " + _or([_CONFLICTS.get(c, _words(c)) for c in ref.conflict]))
    if ref.party:
        notes.append(f"only where the state is a party to the {_instrument_title(ref.party)}")
    if ref.member:
        notes.append(f"only where the state is a member of {_words(ref.member).upper()}")
    if ref.otherwise:
        notes.append(f"otherwise: {ref.otherwise}")
    return KbCitation(
        instrument=ref.instrument,
        title=_instrument_title(ref.instrument),
        pinpoint=ref.pinpoint,
        note="; ".join(notes) or None,
        href=f"/kb/instruments/{ref.instrument}",
    )


# ---- entries -----------------------------------------------------------------------------------


def _table(kind: str) -> dict[str, Any]:
    from protect.knowledge import kb

    if kind not in KINDS:
        raise NotFoundError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
    return {str(k): v for k, v in getattr(kb(), kind).items()}


def _key(entry: Any) -> str:
    return str(getattr(entry, "id", None) or getattr(entry, "number", ""))


def _title(kind: str, entry: Any) -> str:
    if kind in ("pillars", "tiers"):
        return f"{KIND_SINGULAR[kind].capitalize()} {entry.number}: {entry.title}"
    return str(entry.title)


def _actor_link(actor_id: str) -> KbLink:
    from protect.knowledge import kb

    found = kb().actors.get(actor_id)
    return KbLink(title=found.title if found else _words(actor_id), href=f"/kb/actors/{actor_id}")


@cache
def _cited_by() -> dict[str, list[tuple[str, str, str]]]:
    """instrument id -> (kind, id, title) of every entry citing it."""
    out: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for kind in KINDS:
        for key, entry in _table(kind).items():
            refs = [
                *getattr(entry, "citations", []),
                *getattr(entry, "legal_basis", []),
            ]
            for extra in ("available_from", "precedent"):
                if getattr(entry, extra, None) is not None:
                    refs.append(getattr(entry, extra))
            for instrument in dict.fromkeys(r.instrument for r in refs):
                out[instrument].append((kind, key, _title(kind, entry)))
    return dict(out)


def describe(kind: str, entry_id: str) -> KbEntryView:
    """The entry `entry_id` of `kind` in words; NotFoundError names an unknown kind or id."""
    table = _table(kind)
    if entry_id not in table:
        raise NotFoundError(f"no {KIND_SINGULAR.get(kind, kind)} with id {entry_id!r}")
    e = table[entry_id]
    view = KbEntryView(
        kind=kind,
        kind_title=KIND_TITLES[kind],
        id=entry_id,
        title=_title(kind, e),
        subtitle=None,
        paragraphs=[],
        facts=[],
        condition=None,
        condition_detail=None,
        actor_conditions=[],
        citations_heading="Sources",
        citations=[_citation(r) for r in getattr(e, "citations", [])],
        examples=[],
        related=[],
    )
    facts = view.facts
    if kind == "instruments":
        view.subtitle = f"{e.short}, a {e.kind}"
        facts.append(
            KbFact(label="Adopted", text=date_words(e.adopted), date=e.adopted.isoformat())
        )
        if e.in_force:
            facts.append(
                KbFact(label="In force", text=date_words(e.in_force), date=e.in_force.isoformat())
            )
        else:
            facts.append(
                KbFact(label="In force", text="Not a treaty: it has effect from its adoption")
            )
        if e.symbol:
            facts.append(KbFact(label="Document symbol", text=e.symbol))
        facts.append(KbFact(label="Dates checked against", text=e.source))
        urls = _urls(e.source)
        if urls:  # the addresses the knowledge base records for the text and its dates
            view.related.append(
                KbRelated(
                    heading="Read the text",
                    links=[KbLink(title=u, href=u) for u in urls],
                )
            )
        facts.append(
            KbFact(
                label="Confidence",
                text="The dates are confirmed"
                if e.confidence == "confirmed"
                else "The dates rest on one source only and are not yet confirmed",
            )
        )
        citing = _cited_by().get(entry_id, [])
        if citing:
            view.related.append(
                KbRelated(
                    heading="Cited by",
                    links=[KbLink(title=t, href=f"/kb/{k}/{i}") for k, i, t in citing],
                )
            )
    elif kind == "measures":
        view.paragraphs.append(e.summary)
        facts.append(
            KbFact(
                label="Norm",
                text={
                    "r2p": "The responsibility to protect",
                    "poc": "The protection of civilians",
                    "both": "The responsibility to protect and the protection of civilians",
                }[e.norm],
            )
        )
        facts.append(
            KbFact(
                label="Phase",
                text={"prevent": "Prevention", "respond": "Response", "rebuild": "Rebuilding"}[
                    e.phase
                ],
            )
        )
        if e.available_from is not None:
            from protect.knowledge import kb

            inst = kb().instruments[e.available_from.instrument]
            facts.append(
                KbFact(
                    label="Available from",
                    text=f"{date_words(inst.effective)}, when the {inst.short} "
                    f"({e.available_from.pinpoint}) took effect",
                    href=f"/kb/instruments/{inst.id}",
                )
            )
        if e.requires_body:
            facts.append(
                KbFact(
                    label="Needs",
                    text=f"The present {_actor_link(e.requires_body).title} itself, "
                    "not a body that preceded it",
                )
            )
        if e.precedent is not None:
            c = _citation(e.precedent)
            facts.append(
                KbFact(
                    label="A first use (for context, never a condition)",
                    text=f"{c.title}, {c.pinpoint}",
                    href=c.href,
                )
            )
        view.condition = e.condition_text
        view.condition_detail = condition_sentence(e.condition)
        view.actor_conditions = [
            f"{_actor_link(actor).title}: only when, in addition, {condition_words(cond)}."
            for actor, cond in e.actor_conditions.items()
        ]
        view.citations_heading = "Legal basis"
        view.citations = [_citation(r) for r in e.legal_basis]
        view.examples = [
            KbExample(text=x.text, date=date_words(x.date), source=x.source) for x in e.examples
        ]
        view.related.append(
            KbRelated(heading="Who takes it", links=[_actor_link(a) for a in e.actors])
        )
    elif kind == "crimes":
        view.paragraphs.append(e.summary)
        facts.append(
            KbFact(
                label="Armed conflict",
                text="Needed: the crime exists only in an armed conflict"
                if e.armed_conflict_required
                else "Not needed: the crime can be committed in peace as in war",
            )
        )
    elif kind == "pillars":
        view.paragraphs.append(e.summary)
        view.related.append(
            KbRelated(heading="Whose responsibility", links=[_actor_link(a) for a in e.actors])
        )
    elif kind == "perspectives":
        view.paragraphs.append(e.summary)
        facts.append(KbFact(label="Needs consent", text=e.needs_consent))
        facts.append(KbFact(label="Coercion", text=e.coercion))
        view.related.append(
            KbRelated(heading="Whose perspective", links=[_actor_link(a) for a in e.actors])
        )
    elif kind == "tiers":
        view.subtitle = f"Later called: {e.later_title}"
        view.paragraphs.append(e.summary)
    elif kind == "tensions":
        view.paragraphs.append(e.explanation)
    elif kind == "actors":
        view.paragraphs.append(e.summary)
        takes = [
            KbLink(title=m.title, href=f"/kb/measures/{m.id}")
            for m in _table("measures").values()
            if entry_id in m.actors
        ]
        if takes:
            view.related.append(KbRelated(heading="Measures this actor takes", links=takes))
    return view


# ---- search ------------------------------------------------------------------------------------

_WORD = re.compile(r"[0-9a-zà-öø-ÿ]+(?:['’][a-z]+)?", re.IGNORECASE)
MAX_QUERY = 200
MAX_RESULTS = 50


def _tokens(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


class _Doc:
    def __init__(
        self, kind: str, key: str, title: str, passages: list[str], also: str = ""
    ) -> None:
        self.kind, self.key, self.title, self.passages = kind, key, title, passages
        self.title_terms = Counter(_tokens(f"{title} {also}"))  # `also`: a short name
        self.terms = Counter(t for p in passages for t in _tokens(p))
        self.length = sum(self.terms.values()) or 1


@cache
def _index() -> tuple[list[_Doc], dict[str, int]]:
    """Every entry as its title and passages (its text fields and its citations in words),
    and each word's document frequency; built once per process."""
    docs: list[_Doc] = []
    for kind in KINDS:
        for key in _table(kind):
            view = describe(kind, key)
            passages = [
                view.title,
                *(view.subtitle or "").split("\n"),
                *view.paragraphs,
                *(f"{f.label}: {f.text}" for f in view.facts),
                *(x for x in (view.condition, view.condition_detail) if x),
                *view.actor_conditions,
                *(
                    f"{c.title}, {c.pinpoint}" + (f" ({c.note})" if c.note else "")
                    for c in view.citations
                ),
                *(f"{x.text} ({x.date}; {x.source})" for x in view.examples),
            ]
            short = getattr(_table(kind)[key], "short", "")
            docs.append(_Doc(kind, key, view.title, [p for p in passages if p], short))
    df: Counter[str] = Counter()
    for d in docs:
        df.update(set(d.terms) | set(d.title_terms))
    return docs, dict(df)


def _matches(term: str, word: str) -> bool:
    return word == term or (len(term) >= 3 and word.startswith(term))


def _snippet(doc: _Doc, terms: list[str], width: int = 160) -> list[tuple[str, bool]]:
    """The passage with the most matching words, cut to about `width` characters around the
    first match, in pieces marking the matching words."""

    def hits(p: str) -> int:
        return sum(any(_matches(t, w) for t in terms) for w in _tokens(p))

    best = max(doc.passages[1:] or doc.passages, key=hits)
    if hits(best) == 0:
        best = doc.passages[1] if len(doc.passages) > 1 else doc.passages[0]
    spans = [m for m in _WORD.finditer(best) if any(_matches(t, m.group().lower()) for t in terms)]
    start = max(0, spans[0].start() - width // 3) if spans else 0
    end = min(len(best), start + width)
    if start:
        start = best.find(" ", start) + 1 or start
    pieces: list[tuple[str, bool]] = [("…", False)] if start else []
    pos = start
    for m in spans:
        if m.start() < start or m.end() > end:
            continue
        if m.start() > pos:
            pieces.append((best[pos : m.start()], False))
        pieces.append((m.group(), True))
        pos = m.end()
    pieces.append((best[pos:end], False))
    if end < len(best):
        pieces.append(("…", False))
    return [p for p in pieces if p[0]]


def search(query: str, limit: int = 20) -> KbSearch:
    """Entries matching every word of `query` (a word of three letters or more also matches
    longer words it begins), ranked by tf-idf with title words counting three times, and
    entries whose title holds every word first."""
    text = query.strip()
    if len(text) > MAX_QUERY:
        raise InvalidInputError(f"q: at most {MAX_QUERY} characters, got {len(text)}")
    terms = list(dict.fromkeys(_tokens(text)))
    if not terms:
        return KbSearch(query=text, terms=[], total=0, results=[])
    docs, df = _index()
    n = len(docs)
    vocabulary = list(df)
    expanded = {t: [w for w in vocabulary if _matches(t, w)] for t in terms}
    scored: list[tuple[float, _Doc]] = []
    for d in docs:
        score = 0.0
        for t in terms:
            found = 0.0
            for w in expanded[t]:
                tf = d.terms.get(w, 0) + 3 * d.title_terms.get(w, 0)
                if tf:
                    found += (1 + math.log(tf)) * math.log(1 + n / df[w])
            if found == 0:
                break
            score += found
        else:
            # An entry whose title holds every word is what was asked for: it comes first.
            in_title = all(any(d.title_terms.get(w) for w in expanded[t]) for t in terms)
            scored.append((score / (1 + math.log(d.length)) * (3 if in_title else 1), d))
    scored.sort(key=lambda s: (-s[0], s[1].title))
    limit = max(1, min(limit, MAX_RESULTS))
    return KbSearch(
        query=text,
        terms=terms,
        total=len(scored),
        results=[
            KbHit(
                kind=d.kind,
                id=d.key,
                title=d.title,
                href=f"/kb/{d.kind}/{d.key}",
                score=round(s, 4),
                snippet=_snippet(d, terms),
            )
            for s, d in scored[:limit]
        ],
    )
