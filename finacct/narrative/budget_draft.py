"""A draft 部门预算说明 for a budget disclosure: totals, sources, uses, classes, basic
expenditure and 三公, every number from the budget tables (b01–b09), in 万元 as the document's
own 说明 states them (a budget printing its tables in 元 is converted)."""
from __future__ import annotations

from finacct.model import Disclosure
from finacct.narrative.numbers import amount, share
from finacct.narrative.sections import numbered

SOURCES = (("inc.appropriation", "财政拨款收入"), ("inc.fiscal_special", "财政专户管理资金"), ("inc.business", "事业收入"),
           ("inc.operating", "事业单位经营收入"), ("inc.other", "其他收入"), ("inc.other_funds", "其他资金"))
USES = (("basic", "基本支出"), ("project", "项目支出"), ("reserve", "单位预留机动经费"))
SANGONG = (("overseas", "因公出国（境）费"), ("vehicle_total", "公务用车购置及运行费"), ("reception", "公务接待费"),
           ("operating_cost", "机关运行经费"))


def _money(x: float, unit: str) -> str:
    return f"{amount(x)}{unit}"


def _change(now: float, before: float | None, year: int | None) -> str:
    if before is None:
        return ""
    delta = round(now - before, 2)
    last = f"{year - 1}年" if year else "上年"
    return f"，与{last}预算持平" if not delta else f"，比{last}预算{'增加' if delta > 0 else '减少'}{abs(delta):,.2f}"


def explain_budget(d: Disclosure, prior: Disclosure | None = None) -> str:
    """Markdown (Chinese). `prior` is last year's budget of the same department, if any."""
    printed = f"（预算表以{d.unit}列示，已换算）" if d.wan != 1 else ""
    d, prior = d.in_wan(), prior.in_wan() if prior is not None else None
    v, u, year = d.value, d.unit, d.year
    before = (lambda t, r, c: prior.value(t, r, c)) if prior is not None else (lambda t, r, c: None)
    out = [f"# {d.department or '本部门'}{year or ''}年度部门预算说明（草稿）", "",
           f"> finacct 根据预算表起草（{d.spec.label}）；金额单位：{u}{printed}。"
           + (f"上年预算来源：{prior.source}。" if prior is not None else "未加载上年预算，不作比较。"), ""]
    income = v("b01", "inc.total", "amount")
    out += ["## 一、收支预算总体情况", ""]
    if income is None:
        out.append("收支预算总表（b01）未读到。")
    else:
        parts = [(name, x) for key, name in SOURCES if (x := v("b01", key, "amount"))]
        out.append(f"{year or ''}年收入预算{_money(income, u)}{_change(income, before('b01', 'inc.total', 'amount'), year)}，其中："
                   + "；".join(f"{name}{_money(x, u)}，占{share(x, income)}" for name, x in parts) + "。")
    spent = v("b03", "total", "total")
    if spent is not None:
        uses = [(name, x) for key, name in USES if (x := v("b03", "total", key))]
        out.append(f"支出预算{_money(spent, u)}{_change(spent, before('b03', 'total', 'total'), year)}，其中："
                   + "；".join(f"{name}{_money(x, u)}，占{share(x, spent)}" for name, x in uses) + "。")
    lines = d.table("b05")
    if not lines.empty:
        total = v("b05", "total", "total")
        classes = lines[lines["level"] == "类"]
        out += ["", f"## 二、{d.spec.name_of('b05').removesuffix('表')}", "",
                f"合计{_money(total or 0.0, u)}，按功能分类：" + "；".join(
                    f"{r.name}（{r.row}）{_money(r.total, u)}，占{share(r.total, total)}" for r in classes.itertuples()) + "。"]
    basic = v("b06", "total", "total") or v("b06", "total", "amount")
    if basic is not None:
        split = [(name, x) for col, name in (("personnel", "人员经费"), ("public", "公用经费")) if (x := v("b06", "total", col))]
        out += ["", "## 三、一般公共预算基本支出", "", f"基本支出{_money(basic, u)}" +
                ("，其中：" + "；".join(f"{n}{_money(x, u)}" for n, x in split) if split else "") + "。"]
    if "b09" in d.spec.tables and d.tables.get("b09", {}).get("status") == "present":
        total = v("b09", "budget", "total") or 0.0
        out += ["", "## 四、“三公”经费预算", "", f"“三公”经费预算{_money(total, u)}{_change(total, before('b09', 'budget', 'total'), year)}：" +
                "；".join(f"{name}{_money(v('b09', 'budget', col) or 0.0, u)}" for col, name in SANGONG
                         if col != "operating_cost" or v("b09", "budget", col) is not None) + "。"]
        if d.tables["b09"].get("statement"):
            out.append(f"注意：该表同时注明“{d.tables['b09']['statement']}”，与所列数字矛盾。")
    return "\n".join(numbered(out)) + "\n"
