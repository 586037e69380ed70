"""Browse the knowledge base: the same entries the engine cites, read-only, open to anyone."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal, get_args

from protect.service.errors import NotFoundError

Kind = Literal[
    "instruments", "measures", "tensions", "crimes", "pillars", "perspectives", "tiers", "actors"
]
KINDS: tuple[Kind, ...] = get_args(Kind)


def entries(kind: str) -> dict[str, Any]:
    """The entries of one kind by id, as the knowledge base holds them (for an interface that
    prints their fields); NotFoundError names the known kinds."""
    from protect.knowledge import kb

    if kind not in KINDS:
        raise NotFoundError(f"unknown kind {kind!r}; known kinds: {', '.join(KINDS)}")
    table = getattr(kb(), kind)
    return {str(key): value for key, value in table.items()}


@cache
def titles(kind: str, field: str = "title") -> dict[str, str]:
    """Ids of one kind as people read them (`security-council` -> `UN Security Council`);
    `field="short"` gives instruments' short names (`gc-iv` -> `Geneva Convention IV`)."""
    return {key: str(getattr(entry, field, key)) for key, entry in entries(kind).items()}


def pinpoint(provision: str) -> str:
    """A legal pinpoint the pages print, from its one home (`norms.yaml` `provisions`)."""
    from protect.knowledge import kb

    return kb().pinpoint(provision)  # type: ignore[arg-type]


def list_entries(kind: str) -> list[dict[str, Any]]:
    """Every entry of one kind, in the knowledge base's order, as JSON."""
    return [entry.model_dump(mode="json") for entry in entries(kind).values()]


def get_entry(kind: str, entry_id: str) -> dict[str, Any]:
    found = entries(kind)
    if entry_id not in found:
        raise NotFoundError(f"no {kind} entry with id {entry_id!r}")
    entry: dict[str, Any] = found[entry_id].model_dump(mode="json")
    return entry


def counts() -> dict[str, int]:
    """How many entries of each kind there are, for the browse index."""
    return {kind: len(entries(kind)) for kind in KINDS}
