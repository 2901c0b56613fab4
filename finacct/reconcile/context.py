"""What every rule reads: the disclosure's cells by (table, row, col), table status and
the narrative's lines (its sentences and claims are read once, on the Disclosure)."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from finacct.budget import Budget, from_document
from finacct.model import Disclosure
from finacct.narrative.resolve import t05_lines
from finacct.narrative.text import narrative_lines
from finacct.tables.meta import unit_ratio

Cell = tuple[str, str, str]


@dataclass(frozen=True)
class Ref:
    """A cell reference as rules write it: ``t01:inc.total:amount``; a row or column between
    slashes is a pattern (``t01:/exp\\.\\d{3}/:amount``)."""

    table: str
    row: str
    col: str

    @classmethod
    def parse(cls, text: str) -> "Ref":
        table, rest = text.split(":", 1)
        row, col = rest.rsplit(":", 1)
        return cls(table, row, col)

    def _match(self, pattern: str, value: str) -> bool:
        if pattern.startswith("/") and pattern.endswith("/"):
            return re.fullmatch(pattern[1:-1], value) is not None
        return pattern == value


class Context:
    def __init__(self, d: Disclosure, budget: Disclosure | None = None, prior: Disclosure | None = None) -> None:
        self.d = d
        # the department's budget of the same year and its disclosure of the year before, for the cross-document rules
        self.budget, self.prior = budget, prior
        f = d.facts
        self.cells: dict[Cell, tuple[float, int, str]] = {
            (t, r, c): (float(v), int(p), str(lab)) for t, r, c, v, p, lab in
            zip(f["table"], f["row"], f["col"], f["value"], f["page"], f["label"])}
        self.rows: dict[str, list[str]] = {}
        self.first: dict[tuple[str, str], Cell] = {}     # (table, row) -> the row's first printed cell
        self._cols: dict[str, set[str]] = {}
        self._rounding: dict[str, float] = {}
        self._function_lines: dict[str, tuple[dict[str, str], dict[str, float]]] = {}
        for cell in self.cells:
            t, r, c = cell
            self._cols.setdefault(t, set()).add(c)
            if (t, r) not in self.first:
                self.first[(t, r)] = cell
                self.rows.setdefault(t, []).append(r)

    def rounding(self, table: str) -> float:
        """Half a unit of the last digit a table prints, in the document's unit: 0.005 for
        amounts with two decimals, 0.5 for a table of whole 元, 50 元 for a 万元 table
        converted into a document in 元."""
        if table not in self._rounding:
            self._rounding[table] = self._printed_rounding(table)
        return self._rounding[table]

    def _printed_rounding(self, table: str) -> float:
        printed = self.d.tables.get(table, {}).get("unit") or self.d.unit
        factor = unit_ratio(printed, self.d.unit)
        whole = printed == "元" and all(float(v).is_integer() for (t, _, _), (v, _, _) in self.cells.items() if t == table)
        return (0.5 if whole else 0.005) * factor

    def rounding_wan(self, table: str) -> float:
        """`rounding` in 万元, the unit checks across documents compare in (0.005 元 is 0.0000005)."""
        return self.rounding(table) * self.d.wan

    def tolerance(self, cells: list[Cell]) -> float:
        """Largest gap the rounding of these printed cells can explain (at least two cells')."""
        units = sorted((self.rounding(c[0]) for c in cells), reverse=True) or [self.rounding("")]
        return round(sum(units) + (units[0] if len(units) < 2 else 0.0), 6)

    def status(self, table: str) -> str:
        return self.d.tables.get(table, {}).get("status", "missing")

    def pages(self, table: str) -> list[int]:
        return list(self.d.tables.get(table, {}).get("pages", []))

    def value(self, cell: Cell) -> float | None:
        hit = self.cells.get(cell)
        return hit[0] if hit else None

    def cols(self, table: str) -> set[str]:
        return self._cols.get(table, set())

    def expand(self, ref: Ref) -> list[Cell]:
        """The printed cells a reference names (a pattern may name many, a blank cell none)."""
        if not ref.row.startswith("/") and not ref.col.startswith("/"):
            return [(ref.table, ref.row, ref.col)] if (ref.table, ref.row, ref.col) in self.cells else []
        return [k for k in self.cells if k[0] == ref.table and ref._match(ref.row, k[1]) and ref._match(ref.col, k[2])]

    def total(self, refs: list[Ref]) -> tuple[float, list[Cell]]:
        """Sum of the printed cells the references name; blank cells count as zero."""
        cells = [c for r in refs for c in self.expand(r)]
        return round(sum(self.cells[c][0] for c in cells), 2), cells

    def cell_pages(self, cells: list[Cell]) -> list[int]:
        return sorted({self.cells[c][1] for c in cells if c in self.cells})

    @cached_property
    def narrative(self) -> list[tuple[int, str]]:
        """The 情况说明's lines (page, cleaned text)."""
        return narrative_lines(self.d.narrative)

    def function_lines(self, table: str = "t05") -> tuple[dict[str, str], dict[str, float]]:
        """Labels and 合计 (in 万元, as the narrative states them) of a function-classified table's
        rows (t05, a budget's b05): read once per table for every claim that names an item."""
        if table not in self._function_lines:
            f = self.d.facts[self.d.facts["table"] == table]
            self._function_lines[table] = t05_lines(f.assign(value=f["value"].astype(float) * self.d.wan), table)
        return self._function_lines[table]

    @cached_property
    def budget_read(self) -> tuple[Budget | None, str]:
        """The budget document's 年初预算 (b05 lines, b09 三公) in 万元, as the narrative's claims
        it is measured with, read once for every check that needs it; else None and why (no
        budget given, another year, not a budget)."""
        if self.budget is None:
            return None, "no budget document given (check --budget)"
        try:
            return from_document(self.d, self.budget).scaled(self.d.wan), ""
        except ValueError as exc:
            return None, str(exc)

    @cached_property
    def budget_context(self) -> "Context | None":
        """The budget document's own cells and rounding (in its unit), for the checks across documents."""
        return Context(self.budget) if self.budget is not None else None

    @cached_property
    def prior_context(self) -> "Context | None":
        """Last year's document's own cells and rounding (in its unit), for the checks across years."""
        return Context(self.prior) if self.prior is not None else None

    @cached_property
    def titles(self) -> list[tuple[int, str]]:
        """Table titles of the document's own template and the 部门决算表 heading above them (both
        name department and year). Every title names a 表: only lines with one are matched."""
        return [(p, t) for p, t in self.d.lines if len(t) < 60 and (
            t.endswith(("部门决算", "部门决算表")) or "表" in t and self.d.spec.match_title(t) is not None)]


def guarded(guard: Callable[[Context, Any], list | None]) -> Callable:
    """Decorate an evaluator with a precondition: when `guard` returns findings (no text, no
    performance tables…) those are the result and the evaluator does not run."""
    def decorate(evaluate: Callable) -> Callable:
        @functools.wraps(evaluate)
        def run(ctx: Context, rule: Any) -> list:
            return guard(ctx, rule) or evaluate(ctx, rule)
        return run
    return decorate
