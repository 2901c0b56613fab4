"""Document metadata: reporting department, fiscal year and money unit."""
from __future__ import annotations

import re
from collections import Counter

SUFFIX = re.compile(r"[（(](汇总|本级|部门汇总|合并)[)）]$")
DEPARTMENT_PATTERNS = (
    re.compile(r"部门[:：]\s*(\S+?)\s*(?:单位|金额单位)[:：]"),
    re.compile(r"预算主管部门[:：]\s*(\S+)\s*$"),
    re.compile(r"部门[:：]\s*(\S+)\s*$"),
    re.compile(r"第一部分\s*([^\s、，。]{3,40}?)\s*概况"),
    re.compile(r"^\s*(\S+?)\s*20\d{2}\s*年度?\s*部门(决算|预算)\s*$"),
    re.compile(r"第二部分\s*(\S+?)\s*20\d{2}\s*年度?\s*(部门)?(决算|预算)表"),
)
# One of these words is in every line a department pattern can match: department() searches only those.
DEPARTMENT_WORDS = ("部门", "部分")
assert all(any(w in p.pattern for w in DEPARTMENT_WORDS) for p in DEPARTMENT_PATTERNS), "a pattern department() would never try"
# A cover that prints the name on the line above "2023 年度部门预算".
COVER_YEAR = re.compile(r"^\s*20\d{2}\s*年度?\s*部门(决算|预算)\s*$")
YEAR = re.compile(r"(20\d{2})\s*年度?\s*(?:[区市省县]级)?(?:部门|单位)?(决算|预算)")
# A sentence, or a comparison with another year: no heading naming the year covered.
COMPARES = re.compile(r"[。，；比较与]")
WORD = {"final": "决算", "budget": "预算"}
UNIT = re.compile(r"单位[:：]\s*(万元|元|千元|亿元)")
UNIT_FACTOR = {"元": 1, "千元": 1_000, "万元": 10_000, "亿元": 100_000_000}


def to_wan(unit: str) -> float:
    """万元 per `unit` (an unknown unit is taken as 万元, the usual one): a narrative speaks in 万元."""
    return UNIT_FACTOR.get(unit, 10_000) / 10_000


def unit_ratio(unit: str, to: str) -> float:
    """`to` per `unit`: what a figure in `unit` is multiplied by to be read in `to`."""
    return to_wan(unit) / to_wan(to)


def _joined(lines: list[str]) -> str:
    """Lines as one text, to be searched at once: NUL between them, which neither YEAR nor
    UNIT matches, so no match spans two lines."""
    return "\0".join(lines)


def department(lines: list[str]) -> str:
    named = [text for text in lines if any(w in text for w in DEPARTMENT_WORDS)]
    for pattern in DEPARTMENT_PATTERNS:
        for text in named:
            m = pattern.search(text)
            if m and len(m.group(1)) >= 3:
                return SUFFIX.sub("", m.group(1))
    for above, text in zip(lines[:60], lines[1:60]):
        name = re.sub(r"\s+", "", above)
        if COVER_YEAR.match(text) and 3 <= len(name) <= 30 and not re.search(r"[。，：:\d]", name):
            return SUFFIX.sub("", name)
    return ""


def year(lines: list[str], kind: str | None = None) -> int | None:
    """The year most often printed before 决算 (or 预算, for a budget) in headings and titles: the
    year the accounts cover (the narrative also names the year before: 比2024年预算减少)."""
    headings = [text for text in lines if len(text.strip()) <= 40 and not COMPARES.search(text)]
    for pool in (headings, lines):
        counts = Counter(int(m.group(1)) for m in YEAR.finditer(_joined(pool)) if kind is None or m.group(2) == WORD[kind])
        if counts:
            return counts.most_common(1)[0][0]
    return None


def kind(lines: list[str]) -> str:
    """final or budget: whichever of 决算 / 预算 the headings and titles name after a year."""
    counts = Counter(m.group(2) for m in YEAR.finditer(_joined([text for text in lines if len(text.strip()) <= 40])))
    return "budget" if counts["预算"] > counts["决算"] else "final"


def unit_of(lines: list[str]) -> str | None:
    """The unit a table prints on its own 单位： line, if any."""
    return next((m.group(1) for text in lines if (m := UNIT.search(text))), None)


def unit(lines: list[str]) -> str:
    counts = Counter(m.group(1) for m in UNIT.finditer(_joined(lines)))
    return counts.most_common(1)[0][0] if counts else "万元"
