"""Turn validation failures into one line per problem, each naming the field by its dotted path."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

_FRIENDLY = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "dict_type": "must be a mapping of fields",
}


def field_path(loc: tuple[int | str, ...]) -> str:
    """`("atrocities", "genocide")` -> `atrocities.genocide`; list indexes as `[2]`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(document)"


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        allowed = allowed.replace("'", "").replace(" or ", ", ")
        return f"{err['input']!r} is not allowed; allowed values: {allowed}"
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    return str(err["msg"])


def format_errors(exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    """One line per problem: `field.path: what is wrong`."""
    return [f"{field_path(prefix + tuple(e['loc']))}: {_message(e)}" for e in exc.errors()]
