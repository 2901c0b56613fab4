"""Evaluators of the numeric identities: sums inside a table (hierarchy, columns, totals)
and equalities across tables. Each takes the context and a rule and returns findings;
which cells they compare is the rule's data (see rules.py)."""
from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from finacct import classify
from finacct.reconcile.context import Cell, Context, Ref
from finacct.reconcile.findings import Finding
from finacct.reconcile.tolerance import status

if TYPE_CHECKING:
    from finacct.reconcile.rules import Rule


def compare(ctx: Context, rule: "Rule", actual: float, actual_cells: list[Cell], expected: float,
            expected_cells: list[Cell], what: str, row: str | None = None, col: str | None = None,
            op: str = "=") -> Finding:
    """One finding: printed `actual` against `expected` recomputed from other cells, with
    a tolerance of 0.005 for every rounded cell involved."""
    cells = actual_cells + expected_cells
    tol = ctx.tolerance(cells)
    diff = round(expected - actual, 2)
    st = status(diff, tol)
    if op == "<=" and actual <= expected:
        st = "ok"
    if st == "error" and not rule.params.get("strict", True):
        st = "not_applicable"
        what += f" (differ by {abs(diff):.2f}; these need not agree line by line, so only agreement is reported)"
    sign = {"ok": "=", "rounding": "≈", "error": "≠", "not_applicable": "vs"}[st] if op == "=" else (
        "≤" if st == "ok" else "≈" if st == "rounding" else ">")
    msg = f"{what}: {actual:.2f} {sign} {expected:.2f}" + (f" (diff {diff:+.2f}, tolerance {tol:.3f})" if diff else "")
    return Finding(rule.id, st, list(rule.tables), msg, row, col, expected, actual, diff, tol,
                   ctx.cell_pages(cells) or sorted({p for t in rule.tables for p in ctx.pages(t)}), cells)


def equation(ctx: Context, rule: "Rule") -> list[Finding]:
    """Σ lhs cells = Σ rhs cells (a printed total against its parts, or one table against another)."""
    lhs = [Ref.parse(x) for x in rule.params["lhs"]]
    rhs = [Ref.parse(x) for x in rule.params["rhs"]]
    unprinted = [r for r in lhs + rhs if "/" not in r.col and ctx.status(r.table) == "present" and r.col not in ctx.cols(r.table)]
    a, ca = ctx.total(lhs)
    e, ce = ctx.total(rhs)
    if rule.params.get("optional") and not (ca and ce):  # a line this layout does not print
        return [Finding(rule.id, "not_applicable", list(rule.tables), f"{rule.says}: not printed in this layout",
                        pages=sorted({p for t in rule.tables for p in ctx.pages(t)}))]
    if unprinted and (a or e):
        return [Finding(rule.id, "not_applicable", list(rule.tables),
                        f"{rule.says}: {unprinted[0].table} prints no {unprinted[0].col} column", pages=ctx.pages(unprinted[0].table))]
    if not (a or e) and not any(ctx.value(c) for c in ca + ce):
        return [Finding(rule.id, "ok", list(rule.tables), f"{rule.says}: every cell blank or 0.00 (0 = 0)",
                        pages=sorted({p for t in rule.tables for p in ctx.pages(t)}))]
    first = lhs[0]
    return [compare(ctx, rule, a, ca, e, ce, rule.says, first.row if "/" not in first.row else None,
                    first.col if "/" not in first.col else None, rule.params.get("op", "="))]


def _tables_of(ctx: Context, kinds: tuple[str, ...]) -> list[str]:
    """The document's tables of these kinds that were read."""
    return [t for t, spec in ctx.d.spec.tables.items() if spec.kind in kinds and ctx.status(t) == "present"]


def template_hierarchy(ctx: Context, rule: "Rule") -> list[Finding]:
    """hierarchy() over every classified table of the document's template."""
    return [f for t in _tables_of(ctx, ("functional", "economic"))
            for f in hierarchy(ctx, replace(rule, id=f"{t}.hierarchy", tables=(t,)))]


def template_sums(ctx: Context, rule: "Rule") -> list[Finding]:
    """Each column sum the template declares for a table (tables/templates/*.toml `sums`), on every row."""
    return [f for t, spec in ctx.d.spec.tables.items() if ctx.status(t) == "present"
            for total, parts in spec.sums
            for f in columns(ctx, replace(rule, id=f"{t}.columns", tables=(t,), says=f"{t}: {total} = {' + '.join(parts)}",
                                          params={"lhs": total, "rhs": list(parts)}))]


