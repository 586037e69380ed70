"""The column mapping of each kind of event file (`columns.yaml`) and the DuckDB expressions
generated from it.

`columns.yaml` says, per kind, which source column feeds each event field, its type, whether
it is required and which codes it allows; this module validates that file, finds the columns
in a file's header (or HXL tag row), and builds the typed fields as DuckDB expressions. Values
and names enter the SQL only through DuckDB's own constant and identifier quoting
(`ConstantExpression`, `ColumnExpression`). The few decisions that read several cells of a row
(an ACLED battle is state-based when a state actor fights) are the named `RULES`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from duckdb import (
    CaseExpression,
    CoalesceOperator,
    ColumnExpression,
    ConstantExpression,
    Expression,
    FunctionExpression,
)
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from protect.monitor.models import SourceKind

FieldType = Literal["text", "date", "count", "code", "category", "country", "coordinate", "flag"]
RuleName = Literal[
    "state-involved", "civilian-target", "by-group-names", "victims-of-one-sided",
    "government-on-side-a", "state-actor-first", "ucdp-candidate",
]  # fmt: skip


class MappingError(Exception):
    """A file's header lacks what its kind's mapping requires; the message is for the user."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    type: FieldType
    columns: tuple[str, ...] = ()
    required: bool = False
    label: str | None = None
    allowed: tuple[int, ...] = ()
    crosswalk: dict[str, int | RuleName] = Field(default_factory=dict)
    case: Literal["exact", "lower"] = "exact"
    otherwise: RuleName | None = None
    rule: RuleName | None = None
    codes: Literal["gw", "isonum", "iso3"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> FieldSpec:
        if self.type == "category" and not self.crosswalk:
            raise ValueError("a category needs a crosswalk")
        if self.type == "country" and self.codes is None:
            raise ValueError("a country needs its codes (gw, isonum, iso3)")
        if self.type == "flag" and self.rule is None:
            raise ValueError("a flag needs a rule")
        if not (self.columns or self.rule or self.otherwise):
            raise ValueError("a field needs columns or a rule")
        if any(isinstance(v, int) and v not in (0, 1, 2, 3) for v in self.crosswalk.values()):
            raise ValueError("crosswalk codes are 0 (not counted), 1, 2 or 3")
        return self


class SourceSpec(_Strict):
    """The fields of one kind of file; each is an event field of the `events` table or an input
    of a rule (`inter1`, `inter2`, `country_name`)."""

    event_id: FieldSpec | None = None
    violence_type: FieldSpec
    date_start: FieldSpec
    date_end: FieldSpec
    date_prec: FieldSpec | None = None
    where_prec: FieldSpec | None = None
    country: FieldSpec
    country_name: FieldSpec | None = None
    best: FieldSpec
    low: FieldSpec | None = None
    high: FieldSpec | None = None
    civilians: FieldSpec | None = None
    side_a: FieldSpec | None = None
    side_b: FieldSpec | None = None
    inter1: FieldSpec | None = None
    inter2: FieldSpec | None = None
    perpetrator_is_gov: FieldSpec | None = None
    candidate: FieldSpec | None = None
    admin1: FieldSpec | None = None
    admin2: FieldSpec | None = None
    latitude: FieldSpec | None = None
    longitude: FieldSpec | None = None

    def field(self, name: str) -> FieldSpec | None:
        spec: FieldSpec | None = getattr(self, name)
        return spec

    def label(self, name: str) -> str:
        spec = self.field(name)
        return (spec.label if spec else None) or name


class ColumnMap(_Strict):
    ucdp: SourceSpec
    acled: SourceSpec
    hxl: SourceSpec


@cache
def column_map() -> ColumnMap:
    """The bundled mapping, validated: a typo in the YAML fails at load, not at an ingest."""
    text = resources.files("protect.monitor").joinpath("columns.yaml").read_text("utf-8")
    try:
        return ColumnMap.model_validate(yaml.safe_load(text))
    except ValidationError as exc:  # a broken bundled file is a bug, said plainly
        raise RuntimeError(f"protect/monitor/columns.yaml: {exc}") from exc


def spec_of(kind: SourceKind) -> SourceSpec:
    spec: SourceSpec = getattr(column_map(), kind)
    return spec


# ---------------------------------------------------------------------------------------------
# Finding the columns in a header
# ---------------------------------------------------------------------------------------------


def _split_tag(tag: str) -> tuple[str, frozenset[str]]:
    parts = [p.strip().lower() for p in tag.replace(" ", "").split("+") if p.strip()]
    return (parts[0], frozenset(parts[1:])) if parts else ("", frozenset())


def hxl_patterns(spec: SourceSpec) -> tuple[str, ...]:
    """Every tag pattern the mapping looks up, and `#date+year`, so that a year column is never
    taken for a `#date` (decision 017)."""
    found = [
        c
        for name in SourceSpec.model_fields
        if (f := spec.field(name)) is not None
        for c in f.columns
        if c.startswith("#")
    ]
    return (*dict.fromkeys(found), "#date+year")


def hxl_match(
    columns: Sequence[tuple[str, str, frozenset[str]]], pattern: str, patterns: Sequence[str]
) -> str | None:
    """The column a tag pattern selects, as HXL tag patterns do: the column's hashtag is the
    pattern's and it has every attribute of the pattern (more are allowed, e.g.
    `#affected+killed+num`). Of several, the one with the fewest extra attributes, then the
    first; a column whose extra attributes another pattern of the mapping asks for
    (`#affected+killed+civilians` for `#affected+killed`) is not taken for this one."""
    hashtag, attrs = _split_tag(pattern)
    claimed: set[str] = set()
    for other in patterns:
        h, a = _split_tag(other)
        if h == hashtag and a > attrs:
            claimed |= a - attrs
    best: tuple[int, str] | None = None
    for name, h, a in columns:
        if h != hashtag or not attrs <= a or (a - attrs) & claimed:
            continue
        extra = len(a - attrs)
        if best is None or extra < best[0]:
            best = (extra, name)
    return best[1] if best else None


@dataclass(frozen=True)
class Found:
    """The header columns a file's fields come from (None: not in the file)."""

    kind: SourceKind
    spec: SourceSpec
    column: dict[str, str | None]
    inputs: dict[str, dict[str, str | None]]
    """For each field, every one of its listed columns (rules read several)."""


def find_columns(
    kind: SourceKind, header: Sequence[str], hxl: Sequence[str] | None, path: Path
) -> Found:
    """Match the mapping against a header; MappingError names every required column missing."""
    spec = spec_of(kind)
    by_name = {c.strip().lower(): c for c in header if c.strip()}
    tagged: list[tuple[str, str, frozenset[str]]] = []
    if kind == "hxl":
        if hxl is None:
            raise MappingError(f"{path}: no HXL hashtag row under the header (line 2)")
        for name, tag in zip(header, hxl, strict=False):
            hashtag, attrs = _split_tag(tag)
            if hashtag.startswith("#"):
                tagged.append((name, hashtag, attrs))
    patterns = hxl_patterns(spec)

    def lookup(wanted: str) -> str | None:
        if wanted.startswith("#"):
            return hxl_match(tagged, wanted, patterns)
        return by_name.get(wanted.lower())

    column: dict[str, str | None] = {}
    inputs: dict[str, dict[str, str | None]] = {}
    missing: list[str] = []
    for name in SourceSpec.model_fields:
        f = spec.field(name)
        if f is None:
            continue
        each = {c: lookup(c) for c in f.columns}
        inputs[name] = each
        column[name] = next((v for v in each.values() if v is not None), None)
        if f.required and column[name] is None:
            missing.append(" or ".join(f.columns))
    if missing:
        if kind == "hxl":
            raise MappingError(f"{path}: HXL tag(s) {', '.join(missing)} missing from line 2")
        raise MappingError(
            f"{path}: required column(s) {', '.join(repr(m) for m in missing)} missing"
        )
    return Found(kind=kind, spec=spec, column=column, inputs=inputs)


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------


def const(value: object) -> Expression:
    return ConstantExpression(value)


def fn(name: str, *args: Expression) -> Expression:
    return FunctionExpression(name, *args)


NULL_TEXT = ConstantExpression(None).cast("VARCHAR")


def first_match(pairs: Iterable[tuple[Expression, Expression]]) -> Expression:
    """`CASE WHEN test THEN value ...`, the first test that holds wins; NULL when none does."""
    out: Expression | None = None
    for test, value in pairs:
        out = CaseExpression(test, value) if out is None else out.when(test, value)
    if out is None:
        raise ValueError("a CASE needs at least one test")
    return out


def nonempty(cell: Expression) -> Expression:
    """A cell's text without surrounding spaces, NULL when nothing is left. Only a cell that
    starts or ends with a space is trimmed: trimming makes a new copy of every text, and almost
    no cell needs it (decision 024)."""
    spaced = fn("starts_with", cell, const(" ")) | fn("ends_with", cell, const(" "))
    return CaseExpression(spaced, fn("nullif", fn("trim", cell), const(""))).otherwise(
        fn("nullif", cell, const(""))
    )


def is_blank(cell: Expression) -> Expression:
    """Empty or only spaces (or absent)."""
    return CoalesceOperator(fn("trim", cell), const("")) == const("")


def as_number(cell: Expression) -> Expression:
    """DuckDB's casts skip surrounding spaces and give NULL for an empty text."""
    return cell.try_cast("DOUBLE")


def as_date(cell: Expression) -> Expression:
    """Dates as the real files write them (decision 012): ISO with or without a time, read from
    their first ten characters, or day-first `D/M/YYYY`; surrounding spaces are ignored. The
    cell is tested as it stands; the rarer forms are tried only where that test fails (no
    regular expression on the common path)."""
    dash = fn("substr", cell, const(5), const(1)) == const("-")
    iso = CaseExpression((fn("strlen", cell) == const(10)) & dash, cell.try_cast("DATE")).when(
        dash & fn("substr", cell, const(11), const(1)).isin(const(" "), const("T")),
        fn("substr", cell, const(1), const(10)).try_cast("DATE"),
    )
    padded = CaseExpression(
        fn("regexp_matches", cell, const("^ +[0-9]{4}-[0-9]{2}-[0-9]{2}( |T|$)")),
        fn("substr", fn("ltrim", cell), const(1), const(10)).try_cast("DATE"),
    )
    day_first = CaseExpression(
        fn("contains", cell, const("/")),
        fn("try_strptime", fn("trim", cell), const("%d/%m/%Y")).cast("DATE"),
    )
    return CoalesceOperator(iso, padded, day_first)


def _in_codes(cell: Expression, *codes: str) -> Expression:
    return fn("trim", CoalesceOperator(cell, const(""))).isin(*(const(c) for c in codes))


@dataclass(frozen=True)
class Cells:
    """The raw cells of one file's row, by field (what the rules read)."""

    found: Found

    def raw(self, field: str) -> Expression | None:
        name = self.found.column.get(field)
        return ColumnExpression(name) if name is not None else None

    def raw_or_null(self, field: str) -> Expression:
        cell = self.raw(field)
        return NULL_TEXT if cell is None else cell

    def text(self, field: str) -> Expression:
        cell = self.raw(field)
        return nonempty(cell) if cell is not None else NULL_TEXT

    def input(self, field: str, column: str) -> Expression | None:
        name = self.found.inputs.get(field, {}).get(column)
        return ColumnExpression(name) if name is not None else None


def _government(side: Expression) -> Expression:
    return CoalesceOperator(side.like("Government of %"), const(False))


def _state_involved(c: Cells) -> Expression:
    """ACLED: a state force (interaction code 1) on either side."""
    state = _in_codes(c.raw_or_null("inter1"), "1", "1.0") | _in_codes(
        c.raw_or_null("inter2"), "1", "1.0"
    )
    return CaseExpression(state, const(1)).otherwise(const(2))


def _civilian_target(c: Cells) -> Expression:
    """ACLED remote violence: one-sided when civilians are the target (code 7 or actor)."""
    target = _in_codes(c.raw_or_null("inter2"), "7", "7.0") | CoalesceOperator(
        c.raw_or_null("side_b"), const("")
    ).like("Civilians%")
    return CaseExpression(target, const(3)).otherwise(_state_involved(c))


def _by_group_names(c: Cells) -> Expression:
    """UCDP's actor conventions: victims named "Civilians" -> one-sided; a government on side A
    -> state-based; else non-state (decision 017)."""
    victims = CoalesceOperator(c.text("side_b"), const("")).like("Civilians%")
    government = CoalesceOperator(c.text("side_a"), const("")).like("Government of %")
    return CaseExpression(victims, const(3)).when(government, const(1)).otherwise(const(2))


def _victims_of_one_sided(c: Cells) -> Expression:
    """Where no civilian count exists: the deaths of one-sided events, else none."""
    return CaseExpression(violence_type(c) == const(3), c.text("best")).otherwise(const("0"))


def _government_on_side_a(c: Cells) -> Expression:
    return _government(c.text("side_a"))


def _state_actor_first(c: Cells) -> Expression:
    return _in_codes(c.raw_or_null("inter1"), "1", "1.0")


def _ucdp_candidate(c: Cells) -> Expression:
    """A Candidate row says so in `candidate` or by a code_status other than Clear."""
    parts: list[Expression] = []
    flag = c.input("candidate", "candidate")
    if flag is not None:
        parts.append(
            fn("lower", fn("trim", CoalesceOperator(flag, const("")))).isin(
                const("true"), const("1"), const("t")
            )
        )
    status = c.input("candidate", "code_status")
    if status is not None:
        parts.append(
            CaseExpression(status.isnull() | (status == const("Clear")), const(False)).otherwise(
                fn("trim", status).isnotin(const(""), const("Clear"))
            )
        )
    if not parts:
        return const(False)
    out = parts[0]
    for p in parts[1:]:
        out = out | p
    return out


RULES: dict[RuleName, Callable[[Cells], Expression]] = {
    "state-involved": _state_involved,
    "civilian-target": _civilian_target,
    "by-group-names": _by_group_names,
    "victims-of-one-sided": _victims_of_one_sided,
    "government-on-side-a": _government_on_side_a,
    "state-actor-first": _state_actor_first,
    "ucdp-candidate": _ucdp_candidate,
}


def _code(value: int | RuleName, c: Cells) -> Expression:
    return const(value) if isinstance(value, int) else RULES[value](c)


def violence_type(c: Cells) -> Expression:
    """1/2/3, 0 = not counted by the crosswalk, NULL = unknown (which stops the ingest)."""
    spec = c.found.spec.violence_type
    cell = c.raw("violence_type")
    if cell is None:
        assert spec.otherwise is not None, "a violence type without a column needs `otherwise`"
        return RULES[spec.otherwise](c)
    if spec.type == "code":
        number = as_number(cell)
        return CaseExpression(
            number.isin(*(const(v) for v in spec.allowed)), number.try_cast("INTEGER")
        )
    text = fn("trim", cell)
    if spec.case == "lower":
        text = fn("lower", text)
    return first_match((text == const(v), _code(code, c)) for v, code in spec.crosswalk.items())


def known_violence_types(spec: SourceSpec) -> str:
    f = spec.violence_type
    if f.type == "code":
        return ", ".join(str(v) for v in f.allowed)
    return ", ".join(repr(k) for k in f.crosswalk)


def typed_fields(found: Found) -> list[tuple[str, Expression]]:
    """(name, expression) of the row's fields, typed, each beside the cell it was read from
    (`*_raw`, quoted by row messages): the first projection of the ingest."""
    c = Cells(found)
    spec = found.spec

    def raw(field: str) -> Expression:
        return c.raw_or_null(field)

    def code(field: str) -> Expression:
        return as_number(raw(field)).try_cast("INTEGER")

    def count(field: str) -> Expression:
        f = spec.field(field)
        if f is not None and c.raw(field) is None and f.rule is not None:
            return RULES[f.rule](c)
        return raw(field)

    def coordinate(field: str) -> Expression:
        cell = c.raw(field)
        return as_number(cell) if cell is not None else const(None).cast("DOUBLE")

    def flag(field: str) -> Expression:
        f = spec.field(field)
        return RULES[f.rule](c) if f is not None and f.rule is not None else const(False)

    type_raw = c.raw("violence_type")
    if type_raw is None:
        type_raw = const("(inferred from the actors)")
    civ = count("civilians")
    return [
        ("event_id", c.text("event_id")),
        ("type_raw", type_raw),
        ("type_code", violence_type(c)),
        ("ds_raw", raw("date_start")),
        ("de_raw", raw("date_end")),
        ("ds", as_date(raw("date_start"))),
        ("de", as_date(raw("date_end"))),
        ("date_prec_raw", raw("date_prec")),
        ("date_prec", code("date_prec")),
        ("where_prec_raw", raw("where_prec")),
        ("where_prec", code("where_prec")),
        ("country_raw", c.text("country")),
        ("country_name", c.text("country_name")),
        ("best_raw", raw("best")),
        ("best", as_number(raw("best"))),
        ("low_raw", raw("low")),
        ("low", as_number(raw("low"))),
        ("high_raw", raw("high")),
        ("high", as_number(raw("high"))),
        ("civ_raw", civ),
        ("civilians", as_number(civ)),
        ("side_a", c.text("side_a")),
        ("side_b", c.text("side_b")),
        ("perpetrator_is_gov", flag("perpetrator_is_gov")),
        ("candidate", flag("candidate")),
        ("admin1", c.text("admin1")),
        ("admin2", c.text("admin2")),
        ("latitude", coordinate("latitude")),
        ("longitude", coordinate("longitude")),
    ]
