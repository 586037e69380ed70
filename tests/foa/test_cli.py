"""`protect foa` end to end, as the README walks through it: new, suggest, rate, submit,
review by a second user, show, diff, history and export to PDF, JSON and Markdown; bad input
ends with one line and exit 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protect.cli.main import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.usefixtures("data_home")
def test_the_readme_walk_through(tmp_path: Path) -> None:
    code, out, err = run("users", "add", "rev", "--role", "analyst")
    assert code == 0, err
    code, out, err = run("foa", "new", "MMR", "2017-09-30", "--format", "json")
    assert code == 0, err
    foa_id = str(json.loads(out)["id"])

    code, out, err = run("foa", "suggest", foa_id)
    assert code == 0, err
    assert "[suggested high: machine-made, data of 2017-09]" in out
    assert "11. Signs of a widespread or systematic attack" in out

    code, out, err = run("foa", "rate", foa_id, "all", "--accept")
    assert code == 0, err
    assert (
        "11. Signs of a widespread or systematic attack against any civilian population: "
        "high (accepted suggestion)" in out
    )
    code, out, err = run(
        "foa", "rate", foa_id, "7", "high",
        "--reason", "More than 500,000 people fled within a month.",
        "--evidence", "Mass flight to Bangladesh|Refugees International policy brief|2017-10",
    )  # fmt: skip
    assert code == 0, err
    code, out, err = run(
        "foa", "rate", foa_id, "4,5,8,10,12,14", "unknown", "--reason", "Not assessed here."
    )
    assert code == 0, err

    code, out, err = run("foa", "submit", foa_id, "--note", "Ready.")
    assert code == 0, err
    assert "submitted" in out and "Category: current-crisis" in out

    code, out, err = run("foa", "review", foa_id, "approve")  # the operator submitted it
    assert code == 2 and "someone other than the analyst who submitted" in err
    assert "Traceback" not in err + out
    code, out, err = run("foa", "review", foa_id, "approve", "--comment", "Agreed.", "--as", "rev")
    assert code == 0, err
    assert "approved" in out and "approve by rev: Agreed." in out

    pdf = tmp_path / "mmr.pdf"
    code, out, err = run("foa", "export", foa_id, "--out", str(pdf))
    assert code == 0, err
    assert pdf.read_bytes().startswith(b"%PDF-") and "wrote" in err
    code, out, err = run("foa", "export", foa_id, "--format", "json", "--out", "-")
    assert code == 0 and json.loads(out)["status"] == "approved"
    code, out, err = run("foa", "export", foa_id, "--format", "markdown", "--out", "-")
    assert code == 0 and out.startswith("# Atrocity-risk assessment: MMR, 2017-09-30")
    assert "| 7. Enabling circumstances or preparatory action | high | local:" in out

    code, out, err = run("foa", "show", foa_id, "--version", "1", "--format", "json")
    assert code == 0 and json.loads(out)["version"] == 1
    code, out, err = run("foa", "diff", foa_id, foa_id, "--before-version", "2")
    assert code == 0 and "*  7. Enabling circumstances or preparatory action: None -> high" in out
    code, out, err = run("foa", "history", "MMR")
    assert code == 0 and "2017-09-30 v7 approved  current-crisis" in out


@pytest.mark.usefixtures("data_home")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("foa", "new", "MMR", "30/09/2017"),
            "date: '30/09/2017' is not a date written YYYY-MM-DD",
        ),
        (("foa", "new", "XYZ", "2017-09-30"), "country: 'XYZ' is not an ISO 3166-1 alpha-3 code"),
        (("foa", "show", "99"), "no Framework assessment with id 99"),
        (("foa", "rate", "1", "3"), "give a rating"),
        (("foa", "rate", "1", "x", "low"), "is not a factor number"),
        (("foa", "rate", "1", "3", "low", "--evidence", "just text"), "--evidence 1: write"),
        (("foa", "new", "MMR", "2017-09-30", "--situation", "/nonexistent.yaml"), "cannot read"),
        (("foa", "review", "1", "approve", "--as", "nobody"), "nobody"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    run("foa", "new", "MMR", "2017-09-30")
    code, out, err = run(*args)
    assert code == 2, (out, err)
    assert message in err and err.startswith("error: ")
    assert "Traceback" not in out + err


@pytest.mark.usefixtures("data_home")
def test_a_situation_file_gives_the_engine_its_facts(tmp_path: Path) -> None:
    facts = tmp_path / "bdi.yaml"
    facts.write_text(
        "country: BDI\ndate: 2015-11-30\narmed_conflict: none\nstate_role: perpetrator\n"
        "atrocities: {crimes-against-humanity: risk}\n",
        encoding="utf-8",
    )
    code, out, err = run("foa", "new", "BDI", "2015-11-30", "--situation", str(facts), "-f", "json")
    assert code == 0, err
    record = json.loads(out)
    assert record["situation_source"] == "analyst"
    assert record["situation"]["atrocities"]["crimes-against-humanity"] == "risk"
    bad = tmp_path / "bad.yaml"
    bad.write_text("armed_conflict: civil-war\nstate_role: perpetrator\n", encoding="utf-8")
    code, out, err = run("foa", "new", "BDI", "2015-11-30", "--situation", str(bad))
    assert code == 2 and "situation" in err and "armed_conflict" in err
