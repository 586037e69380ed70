"""What changed between two versions of an assessment, path by path.

Reviewers ask "what changed and from what to what", so each change carries both values (a JSON
Patch would carry only the new one). Lists of entries that have an `id` (crimes, measures,
tensions) are matched by id, and by actor as well where a measure is listed once per actor, so
that a measure becoming available reads as one change rather than a shifted list.
"""

from __future__ import annotations

from typing import Any

from protect.service.schemas import Change


def _keyed(items: list[Any]) -> dict[str, Any] | None:
    if not items or not all(isinstance(i, dict) and "id" in i for i in items):
        return None
    keyed: dict[str, Any] = {}
    for item in items:
        key = str(item["id"]) if "actor" not in item else f"{item['id']}@{item['actor']}"
        if key in keyed:
            return None
        keyed[key] = item
    return keyed


def _walk(before: Any, after: Any, path: str, out: list[Change]) -> None:
    if before == after:
        return
    if isinstance(before, dict) and isinstance(after, dict):
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            _walk(before.get(key), after.get(key), sub, out)
        return
    if isinstance(before, list) and isinstance(after, list):
        kb, ka = _keyed(before), _keyed(after)
        if kb is not None and ka is not None:
            for key in sorted(set(kb) | set(ka)):
                _walk(kb.get(key), ka.get(key), f"{path}[{key}]", out)
            return
    out.append(Change(path=path, before=before, after=after))


def diff(before: Any, after: Any) -> list[Change]:
    """The changes that turn `before` into `after`, in path order."""
    out: list[Change] = []
    _walk(before, after, "", out)
    return out
