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
    """The relational store: PostgreSQL when `PROTECT_DATABASE_URL` is set, else SQLite in the data dir."""
    url = os.environ.get(ENV_DATABASE_URL)
    if url:
        return url
    return f"sqlite:///{data_dir() / 'protect.sqlite3'}"
