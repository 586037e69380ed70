"""`protect risk forecast` reads a stored forecast without the modelling stack: the command
module and what it needs to read the store import neither pandas nor scikit-learn, LightGBM,
DuckDB or FastAPI (checked in a fresh interpreter, where nothing else has imported them)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from protect.service import risk
from protect.service.roles import local_operator
from protect.storage import Database

from .conftest import EXTRACT

HEAVY = ("pandas", "sklearn", "lightgbm", "duckdb", "fastapi", "numpy")


def _imported_after(statement: str) -> set[str]:
    script = f"import sys\n{statement}\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return {name.split(".")[0] for name in out.stdout.split()}


def test_the_cli_entry_point_imports_no_modelling_library() -> None:
    loaded = _imported_after("import protect.cli.main")
    assert "typer" in loaded  # the check sees what was imported
    assert not set(HEAVY) & loaded


def test_reading_a_stored_forecast_imports_no_modelling_library() -> None:
    loaded = _imported_after("import protect.cli.main, protect.service.risk, protect.storage")
    assert "sqlalchemy" in loaded
    assert not set(HEAVY) & loaded


def test_the_forecast_command_answers_from_the_store_without_them(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    db = Database(f"sqlite:///{home / 'protect.sqlite3'}")
    stored = risk.issue_forecast(db, local_operator(), 2013, EXTRACT)
    db.dispose()
    # Run the command itself in a fresh interpreter and list the modules it ended up importing.
    script = (
        "import atexit, sys\n"
        "atexit.register(lambda: sys.stderr.write('MODULES ' + ' '.join(sys.modules) + '\\n'))\n"
        "from protect.cli.main import main\n"
        f"sys.argv = ['protect', 'risk', 'forecast', '--year', '2013', '--top', '3',"
        f" '--sources', {str(EXTRACT)!r}]\n"
        "main()\n"
    )
    env = {**os.environ, "PROTECT_HOME": str(home), "COLUMNS": "300"}
    env.pop("PROTECT_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert f"computed {stored.computed_at:%Y-%m-%d %H:%M} UTC" in out.stdout
    assert stored.forecast_hash[:12] in out.stdout
    modules = next(line for line in out.stderr.splitlines() if line.startswith("MODULES "))
    loaded = {name.split(".")[0] for name in modules.split()[1:]}
    assert "sqlalchemy" in loaded and not set(HEAVY) & loaded
