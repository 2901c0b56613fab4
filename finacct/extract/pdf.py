"""Positioned words and horizontal rulings from a PDF with a text layer (pypdfium2).

pypdfium2 wraps PDFium, ships as a self-contained wheel (no system packages) and
reads a 30-page disclosure an order of magnitude faster than pdfminer-based tools.
"""
from __future__ import annotations

import ctypes
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from finacct.errors import UnreadableError
from finacct.extract.guard import FORM_DEPTH, check_forms
from finacct.extract.layout import Line, Word, group_lines

# A character further than this fraction of the font size from its neighbour starts a new word.
WORD_GAP = 0.25
# Paths thinner than this (points) are rulings.
RULE_THICKNESS = 2.5
SAMPLES = 50                       # characters asked their angle to turn a page upright: a vote, not a census
RULE_DEPTH = 3                     # levels of content searched for rulings: the page, its forms, forms in those
# PDFium keeps what it parsed until the document is closed: reopened after this many pages.
REOPEN = 25
# Resource guards: a disclosure has tens to hundreds of pages, thousands of objects a page and
# a few form XObjects; anything far beyond is refused with one line before PDFium expands it
# (forms drawn within forms by finacct.extract.guard, from the file's bytes).
MAX_PAGES = 2000
MAX_TEXT_CHARS = 20_000_000        # about 50 MB of text (UTF-8) in the whole document
MAX_OBJECTS = 2_000_000            # page objects in the document, form contents counted where drawn
MAX_PAGE_OBJECTS = 200_000         # on one page: PDFium's text extraction is slow far beyond this


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
    """Open a PDF or raise a one-line UnreadableError saying why it cannot be read (or why it
    is refused: too many pages, or pages whose form XObjects would expand without bound)."""
    try:
        doc = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise UnreadableError(f"{path.name}: the PDF is encrypted (password protected)") from exc
        raise UnreadableError(f"{path.name}: not a readable PDF (damaged or truncated: {exc})") from exc
    try:
        if len(doc) > MAX_PAGES:
            raise UnreadableError(f"{path.name}: {len(doc)} pages, more than the {MAX_PAGES} a disclosure can have; refused")
        check_forms(path)
    except BaseException:
        doc.close()
        raise
    return doc


def everywhere(lines: list[Line]) -> bool:
    """Rulings on every page (what a reader of a page's geometry wants, unless told otherwise)."""
    return True


def iter_pages(path: Path, ruled: Callable[[list[Line]], bool] = everywhere) -> Iterator[Page]:
    """The pages of a PDF one at a time, as positioned words and rulings, within the resource
    guards. Rulings are read only on pages whose lines are `ruled` (those that can hold a
    table): their bounds are read from every path on the page, thousands on a ruled table.
    The document is reopened every REOPEN pages: PDFium keeps every object it has
    parsed until the document is closed, so its memory would otherwise grow with the page count."""
    doc = open_pdf(path)
    budget = Budget(path.name)
    try:
        for i in range(len(doc)):
            if i and i % REOPEN == 0:
                doc.close()
                doc = pdfium.PdfDocument(str(path))
            yield _page(doc[i], i + 1, budget, ruled)
    finally:
        doc.close()


@dataclass
class Budget:
    """What a document has used so far of the page-object and text limits."""

    name: str
    objects: int = 0
    chars: int = 0

    def add_objects(self, n: int, number: int) -> None:
        """Count a page's objects (n as _scan counted them up to self.left())."""
        if n > MAX_PAGE_OBJECTS:
            raise UnreadableError(f"{self.name}: page {number} holds more than {MAX_PAGE_OBJECTS:,} objects "
                                  "(counting those inside form XObjects); refused")
        self.objects += n
        if self.objects > MAX_OBJECTS:
            raise UnreadableError(f"{self.name}: more than {MAX_OBJECTS:,} page objects by page {number}; refused")

    def left(self) -> int:
        """Objects a page may hold before it or the document is refused, plus one."""
        return min(MAX_PAGE_OBJECTS, MAX_OBJECTS - self.objects) + 1

    def add_chars(self, n: int, number: int) -> None:
        self.chars += n
        if self.chars > MAX_TEXT_CHARS:
            raise UnreadableError(f"{self.name}: more than {MAX_TEXT_CHARS:,} characters of text by page {number}; refused")


def _bare(fn: Any) -> Any:
    """fn without ctypes' per-argument conversion, which costs more than PDFium's own work in
    the calls made for every character and page object (callers pass handles, ints and byref()s)."""
    return ctypes.CFUNCTYPE(fn.restype)(ctypes.cast(fn, ctypes.c_void_p).value)


