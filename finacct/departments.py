"""Department names: one department recognised across its documents (tolerant of 汇总/本级
suffixes and small name changes). Plain text work, importable before pandas: a batch pairs
its documents with it while the workers start."""
from __future__ import annotations

import difflib
import re

SUFFIX = re.compile(r"[（(]?(汇总|本级|部门汇总|合并|部门)[)）]?$")
SIMILAR = 0.85


def department_key(name: str) -> str:
    """A department name without spaces, brackets and 汇总/本级 suffixes."""
    name = re.sub(r"\s", "", name)
    while SUFFIX.search(name):
        name = SUFFIX.sub("", name)
    return name


def same_department(a: str, b: str) -> bool:
    ka, kb = department_key(a), department_key(b)
    return bool(ka and kb) and (ka == kb or difflib.SequenceMatcher(None, ka, kb).ratio() >= SIMILAR)
