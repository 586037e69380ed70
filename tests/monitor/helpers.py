"""Small readers used to check the pipeline against the input files independently."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import duckdb


def read_rows(path: Path, hxl: bool = False) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    return rows[1:] if hxl else rows


def query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()
