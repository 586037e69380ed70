"""The three alert levels, their order and their colours: the only place they are written.

They are the categories of the Global Centre for the Responsibility to Protect's R2P Monitor
(current crisis, imminent risk, serious concern), which the Framework of Analysis conclusions
(`foa.yaml`) and the monitor's alert rules (`monitor/thresholds.yaml`) both name; those files
refer to them by these ids and are checked against `AlertLevel`. The pages, charts, map and
terminal tables take their names, order and colours from here.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Literal, get_args

AlertLevel = Literal["current-crisis", "imminent-risk", "serious-concern"]
"""Most severe first."""

LEVELS: tuple[AlertLevel, ...] = get_args(AlertLevel)
RANK: dict[AlertLevel, int] = {level: i for i, level in enumerate(LEVELS)}
"""0 = most severe: the order alert lists are sorted in."""


@dataclass(frozen=True)
class LevelStyle:
    short: str
    """The word a narrow terminal table shows."""
    fill: str
    """Chart and map fill: one purple ramp, darker for more severe, apart from the bars'
    colours (Okabe-Ito) so a level is never read as a type of violence."""
    text: str
    """Text on the pages' white background (contrast at least 4.5:1, WCAG AA)."""


STYLE: dict[AlertLevel, LevelStyle] = dict(
    zip(
        LEVELS,
        (
            LevelStyle(short="crisis", fill="#3f007d", text="#a40000"),
            LevelStyle(short="imminent", fill="#6a51a3", text="#b34a00"),
            LevelStyle(short="concern", fill="#b4b1d8", text="#7a6200"),
        ),
        strict=True,
    )
)
FILL: dict[AlertLevel, str] = {level: STYLE[level].fill for level in LEVELS}


def css() -> str:
    """The pages' rules for `class="level level-<id>"`, one per level."""
    return "".join(f".level-{level} {{ color: {STYLE[level].text}; }}\n" for level in LEVELS)


def css_source() -> str:
    """The Content-Security-Policy source that allows exactly the `<style>` element holding
    `css()` and nothing else inline."""
    digest = hashlib.sha256(css().encode("utf-8")).digest()
    return f"'sha256-{base64.b64encode(digest).decode('ascii')}'"