_count_page, _count_form = _bare(pdfium_c.FPDFPage_CountObjects), _bare(pdfium_c.FPDFFormObj_CountObjects)
_get_page_obj, _get_form_obj = _bare(pdfium_c.FPDFPage_GetObject), _bare(pdfium_c.FPDFFormObj_GetObject)
_obj_type, _obj_bounds = _bare(pdfium_c.FPDFPageObj_GetType), _bare(pdfium_c.FPDFPageObj_GetBounds)
_char_angle, _font_size = _bare(pdfium_c.FPDFText_GetCharAngle), _bare(pdfium_c.FPDFText_GetFontSize)
_loose_box, _char_origin = _bare(pdfium_c.FPDFText_GetLooseCharBox), _bare(pdfium_c.FPDFText_GetCharOrigin)
_consume = deque(maxlen=0).extend
# What a word never holds, by code point (those past the BMP looked up as 0xFFFF): whitespace
# (str.isspace: none past U+3000) and the noncharacter 0xFFFE PDFium may put in text.
_BLANK = np.zeros(0x10000, bool)
_BLANK[[c for c in range(0x3001) if chr(c).isspace()] + [0xFFFE]] = True


def _bulk(fn: Any, args: list[Iterable], n: int, ctype: Any, values: int, pointers: int) -> np.ndarray:
    """fn(*args[i], out…) for i < n in one pass in C, with no Python object per call but the
    pointers: each call writes `values` ctype values, through one pointer to them all (a struct)
    or one pointer each; returned as an (n, values) array of floats."""
    buf = (ctype * (values * n))()
    size = ctypes.sizeof(ctype)
    outs = [map(ctypes.byref, repeat(buf, n), range(k * size, values * size * n, values * size)) for k in range(pointers)]
    _consume(map(fn, *args, *outs))
    return np.frombuffer(buf, np.dtype(ctype)).reshape(n, values).astype(float)


def _scan(parent: Any, count: Any, get: Any, depth: int, limit: int, paths: list) -> int:
    """Page objects in parent with those inside the form XObjects it draws (to FORM_DEPTH
    levels), counted up to `limit`; the paths within RULE_DEPTH levels, the candidate rulings,
    are added to `paths` in drawing order. One pass serves the guard and the rulings."""
    n = max(count(parent), 0)
    if n >= limit or depth >= FORM_DEPTH:
        return n
    objects = list(map(get, repeat(parent, n), range(n)))
    kinds = np.fromiter(map(_obj_type, objects), np.int64, n)
    ruling = (kinds == pdfium_c.FPDF_PAGEOBJ_PATH) & (depth < RULE_DEPTH)
    seen, start = n, 0
    for form in (*np.flatnonzero(kinds == pdfium_c.FPDF_PAGEOBJ_FORM).tolist(), n):   # the paths before each form, then its own
        paths.extend(map(objects.__getitem__, (np.flatnonzero(ruling[start:form]) + start).tolist()))
        if form == n:
            break
        seen += _scan(objects[form], _count_form, _get_form_obj, depth + 1, limit - seen, paths)
        if seen >= limit:
            break
        start = form + 1
    return seen


