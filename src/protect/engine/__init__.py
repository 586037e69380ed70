"""The assessment engine: the rules of the assessment contract as small pure functions."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any

__all__ = [
    "MEMO_ENTRIES",
    "RULES_VERSION",
    "RULE_FILES",
    "rule_files",
    "rules_digest",
    "rules_version",
]

MEMO_ENTRIES = 1 << 18
"""How many entries each of the engine's memos keeps: enough for a few hundred thousand distinct
fact patterns, few enough that a long-running service cannot grow one without limit (a memo that
is full is emptied, or for `memo`, drops its least recently used entries)."""


RULE_FILES: tuple[str, ...] = (
    "engine/*.py",
    "knowledge/*.py",
    "knowledge/data/**/*.yaml",
    "monitor/thresholds.yaml",
    "monitor/situations.py",
    "monitor/bulk.py",
    "service/foa.py",
)
"""Every file that decides a conclusion, as globs under the `protect` package (decision 041):
the assessment rules and all the knowledge they read (the treaty, ratification and membership
tables and the code that computes their dates included), the alert rules that turn a panel row
into a situation and an alert level, and the Framework of Analysis category rules. Files are
read as bytes, not imported, so the layers stay as they are."""


def rule_files(package: Path | None = None) -> list[Path]:
    """The files `RULE_FILES` names under `package` (by default the installed one), sorted."""
    root = package or Path(__file__).resolve().parents[1]
    return sorted({p for pattern in RULE_FILES for p in root.glob(pattern) if p.is_file()})


def rules_digest(package: Path | None = None) -> str:
    """SHA-256 over the names and bytes of `rule_files`: any edit to one of them changes it."""
    root = package or Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in rule_files(root):
        name = path.relative_to(root).as_posix().encode()
        body = path.read_bytes()
        # Lengths first, so that no two different file sets hash the same bytes.
        digest.update(b"%d:%d:" % (len(name), len(body)))
        digest.update(name)
        digest.update(body)
    return digest.hexdigest()


@cache
def rules_version() -> str:
    """The package version plus a digest of every file that decides a conclusion.

    Stored with every saved assessment and audit entry, so a reader knows which law and logic
    produced it.
    """
    from protect import __version__

    return f"{__version__}+rules.{rules_digest()[:12]}"


def __getattr__(name: str) -> Any:
    if name == "RULES_VERSION":
        return rules_version()
    raise AttributeError(f"module 'protect.engine' has no attribute {name!r}")
