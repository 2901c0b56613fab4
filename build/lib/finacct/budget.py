"""年初预算 supplied by the user: a CSV or xlsx with one row per 功能分类 code.

Format (header row required; 万元, like the tables)::

    code,budget,name
    2010301,2514.52,行政运行
    2010302,2088.55,一般行政管理事务

``name`` is optional. Codes are 类, 款 or 项 codes as in t05; amounts are the 年初预算 of the
一般公共预算财政拨款, the figures the 情况说明's 完成率 are computed against."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from finacct.model import Disclosure


def read(path: str | Path) -> dict[str, float]:
    path = Path(path)
    frame = pd.read_excel(path, dtype={"code": str}) if path.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(path, dtype={"code": str})
    missing = {"code", "budget"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name}: budget file needs columns code and budget (missing {', '.join(sorted(missing))})")
    frame["code"] = frame["code"].str.strip()
    return {c: float(v) for c, v in zip(frame["code"], frame["budget"]) if c and pd.notna(v)}


def for_disclosure(d: "Disclosure", supplied: dict[str, float] | str | Path | None = None) -> dict[str, float]:
    """年初预算 by t05 code, plus 'total' when known: from the supplied file or mapping, else
    from the 情况说明's 五(三) items and its stated total 年初预算."""
    from finacct.narrative.resolve import resolve_item, t05_lines
    if isinstance(supplied, (str, Path)):
        supplied = read(supplied)
    if supplied:
        out = dict(supplied)
        if "total" not in out and any(len(c) == 3 for c in out):
            out["total"] = round(sum(v for c, v in out.items() if len(c) == 3), 2)
        return out
    labels, totals = t05_lines(d.facts)
    out = {}
    for c in d.claims:
        if c.key.startswith("item:") and c.budget is not None and c.path:
            code, _ = resolve_item(c, labels, totals)
            if code:
                out[code] = c.budget
        elif c.key == "gb_expenditure" and c.budget is not None:
            out["total"] = c.budget
    return out
