"""Evaluators of the 情况说明's claims: against the tables and against their own arithmetic
(Y% = X / (amount − X), shares, 完成率, sums), wording against numbers, and the prior-year
values the claims imply."""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from finacct import classify
from finacct.narrative.claims import Claim, item, vehicle_counts
from finacct.narrative.resolve import resolve_item, t05_lines
from finacct.reconcile.context import Context, Ref, guarded
from finacct.reconcile.findings import Finding
from finacct.reconcile.tolerance import amount_tolerance, decimals, half_up, ratio_tolerance, status

if TYPE_CHECKING:
    from finacct.reconcile.rules import Rule

TOL_STATED = amount_tolerance(2)   # a stated figure and a table cell, each rounded once


def _quote(c: Claim) -> str:
    return f"“{c.sentence[:90]}{'…' if len(c.sentence) > 90 else ''}”"


def _candidates(ctx: Context, key: str, role: str) -> list[tuple[float, Ref]]:
    """Table values a claim about `key` may be compared with (blank cells of a printed table are 0)."""
    it = item(key)
    out = []
    for text in (it.refs if it else ()):
        if "{role}" not in text and role == "budget":
            continue
        ref = Ref.parse(text.replace("{role}", "actual" if role == "amount" else role))
        st = ctx.status(ref.table)
        if st in ("present", "declared_empty"):
            out.append((ctx.value((ref.table, ref.row, ref.col)) or 0.0, ref))
    return out


def _none_claims(ctx: Context, rule: "Rule") -> list[Finding] | None:
    if not ctx.d.text:
        return [Finding(rule.id, "insufficient_data", ["narrative"], "the document text is not available (source read from JSON/xlsx)")]
    if not ctx.d.claims:
        return [Finding(rule.id, "insufficient_data", ["narrative"], "no claims read from the 情况说明")]
    return None


needs_claims = guarded(_none_claims)


def _stated_vs(ctx: Context, rule: "Rule", c: Claim, stated: float, text: str, cands: list[tuple[float, Ref]],
               what: str, col: str | None = None) -> Finding:
    best = min(cands, key=lambda vr: abs(vr[0] - stated))
    value, ref = best
    d = decimals(re.sub(r"[^\d.]", "", text)) if text else 2
    tol = max(TOL_STATED, 0.5 * 10 ** -d if d < 2 else 0)
    diff = round(value - stated, 2)
    st = status(diff, tol)
    cell = (ref.table, ref.row, ref.col)
    return Finding(rule.id, st, ["narrative", ref.table], f"{what} {stated:g} vs {ref.table} {ref.row} {ref.col} {value:.2f}: {_quote(c)}",
                   ref.row, col or ref.col, value, stated, diff, tol, [c.page] + ctx.cell_pages([cell]), [cell])


@needs_claims
def amounts(ctx: Context, rule: "Rule") -> list[Finding]:
    """Every stated amount (and 三公 budget) against the table cell it names."""
    out = []
    for c in ctx.d.claims:
        for role, stated, text in (("amount", c.amount, c.amount_text), ("budget", c.budget, "")):
            if stated is None or (role == "amount" and not text):
                continue
            cands = _candidates(ctx, c.key, role)
            if cands:
                out.append(_stated_vs(ctx, rule, c, stated, text, cands, f"{c.item} {'预算' if role == 'budget' else ''}".strip()))
    return out


@needs_claims
def item_lines(ctx: Context, rule: "Rule") -> list[Finding]:
    """五(三): each 项's 决算 against t05, and its 类/款/项 names against the table's."""
    if ctx.status("t05") != "present":
        return [Finding(rule.id, "insufficient_data", ["narrative", "t05"], "t05 not available")]
    out = []
    labels, totals = t05_lines(ctx.d.facts)
    for c in ctx.d.claims:
        if not c.key.startswith("item:") or c.amount is None or c.path is None:
            continue
        code, misfit = resolve_item(c, labels, totals)
        if code is None:
            out.append(Finding(rule.id, "error", ["narrative", "t05"], f"{'/'.join(c.path)} {c.amount:g} matches no t05 项: {_quote(c)}",
                               actual=c.amount, pages=[c.page]))
            continue
        ref = Ref("t05", code, "total")
        out.append(_stated_vs(ctx, rule, c, c.amount, c.amount_text or f"{c.amount:.2f}", [(ctx.value((ref.table, ref.row, ref.col)) or 0.0, ref)],
                              f"{c.item} 决算"))
        names = "/".join(labels[r] for r in (code[:3], code[:5], code) if r in labels)
        out.append(Finding("narrative.item_names", "error" if misfit else "ok", ["narrative", "t05"],
                           (f"{'、'.join(misfit)} name printed as {'/'.join(c.path)}, t05 {code} is {names}" if misfit
                            else f"{'/'.join(c.path)} fits t05 {code}") + f": {_quote(c)}", code, None, pages=[c.page]))
    return out


