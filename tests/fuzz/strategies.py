"""Hypothesis strategies for hostile situation documents, as YAML text and as JSON bytes.

Each strategy starts from a valid situation and breaks it the way an attacker or a broken
exporter would: alias bombs, deep nesting, lone surrogates, huge fields, keys given twice,
impossible dates, numbers too long to read, and arbitrary nested values.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from hypothesis import strategies as st

VALID: dict[str, str] = {
    "name": "Kenya 2008",
    "country": "KEN",
    "date": "2008-01-15",
    "armed_conflict": "none",
    "state_role": "unable",
}
FIELDS = (*VALID, "atrocities", "peacekeeping", "icc_state_party", "unknown_field")


def _yaml(doc: dict[str, str], extra: str = "") -> str:
    """`doc` as YAML lines whose values are raw YAML text (so a date can stay unquoted)."""
    return "".join(f"{key}: {value}\n" for key, value in doc.items()) + extra


def _impossible(year: int, month: int, day: int) -> bool:
    try:
        dt.date(year, month, day)
    except ValueError:
        return True
    return False


impossible_dates = st.builds(
    lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
    st.integers(0, 9999),
    st.integers(0, 99),
    st.integers(0, 99),
).filter(lambda s: _impossible(*(int(p) for p in s.split("-"))))
fixed_impossible_dates = st.sampled_from(["2011-13-45", "2011-02-30", "0000-01-01", "2011-02-29"])
surrogates = st.sampled_from(["\\ud800", "\\udfff", "a\\udc00b", "\\ud83d", "ok\\udbff"])
fields = st.sampled_from(FIELDS)
huge_lengths = st.integers(10_000, 100_000)


@st.composite
def alias_bomb_yaml(draw: st.DrawFn) -> str:
    levels = draw(st.integers(3, 10))
    width = draw(st.integers(2, 10))
    lines = [f"b0: &b0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * width)}]")
    target = draw(fields)
    doc = {**VALID, target: f"*b{levels - 1}"}
    return "\n".join(lines) + "\n" + _yaml(doc)


@st.composite
def deep_yaml(draw: st.DrawFn) -> str:
    depth = draw(st.one_of(st.integers(15, 60), st.integers(900, 1100), st.just(100_000)))
    flow = draw(st.booleans())
    if flow:
        value = "[" * depth + "]" * depth
    else:  # block style: one more indentation per level
        value = "".join(f"\n{'  ' * (i + 1)}k{i}:" for i in range(min(depth, 200))) + " 1"
    return _yaml({**VALID, draw(fields): value})


@st.composite
def surrogate_yaml(draw: st.DrawFn) -> str:
    field = draw(fields)
    if draw(st.booleans()):
        return _yaml({**VALID, field: f'"{draw(surrogates)}"'})
    return _yaml(VALID, f'"{draw(surrogates)}": 1\n')  # in a key


@st.composite
def huge_field_yaml(draw: st.DrawFn) -> str:
    size = draw(huge_lengths)
    char = draw(st.sampled_from(["x", "é", "字", "9"]))
    if draw(st.booleans()):
        return _yaml({**VALID, draw(fields): char * size})
    return _yaml(VALID, f"{char * size}: 1\n")  # a huge key


@st.composite
def duplicate_key_yaml(draw: st.DrawFn) -> str:
    field = draw(st.sampled_from(tuple(VALID)))
    again = draw(st.sampled_from([VALID[field], "other", "2011-02-30"]))
    return _yaml(VALID, f"{field}: {again}\n")


@st.composite
def impossible_date_yaml(draw: st.DrawFn) -> str:
    date = draw(st.one_of(fixed_impossible_dates, impossible_dates))
    where = draw(st.sampled_from(["date", "name", "unknown_field", "atrocities"]))
    value = date if where != "atrocities" else f"{{genocide: {date}}}"
    quoted = draw(st.booleans()) and where == "date"
    return _yaml({**VALID, where: f"'{value}'" if quoted else value})


@st.composite
def long_number_yaml(draw: st.DrawFn) -> str:
    digits = draw(st.integers(4_000, 50_000))
    return _yaml({**VALID, draw(fields): "1" + "0" * digits})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=50),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5)
    ),
    max_leaves=30,
)


@st.composite
def random_value_yaml(draw: st.DrawFn) -> str:
    doc: dict[str, Any] = {**VALID, draw(fields): draw(json_values)}
    return json.dumps(doc)  # JSON is YAML


def hostile_yaml() -> st.SearchStrategy[str]:
    return st.one_of(
        alias_bomb_yaml(),
        deep_yaml(),
        surrogate_yaml(),
        huge_field_yaml(),
        duplicate_key_yaml(),
        impossible_date_yaml(),
        long_number_yaml(),
        random_value_yaml(),
    )


# --- JSON request bodies -------------------------------------------------------------------


def _json_with(field: str, raw_value: str) -> str:
    """VALID as JSON with `field` set to raw JSON text."""
    parts = [f"{json.dumps(k)}: {json.dumps(v)}" for k, v in VALID.items() if k != field]
    return "{" + ", ".join([*parts, f"{json.dumps(field)}: {raw_value}"]) + "}"


@st.composite
def deep_json(draw: st.DrawFn) -> bytes:
    depth = draw(st.one_of(st.integers(15, 60), st.integers(800, 1200), st.just(100_000)))
    if draw(st.booleans()):
        value = "[" * depth + "]" * depth
    else:
        value = '{"a": ' * depth + "1" + "}" * depth
    if draw(st.booleans()):
        return value.encode()
    return _json_with(draw(fields), value).encode()


@st.composite
def surrogate_json(draw: st.DrawFn) -> bytes:
    if draw(st.booleans()):
        return _json_with(draw(fields), f'"{draw(surrogates)}"').encode()
    return ("{" + f'"{draw(surrogates)}": 1, ' + _json_with("name", '"x"')[1:]).encode()


@st.composite
def huge_field_json(draw: st.DrawFn) -> bytes:
    size = draw(st.integers(10_000, 250_000))  # under the 1 MiB body limit, mostly
    return _json_with(draw(fields), json.dumps("x" * size)).encode()


@st.composite
def duplicate_key_json(draw: st.DrawFn) -> bytes:
    field = draw(st.sampled_from(tuple(VALID)))
    return (_json_with(field, json.dumps(VALID[field]))[:-1] + f', "{field}": "again"}}').encode()


@st.composite
def impossible_date_json(draw: st.DrawFn) -> bytes:
    date = draw(st.one_of(fixed_impossible_dates, impossible_dates))
    return _json_with("date", json.dumps(date)).encode()


@st.composite
def many_situations_json(draw: st.DrawFn) -> bytes:
    count = draw(st.sampled_from([0, 1, 99, 100, 101, 500, 5000]))
    return json.dumps([VALID] * count).encode()


@st.composite
def random_json(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return json.dumps({**VALID, draw(fields): draw(json_values)}).encode()
    if choice == 1:
        return json.dumps(draw(json_values)).encode()
    return draw(st.binary(max_size=200))


def hostile_json() -> st.SearchStrategy[bytes]:
    return st.one_of(
        deep_json(),
        surrogate_json(),
        huge_field_json(),
        duplicate_key_json(),
        impossible_date_json(),
        many_situations_json(),
        random_json(),
        st.builds(lambda n: b'{"n": 1' + b"0" * n + b"}", st.integers(4_000, 50_000)),
    )
