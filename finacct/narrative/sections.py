"""Section numbers of a drafted 说明: written in the template's order, then numbered in
sequence, so a template without some tables (a university final has no 四 or 六) reads
一、二、三、… with no gaps."""
from __future__ import annotations

import re

_DIGITS = "一二三四五六七八九"
NUMERALS = [*_DIGITS, "十", *(f"十{d}" for d in _DIGITS), "二十"]
HEADING = re.compile(r"^## [一二三四五六七八九十]+、")


def numbered(lines: list[str]) -> list[str]:
    """Every '## X、' heading renumbered 一、二、… in the order it stands."""
    n = iter(NUMERALS)
    return [HEADING.sub(lambda _: f"## {next(n)}、", line) for line in lines]
