"""Positioned words and horizontal rulings from a PDF with a text layer (pypdfium2).

pypdfium2 wraps PDFium, ships as a self-contained wheel (no system packages) and
reads a 30-page disclosure an order of magnitude faster than pdfminer-based tools.
"""
from __future__ import annotations

import ctypes
from dataclasses import dataclass, field
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from finacct.errors import UnreadableError
from finacct.extract.layout import Line, Word, group_lines

# A character further than this fraction of the font size from its neighbour starts a new word.
WORD_GAP = 0.25
# Paths thinner than this (points) are rulings.
RULE_THICKNESS = 2.5


@dataclass
class Page:
    """One page: its 1-based number, size, words (top-down coordinates) and horizontal rulings."""

    number: int
    width: float
    height: float
    words: list[Word] = field(default_factory=list)
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # (y, x0, x1)
    vrules: list[tuple[float, float, float]] = field(default_factory=list)  # (x, top, bottom): vertical rulings
    lines: list[Line] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines = group_lines(self.words)


def open_pdf(path: Path) -> pdfium.PdfDocument:
    """Open a PDF or raise a one-line UnreadableError saying why it cannot be read."""
    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise UnreadableError(f"{path.name}: the PDF is encrypted (password protected)") from exc
        raise UnreadableError(f"{path.name}: not a readable PDF (damaged or truncated: {exc})") from exc


def read_pages(path: Path) -> list[Page]:
    """All pages of a PDF as positioned words and rulings."""
    doc = open_pdf(path)
    try:
        return [_page(doc[i], i + 1) for i in range(len(doc))]
    finally:
        doc.close()


def _page(page: pdfium.PdfPage, number: int) -> Page:
    width, height = page.get_size()
    rules, vrules = _rules(page, height)
    out = Page(number, width, height, _words(page, height), rules, vrules)
    page.close()
    return out


def _words(page: pdfium.PdfPage, height: float) -> list[Word]:
    tp = page.get_textpage()
    n = tp.count_chars()
    text = tp.get_text_range(0, n) if n else ""
    ox, oy = ctypes.c_double(), ctypes.c_double()
    words: list[Word] = []
    cur: list | None = None  # [text, x0, x1, top, bottom, baseline, size]
    for i, ch in enumerate(text[:n]):
        if ch.isspace() or ch == "\ufffe":
            if cur:
                words.append(Word(*cur))
            cur = None
            continue
        left, bottom, right, top = tp.get_charbox(i, loose=True)
        pdfium_c.FPDFText_GetCharOrigin(tp.raw, i, ox, oy)
        size = pdfium_c.FPDFText_GetFontSize(tp.raw, i)
        if not 0 < size <= 1.5 * (top - bottom):  # some producers report text-space sizes
            size = top - bottom
        base = height - oy.value
        if cur and abs(cur[5] - base) < 0.3 * size and -0.5 * size < left - cur[2] < WORD_GAP * size:
            cur[0] += ch
            cur[2] = max(cur[2], right)
            cur[3] = min(cur[3], height - top)
            cur[4] = max(cur[4], height - bottom)
        else:
            if cur:
                words.append(Word(*cur))
            cur = [ch, left, right, height - top, height - bottom, base, size]
    if cur:
        words.append(Word(*cur))
    tp.close()
    return words


def _rules(page: pdfium.PdfPage, height: float) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal rulings (y, x0, x1) and vertical ones (x, top, bottom): thin paths, and the
    edges of thin rectangles."""
    rules, vrules = [], []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_PATH,), max_depth=3):
        left, bottom, right, top = obj.get_bounds()
        if top - bottom <= RULE_THICKNESS and right - left > 3:
            rules.append((height - (top + bottom) / 2, left, right))
        elif right - left <= RULE_THICKNESS and top - bottom > 3:
            vrules.append(((left + right) / 2, height - top, height - bottom))
    return rules, vrules
