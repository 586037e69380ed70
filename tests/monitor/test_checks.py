"""Each named ingest check on its own: one bad cell in a real GED extract, the row reported by
its line, field and the check's message, the other rows loaded; each refusal stops the ingest."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import duckdb
import pytest

from protect.monitor.checks import ROW_CHECKS, refusals
from protect.monitor.ingest import IngestError, ingest
from protect.monitor.mapping import column_map, spec_of

from .helpers import query

ROWS = 12
BAD = 5  # the row (0-based) given the bad cell


def _extract(data: Path, tmp_path: Path, changes: dict[str, str]) -> tuple[Path, int]:
    """The first rows of the CAR GED 23.1 extract with `changes` made to row BAD; returns the
    file and the line that row starts on."""
    with open(data / "ged231_car_2013_2014.csv", newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [list(r) for _, r in zip(range(ROWS), reader, strict=False)]
    for column, value in changes.items():
        rows[BAD][header.index(column)] = value
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    line = 0
    for i, row in enumerate(rows):
        if i == BAD:
            line = out.getvalue().count("\n") + 1
        writer.writerow(row)
    path = tmp_path / "extract.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path, line


# check -> (cells changed in the bad row, field the error names, its message)
ROW_CASES: dict[str, tuple[dict[str, str], str, str]] = {
    "violence_type_given": ({"type_of_violence": " "}, "type_of_violence",
                            "type_of_violence is empty"),
    "date_start_given": ({"date_start": ""}, "date_start", "date_start is empty"),
    "date_start_parses": ({"date_start": "2013-13-45"}, "date_start",
                          "date_start '2013-13-45' is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    "date_end_given": ({"date_end": ""}, "date_end", "date_end is empty"),
    "date_end_parses": ({"date_end": "soon"}, "date_end",
                        "date_end 'soon' is not a date (YYYY-MM-DD or DD/MM/YYYY)"),
    "dates_in_order": ({"date_start": "2013-05-02", "date_end": "2013-05-01"}, "date_end",
                       "date_end '2013-05-01' is before date_start"),
    "best_given": ({"best": ""}, "best", "best is empty"),
    "deaths_non_negative": ({"best": "-4"}, "best", "best '-4' is not a non-negative number"),
    "low_non_negative": ({"low": "-1"}, "low", "low '-1' is not a non-negative number"),
    "high_non_negative": ({"high": "many"}, "high", "high 'many' is not a non-negative number"),
    "civilians_non_negative": ({"deaths_civilians": "nan"}, "deaths_civilians",
                               "deaths_civilians 'nan' is not a non-negative number"),
    "country_given": ({"country_id": ""}, "country_id", "country_id is empty"),
    "country_code_known": ({"country_id": "9999"}, "country_id",
                           "country_id '9999' is not a country code the crosswalk knows at "
                           "the event's date"),
}  # fmt: skip


def test_every_row_check_has_its_case() -> None:
    assert set(ROW_CASES) == {c.name for c in ROW_CHECKS}
    assert len({c.name for c in ROW_CHECKS}) == len(ROW_CHECKS)


@pytest.mark.parametrize("name", [c.name for c in ROW_CHECKS])
def test_row_check(name: str, tmp_path: Path, db: Path, data: Path) -> None:
    changes, field, message = ROW_CASES[name]
    path, line = _extract(data, tmp_path, changes)
    report = ingest("ucdp", path, db_path=db)
    assert [(e.line, e.field, e.message) for e in report.errors] == [(line, field, message)]
    assert (report.rows_read, report.rows_loaded, report.rows_skipped) == (ROWS, ROWS - 1, 1)
    assert query(db, "SELECT count(*) FROM events") == [(ROWS - 1,)]


def test_event_id_unique(tmp_path: Path, db: Path, data: Path) -> None:
    with open(data / "ged231_car_2013_2014.csv", newline="", encoding="utf-8") as fh:
        first_id = next(iter(csv.DictReader(fh)))["id"]
    path, line = _extract(data, tmp_path, {"id": first_id})
    report = ingest("ucdp", path, db_path=db)
    assert [(e.line, e.field, e.message) for e in report.errors] == [
        (line, "event_id", f"event id {first_id!r} was already read on line 2; counted once")
    ]
    assert report.rows_loaded == ROWS - 1


REFUSAL_CASES: dict[str, tuple[dict[str, str], str]] = {
    "violence_type_known": ({"type_of_violence": "4"}, "type_of_violence is not a known category"),
    "date_prec_known": ({"date_prec": "9"}, "date_prec is not a known precision code"),
    "where_prec_known": ({"where_prec": "8"}, "where_prec is not a known precision code (1-"),
}


def test_every_refusal_has_its_case() -> None:
    assert set(REFUSAL_CASES) == {r.name for r in refusals(spec_of("ucdp"))}


@pytest.mark.parametrize("name", sorted(REFUSAL_CASES))
def test_refusal(name: str, tmp_path: Path, db: Path, data: Path) -> None:
    changes, message = REFUSAL_CASES[name]
    path, line = _extract(data, tmp_path, changes)
    with pytest.raises(IngestError) as err:
        ingest("ucdp", path, db_path=db)
    text = str(err.value)
    assert text.startswith(message.split(" (")[0]), text
    assert f"line {line}: {next(iter(changes.values()))!r}" in text
    assert "nothing was stored" in text
    assert not query(db, "SELECT count(*) FROM releases")[0][0]


def test_a_bug_in_the_generated_sql_is_not_reported_as_bad_input(
    tmp_path: Path, db: Path, data: Path
) -> None:
    """A mapping that names a column the file does not have is a mistake of the ingest, not of
    the file: DuckDB's binder error surfaces as it is, never as "cannot be read as CSV"."""
    from protect.monitor.ingest import _sniff, _stage
    from protect.monitor.mapping import find_columns

    path = data / "ged231_car_2013_2014.csv"
    layout = _sniff(path)
    found = find_columns("ucdp", layout.header, layout.hxl, path)
    broken = dataclasses.replace(found, column={**found.column, "best": "no_such_column"})
    con = duckdb.connect()
    try:
        with pytest.raises(duckdb.BinderException, match="no_such_column"):
            _stage(con, path, layout, broken)
    finally:
        con.close()


