"""The transparency score of one document: each item of the rubric (rubric.toml, data) is
judged from the document and its findings, with the evidence for the points given or
withheld; items that do not apply to the document's kind are left out and the value is
scaled to 100 over the rest."""
from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from finacct.model import Disclosure


@dataclass
class Item:
    id: str
    title: str
    points: float
    max: float
    evidence: str


@dataclass
class Score:
    value: float
    rubric: str
    items: list[Item] = field(default_factory=list)

    def to_contract(self) -> dict[str, Any]:
        return {"value": self.value, "rubric": self.rubric, "items": [asdict(i) for i in self.items]}


@cache
def rubric() -> dict[str, Any]:
    return tomllib.loads(resources.files(__package__).joinpath("rubric.toml").read_text(encoding="utf-8"))


def _pages(pages: list[int], d: Disclosure) -> str:
    word = "行" if d.warnings and d.warnings[0].startswith("source is a text dump") else "页"
    return f"第{'、'.join(map(str, pages[:6]))}{word}" if pages else ""


def tables_complete(d: Disclosure, findings: pd.DataFrame, params: dict) -> tuple[float, str]:
    tables = list(d.spec.tables)
    there = [t for t in tables if d.tables.get(t, {}).get("status") in ("present", "declared_empty")]
    missing = [t for t in tables if t not in there]
    return len(there) / len(tables), f"{len(there)}/{len(tables)} 张表在" + (f"；缺 {', '.join(missing)}" if missing else "")


def empty_explained(d: Disclosure, findings: pd.DataFrame, params: dict) -> tuple[float, str]:
    empty = [t for t in d.spec.tables if d.tables.get(t, {}).get("status") == "declared_empty"]
    if not empty:
        return 1.0, "没有空表"
    said = [t for t in empty if d.tables[t].get("statement")]
    return len(said) / len(empty), "；".join(f"{t}：{d.tables[t].get('statement') or '无说明'}" for t in empty)


def rule_share(d: Disclosure, findings: pd.DataFrame, params: dict) -> tuple[float, str] | None:
    f = findings[findings["rule"] == params["rule"]]
    if f.empty:
        return None  # the rule is not written for this template
    if set(f["status"]) <= {"insufficient_data"}:
        return 0.0, "未找到情况说明"
    ok = f[f["status"] == "ok"]
    missing = [str(r) for r in f.loc[f["status"] != "ok", "row"] if r]
    return len(ok) / len(f), f"{len(ok)}/{len(f)} 部分齐全" + (f"；缺：{'、'.join(missing)}" if missing else "")


def cells_printed(d: Disclosure, findings: pd.DataFrame, params: dict) -> tuple[float, str] | None:
    table = next((t for t in params["tables"] if t in d.spec.tables), None)
    if table is None:
        return None  # the template has no such table
    if d.tables.get(table, {}).get("status") == "declared_empty":
        return 1.0, f"{table} 注明为空表"
    f = d.facts[(d.facts["table"] == table) & d.facts["col"].isin(params["cols"])]
    printed = [name for col, name in zip(params["cols"], params["names"]) if col in set(f["col"])]
    return len(printed) / len(params["cols"]), f"{table} {_pages(sorted(set(f['page'].astype(int))), d)} 列出：{'、'.join(printed) or '无'}"


def _hit(d: Disclosure, pattern: str) -> tuple[int, str] | None:
    """The first match in the whole document's text joined (a line break cannot split a
    phrase), with the page it starts on."""
    joined, starts = d.joined_text
    m = re.search(pattern, joined)
    if m is None:
        return None
    page = max((p for at, p in starts if at <= m.start()), default=0)
    return page, joined[m.start():m.end()][:80]


def text(d: Disclosure, findings: pd.DataFrame, params: dict) -> tuple[float, str] | None:
    if not d.text:
        return None  # read from JSON/xlsx: the text is not there to judge
    hit = _hit(d, params["pattern"])
    return (1.0, f"{_pages([hit[0]], d)}：“{hit[1]}”") if hit else (0.0, "文件中未见")


def performance(d: Disclosure, findings: pd.DataFrame, params: dict) -> tuple[float, str] | None:
    if d.performance:
        return 1.0, f"{len(d.performance)} 张项目绩效自评表（{_pages(sorted({p['page'] for p in d.performance}), d)}）"
    return text(d, findings, params)


def no_errors(d: Disclosure, findings: pd.DataFrame, params: dict) -> tuple[float, str] | None:
    f = findings[findings["rule"].str.startswith(tuple(params["prefixes"]))]
    judged = f[f["status"].isin(["ok", "rounding", "error"])]
    errors = f[f["status"] == "error"]
    if judged.empty:
        return None  # nothing finacct could check
    share = 1.0 if errors.empty else 0.5 if len(errors) <= 2 else 0.0
    pages = sorted({p for ps in errors["pages"] for p in ps})
    return share, f"{len(judged)} 项核对，{len(errors)} 项错误" + (f"（{_pages(pages, d)}）" if len(errors) else "")


# A judge gives (share of the item's points, evidence), or None when the item does not apply.
JUDGES: dict[str, Callable[[Disclosure, pd.DataFrame, dict], tuple[float, str] | None]] = {
    f.__name__: f for f in (tables_complete, empty_explained, rule_share, cells_printed, text, performance, no_errors)}


def score(d: Disclosure, findings: pd.DataFrame) -> Score:
    """The document's score out of 100, item by item with evidence."""
    spec = rubric()
    items = []
    for item in spec["items"]:
        if d.kind not in item.get("kinds", [d.kind]):
            continue
        judged = JUDGES[item["check"]](d, findings, item.get("params", {}))
        if judged is None:
            continue
        share, evidence = judged
        items.append(Item(item["id"], item["title"], round(item["max"] * share, 1), item["max"], evidence))
    total = sum(i.max for i in items)
    return Score(round(100 * sum(i.points for i in items) / total, 1) if total else 0.0, spec["name"], items)
