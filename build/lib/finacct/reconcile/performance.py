"""Evaluators of the 项目支出绩效自评表: execution rate, fund sources, targets met."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from finacct.reconcile.context import Context, guarded
from finacct.reconcile.findings import Finding
from finacct.reconcile.tolerance import amount_tolerance, half_up, ratio_tolerance, status

if TYPE_CHECKING:
    from finacct.reconcile.rules import Rule

FUNDS = ("budget_initial", "budget_full", "executed")
OPERATOR = re.compile(r"^(?P<op>[<>≤≥＜＞]=?|=|＝)?\s*(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>\D*)$")
NUMBER = re.compile(r"^(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>\D*)$")
OPS = {"≤": "<=", "≥": ">=", "＜": "<", "＞": ">", "＝": "=", "": "="}


def _none(ctx: Context, rule: "Rule") -> list[Finding] | None:
    if ctx.d.performance:
        return None
    return [Finding(rule.id, "not_applicable", ["performance"], "no 项目支出绩效自评表 in the document")]


needs_performance = guarded(_none)


@needs_performance
def execution_rate(ctx: Context, rule: "Rule") -> list[Finding]:
    out = []
    for p in ctx.d.performance:
        f = p["funds"]
        if not f.get("budget_full"):
            continue
        expected = half_up(100 * f["executed"] / f["budget_full"])
        tol = ratio_tolerance(f["executed"], f["budget_full"], 2)
        diff = round(expected - f["execution_rate"], 2)
        out.append(Finding(rule.id, status(diff, tol), ["performance"],
                           f"{p['project']}: 执行率 {f['execution_rate']:.2f}% vs 全年执行数/全年预算数 "
                           f"{f['executed']:.2f}/{f['budget_full']:.2f} = {expected:.2f}%",
                           p["project"], "execution_rate", expected, f["execution_rate"], diff, tol, [p["page"]]))
    return out


@needs_performance
def sources(ctx: Context, rule: "Rule") -> list[Finding]:
    """年度资金总和 = 当年财政拨款 + 上年结转资金 + 其他资金, for each money column."""
    out = []
    for p in ctx.d.performance:
        parts = p.get("funds_breakdown", {})
        if not parts:
            continue
        for col in FUNDS:
            e = round(sum(v.get(col, 0.0) for v in parts.values()), 2)
            a = p["funds"][col]
            tol = amount_tolerance(len(parts) + 1)
            diff = round(e - a, 2)
            out.append(Finding(rule.id, status(diff, tol), ["performance"],
                               f"{p['project']}: 年度资金总和 {col} {a:.2f} vs Σ sources {e:.2f}",
                               p["project"], col, e, a, diff, tol, [p["page"]]))
    return out


@needs_performance
def cost_indicators(ctx: Context, rule: "Rule") -> list[Finding]:
    """Σ 成本指标 actuals against 全年执行数: reported where they agree (within rounding);
    cost indicators need not cover all the money, so a larger gap is not an error."""
    out = []
    for p in ctx.d.performance:
        costs = [NUMBER.match(i["actual"]) for i in p.get("indicators", []) if i.get("level1") == "成本指标"]
        costs = [m for m in costs if m and "万元" in m["unit"]]
        if not costs:
            continue
        e, a = round(sum(float(m["n"]) for m in costs), 2), p["funds"]["executed"]
        tol, diff = amount_tolerance(len(costs) + 1), round(sum(float(m["n"]) for m in costs) - a, 2)
        st = status(diff, tol)
        msg = f"{p['project']}: 全年执行数 {a:.2f} vs Σ 成本指标实际值 {e:.2f}"
        if st == "error":
            st, msg = "not_applicable", msg + " (cost indicators need not cover all of the money)"
        out.append(Finding(rule.id, st, ["performance"], msg, p["project"], "executed", e, a, diff, tol, [p["page"]]))
    return out


def _met(op: str, target: float, actual: float) -> bool:
    return {"<": actual < target, "<=": actual <= target, ">": actual > target, ">=": actual >= target,
            "=": actual == target}[op]


def target_met(indicator: dict) -> bool | None:
    """Whether an indicator's actual meets its target operator (>=, <=, =, …); None when the
    target or the actual is not a number (及时, 好)."""
    t = OPERATOR.match(indicator["target"].replace(" ", ""))
    a = NUMBER.match(indicator["actual"].replace(" ", ""))
    if not t or not a:
        return None
    op = OPS.get(t["op"] or "=", t["op"] or "=")
    return _met(op, float(t["n"]), float(a["n"]))


@needs_performance
def targets(ctx: Context, rule: "Rule") -> list[Finding]:
    """Each indicator's actual against its target operator; a missed target needs a 偏差原因."""
    out = []
    for p in ctx.d.performance:
        for i in p.get("indicators", []):
            met = target_met(i)
            name = f"{p['project']} / {i['name']}"
            if met is None:
                if re.sub(r"\W", "", i["target"]).endswith(i["actual"]) or i["actual"] in i["target"]:
                    out.append(Finding(rule.id, "ok", ["performance"], f"{name}: {i['actual']} meets {i['target']}",
                                       p["project"], i["name"], pages=[p["page"]]))
                continue
            note = i.get("deviation_note", "")
            st, msg = ("ok", f"{name}: {i['actual']} meets {i['target']}") if met else (
                ("ok", f"{name}: {i['actual']} misses {i['target']}; 偏差原因 given: {note}") if note else
                ("error", f"{name}: {i['actual']} misses {i['target']} and no 偏差原因 is given"))
            out.append(Finding(rule.id, st, ["performance"], msg, p["project"], i["name"], pages=[p["page"]],
                               note="" if met else "target not met"))
    return out
