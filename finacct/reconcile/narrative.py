"""Evaluators of the 情况说明's claims: against the tables and against their own arithmetic
(Y% = X / (amount − X), shares and their sums, 完成率 against the 预算 it names, sums), every
comparison word against the two figures it compares, and the prior-year values the claims imply."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finacct import classify
from finacct.narrative.claims import Claim, Comparison, Rate, basis, item, item_cells, items, precision, vehicle_counts
from finacct.narrative.resolve import fits, resolve_item
from finacct.reconcile.context import Cell, Context, guarded
from finacct.reconcile.findings import Finding
from finacct.reconcile.tolerance import EPS, amount_tolerance, decimals, half_up, ratio_tolerance, stated_tolerance, status

if TYPE_CHECKING:
    from finacct.reconcile.rules import Rule

TOL_STATED = amount_tolerance(2)   # a stated figure and a table cell, each rounded once


def _quote(c: Claim | Comparison) -> str:
    return f"“{c.sentence[:90]}{'…' if len(c.sentence) > 90 else ''}”"


def _amount(value: float) -> str:
    """An amount as a reader writes it: every digit to the 分 it has (430725.03, 0.3, 170)."""
    return f"{value:.4f}".rstrip("0").rstrip(".")


def _none_claims(ctx: Context, rule: "Rule") -> list[Finding] | None:
    if not ctx.d.text:
        return [Finding(rule.id, "insufficient_data", ["narrative"], "the document text is not available (source read from JSON/xlsx)")]
    if not ctx.d.claims:
        return [Finding(rule.id, "insufficient_data", ["narrative"], "no claims read from the 情况说明")]
    return None


needs_claims = guarded(_none_claims)


def _stated_vs(ctx: Context, rule: "Rule", c: Claim, stated: float, text: str, cands: list[tuple[float, Cell]],
               what: str, col: str | None = None) -> Finding:
    """A stated figure against the nearest of the table values (万元) it may be."""
    value, cell = min(cands, key=lambda vc: abs(vc[0] - stated))
    table, row, column = cell
    tol = stated_tolerance(precision(text))
    diff = round(value - stated, 2)
    return Finding(rule.id, status(diff, tol), ["narrative", table], f"{what} {_amount(stated)} vs {table} {row} {column} {value:.2f}: {_quote(c)}",
                   row, col or column, value, stated, diff, tol, [c.page] + ctx.cell_pages([cell]), [cell])


@needs_claims
def amounts(ctx: Context, rule: "Rule") -> list[Finding]:
    """Every stated amount (and 三公 budget) against the table cell it names."""
    out = []
    for c in ctx.d.claims:
        for role, stated, text in (("amount", c.amount, c.amount_text), ("budget", c.budget, "")):
            if stated is None or (role == "amount" and not text):
                continue
            cands = item_cells(ctx.d, c.key, role)
            if cands:
                out.append(_stated_vs(ctx, rule, c, stated, text, cands, f"{c.item} {'预算' if role == 'budget' else ''}".strip()))
    return out


def _resolve(c: Claim, labels: dict[str, str], totals: dict[str, float]) -> tuple[str | None, list[str]]:
    """The 项 a claim names: by the code it prints (小学教育（2050202）), else by its 类/款/项 path."""
    if c.code:
        return (c.code, [] if fits(c.item, labels[c.code]) else ["项"]) if c.code in labels else (None, [])
    return resolve_item(c, labels, totals)


@needs_claims
def item_lines(ctx: Context, rule: "Rule") -> list[Finding]:
    """Each 项 the narrative names (五(三), a budget's 财政拨款支出主要内容): its amount against the
    function table's line, and its 类/款/项 names (once per item) against the table's."""
    table = next(t for t in rule.params["tables"] if t in ctx.d.spec.tables)
    if ctx.status(table) != "present":
        return [Finding(rule.id, "insufficient_data", ["narrative", table], f"{table} not available")]
    out = []
    labels, totals = ctx.function_lines(table)
    named: set[str] = set()
    resolved: dict[tuple, tuple[str | None, list[str]]] = {}   # a 项 restated (预算安排 X 万元) is the 项 its path named
    for c in ctx.d.claims:
        if not c.key.startswith("item:") or c.amount is None or c.path is None and not c.code:
            continue
        said = "/".join(c.path) if c.path else f"{c.item}（{c.code}）"
        code, misfit = resolved.get((c.path, c.code)) or resolved.setdefault((c.path, c.code), _resolve(c, labels, totals))
        if code is None:
            out.append(Finding(rule.id, "error", ["narrative", table], f"{said} {_amount(c.amount)} matches no {table} 项: {_quote(c)}",
                               actual=c.amount, pages=[c.page]))
            continue
        out.append(_stated_vs(ctx, rule, c, c.amount, c.amount_text or f"{c.amount:.2f}", [(totals.get(code, 0.0), (table, code, "total"))],
                              f"{c.item} {'预算' if ctx.d.kind == 'budget' else '决算'}"))
        if code in named:
            continue
        named.add(code)
        names = "/".join(labels[r] for r in (code[:3], code[:5], code) if r in labels)
        out.append(Finding("narrative.item_names", "error" if misfit else "ok", ["narrative", table],
                           (f"{'、'.join(misfit)} name printed as {said}, {table} {code} is {names}" if misfit
                            else f"{said} fits {table} {code}") + f": {_quote(c)}", code, None, pages=[c.page]))
    return out


def _share_bases(ctx: Context, c: Claim) -> list[tuple[Figure | None, str]]:
    """The wholes a share may be of, in order of trust, each with what names it: the amount its
    sentence opened with (X 万元，其中：…占 P%), the base named after 占 (else the item's usual
    base), None where neither narrative nor tables give that base's figure."""
    it = item(c.key)
    key = c.share_base or (it.base if it else "")
    return ([(Figure(c.whole, f"stated p{c.page}"), c.whole_text)] if c.whole is not None else []) + ([(_whole(ctx, key), key)] if key else [])


def _ratio(rule: "Rule", key: str, at: Claim | Comparison, num: float, den: float, stated: float, text: str, what: str,
           say: str = "") -> Finding:
    """A stated percentage against num/den × 100, rounded as printed; `at` is where it is said."""
    d = decimals(re.sub(r"[^\d.]", "", text)) if text else 2
    expected = half_up(100 * num / den, d)
    tol = ratio_tolerance(num, den, d)
    diff = round(expected - stated, d + 2)
    return Finding(rule.id, status(diff, tol), ["narrative"],
                   f"{what} stated {stated:g}%, recomputed {num:.2f}/{den:.2f} = {expected:.{d}f}%{say}: {_quote(at)}",
                   key, None, expected, stated, diff, tol, [at.page])


@dataclass(frozen=True)
class Figure:
    """One of the two figures a comparison or a rate relates, and where it was read."""

    value: float
    source: str                   # for people: "stated p21", "t09 budget overseas p17"
    basis: str = ""               # for a 预算: 年初, 调整 or "" (not said which)
    cells: tuple[Cell, ...] = ()


def _table_figure(ctx: Context, key: str, role: str) -> Figure | None:
    cands = item_cells(ctx.d, key, role)
    if not cands:
        return None
    value, cell = cands[0]
    pages = ctx.cell_pages([cell]) or ctx.pages(cell[0])
    return Figure(value, f"{' '.join(cell)} p{','.join(map(str, pages))}", cells=(cell,))


def _actual(ctx: Context, c: Claim) -> Figure | None:
    """This year's value of the claim's item: as the narrative states it, else the table's."""
    if c.amount is not None:
        return Figure(c.amount, f"stated p{c.page}")
    return _table_figure(ctx, c.key, "amount")


def _budgets(ctx: Context, c: Claim) -> list[Figure]:
    """The 预算 figures the claim's item is measured against, in order of trust: stated beside it,
    stated elsewhere in the narrative, t09's 预算数, the budget document's 年初预算."""
    own = [Figure(v, f"{name or '预算'} stated p{c.page}", basis(name))
           for v, name in ((c.budget, c.budget_name), (c.budget_adjusted, c.budget_adjusted_name)) if v is not None]
    other = next((b for b in ctx.d.claims if b.key == c.key and b.path == c.path and b is not c and b.budget is not None), None)
    if other is not None:
        own.append(Figure(other.budget, f"{other.budget_name or '预算'} stated p{other.page}", basis(other.budget_name)))
    table = _table_figure(ctx, c.key, "budget")
    document = _budget_document(ctx, c)
    return own + [f for f in (table, document) if f is not None]


def _budget_document(ctx: Context, c: Claim) -> Figure | None:
    """The 年初预算 of the claim's item in the department's budget document (check --budget)."""
    budget = ctx.budget_read[0]
    if budget is None:
        return None
    if c.key == "gb_expenditure":
        code = "total"
    elif c.key.startswith("item:") and c.path:
        code = resolve_item(c, *ctx.function_lines())[0]
    else:
        it = item(c.key)
        col = next((r.rsplit(":", 1)[-1] for r in (it.refs if it else ()) if "{role}" in r), None)
        value = budget.sangong.get(col) if col else None
        return Figure(value, f"{ctx.budget.source} b09 {col}", "年初") if value is not None else None
    value = budget.lines.get(code) if code else None
    return Figure(value, f"{ctx.budget.source} b05 {code}", "年初") if value is not None else None


def _named(figures: list[Figure], name: str) -> tuple[list[Figure], list[Figure]]:
    """The figures that may be the 预算 a word names (预算 names any kind), in order of trust,
    and those of the other kind (调整预算 where 年初预算 is named)."""
    want = basis(name)
    fits = [f for f in figures if not want or not f.basis or f.basis == want]
    return fits, [f for f in figures if f not in fits]


def _bases(ctx: Context, c: Claim, x: Comparison) -> list[Figure]:
    """b of a comparison: each 预算 it may name, or last year's figure when the sentence states it
    (for this item, also where a figure restated in the sentence opened a claim of its own)."""
    if x.against == "budget":
        return _named(_budgets(ctx, c), x.base_name)[0]
    base = x.base if x.base is not None else next((y.base for b in ctx.d.claims if b.key == c.key and b.path == c.path
                                                   for y in b.comparisons if y.against == "prior" and y.base is not None
                                                   and y.sentence == x.sentence), None)
    return [Figure(base, f"上年 stated p{x.page}")] if base is not None else []


def _best(findings: list[Finding]) -> Finding | None:
    """Of one statement read against each figure it may mean, the first that holds, else the first."""
    return next((f for f in findings if f.status != "error"), findings[0] if findings else None)


def _comparisons(ctx: Context) -> list[tuple[Claim, Comparison]]:
    return [(c, x) for c in ctx.d.claims for x in c.comparisons]


@needs_claims
def change_pct(ctx: Context, rule: "Rule") -> list[Finding]:
    """增长/下降 Y% = difference / base: the base is the 预算 or last year's figure where known,
    else last year's as the sentence implies it (amount − change)."""
    out = []
    for c, x in _comparisons(ctx):
        if x.pct is None:
            continue
        a, bases = _actual(ctx, c), [b for b in _bases(ctx, c, x) if b.value]
        if bases and (x.diff is not None or a is not None):
            out.append(_best([_ratio(rule, c.key, x, abs(x.diff if x.diff is not None else a.value - b.value), abs(b.value), abs(x.pct),
                                     x.pct_text, f"{c.item} change", f" (base {b.source})") for b in bases]))
        elif x.diff is not None and c.amount is not None and c.amount != x.diff:
            out.append(_ratio(rule, c.key, x, abs(x.diff), abs(c.amount - x.diff), abs(x.pct), x.pct_text, f"{c.item} change",
                              f" ({x.diff_text} on {c.amount:.2f} implies {c.amount - x.diff:.2f} last year)"))
    return out


def _share(ctx: Context, rule: "Rule", c: Claim, part: Figure) -> Finding:
    bases = [(b, what) for b, what in _share_bases(ctx, c) if b is not None and b.value]
    if not bases:
        return Finding(rule.id, "insufficient_data", ["narrative"], f"{c.item} 占 {c.share_pct:g}%: base unknown: {_quote(c)}",
                       pages=[c.page])
    say = "" if c.amount is not None else f" ({c.item} {part.source})"
    return _best([_ratio(rule, c.key, c, part.value, b.value, c.share_pct, c.share_pct_text, f"{c.item} share of {what}", say)
                  for b, what in bases])


@needs_claims
def shares(ctx: Context, rule: "Rule") -> list[Finding]:
    """占 Z% = amount (stated, else the table's) / its base: the amount the sentence opened with
    (其中), else the base named after 占, else the item's usual base."""
    return [_share(ctx, rule, c, part) for c in ctx.d.claims if c.share_pct is not None and (part := _actual(ctx, c)) is not None]


def _whole(ctx: Context, key: str) -> Figure | None:
    """An item's amount as the narrative states it (first statement), else the table's."""
    stated = next((b for b in ctx.d.claims if b.key == key and b.amount is not None and b.amount_text), None)
    return Figure(stated.amount, f"stated p{stated.page}") if stated else _table_figure(ctx, key, "amount")


@needs_claims
def share_sums(ctx: Context, rule: "Rule") -> list[Finding]:
    """The shares one sentence states for the parts of one whole (基本支出占 X%，项目支出占 Y%)
    add to 100 when the parts' amounts (stated or in the tables) add to the whole's: within half
    a unit of each share's last decimal above (rounding up), one unit below (truncation)."""
    # (sentence, whole) -> the whole's figure and the parts: a share is of the first whole it may be of
    groups: dict[tuple[str, str], tuple[Figure | None, dict[str, Claim]]] = {}
    for c in ctx.d.claims:
        if c.share_pct is not None and (bases := _share_bases(ctx, c)):
            whole, whole_key = bases[0]
            groups.setdefault((c.sentence, whole_key), (whole, {}))[1].setdefault(c.key, c)
    out = []
    for (_, whole_key), (whole, parts) in groups.items():
        if len(parts) < 2:
            continue
        claims = list(parts.values())
        first = claims[0]
        said = round(sum(c.share_pct for c in claims), 6)
        # each share rounded half-up moves by up to half a unit of its last decimal, truncated by up to one unit down
        units = sum(10 ** -decimals(re.sub(r"[^\d.]", "", c.share_pct_text)) for c in claims)
        tol = round(units / 2 if said > 100 else units, 6)
        figures = [_actual(ctx, c) for c in claims]
        names = " + ".join(f"{c.item} {c.share_pct:g}%" for c in claims)
        if whole is None or not whole.value or any(f is None for f in figures):
            out.append(Finding(rule.id, "insufficient_data", ["narrative"],
                               f"{names}: the parts' amounts or the whole ({whole_key}) unknown: {_quote(first)}", pages=[first.page]))
            continue
        covered = round(sum(f.value for f in figures), 2)
        gap = covered - whole.value
        if abs(gap) > amount_tolerance(len(claims) + 1):   # a part left out, or parts that overlap
            out.append(Finding(rule.id, "not_applicable", ["narrative"],
                               f"{names}: the parts cover {covered:.2f} of {whole_key} {whole.value:.2f} ({whole.source}), "
                               f"not the whole: {_quote(first)}", pages=[first.page]))
            continue
        tol = round(tol + 100 * abs(gap) / whole.value, 6)   # shares of printed parts whose sum misses the whole by rounding
        diff = round(100 - said, 6)
        out.append(Finding(rule.id, status(diff, tol), ["narrative"],
                           f"{names} = {said:g}% of {whole_key} {whole.value:.2f} ({whole.source}; parts {covered:.2f}), "
                           f"expected 100%: {_quote(first)}", whole_key, None, 100.0, None, diff, tol, [first.page]))   # the sum is not a stated figure
    return out or [Finding(rule.id, "insufficient_data", ["narrative"], "no sentence states the shares of two or more parts of one whole")]


def _rate(rule: "Rule", c: Claim, r: Rate, budget: Figure) -> Finding:
    return _ratio(rule, c.key, c, c.amount, budget.value, r.pct, r.text, f"{c.item} 完成率", f" against {budget.source}")


@needs_claims
def completion_rates(ctx: Context, rule: "Rule") -> list[Finding]:
    """完成年初预算的 R% = 决算 / the 预算 it names: 年初预算, 调整预算 / 全年预算, or (预算) whichever
    is known. A rate that fits the other kind of 预算 but not the named one is an error naming both."""
    out = []
    for c in ctx.d.claims:
        for r in c.rates if c.amount is not None else ():
            out.append(_completion(rule, c, r, *_named(_budgets(ctx, c), r.base)))
    return out


def _completion(rule: "Rule", c: Claim, r: Rate, fits: list[Figure], others: list[Figure]) -> Finding:
    said = f"{c.item} {r.text}"
    if not fits:
        known = "; ".join(f"{f.source} {_amount(f.value)}" for f in others)
        return Finding(rule.id, "insufficient_data", ["narrative"],
                       f"{said}: {r.base} unknown{f' (only {known})' if known else ''}: {_quote(c)}", pages=[c.page])
    if not any(b.value for b in fits):
        return Finding(rule.id, "not_applicable", ["narrative"],
                       f"{said} on a {r.base} of 0 ({fits[0].source}): the rate is undefined: {_quote(c)}", pages=[c.page])
    f = _best([_rate(rule, c, r, b) for b in fits if b.value])
    other = next((o for o in others if o.value and _rate(rule, c, r, o).status != "error"), None)
    if f.status == "error" and other is not None:
        budget = next(b for b in fits if b.value)
        f.message = (f"{said} is computed against {other.source} {other.value:.2f} ({c.amount:.2f}/{other.value:.2f} = "
                     f"{100 * c.amount / other.value:.2f}%), not the {r.base} it names, {budget.source} {budget.value:.2f} "
                     f"({c.amount:.2f}/{budget.value:.2f} = {100 * c.amount / budget.value:.2f}%): {_quote(c)}")
    return f


def _direction(rule: "Rule", c: Claim, x: Comparison, a: Figure, b: Figure) -> Finding:
    """The words' sign against a − b. Figures printed equal (or within their rounding) cannot
    contradict 大于/小于; 持平 allows up to 1% of b (基本持平), said in a note."""
    gap = round(a.value - b.value, 2)
    tol = amount_tolerance(2)
    sign = 0 if abs(gap) < EPS else (1 if gap > 0 else -1)
    what = f"{c.item} {'、'.join(x.words)} ({'vs ' + x.base_name if x.against == 'budget' else 'vs last year'})"
    msg = f"{what}: {a.value:.2f} ({a.source}) − {b.value:.2f} ({b.source}) = {gap:+.2f}"
    note = ""
    if sign in x.senses:
        st = "ok"
    elif 0 in x.senses and abs(gap) <= 0.01 * abs(b.value):
        st, note = "ok", f"持平 for a gap of {gap:+.2f} ({100 * gap / b.value:+.2f}% of {b.value:.2f})"
    elif abs(gap) <= tol:
        st = "rounding"
    else:
        st = "error"
    return Finding(rule.id, st, ["narrative"], f"{msg}: {_quote(x)}", c.key, None, b.value, a.value, gap if st == "rounding" else None,
                   tol if st == "rounding" else None, sorted({x.page, c.page}), list(a.cells + b.cells), note)


@needs_claims
def wording(ctx: Context, rule: "Rule") -> list[Finding]:
    """Every comparison word agrees with the other words about the same comparison (增加 … 增长,
    not 增加 … 下降 or 持平 with a change) and with the sign of a − b where both figures are known:
    决算 against the 预算 named (stated, else t09 or the budget document), this year against last
    year's figure as stated."""
    out = []
    for c, x in _comparisons(ctx):
        if not x.words:   # a figure of last year stated alone says nothing of the direction
            continue
        if not x.senses:
            out.append(Finding(rule.id, "error", ["narrative"],
                               f"{c.item}: {'、'.join(x.words)} contradict each other ({' '.join(t for t in (x.diff_text, x.pct_text) if t)}): "
                               f"{_quote(x)}", c.key, pages=[x.page]))
            continue
        a = _actual(ctx, c)
        if a is not None and (found := _best([_direction(rule, c, x, a, b) for b in _bases(ctx, c, x)])):
            out.append(found)
    return out or [Finding(rule.id, "ok", ["narrative"], "no comparison word contradicts another")]


def _difference(rule: "Rule", c: Claim, x: Comparison, a: Figure, b: Figure) -> Finding:
    tol = round(TOL_STATED + stated_tolerance(precision(x.diff_text), 1), 6)   # a, b and the stated difference, each rounded
    expected = round(a.value - b.value, 2)
    diff = round(expected - x.diff, 2)
    return Finding(rule.id, status(diff, tol), ["narrative"],
                   f"{c.item} {x.diff_text}: {a.value:.2f} ({a.source}) − {b.value:.2f} ({b.source}) = {expected:+.2f}: {_quote(x)}",
                   c.key, None, expected, x.diff, diff, tol, sorted({x.page, c.page}), list(a.cells + b.cells))


@needs_claims
def differences(ctx: Context, rule: "Rule") -> list[Finding]:
    """A stated difference (决算数比预算数减少 X 万元; 比上年的 B 万元增加 X 万元) = a − b, where the
    sentence or the tables give both figures. (Against last year's figure as only the prior
    document prints it, x.prior.stated compares.)"""
    out = []
    for c, x in _comparisons(ctx):
        a = _actual(ctx, c)
        if x.diff is None or a is None:
            continue
        if found := _best([_difference(rule, c, x, a, b) for b in _bases(ctx, c, x)]):
            out.append(found)
    return out or [Finding(rule.id, "insufficient_data", ["narrative"], "no difference stated beside two figures finacct knows")]


def _change(ctx: Context, key: str) -> tuple[Claim, float] | None:
    """An item's change from last year as first stated (持平: 0)."""
    for c in ctx.d.claims:
        x = c.comparison("prior") if c.key == key else None
        if x is not None and x.senses and (x.diff is not None or x.senses == {0}):
            return c, x.diff if x.diff is not None else 0.0
    return None


def _unsaid(ctx: Context, key: str) -> bool:
    """A part whose change the narrative leaves unsaid has no amount this year (stated or printed)."""
    return not any(c.amount for c in ctx.d.claims if c.key == key) and not any(v for v, _ in item_cells(ctx.d, key))


@needs_claims
def change_sums(ctx: Context, rule: "Rule") -> list[Finding]:
    """The changes from last year stated for the parts of a whole add up to the whole's (三公 =
    因公出国（境）+ 公务用车 + 公务接待; 支出总计 = Σ its classes): their implied prior-year figures
    must add up too. Parts are patterns of item keys; a part left unsaid must have no amount this
    year, else its change is unknown and the sum is not judged."""
    out = []
    keys = [it.key for it in items()]
    for whole_key, patterns in rule.params["sums"]:
        whole = _change(ctx, whole_key)
        part_keys = [k for p in patterns for k in keys if re.fullmatch(p, k)]
        stated = [ch for k in part_keys if (ch := _change(ctx, k))]
        if whole is None or not stated or not all(_unsaid(ctx, k) for k in part_keys if k not in {c.key for c, _ in stated}):
            continue
        total = round(sum(v for _, v in stated), 2)
        tol = amount_tolerance(len(stated) + 1)
        diff = round(total - whole[1], 2)
        said = " + ".join(f"{c.item} {v:+.2f}" for c, v in stated)
        out.append(Finding(rule.id, status(diff, tol), ["narrative"], f"{whole[0].item} change {whole[1]:+.2f} vs Σ parts {said} = {total:+.2f}: "
                           f"{_quote(whole[0])}", whole_key, None, total, whole[1], diff, tol,
                           sorted({whole[0].page, *(c.page for c, _ in stated)})))
    return out or [Finding(rule.id, "insufficient_data", ["narrative"], "no whole whose every part's change from last year is stated")]


def _claim(ctx: Context, key: str, attr: str) -> Claim | None:
    return next((c for c in ctx.d.claims if c.key == key and getattr(c, attr) is not None), None)


@needs_claims
def prior_year(ctx: Context, rule: "Rule") -> list[Finding]:
    """The implied prior-year totals must hold together: last year's 财政拨款收入支出总计 covers
    its 一般公共预算财政拨款支出 plus the balance it carried into this year (t04 年初结转)."""
    total, spent = _claim(ctx, "fiscal_grand_total", "prior"), _claim(ctx, "gb_expenditure", "prior")
    if total is None or spent is None or ctx.status("t04") not in ("present", "declared_empty"):
        return [Finding(rule.id, "insufficient_data", ["narrative", "t04"], "the narrative implies no prior-year 财政拨款 totals to compare")]
    opening = (ctx.value(("t04", "inc.carryover_begin", "amount")) or 0.0) * ctx.d.wan   # in 万元, as the claims
    need = round(spent.prior + opening, 2)
    cells = [("t04", "inc.carryover_begin", "amount")]
    tol = round(amount_tolerance(3) + ctx.rounding_wan("t04"), 6)   # two stated figures, the sum, and the cell
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
