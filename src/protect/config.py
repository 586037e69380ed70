"""Where protect keeps its files: one data directory, embedded databases inside it."""

from __future__ import annotations

import os
from dataclasses import dataclass
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


# --- limits of the service (docs/service.md, "Limits") ----------------------------------------

ENV_MAX_SITUATIONS = "PROTECT_MAX_SITUATIONS_PER_REQUEST"
ENV_MAX_STORED_BYTES = "PROTECT_MAX_STORED_BYTES_PER_DAY"
DEFAULT_MAX_SITUATIONS = 100
DEFAULT_MAX_STORED_BYTES = 100_000_000


class ConfigError(ValueError):
    """An environment variable holds a value protect cannot use; the message names it."""


@dataclass(frozen=True)
class Limits:
    """How much one request, and one user in one UTC day, may ask of the service."""

    situations_per_request: int
    stored_bytes_per_day: int


def _positive(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    if not raw.isdigit() or len(raw) > 18 or int(raw) < 1:
        raise ConfigError(f"{name}={os.environ[name]!r}: must be a whole number of at least 1")
    return int(raw)


def limits() -> Limits:
    """The limits in force: each from its environment variable, else its default."""
    return Limits(
        situations_per_request=_positive(ENV_MAX_SITUATIONS, DEFAULT_MAX_SITUATIONS),
        stored_bytes_per_day=_positive(ENV_MAX_STORED_BYTES, DEFAULT_MAX_STORED_BYTES),
    )
