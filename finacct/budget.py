"""年初预算 supplied by the user: a CSV or xlsx with one row per 功能分类 code.

Format (header row required; 万元, like the tables)::

    code,budget,name
    2010301,2514.52,行政运行
    2010302,2088.55,一般行政管理事务

``name`` is optional. Codes are 类, 款 or 项 codes as in t05; amounts are the 年初预算 of the
一般公共预算财政拨款, the figures the 情况说明's 完成率 are computed against."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def read(path: str | Path) -> dict[str, float]:
    path = Path(path)
    frame = pd.read_excel(path, dtype={"code": str}) if path.suffix.lower() in (".xlsx", ".xls") else pd.read_csv(path, dtype={"code": str})
    missing = {"code", "budget"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path.name}: budget file needs columns code and budget (missing {', '.join(sorted(missing))})")
    frame["code"] = frame["code"].str.strip()
    return {c: float(v) for c, v in zip(frame["code"], frame["budget"]) if c and pd.notna(v)}