def _base_amount(ctx: Context, c: Claim) -> tuple[float | None, str]:
    it = item(c.key)
    key = c.share_base or (it.base if it else "")
    if not key:
        return None, ""
    stated = [b.amount for b in ctx.d.claims if b.key == key and b.amount is not None and b.amount_text]
    if stated:
        return stated[0], key
    cands = _candidates(ctx, key, "amount")
    return (cands[0][0], key) if cands else (None, key)


def _ratio(rule: "Rule", c: Claim, num: float, den: float, stated: float, text: str, what: str) -> Finding:
    d = decimals(re.sub(r"[^\d.]", "", text)) if text else 2
    expected = half_up(100 * num / den, d)
    tol = ratio_tolerance(num, den, d)
    diff = round(expected - stated, d + 2)
    return Finding(rule.id, status(diff, tol), ["narrative"], f"{what} stated {stated:g}%, recomputed {num:.2f}/{den:.2f} = {expected:.{d}f}%: {_quote(c)}",
                   c.key, None, expected, stated, diff, tol, [c.page])


@needs_claims
def change_pct(ctx: Context, rule: "Rule") -> list[Finding]:
    """增长/下降 Y% = X / (amount − X)."""
    return [_ratio(rule, c, abs(c.change), abs(c.amount - c.change), abs(c.change_pct), c.change_pct_text, f"{c.item} change")
            for c in ctx.d.claims
            if c.change_pct is not None and c.change is not None and c.amount is not None and c.amount != c.change]


def _share(ctx: Context, rule: "Rule", c: Claim) -> Finding:
    base, key = _base_amount(ctx, c)
    if not base:
        return Finding(rule.id, "insufficient_data", ["narrative"], f"{c.item} 占 {c.share_pct:g}%: base unknown: {_quote(c)}",
                       pages=[c.page])
    return _ratio(rule, c, c.amount, base, c.share_pct, c.share_pct_text, f"{c.item} share of {key}")


@needs_claims
def shares(ctx: Context, rule: "Rule") -> list[Finding]:
    """占 Z% = amount / its base (named after 占, else the item's usual base)."""
    return [_share(ctx, rule, c) for c in ctx.d.claims if c.share_pct is not None and c.amount is not None]


@needs_claims
def completion_rates(ctx: Context, rule: "Rule") -> list[Finding]:
    """完成预算的 R% = 决算 / 预算 (the budget stated beside it, else t09's for 三公 items)."""
    out = []
    for c in ctx.d.claims:
        if c.rate_pct is None or c.amount is None:
            continue
        budget = c.budget
        if budget is None:
            cands = _candidates(ctx, c.key, "budget")
            budget = cands[0][0] if cands else None
        if budget is None:
            out.append(Finding(rule.id, "insufficient_data", ["narrative"], f"{c.item} 完成预算的 {c.rate_pct:g}%: budget unknown: {_quote(c)}",
                               pages=[c.page]))
        elif budget == 0:
            out.append(Finding(rule.id, "not_applicable", ["narrative"],
                               f"{c.item} 完成预算的 {c.rate_pct:g}% on a budget of 0: the rate is undefined: {_quote(c)}", pages=[c.page]))
        else:
            out.append(_ratio(rule, c, c.amount, budget, c.rate_pct, c.rate_text, f"{c.item} 完成率"))
    return out


