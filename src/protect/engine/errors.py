"""Turn validation failures into one line per problem, each naming the field by its dotted path.

A rejected value is quoted in at most `QUOTE_LIMIT` characters: an error line must stay readable
(and small) whatever the input held.
"""

from __future__ import annotations

import reprlib
from typing import Any

from pydantic import ValidationError

QUOTE_LIMIT = 200

_FRIENDLY = {
    "extra_forbidden": "unknown field",
    "missing": "required field is missing",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "model_type": "must be a mapping of fields",
    "model_attributes_type": "must be a mapping of fields",
    "dict_type": "must be a mapping of fields",
}

# reprlib looks at a bounded part of a value (a few items, a few levels), so quoting costs the
# same for a ten-byte value and for a million nested lists.
_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = _repr.maxlong = QUOTE_LIMIT
_repr.maxlevel = 3
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = _repr.maxfrozenset = 8


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    """`text` cut to `limit` characters, saying how long it was when cut."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


def quote(value: object) -> str:
    """A value as Python would write it (`'civil-war'`), in at most `QUOTE_LIMIT` characters."""
    if isinstance(value, str):
        if len(value) <= QUOTE_LIMIT:
            return repr(value)
        return f"{value[:QUOTE_LIMIT]!r}... ({len(value)} characters)"
    return shorten(_repr.repr(value))


def field_path(loc: tuple[int | str, ...]) -> str:
    """`("atrocities", "genocide")` -> `atrocities.genocide`; list indexes as `[2]`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            # A key that cannot be printed as it is (a line break, a control character) is
            # quoted, so an error stays on one line and says what the key holds.
            text = str(part)
            name = shorten(text) if text.isprintable() else quote(text)
            out += f".{name}" if out else name
    return out or "(document)"


def _message(err: Any) -> str:
    kind = err["type"]
    if kind == "literal_error":
        allowed = err.get("ctx", {}).get("expected", "")
        allowed = allowed.replace("'", "").replace(" or ", ", ")
        return f"{quote(err['input'])} is not allowed; allowed values: {allowed}"
    if kind in _FRIENDLY:
        return _FRIENDLY[kind]
    msg = str(err["msg"])
    # A message template may have put the whole rejected value in; quote it shortly instead.
    for value in (err.get("ctx") or {}).values():
        text = str(value)
        if len(text) > QUOTE_LIMIT:
            msg = msg.replace(text, shorten(text))
    return shorten(msg, 4 * QUOTE_LIMIT)


def format_errors(exc: ValidationError, prefix: tuple[int | str, ...] = ()) -> list[str]:
    """One line per problem: `field.path: what is wrong`."""
    return [f"{field_path(prefix + tuple(e['loc']))}: {_message(e)}" for e in exc.errors()]
