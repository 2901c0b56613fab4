"""增减原因 from data: which rows (项 by 功能分类, 款 by 经济分类) moved a total, by how much
and what share of the change each carries."""
from __future__ import annotations

from dataclasses import dataclass

from finacct.model import Disclosure

DIRECTION = {True: ("增加", "增加额"), False: ("减少", "减少额")}


@dataclass(frozen=True)
class Driver:
    code: str
    name: str
    delta: float
    share: float      # of the total change, percent


def _lines(d: Disclosure, table: str, col: str, digits: int) -> dict[str, tuple[str, float]]:
    f = d.facts
    f = f[(f["table"] == table) & (f["col"] == col) & (f["row"].str.len() == digits) & f["row"].str.isdigit()]
    return {r: (str(lab), float(v)) for r, lab, v in zip(f["row"], f["label"], f["value"])}


def drivers(current: Disclosure, prior: Disclosure, table: str = "t05", col: str = "total", digits: int = 7,
            top: int = 3, either_way: bool = False) -> list[Driver]:
    """The rows that moved most in the direction of the total change (7-digit 项 of t05 by
    default; t06 with col 'amount' and digits 5 gives 经济分类 款); `either_way` keeps the
    largest moves of both signs (a waterfall shows them all)."""
    now, before = _lines(current, table, col, digits), _lines(prior, table, col, digits)
    deltas = {c: round(now.get(c, ("", 0.0))[1] - before.get(c, ("", 0.0))[1], 2) for c in set(now) | set(before)}
    change = round(sum(deltas.values()), 2)
    if not change and not either_way:
        return []
    moved = sorted((c for c, v in deltas.items() if v and (either_way or (v > 0) == (change > 0))), key=lambda c: -abs(deltas[c]))
    return [Driver(c, (now.get(c) or before[c])[0], deltas[c], round(100 * deltas[c] / change, 1) if change else 0.0)
            for c in moved[:top]]


def phrase(found: list[Driver]) -> str:
    """主要是A增加309.21万元（占增加额的47%）、B…"""
    if not found:
        return ""
    parts = []
    for dr in found:
        word, base = DIRECTION[dr.delta > 0]
        parts.append(f"{dr.name}{word}{abs(dr.delta):,.2f}万元（占{base}的{dr.share:.0f}%）")
    return "主要是" + "、".join(parts)