@needs_claims
def wording(ctx: Context, rule: "Rule") -> list[Finding]:
    """持平 while the numbers moved, 增加 with 下降, 决算数小于预算数 while it is larger."""
    out = []
    for c in ctx.d.claims:
        if c.flat and c.change not in (None, 0):
            out.append(Finding(rule.id, "error", ["narrative"], f"{c.item} said 持平 but changed by {c.change:g}: {_quote(c)}", pages=[c.page]))
        if c.change and c.change_pct and (c.change > 0) != (c.change_pct > 0):
            out.append(Finding(rule.id, "error", ["narrative"], f"{c.item}: change {c.change:+g} 万元 but {c.change_pct:+g}%: {_quote(c)}", pages=[c.page]))
        if c.budget_wording and c.amount is not None and c.budget is not None:
            gap = c.amount - c.budget
            fits = {"大于": gap > 0, "小于": gap < 0, "持平": abs(gap) <= 0.01 * max(c.budget, 0.01)}[c.budget_wording]
            out.append(Finding(rule.id, "ok" if fits else "error", ["narrative"],
                               f"{c.item} 决算数{c.budget_wording}预算数 with 决算 {c.amount:g}, 预算 {c.budget:g}: {_quote(c)}",
                               c.key, None, c.budget, c.amount, pages=[c.page]))
    return out or [Finding(rule.id, "ok", ["narrative"], "no wording contradicts its numbers")]


def _claim(ctx: Context, key: str, attr: str) -> Claim | None:
    return next((c for c in ctx.d.claims if c.key == key and getattr(c, attr) is not None), None)


@needs_claims
def prior_year(ctx: Context, rule: "Rule") -> list[Finding]:
    """The implied prior-year totals must hold together: last year's 财政拨款收入支出总计 covers
    its 一般公共预算财政拨款支出 plus the balance it carried into this year (t04 年初结转)."""
    total, spent = _claim(ctx, "fiscal_grand_total", "prior"), _claim(ctx, "gb_expenditure", "prior")
    if total is None or spent is None or ctx.status("t04") not in ("present", "declared_empty"):
        return [Finding(rule.id, "insufficient_data", ["narrative", "t04"], "the narrative implies no prior-year 财政拨款 totals to compare")]
    opening = ctx.value(("t04", "inc.carryover_begin", "amount")) or 0.0
    need = round(spent.prior + opening, 2)
    cells = [("t04", "inc.carryover_begin", "amount")]
    tol = amount_tolerance(4)
    ok = total.prior + tol >= need
    return [Finding(rule.id, "ok" if ok else "error", ["narrative", "t04"],
                    f"prior-year 财政拨款收入支出总计 implied {total.prior:.2f} {'≥' if ok else '<'} prior 一般公共预算财政拨款支出 "
                    f"{spent.prior:.2f} + balance carried into this year {opening:.2f} = {need:.2f}: {_quote(total)}",
                    "fiscal_grand_total", None, need, total.prior, round(need - total.prior, 2), tol, [total.page, spent.page], cells)]


def _sum_rule(ctx: Context, rule: "Rule", total: Claim | None, parts: list[Claim], attr: str, what: str) -> list[Finding]:
    if total is None or not parts:
        return [Finding(rule.id, "insufficient_data", ["narrative"], f"{what}: not stated")]
    e = round(sum(getattr(p, attr) for p in parts), 2)
    a = getattr(total, attr)
    tol = amount_tolerance(len(parts) + 1)
    diff = round(e - a, 2)
    return [Finding(rule.id, status(diff, tol), ["narrative"], f"{what} {a:.2f} vs Σ parts {e:.2f} ({len(parts)} parts): {_quote(total)}",
                    total.key, None, e, a, diff, tol, sorted({total.page, *(p.page for p in parts)}))]


@needs_claims
def budget_items(ctx: Context, rule: "Rule") -> list[Finding]:
    """The 年初预算 of the 五(三) items add up to the stated total 年初预算, when the items
    listed cover the whole 一般公共预算财政拨款支出."""
    total = _claim(ctx, "gb_expenditure", "budget")
    parts = [c for c in ctx.d.claims if c.key.startswith("item:") and c.budget is not None and c.amount is not None]
    if total and parts and total.amount is not None:
        covered = round(sum(p.amount for p in parts), 2)
        if abs(covered - total.amount) > amount_tolerance(len(parts) + 1):
            return [Finding(rule.id, "insufficient_data", ["narrative"],
                            f"the {len(parts)} items listed cover {covered:.2f} of {total.amount:.2f}; their budgets cannot be summed to the total")]
    return _sum_rule(ctx, rule, total, parts, "budget", "一般公共预算财政拨款支出 年初预算")


