"""The knowledge base's views: the kinds of entry, the entries of one kind, one entry. Open to
anyone, read-only: the same entries the engine cites."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel

from protect.service import kbview, knowledge
from protect.views.base import Table, View

KindPath = Annotated[
    str,
    Path(max_length=32, description="one of: " + ", ".join(knowledge.KINDS)),
]
EntryPath = Annotated[str, Path(max_length=100, description="the entry's id")]


class KindEntries(BaseModel):
    kind: str
    entries: list[dict[str, Any]]


class KindEntry(BaseModel):
    kind: str
    entry: dict[str, Any]


def load_index() -> dict[str, int]:
    """The kinds of knowledge-base entry and how many of each there are."""
    return knowledge.counts()


def load_kind(kind: KindPath) -> KindEntries:
    """Every entry of one kind (instruments, measures, tensions, ...), in the knowledge base's
    order; 404 for an unknown kind."""
    return KindEntries(kind=kind, entries=knowledge.list_entries(kind))


def load_entry(kind: KindPath, entry_id: EntryPath) -> KindEntry:
    """One entry of the knowledge base, with its citations."""
    return KindEntry(kind=kind, entry=knowledge.get_entry(kind, entry_id))


KB_INDEX = View(
    name="kb",
    path="/kb",
    load=load_index,
    response_model=dict[str, int],
    template="kb_index.html",
    context=lambda counts: {"counts": counts, "titles": kbview.KIND_TITLES},
    tables=(Table("kinds", lambda counts: [{"kind": k, "entries": n} for k, n in counts.items()]),),
    errors=(),
    tags=("knowledge",),
)

KB_KIND = View(
    name="kb_kind",
    path="/kb/{kind}",
    load=load_kind,
    response_model=list[dict[str, Any]],
    json=lambda r: r.entries,
    template="kb_kind.html",
    context=lambda r: {
        "kind": r.kind,
        "kind_title": kbview.KIND_TITLES[r.kind],
        "entries": r.entries,
    },
    tables=(Table("entries", lambda r: r.entries),),
    errors=(404,),
    tags=("knowledge",),
)

KB_ENTRY = View(
    name="kb_entry",
    path="/kb/{kind}/{entry_id}",
    load=load_entry,
    response_model=dict[str, Any],
    json=lambda r: r.entry,
    template="kb_entry.html",
    # The page writes the entry out for people (kbview); the twin keeps the YAML's fields.
    context=lambda r: {
        "view": kbview.describe(r.kind, str(r.entry.get("id", r.entry.get("number"))))
    },
    tables=(Table("entry", lambda r: [r.entry]),),
    errors=(404,),
    tags=("knowledge",),
)

VIEWS = (KB_INDEX, KB_KIND, KB_ENTRY)
