"""Legal dates and pinpoints have one home, the knowledge YAML: the Python names keys, never
the fact itself (decision 041).

Every string constant and date constructor in `src/protect/**/*.py` is read off the syntax tree.
Docstrings and field descriptions may name the article a piece of code implements, so that a
reader can check it; a value the program prints or computes with may not. The few date literals
that are not legal facts are listed below, each with its reason.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path
from typing import get_args

import pytest

import protect

SRC = Path(protect.__file__).resolve().parent

PINPOINT = re.compile(
    r"\b(?:Arts?\.|Articles?|paras?\.|paragraphs?|res\.?)\s*\d[\w()-]*"  # Art. 11, para. 139
    r"|\bArts?\.\s*[IVX]+\b"  # Art. IX
    r"|\bresolutions?\s+\d|\b[ASE]/RES/\d"  # resolution 1973, S/RES/1973
    r"|§\s*\d"
)
ISO_DATE = re.compile(r"\b(?:1[5-9]|2\d)\d\d-[01]\d-[0-3]\d\b")
YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")
# Legal modules, where a bare year in a string is a date too ("R2P not yet adopted (2005)").
LEGAL = ("engine", "knowledge")

# (file, the literal or `date(...)` call as written) -> why it is not a legal fact.
ALLOWED: dict[tuple[str, str], str] = {
    ("engine/documents.py", "tag:yaml.org,2002:timestamp"): "a YAML tag URI, not a date",
    ("engine/documents.py", "tag:yaml.org,2002:merge"): "a YAML tag URI, not a date",
    ("monitor/subnational.py", "date(1970, 1, 1)"): "the Unix epoch: day numbers for DuckDB",
    ("monitor/ingest.py", "1970-01-01"): "the Unix epoch in SQL: day numbers",
    ("monitor/store.py", "1970-01-01"): "the Unix epoch in SQL: month numbers",
    ("risk/files.py", "2025-09-03"): "part of a data file's name (the EWP release)",
    ("monitor/bulk.py", "2000-01-01"): "any valid date: a probe validating one category value",
    ("service/assessments.py", "2020-01-01"): "any valid date: the warm-up assessment",
    ("monitor/fetch.py", "1997-01-01"): "the first month ACLED covers, the default of --since",
}


def _documentation(tree: ast.AST) -> set[int]:
    """Ids of the string nodes that document rather than compute: docstrings (of modules,
    classes, functions and attributes) and `description=` of pydantic fields."""
    ids: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        for stmt in body if isinstance(body, list) else []:
            if (
                isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                ids.add(id(stmt.value))
        if isinstance(node, ast.keyword) and node.arg == "description":
            ids.update(id(n) for n in ast.walk(node.value) if isinstance(n, ast.Constant))
    return ids


def _date_call(node: ast.Call) -> str | None:
    """`date(2002, 7, 1)` for a date built from constants, whatever the module is called."""
    name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
    if name != "date" or not node.args:
        return None
    if not all(isinstance(a, ast.Constant) and isinstance(a.value, int) for a in node.args):
        return None
    return f"date({', '.join(str(a.value) for a in node.args)})"  # type: ignore[attr-defined]


def findings(root: Path = SRC) -> Iterator[tuple[str, int, str, str]]:
    """(file, line, what, literal) for every legal date or pinpoint written in the Python."""
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = _documentation(tree)
        legal = rel.split("/")[0] in LEGAL
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and (call := _date_call(node)) is not None:
                yield rel, node.lineno, "date", call
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in docs
            ):
                text = node.value
                if m := PINPOINT.search(text):
                    yield rel, node.lineno, "pinpoint", m[0]
                for m in ISO_DATE.finditer(text):
                    yield rel, node.lineno, "date", m[0]
                if legal and not ISO_DATE.search(text) and YEAR.search(text):
                    yield rel, node.lineno, "year", text


def _unexplained(root: Path = SRC) -> list[str]:
    out = []
    for rel, line, what, literal in findings(root):
        if (rel, literal) in ALLOWED:
            continue
        out.append(f"{rel}:{line}: {what} {literal!r}")
    return out


def test_no_legal_date_or_pinpoint_is_written_in_python() -> None:
    assert _unexplained() == [], (
        "put the fact in the knowledge YAML (norms.yaml `provisions` for a pinpoint the engine "
        "names; rome_statute.yaml `rule`; instruments.yaml for a date) and read it from there"
    )


def test_every_allowed_literal_is_still_there() -> None:
    """An allow-list entry whose literal is gone must go too, so that it cannot cover a new one."""
    found = {(rel, literal) for rel, _line, _what, literal in findings()}
    assert [key for key in ALLOWED if key not in found] == []


def test_the_scan_catches_what_it_is_for(tmp_path: Path) -> None:
    """A copy of the engine with facts written back in the Python: each one is reported."""
    bad = tmp_path / "engine" / "bad.py"
    bad.parent.mkdir()
    bad.write_text(
        '"""Docstrings may say Art. 126(1) and 2002-07-01."""\n'
        "import datetime as dt\n"
        "IN_FORCE = dt.date(2002, 7, 1)\n"
        'WORDS = "the state is not a party (Art. 14)"\n'
        'THRESHOLD = f"the response threshold of para. 139 is met for {1}"\n'
        'SINCE = "2005-09-16"\n'
        'ADOPTED = "R2P not yet adopted (2005)"\n'
        'GC = "a reservation to Art. IX"\n'
        'SECTION = "Policy Guide §2.4"\n'
        'REFERRAL = "Security Council resolution 1970 (S/RES/1970)"\n',
        encoding="utf-8",
    )
    assert sorted((line, what) for _rel, line, what, _lit in findings(tmp_path)) == [
        (3, "date"),
        (4, "pinpoint"),
        (5, "pinpoint"),
        (6, "date"),
        (7, "year"),
        (8, "pinpoint"),
        (9, "pinpoint"),
        (10, "pinpoint"),
        (10, "year"),
    ]


# --- the facts moved out of the Python are read from the YAML -----------------------------------


def test_the_statute_rule_is_read_from_the_table() -> None:
    from protect.knowledge.loader import KnowledgeError
    from protect.knowledge.ratification import check_table, in_force_for, table

    rule = table().rule
    assert (rule.general, rule.initial_deposits_until) == (
        dt.date(2002, 7, 1),
        dt.date(2002, 4, 11),
    )
    deposit = dt.date(2005, 3, 15)  # Kenya: 60 days later is 2005-05-14, so 1 June
    assert in_force_for(rule, deposit) == dt.date(2005, 6, 1)
    assert in_force_for(rule.model_copy(update={"delay_days": 90}), deposit) == dt.date(2005, 7, 1)
    moved = table().model_copy(
        update={"rule": rule.model_copy(update={"general": dt.date(2002, 8, 1)})}
    )
    with pytest.raises(
        KnowledgeError, match=r"rule\.general 2002-08-01 differs from instruments\.yaml"
    ):
        check_table(moved)


def test_a_treaty_file_must_repeat_the_general_date_of_instruments_yaml() -> None:
    from protect.knowledge.loader import KnowledgeError
    from protect.knowledge.treaties import _instruments, check_general_date, treaty_table

    cat = treaty_table("treaties/cat.yaml")
    check_general_date(cat, "treaties/cat.yaml", _instruments())
    wrong = cat.model_copy(
        update={"rule": cat.rule.model_copy(update={"general": dt.date(1987, 6, 27)})}
    )
    with pytest.raises(KnowledgeError, match=r"cat\.yaml: rule\.general 1987-06-27 differs"):
        check_general_date(wrong, "treaties/cat.yaml", _instruments())


def test_every_provision_the_engine_names_is_in_norms_yaml() -> None:
    from pydantic import ValidationError

    from protect.knowledge import kb
    from protect.knowledge.loader import read_yaml
    from protect.knowledge.schema import NormsBasis, Provision

    base = kb()
    for key in get_args(Provision):
        ref = base.provision(key)
        assert ref.instrument in base.instruments and ref.pinpoint, key
    assert base.pinpoint("icc-temporal") == "Art. 11"
    doc = dict(read_yaml("norms.yaml"))
    doc["provisions"] = {k: v for k, v in doc["provisions"].items() if k != "icc-state-referral"}
    with pytest.raises(ValidationError, match="provisions: missing icc-state-referral"):
        NormsBasis.model_validate(doc)


def test_the_condition_words_name_only_known_provisions() -> None:
    """The flag words leave a `{provision}` slot for the pinpoint; each slot must be a key."""
    from protect.engine.conditions import _FLAGS, _flag_words
    from protect.knowledge.schema import Provision

    slots = {m for pair in _FLAGS.values() for text in pair for m in re.findall(r"\{(.+?)\}", text)}
    assert slots == {"council-threat-to-peace", "r2p-response-threshold"}
    assert slots <= set(get_args(Provision))
    words = _flag_words()
    assert words["poc_route"][0].endswith("(Art. 39)")
    assert "threshold of para. 139 is met" in words["response_threshold_met"][0]
    assert not any("{" in text for pair in words.values() for text in pair)
