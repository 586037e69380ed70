"""The architecture's one rule (ARCHITECTURE.md), read off every import in `src/protect`: a
package imports only from the layers below it, and the interfaces never import each other."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "protect"
LAYER = {
    "knowledge": 0,
    "engine": 1,
    "monitor": 2,
    "risk": 2,
    "storage": 2,
    "service": 3,
    "views": 4,
    "api": 5,
    "web": 5,
    "cli": 5,
}
# The service wires the stores together: the monitor keeps its own DuckDB store beside the
# relational one, and nothing else in layer 2 may reach sideways.
SIDEWAYS_ALLOWED: set[tuple[str, str]] = set()


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def _violations(root: Path = SRC) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).parts
        if len(parts) < 2 or parts[0] not in LAYER:
            continue
        here = parts[0]
        for module in _imports(path):
            names = module.split(".")
            if names[0] != "protect" or len(names) < 2:
                continue
            there = names[1]
            if there == "server" and here != "cli":
                out.append(f"{path.relative_to(root)}: imports the composition root {module}")
            if there not in LAYER or there == here:
                continue
            up = LAYER[there] > LAYER[here]
            sideways = LAYER[there] == LAYER[here] and (here, there) not in SIDEWAYS_ALLOWED
            if up or sideways:
                out.append(f"{path.relative_to(root)}: {here} imports {module}")
    return out


def test_no_layer_imports_a_higher_or_a_sibling_layer() -> None:
    assert _violations() == []


@pytest.mark.parametrize(
    ("here", "module", "wrong"),
    [
        ("engine", "protect.service.assessments", True),
        ("web", "protect.api.deps", True),
        ("risk", "protect.monitor.api", True),
        ("web", "protect.server", True),
        ("api", "protect.service.http", False),
        ("api", "protect.views.monitor", False),
        ("views", "protect.web.views", True),
        ("views", "protect.api.views", True),
        ("service", "protect.engine.model", False),
    ],
)
def test_the_checker_catches_a_violation(
    tmp_path: Path, here: str, module: str, wrong: bool
) -> None:
    """The checker is not vacuous: a file that breaks the rule is named."""
    package = tmp_path / here
    package.mkdir()
    (package / "bad.py").write_text(f"import {module}\n", encoding="utf-8")
    assert bool(_violations(tmp_path)) is wrong
