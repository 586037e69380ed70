"""Every error path of the assessment contract: exit 2, one line per problem naming the field,
no traceback, and the same errors from the Python API."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from protect import Situation
from protect.engine.errors import format_errors


def _error_lines(result: Any) -> list[str]:
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines and all(line.startswith("error: ") for line in lines)
    return lines


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"colour": "red"}, "colour", "unknown field"),
        ({"post_conflict": "sometimes"}, "post_conflict", "true or false"),
        ({"post_conflict": 1}, "post_conflict", "true or false"),
        ({"date": "1994-02-30"}, "date", "not a real calendar date"),
        ({"date": "15/01/2008"}, "date", "YYYY-MM-DD"),
        ({"date": 20080115}, "date", "YYYY-MM-DD"),
        ({"armed_conflict": "civil-war"}, "armed_conflict", "international, non-international"),
        ({"state_role": "bystander"}, "state_role", "protecting, unable, unwilling, perpetrator"),
        ({"country": "XXX"}, "country", "'XXX' is not an ISO 3166-1 alpha-3 code"),
        ({"country": "ken"}, "country", "did you mean 'KEN'"),
        ({"atrocities": {"genocid": "risk"}}, "atrocities.genocid", "unknown field"),
        ({"atrocities": {"genocide": "likely"}}, "atrocities.genocide", "none, risk, imminent"),
        ({"atrocities": ["genocide"]}, "atrocities", "mapping"),
        ({"peacekeeping": {"present": "yes please"}}, "peacekeeping.present", "true or false"),
        (
            {"security_council": {"seized": True, "vetoed": True}},
            "security_council.vetoed",
            "unknown field",
        ),
        ({"icc_state_party": "no"}, "icc_state_party", "true or false"),
    ],
)
def test_bad_field_is_named(
    run: Callable[..., Any], base: dict[str, Any], change: dict[str, Any], field: str, words: str
) -> None:
    lines = _error_lines(run({**base, **change}))
    assert any(f": {field}: " in line and words in line for line in lines), lines


@pytest.mark.parametrize("missing", ["country", "date", "armed_conflict", "state_role"])
def test_missing_required_field(
    run: Callable[..., Any], base: dict[str, Any], missing: str
) -> None:
    del base[missing]
    lines = _error_lines(run(base))
    assert any(f": {missing}: required field is missing" in line for line in lines)


def test_every_problem_is_reported_once(run: Callable[..., Any], base: dict[str, Any]) -> None:
    lines = _error_lines(run({**base, "country": "XXX", "date": "2008-13-01", "extra": 1}))
    assert len(lines) == 3


def test_list_errors_carry_the_index(run: Callable[..., Any], base: dict[str, Any]) -> None:
    lines = _error_lines(run([base, {**base, "state_role": "villain"}]))
    assert len(lines) == 1 and ": [1].state_role: " in lines[0]


def test_malformed_yaml_names_the_line(run: Callable[..., Any]) -> None:
    lines = _error_lines(run(None, raw="country: KEN\ndate: [2008-01-15\n"))
    assert "line 3" in lines[0] or "line 2" in lines[0]
    assert "malformed" in lines[0]


@pytest.mark.parametrize("raw", ["", "just a string\n", "42\n", "[]\n"])
def test_not_a_situation(run: Callable[..., Any], raw: str) -> None:
    lines = _error_lines(run(None, raw=raw))
    assert "(document)" in lines[0]


def test_missing_file() -> None:
    from typer.testing import CliRunner

    from protect.cli.main import app

    result = CliRunner().invoke(app, ["assess", "/nonexistent/situation.yaml"])
    lines = _error_lines(result)
    assert "cannot read the file" in lines[0]


def test_validate_command_shares_the_errors(run: Callable[..., Any], base: dict[str, Any]) -> None:
    lines = _error_lines(run({**base, "date": "2008-02-30"}, "validate"))
    assert ": date: " in lines[0]
    ok = run(base, "validate")
    assert ok.exit_code == 0 and "1 situation valid" in ok.stdout


def test_python_api_raises_the_same_fields(base: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as info:
        Situation.model_validate({**base, "country": "XXX", "armed_conflict": "war"})
    lines = format_errors(info.value)
    assert [line.split(":")[0] for line in lines] == ["country", "armed_conflict"]


def test_nothing_is_printed_on_stdout_for_errors(
    run: Callable[..., Any], base: dict[str, Any]
) -> None:
    result = run({**base, "country": "XXX"}, "assess", "--format", "json")
    assert result.exit_code == 2 and result.stdout == ""


def test_binary_file_is_refused(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from protect.cli.main import app

    path = tmp_path / "situation.yaml"
    path.write_bytes(b"\xff\xfe\x00country: KEN")
    lines = _error_lines(CliRunner().invoke(app, ["assess", str(path)]))
    assert "not UTF-8 text" in lines[0]
