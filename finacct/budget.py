"""年初预算 for a final's 完成率: from the department's own budget disclosure (部门预算, a
`Disclosure` of kind budget, its path, or a Corpus holding it), from a file the user types,
or from what the final's 情况说明 states.

A user file has a header row and one row per 功能分类 code (万元, like the tables)::

    code,budget,name
    2010301,2514.52,行政运行
    2010302,2088.55,一般行政管理事务

``name`` is optional. Codes are 类, 款 or 项 codes as in t05; amounts are the 年初预算 of the
一般公共预算财政拨款, the figures the 情况说明's 完成率 are computed against."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Union

import pandas as pd

from finacct.departments import same_department
from finacct.tables.meta import unit_ratio

if TYPE_CHECKING:
    from finacct.corpus import Corpus
    from finacct.model import Disclosure

Supplied = Union[dict[str, float], str, Path, "Disclosure", "Corpus", None]
# The budget table whose lines a final's t05 is measured against (一般公共预算 by function;
# the university set's 财政拨款支出预算表 is all appropriations, as its 财政拨款支出决算表 is).
LINES, SANGONG = "b05", "b09"


@dataclass
class Budget:
    """年初预算 by t05 code ('total' for the whole), the 三公 budget, and where they come from."""

    lines: dict[str, float]
    source: str  # for people, in the draft and the report
    sangong: dict[str, float] = field(default_factory=dict)
    document: "Disclosure | None" = None
    notes: list[str] = field(default_factory=list)  # scope differences a reader must know

    def get(self, code: str) -> float | None:
        return self.lines.get(code)

    def scaled(self, factor: float) -> "Budget":
        """The same budget with every amount × factor, kept to 0.000001 (the 分 of an amount in
        万元): a final's lines (in its unit) × its `wan` are in 万元, as a narrative states them."""
        if factor == 1:
            return self
        return replace(self, lines={c: round(v * factor, 6) for c, v in self.lines.items()},
                       sangong={c: round(v * factor, 6) for c, v in self.sangong.items()}, notes=list(self.notes))


def read(path: str | Path) -> dict[str, float]:
    """A user's budget file (CSV or xlsx with columns code, budget)."""
    path = Path(path)
    frame = pd.read_excel(path, dtype={"code": str}) if path.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(path, dtype={"code": str})
    missing = {"code", "budget"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name}: budget file needs columns code and budget (missing {', '.join(sorted(missing))})")
    frame["code"] = frame["code"].str.strip()
    return {c: float(v) for c, v in zip(frame["code"], frame["budget"]) if c and pd.notna(v)}


def open_budget(path: str | Path) -> "dict[str, float] | Disclosure":
    """A user's budget file as a mapping, or a budget disclosure (PDF, text dump, finacct xlsx)."""
    if _is_user_file(Path(path)):
        return read(path)
    from finacct.load import load
    return load(path)


def _is_user_file(path: Path) -> bool:
    if path.suffix.lower() == ".csv":
        return True
    if path.suffix.lower() in (".xlsx", ".xls"):
        return {"code", "budget"} <= set(pd.read_excel(path, nrows=0).columns)
    return False


def from_document(d: "Disclosure", b: "Disclosure") -> Budget:
    """The budget disclosure's b05 lines and b09 三公, in the final's unit, with the scope
    differences that would make a 完成率 misleading said, not hidden."""
    if b.kind != "budget":
        raise ValueError(f"{b.source}: not a budget (部门预算) disclosure")
    if d.year and b.year and d.year != b.year:
        raise ValueError(f"{b.source}: a {b.year} budget cannot give the {d.year} 年初预算 of {d.source}")
    factor = unit_ratio(b.unit, d.unit)
    f = b.facts

    def pick(table: str, col: str | None = None) -> dict[str, float]:
        rows = f[(f["table"] == table) & ((f["col"] == col) if col else (f["row"] == "budget"))]
        return {(r if col else c): round(float(v) * factor, 2) for r, c, v in zip(rows["row"], rows["col"], rows["value"])}

    pages = b.tables.get(LINES, {}).get("pages", [])
    out = Budget(pick(LINES, "total"), f"部门预算 {b.source}：{LINES} {b.spec.name_of(LINES)}（第{'、'.join(map(str, pages))}页）",
                 pick(SANGONG), b)
    if d.department and b.department and not same_department(d.department, b.department):
        out.notes.append(f"预算文件的部门为{b.department}，与决算的{d.department}不同")
    carry = b.value("b01", "inc.carryover_begin", "amount")
    if carry:
        out.notes.append(f"预算含上年结转{round(carry * factor, 2):g}{d.unit}：决算的“年初预算”是否含结转，以决算说明为准")
    if any("调整" in (b.tables.get(t, {}).get("title") or "") for t in b.tables) or any("调整预算" in t for _, t in b.text[:200]):
        out.notes.append("预算文件为调整预算，不是年初预算")
    return out


def for_disclosure(d: "Disclosure", supplied: Supplied = None) -> Budget:
    """年初预算 for a final: from a budget disclosure (or its path, or a Corpus holding the
    same department's budget of the same year), from a user's file or mapping, else from
    the 情况说明's 五(三) items and its stated total 年初预算."""
    from finacct.corpus import Corpus
    from finacct.model import Disclosure
    if isinstance(supplied, Corpus):
        supplied = supplied.budget(d)
    if isinstance(supplied, (str, Path)):
        path = Path(supplied)
        if _is_user_file(path):
            return _user(read(path), f"用户提供的预算文件 {path.name}")
        supplied = open_budget(path)
    if isinstance(supplied, Disclosure):
        return from_document(d, supplied)
    if supplied:
        return _user(dict(supplied), "用户提供的预算")
    return _stated(d)


def _user(lines: dict[str, float], source: str) -> Budget:
    if "total" not in lines and any(len(c) == 3 for c in lines):
        lines["total"] = round(sum(v for c, v in lines.items() if len(c) == 3), 2)
    return Budget(lines, source)


def _stated(d: "Disclosure") -> Budget:
    from finacct.narrative.resolve import resolve_item, t05_lines
    labels, totals = t05_lines(d.facts)
    out: dict[str, float] = {}
    for c in d.claims:
        if c.key.startswith("item:") and c.budget is not None and c.path:
            code, _ = resolve_item(c, labels, totals)
            if code:
                out[code] = c.budget
        elif c.key == "gb_expenditure" and c.budget is not None:
            out["total"] = c.budget
    return Budget(out, "本文件情况说明所述年初预算" if out else "无（未提供预算）")