def hierarchy(ctx: Context, rule: "Rule") -> list[Finding]:
    """Every 类 = Σ 款, 款 = Σ 项, and 合计 = Σ 类, column by column."""
    t = rule.tables[0]
    codes = [r for r in ctx.rows.get(t, []) if r.isdigit()]
    parents: dict[str, list[str]] = {c: [] for c in codes}
    for k in codes:   # each code's children, in the table's order (one pass, not one per parent)
        if (p := classify.parent(k)) in parents:
            parents[p].append(k)
    parents["total"] = [k for k in codes if len(k) == 3]
    out = []
    for parent, children in parents.items():
        if not children or (parent == "total" and "total" not in ctx.rows.get(t, [])):
            continue
        for col in sorted(ctx.cols(t)):
            a, ca = ctx.total([Ref(t, parent, col)])
            e, ce = ctx.total([Ref(t, k, col) for k in children])
            if not ca and not ce:
                continue
            level = "合计" if parent == "total" else classify.level(parent)
            sub = "类" if parent == "total" else {"类": "款", "款": "项"}.get(level, "")
            out.append(compare(ctx, rule, a, ca, e, ce, f"{t} {level} {parent} {col} = Σ{sub}", parent, col))
    return out


def columns(ctx: Context, rule: "Rule") -> list[Finding]:
    """On every row: lhs column = Σ rhs columns (only columns the table prints)."""
    t = rule.tables[0]
    lhs = [rule.params["lhs"]] if isinstance(rule.params["lhs"], str) else rule.params["lhs"]
    printed = ctx.cols(t)
    rhs = [c for c in rule.params["rhs"] if c in printed]
    if not set(lhs) & printed or not rhs:
        return [Finding(rule.id, "not_applicable", [t], f"{rule.says}: columns not printed in this layout",
                        pages=ctx.pages(t))]
    rows = [r for r in ctx.rows.get(t, []) if re.fullmatch(rule.params.get("rows", ".*"), r)]
    out = []
    for r in rows:
        a, ca = ctx.total([Ref(t, r, c) for c in lhs])
        e, ce = ctx.total([Ref(t, r, c) for c in rhs])
        if ca or ce:
            op = rule.params.get("op", "=")
            out.append(compare(ctx, rule, a, ca, e, ce, f"{t} {r} {' + '.join(lhs)} {op} {' + '.join(rhs)}", r, lhs[0], op))
    return out


def match_rows(ctx: Context, rule: "Rule") -> list[Finding]:
    """Row by row across two tables: left = right (or left ≤ right), keyed by a code."""
    p = rule.params
    left, right, op = Ref.parse(p["left"]), Ref.parse(p["right"]), p.get("op", "=")

    def keys(ref: Ref) -> set[str]:
        pat = re.escape(ref.row).replace(re.escape("{key}"), f"({p['keys']})")
        return {m.group(1) for r in ctx.rows.get(ref.table, []) if (m := re.fullmatch(pat, r))}

    out = []
    for key in sorted(keys(left) | keys(right)):
        for col in p.get("cols", [None]):
            lr = Ref(left.table, left.row.format(key=key), left.col.format(col=col))
            rr = Ref(right.table, right.row.format(key=key), right.col.format(col=col))
            a, ca = ctx.total([lr])
            e, ce = ctx.total([rr])
            if ca or ce:
                out.append(compare(ctx, rule, a, ca, e, ce,
                                   f"{lr.table} {lr.row} {lr.col} {op} {rr.table} {rr.row} {rr.col}", key, lr.col, op))
    return out


def code_names(ctx: Context, rule: "Rule") -> list[Finding]:
    """A printed code whose name the classification reference gives differently."""
    t = rule.tables[0]
    scheme = rule.params["scheme"]
    out = []
    for r in ctx.rows.get(t, []):
        cell = ctx.first[(t, r)]
        _, page, label = ctx.cells[cell]
        fits = classify.name_matches(scheme, r, label) if r.isdigit() else None
        if fits is None:
            continue
        ref = classify.names(scheme)[r]
        out.append(Finding(rule.id, "ok" if fits else "error", [t],
                           f"{t} {r} printed as {label}" + ("" if fits else f", but {r} is {ref} in the reference"),
                           r, None, pages=[page], cells=[cell]))
    return out


def same_codes(ctx: Context, rule: "Rule") -> list[Finding]:
    """The same line (same parent, same name) coded differently in two tables."""
    seen: dict[tuple[str | None, str], dict[str, tuple[str, int]]] = {}
    for (t, r, _), (_, page, label) in ctx.cells.items():
        if t in rule.tables and r.isdigit() and len(r) == 7:
            seen.setdefault((classify.parent(r), re.sub(r"\s", "", label)), {}).setdefault(t, (r, page))
    out = []
    for (parent, label), by_table in seen.items():
        codes = {code for code, _ in by_table.values()}
        if len(codes) > 1:
            where = ", ".join(f"{t} {code}" for t, (code, _) in sorted(by_table.items()))
            out.append(Finding(rule.id, "error", sorted(by_table), f"{label} under {parent} is coded differently: {where}",
                               parent, None, pages=sorted({p for _, p in by_table.values()}),
                               cells=[ctx.first[(t, code)] for t, (code, _) in by_table.items()]))
    if not out:
        n = len(seen)
        out.append(Finding(rule.id, "ok", list(rule.tables), f"{n} 项 lines carry the same code in every table that prints them"))
    return out
