"""Rounding, explained: every printed amount is rounded to 0.01 万元, so each cell may be off
by up to 0.005; an identity over n printed cells may miss by n × 0.005 (尾数误差) and no more.
A stated percentage with d decimals may miss half-up rounding by one unit in its last place
(truncation) plus what the rounding of its inputs moves it."""
from __future__ import annotations

import math

CELL = 0.005
EPS = 1e-9


def amount_tolerance(n: int) -> float:
    """Largest gap n rounded cells can explain."""
    return round(n * CELL, 6)


def stated_tolerance(printed: float, rounded: int = 2) -> float:
    """How far a figure the 情况说明 states may lie from the table cell it names and still be that
    figure: both rounded once (`rounded` figures), or half a unit of its last printed digit
    (`printed`, in 万元: claims.precision) when coarser (25万元: 0.5). The amounts check judges by
    it, and the draft by the same measure declines to infer last year from a figure the check
    calls wrong; where the other side's rounding is counted apart, only the statement's own."""
    return max(amount_tolerance(rounded), printed)


def status(diff: float, tol: float) -> str:
    if abs(diff) < EPS:
        return "ok"
    return "rounding" if abs(diff) <= tol + EPS else "error"


def decimals(text: str) -> int:
    """Decimals printed in a number as written ('12.25' -> 2, '100' -> 0)."""
    return len(text.split(".")[1]) if "." in text else 0


def half_up(x: float, d: int = 2) -> float:
    q = 10 ** d
    return math.floor(abs(x) * q + 0.5 + EPS) / q * (1 if x >= 0 else -1)


def ratio_tolerance(num: float, den: float, d: int, cells: int = 1) -> float:
    """Tolerance of a stated percentage num/den×100 printed with d decimals: one unit in the
    last place, plus how far rounding of num and den (each ±cells×0.005) can move it."""
    moved = 100 * CELL * cells * (1 / abs(den) + abs(num) / den ** 2) if den else 0.0
    return round(10 ** -d + moved, 6)
