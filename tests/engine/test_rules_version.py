"""The rules version changes whenever a file that decides a conclusion changes (decision 041)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import protect
from protect.engine import rule_files, rules_digest, rules_version
from protect.service import audit

PACKAGE = Path(protect.__file__).resolve().parent


def _listed(root: Path) -> set[Path]:
    """What decides a conclusion, read off the directory listing rather than `RULE_FILES`."""
    files = {
        p for p in (root / "knowledge").rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    files |= {p for p in (root / "engine").rglob("*") if p.is_file() and p.suffix == ".py"}
    files |= {
        root / "monitor" / "thresholds.yaml",  # alert levels and derived situations
        root / "monitor" / "situations.py",  # the panel row to situation and alert rules
        root / "monitor" / "bulk.py",  # the same rules as SQL, for the whole panel
        root / "service" / "foa.py",  # the Framework of Analysis category rules (`conclude`)
    }
    return files


def test_the_digest_covers_every_file_that_decides_a_conclusion() -> None:
    covered = set(rule_files())
    assert covered == _listed(PACKAGE)
    names = {p.relative_to(PACKAGE).as_posix() for p in covered}
    assert {
        "knowledge/ratification.py",
        "knowledge/treaties.py",
        "knowledge/data/rome_statute.yaml",
        "knowledge/data/treaties/geneva-conventions.yaml",
        "knowledge/data/treaties/continuity.yaml",
        "knowledge/data/organisations.yaml",
        "knowledge/data/norms.yaml",
        "engine/rulebook.py",
        "monitor/thresholds.yaml",
    } <= names


def test_the_recorded_version_is_the_digest_of_the_installed_rules() -> None:
    assert rules_version() == f"{protect.__version__}+rules.{rules_digest()[:12]}"
    assert audit.rules_version() == rules_version()


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("pkg") / "protect"
    shutil.copytree(PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_editing_any_rule_file_changes_the_digest(copy: Path) -> None:
    before = rules_digest(copy)
    assert before == rules_digest(PACKAGE)  # the copy holds the same rules
    files = rule_files(copy)
    assert len(files) == len(rule_files())
    for path in files:
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        try:
            assert rules_digest(copy) != before, path.relative_to(copy)
        finally:
            path.write_bytes(original)
    assert rules_digest(copy) == before


def test_a_new_knowledge_file_or_engine_module_changes_the_digest(copy: Path) -> None:
    before = rules_digest(copy)
    for new in (copy / "knowledge" / "data" / "treaties" / "new.yaml", copy / "engine" / "x.py"):
        new.write_text("# added\n", encoding="utf-8")
        try:
            assert rules_digest(copy) != before, new.relative_to(copy)
        finally:
            new.unlink()


def test_files_that_decide_nothing_leave_the_digest_alone(copy: Path) -> None:
    before = rules_digest(copy)
    page = copy / "web" / "templates"
    path = next(p for p in sorted(page.rglob("*")) if p.is_file())
    original = path.read_bytes()
    path.write_bytes(original + b"\n")
    try:
        assert rules_digest(copy) == before
    finally:
        path.write_bytes(original)