def test_malformed_rows_are_still_input_errors(tmp_path: Path, db: Path, data: Path) -> None:
    """The specific DuckDB errors of a malformed file still lead to the per-row report."""
    path, _line = _extract(data, tmp_path, {})
    head, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(f"{head}\n1,2,3\n{rest}", encoding="utf-8")  # a row of three cells
    report = ingest("ucdp", path, db_path=db)
    assert report.rows_loaded == ROWS
    assert [e.line for e in report.errors] == [2]


def test_the_column_map_names_every_required_field_for_each_kind() -> None:
    cmap = column_map()
    for kind in ("ucdp", "acled", "hxl"):
        spec = getattr(cmap, kind)
        for name in ("violence_type", "date_start", "date_end", "country", "best"):
            field = spec.field(name)
            assert field is not None and field.columns, (kind, name)


def test_a_missing_required_column_is_named_with_the_others_missing(
    tmp_path: Path, db: Path
) -> None:
    path = tmp_path / "cols.csv"
    path.write_text("id,date_start,date_end\n1,2020-01-01,2020-01-01\n", encoding="utf-8")
    with pytest.raises(IngestError) as err:
        ingest("ucdp", path, db_path=db)
    assert "'type_of_violence', 'country_id', 'best'" in str(err.value)


@pytest.mark.parametrize(
    ("field", "problem"),
    [
        ({"type": "category", "columns": ["event_type"]}, "crosswalk"),
        ({"type": "country", "columns": ["iso"]}, "codes"),
        ({"type": "flag"}, "rule"),
        ({"type": "text"}, "columns or a rule"),
        ({"type": "category", "columns": ["t"], "crosswalk": {"Riots": 7}}, "crosswalk codes"),
        ({"type": "text", "columns": ["x"], "rule": "no-such-rule"}, "rule"),
    ],
)
def test_a_broken_mapping_entry_is_refused_at_load(field: dict[str, object], problem: str) -> None:
    from pydantic import ValidationError

    from protect.monitor.mapping import FieldSpec

    with pytest.raises(ValidationError, match=problem):
        FieldSpec.model_validate(field)


@pytest.mark.parametrize(
    ("column", "value", "field", "message"),
    [
        ("best", "-3", "#affected+killed", "#affected+killed '-3' is not a non-negative number"),
        ("iso3", "XYZ", "#country+code",
         "#country+code 'XYZ' is not a country code the crosswalk knows at the event's date"),
        ("date_start", "", "date_start", "date_start is empty"),
    ],
)  # fmt: skip
def test_hxl_row_errors_name_the_tag(
    column: str, value: str, field: str, message: str, tmp_path: Path, db: Path, data: Path
) -> None:
    """An HXL file's errors name the field by the tag the mapping reads it from."""
    with open(data / "hdx221_ukr_2014_08.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    rows[2 + BAD][rows[0].index(column)] = value
    path = tmp_path / "hxl.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    lines = path.read_text(encoding="utf-8").split("\n")
    line = next(i for i, text in enumerate(lines, 1) if text.startswith(rows[2 + BAD][0] + ","))
    report = ingest("hxl", path, db_path=db)
    assert [(e.line, e.field, e.message) for e in report.errors] == [(line, field, message)]
