"""What every command shares: the output formats, JSON on stdout, and errors without a traceback."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Any, NoReturn

import typer


class TextOrJson(StrEnum):
    text = "text"
    json = "json"


class Format(StrEnum):
    text = "text"
    json = "json"
    markdown = "markdown"


def fail(*lines: str, code: int = 2) -> NoReturn:
    """Print one line per problem on stderr and exit (2: bad input), with no traceback."""
    for line in lines:
        sys.stderr.write(f"error: {line}\n")
    raise typer.Exit(code)


def emit_json(data: Any) -> None:
    """Machine-readable output: JSON on stdout and nothing else."""
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
