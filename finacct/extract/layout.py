"""Lines and rows from positioned words: the geometry shared by every PDF layout."""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

AMOUNT = re.compile(r"^-?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d{1,2}$|^-?\d{1,3}(?:,\d{3})+$|^[-—－–]{1,2}$")
DASH = re.compile(r"^[-—－–]{1,2}$")  # printed for zero
CODE = re.compile(r"^\d{2,7}$")


@dataclass(frozen=True)
class Word:
    """A run of characters on one baseline. Coordinates are top-down points."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    baseline: float
    size: float
    # the centre, stored: tables compare it with every ruling, hundreds of thousands of times a document
    xc: float = field(init=False, repr=False, compare=False)
    # whether it is an amount, stored: every line asks it of its words, the table reader again
    is_amount: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "xc", (self.x0 + self.x1) / 2)
        object.__setattr__(self, "is_amount", bool(AMOUNT.match(self.text)))

    @property
    def is_code(self) -> bool:
        return bool(CODE.match(self.text))


def amount(text: str) -> float:
    """'1,234.50' -> 1234.5; a dash printed for zero -> 0.0"""
    return 0.0 if DASH.match(text) else float(text.replace(",", ""))


@dataclass
class Line:
    """Words on (nearly) one baseline, left to right. Its text and whether it is a row (it
    holds an amount or starts with a classification code) are worked out when it is made: the
    template choice, locate and the table reader all ask every line."""

    words: list[Word]
    text: str = field(init=False, repr=False, compare=False)
    is_data: bool = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.text = "".join(w.text for w in self.words)
        first = self.words[0]
        self.is_data = any(w.is_amount for w in self.words) or (first.is_code and len(first.text) >= 3)

    @property
    def baseline(self) -> float:
        return sum(w.baseline for w in self.words) / len(self.words)


def group_lines(words: list[Word], tolerance: float = 0.45) -> list[Line]:
    """Cluster words by baseline: a word joins a line whose baseline is within
    `tolerance` × font size (single linkage, so slightly staggered cells stay together)."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.baseline):
        if lines and w.baseline - lines[-1][-1].baseline <= tolerance * w.size:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [Line(sorted(ws, key=lambda w: w.x0)) for ws in lines]


def band_index(y: float, rules: list[float]) -> int:
    """Index of the band between horizontal rulings (sorted top-down) that holds y."""
    return bisect.bisect_left(rules, y)
