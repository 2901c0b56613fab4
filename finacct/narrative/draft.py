"""explain(): a draft 情况说明 in the template's order, every number computed from the tables.

Prior-year figures come from the previous year's disclosure when one is given (then the
增减原因 name the rows that moved), else from what the document's own narrative implies
(stated amount − stated change), else the draft says the prior year is unknown. 年初预算
come from a user budget file, else from the narrative's 五(三) items."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from finacct import budget as budget_file
from finacct.model import Disclosure
from finacct.narrative.claims import item_cells, precision
from finacct.narrative.drivers import drivers, phrase
from finacct.narrative.numbers import amount, pct, share
from finacct.narrative.sections import numbered
from finacct.reconcile.performance import target_met
from finacct.reconcile.tolerance import stated_tolerance, status
from finacct.tables.specs import SPECS

FISCAL_INCOME = ("inc.general_budget", "inc.gov_fund", "inc.state_capital")
# (items.csv key, name, t01 row)
OTHER_INCOME = (("superior_subsidy", "上级补助收入", "inc.superior_subsidy"), ("business_income", "事业收入", "inc.business"),
                ("operating_income", "经营收入", "inc.operating"), ("affiliated_income", "附属单位上缴收入", "inc.affiliated"),
                ("other_income", "其他收入", "inc.other"))
# (items.csv key, t03 column, name)
EXPENDITURE_KINDS = (("basic", "basic", "基本支出"), ("project", "project", "项目支出"), ("to_superior", "to_superior", "上缴上级支出"),
                     ("operating_expenditure", "operating", "经营支出"), ("to_affiliated", "to_affiliated", "对附属单位补助支出"))
NOT_IN_TABLES = {"admin_running": "机关运行经费", "procurement_total": "政府采购金额", "procurement_goods": "货物采购",
                 "procurement_works": "工程采购", "procurement_services": "服务采购", "procurement_sme": "授予中小企业合同金额",
                 "procurement_small": "授予小微企业合同金额", "performance_funds": "绩效自评涉及资金"}
if TYPE_CHECKING:
    import pandas as pd

    from finacct.corpus import Corpus

SANGONG = (("overseas", "因公出国（境）费"), ("vehicle_total", "公务用车购置及运行维护费"), ("reception", "公务接待费"))


@dataclass
class _Sources:
    """Where the prior year and the budget come from, and what the draft could not derive."""

    d: Disclosure
    prior: Disclosure | None
    budget: budget_file.Budget
    unknown: list[str] = field(default_factory=list)

    def prior_value(self, key: str) -> float | None:
        """Last year's figure for an item of narrative/items.csv: from last year's disclosure,
        else as the narrative implies it (stated amount − stated change) — unless the amount it
        states for this year is not the tables' within its printed precision (the amounts check
        calls it an error), which makes the implied one wrong too."""
        if self.prior is not None and (before := item_cells(self.prior, key)):
            return before[0][0]
        claim = next((c for c in self.d.claims if c.key == key and c.prior is not None), None)
        if claim is None:
            return None
        now = [v for v, _ in item_cells(self.d, key)]
        if now and claim.amount is not None:
            closest = min(now, key=lambda v: abs(v - claim.amount))
            if status(round(closest - claim.amount, 2), stated_tolerance(precision(claim.amount_text))) == "error":
                stated = claim.amount_text or f"{amount(claim.amount)}万元"
                self.unknown.append(f"情况说明所述“{stated}”与表中{amount(closest)}万元不符，未据以推算上年数")
                return None
        return claim.prior


def _change(now: float, before: float | None, year: int | None, what: str, src: _Sources, why: str = "",
            brief: bool = False) -> str:
    last = f"{year - 1}年度" if year else "上年度"
    if before is None:
        src.unknown.append(f"{what}：上年数未知")
        return "" if brief else f"{last}数据未加载，情况说明也未给出可推算的上年数，无法与上年比较。"
    delta = round(now - before, 2)
    up = delta > 0
    rate = f"，{'增长' if up else '下降'}{pct(abs(100 * delta / before))}" if before else ""
    if brief:
        return "，与上年持平" if delta == 0 else f"，比上年{'增加' if up else '减少'}{amount(abs(delta))}万元{rate}"
    if delta == 0:
        return f"与{last}相比，{what}持平。"
    reason = f"主要原因：{why}。" if why else (
        "主要原因：上年分项数据未加载，无法由数据指出增减来源。" if src.prior is None and not brief else "")
    return f"与{last}相比，{what}{'增加' if up else '减少'}{amount(abs(delta))}万元{rate}。{reason}"


def _why(src: _Sources, table: str = "t05", col: str = "total") -> str:
    if src.prior is None:
        return ""
    by_line = phrase(drivers(src.d, src.prior, table, col, 7))
    by_kind = phrase(drivers(src.d, src.prior, "t06", "amount", 5))
    return "；".join(p for p in (by_line, by_kind and "按经济分类看，" + by_kind) if p)


def explain(d: Disclosure, prior: "Disclosure | Corpus | None" = None, budget: budget_file.Supplied = None) -> str:
    """A draft 情况说明 (Markdown, Chinese) for one disclosure. `prior` is last year's
    disclosure, or a Corpus in which the same department's previous year is looked up;
    `budget` the department's budget disclosure (or its path, or a Corpus holding it), a
    user's budget file or mapping — else the 情况说明's own 年初预算 figures are used."""
    from finacct.corpus import Corpus
    if isinstance(prior, Corpus):
        prior = prior.prior(d)
    if d.kind == "budget":
        from finacct.narrative.budget_draft import explain_budget
        return explain_budget(d, prior)
    d, prior = d.in_wan(), prior.in_wan() if prior is not None else None   # the draft speaks in 万元, whatever the tables print
    src = _Sources(d, prior, budget_file.for_disclosure(d, budget))
    v = d.value
    year, dept = d.year, d.department or "本部门"
    out = [f"# {dept}{year or ''}年度部门决算情况说明（草稿）", "",
           f"> finacct 根据决算表起草。上年数来源：{'上年部门决算（' + prior.source + '）' if prior else '本文件情况说明所述增减额推算（如有）'}；"
           f"年初预算来源：{src.budget.source}。", ""]
    out += [f"> 注意：{note}。" for note in src.budget.notes] + ([""] if src.budget.notes else [])

    out += ["## 一、收入支出决算总体情况说明", ""]
    total = v("t01", "inc.grand_total", "amount")
    if total is None:
        out.append("收入支出决算总表（t01）未读到，无法说明总体情况。")
    else:
        out.append(f"{dept}{year}年度收入支出总计{amount(total)}万元。" +
                   _change(total, src.prior_value("grand_total"), year, "收入支出总计", src, _why(src, "t03")))
    out += ["", "## 二、收入决算情况说明", ""]
    income = v("t01", "inc.total", "amount")
    if income is not None:
        # 财政拨款收入 as one line where printed (its 其中 lines are parts, not more income)
        fiscal_in = v("t01", "inc.appropriation", "amount") or sum(v("t01", k, "amount") or 0.0 for k in FISCAL_INCOME)
        parts = [("appropriation", "财政拨款收入", fiscal_in)] + [
            (key, name, x) for key, name, line in OTHER_INCOME if (x := v("t01", line, "amount"))]
        out.append(f"本年收入合计{amount(income)}万元，其中：" + "；".join(
            f"{name}{amount(x)}万元，占{share(x, income)}" + _change(x, src.prior_value(key), year, name, src, brief=True)
            for key, name, x in parts if x) + "。")
    out += ["", "## 三、支出决算情况说明", ""]
    spent = v("t03", "total", "total")
    if spent is not None:
        out.append(f"本年支出合计{amount(spent)}万元，其中：" + "；".join(
            f"{name}{amount(x)}万元，占{share(x, spent)}" + _change(x, src.prior_value(key), year, name, src, brief=True)
            for key, col, name in EXPENDITURE_KINDS if (x := v("t03", "total", col))) + "。")
    has = d.spec.tables  # sections for tables the document's template does not have are left out
    fiscal = v("t04", "inc.grand_total", "amount")
    if "t04" in has:
        out += ["", "## 四、财政拨款收入支出决算总体情况说明", ""]
        if fiscal is not None:
            out.append(f"{dept}{year}年度财政拨款收入支出总计{amount(fiscal)}万元。" +
                       _change(fiscal, src.prior_value("fiscal_grand_total"), year, "财政拨款收入支出总计", src, _why(src)))
    out += _general_budget(d, src) if "t05" in has else []
    out += _basic(d) if "t06" in has else []
    out += _sangong(d, src) if "t09" in has else []
    for t, name in (("t07", "政府性基金预算"), ("t08", "国有资本经营预算")):
        if t not in has:
            continue
        out += ["", f"## {'八' if t == 't07' else '九'}、{name}财政拨款收入支出决算情况说明", ""]
        st = d.tables.get(t, {}).get("status", "missing")
        total_t = v(t, "total", "total")
        out.append(f"{dept}{year}年度无{name}财政拨款收入和支出。" if st == "declared_empty" or not total_t else
                   f"{name}财政拨款支出{amount(total_t)}万元。" if st == "present" else f"{SPECS[t].name}未读到。")
    out += _performance(d)
    out += _stated_only(src)
    if src.unknown:
        out += ["", "## 无法推算的数", ""] + [f"- {u}" for u in dict.fromkeys(src.unknown)]
    return "\n".join(numbered(out)) + "\n"


def _general_budget(d: Disclosure, src: _Sources) -> list[str]:
    v, year = d.value, d.year
    # 一般公共预算财政拨款 in the local template; 财政拨款 (all appropriations) in the university one
    gb = re.sub(r"^.*?((一般公共预算)?财政拨款).*$", r"\1", d.spec.name_of("t05"))
    out = ["", f"## 五、{gb}支出决算情况说明", "", f"### （一）{gb}支出决算总体情况", ""]
    total = v("t05", "total", "total")
    if total is None:
        return out + [f"{gb}支出决算表（t05）未读到。"]
    spent = v("t03", "total", "total")
    out.append(f"{gb}支出{amount(total)}万元，占本年支出合计的{share(total, spent)}。" +
               _change(total, src.prior_value("gb_expenditure"), year, f"{gb}支出", src, _why(src)))
    t = d.table("t05")
    classes = t[t["level"] == "类"]
    out += ["", f"### （二）{gb}支出决算结构情况", ""]
    out.append(f"{gb}支出{amount(total)}万元，主要用于以下方面：" +
               "；".join(f"{r.name}（类）{amount(r.total)}万元，占{share(r.total, total)}" for r in classes.itertuples()) + "。")
    out += ["", f"### （三）{gb}支出决算具体情况", ""]
    budgets = src.budget.lines
    if "total" in budgets:
        out.append(f"{gb}支出年初预算为{amount(budgets['total'])}万元，支出决算为{amount(total)}万元，"
                   f"完成年初预算的{share(total, budgets['total'])}。其中：")
    else:
        src.unknown.append(f"{gb}支出年初预算：未提供预算文件，情况说明也未给出")
    names = dict(zip(t["row"], t["name"]))
    prior_t05 = src.prior.table("t05") if src.prior is not None else None
    prior_total = dict(zip(prior_t05["row"], prior_t05["total"])) if prior_t05 is not None and len(prior_t05) else {}
    for i, r in enumerate(t[t["level"] == "项"].itertuples(), 1):
        head = f"{i}、{names.get(r.row[:3], '')}（类）{names.get(r.row[:5], '')}（款）{r.name}（项）。"
        b = budgets.get(r.row)
        if b is None:
            out.append(f"{head}支出决算为{amount(r.total)}万元；年初预算未知，完成率无法计算。")
            src.unknown.append(f"{r.row} {r.name} 年初预算")
            continue
        gap = round(r.total - b, 2)
        word = "大于" if gap > 0 else "小于" if gap < 0 else "等于"
        split = "；".join(f"{name}{amount(x)}万元" for _, key, name in EXPENDITURE_KINDS[:2]
                         if (x := getattr(r, key, None)) is not None and x == x and x)
        moved = ""
        if r.row in prior_total:
            delta = round(r.total - prior_total[r.row], 2)
            moved = f"，较上年{'增加' if delta > 0 else '减少'}{amount(abs(delta))}万元" if delta else "，与上年持平"
        reason = f"决算数{word}预算数{amount(abs(gap))}万元（{share(abs(gap), b)}）；其中{split}{moved}。" if gap else "决算数与预算数持平。"
        mark = "**" if gap else ""   # over- and under-execution stand out
        out.append(f"{head}年初预算为{amount(b)}万元，支出决算为{amount(r.total)}万元，"
                   f"{mark}完成年初预算的{share(r.total, b)}{mark}。{reason}")
    return out


def _items(t: pd.DataFrame, classes: tuple[str, ...], top: int = 8) -> str:
    """The largest 款 of t06 (`t`: d.table("t06"), fetched once for both lists) under the given 类."""
    if t.empty:
        return ""
    lines = t[(t["row"].str.len() == 5) & t["row"].str[:3].isin(classes) & (t["amount"] > 0)].sort_values("amount", ascending=False)
    return "、".join(f"{r.name}{amount(r.amount)}万元" for r in lines.head(top).itertuples())


def _basic(d: Disclosure) -> list[str]:
    v = d.value
    out = ["", "## 六、一般公共预算财政拨款基本支出决算情况说明", ""]
    basic, personnel, public = v("t05", "total", "basic"), v("t06", "personnel_total", "amount"), v("t06", "public_total", "amount")
    if basic is None or personnel is None or public is None:
        return out + ["基本支出决算表（t06）或 t05 基本支出未读到。"]
    t06 = d.table("t06")
    out.append(f"一般公共预算财政拨款基本支出{amount(basic)}万元。其中：人员经费{amount(personnel)}万元，主要包括："
               f"{_items(t06, ('301', '303'))}；公用经费{amount(public)}万元，主要包括：{_items(t06, ('302', '307', '310', '399'))}。")
    return out


def _sangong(d: Disclosure, src: _Sources) -> list[str]:
    v, year = d.value, d.year
    out = ["", "## 七、财政拨款“三公”经费支出决算情况说明", ""]
    st = d.tables.get("t09", {}).get("status", "missing")
    if st == "missing":
        return out + ["“三公”经费支出决算表（t09）未读到。"]
    b, a = v("t09", "budget", "total") or 0.0, v("t09", "actual", "total") or 0.0
    rate = f"，完成预算的{share(a, b)}" if b else "（预算为0，完成率不适用）"
    out.append(f"“三公”经费财政拨款支出年初预算为{amount(b)}万元，支出决算为{amount(a)}万元{rate}。" +
               _change(a, src.prior_value("sangong"), year, "“三公”经费财政拨款支出", src))
    for key, name in SANGONG:
        bi, ai = v("t09", "budget", key) or 0.0, v("t09", "actual", key) or 0.0
        rate = f"，完成预算的{share(ai, bi)}" if bi else "（预算为0，完成率不适用）"
        out.append(f"- {name}：预算{amount(bi)}万元，决算{amount(ai)}万元{rate}，占“三公”经费决算的{share(ai, a) if a else '0.00%'}。" +
                   _change(ai, src.prior_value(key), year, name, src))
    return out


def _stated_only(src: _Sources) -> list[str]:
    """Figures the nine tables do not hold (机关运行经费, 政府采购): quoted from the document's
    own 情况说明, marked as such, with their arithmetic recomputed."""
    stated = list({(c.key, c.amount): c for c in src.d.claims
                   if c.key in NOT_IN_TABLES and c.amount is not None and c.amount_text}.values())
    if not stated:
        return []
    out = ["", "## 十一、其他重要事项（决算表不含，照录本文件情况说明）", ""]
    for c in stated:
        change = ""
        if c.change is not None and c.prior:
            change = (f"，较上年{'增加' if c.change > 0 else '减少'}{amount(abs(c.change))}万元"
                      f"（{'增长' if c.change > 0 else '下降'}{pct(abs(100 * c.change / c.prior))}）")
        base = ""
        if c.share_pct is not None:
            base = f"，占{pct(c.share_pct)}（情况说明所述）"
        out.append(f"- {NOT_IN_TABLES[c.key]}{amount(c.amount)}万元{change}{base}。决算表不含此项，无法由表推出。")
    return out


def _performance(d: Disclosure) -> list[str]:
    out = ["", "## 十、绩效自评情况", ""]
    if not d.performance:
        return out + ["文件未附项目支出绩效自评表。"]
    for p in d.performance:
        f = p["funds"]
        missed = [i for i in p.get("indicators", []) if target_met(i) is False]
        note = "；未达成指标：" + "、".join(f"{i['name']}（目标{i['target']}，实际{i['actual']}）" for i in missed) if missed else "；各项指标均达成"
        out.append(f"- {p['project']}：全年预算数{amount(f['budget_full'])}万元，全年执行数{amount(f['executed'])}万元，"
                   f"执行率{pct(f['execution_rate'])}{note}。")
    return out