@needs_claims
def procurement(ctx: Context, rule: "Rule") -> list[Finding]:
    total = _claim(ctx, "procurement_total", "amount")
    parts = [c for k in ("procurement_goods", "procurement_works", "procurement_services") if (c := _claim(ctx, k, "amount"))]
    return _sum_rule(ctx, rule, total, parts, "amount", "政府采购 total = 货物 + 工程 + 服务")


@needs_claims
def procurement_awards(ctx: Context, rule: "Rule") -> list[Finding]:
    """Awards cannot exceed what they are part of: 授予中小企业 ≤ 政府采购 total, 小微 ≤ 中小."""
    out = []
    for part_key, whole_key, what in rule.params["bounds"]:
        part, whole = _claim(ctx, part_key, "amount"), _claim(ctx, whole_key, "amount")
        if part is None or whole is None:
            continue
        over = round(part.amount - whole.amount, 2)
        st = "error" if over > amount_tolerance(2) else "ok"
        out.append(Finding(rule.id, st, ["narrative"], f"{what}: {part.amount:.2f} {'>' if st == 'error' else '≤'} {whole.amount:.2f}: "
                           f"{_quote(part)}", part.key, None, whole.amount, part.amount, -over, amount_tolerance(2),
                           sorted({part.page, whole.page})))
    return out or [Finding(rule.id, "insufficient_data", ["narrative"], f"{rule.says}: not stated")]


@needs_claims
def listed_items(ctx: Context, rule: "Rule") -> list[Finding]:
    """The items named under 人员经费/公用经费 主要包括 against t06: an item t06 leaves blank
    cannot be a main item; one printed 0.00 may be a sub-rounding amount."""
    if ctx.status("t06") != "present":
        return [Finding(rule.id, "insufficient_data", ["narrative", "t06"], "t06 not available")]
    ref = classify.names("economic")
    groups = {"personnel": ("301", "303"), "public": ("302", "307", "310", "399")}
    out = []
    for c in ctx.d.claims:
        if c.key not in groups or not c.listed:
            continue
        codes = [k for k in ref if len(k) == 5 and k[:3] in groups[c.key]]
        for name in c.listed:
            bare = classify.flat(re.sub(r"支出$", "", name))
            hits = [k for k in codes if classify.flat(ref[k]) == bare] or [
                k for k in codes if bare in classify.flat(ref[k]) or classify.flat(ref[k]) in bare]
            if not hits:
                continue
            code = min(hits, key=lambda k: abs(len(ref[k]) - len(bare)))
            v = ctx.value(("t06", code, "amount"))
            st, say = ("error", "t06 prints no amount for it") if v is None else (
                ("rounding", "t06 prints 0.00 (an amount under 0.005 万元 is possible)") if v == 0 else ("ok", f"t06 {v:.2f}"))
            out.append(Finding(rule.id, st, ["narrative", "t06"], f"{c.item} lists {name} ({code}): {say}",
                               code, "amount", None, v, pages=[c.page] + ctx.cell_pages([("t06", code, "amount")]),
                               cells=[("t06", code, "amount")] if v is not None else []))
    return out or [Finding(rule.id, "insufficient_data", ["narrative"], "no 人员经费/公用经费 item list found")]


def vehicles(ctx: Context, rule: "Rule") -> list[Finding]:
    """Vehicle totals agree wherever stated, and equal the sum of their categories."""
    if not ctx.d.text:
        return [Finding(rule.id, "insufficient_data", ["narrative"], "the document text is not available")]
    stated = vehicle_counts(ctx.d.sentences)
    if not stated:
        return [Finding(rule.id, "insufficient_data", ["narrative"], "no vehicle count stated")]
    out = []
    totals = {counts[0] for _, counts in stated}
    out.append(Finding(rule.id, "ok" if len(totals) == 1 else "error", ["narrative"],
                       f"vehicle totals stated: {', '.join(str(t) for t in sorted(totals))}", pages=sorted({s.page for s, _ in stated})))
    for s, counts in stated:
        if len(counts) > 2:
            e = sum(counts[1:])
            out.append(Finding(rule.id, "ok" if e == counts[0] else "error", ["narrative"],
                               f"{counts[0]} vehicles vs Σ categories {e}: “{s.text[:80]}”", expected=e, actual=counts[0], pages=[s.page]))
    return out
