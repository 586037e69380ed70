from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from protect.cli.main import app


@pytest.fixture
def base() -> dict[str, Any]:
    """Kenya's post-election violence (ICC PTC II decision of 2010-03-31), a valid situation."""
    return {
        "name": "Kenya 2008",
        "country": "KEN",
        "date": "2008-01-15",
        "armed_conflict": "none",
        "atrocities": {"crimes-against-humanity": "ongoing"},
        "state_role": "unable",
    }


@pytest.fixture
def run(tmp_path: Path) -> Callable[..., Any]:
    """Run the CLI on a situation written to a file; returns the click Result."""
    runner = CliRunner()

    def _run(doc: Any, *args: str, raw: str | None = None) -> Any:
        path = tmp_path / "situation.yaml"
        path.write_text(raw if raw is not None else yaml.safe_dump(doc), encoding="utf-8")
        return runner.invoke(app, [*args, str(path)] if args else ["assess", str(path)])

    return _run
