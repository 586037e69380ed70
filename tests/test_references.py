"""Every document the repository cites is in the repository (decision 041).

A relative `.md` path, in any text file, must resolve from the file's folder or from the root of
the repository (a bare file name must name a file that exists somewhere in it). A path into the
`shared/` folder that sat beside the repository while it was built, or an absolute `/work/` path,
is refused: those files are not shipped, so a citation of them cannot be followed. The one
exception is `shared/data`, the documented default location of the raw data sets
(`PROTECT_SOURCES`), which is an input, not a citation.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SKIP_DIRS = {
    ".git", ".venv", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache",
    ".pytest_cache", ".hypothesis", "build", "dist",
}  # fmt: skip
TEXT = {".md", ".py", ".yaml", ".yml", ".txt", ".toml", ".html", ".cfg", ".ini", ".sh", ".sql"}
SCRIPTS = {"test", "install", "run"}  # scripts/test, scripts/install, .ci/run

MD_PATH = re.compile(r"(?<![\w/.:-])((?:\.{1,2}/)*[\w.-]+(?:/[\w.-]+)*\.md)\b")
OUTSIDE = re.compile(r"(?<![\w.-])(?:/work/[\w./-]*|shared/[\w./-]*|(?:seeds|spec)/[\w./-]*)")
# Markdown written by code lands elsewhere: its links are relative to where it is written.
WRITTEN_TO = {"src/protect/risk/report.py": "docs/risk"}


def _files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part in SKIP_DIRS for part in rel.parts) or not path.is_file():
            continue
        if rel.as_posix() == "tests/test_references.py":
            continue  # this check's own patterns and examples
        if path.suffix in TEXT or (path.suffix == "" and path.name in SCRIPTS):
            yield path


def _outside_ok(ref: str) -> bool:
    return ref.removeprefix("/work/").startswith("shared/data")


def broken(root: Path = ROOT) -> list[str]:
    """`file:line: reference` for every citation that does not resolve inside `root`."""
    files = list(_files(root))
    names = {p.name for p in root.rglob("*.md") if not set(p.parts) & SKIP_DIRS}
    out: list[str] = []
    for path in files:
        rel = path.relative_to(root).as_posix()
        bases = [path.parent, root]
        if rel in WRITTEN_TO:
            bases.insert(0, root / WRITTEN_TO[rel])
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for n, line in enumerate(text.splitlines(), 1):
            found: dict[int, str] = {}
            for m in OUTSIDE.finditer(line):
                ref = m[0]
                if not _outside_ok(ref) and not ((root / ref).exists() and ref[0] != "/"):
                    found[m.start()] = ref
            for m in MD_PATH.finditer(line):
                ref = m[1]
                if any(at <= m.start(1) < at + len(r) for at, r in found.items()):
                    continue  # already reported as a path outside the repository
                if "/" not in ref and ref in names:
                    continue
                if not any((base / ref).is_file() for base in bases):
                    found[m.start(1)] = ref
            out += [f"{rel}:{n}: {found[at]}" for at in sorted(found)]
    return out


def test_every_cited_path_is_in_the_repository() -> None:
    assert broken() == [], (
        "cite the primary source (instrument and article, UN symbol) or a page under "
        "docs/reference/ instead"
    )


def test_the_check_finds_what_it_is_for(tmp_path: Path) -> None:
    (tmp_path / "docs" / "reference").mkdir(parents=True)
    (tmp_path / "docs" / "reference" / "facts.md").write_text("# Facts\n", encoding="utf-8")
    (tmp_path / "docs" / "a.md").write_text(
        "See [facts](reference/facts.md) and docs/reference/facts.md and facts.md.\n"
        "Data in ../shared/data/ucdp-ged, or PROTECT_SOURCES.\n"
        + "Gone: "
        + "frame"
        + "work.md §8, docs/missing.md, [x](../nowhere.md)\n"
        + "Outside: "
        + "/work/"
        + "shared/reference/x, "
        + "shared/"
        + "style.md, "
        + "see"
        + "ds/001.txt\n"
        + "A link https://example.org/README.md is not a path here.\n",
        encoding="utf-8",
    )
    rule = '"""Rule from spe' + 'c/assessment.md §3."""\n'
    (tmp_path / "x.py").write_text(rule, encoding="utf-8")
    assert broken(tmp_path) == [
        "docs/a.md:3: " + "frame" + "work.md",
        "docs/a.md:3: docs/missing.md",
        "docs/a.md:3: ../nowhere.md",
        "docs/a.md:4: " + "/work/" + "shared/reference/x",
        "docs/a.md:4: " + "shared/" + "style.md",
        "docs/a.md:4: " + "see" + "ds/001.txt",
        "x.py:1: spe" + "c/assessment.md",
    ]
