"""Checks across documents: a final's own statements of its 年初预算 and its 三公 预算数
against the department's budget disclosure of the same year. Each finding names both
documents and their pages."""
from __future__ import annotations

from typing import TYPE_CHECKING

from finacct.budget import Budget, from_document
from finacct.narrative.resolve import resolve_item, t05_lines
from finacct.reconcile.context import Context
from finacct.reconcile.findings import Finding
from finacct.reconcile.tolerance import status

if TYPE_CHECKING:
    from finacct.reconcile.rules import Rule


def _budget(ctx: Context, rule: "Rule") -> tuple[Budget | None, list[Finding]]:
    if ctx.budget is None:
        return None, [Finding(rule.id, "insufficient_data", ["budget"], f"{rule.says}: no budget document given (check --budget)")]
    try:
        return from_document(ctx.d, ctx.budget), []
    except ValueError as exc:
        return None, [Finding(rule.id, "insufficient_data", ["budget"], f"{rule.says}: {exc}")]


def _compare(ctx: Context, rule: "Rule", what: str, stated: float, printed: float, pages: list[int], where: str,
             tol: float) -> Finding:
    diff = round(printed - stated, 2)
    st = status(diff, tol)
    sign = {"ok": "=", "rounding": "≈", "error": "≠"}[st]
    return Finding(rule.id, st, ["narrative", "budget"],
                   f"{what}: {ctx.d.source} states {stated:.2f}, {ctx.budget.source} prints {printed:.2f} ({where}) — {sign}",
                   expected=printed, actual=stated, diff=diff, tolerance=tol, pages=pages)


def stated_budget(ctx: Context, rule: "Rule") -> list[Finding]:
    """年初预算 the 情况说明 states (total and per 项) against the budget document's b05."""
    budget, out = _budget(ctx, rule)
    if budget is None:
        return out
    labels, totals = t05_lines(ctx.d.facts)
    where = budget.source.split("：", 1)[-1]
    tol = ctx.tolerance([("t05", "", "")]) + 0.005  # a stated figure and a converted budget cell, each rounded
    for c in ctx.d.claims:
        if c.budget is None:
            continue
        code = "total" if c.key == "gb_expenditure" else resolve_item(c, labels, totals)[0] if c.key.startswith("item:") and c.path else None
        if code and code in budget.lines:
            out.append(_compare(ctx, rule, f"年初预算 of {c.item or code} (narrative p{c.page})", c.budget, budget.lines[code],
                                [c.page], where, tol))
    return out or [Finding(rule.id, "not_applicable", ["narrative", "budget"], f"{rule.says}: the 情况说明 states no 年初预算 the budget prints")]


def sangong_budget(ctx: Context, rule: "Rule") -> list[Finding]:
    """The final's 三公 预算数 (t09) against the budget document's b09."""
    budget, out = _budget(ctx, rule)
    if budget is None:
        return out
    pages = ctx.budget.tables.get("b09", {}).get("pages", [])
    for col, value in budget.sangong.items():
        printed = ctx.value(("t09", "budget", col))
        if printed is not None:
            f = _compare(ctx, rule, f"三公 {col} 预算数 (t09 p{','.join(map(str, ctx.pages('t09')))})", printed, value, ctx.pages("t09"),
                         f"b09 p{','.join(map(str, pages))}", ctx.tolerance([("t09", "budget", col)]) + ctx.rounding("t09"))
            out.append(f)
    return out or [Finding(rule.id, "not_applicable", ["t09", "budget"], f"{rule.says}: no 三公 预算数 printed in both")]
