"""How drafts, reports and the index print numbers: amounts with thousands separators and two
decimals, percentages with two. Plain formatting, importable without pandas (the batch's index
page uses it in the parent process)."""
from __future__ import annotations


def amount(x: float) -> str:
    return f"{x:,.2f}"


def pct(x: float) -> str:
    return f"{x:.2f}%"


def share(part: float, whole: float | None) -> str:
    """part as a percentage of whole; a dash when there is no whole."""
    return pct(100 * part / whole) if whole else "—"
