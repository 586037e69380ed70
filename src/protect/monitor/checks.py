"""The ingest's checks of each row, one named check per thing that can be wrong.

A row check skips its row and reports it by line and field (`ROW_CHECKS`, first failing check
wins); a refusal stops the whole ingest, because the row carries a code the monitor does not
know and guessing would change the numbers (`refusals`, decision 014). Each check is a DuckDB
expression over the typed fields of `mapping.typed_fields` (plus `iso3`, the crosswalked
country) that holds when the row fails it; the typed value is tested first and the text only
for the few rows whose value is missing (decision 024).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from duckdb import CaseExpression, CoalesceOperator, ColumnExpression, Expression

from protect.monitor.mapping import (
    SourceSpec,
    const,
    first_match,
    fn,
    is_blank,
    known_violence_types,
)

_col = ColumnExpression


@dataclass(frozen=True)
class RowCheck:
    """A reason to skip one row. `field` is the mapping's field (its label names it in the
    message), `value` the column whose text the message quotes."""

    name: str
    field: str
    value: str
    what: str

    def fails(self) -> Expression:
        return _ROW_TESTS[self.name]()

    def message(self, label: str, text: str | None) -> str:
        return f"{label} {text!r} {self.what}" if text is not None else f"{label} {self.what}"


def _bad_count(value: str, raw: str) -> Expression:
    """A number that is given (not empty) but unreadable, negative or NaN."""
    v = _col(value)
    return (v.isnull() & ~is_blank(_col(raw))) | (v < const(0)) | fn("isnan", v)


NOT_A_DATE = "is not a date (YYYY-MM-DD or DD/MM/YYYY)"
NOT_A_COUNT = "is not a non-negative number"

ROW_CHECKS: tuple[RowCheck, ...] = (
    RowCheck("violence_type_given", "violence_type", "type_raw", "is empty"),
    RowCheck("date_start_given", "date_start", "ds_raw", "is empty"),
    RowCheck("date_start_parses", "date_start", "ds_raw", NOT_A_DATE),
    RowCheck("date_end_given", "date_end", "de_raw", "is empty"),
    RowCheck("date_end_parses", "date_end", "de_raw", NOT_A_DATE),
    RowCheck("dates_in_order", "date_end", "de_raw", "is before date_start"),
    RowCheck("best_given", "best", "best_raw", "is empty"),
    RowCheck("deaths_non_negative", "best", "best_raw", NOT_A_COUNT),
    RowCheck("low_non_negative", "low", "low_raw", NOT_A_COUNT),
    RowCheck("high_non_negative", "high", "high_raw", NOT_A_COUNT),
    RowCheck("civilians_non_negative", "civilians", "civ_raw", NOT_A_COUNT),
    RowCheck("country_given", "country", "country_raw", "is empty"),
    RowCheck(
        "country_code_known",
        "country",
        "country_raw",
        "is not a country code the crosswalk knows at the event's date",
    ),
)
"""In the order they are tried; a row is reported for the first it fails."""

_ROW_TESTS = {
    "violence_type_given": lambda: _col("type_code").isnull() & is_blank(_col("type_raw")),
    "date_start_given": lambda: _col("ds").isnull() & is_blank(_col("ds_raw")),
    "date_start_parses": lambda: _col("ds").isnull(),
    "date_end_given": lambda: _col("de").isnull() & is_blank(_col("de_raw")),
    "date_end_parses": lambda: _col("de").isnull(),
    "dates_in_order": lambda: _col("de") < _col("ds"),
    "best_given": lambda: _col("best").isnull() & is_blank(_col("best_raw")),
    "deaths_non_negative": lambda: (
        _col("best").isnull() | (_col("best") < const(0)) | fn("isnan", _col("best"))
    ),
    "low_non_negative": lambda: _bad_count("low", "low_raw"),
    "high_non_negative": lambda: _bad_count("high", "high_raw"),
    "civilians_non_negative": lambda: _bad_count("civilians", "civ_raw"),
    "country_given": lambda: _col("country_raw").isnull(),
    "country_code_known": lambda: _col("iso3").isnull() & _col("ds").isnotnull(),
}

REPEATED = len(ROW_CHECKS)
"""The `failed` index of a row whose event id an earlier accepted row of the file has
(check `event_id_unique`)."""
EVENT_ID_UNIQUE = "event_id_unique"


def first_failure() -> Expression:
    """The index in `ROW_CHECKS` of the first check a row fails, or NULL."""
    return first_match((check.fails(), const(i)) for i, check in enumerate(ROW_CHECKS))


def failure_text() -> Expression:
    """The text the message of the failed check quotes (NULL when blank)."""
    return first_match(
        (_col("failed") == const(i), fn("nullif", fn("trim", _col(check.value)), const("")))
        for i, check in enumerate(ROW_CHECKS)
    )


@dataclass(frozen=True)
class Refusal:
    """A code the monitor does not know: the whole file is refused, as guessing would change
    the counts (decision 014)."""

    name: str
    field: str
    raw: str
    what: str
    fails: Expression


def refusals(spec: SourceSpec) -> list[Refusal]:
    """The refusals that apply to a kind of file, in the order they are reported."""
    out = [
        Refusal(
            "violence_type_known",
            "violence_type",
            "type_raw",
            f"is not a known category ({known_violence_types(spec)})",
            _col("type_code").isnull() & ~is_blank(_col("type_raw")),
        )
    ]
    for field, name in (("date_prec", "date_prec_known"), ("where_prec", "where_prec_known")):
        f = spec.field(field)
        if f is None or not f.allowed:
            continue
        allowed = ", ".join(str(v) for v in f.allowed)
        unknown = CoalesceOperator(_col(field).isnotin(*(const(v) for v in f.allowed)), const(True))
        out.append(
            Refusal(
                name,
                field,
                f"{field}_raw",
                f"is not a known precision code ({allowed})",
                unknown & ~is_blank(_col(f"{field}_raw")),
            )
        )
    return out


def first_refusal(checks: Sequence[Refusal]) -> tuple[Expression, Expression]:
    """(index of the first refusal a row meets or NULL, the text it quotes)."""
    index = first_match((r.fails, const(k)) for k, r in enumerate(checks))
    text = first_match(
        (_col("refused") == const(k), fn("trim", _col(r.raw))) for k, r in enumerate(checks)
    )
    return index, text


# ---------------------------------------------------------------------------------------------
# Countries
# ---------------------------------------------------------------------------------------------


def _by_number(pairs: Sequence[tuple[int, str]]) -> Expression:
    """A list indexed by the number: one step per row, where a map searches its keys."""
    table = dict(pairs)
    top = max(table)
    items = [table.get(n) for n in range(top + 1)]
    c_num = _col("c_num")
    return CaseExpression(
        c_num.between(const(0), const(top)), fn("list_extract", const(items), c_num + const(1))
    )


def _held(first: dt.date | None, last: dt.date | None) -> Expression:
    """The event's date lies in a holder's span of a GW number (open ends: always)."""
    bounds = const(True)
    if first:
        bounds = _col("ds") >= const(first)
    if last:
        bounds = bounds & (_col("ds") <= const(last))
    return bounds


def country_number() -> Expression:
    """The cell as a whole number (GW and ISO numeric codes), NULL when it is not one."""
    return fn("trunc", _col("country_raw").try_cast("DOUBLE")).try_cast("INTEGER")


def country_codes(codes: str) -> tuple[Expression, Expression]:
    """(ISO3 code, GW number) of a row from its `country_raw`, `c_num` and `ds`, written out
    from the knowledge crosswalk. GW numbers are date-aware: a number that changed holder (or
    that a state held only for a time) is tested against the event's date; the rest are one
    look-up. An expression rather than a join keeps the rows in file order, which is what
    numbers them (decision 024)."""
    from protect.knowledge import countries

    no_gw = const(None).cast("INTEGER")
    if codes == "iso3":
        upper = fn("upper", _col("country_raw"))
        known = [const(c.iso3) for c in countries.all_countries()]
        return CaseExpression(upper.isin(*known), upper), no_gw
    if codes == "isonum":
        # Kosovo has no ISO 3166-1 numeric code; ACLED writes 0 and names it (decision 016).
        kosovo = CaseExpression(
            (_col("c_num") == const(0)) & (_col("country_name") == const("Kosovo")),
            const("XKX"),
        )
        return CoalesceOperator(_by_number(countries.numeric_codes()), kosovo), no_gw
    spans: dict[int, list[tuple[dt.date | None, dt.date | None, str]]] = {}
    for gw, first, last, iso3 in countries.gw_spans():
        spans.setdefault(gw, []).append((first, last, iso3))
    fixed = {gw: s[0][2] for gw, s in spans.items() if len(s) == 1 and s[0][:2] == (None, None)}
    dated: Expression | None = None
    for gw, held in sorted(spans.items()):
        if gw in fixed:
            continue
        inner = first_match((_held(first, last), const(iso3)) for first, last, iso3 in held)
        test = _col("c_num") == const(gw)
        dated = CaseExpression(test, inner) if dated is None else dated.when(test, inner)
    # Most rows carry a number with a single holder: the list answers them, and only the rest
    # (coalesce evaluates its second argument only where the first is NULL) reach the tests.
    lookup = _by_number(sorted(fixed.items()))
    return (CoalesceOperator(lookup, dated) if dated is not None else lookup), _col("c_num")
