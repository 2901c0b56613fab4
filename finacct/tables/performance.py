"""项目支出绩效自评表: per project, the funds (年度资金总和 and its sources) and the
indicators (一级/二级/三级, target, actual, deviation note)."""
from __future__ import annotations

import re

from finacct.extract.layout import AMOUNT, amount

TITLE = "项目支出绩效自评表"
FUND_SOURCES = ("current_year_appropriation", "prior_year_carryover", "other", "total")
FUND_LABELS = {"当年财政拨款": "current_year_appropriation", "上年结转资金": "prior_year_carryover",
               "其他资金": "other", "年度资金总和": "total"}
LEVEL1 = ("产出指标", "效益指标", "满意度指标", "成本指标")
# 二级 -> 一级, in the order the standard table lists them.
LEVELS = (
    ("经济成本指标", "成本指标"), ("社会成本指标", "成本指标"), ("生态环境成本指标", "成本指标"),
    ("数量指标", "产出指标"), ("质量指标", "产出指标"), ("时效指标", "产出指标"),
    ("经济效益指标", "效益指标"), ("社会效益指标", "效益指标"), ("生态效益指标", "效益指标"),
    ("可持续影响指标", "效益指标"), ("服务对象满意度指标", "满意度指标"),
)
LEVEL2 = tuple(l2 for l2, _ in LEVELS)
PARENT = dict(LEVELS)
# When a layout prints the level labels apart from the rows, an indicator's 二级 is read
# from its name or target (first match wins) and otherwise follows the standard order.
LEVEL_BY_TEXT = (
    (r"成本", "经济成本指标"),
    (r"及时|时效|完成时间", "时效指标"),
    (r"合格率|准确率|达标率|符合率|质量|正确率", "质量指标"),
    (r"数量|次数|册数|份数|人数|个数|[次个人册份项台套家篇期场]$", "数量指标"),
    (r"满意度$", "服务对象满意度指标"),
)
ORDER = ("经济成本指标", "数量指标", "质量指标", "时效指标", "社会效益指标", "服务对象满意度指标")
HEADER_PART = re.compile(r"偏差原因|^进措施$|^改进措施$|^年度总体目|^标$|^预期目标|^实际完成情况")
TARGET = r"(?:[<>≤≥＜＞]=?|=|＝)\s*[\d.]+\S*|\S*及时|[\d.]+%?"
INDICATOR = re.compile(rf"^(?P<head>.*?)\s*(?P<target>{TARGET})\s+(?P<actual>\S+)(?:\s+(?P<note>.+))?$")
# A project's table starts at its 项目名称 row and ends at the next, or at the part after the tables.
PROJECT_START = re.compile(r"\s*项目名称")
NEXT_PART = re.compile(r"\s*第[三四五]部分")
FUND_ROW = re.compile(r"^(?P<label>\D*?)\s*(?P<a>[\d,]+\.\d+)\s+(?P<b>[\d,]+\.\d+)\s+(?P<c>[\d,]+\.\d+)\s+(?P<r>[\d.]+)%$")


def from_lines(lines: list[tuple[int, str]], warnings: list[str]) -> list[dict]:
    """Every performance table among (page, text) lines."""
    starts = [i for i, (_, t) in enumerate(lines) if PROJECT_START.match(t)]
    out = []
    for k, s in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else next(
            (j for j in range(s, len(lines)) if NEXT_PART.match(lines[j][1])), len(lines))
        block = lines[s:end]
        if not any(TITLE in t for _, t in block) and not any("年度资金总和" in t for _, t in block):
            continue
        project = _project(block, warnings)
        if project:
            out.append(project)
    return out


def _project(block: list[tuple[int, str]], warnings: list[str]) -> dict | None:
    texts = [t.strip() for _, t in block]
    name, unit, page = "", "", block[0][0]
    inline = re.match(r"项目名称\s+(\S.*)", texts[0])
    if inline:
        name = inline.group(1)
        unit = next((m.group(1) for t in texts if (m := re.match(r"实施单位\s+(\S.*)", t))), "")
    else:
        at = next((i for i, t in enumerate(texts) if t.endswith(TITLE)), None)
        if at is not None:
            page = block[at][0]
            following = [t for t in texts[at + 1:] if t]
            name, unit = (following + ["", ""])[:2]
    funds = _funds(texts)
    if not name or "total" not in funds:
        warnings.append(f"performance table at line/page {block[0][0]}: project name or 年度资金总和 not found; left out")
        return None
    return {"project": name, "unit": unit, "page": page, "funds": funds["total"],
            "funds_breakdown": {k: v for k, v in funds.items() if k != "total"},
            "indicators": _indicators(texts)}


def _funds(texts: list[str]) -> dict[str, dict[str, float]]:
    rows = [(m.group("label"), m) for t in texts if (m := FUND_ROW.match(t))]
    out = {}
    for i, (label, m) in enumerate(rows[:4]):
        key = FUND_LABELS.get(re.sub(r"\s+", "", label)) or (FUND_SOURCES[i] if len(rows) == 4 else None)
        if key:
            out[key] = {"budget_initial": amount(m["a"]), "budget_full": amount(m["b"]),
                        "executed": amount(m["c"]), "execution_rate": float(m["r"])}
    return out


def _indicators(texts: list[str]) -> list[dict]:
    out: list[dict] = []
    pending = ""
    level2 = ""
    goals = False   # past the 年度总体目标 block, sentences are goals, not 偏差原因
    for t in texts:
        goals = goals or bool(re.search(r"年度总体目|预期目标|实际完成情况", t))
        if "年度指标值" in t or FUND_ROW.match(t) or AMOUNT.match(t) or HEADER_PART.search(t):
            pending = ""
            continue
        m = INDICATOR.match(t)
        head_words = m["head"].split() if m else t.split()
        inline = False
        while head_words and head_words[0] in LEVEL1 + LEVEL2 + ("绩效指标",):
            word = head_words.pop(0)
            if word in LEVEL2:
                level2, inline = word, True
        if not m or not (head_words or pending):
            if not m and not goals and "。" in t and out and "deviation_note" not in out[-1]:
                # a sentence printed under an indicator is its 偏差原因 (wrapped in the last column)
                out[-1]["deviation_note"] = pending + "".join(head_words)
            pending = "" if m else ("" if t in LEVEL1 + LEVEL2 or "。" in t else pending + "".join(head_words))
            continue
        name = pending + "".join(head_words)
        pending = ""
        if not inline:
            level2 = _infer_level(name, m["target"], level2)
        item = {"level1": PARENT.get(level2, ""), "level2": level2, "name": name,
                "target": m["target"].replace(" ", ""), "actual": m["actual"]}
        if m["note"]:
            item["deviation_note"] = m["note"]
        out.append(item)
    return out


def _infer_level(name: str, target: str, current: str) -> str:
    """The 二级 of an indicator printed without its labels: by its words, never moving
    back in the standard order; an unmarked row after 时效 opens 效益."""
    found = next((l2 for pat, l2 in LEVEL_BY_TEXT if re.search(pat, name) or re.search(pat, target)), None)
    rank = {l2: i for i, l2 in enumerate(ORDER)}
    cur = rank.get(current, 0)
    if found and rank[found] >= cur:
        return found
    if current == "时效指标" or not current:
        return "社会效益指标" if current else (found or "数量指标")
    return current
