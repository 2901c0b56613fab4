"""RawRow: one printed table row before it is given its canonical key."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawRow:
    """A row as read: label text, printed code (joined 类款项), and cells keyed by column.

    `page` is the PDF page (or text-dump line) the row is printed on; `side` numbers the
    sides of two-sided tables (0 = left); `indent` is the text-dump indentation (项 rows)."""

    page: int
    label: str = ""
    code: str = ""
    cells: list[tuple[str | None, float]] = field(default_factory=list)
    side: int = 0
    indent: int = 0
