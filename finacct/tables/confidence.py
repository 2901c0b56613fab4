"""How far a table can be trusted, from its own arithmetic: its 类 = Σ 款 = Σ 项 hierarchy,
its 合计 = Σ 类, and the column sums its template declares (合计 = 基本支出 + 项目支出 …).

A table read from a layout finacct misunderstood (columns swapped, rows shifted) fails
these wholesale; a real document's own slips fail one or two. The first is withheld,
never reported as numbers.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from finacct import classify
from finacct.tables.specs import TableSpec

# Fewer identities than this say too little to judge a table by.
MIN_IDENTITIES = 3
# A table holding fewer than this share of its identities was not read as printed.
MIN_SHARE = 0.5


def _holds(total: float, parts: list[float], strict: bool = False) -> bool:
    """Equal within what rounding explains (half a unit of the last printed digit per cell),
    or within 0.1 % (a document's own slip is not what this looks for). `strict` drops the
    0.1 %: a digit misread in a large total is such a slip in size, not in kind."""
    whole = all(float(v).is_integer() for v in [total, *parts])
    diff = abs(total - sum(parts))
    return diff <= (0.5 if whole else 0.005) * (len(parts) + 1) + 1e-9 or (not strict and diff <= 1e-3 * abs(total))


Cell = tuple[str, str]  # (row, col)


@dataclass(frozen=True)
class Identity:
    """One identity of a table: the cell printing a total and the cells it sums, (row, col) each."""

    family: str  # "hierarchy", or the declared column sum ("total = basic + project")
    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)

    def holds(self, value: Callable[[Cell], float], strict: bool = False) -> bool:
        return _holds(value(self.total), [value(c) for c in self.parts], strict)

    def __str__(self) -> str:
        (row, col), parts = self.total, self.parts
        if self.family == "hierarchy":
            return f"{col}: {row} = Σ {', '.join(r for r, _ in parts)}"
        return f"row {row}: {col} = {' + '.join(c for _, c in parts)}"


def table_identities(spec: TableSpec, facts: list[dict]) -> list[Identity]:
    """Every identity the table's printed cells take part in: its hierarchy (类 = Σ 款 = Σ 项,
    合计 = Σ 类) in each column, and each declared column sum on each row."""
    cells: dict[str, dict[str, float]] = defaultdict(dict)
    for f in facts:
        cells[f["row"]][f["col"]] = f["value"]
    out: list[Identity] = []
    if spec.kind in ("functional", "economic"):
        children: dict[str, list[str]] = defaultdict(list)   # parent (or total) -> its 款/项 (or 类), found once
        for k in (r for r in cells if r.isdigit()):
            parent = "total" if len(k) == 3 else classify.parent(k)
            if parent:
                children[parent].append(k)
        for col in {c for row in cells.values() for c in row}:
            for code, kids in children.items():
                if col in cells.get(code, {}) and (parts := tuple((k, col) for k in kids if col in cells[k])):
                    out.append(Identity("hierarchy", (code, col), parts))
    for total, parts in spec.sums:
        for key, row in cells.items():
            if total in row and sum(row[p] != 0 for p in parts if p in row) >= 2:  # one part alone equals any column it sits in
                out.append(Identity(f"{total} = {' + '.join(parts)}", (key, total), tuple((key, p) for p in parts if p in row)))
    return out


def _values(facts: list[dict]) -> Callable[[Cell], float]:
    values = {(f["row"], f["col"]): f["value"] for f in facts}
    return values.__getitem__


def identities(spec: TableSpec, facts: list[dict]) -> dict[str, tuple[int, int]]:
    """Per family of identities (the hierarchy; each declared column sum): (held, evaluated)."""
    value = _values(facts)
    families: dict[str, list[bool]] = defaultdict(list)
    for identity in table_identities(spec, facts):
        families[identity.family].append(identity.holds(value))
    return {name: (sum(results), len(results)) for name, results in families.items()}


def failing(spec: TableSpec, facts: list[dict], strict: bool = False) -> list[Identity]:
    """The identities that do not hold, each naming the cells it involves (its total first)."""
    value = _values(facts)
    return [i for i in table_identities(spec, facts) if not i.holds(value, strict)]


def unreadable(spec: TableSpec, facts: list[dict]) -> tuple[float, bool]:
    """The table's confidence (the least share of identities holding in any family judged)
    and whether some family fails wholesale: shifted rows break the hierarchy, swapped
    columns break the column sums while the hierarchy still holds in every column."""
    judged = [held / n for held, n in identities(spec, facts).values() if n >= MIN_IDENTITIES]
    share = min(judged, default=1.0)
    return round(share, 3), share < MIN_SHARE
