"""Document metadata: reporting department, fiscal year, money unit; and whether the
document is final accounts (决算) at all."""
from __future__ import annotations

import re
from collections import Counter

SUFFIX = re.compile(r"[（(](汇总|本级|部门汇总|合并)[)）]$")
DEPARTMENT_PATTERNS = (
    re.compile(r"部门[:：]\s*(\S+?)\s+(?:单位|金额单位)[:：]"),
    re.compile(r"部门[:：]\s*(\S+)\s*$"),
    re.compile(r"第一部分\s*([^\s、，。]{3,40}?)\s*概况"),
    re.compile(r"^\s*(\S+?)\s*20\d{2}\s*年度?\s*部门决算\s*$"),
    re.compile(r"第二部分\s*(\S+?)\s*20\d{2}\s*年度?\s*部门决算表"),
)
YEAR = re.compile(r"(20\d{2})\s*年度?\s*(?:部门)?决算")
UNIT = re.compile(r"单位[:：]\s*(万元|元|千元|亿元)")


def department(lines: list[str]) -> str:
    for pattern in DEPARTMENT_PATTERNS:
        for text in lines:
            m = pattern.search(text)
            if m and len(m.group(1)) >= 3:
                return SUFFIX.sub("", m.group(1))
    return ""


def year(lines: list[str]) -> int | None:
    counts = Counter(int(m.group(1)) for text in lines for m in YEAR.finditer(text))
    return counts.most_common(1)[0][0] if counts else None


def unit(lines: list[str]) -> str:
    counts = Counter(m.group(1) for text in lines for m in UNIT.finditer(text))
    return counts.most_common(1)[0][0] if counts else "万元"


def is_budget_document(lines: list[str]) -> bool:
    """A 部门预算 disclosure titles its tables 预算表 and prints no 决算表."""
    text = "".join(lines)
    return "决算表" not in text and bool(re.search(r"部门预算|预算表", text))
