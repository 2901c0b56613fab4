"""Checks across documents: a final's own statements of its 年初预算 and its 三公 预算数
against the department's budget disclosure of the same year. Each finding names both
documents and their pages.

Both sides are compared in 万元, the unit a 情况说明 states, whatever unit each document prints
(a prior or a budget may print 元 where the final prints 万元): expected, actual and diff are in
万元, and a tolerance adds each side's rounding in 万元 (a cell printed to 0.01 元 is 0.000001)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from finacct.budget import LINES, SANGONG, Budget
from finacct.narrative.claims import item_cells, precision
from finacct.narrative.resolve import resolve_item
from finacct.reconcile.context import Context
from finacct.reconcile.findings import Finding
from finacct.reconcile.tolerance import CELL, amount_tolerance, stated_tolerance, status

if TYPE_CHECKING:
    from finacct.reconcile.rules import Rule


def _amount(x: float) -> str:
    """An amount in 万元 as a message prints it: two decimals, more where it carries 元 or 分."""
    text = f"{x:.6f}".rstrip("0")
    return text if len(text.partition(".")[2]) >= 2 else f"{x:.2f}"


def _budget(ctx: Context, rule: "Rule") -> tuple[Budget | None, list[Finding]]:
    """The budget document's lines and 三公 in 万元, or the finding that says why there are none."""
    budget, why = ctx.budget_read
    return budget, [] if budget is not None else [Finding(rule.id, "insufficient_data", ["budget"], f"{rule.says}: {why}")]


def _budget_tolerance(ctx: Context, mine: float, table: str) -> float:
    """A figure of this document (`mine`: its rounding in 万元) against a budget cell: that cell's
    own rounding, and its rounding to 0.01 in this document's unit (from_document), in 万元."""
    return round(mine + ctx.budget_context.rounding_wan(table) + CELL * ctx.d.wan, 9)


def _compare(ctx: Context, rule: "Rule", what: str, stated: float, printed: float, pages: list[int], where: str,
             tol: float) -> Finding:
    diff = round(printed - stated, 6)
    st = status(diff, tol)
    sign = {"ok": "=", "rounding": "≈", "error": "≠"}[st]
    return Finding(rule.id, st, ["narrative", "budget"],
                   f"{what}: {ctx.d.source} states {_amount(stated)}, {ctx.budget.source} prints {_amount(printed)} ({where}) — {sign}",
                   expected=printed, actual=stated, diff=diff, tolerance=tol, pages=pages)


def stated_budget(ctx: Context, rule: "Rule") -> list[Finding]:
    """年初预算 the 情况说明 states (total and per 项, in 万元) against the budget document's b05."""
    budget, out = _budget(ctx, rule)
    if budget is None:
        return out
    labels, totals = ctx.function_lines()
    where = budget.source.split("：", 1)[-1]
    for c in ctx.d.claims:
        if c.budget is None:
            continue
        code = "total" if c.key == "gb_expenditure" else resolve_item(c, labels, totals)[0] if c.key.startswith("item:") and c.path else None
        if code and code in budget.lines:   # the stated figure as precise as it is printed (1.2亿元: 500), the budget cell converted
            tol = _budget_tolerance(ctx, stated_tolerance(precision(c.budget_text), 1), LINES)
            out.append(_compare(ctx, rule, f"年初预算 of {c.item or code} (narrative p{c.page})", c.budget, budget.lines[code],
                                [c.page], where, tol))
    return out or [Finding(rule.id, "not_applicable", ["narrative", "budget"], f"{rule.says}: the 情况说明 states no 年初预算 the budget prints")]


def sangong_budget(ctx: Context, rule: "Rule") -> list[Finding]:
    """The final's 三公 预算数 (t09) against the budget document's b09, both in 万元."""
    budget, out = _budget(ctx, rule)
    if budget is None:
        return out
    pages = ctx.budget.tables.get(SANGONG, {}).get("pages", [])
    tol = _budget_tolerance(ctx, ctx.rounding_wan("t09"), SANGONG)
    for col, value in budget.sangong.items():
        printed = ctx.value(("t09", "budget", col))
        if printed is not None:
            f = _compare(ctx, rule, f"三公 {col} 预算数 (t09 p{','.join(map(str, ctx.pages('t09')))})", round(printed * ctx.d.wan, 6), value,
                         ctx.pages("t09"), f"{SANGONG} p{','.join(map(str, pages))}", tol)
            out.append(f)
    return out or [Finding(rule.id, "not_applicable", ["t09", "budget"], f"{rule.says}: no 三公 预算数 printed in both")]


