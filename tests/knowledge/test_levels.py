"""The alert levels, their order and colours are written once (`protect.knowledge.levels`);
everything else reads them from there."""

from __future__ import annotations

import re
from pathlib import Path

from protect.knowledge import levels

SRC = Path(levels.__file__).resolve().parents[1]
# Data files that name levels by id; both are validated against `AlertLevel` at load.
REFERENCES = {
    "monitor/thresholds.yaml": re.compile(r"^\s*- level: "),
    "knowledge/data/foa.yaml": re.compile(r"^\s*- id: "),
}
# Colours shared with a level that do not stand for one: the pages' error text (the crisis red)
# and the border of the alert box's button (the crisis purple).
OTHER_USES = {
    "web/static/protect.css": re.compile(r"^\.error \{"),
    "web/static/webapp.css": re.compile(r"^\.country-alert \.button \{"),
}


def _spelled_elsewhere() -> list[str]:
    words = [*levels.LEVELS]
    for style in levels.STYLE.values():
        words += [style.fill, style.text]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    found = []
    for path in sorted(p for p in SRC.rglob("*") if p.is_file()):
        rel = path.relative_to(SRC).as_posix()
        if rel == "knowledge/levels.py" or path.suffix not in (
            ".py", ".html", ".css", ".js", ".yaml", ".sql", ".md", ".txt",
        ):  # fmt: skip
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            allowed = REFERENCES.get(rel) or OTHER_USES.get(rel)
            if pattern.search(line) and not (allowed and allowed.search(line)):
                found.append(f"{rel}:{n}: {line.strip()}")
    return found


def test_no_other_place_spells_the_levels_or_their_colours() -> None:
    assert _spelled_elsewhere() == []


def test_order_and_styles_cover_every_level() -> None:
    assert levels.LEVELS == ("current-crisis", "imminent-risk", "serious-concern")
    assert set(levels.STYLE) == set(levels.LEVELS)
    assert [levels.RANK[level] for level in levels.LEVELS] == [0, 1, 2]


def test_the_data_files_name_only_known_levels_in_order() -> None:
    from protect.knowledge.foa import framework
    from protect.monitor.situations import thresholds

    assert [c.id for c in framework().categories] == list(levels.LEVELS)
    seen = [rule.level for rule in thresholds().alerts]
    assert sorted(seen, key=levels.RANK.__getitem__) == seen  # rules run most severe first


def _contrast(hex_colour: str) -> float:
    """WCAG contrast ratio against white."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    lum = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return 1.05 / (lum + 0.05)


def test_text_colours_are_readable_and_the_css_has_one_rule_per_level() -> None:
    for style in levels.STYLE.values():
        assert _contrast(style.text) >= 4.5
    rules = levels.css().splitlines()
    assert rules == [f".level-{lv} {{ color: {levels.STYLE[lv].text}; }}" for lv in levels.LEVELS]
