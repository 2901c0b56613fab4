"""功能分类 and 经济分类 reference data (CSV beside this file) and lookups.

The reference is partial: it resolves and checks the codes it knows and stays silent
on the rest, so a missing entry never produces a false warning.
"""
from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from importlib import resources


@cache
def names(scheme: str) -> dict[str, str]:
    """code -> name for 'functional' or 'economic'."""
    with resources.files(__package__).joinpath(f"{scheme}.csv").open(encoding="utf-8") as fh:
        return {row["code"]: row["name"] for row in csv.DictReader(fh)}


@lru_cache(maxsize=8192)
def flat(name: str) -> str:
    """A name without spaces and brackets, for comparing names as printed (remembered: the
    same few hundred names are compared with each other over and over)."""
    return re.sub(r"[\s（）()]", "", name)


def class_code(label: str) -> str | None:
    """功能分类 类 code for a class name as printed (一、一般公共服务支出 -> 201)."""
    printed = flat(label)
    for code, name in names("functional").items():
        if len(code) == 3 and (printed == flat(name) or printed + "支出" == flat(name)):
            return code
    return None


def name_matches(scheme: str, code: str, label: str) -> bool | None:
    """Whether a printed name fits the code; None when the reference does not know the code."""
    ref = names(scheme).get(code)
    if ref is None or not label:
        return None
    a, b = flat(ref), flat(label)
    return a == b or a in b or b in a


def level(code: str) -> str:
    """类 / 款 / 项 from the length of a function code (经济分类: 类 / 款)."""
    return {3: "类", 5: "款", 7: "项"}.get(len(code), "")


def parent(code: str) -> str | None:
    return code[:-2] if len(code) in (5, 7) else None