def _prior(ctx: Context, rule: "Rule") -> list[Finding]:
    if ctx.prior is None:
        return [Finding(rule.id, "insufficient_data", ["prior"], f"{rule.says}: no prior-year document given (check --prior)")]
    if ctx.d.year and ctx.prior.year and ctx.prior.year != ctx.d.year - 1:
        return [Finding(rule.id, "insufficient_data", ["prior"], f"{rule.says}: {ctx.prior.source} is {ctx.prior.year}, not {ctx.d.year - 1}")]
    return []


def carried_balance(ctx: Context, rule: "Rule") -> list[Finding]:
    """This year's 年初结转和结余 = last year's 年末结转和结余, line by line (rule.params pairs),
    in 万元 whatever unit either year prints."""
    out = _prior(ctx, rule)
    if out:
        return out
    before_ctx = ctx.prior_context
    for now, before in rule.params["pairs"]:
        t, row, col = now.split(":")
        pt, prow, pcol = before.split(":")
        a, b = ctx.value((t, row, col)), ctx.prior.value(pt, prow, pcol)
        if a is None and b is None:
            continue
        a, b = round((a or 0.0) * ctx.d.wan, 6), round((b or 0.0) * ctx.prior.wan, 6)
        diff = round(b - a, 6)
        tol = round(ctx.rounding_wan(t) + before_ctx.rounding_wan(pt), 9)   # each year's cell, rounded as it prints it
        st = status(diff, tol)
        pages = ctx.cell_pages([(t, row, col)])
        ppages = sorted({int(p) for p in ctx.prior.facts.loc[(ctx.prior.facts["table"] == pt) & (ctx.prior.facts["row"] == prow), "page"]})
        out.append(Finding(rule.id, st, [t, "prior"], f"{ctx.d.source} {t} {row} {_amount(a)} (p{','.join(map(str, pages))}) vs "
                           f"{ctx.prior.source} {pt} {prow} {_amount(b)} (p{','.join(map(str, ppages))})",
                           row=row, col=col, expected=b, actual=a, diff=diff, tolerance=tol, pages=pages))
    return out or [Finding(rule.id, "not_applicable", ["prior"], f"{rule.says}: no balance printed in either year")]


def stated_prior(ctx: Context, rule: "Rule") -> list[Finding]:
    """Each prior-year figure the 情况说明 states or implies (amount − stated change) against
    the prior document's own figure for that item (narrative/items.csv names its cells), both
    in 万元 (a budget's own figure is its 预算)."""
    out = _prior(ctx, rule)
    if out:
        return out
    for c in ctx.d.claims:
        cells = item_cells(ctx.prior, c.key) if c.prior is not None else []
        if not cells:
            continue
        before, (t, row, col) = cells[0]
        diff = round(before - c.prior, 2)
        # stated amount, stated change and the prior cell (rounded as last year prints it), each rounded
        tol = round(amount_tolerance(2) + ctx.prior_context.rounding_wan(t), 9)
        said = f"{c.item}: {ctx.d.source} p{c.page} implies {c.prior:.2f} for {ctx.d.year - 1 if ctx.d.year else '上年'}"
        out.append(Finding(rule.id, status(diff, tol), ["narrative", "prior"], f"{said}; {ctx.prior.source} prints {before:.2f} ({t} {row} {col})",
                           row=c.key, col=f"{t}:{row}:{col}", expected=before, actual=c.prior, diff=diff, tolerance=tol, pages=[c.page]))
    return out or [Finding(rule.id, "not_applicable", ["narrative", "prior"], f"{rule.says}: the 情况说明 implies no prior-year figure")]
