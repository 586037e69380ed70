"""Hostile situation files against `protect assess` and `protect validate`, each in its own
process under 1 GiB of address space and 30 s: a result or a clear error (exit 2, lines
`error: ...`), never a traceback, never a peak over 1 GB."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .limits import PEAK_LIMIT_KB, Run, run_protect
from .strategies import VALID, hostile_yaml

NAMED = {
    "alias bomb (9 levels of 9)": (
        "\n".join(
            ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
            + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
        )
        + "\ncountry: KEN\ndate: 2008-01-15\nstate_role: unable\narmed_conflict: *a8\n",
        "aliases (*name) would repeat more than 10000 values",
    ),
    "100k-deep flow list": ("[" * 100_000 + "]" * 100_000, "nested deeper than 20 levels"),
    "lone surrogate": (
        'name: "\\ud800"\ncountry: KEN\ndate: 2008-01-15\narmed_conflict: none\n'
        "state_role: unable\n",
        "name: is not valid UTF-8 text",
    ),
    "huge field": (
        "armed_conflict: " + "x" * 500_000 + "\ncountry: KEN\ndate: 2008-01-15\n"
        "state_role: unable\n",
        "(500000 characters) is not allowed",
    ),
    "key twice": (
        "country: KEN\ndate: 2008-01-15\narmed_conflict: none\nstate_role: unable\ncountry: UGA\n",
        "line 5, column 1: key 'country' is given twice (first on line 1)",
    ),
    "impossible unquoted date": (
        "country: KEN\ndate: 2011-02-29\narmed_conflict: none\nstate_role: unable\n",
        "date: 2011-02-29 is not a real calendar date",
    ),
}


def _check(run: Run, command: str) -> None:
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.peak_kb < PEAK_LIMIT_KB, run.peak_kb
    assert run.returncode in (0, 2), (run.returncode, run.stderr[-2000:])
    if run.returncode == 2:
        lines = run.stderr.splitlines()
        assert lines and all(line.startswith("error: ") for line in lines), run.stderr[:2000]
        assert run.stdout == ""
        assert len(run.stderr) < 20_000  # quoted values are cut to 200 characters
    elif command == "validate":
        assert run.stdout.endswith("valid\n")
    else:
        assert run.stdout.strip()


def test_named_hostile_files(tmp_path: Path) -> None:
    """Each named attack of issue 16, through both commands (three processes at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    jobs = []
    for i, (name, (text, words)) in enumerate(NAMED.items()):
        path = tmp_path / f"hostile-{i}.yaml"
        path.write_text(text, encoding="utf-8")
        jobs += [(name, command, path, words) for command in ("assess", "validate")]
    with ThreadPoolExecutor(max_workers=3) as pool:
        runs = list(pool.map(lambda job: run_protect(job[1], str(job[2])), jobs))
    for (name, command, _path, words), run in zip(jobs, runs, strict=True):
        _check(run, command)
        assert run.returncode == 2 and words in run.stderr, (name, command, run.stderr[:1000])


@settings(
    max_examples=14,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=hostile_yaml(), command=st.sampled_from(["assess", "validate"]))
def test_generated_hostile_files(tmp_path: Path, text: str, command: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    _check(run_protect(command, str(path)), command)


def test_a_valid_file_still_assesses(tmp_path: Path) -> None:
    path = tmp_path / "valid.yaml"
    path.write_text("".join(f"{k}: {v}\n" for k, v in VALID.items()), encoding="utf-8")
    run = run_protect("assess", str(path), "--format", "json")
    _check(run, "assess")
    assert run.returncode == 0 and '"stage"' in run.stdout
