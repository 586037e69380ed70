"""Full-text search over the knowledge base: open to anyone, like the entries it finds."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query

from protect.service import kbview
from protect.service.kbview import KbSearch
from protect.views.base import Table, View

QueryText = Annotated[
    str,
    Query(max_length=kbview.MAX_QUERY, description="the words to find; every one must appear"),
]
Limit = Annotated[
    int, Query(ge=1, le=kbview.MAX_RESULTS, description="how many entries at most, best first")
]


def load_search(q: QueryText = "", limit: Limit = 20) -> KbSearch:
    """Knowledge-base entries holding every word of `q` (in their title, text, conditions or
    citations; a word of three letters or more also matches longer words it begins), best
    first, each with its best-matching passage."""
    return kbview.search(q, limit)


def _context(found: KbSearch) -> dict[str, Any]:
    return {
        "found": found,
        "titles": kbview.KIND_SINGULAR,
        "json_url": "/api/v1/kb/search?" + urlencode({"q": found.query}),
    }


KB_SEARCH = View(
    name="kb_search",
    path="/kb/search",
    load=load_search,
    response_model=KbSearch,
    template="kb_search.html",
    context=_context,
    tables=(
        Table(
            "results",
            lambda r: [
                {
                    "rank": i,
                    "kind": h.kind,
                    "id": h.id,
                    "title": h.title,
                    "href": h.href,
                    "score": h.score,
                    "snippet": "".join(text for text, _match in h.snippet),
                }
                for i, h in enumerate(r.results, start=1)
            ],
            "the entries found",
        ),
    ),
    errors=(),
    tags=("knowledge",),
)

VIEWS = (KB_SEARCH,)
