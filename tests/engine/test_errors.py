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


# --- hostile documents (issue 16): bounded memory and time, a clear error, never a traceback ---

KENYA = "name: Kenya 2008\ncountry: KEN\narmed_conflict: none\nstate_role: unable\n"


def _bomb(levels: int) -> str:
    """The classic alias bomb: each level repeats the one before nine times."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return (
        "date: 2008-01-15\n"
        + KENYA.replace("armed_conflict: none\n", "")
        + "\n".join(lines)
        + f"\narmed_conflict: *l{levels - 1}\n"
    )


def _run_limited(tmp_path: Path, text: str, command: str) -> Any:
    """`protect COMMAND FILE` in its own process, under 1 GiB of address space and 60 s."""
    import resource
    import subprocess
    import sys

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))

    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    return subprocess.run(
        [str(Path(sys.executable).with_name("protect")), command, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=limit,
    )


@pytest.mark.parametrize("command", ["assess", "validate"])
def test_alias_bomb_is_refused_in_bounded_memory(tmp_path: Path, command: str) -> None:
    bomb = _bomb(9)  # 9**9 strings once expanded; about 400 bytes written
    assert len(bomb) < 600
    result = _run_limited(tmp_path, bomb, command)
    assert result.returncode == 2, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert "aliases" in result.stderr and "10000 values" in result.stderr
    assert len(result.stderr) < 400


def test_a_few_aliases_still_work(run: Callable[..., Any]) -> None:
    raw = (
        "- &kenya {country: KEN, date: 2008-01-15, armed_conflict: none, state_role: unable}\n"
        "- {<<: *kenya, date: 2008-02-15}\n"
    )
    result = run(None, "validate", raw=raw)
    assert result.exit_code == 0, result.output
    assert "2 situations valid" in result.stdout


def test_recursive_alias_is_refused(run: Callable[..., Any]) -> None:
    lines = _error_lines(run(None, raw=KENYA + "date: 2008-01-15\natrocities: &a {x: *a}\n"))
    assert "refers to a value that contains it" in lines[0]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"armed_conflict": "x" * 100_000}, "armed_conflict"),
        ({"country": "K" * 100_000}, "country"),
        ({"atrocities": {"genocide": ["y" * 1000] * 1000}}, "atrocities.genocide"),
        ({"z" * 100_000: 1}, "z" * 200),
    ],
)
def test_errors_quote_at_most_200_characters(
    run: Callable[..., Any], base: dict[str, Any], change: dict[str, Any], field: str
) -> None:
    lines = _error_lines(run({**base, **change}))
    assert len(lines) == 1 and f": {field}" in lines[0], lines
    assert len(lines[0]) < 600, len(lines[0])


@pytest.mark.parametrize("command", ["assess", "validate"])
@pytest.mark.parametrize("date", ["2011-13-45", "2011-02-30", "0000-01-01", "2011-02-29"])
def test_impossible_unquoted_date_names_the_field(
    run: Callable[..., Any], command: str, date: str
) -> None:
    lines = _error_lines(run(None, command, raw=f"date: {date}\n" + KENYA))
    assert lines == [f"error: {lines[0].split(': ')[1]}: date: {date} is not a real calendar date"]


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ("when: 2011-02-30\n", "when"),
        ("atrocities: {genocide: 2011-13-45}\n", "atrocities.genocide"),
        ("n: [1, 0000-01-01]\n", "n[1]"),
    ],
)
def test_impossible_date_anywhere_names_its_field(
    run: Callable[..., Any], extra: str, field: str
) -> None:
    """Contract 4.5: an impossible date anywhere is an error naming the field."""
    lines = _error_lines(run(None, raw="date: 2008-01-15\n" + KENYA + extra))
    date = extra.split(": ")[-1].strip("[]{}\n").split(", ")[-1].strip("}]")
    assert lines[0].endswith(f": {field}: {date} is not a real calendar date"), lines


def test_a_real_unquoted_date_in_a_string_field_is_still_a_type_error(
    run: Callable[..., Any],
) -> None:
    lines = _error_lines(
        run(None, raw="date: 2008-01-15\n" + KENYA.replace("Kenya 2008", "2008-01-16"))
    )
    assert lines[0].endswith(": name: must be a string"), lines


def test_unquoted_date_still_reads(run: Callable[..., Any]) -> None:
    result = run(None, "validate", raw="date: 2008-01-15\n" + KENYA)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("command", ["assess", "validate"])
def test_a_key_given_twice_is_an_error_naming_key_and_line(
    run: Callable[..., Any], command: str
) -> None:
    raw = "date: 2008-01-15\n" + KENYA + "atrocities:\n  genocide: risk\n  genocide: ongoing\n"
    lines = _error_lines(run(None, command, raw=raw))
    assert len(lines) == 1
    assert "line 8" in lines[0] and "key 'genocide' is given twice (first on line 7)" in lines[0]
    lines = _error_lines(run(None, command, raw="date: 2008-01-15\n" + KENYA + "country: UGA\n"))
    assert "key 'country' is given twice (first on line 3)" in lines[0]


@pytest.mark.parametrize("command", ["assess", "validate"])
@pytest.mark.parametrize("opener", ["[", "{a: "])
def test_deep_nesting_names_the_limit(run: Callable[..., Any], command: str, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    lines = _error_lines(run(None, command, raw=opener * 100_000 + closer * 100_000))
    assert "nested deeper than 20 levels" in lines[0]


def test_lone_surrogate_names_the_field(run: Callable[..., Any]) -> None:
    lines = _error_lines(run(None, raw='date: 2008-01-15\nname: "a\\ud800"\n' + KENYA[17:]))
    assert lines[0].endswith("name: is not valid UTF-8 text (lone surrogate at character 1)")


def test_a_number_too_long_to_read_names_its_line(run: Callable[..., Any]) -> None:
    lines = _error_lines(run(None, raw="date: 2008-01-15\n" + KENYA + "n: 1" + "0" * 5000))
    assert "line 6" in lines[0] and "cannot read this value" in lines[0]


@pytest.mark.parametrize("how", [{}, {"exclude_unset": True}, {"exclude_defaults": True}])
def test_a_long_form_crime_round_trips_through_every_dump(how: dict[str, bool]) -> None:
    """A crime given only its `committed` period dumps and reads back the same (the service
    stores situations with `exclude_unset`; a schemathesis run found the dump failing)."""
    from protect import Situation

    doc = {"country": "KEN", "date": "2013-03-04", "armed_conflict": "none",
           "state_role": "unable",
           "atrocities": {"genocide": {"committed": [{"from": "2008-01-01", "to": None}]},
                          "war-crimes": "risk"}}  # fmt: skip
    s = Situation.model_validate(doc)
    again = Situation.model_validate(s.model_dump(mode="json", **how))
    assert again == s


def test_a_key_with_a_line_break_is_quoted_so_the_error_stays_on_one_line() -> None:
    """Found by the CLI fuzzer: a YAML key holding NEL (U+0085), which text tools read as a line
    break, split the error across two lines."""
    from protect.engine.errors import field_path

    assert field_path(("name", "a\x85b")) == "name.'a\\x85b'"
    assert field_path(("atrocities", "genocide", 0)) == "atrocities.genocide[0]"
    assert "\n" not in field_path(("x", "line\nbreak")) and field_path(("ok",)) == "ok"
