"""How far a table can be trusted, from its own arithmetic: its 类 = Σ 款 = Σ 项 hierarchy,
its 合计 = Σ 类, and the column sums its template declares (合计 = 基本支出 + 项目支出 …).

A table read from a layout finacct misunderstood (columns swapped, rows shifted) fails
these wholesale; a real document's own slips fail one or two. The first is withheld,
never reported as numbers.
"""
from __future__ import annotations

from collections import defaultdict

from finacct import classify
from finacct.tables.specs import TableSpec

# Fewer identities than this say too little to judge a table by.
MIN_IDENTITIES = 3
# A table holding fewer than this share of its identities was not read as printed.
MIN_SHARE = 0.5


def _holds(total: float, parts: list[float]) -> bool:
    """Equal within what rounding explains (half a unit of the last printed digit per cell),
    or within 0.1 % (a document's own slip is not what this looks for)."""
    whole = all(float(v).is_integer() for v in [total, *parts])
    diff = abs(total - sum(parts))
    return diff <= (0.5 if whole else 0.005) * (len(parts) + 1) + 1e-9 or diff <= 1e-3 * abs(total)


def identities(spec: TableSpec, facts: list[dict]) -> dict[str, tuple[int, int]]:
    """Per family of identities (the hierarchy; each declared column sum): (held, evaluated)."""
    cells: dict[str, dict[str, float]] = defaultdict(dict)
    for f in facts:
        cells[f["row"]][f["col"]] = f["value"]
    families: dict[str, list[bool]] = defaultdict(list)
    if spec.kind in ("functional", "economic"):
        codes = [r for r in cells if r.isdigit()]
        for col in {c for row in cells.values() for c in row}:
            for code in codes + ["total"]:
                children = [k for k in codes if (classify.parent(k) == code if code != "total" else len(k) == 3)]
                values = [cells[k][col] for k in children if col in cells[k]]
                if values and col in cells.get(code, {}):
                    families["hierarchy"].append(_holds(cells[code][col], values))
    for total, parts in spec.sums:
        for row in cells.values():
            values = [row[p] for p in parts if p in row]
            if total in row and sum(v != 0 for v in values) >= 2:  # one part alone equals any column it sits in
                families[f"{total} = {' + '.join(parts)}"].append(_holds(row[total], values))
    return {name: (sum(results), len(results)) for name, results in families.items()}


def unreadable(spec: TableSpec, facts: list[dict]) -> tuple[float, bool]:
    """The table's confidence (the least share of identities holding in any family judged)
    and whether some family fails wholesale: shifted rows break the hierarchy, swapped
    columns break the column sums while the hierarchy still holds in every column."""
    judged = [held / n for held, n in identities(spec, facts).values() if n >= MIN_IDENTITIES]
    share = min(judged, default=1.0)
    return round(share, 3), share < MIN_SHARE
