"""Read and validate the knowledge base's YAML files.

One way to load knowledge: every module that needs a YAML file asks this one, so that every file
is validated against its schema and every error names the file and the field.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

DATA_DIR = Path(__file__).parent / "data"

# libyaml's safe loader when it is there (several times faster), the pure-Python one otherwise.
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

M = TypeVar("M", bound=BaseModel)


class KnowledgeError(ValueError):
    """The knowledge base is malformed: a file, an entry or a cross-reference is wrong."""


@cache
def read_yaml(name: str) -> Any:
    """The parsed content of `data/<name>` (cached; the files are read-only at run time)."""
    path = DATA_DIR / name
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_SafeLoader)
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{name}: knowledge file is missing") from exc
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{name}: malformed YAML: {exc}") from exc


def _describe(name: str, exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"{name}: {loc}: {err['msg']}")
    return "\n".join(lines)


def load_model(name: str, model: type[M]) -> M:
    """Validate a whole file as one model."""
    try:
        return model.model_validate(read_yaml(name))
    except ValidationError as exc:
        raise KnowledgeError(_describe(name, exc)) from exc


def load_list(name: str, model: type[M]) -> list[M]:
    """Validate a file holding a list of entries; ids must be unique when entries have one."""
    try:
        items = TypeAdapter(list[model]).validate_python(read_yaml(name))  # type: ignore[valid-type]
    except ValidationError as exc:
        raise KnowledgeError(_describe(name, exc)) from exc
    seen: set[Any] = set()
    for item in items:
        key = getattr(item, "id", None) or getattr(item, "number", None)
        if key is None:
            continue
        if key in seen:
            raise KnowledgeError(f"{name}: duplicate id {key!r}")
        seen.add(key)
    return list(items)
