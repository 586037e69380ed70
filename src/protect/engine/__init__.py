"""The assessment engine: the rules of the assessment contract as small pure functions."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = ["MEMO_ENTRIES", "RULES_VERSION", "rules_version"]

MEMO_ENTRIES = 1 << 18
"""How many entries each of the engine's memos keeps: enough for a few hundred thousand distinct
fact patterns, few enough that a long-running service cannot grow one without limit (a memo that
is full is emptied, or for `memo`, drops its least recently used entries)."""


@cache
def rules_version() -> str:
    """The package version plus a digest of the rules and the knowledge they read.

    Stored with every saved assessment, so a reader knows which law and logic produced it.
    """
    from protect import __version__

    root = Path(__file__).parent
    knowledge = root.parent / "knowledge"
    digest = hashlib.sha256()
    # Every file that decides a conclusion: the rules, the code that reads the tables (dates of
    # entry into force, succession), and every table, the treaty tables included.
    files = [
        *sorted(root.glob("*.py")),
        *sorted(knowledge.glob("*.py")),
        *sorted((knowledge / "data").rglob("*.yaml")),
    ]
    for path in files:
        digest.update(str(path.relative_to(root.parent)).encode())
        digest.update(path.read_bytes())
    return f"{__version__}+rules.{digest.hexdigest()[:12]}"


def __getattr__(name: str) -> Any:
    if name == "RULES_VERSION":
        return rules_version()
    raise AttributeError(f"module 'protect.engine' has no attribute {name!r}")
