"""Where protect keeps its files: one data directory, embedded databases inside it."""

from __future__ import annotations

import os
from pathlib import Path

ENV_HOME = "PROTECT_HOME"
ENV_DATABASE_URL = "PROTECT_DATABASE_URL"


def data_dir() -> Path:
    """The data directory: `PROTECT_HOME` when set, else the XDG data home (~/.local/share/protect).

    Created on first use so that every command works with zero set-up.
    """
    home = os.environ.get(ENV_HOME)
    if home:
        path = Path(home).expanduser()
    else:
        xdg = os.environ.get("XDG_DATA_HOME")
        base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
        path = base / "protect"
    path.mkdir(parents=True, exist_ok=True)
    return path


def events_db_path() -> Path:
    """The DuckDB file holding ingested conflict events and the derived panel."""
    return data_dir() / "events.duckdb"


def database_url() -> str:
    """PostgreSQL when `PROTECT_DATABASE_URL` is set, else SQLite in the data directory."""
    url = os.environ.get(ENV_DATABASE_URL)
    if url:
        return url
    return f"sqlite:///{data_dir() / 'protect.sqlite3'}"


ENV_SOURCES = "PROTECT_SOURCES"


def sources_dir() -> Path | None:
    """The folder of raw source data sets (UCDP, ACLED, EWP, ...), when one is at hand.

    `PROTECT_SOURCES` when set; else a `shared/data` folder beside the checkout (where this
    workplace and CI put it) or beside the current directory. None when there is none: commands
    that need it then say so, and the bundled samples still work.
    """
    env = os.environ.get(ENV_SOURCES)
    if env:
        return Path(env).expanduser()
    here = Path(__file__).resolve()
    candidates = [p.parent / "shared" / "data" for p in here.parents] + [
        Path.cwd().parent / "shared" / "data",
        Path.cwd() / "shared" / "data",
    ]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return None
