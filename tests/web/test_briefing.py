"""The briefing PDF from the command line and from the country page: its text (read back with
poppler's pdftotext) holds the country, the month and the summary's first measure."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from protect.cli.main import app

PDFTOTEXT = shutil.which("pdftotext")
pytestmark = [
    pytest.mark.usefixtures("events"),
    pytest.mark.skipif(PDFTOTEXT is None, reason="needs pdftotext (apt: poppler-utils)"),
]


def _text(pdf: bytes, tmp_path: Path) -> str:
    assert PDFTOTEXT is not None and pdf.startswith(b"%PDF-")
    path = tmp_path / "read.pdf"
    path.write_bytes(pdf)
    out = subprocess.run([PDFTOTEXT, str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def _first_measure(client: TestClient, month: str) -> str:
    summary = client.get(f"/api/v1/situations/MMR/{month}").json()["assessment"]["summary"]
    return str(summary["open_measures"][0]["title"])


def test_protect_brief_writes_the_pdf(client: TestClient, tmp_path: Path) -> None:
    out = tmp_path / "mmr.pdf"
    result = CliRunner().invoke(app, ["brief", "MMR", "--month", "2017-09", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert f"wrote {out}" in result.stderr
    text = _text(out.read_bytes(), tmp_path)
    assert "Briefing: Myanmar (MMR), 2017-09" in text
    assert _first_measure(client, "2017-09") in text
    for heading in ("Measures available, by actor", "Tensions", "Sources", "UN Security Council"):
        assert heading in text
    assert "current-crisis" in text and "Consent and sovereignty" in text


def test_the_page_download_is_the_same_briefing(client: TestClient, tmp_path: Path) -> None:
    got = client.get("/country/MMR/brief.pdf?month=2018-03")
    assert got.status_code == 200 and got.headers["content-type"] == "application/pdf"
    assert 'filename="briefing-MMR-2018-03.pdf"' in got.headers["content-disposition"]
    text = _text(got.content, tmp_path)
    assert "Briefing: Myanmar (MMR), 2018-03" in text and _first_measure(client, "2018-03") in text
    france = client.get("/country/FRA/brief.pdf")
    assert france.status_code == 404 and "No data for FRA" in france.text


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["XYZ", "--month", "2017-09"], "'XYZ' is not an ISO 3166-1 alpha-3 code"),
        (["MMR", "--month", "2017-13"], "--month: month '2017-13' has no month 13"),
        (["MMR", "--month", "2030-01"], "no panel data for MMR in 2030-01"),
        (["FRA", "--month", "2017-09"], "no data for FRA"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_file(
    args: list[str], message: str, tmp_path: Path
) -> None:
    out = tmp_path / "out" / "b.pdf"
    out.parent.mkdir()
    result = CliRunner().invoke(app, ["brief", *args, "--out", str(out)])
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()
    assert list(out.parent.iterdir()) == []


def test_the_briefing_carries_the_latest_approved_framework_assessment(tmp_path: Path) -> None:
    """Issue 15: the country briefing includes the latest approved Framework of Analysis
    assessment (the store is the private one of this test's PROTECT_HOME)."""
    from protect.service import foa
    from protect.service.roles import Principal
    from protect.storage import Database

    db = Database()
    db.migrate()
    analyst, reviewer = Principal("ana", "analyst"), Principal("rev", "analyst")
    ratings = [
        {"factor": n, "rating": "high" if n == 1 else "unknown", "reasoning": "test"}
        for n in range(1, 15)
    ]
    record = foa.create(db, analyst, {"country": "MMR", "date": "2017-09-30"})
    foa.rate(db, analyst, record.id, {"ratings": ratings})
    foa.submit(db, analyst, record.id)
    out = tmp_path / "draft.pdf"
    assert (
        CliRunner().invoke(app, ["brief", "MMR", "--month", "2017-09", "--out", str(out)]).exit_code
        == 0
    )
    assert "approved assessment of" not in _text(out.read_bytes(), tmp_path)  # not yet approved
    foa.review(db, reviewer, record.id, {"decision": "approve", "comment": "Agreed."})
    out = tmp_path / "approved.pdf"
    result = CliRunner().invoke(app, ["brief", "MMR", "--month", "2017-09", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    text = _text(out.read_bytes(), tmp_path)
    assert "Framework of Analysis: approved assessment of 2017-09-30" in text
    assert "1. Armed conflict" in text or "1. Situations of armed conflict" in text
    db.dispose()