@dataclass(frozen=True)
class Frame:
    """Reading coordinates of a page: x along the text, y down the lines. Text printed
    turned a quarter (a landscape table on a portrait page, shown upright by /Rotate) is
    turned back, whatever the page's /Rotate says."""

    turns: int  # quarter turns of the text, counter-clockwise
    width: float  # page-space box
    height: float

    def point(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        w, h = self.width, self.height
        return ((x, h - y), (y, x), (w - x, y), (h - y, w - x))[self.turns]

    def box(self, left: np.ndarray, bottom: np.ndarray, right: np.ndarray, top: np.ndarray) -> tuple[np.ndarray, ...]:
        """(x0, x1, top, bottom) in reading coordinates."""
        (a, b), (c, d) = self.point(left, bottom), self.point(right, top)
        return np.minimum(a, c), np.maximum(a, c), np.minimum(b, d), np.maximum(b, d)

    @property
    def size(self) -> tuple[float, float]:
        return (self.width, self.height) if self.turns % 2 == 0 else (self.height, self.width)


def _frame(page: pdfium.PdfPage, tp: pdfium.PdfTextPage, n: int) -> Frame:
    """The quarter turn most of the page's characters are printed at (SAMPLES to twice as many
    sampled; the first turn of those with most votes)."""
    left, bottom, right, top = page.get_bbox()
    samples = range(0, n, max(1, n // SAMPLES))
    angles = np.fromiter(map(_char_angle, repeat(tp.raw), samples), float, len(samples))
    turns = (-np.round(angles[angles >= 0] / (math.pi / 2))).astype(np.int64) % 4   # pdfium measures clockwise; -1: unknown
    return Frame(int(np.argmax(np.bincount(turns, minlength=4))), right - left, top - bottom)


def _page(page: pdfium.PdfPage, number: int, budget: Budget, ruled: Callable[[list[Line]], bool]) -> Page:
    """One page read: its objects counted, with those inside the forms it draws (refused before
    any text is extracted if beyond the limits; the walk also finds its paths), then its words,
    then its rulings if its lines are `ruled`."""
    paths: list = []
    budget.add_objects(_scan(page.raw, _count_page, _get_page_obj, 0, budget.left(), paths), number)
    tp = page.get_textpage()
    n = tp.count_chars()
    budget.add_chars(n, number)
    frame = _frame(page, tp, n)
    width, height = frame.size
    out = Page(number, width, height, _words(tp, n, frame))
    if ruled(out.lines):
        out.rules, out.vrules = _rules(paths, frame)
    tp.close()
    page.close()
    return out


def _words(tp: pdfium.PdfTextPage, n: int, frame: Frame) -> list[Word]:
    """Characters joined into words (see _starts). The boxes, origins and sizes of all
    characters are read in bulk and turned into reading coordinates as arrays."""
    text = tp.get_text_range(0, n)[:n] if n else ""
    codes = np.frombuffer(text.encode("utf-32-le"), np.uint32)   # one per character of text, as indexed by PDFium
    chars = np.flatnonzero(~_BLANK[np.minimum(codes, 0xFFFF)])
    k = len(chars)
    if not k:
        return []
    at = chars.tolist()
    left, top, right, bottom = _bulk(_loose_box, [repeat(tp.raw, k), at], k, ctypes.c_float, 4, 1).T  # FS_RECTF order
    x0, x1, tops, bottoms = frame.box(left, bottom, right, top)
    base = frame.point(*_bulk(_char_origin, [repeat(tp.raw, k), at], k, ctypes.c_double, 2, 2).T)[1]
    size = np.fromiter(map(_font_size, repeat(tp.raw, k), at), float, k)
    size = np.where((size > 0) & (size <= 1.5 * (bottoms - tops)), size, bottoms - tops)  # some producers report text-space sizes
    starts = _starts(chars, x0, x1, base, size)
    ends = [*starts[1:], k]
    cols = (x0[starts], np.maximum.reduceat(x1, starts), np.minimum.reduceat(tops, starts),
            np.maximum.reduceat(bottoms, starts), base[starts], size[starts])
    return [Word(text[at[a]:at[b - 1] + 1], *v) for a, b, *v in zip(starts, ends, *(c.tolist() for c in cols))]


def _starts(chars: np.ndarray, x0: np.ndarray, x1: np.ndarray, base: np.ndarray, size: np.ndarray) -> list[int]:
    """Where words start: a character continues the word before it when it follows it in the
    text, on the word's first baseline and close after the word's right edge. Decided for all
    neighbours at once, which is exact as long as every word so far keeps one baseline and a
    rising right edge (the character before is then the word's baseline and edge); from the
    first word that does not, decided character by character (_walk). So is a page with a
    position that is no number (NaN compares unlike the walk's max())."""
    if not np.isfinite(np.stack((x0, x1, base, size))).all():
        return _walk(chars, x0, x1, base, size, 0)
    s, gap = size[1:], x0[1:] - x1[:-1]
    joined = np.zeros(len(chars), bool)
    joined[1:] = (chars[1:] == chars[:-1] + 1) & (np.abs(base[:-1] - base[1:]) < 0.3 * s) & (-0.5 * s < gap) & (gap < WORD_GAP * s)
    starts = np.flatnonzero(~joined)
    uneven = np.flatnonzero(joined[1:] & ((base[1:] != base[:-1]) | (x1[1:] < x1[:-1])))
    if not len(uneven):
        return starts.tolist()
    first = int(starts[np.searchsorted(starts, uneven[0] + 1, "right") - 1])   # the start of the first uneven word
    return starts[starts < first].tolist() + _walk(chars, x0, x1, base, size, first)


def _walk(chars: np.ndarray, x0: np.ndarray, x1: np.ndarray, base: np.ndarray, size: np.ndarray, begin: int) -> list[int]:
    """Word starts from `begin` (a word's start) on, one character at a time."""
    starts = []
    last, first_base, right_edge = -2, 0.0, 0.0   # the word so far: its first baseline, its right edge
    columns = (chars[begin:].tolist(), *(c[begin:].tolist() for c in (x0, x1, base, size)))
    for j, (i, a, b, y, s) in enumerate(zip(*columns), begin):
        if i == last + 1 and abs(first_base - y) < 0.3 * s and -0.5 * s < a - right_edge < WORD_GAP * s:
            right_edge = max(right_edge, b)
        else:
            starts.append(j)
            first_base, right_edge = y, b
        last = i
    return starts


def _rules(paths: list, frame: Frame) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal rulings (y, x0, x1) and vertical ones (x, top, bottom) in reading
    coordinates: thin paths, and the edges of thin rectangles."""
    if not paths:
        return [], []
    # left, bottom, right, top of each path (a path without bounds stays an empty box at 0, 0: no ruling)
    x0, x1, top, bottom = frame.box(*_bulk(_obj_bounds, [paths], len(paths), ctypes.c_float, 4, 4).T)
    flat = (bottom - top <= RULE_THICKNESS) & (x1 - x0 > 3)
    upright = ~flat & (x1 - x0 <= RULE_THICKNESS) & (bottom - top > 3)
    rules = list(zip(((top + bottom) / 2)[flat].tolist(), x0[flat].tolist(), x1[flat].tolist()))
    vrules = list(zip(((x0 + x1) / 2)[upright].tolist(), top[upright].tolist(), bottom[upright].tolist()))
    return rules, vrules
